"""A study session, without a terminal: what to show next, answering, undo, suspend, bury.

The UI only calls these methods, so every behaviour here is tested without a screen. Each
answer is committed to storage before the next item is chosen.
"""

from __future__ import annotations

import hashlib
import heapq
import json
import random
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Callable

from recall import grading
from recall.decks import split_item_id
from recall.errors import RecallError
from recall.grading import Verdict
from recall.planner import PlanEntry
from recall.scheduling import DayClock, ItemState, Rating, SchedulerConfig, answer, format_interval, preview
from recall.storage import StorageError, Store, StoredCard

LEARN_AHEAD = timedelta(minutes=20)  # with nothing else left, show a learning step this early
MAX_ANSWER_SECONDS = 300  # longer than this, the learner was away: count this much


@dataclass
class Current:
    entry: PlanEntry
    card: StoredCard
    cloze: int
    state: ItemState
    shown_at: float
    revealed: bool = False
    response: str | None = None
    verdict: Verdict | None = None
    measurement: object | None = None  # runner.Measurement, for exercises
    logged_response: str | None = None  # what goes in the log (JSON for exercises)

    @property
    def needs_response(self) -> bool:
        return grading.takes_response(self.card.type) and self.response is None


@dataclass
class Summary:
    answered: int
    again: int
    seconds: float
    due_tomorrow: int
    left: int

    def lines(self) -> list[str]:
        rate = f"{self.again / self.answered:.0%}" if self.answered else "-"
        return [
            f"Answered {self.answered} ({self.again} again, again rate {rate}) in {self.seconds / 60:.1f} min.",
            f"Due tomorrow: {self.due_tomorrow}." + (f" Not reached tonight: {self.left}." if self.left else ""),
        ]


@dataclass
class _Answered:
    log_id: int
    entry: PlanEntry
    rating: Rating
    seconds: float
    requeued: bool


@dataclass(order=True)
class _Step:
    due: datetime
    seq: int
    entry: PlanEntry = field(compare=False)


def shuffled_choices(card: StoredCard, state: ItemState) -> StoredCard:
    """The card with its choices in an order of their own for this showing, so that nobody learns
    "it is always the second one". Seeded by the item and its last review: the same showing
    (after an undo, say) keeps its order."""
    c = card.content
    seed = f"{card.id}|{state.last_review.isoformat() if state.last_review else 'new'}"
    order = list(range(len(c["choices"])))
    random.Random(hashlib.sha256(seed.encode()).digest()).shuffle(order)
    choices = [c["choices"][i] for i in order]
    return replace(card, content={**c, "choices": choices, "answer": order.index(c["answer"] - 1) + 1})


def judge_prediction(card: StoredCard, response: str, measure: Callable) -> tuple[Verdict, object, str]:
    """Read a prediction, measure (``measure(card) -> runner.Measurement``), grade.

    Returns the verdict, the measurement, and the JSON that goes into the review log. Raises
    AnswerFormatError before measuring when the prediction cannot be read.
    """
    spec = card.content["predict"]
    prediction = grading.parse_prediction(response)
    if spec["kind"] == "fraction":  # typed in percent, measured as 0..1
        prediction = grading.Prediction(*(None if v is None else v / 100
                                          for v in (prediction.value, prediction.low, prediction.high)))
    m = measure(card)
    pv = grading.grade_prediction(spec["kind"], prediction, m.value, (m.low, m.high), card.content.get("thresholds"))
    scale = 100 if spec["kind"] == "fraction" else 1
    verdict = Verdict(pv.suggested >= Rating.GOOD, pv.suggested, f"{grading.show_value(m.value * scale)} {spec['unit']}",
                      pv.error_text)
    logged = json.dumps({
        "predicted": prediction.value,
        "interval": None if prediction.low is None else [prediction.low, prediction.high],
        "measured": m.value, "unit": spec["unit"], "kind": spec["kind"], "error": pv.error,
        "interval_hit": pv.interval_hit, "method": m.method, "cached": m.cached,
    }, sort_keys=True)
    return verdict, m, logged


