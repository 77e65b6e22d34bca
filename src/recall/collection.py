"""The library's front door: a learner's collection (database + decks + settings).

Each CLI command calls one function here; everything below it (storage, sync, planner,
session) is reachable for tests and scripts without the CLI.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from recall import curriculum, planner
from recall.env import Env
from recall.errors import RecallError
from recall.planner import Estimates, Plan, PlanEntry
from recall.scheduling import DayClock, SchedulerConfig
from recall.session import Session
from recall.storage import Store, default_url
from recall.sync import SyncReport, sync


@dataclass
class Settings:
    db_url: str | None = None
    deck_dirs: list[Path] = field(default_factory=list)
    rollover_hour: int = 4
    desired_retention: float = 0.9
    new_per_day: int = 10

    @classmethod
    def from_env(cls, env: Env, *, db: str | None = None, decks: list[str] | None = None) -> "Settings":
        dirs = [Path(d) for d in (decks or [])]
        extra = env.environ.get("RECALL_DECKS", "")
        dirs += [Path(d) for d in extra.split(os.pathsep) if d]
        return cls(
            db_url=db or env.environ.get("RECALL_DB") or None,
            deck_dirs=dirs,
            rollover_hour=_int_setting(env, "RECALL_ROLLOVER", 4, 0, 23),
            desired_retention=_float_setting(env, "RECALL_RETENTION", 0.9, 0.7, 0.99),
            new_per_day=_int_setting(env, "RECALL_NEW_PER_DAY", 10, 0, 1000),
        )


class Collection:
    def __init__(self, env: Env, settings: Settings, store: Store):
        self.env = env
        self.settings = settings
        self.store = store
        self.day_clock = DayClock(env.local_tz(), settings.rollover_hour)
        self.config = SchedulerConfig(desired_retention=settings.desired_retention)

    @classmethod
    def open(cls, env: Env, settings: Settings, *, sync_decks: bool = True) -> "Collection":
        store = Store.open(settings.db_url or default_url())
        col = cls(env, settings, store)
        if sync_decks:
            col.sync()
        return col

    def close(self) -> None:
        self.store.close()

    def deck_roots(self) -> list[Path]:
        roots = [self.env.shipped_decks] + self.settings.deck_dirs
        for root in roots:
            if not root.is_dir():
                where = "--decks / RECALL_DECKS" if root != self.env.shipped_decks else "the recall checkout"
                raise RecallError(f"deck directory {root} does not exist (check {where})")
        return roots

    def sync(self) -> SyncReport:
        return sync(self.store, self.deck_roots(), self.env.now())

    # --- planning ----------------------------------------------------------------------

    def evening_plan(self, *, minutes: float = 20, new_per_day: int | None = None) -> Plan:
        now = self.env.now()
        due_before = max(self.day_clock.next_rollover(now), now + timedelta(minutes=minutes))
        rows = self.store.active_items(candidates_at=(due_before, self.day_clock.today_start(now)))
        read = {(m, s) for m, s, kind in self.store.progress_marks() if kind == "read"}
        # A module marked read counts for all its submodules.
        read_modules = {m for m, s in read if s == ""}
        read |= {(r.module, r.submodule) for r in rows if r.module in read_modules and r.state.is_new}
        return planner.evening(
            rows, now, self.day_clock, minutes=minutes,
            new_per_day=self.settings.new_per_day if new_per_day is None else new_per_day,
            read=read, estimates=Estimates.from_durations(self.store.recent_durations()),
            config=self.config,
        )

    def quiz_entries(self, module: curriculum.Module, *, limit: int | None = None, due_only: bool = False,
                     seed: int | None = None) -> list[PlanEntry]:
        rows = self.store.active_items(module.id)
        if not rows:
            raise RecallError(f"{module.id} has no cards yet; decks go in decks/{module.id}/")
        now = self.env.now()
        return planner.quiz(rows, now, self.day_clock, limit=limit, due_only=due_only,
                            seed=int(now.timestamp()) if seed is None else seed)

    def session(self, entries: list[PlanEntry], *, mode: str = "review", schedule: bool = True) -> Session:
        return Session(self.store, entries, now=self.env.now, monotonic=self.env.monotonic,
                       day_clock=self.day_clock, mode=mode, schedule=schedule, config=self.config)

    # --- progress ----------------------------------------------------------------------

    def mark(self, selector: str, kind: str, *, undo: bool = False) -> str:
        if kind not in curriculum.CHECKBOX_KEYS:
            raise RecallError(f"unknown checkbox {kind!r}; use one of: {', '.join(curriculum.CHECKBOX_KEYS)}")
        mod_part, _, sub_part = selector.partition("/")
        module = curriculum.resolve(mod_part)
        sub = ""
        if sub_part:
            known = [s.id for s in module.submodules] or self.known_submodules(module.id)
            sub = curriculum.resolve_submodule(module, sub_part, known)
        changed = self.store.set_mark(module.id, sub, kind, not undo, self.env.now())
        what = f"{module.id}/{sub}" if sub else module.id
        label = dict(curriculum.CHECKBOXES)[kind]
        verb = ("unticked" if undo else "ticked") if changed else ("was not ticked" if undo else "already ticked")
        return f"{what}: {label} {verb}"

    def known_submodules(self, module_id: str) -> list[str]:
        return sorted({r.submodule for r in self.store.active_items(module_id)})

    def progress(self) -> dict:
        """Per module: checkboxes, cards learned of total, and per submodule the same."""
        rows = self.store.active_items()
        marks = self.store.progress_marks()
        out = {}
        for module in curriculum.MODULES:
            mrows = [r for r in rows if r.module == module.id]
            subs = [s.id for s in module.submodules] or sorted({r.submodule for r in mrows})
            out[module.id] = {
                "module": module,
                "marks": {k: (module.id, "", k) in marks for k in curriculum.CHECKBOX_KEYS},
                "learned": _learned(mrows),
                "cards": len({r.card_id for r in mrows}),
                "items": len(mrows),
                "submodules": {
                    s: {"read": (module.id, s, "read") in marks,
                        "learned": _learned([r for r in mrows if r.submodule == s]),
                        "items": sum(1 for r in mrows if r.submodule == s)}
                    for s in subs
                },
            }
        return out

    def next_to_study(self, progress: dict | None = None) -> str | None:
        """The earliest submodule in the order not yet marked read (or module not read)."""
        progress = progress or self.progress()
        for module_id, p in progress.items():
            if p["marks"]["read"]:
                continue
            for sub, sp in p["submodules"].items():
                if not sp["read"]:
                    return f"{module_id}/{sub}"
            return module_id
        return None


def _learned(rows) -> int:
    """Items that reached the review state (graduated from learning) at least once."""
    return sum(1 for r in rows if r.introduced_at is not None and r.state.state is not None
               and not r.state.is_learning)


def _int_setting(env: Env, name: str, default: int, lo: int, hi: int) -> int:
    raw = env.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise RecallError(f"{name}={raw!r} is not a whole number; expected {lo} to {hi}") from None
    if not lo <= value <= hi:
        raise RecallError(f"{name}={value} is out of range; expected {lo} to {hi}")
    return value


def _float_setting(env: Env, name: str, default: float, lo: float, hi: float) -> float:
    raw = env.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise RecallError(f"{name}={raw!r} is not a number; expected {lo} to {hi}") from None
    if not lo <= value <= hi:
        raise RecallError(f"{name}={value} is out of range; expected {lo} to {hi}")
    return value


