from datetime import datetime, timedelta, timezone


from conftest import BERLIN, EVENING
from recall import planner
from recall.planner import Estimates, PlanEntry, interleave
from recall.scheduling import LEARNING, RELEARNING, REVIEW, DayClock, ItemState
from recall.storage import ItemRow

CLOCK = DayClock(BERLIN)
NOW = EVENING  # 21:00 in Berlin


def row(iid, *, module="01-computer-architecture", sub="01-binary-and-bits", pos=0, state=None, due=None,
        stability=None, last=None, introduced=None, cloze=0, card=None, suspended=False, buried=None):
    s = ItemState(iid, state=state, step=0 if state in (LEARNING, RELEARNING) else None, stability=stability,
                  difficulty=5.0 if state else None, due=due, last_review=last)
    return ItemRow(state=s, card_id=card or iid.split("::")[0], cloze=cloze, module=module, submodule=sub,
                   deck_path="x", position=pos, card_type="basic", suspended=suspended, buried_until=buried,
                   introduced_at=introduced)


def review(iid, days_ago, stability, **kw):
    last = NOW - timedelta(days=days_ago)
    return row(iid, state=REVIEW, due=last + timedelta(days=stability), stability=stability, last=last,
               introduced=last - timedelta(days=30), **kw)


def ids(plan):
    return [e.item_id for e in plan.entries]


def test_order_learning_then_reviews_by_recall_then_new():
    rows = [
        row("new1", pos=1), row("new0", pos=0),
        review("weak", days_ago=20, stability=3),     # long overdue: low retrievability
        review("strong", days_ago=5, stability=5),    # just due
        review("later", days_ago=1, stability=30),    # not due
        row("learn", state=LEARNING, due=NOW + timedelta(minutes=5), last=NOW, introduced=NOW - timedelta(days=1)),
    ]
    plan = planner.evening(rows, NOW, CLOCK, minutes=60)
    assert ids(plan) == ["learn", "weak", "strong", "new0", "new1"]
    kinds = [e.kind for e in plan.entries]
    assert kinds == ["learning", "review", "review", "new", "new"]
    assert "recall probability" in plan.entries[1].reason


def test_reviews_due_before_the_rollover_count_as_today():
    # Due at 03:00 Berlin tomorrow: before the 04:00 rollover, so due tonight.
    r = row("early", state=REVIEW, due=datetime(2026, 11, 27, 2, 0, tzinfo=timezone.utc), stability=3,
            last=NOW - timedelta(days=2), introduced=NOW - timedelta(days=9))
    late = row("late", state=REVIEW, due=datetime(2026, 11, 27, 3, 30, tzinfo=timezone.utc), stability=3,
               last=NOW - timedelta(days=2), introduced=NOW - timedelta(days=9))
    assert ids(planner.evening([r, late], NOW, CLOCK)) == ["early"]


def test_new_cards_follow_the_learning_order_and_read_marks_first():
    rows = [
        row("os1", module="02-operating-systems", sub="01-memory-mapping"),
        row("gpu", module="11-gpu-architecture", sub="01-sm"),
        row("bits", sub="01-binary-and-bits"),
        row("mem", sub="02-memory-hierarchy"),
        row("data", module="09-data-formats-serialization", sub="01-arrow"),
    ]
    plan = planner.evening(rows, NOW, CLOCK, minutes=60)
    assert ids(plan) == ["bits", "mem", "os1", "gpu", "data"]
    plan = planner.evening(rows, NOW, CLOCK, minutes=60, read={("02-operating-systems", "01-memory-mapping")})
    assert ids(plan)[0] == "os1"
    assert plan.entries[0].reason == "new, submodule marked read"


def test_daily_new_limit_counts_cards_introduced_today():
    rows = [row(f"n{i}", pos=i) for i in range(20)]
    rows += [review(f"today{i}", days_ago=0, stability=10) for i in range(3)]
    rows = [r if not r.state.item_id.startswith("today") else
            row(r.state.item_id, state=LEARNING, due=NOW + timedelta(hours=2), last=NOW - timedelta(minutes=30),
                introduced=NOW - timedelta(minutes=30)) for r in rows]
    plan = planner.evening(rows, NOW, CLOCK, minutes=600, new_per_day=10)
    assert sum(e.kind == "new" for e in plan.entries) == 7
    assert any("limit of 10" in why for _, why in plan.left_out)


