"""Time to open an uncompressed Arrow IPC file through a memory map and get a Table, no column
touched: a 256 MiB file against a 4 MiB one, both with 4 int64 columns in 16 record batches, so
only the bytes per batch differ. For contrast, the same Table without a memory map (pa.OSFile:
every batch copied into new memory), and zero-copy over a Python mmap that pyarrow only sees as
a buffer (so it calls no madvise). The files are written once per run to a temporary directory
and nothing is dropped from the page cache: no open reads the disk.

Prints one JSON line; value = median over interleaved pairs of (open time 256 MiB / 4 MiB).
"""

import os
from pathlib import Path

# pyarrow reads the footer through its I/O thread pool: two hand-offs to another thread per open.
# Left free, that thread often woke on the other vCPU, which on this VM cost ~75 us more per open
# in some periods than in others (and moved the ratio from 5x to 3x). Pinned before any thread
# exists, every thread of the process shares one CPU and a hand-off is a local switch.
try:
    PINNED = int(Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()[36])  # the CPU we run on
    os.sched_setaffinity(0, {PINNED})
except (OSError, AttributeError):  # not Linux
    PINNED = None

import gc
import json
import mmap
import statistics
import tempfile
import time

import numpy as np
import pyarrow as pa

BATCHES, COLUMNS = 16, 4          # the same for both files: only the bytes per batch differ
SIZES_MIB = (4, 256)
PAIRS, REPEAT = 30, 4             # a mapped open takes 0.1-0.5 ms: many cheap pairs


def write_file(path: str, mib: int) -> int:
    rows = (mib << 20) // (BATCHES * COLUMNS * 8)
    batch = pa.record_batch({f"c{i}": np.arange(rows, dtype=np.int64) for i in range(COLUMNS)})
    with pa.OSFile(path, "wb") as sink, pa.ipc.new_file(sink, batch.schema) as writer:
        for _ in range(BATCHES):
            writer.write_batch(batch)
    return os.path.getsize(path)


def open_table(path: str, how: str) -> tuple[int, int]:
    """Nanoseconds to get the Table, and the bytes pyarrow allocated for it."""
    before = pa.total_allocated_bytes()
    t0 = time.perf_counter_ns()
    if how == "mmap":             # the exercise: open() + mmap(), nothing read yet
        source = pa.memory_map(path)
    elif how == "pybuffer":       # same mapping, but pyarrow only sees a buffer, not a file
        with open(path, "rb") as f:
            source = pa.BufferReader(pa.py_buffer(mmap.mmap(f.fileno(), 0, prot=mmap.PROT_READ)))
    else:                         # no mmap: pread() of every batch into freshly allocated buffers
        source = pa.OSFile(path)
    # the footer, then each batch's metadata; through pa.memory_map, each batch's range (header and
    # body) also gets one madvise(MADV_WILLNEED), which is where the file size comes back in
    table = pa.ipc.open_file(source).read_all()
    ns = time.perf_counter_ns() - t0
    held = pa.total_allocated_bytes() - before
    del table
    source.close()
    return ns, held


def interleaved(how: str, small: str, big: str, pairs: int, repeat: dict):
    """Each pair keeps the fastest of a few back-to-back opens of each file (a preemption only
    adds time), and the order alternates between pairs so that drift hits both sizes alike."""
    ratios, t_small, t_big = [], [], []
    for i in range(pairs):
        order = (small, big) if i % 2 == 0 else (big, small)
        best = {p: min(open_table(p, how)[0] for _ in range(repeat[p])) for p in order}
        ratios.append(best[big] / best[small])
        t_small.append(best[small])
        t_big.append(best[big])
    return statistics.median(ratios), statistics.median(t_small), statistics.median(t_big), ratios


def where(path: str) -> dict:
    """File system of the temp dir and its disk's readahead limits: the kernel caps the pages one
    MADV_WILLNEED looks up at max(read_ahead_kb, max_sectors_kb) (mm/readahead.c)."""
    mounts = Path("/proc/self/mounts")
    fs = max((ln.split()[1:3] for ln in mounts.read_text().splitlines() if path.startswith(ln.split()[1])),
             key=lambda m: len(m[0]))[1] if mounts.exists() else None
    dev = os.stat(path).st_dev
    base = f"/sys/dev/block/{os.major(dev)}:{os.minor(dev)}"
    for q in (f"{base}/queue", f"{base}/../queue"):  # a partition's limits are its disk's
        try:
            return {"fs": fs, **{k: int(Path(q, k).read_text()) for k in ("read_ahead_kb", "max_sectors_kb")}}
        except OSError:
            pass
    return {"fs": fs}                                # tmpfs and the like: no block device


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        small, big = (os.path.join(tmp, f"{m}mib.arrow") for m in SIZES_MIB)
        sizes = [write_file(small, SIZES_MIB[0]), write_file(big, SIZES_MIB[1])]
        # first opens double as warm-up (code paths, allocator); the osfile one faults in 256 MiB
        held = {how: open_table(big, how)[1] for how in ("mmap", "pybuffer", "osfile")}
        for how in ("mmap", "pybuffer", "osfile"):
            open_table(small, how), open_table(small, how)
        gc.disable()                                 # no collector pauses inside the timings
        value, mm_s, mm_b, ratios = interleaved("mmap", small, big, PAIRS, {small: REPEAT, big: REPEAT})
        pb, pb_s, pb_b, _ = interleaved("pybuffer", small, big, PAIRS // 2, {small: REPEAT, big: REPEAT})
        cp, cp_s, cp_b, _ = interleaved("osfile", small, big, 3, {small: 3, big: 1})  # 256 MiB: ~50 ms
        gc.enable()
        disk = where(tmp)
    q = statistics.quantiles(ratios, n=4)
    print(json.dumps({
        "value": round(value, 2),
        "unit": "x",
        "method": "timer: perf_counter_ns, median of interleaved pairs",
        "detail": {
            "file_bytes": sizes, "batches": BATCHES, "int64_columns": COLUMNS,
            "pairs": PAIRS, "opens_per_pair": REPEAT, "pinned_cpu": PINNED,
            "mmap_open_us_small": round(mm_s / 1e3, 1), "mmap_open_us_big": round(mm_b / 1e3, 1),
            "mmap_ratio_quartiles": [round(q[0], 2), round(q[2], 2)],
            "pybuffer_open_us_small": round(pb_s / 1e3, 1), "pybuffer_open_us_big": round(pb_b / 1e3, 1),
            "pybuffer_ratio": round(pb, 2),
            "osfile_read_ms_small": round(cp_s / 1e6, 2), "osfile_read_ms_big": round(cp_b / 1e6, 1),
            "osfile_read_ratio": round(cp, 1),
            "bytes_allocated_big": held,
            "temp_dir": disk, "page_cache": "files just written, nothing dropped: no disk reads",
            "pyarrow": pa.__version__,
        },
    }))


if __name__ == "__main__":
    main()