class Session:
    def __init__(
        self,
        store: Store,
        entries: list[PlanEntry],
        *,
        now: Callable[[], datetime],
        monotonic: Callable[[], float],
        day_clock: DayClock,
        mode: str = "review",
        schedule: bool = True,
        config: SchedulerConfig = SchedulerConfig(),
        measurer: Callable | None = None,
    ):
        self.store = store
        self.queue = list(entries)
        self.total = len(entries)
        self.now = now
        self.monotonic = monotonic
        self.day_clock = day_clock
        self.mode = mode
        self.schedule = schedule
        self.config = config
        self.measurer = measurer  # (exercise card, progress callback) -> runner.Measurement
        self.learning: list[_Step] = []  # learning steps due later this session
        self._seq = 0
        self.done: list[_Answered] = []
        self.current: Current | None = None
        self._advance()

    # --- what the UI reads -----------------------------------------------------------

    @property
    def position(self) -> int:
        """1-based number of the current item among those answered and waiting."""
        return len(self.done) + 1

    @property
    def remaining(self) -> int:
        return len(self.queue) + len(self.learning) + (1 if self.current else 0)

    def minutes_left(self) -> float:
        return sum(e.seconds for e in self.queue) / 60 + (self.current.entry.seconds / 60 if self.current else 0)

    def intervals(self) -> dict[Rating, str]:
        cur = self._require()
        if not self.schedule:
            return {}
        mode = "exercise" if cur.card.type == "exercise" else self.mode
        return {r: format_interval(d) for r, d in preview(cur.state, self.now(), self.config, mode).items()}

    # --- actions ---------------------------------------------------------------------

    def submit(self, response: str, progress=None) -> Verdict:
        """Grade a typed/choice/numeric answer, or an exercise's prediction (which measures first);
        reveals the card. Raises AnswerFormatError or ExerciseError, having changed nothing."""
        cur = self._require()
        if cur.card.type == "exercise":
            return self._submit_prediction(cur, response, progress)
        verdict = grading.grade(cur.card.type, cur.card.content, response)
        cur.response, cur.verdict, cur.revealed = response, verdict, True
        # A choice is logged by its text: the numbers shown change from one showing to the next.
        cur.logged_response = (cur.card.content["choices"][int(response) - 1] if cur.card.type == "choice"
                               else response)
        return verdict

    def _submit_prediction(self, cur: Current, response: str, progress) -> Verdict:
        if self.measurer is None:
            raise RecallError("exercises cannot be measured in this session")
        verdict, m, logged = judge_prediction(cur.card, response, lambda ex: self.measurer(ex, progress))
        cur.response, cur.verdict, cur.measurement, cur.revealed = response, verdict, m, True
        cur.logged_response = logged
        return verdict

    def skip_answer(self) -> None:
        """Reveal a typed/choice/numeric card without answering ("I don't know"); no suggestion.

        An exercise cannot be revealed without a prediction: its value is never shown first."""
        cur = self._require()
        if cur.card.type == "exercise":
            raise RecallError("predict first: the measurement is shown only after a prediction (b buries it)")
        cur.response, cur.verdict, cur.revealed = "", None, True
        cur.logged_response = ""

    def reveal(self) -> None:
        cur = self._require()
        if cur.needs_response:
            raise RecallError("type your answer first")
        cur.revealed = True

    def rate(self, rating: Rating) -> None:
        """Record the answer (committed before anything else happens), then move on."""
        cur = self._require()
        if not cur.revealed:
            raise RecallError("reveal the answer before rating it")
        seconds = min(self.monotonic() - cur.shown_at, MAX_ANSWER_SECONDS)
        mode = "exercise" if cur.card.type == "exercise" else self.mode
        new_state, log = answer(cur.state, Rating(rating), self.now(), config=self.config,
                                duration_ms=int(seconds * 1000), mode=mode, response=cur.logged_response,
                                schedule=self.schedule)
        try:
            log_id = self.store.record_answer(log, new_state)
        except StorageError:
            # Answered in another terminal meanwhile: continue from what is stored now.
            cur.state = self.store.get_item_state(cur.entry.item_id)
            raise
        requeued = self.schedule and new_state.is_learning
        if requeued:
            self._seq += 1
            heapq.heappush(self.learning, _Step(new_state.due, self._seq, cur.entry))
        self.done.append(_Answered(log_id, cur.entry, Rating(rating), seconds, requeued))
        self._advance()

    def undo(self) -> bool:
        """Take back the last answer of this session: its log entry and its state change."""
        if not self.done:
            return False
        last = self.done[-1]
        self.store.undo_answer(last.log_id)
        self.done.pop()
        if last.requeued:
            self.learning = [s for s in self.learning if s.entry is not last.entry]
            heapq.heapify(self.learning)
        # The card on screen goes back to the front of the queue, unless it is the very answer
        # being undone (a learning step that came straight back): it must not be shown twice.
        if self.current is not None and self.current.entry is not last.entry:
            self.queue.insert(0, self.current.entry)
        self.current = self._show(last.entry)
        return True

    def suspend(self) -> None:
        cur = self._require()
        self.store.set_flags(cur.entry.item_id, suspended=True)
        self._advance()

    def bury(self) -> None:
        cur = self._require()
        self.store.set_flags(cur.entry.item_id, buried_until=self.day_clock.next_rollover(self.now()))
        self._advance()

    def summary(self) -> Summary:
        today = self.day_clock.study_day(self.now())
        # Day boundaries from the study-day clock: a DST night makes a day 23 or 25 hours long.
        due = self.store.count_due(self.day_clock.day_start(today + timedelta(days=1)),
                                   self.day_clock.day_start(today + timedelta(days=2)))
        return Summary(
            answered=len(self.done),
            again=sum(1 for a in self.done if a.rating == Rating.AGAIN),
            seconds=sum(a.seconds for a in self.done),
            due_tomorrow=due,
            left=self.remaining,
        )

    # --- internals -------------------------------------------------------------------

    def _require(self) -> Current:
        if self.current is None:
            raise RecallError("the session is over")
        return self.current

    def _advance(self) -> None:
        now = self.now()
        if self.learning and self.learning[0].due <= now:
            entry = heapq.heappop(self.learning).entry
        elif self.queue:
            entry = self.queue.pop(0)
        elif self.learning and self.learning[0].due <= now + LEARN_AHEAD:
            entry = heapq.heappop(self.learning).entry
        else:
            self.current = None
            return
        self.current = self._show(entry)

    def _show(self, entry: PlanEntry) -> Current:
        card_id, cloze = split_item_id(entry.item_id)
        card = self.store.cards_by_id([card_id])[card_id]
        state = self.store.get_item_state(entry.item_id)
        if card.type == "choice":
            card = shuffled_choices(card, state)
        return Current(entry=entry, card=card, cloze=cloze, state=state, shown_at=self.monotonic())
