"""The evening set and the module quiz: pure functions from item states to an ordered plan.

The evening set, within a time budget:
1. learning and relearning items that fall due before the session would end;
2. review items due today (before the next rollover), lowest retrievability first;
3. new cards, up to the daily limit, in the Master Learning Order: first from submodules the
   learner marked as read, then onward from the earliest unfinished submodule.
Then: at most three in a row from one submodule while others are left, and never two cloze
siblings on one day. The same inputs always give the same plan.
"""

from __future__ import annotations

import random
import statistics
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

from recall import curriculum
from recall.scheduling import DayClock, SchedulerConfig, retrievability
from recall.storage import ItemRow

MAX_RUN = 3  # most items in a row from one submodule while others are available


@dataclass(frozen=True)
class Estimates:
    """Seconds an item takes, from the learner's own answers (defaults before there are any)."""

    new_seconds: float = 44.0  # first sight (20 s) and two learning steps (12 s each) the same evening
    review_seconds: float = 12.0
    first_seconds: float = 20.0  # a new card's first answer, before the learner has any
    exercise_seconds: float = 90.0  # an exercise never run: predict, compile, measure, read
    per_item: dict = field(default_factory=dict)  # item id -> seconds its last run took (exercises)

    def seconds(self, row: ItemRow, kind: str) -> float:
        if row.card_type == "exercise":
            return self.per_item.get(row.state.item_id, self.exercise_seconds)
        return self.new_seconds if kind == "new" else self.review_seconds

    @classmethod
    def from_durations(cls, durations: list[tuple[int, bool]]) -> "Estimates":
        """``durations``: (ms, was new) of recent answers. A new card is seen about three times
        on its first evening (the learning steps), so it costs its first answer plus two reviews."""
        new = [ms / 1000 for ms, was_new in durations if was_new]
        old = [ms / 1000 for ms, was_new in durations if not was_new]
        review = min(statistics.median(old), 120.0) if len(old) >= 5 else cls.review_seconds
        first = min(statistics.median(new), 300.0) if len(new) >= 5 else cls.first_seconds
        return cls(new_seconds=first + 2 * review, review_seconds=review)

    def with_items(self, per_item: dict[str, float]) -> "Estimates":
        return Estimates(self.new_seconds, self.review_seconds, self.first_seconds, self.exercise_seconds,
                         dict(per_item))


@dataclass(frozen=True)
class PlanEntry:
    item_id: str
    card_id: str
    module: str
    submodule: str
    kind: str  # learning, review, new
    reason: str
    seconds: float


@dataclass
class Plan:
    entries: list[PlanEntry] = field(default_factory=list)
    left_out: list[tuple[str, str]] = field(default_factory=list)  # (item id, why)
    budget_seconds: float = 0.0

    @property
    def seconds(self) -> float:
        return sum(e.seconds for e in self.entries)

    def to_json(self) -> dict:
        return {
            "budget_minutes": round(self.budget_seconds / 60, 1),
            "estimated_minutes": round(self.seconds / 60, 1),
            "items": [asdict(e) | {"seconds": round(e.seconds, 1)} for e in self.entries],
            "left_out": [{"item_id": i, "reason": r} for i, r in self.left_out],
        }


def order_key(row: ItemRow, submodule_order: dict[tuple[str, str], int]) -> tuple:
    """Position in the Master Learning Order: module, submodule, place in the deck, cloze number."""
    module = curriculum.MODULES_BY_ID[row.module]
    return (module.position, submodule_order.get((row.module, row.submodule), 999), row.submodule,
            row.position, row.cloze)


def submodule_order(rows: list[ItemRow]) -> dict[tuple[str, str], int]:
    """Seed order for modules 01–04; deck-file (name) order for the others."""
    order: dict[tuple[str, str], int] = {}
    for module in curriculum.MODULES:
        for i, sub in enumerate(module.submodules):
            order[(module.id, sub.id)] = i
    extra = sorted({(r.module, r.submodule) for r in rows} - order.keys())
    for i, key in enumerate(extra):
        order[key] = i
    return order


