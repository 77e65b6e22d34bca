import random
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recall.scheduling import (LEARNING, REVIEW, DayClock, ItemState, Rating, SchedulerConfig, answer,
                               format_interval, preview, replay, retrievability)

T0 = datetime(2026, 3, 1, 19, 0, tzinfo=timezone.utc)


def test_first_answer_leaves_new_and_logs_the_state_before():
    item = ItemState("a")
    state, log = answer(item, Rating.GOOD, T0, duration_ms=4200, response="64")
    assert item.is_new and not state.is_new
    assert state.state == LEARNING and state.last_review == T0 and state.due > T0
    assert log.state_before == item and log.rating == Rating.GOOD and log.duration_ms == 4200
    assert log.response == "64" and log.mode == "review" and log.scheduled


def test_easy_on_a_new_card_graduates_to_review_in_days():
    state, _ = answer(ItemState("a"), Rating.EASY, T0)
    assert state.state == REVIEW
    assert state.due - T0 >= timedelta(days=1)


def test_unscheduled_answer_is_logged_but_changes_nothing():
    item, _ = answer(ItemState("a"), Rating.GOOD, T0)
    state, log = answer(item, Rating.AGAIN, T0 + timedelta(hours=1), mode="quiz", schedule=False)
    assert state == item and not log.scheduled and log.mode == "quiz"


@pytest.mark.parametrize("bad", [datetime(2026, 3, 1, 19, 0), datetime(2026, 3, 1, 19, tzinfo=ZoneInfo("Asia/Tokyo"))])
def test_times_must_be_utc(bad):
    with pytest.raises(ValueError, match="UTC"):
        answer(ItemState("a"), Rating.GOOD, bad)


def test_fuzz_is_deterministic_and_does_not_touch_global_random():
    item = ItemState("a")
    for r in (Rating.GOOD, Rating.GOOD, Rating.GOOD):
        item, _ = answer(item, r, (item.due or T0) + timedelta(days=1))
    random.seed(7)
    expected_next = random.random()
    random.seed(7)
    a, _ = answer(item, Rating.GOOD, item.due + timedelta(days=3))
    assert random.random() == expected_next
    b, _ = answer(item, Rating.GOOD, item.due + timedelta(days=3))
    assert a == b


def test_preview_shows_the_interval_that_is_applied():
    item = ItemState("a")
    t = T0
    for _ in range(4):
        item, _ = answer(item, Rating.GOOD, t)
        t = item.due + timedelta(hours=2)
    shown = preview(item, t)
    for r in Rating:
        state, _ = answer(item, r, t)
        assert state.due - t == shown[r]
    assert shown[Rating.AGAIN] < shown[Rating.HARD] <= shown[Rating.GOOD] < shown[Rating.EASY]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(list(Rating)), st.integers(0, 60 * 24 * 40), st.booleans()),
                min_size=1, max_size=25))
def test_replaying_the_log_rebuilds_the_state(steps):
    item = ItemState("card::c2")
    t = T0
    log = []
    for rating, minutes, scheduled in steps:
        t = t + timedelta(minutes=minutes)
        item, entry = answer(item, rating, t, schedule=scheduled, mode="review" if scheduled else "quiz")
        log.append(entry)
    assert replay("card::c2", log) == item


def test_retrievability_falls_with_time():
    item, _ = answer(ItemState("a"), Rating.EASY, T0)
    r1 = retrievability(item, T0 + timedelta(days=2))
    r2 = retrievability(item, T0 + timedelta(days=30))
    assert 1 >= r1 > r2 > 0
    assert retrievability(ItemState("new"), T0) == 0


def test_desired_retention_changes_intervals():
    item, _ = answer(ItemState("a"), Rating.EASY, T0)
    t = item.due
    low, _ = answer(item, Rating.GOOD, t, config=SchedulerConfig(desired_retention=0.8))
    high, _ = answer(item, Rating.GOOD, t, config=SchedulerConfig(desired_retention=0.95))
    assert low.due > high.due


BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize("utc,day", [
    (datetime(2026, 11, 26, 2, 59, tzinfo=timezone.utc), date(2026, 11, 25)),  # 03:59 Berlin: still yesterday
    (datetime(2026, 11, 26, 3, 0, tzinfo=timezone.utc), date(2026, 11, 26)),   # 04:00 Berlin: a new day
    (datetime(2026, 11, 26, 22, 30, tzinfo=timezone.utc), date(2026, 11, 26)),  # 23:30 Berlin
    (datetime(2026, 11, 26, 23, 30, tzinfo=timezone.utc), date(2026, 11, 26)),  # 00:30 Berlin, same study day
    (datetime(2026, 7, 1, 1, 59, tzinfo=timezone.utc), date(2026, 6, 30)),     # summer time: 03:59 CEST
    (datetime(2026, 7, 1, 2, 0, tzinfo=timezone.utc), date(2026, 7, 1)),       # 04:00 CEST
])
def test_study_day_rolls_over_at_four_local(utc, day):
    assert DayClock(BERLIN).study_day(utc) == day


def test_rollover_is_configurable_and_spans_dst():
    clock = DayClock(BERLIN, rollover_hour=6)
    assert clock.study_day(datetime(2026, 11, 26, 4, 59, tzinfo=timezone.utc)) == date(2026, 11, 25)
    # The night DST starts (29 March 2026) the study day is 23 hours long.
    start = DayClock(BERLIN).day_start(date(2026, 3, 28))
    assert DayClock(BERLIN).day_start(date(2026, 3, 29)) - start == timedelta(hours=23)
    now = datetime(2026, 3, 28, 20, tzinfo=timezone.utc)
    assert DayClock(BERLIN).next_rollover(now) == datetime(2026, 3, 29, 2, tzinfo=timezone.utc)


@pytest.mark.parametrize("delta,text", [
    (timedelta(seconds=30), "30s"), (timedelta(minutes=10), "10m"), (timedelta(hours=5), "5h"),
    (timedelta(days=3), "3d"), (timedelta(days=90), "3.0mo"), (timedelta(days=730), "2.0y"),
])
def test_format_interval(delta, text):
    assert format_interval(delta) == text


def test_exercises_skip_learning_steps():
    state, _ = answer(ItemState("ex"), Rating.GOOD, T0, mode="exercise")
    assert state.state == REVIEW and state.due - T0 >= timedelta(days=1)
    again, _ = answer(state, Rating.AGAIN, state.due, mode="exercise")
    assert again.state == REVIEW  # no ten-minute relearning step either
    assert preview(ItemState("ex"), T0, mode="exercise")[Rating.AGAIN] >= timedelta(days=1)
    # Replaying reads each answer's mode, so the log still rebuilds the state.
    _, l1 = answer(ItemState("ex"), Rating.GOOD, T0, mode="exercise")
    _, l2 = answer(state, Rating.AGAIN, state.due, mode="exercise")
    assert replay("ex", [l1, l2]) == again
