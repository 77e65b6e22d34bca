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
from recall.scheduling import DayClock, Rating, SchedulerConfig
from recall.session import Session
from recall.storage import Store, StoredCard, default_url
from recall.sync import SyncReport, sync


@dataclass
class Settings:
    db_url: str | None = None
    deck_dirs: list[Path] = field(default_factory=list)
    exercise_dirs: list[Path] = field(default_factory=list)
    trusted_dirs: list[Path] = field(default_factory=list)  # exercise dirs whose programs may run
    rollover_hour: int = 4
    desired_retention: float = 0.9
    new_per_day: int = 10

    @classmethod
    def from_env(cls, env: Env, *, db: str | None = None, decks: list[str] | None = None,
                 exercises: list[str] | None = None, trust: list[str] | None = None) -> "Settings":
        def dirs(given: list[str] | None, var: str) -> list[Path]:
            extra = env.environ.get(var, "")
            return [Path(d) for d in (given or [])] + [Path(d) for d in extra.split(os.pathsep) if d]

        return cls(
            db_url=db or env.environ.get("RECALL_DB") or None,
            deck_dirs=dirs(decks, "RECALL_DECKS"),
            exercise_dirs=dirs(exercises, "RECALL_EXERCISES"),
            trusted_dirs=dirs(trust, "RECALL_TRUST"),
            rollover_hour=_setting(env, "RECALL_ROLLOVER", 4, 0, 23),
            desired_retention=_setting(env, "RECALL_RETENTION", 0.9, 0.7, 0.99, float),
            new_per_day=_setting(env, "RECALL_NEW_PER_DAY", 10, 0, 1000),
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

    def exercise_roots(self) -> list[Path]:
        for root in self.settings.exercise_dirs:
            if not root.is_dir():
                raise RecallError(f"exercise directory {root} does not exist (check --exercises / RECALL_EXERCISES)")
        return [self.env.shipped_exercises] + self.settings.exercise_dirs

    def sync(self) -> SyncReport:
        return sync(self.store, self.deck_roots(), self.env.now(), self.exercise_roots())

    # --- planning ----------------------------------------------------------------------

    def evening_plan(self, *, minutes: float = 20, new_per_day: int | None = None) -> Plan:
        now = self.env.now()
        due_before = max(self.day_clock.next_rollover(now), now + timedelta(minutes=minutes))
        pulls, per_item = self._exercise_history()
        rows = self.store.active_items(candidates_at=(due_before, self.day_clock.today_start(now)),
                                       include_cards=pulls)
        read = {(m, s) for m, s, kind in self.store.progress_marks() if kind == "read"}
        # A module marked read counts for all its submodules.
        read_modules = {m for m, s in read if s == ""}
        read |= {(r.module, r.submodule) for r in rows if r.module in read_modules and r.state.is_new}
        return planner.evening(
            rows, now, self.day_clock, minutes=minutes,
            new_per_day=self.settings.new_per_day if new_per_day is None else new_per_day,
            read=read, estimates=Estimates.from_durations(self.store.recent_durations()).with_items(per_item),
            config=self.config, pulls=pulls, unavailable=self._unrunnable_exercises(rows),
        )

    def _unrunnable_exercises(self, rows) -> dict[str, str]:
        """Exercises this machine cannot run (no compiler, a missing package): kept out of tonight."""
        ids = [r.card_id for r in rows if r.card_type == "exercise"]
        if not ids:
            return {}
        from recall import runner

        trusted = self.trusted_roots()
        out = {}
        for ex in self.store.cards_by_id(ids).values():
            why = runner.why_not_runnable(ex, trusted)
            if why:
                out[ex.id] = why
        return out

    def _exercise_history(self) -> tuple[dict, dict]:
        """Concept cards to pull in (from exercises whose last answer was Hard or Again), and
        how long each exercise took last time."""
        last: dict[str, tuple] = {}
        for item_id, at, rating, _, duration_ms in self.store.exercise_answers():
            last[item_id] = (at, rating, duration_ms)
        per_item = {iid: ms / 1000 for iid, (_, _, ms) in last.items()}
        bad = {iid: v for iid, v in last.items() if v[1] in (Rating.AGAIN, Rating.HARD)}
        pulls: dict[str, tuple] = {}
        if bad:
            for ex in self.store.cards_by_id(bad).values():
                at, rating, _ = bad[ex.id]
                for concept in ex.content.get("concepts") or []:
                    if concept not in pulls or pulls[concept][2] < at:
                        pulls[concept] = (ex.id, Rating(rating).label, at)
        return pulls, per_item

    def quiz_entries(self, module: curriculum.Module, *, limit: int | None = None, due_only: bool = False,
                     seed: int | None = None) -> list[PlanEntry]:
        rows = self.store.active_items(module.id)
        if not rows:
            raise RecallError(f"{module.id} has no cards yet; decks go in decks/{module.id}/")
        now = self.env.now()
        return planner.quiz(rows, now, self.day_clock, limit=limit, due_only=due_only,
                            seed=int(now.timestamp()) if seed is None else seed)

    def session(self, entries: list[PlanEntry], *, mode: str = "review", schedule: bool = True,
                remeasure: bool = False) -> Session:
        return Session(self.store, entries, now=self.env.now, monotonic=self.env.monotonic,
                       day_clock=self.day_clock, mode=mode, schedule=schedule, config=self.config,
                       measurer=lambda ex, progress: self.measure(ex, remeasure=remeasure, progress=progress))

    # --- exercises ---------------------------------------------------------------------

    def exercise(self, exercise_id: str) -> StoredCard:
        card = self.store.cards_by_id([exercise_id]).get(exercise_id)
        if card is None or card.type != "exercise" or card.retired_at is not None:
            known = sorted(c.id for c in self.store.live_cards() if c.type == "exercise")
            hint = ", ".join(known[:8]) + (" ..." if len(known) > 8 else "")
            raise RecallError(f"no exercise {exercise_id!r}; `recall exercise list` shows them ({hint})")
        return card

    def trusted_roots(self) -> list[Path]:
        return [self.env.shipped_exercises] + self.settings.trusted_dirs

    def measure(self, exercise: StoredCard, *, remeasure: bool = False, progress=None):
        """The exercise's measurement on this machine: reused for the same machine and code."""
        from recall import machine, runner

        runner.check_trusted(exercise, self.trusted_roots())
        mkey, ckey = machine.key(), runner.code_key(exercise)
        if not remeasure:
            cached = self.store.latest_measurement(exercise.id, mkey, ckey)
            # A worked-out answer never stands in for a GPU measurement this machine can now make.
            stale = cached is not None and runner.gpu_path_ready(exercise) and \
                str(cached["method"]).startswith(runner.WORKED_OUT_ON_CPU)
            if cached is not None and not stale:
                return runner.measurement_from_json(cached)
        m = runner.measure(exercise, build_dir=self.build_dir(), progress=progress)
        self.store.save_measurement(exercise.id, mkey, ckey, m.value, m.method, m.to_json(), self.env.now())
        return m

    def build_dir(self) -> Path:
        configured = self.env.environ.get("RECALL_CACHE")
        if configured:
            return Path(configured) / "build"
        import platformdirs

        return Path(platformdirs.user_cache_dir("recall", appauthor=False)) / "build"

    # --- progress ----------------------------------------------------------------------

    def mark(self, selector: str, kind: str, *, undo: bool = False) -> str:
        if kind not in curriculum.CHECKBOX_KEYS:
            raise RecallError(f"unknown checkbox {kind!r}; use one of: {', '.join(curriculum.CHECKBOX_KEYS)}")
        module, sub = curriculum.resolve_with_submodule(selector, self.known_submodules)
        sub = sub or ""
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


def _setting(env: Env, name: str, default, lo, hi, kind=int):
    """A number from the environment, within [lo, hi]; ``kind`` is int or float."""
    raw = env.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = kind(raw)
    except ValueError:
        what = "a whole number" if kind is int else "a number"
        raise RecallError(f"{name}={raw!r} is not {what}; expected {lo} to {hi}") from None
    if not lo <= value <= hi:  # also refuses nan
        raise RecallError(f"{name}={value} is out of range; expected {lo} to {hi}")
    return value
