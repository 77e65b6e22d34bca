"""Time `recall export anki` of every shipped deck (aim: under 2 s on the 2-core machine).

    .venv/bin/python benchmarks/export.py [--runs 5]

Each run is a fresh process (so imports of genanki and pygments count), on a database that
already holds the synced decks; prints the median, min and max wall time.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, RECALL_DB=f"sqlite:///{Path(tmp) / 'recall.db'}")
        env.pop("RECALL_DECKS", None)
        cmd = [sys.executable, "-m", "recall", "export", "anki", "-o", str(Path(tmp) / "all.apkg")]
        print(subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout.strip())
        times = []
        for _ in range(args.runs):
            t = time.perf_counter()
            subprocess.run(cmd, env=env, check=True, capture_output=True)
            times.append(time.perf_counter() - t)
    print(f"export anki, all shipped decks: median {statistics.median(times):.2f} s "
          f"(min {min(times):.2f}, max {max(times):.2f}, {args.runs} runs; aim < 2 s)")


if __name__ == "__main__":
    main()
