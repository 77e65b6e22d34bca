"""Export to Anki: an .apkg that real Anki imports, and that updates its notes on re-export.

genanki writes the package. What makes re-export update instead of duplicate:
* note GUIDs derived from card ids, and note types and decks with fixed ids;
* the package timestamp (Anki's note modification time) is the newest change among the
  exported cards, so it grows when content changes: Anki updates a note only when the
  incoming one is newer.

``--with-history`` needs the ``anki`` package (optional): the genanki package is imported
into a scratch Anki collection, the review log and FSRS memory state are written there, and
Anki itself exports the result. Anki attaches history only to notes a collection does not
have yet.
"""

from __future__ import annotations

import hashlib
import html
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from recall import curriculum
from recall.errors import RecallError
from recall.grading import show_value
from recall.planner import submodule_order
from recall.render import FENCE_RE, INLINE_CODE_RE
from recall.storage import Store, StoredCard

ROOT_DECK = "ML Systems"

# Fixed forever: Anki recognises our note types by these ids across exports.
MODEL_IDS = {
    "basic": 1_607_392_301,
    "cloze": 1_607_392_302,
    "choice": 1_607_392_303,
    "typed": 1_607_392_304,
    "numeric": 1_607_392_305,
    "exercise": 1_607_392_306,
}

CSS = """
.card { font-family: sans-serif; font-size: 18px; text-align: left; color: black; background: white; }
.source { margin-top: 1.2em; font-size: 12px; color: #777; }
.note { margin-top: 0.8em; }
.unit { color: #555; }
.cloze { font-weight: bold; color: #0645ad; }
pre { font-size: 14px; padding: 0.4em; border-radius: 4px; overflow-x: auto; }
"""

SOURCE = '{{#Source}}<div class="source">Source: {{Source}}</div>{{/Source}}'
NOTE = '{{#Note}}<div class="note">{{Note}}</div>{{/Note}}'


class ExportError(RecallError):
    pass


@dataclass
class ExportReport:
    path: Path
    notes: int
    decks: int
    with_history: bool
    reviews: int = 0


def _models():
    import genanki

    def model(kind: str, name: str, fields: list[str], qfmt: str, afmt: str, **kw):
        return genanki.Model(MODEL_IDS[kind], name, fields=[{"name": f} for f in fields],
                             templates=[{"name": "Card 1", "qfmt": qfmt, "afmt": afmt}], css=CSS, **kw)

    return {
        "basic": model("basic", "recall basic", ["Front", "Back", "Note", "Source"],
                       "{{Front}}", "{{FrontSide}}<hr id=answer>{{Back}}" + NOTE + SOURCE),
        "cloze": genanki.Model(
            MODEL_IDS["cloze"], "recall cloze", fields=[{"name": f} for f in ("Text", "Back Extra", "Note", "Source")],
            templates=[{"name": "Cloze", "qfmt": "{{cloze:Text}}",
                        "afmt": "{{cloze:Text}}<br>{{Back Extra}}" + NOTE + SOURCE}],
            css=CSS, model_type=genanki.Model.CLOZE),
        "choice": model("choice", "recall choice", ["Question", "Choices", "Answer", "Note", "Source"],
                        "{{Question}}{{Choices}}", "{{FrontSide}}<hr id=answer>{{Answer}}" + NOTE + SOURCE),
        "typed": model("typed", "recall typed", ["Question", "Answer", "Note", "Source"],
                       "{{Question}}<br>{{type:Answer}}",
                       "{{Question}}<hr id=answer>{{type:Answer}}" + NOTE + SOURCE),
        "numeric": model("numeric", "recall numeric",
                         ["Question", "Unit", "Answer", "Tolerance", "Measured", "Note", "Source"],
                         '{{Question}}<div class="unit">(answer in {{Unit}})</div>',
                         "{{FrontSide}}<hr id=answer>{{Answer}} {{Unit}} <span class=unit>({{Tolerance}})</span>"
                         "{{#Measured}}<div>Your machine measured: {{Measured}}</div>{{/Measured}}"
                         + NOTE + SOURCE),
        "exercise": model("exercise", "recall prediction",
                          ["Title", "Question", "Quantity", "Unit", "Measured", "Explanation", "Source"],
                          "<b>{{Title}}</b><br>{{Question}}"
                          '<div class="unit">Predict the {{Quantity}} on your machine, in {{Unit}}.</div>',
                          "{{FrontSide}}<hr id=answer>"
                          "{{#Measured}}<div>Your machine measured: {{Measured}}</div>{{/Measured}}"
                          "{{^Measured}}<div>Not measured yet: <code>recall exercise run</code> measures it."
                          "</div>{{/Measured}}"
                          '<div class="note">{{Explanation}}</div>' + SOURCE),
    }


