"""The pure scheduling core: ``answer(item, rating, now) -> (new_state, log_entry)``.

No I/O here. FSRS itself comes from the ``fsrs`` package; we never reimplement its
formulas. What we add:

* ``ItemState``: our own frozen copy of an FSRS card, where ``state is None`` means
  "new" (never answered), which py-fsrs cannot express.
* Deterministic fuzz: py-fsrs fuzzes intervals with the global ``random``; we seed it
  from the item and its previous review so that the interval shown on a rating button
  is the interval applied, and so that replaying the log rebuilds exactly the same state.
* The study day: py-fsrs counts 24-hour periods; the learner's day rolls over at a local
  hour (04:00 by default), which only this module and the planner know about.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from enum import IntEnum
from functools import lru_cache

import fsrs


class Rating(IntEnum):
    AGAIN = 1
    HARD = 2
    GOOD = 3
    EASY = 4

    @property
    def label(self) -> str:
        return self.name.capitalize()


# py-fsrs states; "new" is ours (state None).
LEARNING, REVIEW, RELEARNING = int(fsrs.State.Learning), int(fsrs.State.Review), int(fsrs.State.Relearning)
MODES = ("review", "quiz", "exercise")


@dataclass(frozen=True)
class SchedulerConfig:
    desired_retention: float = 0.9
    enable_fuzzing: bool = True
    learning_steps: tuple[timedelta, ...] = (timedelta(minutes=1), timedelta(minutes=10))
    relearning_steps: tuple[timedelta, ...] = (timedelta(minutes=10),)
    maximum_interval: int = 36500

    def for_mode(self, mode: str) -> "SchedulerConfig":
        """Exercises skip the minute-long learning steps: asking for the same measurement again ten
        minutes after its reveal teaches nothing, so they go straight to day intervals."""
        if mode == "exercise":
            return replace(self, learning_steps=(), relearning_steps=())
        return self


@dataclass(frozen=True)
class ItemState:
    item_id: str
    state: int | None = None  # None: new, never answered
    step: int | None = None
    stability: float | None = None
    difficulty: float | None = None
    due: datetime | None = None
    last_review: datetime | None = None

    @property
    def is_new(self) -> bool:
        return self.state is None

    @property
    def is_learning(self) -> bool:
        return self.state in (LEARNING, RELEARNING)


@dataclass(frozen=True)
class LogEntry:
    item_id: str
    rating: Rating
    reviewed_at: datetime
    duration_ms: int
    mode: str
    response: str | None
    scheduled: bool  # False for a quiz with --no-schedule: logged, schedule untouched
    state_before: ItemState


def answer(
    item: ItemState,
    rating: Rating,
    now: datetime,
    *,
    config: SchedulerConfig = SchedulerConfig(),
    duration_ms: int = 0,
    mode: str = "review",
    response: str | None = None,
    schedule: bool = True,
) -> tuple[ItemState, LogEntry]:
    """Apply one answer. Returns the new state (unchanged when ``schedule`` is False) and the log entry."""
    _check_utc(now)
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}")
    rating = Rating(rating)
    entry = LogEntry(item.item_id, rating, now, max(0, int(duration_ms)), mode, response, schedule, item)
    if not schedule:
        return item, entry
    return _review(item, rating, now, config.for_mode(mode)), entry


def preview(item: ItemState, now: datetime, config: SchedulerConfig = SchedulerConfig(),
            mode: str = "review") -> dict[Rating, timedelta]:
    """The interval each rating would give, as shown on the rating keys."""
    return {r: _review(item, r, now, config.for_mode(mode)).due - now for r in Rating}


def retrievability(item: ItemState, now: datetime, config: SchedulerConfig = SchedulerConfig()) -> float:
    if item.is_new:
        return 0.0
    return float(_scheduler(config).get_card_retrievability(_to_fsrs(item), now))


def replay(item_id: str, entries: list[LogEntry], config: SchedulerConfig = SchedulerConfig()) -> ItemState:
    """Rebuild an item's state from its log, in log order (the order the answers were applied,
    even if the clock stepped back): the stored state must always equal this."""
    state = ItemState(item_id)
    for e in entries:
        if e.scheduled:
            state = _review(state, e.rating, e.reviewed_at, config.for_mode(e.mode))
    return state


def _review(item: ItemState, rating: Rating, now: datetime, config: SchedulerConfig) -> ItemState:
    card = _to_fsrs(item, now)
    # Seed the fuzz from the item and its previous review, then restore the global
    # generator so we leave no trace on anyone else's randomness.
    seed_text = f"{item.item_id}|{item.last_review.isoformat() if item.last_review else 'new'}"
    saved = random.getstate()
    random.seed(int.from_bytes(hashlib.sha256(seed_text.encode()).digest()[:8], "big"))
    try:
        new_card, _ = _scheduler(config).review_card(card, fsrs.Rating(int(rating)), now)
    finally:
        random.setstate(saved)
    return ItemState(
        item_id=item.item_id,
        state=int(new_card.state),
        step=new_card.step,
        stability=new_card.stability,
        difficulty=new_card.difficulty,
        due=new_card.due,
        last_review=new_card.last_review,
    )


def _to_fsrs(item: ItemState, now: datetime | None = None) -> fsrs.Card:
    # Always pass card_id: fsrs.Card() without one sleeps 1 ms to make a unique id.
    if item.is_new:
        return fsrs.Card(card_id=0, due=now or datetime.now(timezone.utc))
    return fsrs.Card(
        card_id=0,
        state=fsrs.State(item.state),
        step=item.step,
        stability=item.stability,
        difficulty=item.difficulty,
        due=item.due,
        last_review=item.last_review,
    )


@lru_cache(maxsize=8)
def _scheduler(config: SchedulerConfig) -> fsrs.Scheduler:
    return fsrs.Scheduler(
        desired_retention=config.desired_retention,
        enable_fuzzing=config.enable_fuzzing,
        learning_steps=config.learning_steps,
        relearning_steps=config.relearning_steps,
        maximum_interval=config.maximum_interval,
    )


def _check_utc(now: datetime) -> None:
    if now.tzinfo is None or now.utcoffset() != timedelta(0):
        raise ValueError("scheduling times must be timezone-aware UTC")


# --- the study day -------------------------------------------------------------------

@dataclass(frozen=True)
class DayClock:
    """The learner's day: their time zone and the local hour at which the day rolls over."""

    tz: tzinfo
    rollover_hour: int = 4

    def study_day(self, now: datetime) -> date:
        local = now.astimezone(self.tz)
        return (local - timedelta(hours=self.rollover_hour)).date()

    def day_start(self, day: date) -> datetime:
        """The UTC instant at which ``day`` begins (its local rollover hour)."""
        local = datetime.combine(day, time(self.rollover_hour), tzinfo=self.tz)
        return local.astimezone(timezone.utc)

    def next_rollover(self, now: datetime) -> datetime:
        return self.day_start(self.study_day(now) + timedelta(days=1))

    def today_start(self, now: datetime) -> datetime:
        return self.day_start(self.study_day(now))


def format_interval(delta: timedelta) -> str:
    """Short human interval for rating keys: 45s, 10m, 3h, 4d, 2.5mo, 1.2y."""
    seconds = max(0.0, delta.total_seconds())
    if seconds < 60:
        return f"{seconds:.0f}s"
    if seconds < 3600:
        return f"{seconds / 60:.0f}m"
    if seconds < 86400:
        return f"{seconds / 3600:.0f}h"
    days = seconds / 86400
    if days < 30:
        return f"{days:.0f}d"
    if days < 365:
        return f"{days / 30:.1f}mo"
    return f"{days / 365:.1f}y"

