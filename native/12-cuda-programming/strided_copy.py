"""A copy that reads every 8th float against one that reads consecutive floats: out[i] = in[8*i]
vs out[i] = in[i], the same n outputs. On an NVIDIA GPU (torch) both are timed with CUDA events;
without one the answer is the DRAM bytes each copy must move, which is what sets the time of a
copy this large.

Why 8 floats: a warp's loads are served in 32-byte sectors (Programming Guide, Device Memory
Accesses; Best Practices Guide, Coalesced Access to Global Memory). At a 32-byte stride each
float sits in its own sector, so the strided copy reads every byte of its 8x longer span,
whatever the fetch granularity (32, 64 or 128 bytes) is.

Prints one JSON line; value = strided time / contiguous time (or the bytes ratio).
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "include"))
import recall_gpu  # noqa: E402

STRIDE = 8            # floats: 32 bytes, one sector
N_GPU = 1 << 25       # outputs: 128 MiB written, 1 GiB span read; both far beyond any L2
N_TEST = 1 << 14      # outputs on the CPU test device


def bytes_moved(n: int, stride: int) -> dict:
    sector = 32
    span = n * stride * 4
    read = span if stride * 4 <= sector else n * sector  # every sector of the span is touched
    return {"strided": read + n * 4, "contiguous": n * 4 + n * 4}


def measure(dev: str, n: int) -> dict:
    import torch

    src = torch.randn(n * STRIDE, device=dev)
    out = torch.empty(n, device=dev)
    strided, contiguous = src[::STRIDE], src[:n]
    # ten copies between two events: a 128 MiB copy takes only ~0.1 ms on a fast GPU
    r = recall_gpu.paired_ratio(lambda: out.copy_(strided), lambda: out.copy_(contiguous), dev, inner=10)
    assert torch.equal(out, contiguous)  # the copy really ran
    moved = bytes_moved(n, STRIDE)
    return {"ratio": r["ratio"], "ms_strided": r["ms_a"], "ms_contiguous": r["ms_b"],
            "GB_per_s_contiguous": moved["contiguous"] / r["ms_b"] / 1e6,
            "GB_per_s_strided_useful": n * 8 / r["ms_a"] / 1e6}


def main() -> None:
    dev, name = recall_gpu.device()
    n = N_TEST if dev == "cpu" else N_GPU
    moved = bytes_moved(n, STRIDE)
    analytic = moved["strided"] / moved["contiguous"]
    detail = {"stride_floats": STRIDE, "outputs": n, "bytes_strided": moved["strided"],
              "bytes_contiguous": moved["contiguous"], "bytes_ratio": analytic}
    if dev is None:
        recall_gpu.emit(analytic, "x", f"analytic: DRAM bytes moved ({name})", detail)
        return
    r = measure(dev, n)
    detail |= {k: round(v, 4) for k, v in r.items()}
    recall_gpu.emit(round(r["ratio"], 3), "x", f"measured on {name} (CUDA events, median of 7 pairs)"
                    if dev == "cuda" else f"measured on {name}", detail)


if __name__ == "__main__":
    main()