def to_html(text: str, *, is_html: bool = False) -> str:
    """Card text to HTML: escaped (unless the deck is HTML), code fences highlighted inline."""
    if not text:
        return ""
    out = []
    pos = 0
    for m in FENCE_RE.finditer(text):
        out.append(_inline_html(text[pos:m.start()], is_html))
        out.append(highlight(m.group(2), m.group(1) or "text"))
        pos = m.end()
    out.append(_inline_html(text[pos:], is_html))
    return "".join(out).strip()


def highlight(code: str, language: str) -> str:
    from pygments import highlight as pyg_highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import TextLexer, get_lexer_by_name
    from pygments.util import ClassNotFound

    try:
        lexer = get_lexer_by_name(language)
    except ClassNotFound:
        lexer = TextLexer()
    # Inline styles: an .apkg carries no stylesheet for Pygments' classes.
    return pyg_highlight(code, lexer, HtmlFormatter(noclasses=True, style="friendly"))


def _inline_html(text: str, is_html: bool) -> str:
    if is_html:
        return text
    parts = INLINE_CODE_RE.split(text)
    pieces = [f"<code>{html.escape(p)}</code>" if i % 2 else html.escape(p) for i, p in enumerate(parts)]
    return "".join(pieces).replace("\n", "<br>")


def deck_name(module_id: str, submodule: str) -> str:
    """``ML Systems::01 Computer Architecture::02 Memory Hierarchy``, numbered in learning order."""
    module = curriculum.MODULES_BY_ID[module_id]
    number, _, words = submodule.partition("-")
    sub = f"{number} {words.replace('-', ' ').title()}" if number.isdigit() else submodule.replace("-", " ").title()
    return f"{ROOT_DECK}::{module.position:02d} {module.title}::{sub}"


def deck_id(name: str) -> int:
    return 1 << 30 | int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "big") >> 2


def note_fields(card: StoredCard, measured: str = "") -> list[str]:
    c = card.content
    h = card.html
    note = to_html(card.note or "", is_html=h)
    source = html.escape(card.source or "")
    if card.type == "basic":
        return [to_html(c["front"], is_html=h), to_html(c["back"], is_html=h), note, source]
    if card.type == "cloze":
        return [to_html(c["text"], is_html=h), to_html(c.get("back", ""), is_html=h), note, source]
    if card.type == "choice":
        items = "".join(f"<li>{to_html(str(x), is_html=h)}</li>" for x in c["choices"])
        answer = f"{c['answer']}) {to_html(str(c['choices'][c['answer'] - 1]), is_html=h)}"
        return [to_html(c["question"], is_html=h), f"<ol>{items}</ol>", answer, note, source]
    if card.type == "typed":
        # Anki compares the typed text with this field as plain text: keep it unmarked.
        return [to_html(c["question"], is_html=h), html.escape(str(c["answer"])), note, source]
    if card.type == "exercise":
        p = c["predict"]
        return [html.escape(c["title"]), to_html(c["question"], is_html=h), html.escape(p["quantity"]),
                html.escape(p["unit"]), html.escape(measured), to_html(c["explanation"], is_html=h), source]
    if card.type == "numeric":
        tol = c["tolerance"]
        tol_text = "exact" if tol == 0 else f"within {tol}" if isinstance(tol, str) else f"± {tol} {c['unit']}"
        return [to_html(c["question"], is_html=h), html.escape(c["unit"]), html.escape(f"{c['answer']:,}"),
                html.escape(tol_text), html.escape(measured), note, source]
    raise ValueError(card.type)


