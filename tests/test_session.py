import pytest

from conftest import SMALL_DECK
from recall.errors import RecallError
from recall.grading import AnswerFormatError
from recall.scheduling import Rating

DECK = "01-computer-architecture/01-binary-and-bits.yaml"


@pytest.fixture
def col(deckdir, collection):
    deckdir.write(DECK, SMALL_DECK)
    c = collection()
    yield c
    c.close()


def start(col, **kw):
    plan = col.evening_plan()
    return col.session(plan.entries, **kw)


def test_each_answer_is_committed_before_the_next_card(col, clock):
    s = start(col)
    first = s.current.entry.item_id
    clock.advance(seconds=7)
    s.reveal()
    s.rate(Rating.GOOD)
    # Another connection sees the answer while the session shows the next card.
    log = col.store.log_entries()
    assert [(e.entry.item_id, e.entry.rating, e.entry.duration_ms) for e in log] == [(first, Rating.GOOD, 7000)]
    assert s.current.entry.item_id != first


def test_rating_needs_reveal_and_typed_cards_need_an_answer(col):
    s = start(col)
    with pytest.raises(RecallError, match="reveal"):
        s.rate(Rating.GOOD)
    while s.current.card.type != "choice":
        s.reveal()
        s.rate(Rating.EASY)
    with pytest.raises(RecallError, match="type your answer"):
        s.reveal()
    with pytest.raises(AnswerFormatError):
        s.submit("7")
    assert not s.current.revealed  # a bad answer format records nothing
    right = str(s.current.card.content["answer"])  # its place in this showing's shuffled order
    assert s.current.card.content["choices"][int(right) - 1] == "L3"
    verdict = s.submit(right)
    assert verdict.correct and verdict.suggested == Rating.GOOD and s.current.revealed
    s.rate(Rating.HARD)  # the learner overrides the suggestion
    assert col.store.log_entries()[-1].entry.response == "L3"  # logged by its text
    assert col.store.log_entries()[-1].entry.rating == Rating.HARD


def test_undo_takes_back_the_log_entry_and_the_state(col, clock):
    s = start(col)
    item = s.current.entry.item_id
    before = col.store.get_item_state(item)
    s.reveal()
    s.rate(Rating.AGAIN)
    assert col.store.get_item_state(item) != before
    assert s.undo()
    assert col.store.log_entries() == []
    assert col.store.get_item_state(item) == before
    assert s.current.entry.item_id == item and not s.current.revealed
    assert not s.undo()  # nothing left to undo


def test_learning_steps_come_back_in_the_same_session(col, clock):
    s = start(col)
    first = s.current.entry.item_id
    n = s.remaining
    s.reveal()
    s.rate(Rating.AGAIN)  # 1-minute learning step
    assert s.remaining == n  # the item went back into the session
    seen = []
    while s.current is not None:
        seen.append(s.current.entry.item_id)
        clock.advance(seconds=30)
        s.reveal() if s.current.card.type in ("basic", "cloze") else s.submit("x" if s.current.card.type == "typed" else "1")
        s.rate(Rating.EASY)
    assert first in seen  # shown again once its step fell due
    summary = s.summary()
    assert summary.answered == len(seen) + 1 and summary.again == 1


def test_suspend_and_bury_keep_history_and_leave_the_set(col, clock):
    s = start(col)
    a = s.current.entry.item_id
    s.suspend()
    b = s.current.entry.item_id
    s.bury()
    plan = col.evening_plan()
    assert a not in [e.item_id for e in plan.entries]
    assert b not in [e.item_id for e in plan.entries]
    clock.advance(days=1)
    assert b in [e.item_id for e in col.evening_plan().entries]
    assert a not in [e.item_id for e in col.evening_plan().entries]


def test_quiz_without_schedule_logs_but_keeps_the_schedule(col):
    from recall.curriculum import resolve

    entries = col.quiz_entries(resolve("01"))
    s = col.session(entries, mode="quiz", schedule=False)
    item = s.current.entry.item_id
    s.reveal() if s.current.card.type in ("basic", "cloze") else s.submit("1")
    s.rate(Rating.GOOD)
    assert col.store.get_item_state(item).is_new
    assert col.store.log_entries()[0].entry.mode == "quiz"
    assert not col.store.log_entries()[0].entry.scheduled


def test_tomorrow_the_answers_are_scheduled(col, clock):
    s = start(col)
    while s.current is not None:
        s.reveal() if s.current.card.type in ("basic", "cloze") else s.submit("1")
        s.rate(Rating.EASY)
    assert col.evening_plan().entries == []  # c2 waits: its sibling c1 was studied today
    clock.advance(days=40)
    plan = col.evening_plan()
    # Five reviews; the new c2 waits again because its sibling c1 is due tonight.
    assert [e.kind for e in plan.entries] == ["review"] * 5
    assert "t.cloze::c2" not in [e.item_id for e in plan.entries]



def test_undoing_the_answer_that_came_straight_back_shows_it_once(deckdir, collection, clock):
    deckdir.write(DECK, "cards:\n  - id: only\n    front: f\n    back: b\n")
    c = collection()
    s = c.session(c.evening_plan().entries)
    s.reveal()
    s.rate(Rating.AGAIN)  # the learning step comes straight back (learn-ahead)
    assert s.current.entry.item_id == "only"
    assert s.undo()
    shown = 0
    while s.current is not None:
        shown += 1
        s.reveal()
        s.rate(Rating.EASY)
    assert shown == 1
    assert [e.entry.rating for e in c.store.log_entries()] == [Rating.EASY]
    c.close()


def test_an_answer_given_elsewhere_meanwhile_reloads_the_state(col):
    from recall.scheduling import answer as do_answer
    from recall.storage import StorageError

    s = start(col)
    item = s.current.entry.item_id
    state = col.store.get_item_state(item)
    new, log = do_answer(state, Rating.GOOD, col.env.now())  # another terminal answers it
    col.store.record_answer(log, new)
    s.reveal()
    with pytest.raises(StorageError, match="answered elsewhere"):
        s.rate(Rating.GOOD)
    s.rate(Rating.GOOD)  # the second try works on the fresh state
    assert len(col.store.log_entries()) == 2


def test_choices_are_shuffled_per_showing_but_stable_within_one(deckdir, collection):
    from recall.scheduling import ItemState
    from recall.session import shuffled_choices

    deckdir.write(DECK, "cards:\n" + "".join(
        f"  - id: q{i}\n    type: choice\n    question: q\n    choices: [a, b, c, d]\n    answer: 2\n"
        for i in range(12)))
    col = collection()
    cards = col.store.cards_by_id([f"q{i}" for i in range(12)])
    orders = {tuple(shuffled_choices(c, ItemState(c.id)).content["choices"]) for c in cards.values()}
    assert len(orders) > 1  # not every card shows the same order
    for c in cards.values():
        shown = shuffled_choices(c, ItemState(c.id))
        assert shown.content["choices"][shown.content["answer"] - 1] == "b"  # the answer follows its choice
        assert shown == shuffled_choices(c, ItemState(c.id))  # same showing, same order
    col.close()
