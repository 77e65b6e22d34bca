"""Card rendering: the front and back of a card as styled text fragments.

Fragments are ``(style, text)`` pairs, prompt_toolkit's formatted-text shape, so the
terminal UI shows them directly and tests read them as plain text. Fenced code blocks are
highlighted with Pygments.
"""

from __future__ import annotations

import re

from recall.decks import CLOZE_RE
from recall.grading import show_value
from recall.storage import StoredCard

Fragments = list[tuple[str, str]]
FENCE_RE = re.compile(r"```([\w+-]*)[ \t]*\n(.*?)```[ \t]*\n?", re.DOTALL)
INLINE_CODE_RE = re.compile(r"`([^`\n]+)`")


def front(card: StoredCard, cloze: int = 0) -> Fragments:
    c = card.content
    if card.type == "basic":
        return text(c["front"])
    if card.type == "cloze":
        return text(cloze_text(c["text"], cloze, reveal=False))
    if card.type == "choice":
        out = text(c["question"])
        for i, choice in enumerate(c["choices"], start=1):
            out += [("class:choice", f"\n  {i}) "), ("", choice)]
        return out
    if card.type == "typed":
        return text(c["question"])
    if card.type == "numeric":
        return text(c["question"]) + [("class:dim", f"\n(answer in {c['unit']})")]
    if card.type == "exercise":
        p = c["predict"]
        return ([("class:choice", c["title"] + "\n\n")] + text(c["question"])
                + [("class:dim", f"\n\nPredict the {p['quantity']} on this machine, in {p['unit']}; "
                                 "optionally add your 90% interval: e.g. 80 50 120")])
    raise ValueError(card.type)


def back(card: StoredCard, cloze: int = 0) -> Fragments:
    """What the reveal adds under the front."""
    c = card.content
    if card.type == "basic":
        out = text(c["back"])
    elif card.type == "cloze":
        out = text(cloze_text(c["text"], cloze, reveal=True))
        if c.get("back"):
            out += [("", "\n")] + text(c["back"])
    elif card.type == "choice":
        out = [("class:answer", f"{c['answer']}) {c['choices'][c['answer'] - 1]}")]
    elif card.type == "typed":
        out = [("class:answer", str(c["answer"]))]
        if c.get("accept"):
            out += [("class:dim", "  (also accepted: " + ", ".join(map(str, c["accept"])) + ")")]
    elif card.type == "numeric":
        tol = c["tolerance"]
        tol_text = "exact" if tol == 0 else f"± {tol} {c['unit']}" if not isinstance(tol, str) else f"within {tol}"
        out = [("class:answer", f"{c['answer']:,} {c['unit']}"), ("class:dim", f"  ({tol_text})")]
    else:
        raise ValueError(card.type)
    if card.note:
        out += [("", "\n\n")] + text(card.note)
    if card.source:
        out += [("class:source", f"\n\nSource: {card.source}")]
    return out


def measured(card: StoredCard, m) -> Fragments:
    """The measurement, its spread and where it came from, then the explanation."""
    c = card.content
    unit = c["predict"]["unit"]
    scale = 100 if c["predict"]["kind"] == "fraction" else 1
    spread = "" if len(m.runs) < 2 else \
        f"  (runs {show_value(m.low * scale)}–{show_value(m.high * scale)}, CV {m.cv:.1%})"
    out: Fragments = [("class:answer", f"Measured: {show_value(m.value * scale)} {unit}"), ("class:dim", spread),
                      ("class:source", f"\n[{m.method}] on {m.machine.get('cpu', '?')}"
                                       + (" (virtualised)" if m.machine.get("virtualised") else "")
                                       + (" · cached" if m.cached else ""))]
    if m.counters_error and not m.method.startswith("hardware"):
        out.append(("class:dim", f"\nNo hardware counters: {m.counters_error}"))
    out += [("", "\n\n")] + text(c["explanation"])
    if c.get("concepts"):
        out.append(("class:dim", "\n\nConcepts: " + ", ".join(c["concepts"])))
    return out


def cloze_text(source: str, number: int, *, reveal: bool) -> str:
    """Hide deletion ``number`` as [...] (or [hint]); show every other deletion's answer.

    When revealed, the answer is wrapped in ⟦ ⟧ so it stands out even without colour.
    """

    def sub(m: re.Match) -> str:
        n, answer, hint = int(m.group(1)), m.group(2), m.group(3)
        if n != number:
            return answer
        if reveal:
            return f"⟦{answer}⟧"
        return f"[{hint}]" if hint else "[...]"

    return CLOZE_RE.sub(sub, source)


def text(source: str) -> Fragments:
    """Plain text with fenced code blocks highlighted; `inline code` is marked too."""
    out: Fragments = []
    pos = 0
    for m in FENCE_RE.finditer(source):
        out += _inline(source[pos:m.start()])
        out += code(m.group(2), m.group(1) or "text")
        pos = m.end()
    out += _inline(source[pos:])
    # Drop the trailing newline YAML block scalars leave.
    if out and out[-1][1].endswith("\n"):
        style, t = out[-1]
        out[-1] = (style, t.rstrip("\n"))
    return out


def code(source: str, language: str) -> Fragments:
    from pygments.lexers import TextLexer, get_lexer_by_name
    from pygments.util import ClassNotFound

    try:
        lexer = get_lexer_by_name(language)
    except ClassNotFound:
        lexer = TextLexer()
    out: Fragments = []
    for token, value in lexer.get_tokens(source):
        out.append(("class:pygments" + "".join("." + part.lower() for part in token), value))
    return out


def _inline(source: str) -> Fragments:
    out: Fragments = []
    for i, part in enumerate(INLINE_CODE_RE.split(source)):
        if part:
            out.append(("class:code" if i % 2 else "", part))
    return out


def plain(fragments: Fragments) -> str:
    return "".join(t for _, t in fragments)
