"""Grading: turn a learner's typed, chosen or estimated answer into a suggested rating.

The learner always has the last word: the session shows the suggestion and any of the four
keys overrides it. A response we cannot read (a numeric answer that is not a number, a choice
out of range) raises AnswerFormatError and nothing is recorded.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from recall.errors import RecallError
from recall.scheduling import Rating


class AnswerFormatError(RecallError):
    pass


@dataclass(frozen=True)
class Verdict:
    correct: bool
    suggested: Rating
    expected: str  # the right answer, as shown after reveal
    detail: str = ""  # e.g. "off by 12%"


def normalise(text: str) -> str:
    return " ".join(str(text).casefold().split())


def grade_typed(content: dict, response: str) -> Verdict:
    accepted = [content["answer"], *content.get("accept", [])]
    ok = normalise(response) in {normalise(a) for a in accepted}
    return Verdict(ok, Rating.GOOD if ok else Rating.AGAIN, str(content["answer"]))


def grade_choice(content: dict, response: str) -> Verdict:
    choices = content["choices"]
    text = response.strip()
    # isdecimal, not isdigit: "²" is a digit that int() cannot read.
    if not (text.isascii() and text.isdecimal()) or not 1 <= int(text) <= len(choices):
        raise AnswerFormatError(f"type the number of a choice, 1 to {len(choices)}")
    ok = int(text) == content["answer"]
    expected = f"{content['answer']}) {choices[content['answer'] - 1]}"
    return Verdict(ok, Rating.GOOD if ok else Rating.AGAIN, expected)


_SUFFIX = {"k": 1e3, "m": 1e6, "g": 1e9, "t": 1e12}


def parse_number(text: str, unit: str | None = None) -> float:
    """Read an estimate: ``64``, ``1,024``, ``1e-9``, ``2.5k``, ``16M``; the card's ``unit`` may follow.

    Anything else after the number is refused rather than guessed at (is ``16MB`` 16 or 16e6?).
    """
    t = text.strip().replace(",", "").replace("_", "")
    m = re.match(r"^([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)([kKMGT](?![A-Za-z]))?\s*(.*)$", t)
    rest = m.group(3).strip() if m else ""
    if not m or (rest and (unit is None or rest.casefold() != unit.strip().casefold())):
        shown = text.strip() or "nothing"
        raise AnswerFormatError(f"{shown!r} is not a number" + (f" of {unit}" if unit else "")
                                + "; type e.g. 64, 1.5e6 or 2.5k")
    value = float(m.group(1))
    if m.group(2):
        value *= _SUFFIX[m.group(2).lower()]
    if not math.isfinite(value):
        raise AnswerFormatError(f"{text.strip()!r} is too large a number")
    return value


def grade_numeric(content: dict, response: str) -> Verdict:
    """Within the tolerance is Good; within three times it Hard; beyond that Again.

    An exact fact (tolerance 0) is Good only when exact, and Hard within 10 %.
    """
    guess = parse_number(response, content["unit"])
    answer = float(content["answer"])
    tol = content["tolerance"]
    expected = f"{_fmt(answer)} {content['unit']}"
    if isinstance(tol, str) and tol.lstrip().lower().startswith(("x", "×")):
        factor = float(tol.strip()[1:])
        if guess <= 0 or answer <= 0:
            off = math.inf
        else:
            off = abs(math.log(guess / answer)) / math.log(factor) if factor > 1 else (0 if guess == answer else math.inf)
        ratio = guess / answer if answer else math.inf
        detail = f"{ratio:.2g}× the answer"
    else:
        if isinstance(tol, str):  # "N%"
            allowed = abs(answer) * float(tol.strip().rstrip("%")) / 100
        else:
            allowed = float(tol)
        err = abs(guess - answer)
        if allowed == 0:
            off = 0 if err == 0 else (2 if answer and err / abs(answer) <= 0.10 else math.inf)
        else:
            off = err / allowed
        detail = f"off by {_fmt(err)} {content['unit']}" if err else "exact"
    if off <= 1:
        rating = Rating.GOOD
    elif off <= 3:
        rating = Rating.HARD
    else:
        rating = Rating.AGAIN
    return Verdict(off <= 1, rating, expected, detail)


def grade(card_type: str, content: dict, response: str) -> Verdict:
    if card_type == "typed":
        return grade_typed(content, response)
    if card_type == "choice":
        return grade_choice(content, response)
    if card_type == "numeric":
        return grade_numeric(content, response)
    raise ValueError(f"{card_type} cards are self-graded")


def takes_response(card_type: str) -> bool:
    return card_type in ("typed", "choice", "numeric", "exercise")


def show_value(x: float) -> str:
    """A measured or predicted value for people: whole numbers exactly (16,777,216), others to
    three significant digits (76.2, 0.125)."""
    x = float(x)
    if x.is_integer() and abs(x) < 1e15:
        return f"{x:,.0f}"
    return f"{x:.3g}"


def _fmt(x: float) -> str:
    return f"{x:,.0f}" if float(x).is_integer() and abs(x) < 1e15 else f"{x:.4g}"


# --- predictions of measured quantities -----------------------------------------------

# Default thresholds per kind: a prediction within ``easy`` is Easy, within ``good`` Good,
# within ``hard`` Hard, beyond that Again. Positive quantities: a factor; fractions:
# percentage points; counts: relative error (0 is exact).
DEFAULT_THRESHOLDS = {
    "positive": {"easy": 1.5, "good": 3.0, "hard": 10.0},
    "fraction": {"easy": 2.0, "good": 5.0, "hard": 15.0},
    "count": {"easy": 0.0, "good": 0.10, "hard": 1.0},
}
_STEP_DOWN = {Rating.EASY: Rating.GOOD, Rating.GOOD: Rating.HARD, Rating.HARD: Rating.AGAIN, Rating.AGAIN: Rating.AGAIN}


@dataclass(frozen=True)
class Prediction:
    value: float
    low: float | None = None  # the learner's 90 % interval, if given
    high: float | None = None


@dataclass(frozen=True)
class PredictionVerdict:
    suggested: Rating
    error: float  # in the kind's measure: decades (positive), points (fraction), relative (count)
    error_text: str
    interval_hit: bool | None  # None when no interval was given


def parse_prediction(text: str) -> Prediction:
    """``64`` or ``64 32 128`` (a value and a 90 % interval), commas or dashes allowed between."""
    parts = [p for p in re.split(r"[\s,;]+|(?<=\d)-(?=\d)", text.strip()) if p]
    if len(parts) not in (1, 3):
        raise AnswerFormatError("type your prediction, optionally followed by a 90% interval: e.g. 80 or 80 50 120")
    value, *rest = (parse_number(p) for p in parts)
    if rest:
        low, high = sorted(rest)
        return Prediction(value, low, high)
    return Prediction(value)


def grade_prediction(kind: str, predicted: Prediction, measured: float, spread: tuple[float, float],
                     thresholds: dict | None = None) -> PredictionVerdict:
    """Grade a prediction against what was measured.

    ``spread`` is the runs' (min, max): for positive quantities, half the decades it spans is
    forgiven, so noise in the measurement does not cost a rating. Fractions are given and
    measured as 0..1 and graded in percentage points.
    """
    t = DEFAULT_THRESHOLDS[kind] | {k: v for k, v in (thresholds or {}).items() if v is not None}
    p, m = predicted.value, measured
    if kind == "positive":
        if p <= 0 or m <= 0:
            error, rating = math.inf, Rating.AGAIN
        else:
            lo, hi = spread
            noise = 0.5 * math.log10(hi / lo) if lo > 0 and hi > 0 else 0.0
            error = max(0.0, abs(math.log10(p / m)) - noise)
            rating = _by_threshold(error, {k: math.log10(v) for k, v in t.items()})
        text = f"{p / m:.2g}× the measurement" if p > 0 and m > 0 else "not a positive number"
    elif kind == "fraction":
        error = abs(p - m) * 100
        rating = _by_threshold(error, t)
        text = f"off by {error:.1f} percentage points"
    elif kind == "count":
        error = abs(p - m) / abs(m) if m else (0.0 if p == m else math.inf)
        if p == m:
            rating = Rating.EASY
        elif error <= t["good"] + _EPS:
            rating = Rating.GOOD
        else:
            # Hard is "within a factor of 2" (or the exercise's own relative bound), both ways.
            factor = max(p / m, m / p) if p > 0 and m > 0 else math.inf
            bound = max(2.0, 1 + t["hard"])
            rating = Rating.HARD if error <= t["hard"] + _EPS and factor <= bound + _EPS else Rating.AGAIN
        text = "exact" if p == m else f"off by {abs(p - m):g} ({error:.0%})"
    else:
        raise ValueError(kind)
    hit = None
    if predicted.low is not None:
        hit = predicted.low <= m <= predicted.high
        if not hit:
            rating = _STEP_DOWN[rating]
        wide = predicted.low <= 0 or predicted.high / predicted.low > 10  # "somewhere in 10×" is not Easy
        if wide and rating == Rating.EASY:
            rating = Rating.GOOD
    return PredictionVerdict(rating, error, text, hit)


_EPS = 1e-9  # 17 % typed against 0.12 is 5.000000000000002 points off: still "within 5"


def _by_threshold(error: float, t: dict) -> Rating:
    if error <= t["easy"] + _EPS:
        return Rating.EASY
    if error <= t["good"] + _EPS:
        return Rating.GOOD
    if error <= t["hard"] + _EPS:
        return Rating.HARD
    return Rating.AGAIN
