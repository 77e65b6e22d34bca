"""Start-up of `recall review` on a large collection, against the floor of importing its dependencies.

Generates (once, cached under benchmarks/.cache/) a collection of 20,000 cards in 200 deck
files and 1,000,000 reviews shaped like the real learner's history in
shared/data/fsrs-review-logs-josh.csv: each synthetic card's history is a chain of real
cards' histories (their ratings, durations and gaps between reviews), ending in the last
month; scheduling states are then rebuilt from that log with FSRS.

Then times, in fresh processes (median of --runs):
  floor: python importing the third-party modules the review path imports;
  review: `recall review` from process start until the first card is on screen (the UI is fed
          Ctrl-C, so the process ends right after drawing it).
Aim: review ≤ 1.25 × floor.

    .venv/bin/python benchmarks/startup.py [--cards 20000] [--reviews 1000000] [--runs 7]
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DATA = REPO.parent / "shared" / "data" / "fsrs-review-logs-josh.csv"
NOW = datetime(2026, 11, 26, 20, 0, tzinfo=timezone.utc)

# Each child prints the seconds from its launch (a timestamp the parent passes in argv[1])
# to the moment that matters: imports done, or the first card drawn.
FLOOR = ("import sys, time\n"
         "import sqlalchemy, sqlalchemy.orm, prompt_toolkit.application, prompt_toolkit.widgets, "
         "prompt_toolkit.input, prompt_toolkit.output, fsrs, yaml, pygments.lexers, pygments.styles, platformdirs\n"
         "print(time.time() - float(sys.argv[1]))")

FIRST_CARD = """
import sys, time
from pathlib import Path
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput
from prompt_toolkit.renderer import Renderer
from recall.cli import main
from recall.env import Env

launched = float(sys.argv[1])
first = []
real_render = Renderer.render

def render(self, app, layout, is_done=False):
    real_render(self, app, layout, is_done)
    if not first:  # the first frame holds the first card
        first.append(time.time() - launched)

Renderer.render = render
with create_pipe_input() as pipe:
    pipe.send_text("\\x03")
    empty = Path(sys.argv[2])
    env = Env(terminal_input=pipe, terminal_output=DummyOutput(), shipped_decks=empty, shipped_exercises=empty)
    code = main(["review"], env)
