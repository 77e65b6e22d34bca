import random
from datetime import timedelta

from conftest import SMALL_DECK
from recall import planner
from recall.planner import Estimates
from recall.scheduling import Rating


def many_cards(n: int) -> str:
    lines = ["cards:"]
    for i in range(n):
        lines += [f"  - id: c{i}", "    type: cloze" if i % 5 == 0 else "    type: basic"]
        if i % 5 == 0:
            lines.append(f"    text: '{{{{c1::a{i}}}}} and {{{{c2::b{i}}}}}'")
        else:
            lines += [f"    front: q{i}", f"    back: a{i}"]
    return "\n".join(lines) + "\n"


def test_the_plan_from_candidate_rows_equals_the_plan_from_all_rows(deckdir, collection, clock):
    """Start-up loads only plausible candidates; that must never change the plan."""
    deckdir.write("01-computer-architecture/01-binary-and-bits.yaml", many_cards(60))
    deckdir.write("01-computer-architecture/02-memory-hierarchy.yaml", SMALL_DECK)
    col = collection()
    rng = random.Random(3)
    for day in range(25):
        s = col.session(col.evening_plan(minutes=rng.choice([3, 10, 30])).entries)
        while s.current is not None and rng.random() < 0.95:
            if s.current.card.type in ("basic", "cloze"):
                s.reveal()
            else:
                s.submit("1")
            if rng.random() < 0.05:
                s.bury()
                continue
            s.rate(rng.choice([Rating.AGAIN, Rating.HARD, Rating.GOOD, Rating.GOOD, Rating.EASY]))
            clock.advance(seconds=rng.randint(5, 40))
        clock.advance(hours=rng.choice([20, 24, 30, 48]))
        for minutes in (5, 20, 60):
            fast = col.evening_plan(minutes=minutes)
            full = planner.evening(col.store.active_items(), clock.now(), col.day_clock, minutes=minutes,
                                   estimates=Estimates.from_durations(col.store.recent_durations()),
                                   config=col.config)
            assert fast.to_json() == full.to_json()
    assert len(col.store.log_entries()) > 100
    col.close()


def test_due_tomorrow_counts_scheduled_items(deckdir, collection, clock):
    deckdir.write("01-computer-architecture/01-binary-and-bits.yaml", SMALL_DECK)
    col = collection()
    s = col.session(col.evening_plan().entries)
    s.reveal()
    s.rate(Rating.EASY)  # graduates: due in days, not tomorrow
    tomorrow = col.day_clock.next_rollover(clock.now())
    assert col.store.count_due(tomorrow, tomorrow + timedelta(days=1)) == 0
    assert col.store.count_due(tomorrow, tomorrow + timedelta(days=60)) == 1
    col.close()
