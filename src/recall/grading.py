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
    if not text.isdigit() or not 1 <= int(text) <= len(choices):
        raise AnswerFormatError(f"type the number of a choice, 1 to {len(choices)}")
    ok = int(text) == content["answer"]
    expected = f"{content['answer']}) {choices[content['answer'] - 1]}"
    return Verdict(ok, Rating.GOOD if ok else Rating.AGAIN, expected)


_SUFFIX = {"k": 1e3, "m": 1e6, "g": 1e9, "t": 1e12}


def parse_number(text: str) -> float:
    """Read an estimate: ``64``, ``1,024``, ``1e-9``, ``2.5k``, ``16M``, optionally with a unit after it."""
    t = text.strip().replace(",", "").replace("_", "")
    m = re.match(r"^([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([kKmMgGtT](?![a-zA-Z]))?", t)
    if not m:
        raise AnswerFormatError(f"{text.strip() or 'nothing'!r} is not a number; type e.g. 64, 1.5e6 or 2.5k")
    value = float(m.group(1))
    if m.group(2):
        value *= _SUFFIX[m.group(2).lower()]
    return value


def grade_numeric(content: dict, response: str) -> Verdict:
    """Within the tolerance is Good; within three times it Hard; beyond that Again.

    An exact fact (tolerance 0) is Good only when exact, and Hard within 10 %.
    """
    guess = parse_number(response)
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
    return card_type in ("typed", "choice", "numeric")


def _fmt(x: float) -> str:
    return f"{x:,.0f}" if float(x).is_integer() and abs(x) < 1e15 else f"{x:.4g}"
