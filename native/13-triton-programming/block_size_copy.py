"""One memory-bound Triton kernel, y = 2 * x over n = 2^26 float32 (256 MiB in, 256 MiB out),
launched with BLOCK_SIZE = 128 and with BLOCK_SIZE = 4096, num_warps = 4 both times, timed with
CUDA events on this machine's NVIDIA GPU. The kernel is the vector-add tutorial's pattern.

GPU only: the time ratio is a property of the GPU and Triton's code generation, with no exact
worked-out answer. Under RECALL_GPU_TEST_DEVICE=cpu (recall's tests) it runs in Triton's CPU
interpreter on a small n, which checks the kernel computes the right thing, not its speed.

Prints one JSON line; value = time with BLOCK_SIZE 128 / time with BLOCK_SIZE 4096.
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "include"))
import recall_gpu  # noqa: E402

SMALL, LARGE, WARPS = 128, 4096, 4
N_GPU, N_TEST = 1 << 26, 1 << 13


def main() -> None:
    dev, name = recall_gpu.device()
    if dev is None:
        sys.exit(f"this exercise measures on an NVIDIA GPU only ({name})")
    if dev == "cpu":
        os.environ["TRITON_INTERPRET"] = "1"  # read when @triton.jit wraps the kernel below
    import torch
    import triton
    import triton.language as tl

    @triton.jit
    def scale_kernel(x_ptr, y_ptr, n, BLOCK_SIZE: tl.constexpr):
        offsets = tl.program_id(0) * BLOCK_SIZE + tl.arange(0, BLOCK_SIZE)
        mask = offsets < n
        tl.store(y_ptr + offsets, 2 * tl.load(x_ptr + offsets, mask=mask), mask=mask)

    n = N_GPU if dev == "cuda" else N_TEST
    x = torch.randn(n, device=dev)
    y = torch.empty_like(x)

    def launch(block: int):
        return lambda: scale_kernel[(triton.cdiv(n, block),)](x, y, n, BLOCK_SIZE=block, num_warps=WARPS)

    small, large = launch(SMALL), launch(LARGE)
    small()
    assert torch.equal(y, 2 * x), "BLOCK_SIZE=128 computed a wrong result"
    y.zero_()
    large()
    assert torch.equal(y, 2 * x), "BLOCK_SIZE=4096 computed a wrong result"
    pairs, inner = (7, 5) if dev == "cuda" else (1, 1)  # the interpreter is slow, and its times mean nothing
    r = recall_gpu.paired_ratio(small, large, dev, pairs=pairs, repeat=3, inner=inner)
    moved = 2 * n * 4  # bytes read + written, the same for both launches
    ms_small, ms_large = r["ms_a"], r["ms_b"]
    recall_gpu.emit(round(r["ratio"], 3), "x",
                    f"measured on {name}" + (" (CUDA events, median of 7 pairs)" if dev == "cuda" else
                                             " in Triton's CPU interpreter"),
                    {"n": n, "num_warps": WARPS, "programs_block_128": triton.cdiv(n, SMALL),
                     "programs_block_4096": triton.cdiv(n, LARGE), "ms_block_128": round(ms_small, 4),
                     "ms_block_4096": round(ms_large, 4), "GB_per_s_block_128": round(moved / ms_small / 1e6, 1),
                     "GB_per_s_block_4096": round(moved / ms_large / 1e6, 1)})


if __name__ == "__main__":
    main()
