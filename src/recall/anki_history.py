"""``recall export anki --with-history``: the review log and FSRS memory state, carried into Anki.

genanki cannot write scheduling, so this uses the ``anki`` package (pip install 'recall[anki]'):
the genanki package is imported into a scratch Anki collection, each card there gets our
review log as Anki review-log rows and its current FSRS state (stability, difficulty, due),
and Anki exports the collection with scheduling. Only answers that changed the schedule are
carried over (quiz answers given with --no-schedule are not). Anki attaches history only to
notes the importing collection does not have yet.
"""

from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path

from recall.decks import split_item_id
from recall.errors import RecallError
from recall.scheduling import LEARNING, RELEARNING, REVIEW, ItemState, LogEntry, SchedulerConfig, answer
from recall.storage import Store, StoredCard

# Anki's revlog.type: 0 learning, 1 review, 2 relearning.
_REVLOG_TYPE = {None: 0, LEARNING: 0, REVIEW: 1, RELEARNING: 2}


def _anki():
    try:  # anki.collection first: importing anki.cards alone trips a circular import in anki
        from anki.collection import (Collection, ExportAnkiPackageOptions, ImportAnkiPackageOptions,
                                     ImportAnkiPackageRequest)
        from anki.cards import FSRSMemoryState
    except ImportError:
        raise RecallError("--with-history needs the anki package: pip install 'recall[anki]'") from None
    return FSRSMemoryState, Collection, ExportAnkiPackageOptions, ImportAnkiPackageOptions, ImportAnkiPackageRequest


def write_with_history(store: Store, package, timestamp: float, cards: list[StoredCard], out: Path,
                       now: datetime, config: SchedulerConfig = SchedulerConfig()) -> int:
    """Write ``package`` to ``out`` with history; returns how many reviews were carried."""
    import genanki

    FSRSMemoryState, Collection, ExportOptions, ImportOptions, ImportRequest = _anki()
    card_ids = {c.id for c in cards}
    log_by_item: dict[str, list[LogEntry]] = {}
    for logged in store.log_entries():
        card_id, _ = split_item_id(logged.entry.item_id)
        if card_id in card_ids and logged.entry.scheduled:
            log_by_item.setdefault(logged.entry.item_id, []).append(logged.entry)

    with tempfile.TemporaryDirectory() as tmp:
        plain = Path(tmp) / "plain.apkg"
        package.write_to_file(str(plain), timestamp=timestamp)
        col = Collection(str(Path(tmp) / "scratch.anki2"))
        try:
            col.import_anki_package(ImportRequest(package_path=str(plain), options=ImportOptions()))
            guid_to_note = {col.get_note(nid).guid: nid for nid in col.find_notes("")}
            reviews = 0
            used_ids: set[int] = set()
            for item_id, entries in log_by_item.items():
                card_id, cloze = split_item_id(item_id)
                nid = guid_to_note.get(genanki.guid_for("recall", card_id))
                if nid is None:
                    continue
                anki_card = next((c for c in col.get_note(nid).cards() if c.ord == max(cloze - 1, 0)), None)
                if anki_card is None:
                    continue
                state = _write_reviews(col, anki_card.id, entries, config, used_ids)
                reviews += len(entries)
                _set_schedule(col, anki_card, state, len(entries), now, FSRSMemoryState)
            col.export_anki_package(out_path=str(out), options=ExportOptions(
                with_scheduling=True, with_deck_configs=False, with_media=False, legacy=False),
                limit=None)  # the whole scratch collection
        finally:
            col.close()
    return reviews


def _write_reviews(col, anki_card_id: int, entries: list[LogEntry], config: SchedulerConfig,
                   used_ids: set[int]) -> ItemState:
    """One Anki revlog row per answer, with the intervals our scheduler gave; returns the final state."""
    state = ItemState(entries[0].item_id)
    last_ivl = 0
    for e in sorted(entries, key=lambda e: e.reviewed_at):
        before = state
        state, _ = answer(state, e.rating, e.reviewed_at, config=config, mode=e.mode)
        ivl = _anki_interval(state, e.reviewed_at)
        rid = int(e.reviewed_at.timestamp() * 1000)
        while rid in used_ids:  # revlog ids are unique milliseconds
            rid += 1
        used_ids.add(rid)
        col.db.execute("insert into revlog (id, cid, usn, ease, ivl, lastIvl, factor, time, type) "
                       "values (?, ?, -1, ?, ?, ?, 0, ?, ?)",
                       rid, anki_card_id, int(e.rating), ivl, last_ivl, min(e.duration_ms, 60_000),
                       _REVLOG_TYPE[before.state])
        last_ivl = ivl
    return state


def _anki_interval(state: ItemState, at: datetime) -> int:
    """Anki's convention: days for review cards, negative seconds for learning steps."""
    seconds = (state.due - at).total_seconds()
    return max(1, round(seconds / 86400)) if state.state == REVIEW else -max(1, int(seconds))


def _set_schedule(col, card, state: ItemState, reps: int, now: datetime, FSRSMemoryState) -> None:
    if state.is_new:
        return
    if state.state == REVIEW:
        card.type, card.queue = 2, 2
        card.ivl = max(1, round((state.due - state.last_review).total_seconds() / 86400))
        card.due = col.sched.today + max(0, round((state.due - now).total_seconds() / 86400))
    else:
        card.type = 1 if state.state == LEARNING else 3
        card.queue = 1
        card.due = int(state.due.timestamp())
        card.left = 1
    card.reps = reps
    card.memory_state = FSRSMemoryState(stability=state.stability, difficulty=state.difficulty)
    col.update_card(card)
