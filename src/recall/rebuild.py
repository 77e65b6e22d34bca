"""Rebuild every item's scheduling state from the review log (the log is the truth)."""

from __future__ import annotations

from recall.scheduling import SchedulerConfig, replay
from recall.storage import Store


def rebuild(store: Store, config: SchedulerConfig) -> tuple[int, int]:
    """Replay the log for every item that has one; returns (items corrected, items replayed)."""
    return store.rebuild_states(lambda item_id, entries: replay(item_id, entries, config))