print(first[0] if first else "no card drawn", file=sys.stderr)
sys.exit(code)
"""


def real_histories() -> list[list[tuple[int, int, float]]]:
    """Per real card: (rating, duration ms, seconds since that card's previous review)."""
    by_card: dict[str, list[tuple[datetime, int, int]]] = {}
    with DATA.open() as f:
        for r in csv.DictReader(f):
            by_card.setdefault(r["card_id"], []).append(
                (datetime.fromisoformat(r["review_time"]), int(r["review_rating"]), int(r["review_duration"])))
    out = []
    for reviews in by_card.values():
        reviews.sort()
        prev = reviews[0][0]
        seq = []
        for t, rating, ms in reviews:
            seq.append((rating, ms, (t - prev).total_seconds()))
            prev = t
        out.append(seq)
    return out


def generate(cache: Path, n_cards: int, n_reviews: int) -> tuple[Path, str]:
    sys.path.insert(0, str(REPO / "src"))
    from recall.rebuild import rebuild
    from recall.scheduling import ItemState, LogEntry, Rating, SchedulerConfig, answer
    from recall.storage import Store
    from recall.sync import sync

    decks = cache / "decks"
    db = cache / "recall.db"
    url = f"sqlite:///{db}"
    if db.exists():
        return decks, url
    cache.mkdir(parents=True, exist_ok=True)
    rng = random.Random(42)
    modules = ["01-computer-architecture", "02-operating-systems", "03-assembly-programming", "04-c-programming"]
    from recall import curriculum

    per_file = 100
    files = n_cards // per_file
    ids = []
    for f in range(files):
        module = curriculum.MODULES_BY_ID[modules[f % 4]]
        sub = module.submodules[(f // 4) % len(module.submodules)].id
        path = decks / module.id / f"{sub}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a") as out:
            if path.stat().st_size == 0:
                out.write("cards:\n")
            for c in range(per_file):
                cid = f"bench.{f}.{c}"
                ids.append(cid)
                out.write(f"  - id: {cid}\n    front: Question {f}.{c} with some text?\n"
                          f"    back: Answer {f}.{c}.\n    source: generated\n")
    store = Store.open(url)
    t = time.perf_counter()
    sync(store, [decks], NOW)
    print(f"  synced {len(ids)} cards in {time.perf_counter() - t:.1f}s", file=sys.stderr)

    histories = real_histories()
    per_card = n_reviews // len(ids)
    config = SchedulerConfig()

    def entries():
        """Each card: a chain of real cards' histories. Its whole history is then shifted in time
        so that its next due date falls between this morning and one interval from now, as for a
        learner who has kept up with the reviews."""
        for cid in ids:
            chain: list[tuple[int, int, float]] = []
            while len(chain) < per_card:
                seq = rng.choice(histories)
                gap = rng.uniform(3600, 86400 * 3)  # the next block starts hours to days later
                chain.extend([(seq[0][0], seq[0][1], gap)] + seq[1:])
            chain = chain[:per_card]
            t = datetime(2000, 1, 1, tzinfo=timezone.utc)
            state = ItemState(cid)
            times = []
            for rating, _, gap in chain:
                t += timedelta(seconds=gap)
                times.append(t)
                state, _ = answer(state, Rating(max(1, min(4, rating))), t, config=config)
            interval = state.due - state.last_review
            # Due between this morning (not yet reviewed today) and one interval ahead.
            target_due = NOW - timedelta(hours=12) + rng.random() * (interval + timedelta(hours=12))
            shift = target_due - state.due
            for (rating, ms, _), when in zip(chain, times):
                yield LogEntry(cid, Rating(max(1, min(4, rating))), when + shift, ms, "review", None, True,
                               ItemState(cid))

    t = time.perf_counter()
    n = store.import_log(entries())
    print(f"  wrote {n} reviews in {time.perf_counter() - t:.1f}s", file=sys.stderr)
    t = time.perf_counter()
    changed, total = rebuild(store, SchedulerConfig())
    print(f"  rebuilt {total} states with FSRS in {time.perf_counter() - t:.1f}s", file=sys.stderr)
    store.close()
    return decks, url


def timed(code: str, env: dict, *args: str) -> float:
    """Run a child; it reports its own milestone, measured from just before it was launched."""
    launched = time.time()
    done = subprocess.run([sys.executable, "-c", code, str(launched), *args], env=env, check=True,
                          capture_output=True, text=True)
    return float((done.stdout + done.stderr).strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cards", type=int, default=20_000)
    ap.add_argument("--reviews", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    cache = HERE / ".cache" / f"startup-{args.cards}x{args.reviews}"
    print(f"collection: {args.cards} cards, {args.reviews} reviews ({cache})")
    decks, url = generate(cache, args.cards, args.reviews)
    empty = cache / "no-shipped-decks"
    empty.mkdir(exist_ok=True)
    env = dict(os.environ, RECALL_DB=url, RECALL_DECKS=str(decks), RECALL_TZ="Europe/Berlin")
    # One warm-up of each, so the OS file cache is equally warm for both.
    timed(FLOOR, env)
    timed(FIRST_CARD, env, str(empty))
    floor, review = [], []
    for _ in range(args.runs):  # interleaved, so drift affects both alike
        floor.append(timed(FLOOR, env))
        review.append(timed(FIRST_CARD, env, str(empty)))
    _print_collection(url)
    f, r = statistics.median(floor), statistics.median(review)
    print(f"import floor:            median {f * 1000:7.0f} ms  (min {min(floor) * 1000:.0f}, max {max(floor) * 1000:.0f})")
    print(f"review to first card:    median {r * 1000:7.0f} ms  (min {min(review) * 1000:.0f}, max {max(review) * 1000:.0f})")
    print(f"ratio: {r / f:.2f}x the floor (aim: at most 1.25x)")


def _print_collection(url: str) -> None:
    sys.path.insert(0, str(REPO / "src"))
    from recall.scheduling import DayClock
    from recall.storage import Store
    from zoneinfo import ZoneInfo

    store = Store.open(url)
    now = datetime.now(timezone.utc)
    clock = DayClock(ZoneInfo("Europe/Berlin"))
    due = store.count_due(datetime(1970, 1, 1, tzinfo=timezone.utc), clock.next_rollover(now))
    print(f"items due tonight: {due} of {len(store.active_items())}")
    store.close()


if __name__ == "__main__":
    main()
