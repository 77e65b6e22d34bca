"""A 1-D Triton launch, grid = (triton.cdiv(n, BLOCK_SIZE),): how many programs it launches and
how many lanes of the last program the mask `offsets < n` switches off.

The kernel (the tutorial's vector add) also stores, per program, how many of its lanes the mask
kept, so the count comes from running it. Where it runs:
- on an NVIDIA GPU, with torch and triton installed: natively;
- without a GPU but with torch and triton: in Triton's CPU interpreter (TRITON_INTERPRET=1),
  which runs the same kernel code with numpy, lane by lane semantics intact;
- without triton: worked out with the same arithmetic (analytic).

Prints one JSON line; value = masked-off lanes of the last program for n = 100,000 and
BLOCK_SIZE = 1024.
"""

import importlib.util
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "include"))
import recall_gpu  # noqa: E402

BLOCK_SIZE = 1024
N = 100_000


def cdiv(a: int, b: int) -> int:
    return -(-a // b)


def analytic(n: int) -> dict:
    programs = cdiv(n, BLOCK_SIZE)
    active = n - (programs - 1) * BLOCK_SIZE         # lanes of the last program with offsets < n
    return {"programs": programs, "last_program_active_lanes": active,
            "last_program_masked_lanes": BLOCK_SIZE - active}


def run_kernel(n: int, dev: str) -> dict:
    import torch
    import triton
    import triton.language as tl

    @triton.jit
    def add_kernel(x_ptr, y_ptr, out_ptr, kept_ptr, n_elements, BLOCK_SIZE: tl.constexpr):
        pid = tl.program_id(axis=0)
        offsets = pid * BLOCK_SIZE + tl.arange(0, BLOCK_SIZE)
        mask = offsets < n_elements
        x = tl.load(x_ptr + offsets, mask=mask)
        y = tl.load(y_ptr + offsets, mask=mask)
        tl.store(out_ptr + offsets, x + y, mask=mask)
        tl.store(kept_ptr + pid, tl.sum(mask.to(tl.int32), axis=0))  # lanes this program kept

    x, y = torch.rand(n, device=dev), torch.rand(n, device=dev)
    out = torch.empty_like(x)
    grid = (triton.cdiv(n, BLOCK_SIZE),)
    kept = torch.full(grid, -1, dtype=torch.int32, device=dev)
    add_kernel[grid](x, y, out, kept, n, BLOCK_SIZE=BLOCK_SIZE)
    assert torch.equal(out, x + y), "the kernel computed a wrong sum"
    kept = kept.cpu().tolist()
    assert min(kept) >= 0, "a program did not run"
    return {"programs": len(kept), "last_program_active_lanes": kept[-1],
            "last_program_masked_lanes": BLOCK_SIZE - kept[-1], "full_programs": kept.count(BLOCK_SIZE)}


def main() -> None:
    have = all(importlib.util.find_spec(m) for m in ("torch", "triton"))
    dev, name = recall_gpu.device()
    if have and dev == "cuda":
        result, method = run_kernel(N, "cuda"), f"counted by the kernel on {name}"
    elif have:
        os.environ["TRITON_INTERPRET"] = "1"  # read when @triton.jit wraps the kernel, in run_kernel
        result, method = run_kernel(N, "cpu"), "Triton CPU interpreter (TRITON_INTERPRET=1): counted by the kernel"
    else:
        result, method = analytic(N), "analytic: cdiv grid and offsets < n mask (no triton here)"
    print(json.dumps({
        "value": result["last_program_masked_lanes"],
        "unit": "lanes",
        "method": method,
        "detail": {"block_size": BLOCK_SIZE, "n_100000": result, "n_98304": analytic(98_304),
                   "masked_fraction": round(result["last_program_masked_lanes"] / (result["programs"] * BLOCK_SIZE), 4)},
    }))


if __name__ == "__main__":
    main()