def note_tags(card: StoredCard) -> list[str]:
    return [card.module, f"{card.module}::{card.submodule}", *card.tags]


def build_package(cards: list[StoredCard], measured: dict[str, tuple[str, datetime]] | None = None):
    """A genanki Package holding ``cards`` in curriculum decks, and its timestamp.

    ``measured`` maps a card id to the learner's last measured value (text) and when it was
    measured; a new measurement moves the timestamp on, so Anki takes the updated notes.
    """
    import genanki

    measured = measured or {}
    models = _models()
    order = submodule_order([])  # seed order for 01–04; others sort by name
    cards = sorted(cards, key=lambda c: (curriculum.MODULES_BY_ID[c.module].position,
                                         order.get((c.module, c.submodule), 999), c.submodule, c.position, c.id))
    decks: dict[str, genanki.Deck] = {}
    for card in cards:
        name = deck_name(card.module, card.submodule)
        deck = decks.get(name)
        if deck is None:
            deck = decks[name] = genanki.Deck(deck_id(name), name)
        fields = note_fields(card, measured.get(card.id, ("", None))[0])
        deck.add_note(genanki.Note(model=models[card.type], fields=fields, tags=note_tags(card),
                                   guid=genanki.guid_for("recall", card.id)))
    changes = [c.updated_at for c in cards if c.updated_at] + [at for _, at in measured.values() if at]
    newest = max(changes, default=datetime(2026, 1, 1, tzinfo=timezone.utc))
    return genanki.Package(list(decks.values())), newest.timestamp()


def measured_values(store: Store, cards: list[StoredCard]) -> dict[str, tuple[str, datetime]]:
    """The learner's last measurement for each exercise, and for each numeric card an exercise
    names as a concept."""
    # Every exercise counts, even one outside the exported modules: it may measure a card inside.
    exercises = {c.id: c for c in cards if c.type == "exercise"}
    if any(c.type == "numeric" for c in cards):
        exercises |= {c.id: c for c in store.live_cards() if c.type == "exercise"}
    out: dict[str, tuple[str, datetime]] = {}
    numeric = {c.id for c in cards if c.type == "numeric"}
    for ex in exercises.values():
        m = store.latest_measurement(ex.id)
        if m is None:
            continue
        scale = 100 if ex.content["predict"]["kind"] == "fraction" else 1
        at = datetime.fromisoformat(m["measured_at"])
        text = f"{show_value(m['value'] * scale)} {ex.content['predict']['unit']} ({m['method']}, {at:%Y-%m-%d})"
        out[ex.id] = (text, at)
        for concept in ex.content.get("concepts") or []:
            if concept in numeric and (concept not in out or out[concept][1] < at):
                out[concept] = (f"{text}, by exercise {ex.id}", at)
    return out


def export_anki(store: Store, out: Path, *, now: datetime, modules: list[str] | None = None,
                with_history: bool = False, config=None) -> ExportReport:
    cards = store.live_cards(modules)
    if not cards:
        raise ExportError("no cards to export" + (f" in {', '.join(modules)}" if modules else ""))
    package, timestamp = build_package(cards, measured_values(store, cards))
    out = Path(out)
    if out.is_dir() or not out.name:
        raise ExportError(f"{out} is a directory; give a file name such as {out / 'ml-systems.apkg'}")
    if not out.parent.is_dir():
        raise ExportError(f"{out.parent} does not exist")
    try:
        return _write(store, package, timestamp, cards, out, now, with_history, config)
    except OSError as e:
        raise ExportError(f"cannot write {out}: {e.strerror or e}") from None


def _write(store, package, timestamp, cards, out, now, with_history, config) -> ExportReport:
    if not with_history:
        package.write_to_file(str(out), timestamp=timestamp)
        return ExportReport(out, len(cards), len(package.decks), False)
    from recall import anki_history

    reviews = anki_history.write_with_history(store, package, timestamp, cards, out, now, config)
    return ExportReport(out, len(cards), len(package.decks), True, reviews)