def test_budget_limits_the_set_and_reports_what_did_not_fit():
    rows = [review(f"r{i}", days_ago=10, stability=5, pos=i) for i in range(50)]
    plan = planner.evening(rows, NOW, CLOCK, minutes=2, estimates=Estimates(review_seconds=12))
    assert len(plan.entries) == 10
    assert plan.seconds <= 120
    assert sum("budget" in why for _, why in plan.left_out) == 21  # 20 listed, then "... 20 more"
    assert plan.left_out[-1] == ("... 20 more", "review: over the 2-minute budget")


def test_suspended_and_buried_items_stay_out():
    rows = [review("s", 10, 5, suspended=True), review("b", 10, 5, buried=NOW + timedelta(hours=3)),
            review("b2", 10, 5, buried=NOW - timedelta(hours=1))]
    plan = planner.evening(rows, NOW, CLOCK)
    assert ids(plan) == ["b2"]
    assert ("b", "buried until tomorrow") in plan.left_out


def test_cloze_siblings_are_not_shown_on_the_same_day():
    rows = [row("c::c1", cloze=1, card="c"), row("c::c2", cloze=2, card="c"), row("d", pos=1)]
    plan = planner.evening(rows, NOW, CLOCK)
    assert ids(plan) == ["c::c1", "d"]
    # A sibling answered earlier today keeps its brothers away too.
    rows = [review("e::c1", 10, 5, cloze=1, card="e"),
            row("e::c2", cloze=2, card="e", state=REVIEW, due=NOW + timedelta(days=3), stability=5,
                last=NOW - timedelta(hours=1), introduced=NOW - timedelta(days=5))]
    assert ids(planner.evening(rows, NOW, CLOCK)) == []


def test_interleave_limits_runs_of_one_submodule():
    entries = [PlanEntry(f"a{i}", f"a{i}", "m", "A", "review", "", 1) for i in range(5)]
    entries += [PlanEntry(f"b{i}", f"b{i}", "m", "B", "review", "", 1) for i in range(2)]
    out = [e.item_id for e in interleave(entries)]
    assert out == ["a0", "a1", "a2", "b0", "a3", "a4", "b1"]
    # Only one submodule left: no choice but to go on.
    assert [e.item_id for e in interleave(entries[:5])] == ["a0", "a1", "a2", "a3", "a4"]


def test_same_inputs_same_plan():
    rows = [review(f"r{i}", days_ago=i % 7 + 3, stability=(i % 5) + 1, pos=i,
                   sub=["01-binary-and-bits", "02-memory-hierarchy"][i % 2]) for i in range(40)]
    rows += [row(f"n{i}", pos=i) for i in range(15)]
    a = planner.evening(rows, NOW, CLOCK)
    b = planner.evening(list(reversed(rows)), NOW, CLOCK)
    assert a.to_json() == b.to_json()


def test_estimates_come_from_the_learners_answers():
    assert Estimates.from_durations([]) == Estimates()
    durations = [(20_000, True)] * 6 + [(8_000, False)] * 10
    e = Estimates.from_durations(durations)
    assert e.review_seconds == 8 and e.new_seconds == 20 + 2 * 8


def test_quiz_keeps_learning_order_and_shuffles_within_submodules():
    rows = [row(f"b{i}", sub="02-memory-hierarchy", pos=i) for i in range(6)]
    rows += [row(f"a{i}", sub="01-binary-and-bits", pos=i) for i in range(6)]
    q = planner.quiz(rows, NOW, CLOCK, seed=1)
    assert [e.item_id[0] for e in q] == list("aaaaaabbbbbb")
    assert sorted(e.item_id for e in q[:6]) == [f"a{i}" for i in range(6)]
    assert [e.item_id for e in q[:6]] != [f"a{i}" for i in range(6)] or \
        [e.item_id for e in planner.quiz(rows, NOW, CLOCK, seed=2)[:6]] != [f"a{i}" for i in range(6)]
    assert len(planner.quiz(rows, NOW, CLOCK, limit=4)) == 4


def test_quiz_due_only():
    rows = [row("new"), review("due", 10, 5), review("fresh", 1, 30)]
    assert [e.item_id for e in planner.quiz(rows, NOW, CLOCK, due_only=True)] == ["due"]


def test_new_card_estimate_before_any_new_answers_uses_the_first_answer_default():
    e = Estimates.from_durations([(60_000, False)] * 10)  # a slow reviewer, no new cards yet
    assert e.review_seconds == 60 and e.new_seconds == Estimates.first_seconds + 2 * 60
