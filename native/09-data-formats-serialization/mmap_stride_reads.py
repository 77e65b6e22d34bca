"""Scattered against sequential 4 KiB reads from a memory-mapped file that is already in the page
cache (a 64 MiB temporary file, written and read once before timing).

Each timed pass maps the file afresh (as a new reader or worker would), then copies 1024 reads
of 4 KiB out of the mapping: either contiguous (the first 4 MiB) or one every 64 KiB across the
whole 64 MiB. Same bytes, same copies; only the addresses differ. The mapping is set up and torn
down outside the timed region.

Prints one JSON line; value = time per byte scattered / time per byte sequential, the median of
interleaved pairs.
"""

import json
import mmap
import os
import resource
import statistics
import tempfile
import time

FILE_BYTES = 64 << 20
READ = 4096
READS = 1024
STRIDE = FILE_BYTES // READS  # 64 KiB
PAIRS = 15


FAULTS = {}


def timed_pass(fd: int, offsets: list[int], dst: bytearray) -> float:
    mm = mmap.mmap(fd, FILE_BYTES, prot=mmap.PROT_READ)
    mv = memoryview(mm)
    out = memoryview(dst)
    f0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    t0 = time.perf_counter()
    for o in offsets:
        out[:] = mv[o:o + READ]
    dt = time.perf_counter() - t0
    FAULTS[offsets[1]] = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f0
    mv.release()
    out.release()
    mm.close()
    return dt


def main() -> None:
    fd, path = tempfile.mkstemp(prefix="recall-mmap-", dir="/tmp")
    try:
        os.unlink(path)  # the open descriptor keeps it alive; nothing is left behind even if killed
        chunk = os.urandom(1 << 20)
        for _ in range(FILE_BYTES >> 20):
            os.write(fd, chunk)
        os.lseek(fd, 0, os.SEEK_SET)
        while os.read(fd, 1 << 20):  # warm: every page is in the page cache before timing
            pass
        dst = bytearray(READ)
        seq = [i * READ for i in range(READS)]
        scat = [i * STRIDE for i in range(READS)]
        timed_pass(fd, seq, dst), timed_pass(fd, scat, dst)
        ratios, ts, tr = [], [], []
        for _ in range(PAIRS):
            a = timed_pass(fd, seq, dst)
            b = timed_pass(fd, scat, dst)
            ratios.append(b / a)
            ts.append(a)
            tr.append(b)
    finally:
        os.close(fd)
    nbytes = READS * READ
    print(json.dumps({
        "value": round(statistics.median(ratios), 2),
        "unit": "x",
        "detail": {
            "file_MiB": FILE_BYTES >> 20,
            "reads": READS,
            "read_bytes": READ,
            "stride_bytes": STRIDE,
            "sequential_us_per_read": round(statistics.median(ts) / READS * 1e6, 3),
            "scattered_us_per_read": round(statistics.median(tr) / READS * 1e6, 3),
            "sequential_GB_per_s": round(nbytes / statistics.median(ts) / 1e9, 2),
            "scattered_GB_per_s": round(nbytes / statistics.median(tr) / 1e9, 2),
            "sequential_minor_faults_per_pass": FAULTS[READ],
            "scattered_minor_faults_per_pass": FAULTS[STRIDE],
            "fault_around_bytes": _fault_around(),
            "pairs": PAIRS,
            "ratio_min": round(min(ratios), 2),
            "ratio_max": round(max(ratios), 2),
        },
    }))


def _fault_around():
    try:
        with open("/sys/kernel/debug/fault_around_bytes") as f:
            return int(f.read())
    except OSError:
        return None


if __name__ == "__main__":
    main()
