"""Deck parsing and validation: YAML files in, typed cards or located problems out.

A deck lives at ``<root>/<module-id>/<submodule>.yaml``. YAML is composed with the safe
loader so that every value keeps its line and column; each problem is reported as
``file:line:column: message`` with the offending source line under it.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml

from recall import curriculum
from recall.errors import RecallError

try:  # libyaml is much faster when present; both are safe loaders
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader

CARD_TYPES = ("basic", "cloze", "choice", "typed", "numeric")
COMMON_KEYS = {"id", "type", "tags", "source", "note"}
# For each type: required keys, optional keys.
TYPE_KEYS: dict[str, tuple[set[str], set[str]]] = {
    "basic": ({"front", "back"}, set()),
    "cloze": ({"text"}, {"back"}),
    "choice": ({"question", "choices", "answer"}, set()),
    "typed": ({"question", "answer"}, {"accept"}),
    "numeric": ({"question", "answer", "unit", "tolerance"}, set()),
}
ID_RE = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
CLOZE_RE = re.compile(r"\{\{c(\d+)::(.*?)(?:::(.*?))?\}\}", re.DOTALL)
BAD_CLOZE_RE = re.compile(r"\{\{c0*::")
TOLERANCE_RE = re.compile(r"^\s*(?:(?P<pct>\d+(?:\.\d+)?)\s*%|[x×]\s*(?P<factor>\d+(?:\.\d+)?))\s*$")


@dataclass(frozen=True)
class Card:
    id: str
    type: str
    module: str
    submodule: str
    path: str  # the deck file, absolute
    line: int  # 1-based line of the card in its file
    position: int  # 0-based index of the card in its file
    content: dict  # the type's own fields (front/back, text, question/choices/answer, ...)
    tags: tuple[str, ...] = ()
    source: str | None = None
    note: str | None = None
    html: bool = False  # the deck's text is HTML (deck-level `html: true`); otherwise it is escaped

    def cloze_numbers(self) -> list[int]:
        if self.type != "cloze":
            return []
        return sorted({int(m.group(1)) for m in CLOZE_RE.finditer(self.content["text"])})

    def item_ids(self) -> list[str]:
        """One review item per card, or one per cloze number."""
        if self.type == "cloze":
            return [item_id(self.id, n) for n in self.cloze_numbers()]
        return [self.id]

    def to_json(self) -> str:
        data = {"content": self.content, "tags": list(self.tags), "source": self.source, "note": self.note}
        if self.html:  # only when set, so older cards keep their content hash
            data["html"] = True
        return json.dumps(data, sort_keys=True, ensure_ascii=False)

    def content_hash(self) -> str:
        return hashlib.sha256((self.type + self.to_json()).encode()).hexdigest()[:16]


def item_id(card_id: str, cloze: int = 0) -> str:
    return f"{card_id}::c{cloze}" if cloze else card_id


def split_item_id(iid: str) -> tuple[str, int]:
    card_id, sep, rest = iid.partition("::c")
    return (card_id, int(rest)) if sep else (card_id, 0)


@dataclass(frozen=True)
class Problem:
    path: str
    line: int  # 1-based
    column: int  # 1-based
    message: str
    source_line: str = ""

    def one_line(self) -> str:
        return f"{display_path(self.path)}:{self.line}:{self.column}: {self.message}"

    def render(self) -> str:
        """The one-line form plus the source line and a caret pointing at the problem."""
        if not self.source_line:
            return self.one_line()
        caret = " " * (max(self.column, 1) - 1) + "^"
        return f"{self.one_line()}\n    {self.source_line}\n    {caret}"


class DeckError(RecallError):
    """A deck could not be used; carries every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        more = f" (and {len(problems) - 1} more; run `recall check`)" if len(problems) > 1 else ""
        super().__init__(problems[0].one_line() + more)


@dataclass
class ParseResult:
    cards: list[Card] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    title: str | None = None


