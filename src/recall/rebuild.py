"""Rebuild every item's scheduling state from the review log (the log is the truth)."""

from __future__ import annotations

from datetime import datetime

from recall.scheduling import SchedulerConfig, replay
from recall.storage import Store


def rebuild(store: Store, config: SchedulerConfig) -> tuple[int, int]:
    """Replay the log for every item that has one; returns (items corrected, items replayed)."""
    by_item: dict[str, list] = {}
    for logged in store.log_entries():
        by_item.setdefault(logged.entry.item_id, []).append(logged.entry)
    states = {iid: replay(iid, entries, config) for iid, entries in by_item.items()}
    introduced: dict[str, datetime | None] = {
        iid: min((e.reviewed_at for e in entries if e.scheduled), default=None) for iid, entries in by_item.items()
    }
    return store.replace_states(states, introduced), len(states)
