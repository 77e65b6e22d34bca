"""Run every shipped exercise's measurement as recall does (warm-up + 5 runs; once for an exact
answer; one start for a program that reports its own runs) and print its duration and CV.

    .venv/bin/python benchmarks/exercises.py [--only ID ...]

Aim: at most 5 s and a coefficient of variation of at most 5 % per exercise on this machine.
Builds go to a fresh temporary cache, so compile time is included once per exercise.
"""

import argparse
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from recall import decks, exercises, machine, runner  # noqa: E402
from recall.grading import show_value  # noqa: E402
from recall.env import SHIPPED_EXERCISES  # noqa: E402
from recall.storage import StoredCard  # noqa: E402


def shipped() -> list[StoredCard]:
    out = []
    for path, root in decks.find_deck_files([SHIPPED_EXERCISES]):
        for c in exercises.parse_file(path, root).cards:
            out.append(StoredCard(c.id, c.type, c.module, c.submodule, c.path, c.content, c.tags, c.source,
                                  c.note, None))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", nargs="*", help="exercise ids")
    args = ap.parse_args()
    known = {ex.id for ex in shipped()}
    unknown = [i for i in args.only or [] if i not in known]
    if unknown:
        sys.exit(f"unknown exercise id(s): {', '.join(unknown)} (ids are separated by spaces)")
    m = machine.describe()
    print(f"machine: {m['cpu']}, {m['cores']} cores, virtualised={m['virtualised']}, {m['compiler']}")
    print(f"{'exercise':<34} {'value':>13} {'unit':<6} {'seconds':>7} {'CV':>6}  method")
    misses = []
    with tempfile.TemporaryDirectory() as tmp:
        for ex in shipped():
            if args.only and ex.id not in args.only:
                continue
            why_not = runner.why_not_runnable(ex, [SHIPPED_EXERCISES])
            if why_not:  # not a miss: this machine cannot run it at all (a GPU, a package)
                print(f"{ex.id:<34} skipped: {why_not}")
                continue
            try:
                r = runner.measure(ex, build_dir=Path(tmp))
            except runner.ExerciseError as e:
                print(f"{ex.id:<34} failed: {e}")
                misses.append(ex.id)
                continue
            scale = 100 if ex.content["predict"]["kind"] == "fraction" else 1
            flag = "" if r.seconds <= 5 and r.cv <= 0.05 else "  <- misses the aim"
            if flag:
                misses.append(ex.id)
            print(f"{ex.id:<34} {show_value(r.value * scale):>13} {ex.content['predict']['unit']:<6} {r.seconds:>7.2f} "
                  f"{r.cv:>6.1%}  {r.method}{flag}")
    print(f"{len(misses)} exercise(s) miss the aim (<= 5 s, CV <= 5 %)" + (f": {', '.join(misses)}" if misses else ""))


if __name__ == "__main__":
    main()