def evening(
    rows: list[ItemRow],
    now: datetime,
    clock: DayClock,
    *,
    minutes: float = 20,
    new_per_day: int = 10,
    read: set[tuple[str, str]] = frozenset(),
    estimates: Estimates = Estimates(),
    config: SchedulerConfig = SchedulerConfig(),
    pulls: dict[str, tuple[str, str, datetime]] | None = None,
    unavailable: dict[str, str] | None = None,
) -> Plan:
    """``pulls`` maps a card id to (exercise id, rating label, answered at): the concept cards
    of an exercise answered Hard or Again, pulled in when due within 7 days. ``unavailable``
    maps exercise item ids that cannot run on this machine to why: they stay out."""
    budget = minutes * 60
    plan = Plan(budget_seconds=budget)
    today = clock.today_start(now)
    rollover = clock.next_rollover(now)
    session_end = now + timedelta(seconds=budget)
    sub_order = submodule_order(rows)

    learning, reviews, new = [], [], []
    for row in rows:
        s = row.state
        if row.suspended:
            continue
        if unavailable and s.item_id in unavailable:
            plan.left_out.append((s.item_id, f"cannot run here: {unavailable[s.item_id]}"))
            continue
        if row.buried_until is not None and row.buried_until > now:
            plan.left_out.append((s.item_id, "buried until tomorrow"))
            continue
        if s.is_new:
            new.append(row)
        elif s.is_learning and s.due <= session_end:
            learning.append(row)
        elif not s.is_learning and s.due < rollover:
            reviews.append(row)

    learning.sort(key=lambda r: (r.state.due, r.state.item_id))
    recall_p = {r.state.item_id: retrievability(r.state, now, config) for r in reviews}
    reviews.sort(key=lambda r: (recall_p[r.state.item_id], r.state.item_id))
    introduced_today = sum(1 for r in rows if r.introduced_at is not None and r.introduced_at >= today)
    new_slots = max(0, new_per_day - introduced_today)
    # Marked-as-read submodules first; within each group, the learning order. Both groups
    # follow the order, so the second starts at the earliest unfinished submodule.
    new.sort(key=lambda r: ((r.module, r.submodule) not in read, order_key(r, sub_order)))

    # Cloze siblings answered today (or chosen tonight) keep their brothers away until tomorrow.
    card_busy = {r.card_id for r in rows if r.state.last_review is not None and r.state.last_review >= today
                 and r.cloze}

    chosen: list[PlanEntry] = []
    spent = 0.0

    def take(row: ItemRow, kind: str, reason: str, seconds: float) -> bool:
        nonlocal spent
        if row.cloze and row.card_id in card_busy and kind != "learning":
            plan.left_out.append((row.state.item_id, "a cloze sibling is studied today"))
            return False
        if spent + seconds > budget:
            plan.left_out.append((row.state.item_id, f"{kind}: over the {minutes:g}-minute budget"))
            return False
        spent += seconds
        if row.cloze:
            card_busy.add(row.card_id)
        chosen.append(PlanEntry(row.state.item_id, row.card_id, row.module, row.submodule, kind, reason, seconds))
        return True

    for row in learning:
        take(row, "learning", f"learning step due {row.state.due.astimezone(clock.tz):%H:%M}",
             estimates.seconds(row, "learning"))
    for row in reviews:
        take(row, "review", f"due review, recall probability {recall_p[row.state.item_id]:.0%}",
             estimates.seconds(row, "review"))
    for row, (ex_id, label, at) in _pulled(rows, pulls or {}, now, {e.item_id for e in chosen}, reviews):
        take(row, "review", f"pulled in: exercise {ex_id} was answered {label} on {at:%Y-%m-%d}, "
                            f"due {row.state.due:%Y-%m-%d}", estimates.seconds(row, "review"))
    for row in new:
        if new_slots <= 0:
            plan.left_out.append((row.state.item_id, f"new: today's limit of {new_per_day} new cards reached"))
            continue
        why = "new, submodule marked read" if (row.module, row.submodule) in read else "new, next in learning order"
        if take(row, "new", why, estimates.seconds(row, "new")):
            new_slots -= 1
    plan.entries = interleave(chosen)
    # The left-out list of new cards can be the whole curriculum: keep it readable.
    plan.left_out = _trim_left_out(plan.left_out)
    return plan


PULL_WINDOW = timedelta(days=7)


def _pulled(rows, pulls, now, chosen_ids, due_reviews):
    """Concept cards of a badly answered exercise, due within a week and not reviewed since."""
    due_ids = {r.state.item_id for r in due_reviews}
    out = []
    for row in rows:
        pull = pulls.get(row.card_id)
        s = row.state
        if (pull is None or s.is_new or row.suspended or s.item_id in chosen_ids or s.item_id in due_ids
                or s.due >= now + PULL_WINDOW or (s.last_review is not None and s.last_review >= pull[2])):
            continue
        out.append((row, pull))
    out.sort(key=lambda rp: (rp[0].state.due, rp[0].state.item_id))
    return out


def interleave(entries: list[PlanEntry], max_run: int = MAX_RUN) -> list[PlanEntry]:
    """Keep priority order, but never more than ``max_run`` in a row from one submodule
    while an item from another submodule is still waiting."""
    pending = list(entries)
    out: list[PlanEntry] = []
    while pending:
        pick = 0
        if len(out) >= max_run:
            last = {(e.module, e.submodule) for e in out[-max_run:]}
            if len(last) == 1:
                run = next(iter(last))
                pick = next((i for i, e in enumerate(pending) if (e.module, e.submodule) != run), 0)
        out.append(pending.pop(pick))
    return out


def _trim_left_out(left_out: list[tuple[str, str]], per_reason: int = 20) -> list[tuple[str, str]]:
    counts: dict[str, int] = {}
    out = []
    for iid, reason in left_out:
        counts[reason] = counts.get(reason, 0) + 1
        if counts[reason] <= per_reason:
            out.append((iid, reason))
    for reason, n in counts.items():
        if n > per_reason:
            out.append((f"... {n - per_reason} more", reason))
    return out


def quiz(
    rows: list[ItemRow],
    now: datetime,
    clock: DayClock,
    *,
    limit: int | None = None,
    due_only: bool = False,
    seed: int = 0,
) -> list[PlanEntry]:
    """One module's items in learning order, shuffled within each submodule."""
    rollover = clock.next_rollover(now)
    sub_order = submodule_order(rows)
    candidates = [r for r in rows if not r.suspended]
    if due_only:
        candidates = [r for r in candidates if not r.state.is_new and r.state.due < rollover]
    groups: dict[tuple, list[ItemRow]] = {}
    for r in sorted(candidates, key=lambda r: order_key(r, sub_order)):
        groups.setdefault(order_key(r, sub_order)[:3], []).append(r)
    rng = random.Random(seed)
    out: list[PlanEntry] = []
    for key in sorted(groups):
        group = groups[key]
        rng.shuffle(group)
        for r in group:
            kind = "new" if r.state.is_new else "learning" if r.state.is_learning else "review"
            out.append(PlanEntry(r.state.item_id, r.card_id, r.module, r.submodule, kind, "quiz", 0.0))
    return out[:limit] if limit is not None else out
