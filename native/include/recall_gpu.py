"""What the GPU exercises' programs share: finding a GPU, timing on it, and printing the answer.

A program imports this with
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "include"))
    import recall_gpu

A GPU exercise measures on an NVIDIA GPU when torch can use one, and otherwise gives the
analytic answer (or runs Triton's CPU interpreter) and says which in its "method", the badge
recall shows beside the value.

Two switches, read from the environment:
- RECALL_GPU=0 takes the analytic path even on a GPU machine (to compare, or to test it);
- RECALL_GPU_TEST_DEVICE=cpu runs the measuring path on CPU tensors with a host clock. Only
  recall's tests use it: it proves the measuring code runs end to end on a machine without a
  GPU; the numbers it gives say nothing about a GPU.
"""

from __future__ import annotations

import json
import os
import statistics
import time


def device() -> tuple[str | None, str]:
    """("cuda", GPU name), ("cpu", ...) under the test switch, or (None, why there is no GPU)."""
    if os.environ.get("RECALL_GPU") == "0":
        return None, "RECALL_GPU=0"
    if os.environ.get("RECALL_GPU_TEST_DEVICE") == "cpu":
        return "cpu", "CPU (test of the measuring path, not a GPU figure)"
    if not _driver_lists_gpus():  # checked first: importing torch alone takes about a second
        return None, "no NVIDIA GPU listed by a driver"
    try:
        import torch
    except ImportError:
        return None, "torch is not installed"
    if not torch.cuda.is_available():
        return None, "no CUDA GPU visible to torch"
    return "cuda", torch.cuda.get_device_name(0)


def _driver_lists_gpus() -> bool:
    """The NVIDIA driver lists each GPU under /proc/driver/nvidia/gpus (recall looks there too)."""
    try:
        return any(os.scandir("/proc/driver/nvidia/gpus"))
    except OSError:
        return False


def time_ms(fn, dev: str, repeat: int = 9, warmup: int = 2, inner: int = 1) -> list[float]:
    """Times of one fn() call in milliseconds, one per repeat, each the mean of `inner` calls.

    On a GPU, launches return before the kernel ends, so a host clock would time the launch:
    CUDA events recorded on the stream around the calls time the kernels themselves
    (Programming Guide, Events), and synchronize() waits for the last one. With inner > 1 the
    gap between launching and recording is paid once per sample, not per call, which matters
    for kernels of tens of microseconds."""
    import torch

    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        if dev == "cuda":
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            for _ in range(inner):
                fn()
            end.record()
            torch.cuda.synchronize()
            times.append(start.elapsed_time(end) / inner)
        else:
            t = time.perf_counter()
            for _ in range(inner):
                fn()
            times.append((time.perf_counter() - t) * 1e3 / inner)
    return times


def peak_bytes(fn) -> int:
    """Most bytes torch's CUDA caching allocator held at once while fn() ran, above what it held
    before (torch.cuda.max_memory_allocated). Only a GPU has this counter."""
    import torch

    torch.cuda.synchronize()
    before = torch.cuda.memory_allocated()
    torch.cuda.reset_peak_memory_stats()
    fn()
    torch.cuda.synchronize()
    return torch.cuda.max_memory_allocated() - before


def paired_ratio(fa, fb, dev: str, pairs: int = 7, repeat: int = 5, inner: int = 1) -> dict:
    """time(fa) / time(fb), as the median of `pairs` interleaved pairs (clock boost, temperature
    and neighbours drift alike for both), with the median time of each in ms."""
    ratios, ta, tb = [], [], []
    for _ in range(pairs):
        a = statistics.median(time_ms(fa, dev, repeat=repeat, inner=inner))
        b = statistics.median(time_ms(fb, dev, repeat=repeat, inner=inner))
        ratios.append(a / b)
        ta.append(a)
        tb.append(b)
    return {"ratio": statistics.median(ratios), "ms_a": statistics.median(ta), "ms_b": statistics.median(tb)}


def emit(value: float, unit: str, method: str, detail: dict) -> None:
    """The one JSON line recall reads."""
    print(json.dumps({"value": value, "unit": unit, "method": method, "detail": detail}))