def display_path(path: str) -> str:
    p = Path(path)
    try:
        return str(p.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(p)


def locate(path: Path, root: Path) -> tuple[str, str] | str:
    """(module, submodule) for a deck path under ``root``, or a message saying why not."""
    try:
        rel = path.resolve().relative_to(root.resolve())
    except ValueError:
        return f"not under the deck directory {root}"
    if len(rel.parts) != 2 or rel.suffix not in (".yaml", ".yml"):
        return "a deck must be <module-id>/<submodule>.yaml inside a deck directory"
    module_id, sub = rel.parts[0], Path(rel.parts[1]).stem
    module = curriculum.MODULES_BY_ID.get(module_id)
    if module is None:
        return f"unknown module folder {module_id!r}; modules are: " + ", ".join(curriculum.MODULES_BY_ID)
    if module.submodules and sub not in {s.id for s in module.submodules}:
        return (f"{module_id} has no submodule {sub!r}; its submodules are: "
                + ", ".join(s.id for s in module.submodules))
    return module_id, sub


def load_yaml(path: Path, text: str | None, result: "ParseResult"):
    """Compose a YAML file into nodes that keep their positions.

    Returns (document node or None, problem reporter), or None when the file cannot be read or
    is not YAML (the problem is already in ``result``). The reporter takes a node or mark and a
    message and records a Problem pointing at that line and column.
    """
    spath = str(path.resolve())
    if text is None:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            result.problems.append(Problem(spath, 1, 1, f"cannot read: {exc}"))
            return None
    lines = text.splitlines()

    def problem(node_or_mark, message: str) -> None:
        mark = getattr(node_or_mark, "start_mark", node_or_mark)
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        src = lines[line - 1] if 0 < line <= len(lines) else ""
        result.problems.append(Problem(spath, line, col, message, src))

    loader = _Loader(text)
    try:
        return loader.get_single_node(), problem
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        if mark is None and isinstance(exc, yaml.reader.ReaderError):
            # Bad characters: turn the character offset into a line and column.
            before = text[:exc.position]
            mark = yaml.Mark("", exc.position, before.count("\n"), len(before) - before.rfind("\n") - 1, None, None)
            message = f"character {exc.character!r} is not allowed in YAML"
        else:
            message = f"YAML syntax: {getattr(exc, 'problem', None) or str(exc).splitlines()[0]}"
        problem(mark, message)
        return None
    finally:
        loader.dispose()


def parse_file(path: Path, root: Path, text: str | None = None) -> ParseResult:
    """Parse one deck file. Never raises on bad content: problems are returned."""
    spath = str(path.resolve())
    result = ParseResult()
    loaded = load_yaml(path, text, result)
    if loaded is None:
        return result
    doc, problem = loaded
    where = locate(path, root)
    if isinstance(where, str):
        problem(None, where)
        return result
    module_id, submodule = where
    if doc is None:
        problem(None, "empty deck: expected a mapping with a 'cards' list")
        return result
    if not isinstance(doc, yaml.MappingNode):
        problem(doc, "a deck must be a mapping with a 'cards' list")
        return result

    top = node_mapping(doc, problem)
    for key, (knode, _) in top.items():
        if key not in ("title", "html", "cards"):
            problem(knode, f"unknown key {key!r} at deck level (allowed: title, html, cards)")
    if "title" in top:
        result.title = node_text(top["title"][1], "title", problem)
    html = False
    if "html" in top:
        hnode = top["html"][1]
        html = node_scalar(hnode) if isinstance(hnode, yaml.ScalarNode) else None
        if not isinstance(html, bool):
            problem(hnode, "'html' must be true or false")
            html = False
    if "cards" not in top:
        problem(doc, "missing 'cards': a deck needs a list of cards")
        return result
    cards_node = top["cards"][1]
    if not isinstance(cards_node, yaml.SequenceNode):
        problem(cards_node, "'cards' must be a list")
        return result
    seen: dict[str, Card] = {}
    for position, node in enumerate(cards_node.value):
        card = _card(node, position, spath, module_id, submodule, problem)
        if card is None:
            continue
        if html:
            card = replace(card, html=True)
        if card.id in seen:
            id_node = next(v for k, v in node.value if k.value == "id")
            problem(id_node, f"duplicate id {card.id!r} (first at line {seen[card.id].line})")
            continue
        seen[card.id] = card
        result.cards.append(card)
    return result


def node_mapping(node, problem) -> dict[str, tuple]:
    """Keys to (key node, value node); reports non-text and duplicate keys."""
    out: dict[str, tuple] = {}
    for knode, vnode in node.value:
        if not isinstance(knode, yaml.ScalarNode):
            problem(knode, "keys must be plain words")
            continue
        key = knode.value
        if key in out:
            problem(knode, f"duplicate key {key!r}")
            continue
        out[key] = (knode, vnode)
    return out


class _Unsupported:
    """Marks a scalar the safe loader refused (an unknown tag, !!int abc): reported as a wrong type."""


UNSUPPORTED = _Unsupported()


def node_scalar(node):
    """A scalar's value with YAML's safe types (int, float, bool, str, None), or UNSUPPORTED."""
    loader = _Loader("")
    try:
        return loader.construct_object(node, deep=True)
    except (yaml.YAMLError, ValueError, TypeError, OverflowError):
        return UNSUPPORTED
    finally:
        loader.dispose()


def node_text(node, key: str, problem, *, allow_numbers: bool = False) -> str | None:
    if isinstance(node, yaml.ScalarNode):
        value = node_scalar(node)
        if isinstance(value, str) and value.strip():
            return value
        if allow_numbers and isinstance(value, (int, float)) and not isinstance(value, bool):
            return node.value
        if isinstance(value, str):
            problem(node, f"'{key}' is empty")
            return None
    problem(node, f"'{key}' must be text")
    return None


def _card(node, position: int, path: str, module: str, submodule: str, problem) -> Card | None:
    if not isinstance(node, yaml.MappingNode):
        problem(node, "each card must be a mapping with at least 'id'")
        return None
    errors: list[str] = []

    def bad(n, message: str) -> None:
        errors.append(message)
        problem(n, message)

    fields = node_mapping(node, bad)
    if "id" not in fields:
        bad(node, "card without 'id' (every card needs a unique, permanent id)")
        return None
    cid = node_text(fields["id"][1], "id", bad, allow_numbers=True)
    if cid is not None and not ID_RE.match(cid):
        bad(fields["id"][1], f"id {cid!r} must be lowercase letters, digits, '.', '_' or '-' "
                             "and start with a letter or digit")
    ctype = "basic"
    if "type" in fields:
        ctype = node_text(fields["type"][1], "type", bad) or "basic"
        if ctype not in CARD_TYPES:
            bad(fields["type"][1], f"unknown type {ctype!r}; use one of: {', '.join(CARD_TYPES)}")
            return None
    required, optional = TYPE_KEYS[ctype]
    allowed = COMMON_KEYS | required | optional
    for key, (knode, _) in fields.items():
        if key not in allowed:
            bad(knode, f"unknown key {key!r} for a {ctype} card (allowed: {', '.join(sorted(allowed))})")
    for key in sorted(required - fields.keys()):
        bad(node, f"{ctype} card {cid!r} is missing {key!r}")

    content: dict = {}
    for key in sorted((required | optional) & fields.keys()):
        vnode = fields[key][1]
        value = _field(ctype, key, vnode, bad)
        if value is not None:
            content[key] = value

    tags: tuple[str, ...] = ()
    if "tags" in fields:
        tags = node_tags(fields["tags"][1], bad)
    source = node_text(fields["source"][1], "source", bad) if "source" in fields else None
    note = node_text(fields["note"][1], "note", bad) if "note" in fields else None

    if ctype == "cloze" and "text" in content and not CLOZE_RE.search(content["text"]):
        bad(fields["text"][1], "cloze card has no deletions: mark one as {{c1::answer}}")
    elif ctype == "cloze" and "text" in content and BAD_CLOZE_RE.search(content["text"]):
        bad(fields["text"][1], "cloze numbers start at c1 ({{c0::...}} is not a deletion)")
    if ctype == "choice" and isinstance(content.get("choices"), list) and isinstance(content.get("answer"), int):
        n = len(content["choices"])
        if not 1 <= content["answer"] <= n:
            bad(fields["answer"][1], f"choice answer {content['answer']} is out of range: pick 1 to {n}")
    if errors or cid is None:
        return None
    return Card(id=cid, type=ctype, module=module, submodule=submodule, path=path,
                line=node.start_mark.line + 1, position=position, content=content,
                tags=tags, source=source, note=note)


def _field(ctype: str, key: str, node, bad):
    """Validate one type-specific field; returns its value or None after reporting."""
    if ctype == "choice" and key == "choices":
        if not isinstance(node, yaml.SequenceNode):
            bad(node, "'choices' must be a list of 2 to 6 options")
            return None
        items = [node_text(n, "choice", bad, allow_numbers=True) for n in node.value]
        if not 2 <= len(items) <= 6:
            bad(node, f"'choices' has {len(items)} options; give 2 to 6")
            return None
        return items if all(i is not None for i in items) else None
    if ctype == "choice" and key == "answer":
        value = node_scalar(node) if isinstance(node, yaml.ScalarNode) else None
        if not isinstance(value, int) or isinstance(value, bool):
            bad(node, "choice 'answer' must be the number of the correct choice (1 = first)")
            return None
        return value
    if ctype == "typed" and key == "accept":
        if not isinstance(node, yaml.SequenceNode):
            bad(node, "'accept' must be a list of other accepted answers")
            return None
        items = [node_text(n, "accept", bad, allow_numbers=True) for n in node.value]
        return items if all(i is not None for i in items) else None
    if ctype == "numeric" and key == "answer":
        return node_number(node, "answer", bad)
    if ctype == "numeric" and key == "tolerance":
        value = node_scalar(node) if isinstance(node, yaml.ScalarNode) else None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if value < 0 or not math.isfinite(value):
                bad(node, "'tolerance' must be a finite number, not negative")
                return None
            return value
        if isinstance(value, str):
            m = TOLERANCE_RE.match(value)
            if m and (m.group("pct") or float(m.group("factor")) >= 1):
                return value.strip()
        bad(node, "'tolerance' must be a number in the card's unit, 'N%' (relative) or 'xN' (within a factor N >= 1)")
        return None
    return node_text(node, key, bad, allow_numbers=(ctype == "typed" and key == "answer"))


def node_number(node, key: str, bad) -> float | int | None:
    value = node_scalar(node) if isinstance(node, yaml.ScalarNode) else None
    if isinstance(value, str):  # YAML 1.1 reads 1e6 as text; accept plain numeric text
        try:
            value = float(value.replace("_", ""))
        except ValueError:
            pass
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if math.isfinite(value):
            return value
        bad(node, f"'{key}' must be a finite number")
        return None
    bad(node, f"'{key}' must be a number")
    return None


def node_tags(node, bad) -> tuple[str, ...]:
    if not isinstance(node, yaml.SequenceNode):
        bad(node, "'tags' must be a list, e.g. [cache, ml]")
        return ()
    tags = []
    for n in node.value:
        t = node_text(n, "tag", bad, allow_numbers=True)
        if t is not None and re.search(r"\s", t):
            bad(n, f"tag {t!r} contains white space")
        elif t is not None:
            tags.append(t)
    return tuple(tags)


def find_deck_files(roots: list[Path]) -> list[tuple[Path, Path]]:
    """Every ``*.yaml``/``*.yml`` under the roots, as (path, root), in a stable order."""
    found = []
    for root in roots:
        if not root.is_dir():
            raise RecallError(f"deck directory {root} does not exist (check --decks / RECALL_DECKS)")
        for path in sorted(root.rglob("*")):
            if path.suffix in (".yaml", ".yml") and path.is_file():
                found.append((path, root))
    return found


def files_for_paths(paths: list[Path]) -> list[tuple[Path, Path]]:
    """What `recall check PATH...` means: a deck directory, one module folder, or one file."""
    files: list[tuple[Path, Path]] = []
    for p in paths:
        if not p.exists():
            raise RecallError(f"{p}: no such file or directory")
        p = p.resolve()
        if p.is_file():
            files.append((p, p.parent.parent))
        elif p.name in curriculum.MODULES_BY_ID:
            files.extend((f, r) for f, r in find_deck_files([p.parent]) if p in f.parents)
        else:
            files.extend(find_deck_files([p]))
    return files


def check(files: list[tuple[Path, Path]], exercise_roots: list[Path] = (),
          known_cards: set[str] | None = None) -> tuple[list[Card], list[Problem]]:
    """Validate deck and exercise files: each alone, then ids across all of them, then that
    exercises name existing cards as concepts (``known_cards`` adds ids from files not checked).
    A root named ``exercises`` or listed in ``exercise_roots`` holds exercises. Writes nothing."""
    from recall import exercises

    ex_roots = {r.resolve() for r in exercise_roots}
    cards: list[Card] = []
    problems: list[Problem] = []
    for path, root in files:
        is_exercise = root.resolve() in ex_roots or root.name == "exercises"
        res = (exercises.parse_file if is_exercise else parse_file)(path, root)
        cards.extend(res.cards)
        problems.extend(res.problems)
    problems.extend(duplicate_ids(cards))
    card_ids = {c.id for c in cards if c.type != "exercise"} | (known_cards or set())
    problems.extend(exercises.check_concepts([c for c in cards if c.type == "exercise"], card_ids))
    return cards, problems


def duplicate_ids(cards: list[Card], known: dict[str, str] | None = None) -> list[Problem]:
    """Ids used twice across files (within one file is caught by parse_file).

    ``known`` maps ids to the deck path already holding them (from unchanged files).
    """
    first: dict[str, Card] = {}
    problems = []
    for card in cards:
        other = first.get(card.id)
        if other is not None and other.path != card.path:
            problems.append(Problem(card.path, card.line, 1,
                                    f"duplicate id {card.id!r}: also at {display_path(other.path)}:{other.line}"))
        elif other is None:
            first[card.id] = card
            if known and card.id in known and known[card.id] != card.path:
                problems.append(Problem(card.path, card.line, 1,
                                        f"duplicate id {card.id!r}: also in {display_path(known[card.id])}"))
    return problems
