"""Throughput of the real torch.utils.data.DataLoader over tiny samples with batch_size=1:
num_workers=0 (everything in the main process) against num_workers=2 (worker processes).

The dataset's __getitem__ returns its index (well under 1 µs), so what is timed is the loader's
own per-batch machinery. With workers, every batch is a round of messages: the index list [i]
goes down a queue to a worker, default_collate builds tensor([i]), pickling it for the result
queue moves its storage into shared memory, and the main process, unpickling, fetches that
memory's file descriptor from the worker over a Unix socket (torch's default sharing strategy).

Both loaders exist for the whole run; the workers are persistent, started and warmed up before
timing. Timed epochs of the two loaders are interleaved. Prints one JSON line; value = samples/s
with num_workers=0 / samples/s with num_workers=2, the median of 5 runs, each the median of 9 pairs.
"""

import os

os.environ["OMP_NUM_THREADS"] = "1"  # the workers set 1 thread themselves; the main process too

import json  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402

import torch  # noqa: E402
from torch.utils.data import DataLoader, Dataset  # noqa: E402

SAMPLES = 100  # per epoch: a few tens of ms with workers, about 1 ms without
PAIRS = 9     # per run
RUNS = 5      # runs reported to recall, which takes their median
CPUS = sorted(os.sched_getaffinity(0))


class Indices(Dataset):
    """A map-style dataset whose samples cost nothing to make: sample i is the int i."""

    def __len__(self) -> int:
        return SAMPLES

    def __getitem__(self, i: int) -> int:
        return i


def pin_worker(worker_id: int) -> None:
    # Each process on its own core where there are enough; on 2 cores worker 1 shares the main
    # process's core. Left alone, Linux placed the three processes differently from run to run,
    # and the loader with workers ran anywhere from about 1,300 to 2,300 samples/s here.
    os.sched_setaffinity(0, {CPUS[(worker_id + 1) % len(CPUS)]})


def epoch(loader: DataLoader) -> float:
    t0 = time.perf_counter()
    n = 0
    for batch in loader:
        n += len(batch)
    return n / (time.perf_counter() - t0)


def main() -> None:
    torch.set_num_threads(1)
    # The main process and the threads it will start (queue feeders) on the first core. DataLoader
    # reads this process's affinity and warns that 1 core is too few for 2 workers; they re-pin.
    os.sched_setaffinity(0, {CPUS[0]})
    warnings.filterwarnings("ignore", message="This DataLoader will create")
    ds = Indices()
    t0 = time.perf_counter()
    for i in range(SAMPLES):
        ds[i]
    getitem_us = (time.perf_counter() - t0) / SAMPLES * 1e6
    inline = DataLoader(ds, batch_size=1, num_workers=0)
    workers = DataLoader(ds, batch_size=1, num_workers=2, persistent_workers=True, worker_init_fn=pin_worker)
    for _ in range(3):  # warm-up; the first epoch forks the two workers, once: they are persistent
        epoch(inline), epoch(workers)
    ratios, r0, r2, runs = [], [], [], []
    # RUNS runs in this one process, each the median of PAIRS pairs: importing torch and forking
    # the workers take longer than a run, so recall is handed the runs instead of starting us 6 times.
    for _ in range(RUNS):
        run = []
        for _ in range(PAIRS):
            a = statistics.median(epoch(inline) for _ in range(5))  # ~1 ms each: take the median of 5
            b = epoch(workers)
            run.append(a / b)
            r0.append(a)
            r2.append(b)
        ratios += run
        runs.append(round(statistics.median(run), 2))
    print(json.dumps({
        "value": statistics.median(runs),
        "runs": runs,
        "unit": "x",
        "method": f"timer: {RUNS} runs in one process, each the median of {PAIRS} interleaved pairs",
        "detail": {
            "cpus": len(CPUS),
            "getitem_us": round(getitem_us, 2),
            "samples_per_s_0_workers": round(statistics.median(r0)),
            "samples_per_s_2_workers": round(statistics.median(r2)),
            "us_per_batch_0_workers": round(1e6 / statistics.median(r0), 1),
            "us_per_batch_2_workers": round(1e6 / statistics.median(r2), 1),
            "samples_per_epoch": SAMPLES,
            "pairs": PAIRS,
            "ratio_min": round(min(ratios), 1),
            "ratio_max": round(max(ratios), 1),
        },
    }))


if __name__ == "__main__":
    main()
