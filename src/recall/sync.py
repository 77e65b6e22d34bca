"""Deck sync: bring the database's cards in line with the deck files, touching only what changed.

A file whose size and mtime match the stored record is not read at all; one whose bytes
hash the same is not parsed. A card keeps its history through edits and moves because its
identity is its ``id``; a card no longer in any deck is retired (hidden, history kept); a
retired id may not come back on another card.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from recall import decks, exercises
from recall.decks import Card, DeckError, Problem
from recall.storage import Store


@dataclass
class SyncReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    restored: list[str] = field(default_factory=list)
    parsed_files: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.moved or self.retired or self.restored)


def sync(store: Store, roots: list[Path], now: datetime, exercise_roots: list[Path] = ()) -> SyncReport:
    """Sync the decks under ``roots`` (and exercises under ``exercise_roots``) into ``store``.

    On any problem, raise and write nothing.
    """
    report = SyncReport()
    records = store.deck_file_records()
    exercise_roots = [r for r in exercise_roots if r.is_dir()]
    files = decks.find_deck_files(roots) + decks.find_deck_files(exercise_roots)
    parsers = {r.resolve(): exercises.parse_file for r in exercise_roots}
    roots = [*roots, *exercise_roots]
    present = {str(path.resolve()): (path, root) for path, root in files}

    changed: dict[str, tuple[Path, Path, bytes, tuple[int, int, str]]] = {}
    touched: dict[str, tuple[int, int, str]] = {}
    for spath, (path, root) in present.items():
        st = path.stat()
        old = records.get(spath)
        if old and old[0] == st.st_mtime_ns and old[1] == st.st_size:
            continue
        data = path.read_bytes()
        sha = hashlib.sha256(data).hexdigest()
        record = (st.st_mtime_ns, st.st_size, sha)
        if old and old[2] == sha:
            touched[spath] = record
        else:
            changed[spath] = (path, root, data, record)
    # A vanished file under one of today's roots retires its cards. Files under a directory not
    # given this time (a forgotten --decks) are left alone: their cards stay as they were.
    root_paths = [r.resolve() for r in roots]
    # A file gone from disk altogether (its folder moved or deleted) counts as removed too, so
    # its cards can turn up again elsewhere as moves.
    removed = [p for p in records if p not in present
               and (any(Path(p).is_relative_to(r) for r in root_paths) or not Path(p).exists())]

    if not changed and not removed:
        if touched:
            store.touch_deck_files(touched)
        return report

    parsed: list[Card] = []
    problems: list[Problem] = []
    for spath, (path, root, data, _) in changed.items():
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            problems.append(Problem(spath, 1, 1, f"not UTF-8 text: {exc.reason}"))
            continue
        result = parsers.get(root.resolve(), decks.parse_file)(path, root, text)
        parsed.extend(result.cards)
        problems.extend(result.problems)
        report.parsed_files.append(spath)

    index = store.card_index()
    reparsed_paths = set(changed) | set(removed)
    # Ids held by files we did not re-read stay where they are.
    kept = {cid: path for cid, (path, _, retired) in index.items()
            if retired is None and path not in reparsed_paths}
    problems.extend(decks.duplicate_ids(parsed, known=kept))
    new_ids = {c.id for c in parsed}
    for card in parsed:
        entry = index.get(card.id)
        # A retired id may only come back as the very same card (an undone deletion).
        if entry and entry[2] is not None and entry[1] != card.content_hash():
            problems.append(Problem(card.path, card.line, 1,
                                    f"id {card.id!r} belonged to a card retired on {entry[2]:%Y-%m-%d}; "
                                    "restore that card unchanged (then edit it), or give this one a new id"))
    if problems:
        raise DeckError(problems)

    upserts = []
    for card in parsed:
        entry = index.get(card.id)
        if entry is None:
            report.added.append(card.id)
        elif entry[2] is not None:
            report.restored.append(card.id)
        elif entry[0] != card.path:
            report.moved.append(card.id)
        elif entry[1] != card.content_hash():
            report.updated.append(card.id)
        upserts.append(card)
    retire = [cid for cid, (path, _, retired) in index.items()
              if retired is None and path in reparsed_paths and cid not in new_ids]
    report.retired.extend(retire)
    store.apply_sync(upserts=upserts, retire_cards=retire,
                     file_records={p: rec for p, (_, _, _, rec) in changed.items()} | touched,
                     drop_files=removed, now=now)
    return report
