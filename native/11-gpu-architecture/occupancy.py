"""Theoretical occupancy of a kernel on compute capability 9.0 (H100), from its block size,
registers per thread and shared memory per block, given as arguments:

    python occupancy.py THREADS_PER_BLOCK REGISTERS_PER_THREAD SHARED_BYTES_PER_BLOCK

Analytic: the occupancy-calculator arithmetic of the CUDA C++ Best Practices Guide ("Calculating
Occupancy") with the per-SM limits of the CUDA Programming Guide's compute-capability tables.
No GPU is used: theoretical occupancy follows from these limits alone (a GPU's achieved occupancy,
from a profiler, can only be lower).

Prints one JSON line; value = active warps / maximum warps per SM (0..1).
"""

import json
import sys

# CUDA Programming Guide, compute-capability tables, compute capability 9.0.
CC90 = {"warp_size": 32, "max_warps": 64, "max_blocks": 32,
        "registers": 65536, "max_regs_per_block": 65536, "reg_alloc_unit_per_warp": 256,
        "smem_per_sm": 228 * 1024,           # the largest shared-memory carveout
        "smem_reserved_per_block": 1024}     # reserved for system use, per resident block


def ceil_to(x: int, unit: int) -> int:
    return -(-x // unit) * unit


def occupancy(threads: int, regs: int, smem: int, lim: dict = CC90) -> dict:
    warps = -(-threads // lim["warp_size"])
    regs_per_warp = ceil_to(regs * lim["warp_size"], lim["reg_alloc_unit_per_warp"])
    regs_per_block = regs_per_warp * warps
    smem_per_block = smem + lim["smem_reserved_per_block"] if smem else 0
    limits = {
        "warps (threads)": lim["max_warps"] // warps,
        "blocks": lim["max_blocks"],
        "registers": lim["registers"] // regs_per_block if regs_per_block <= lim["max_regs_per_block"] else 0,
        "shared memory": lim["smem_per_sm"] // smem_per_block if smem else lim["max_blocks"],
    }
    blocks = min(limits.values())
    return {"warps_per_block": warps, "blocks_per_sm": blocks, "active_warps": blocks * warps,
            "limit_blocks": limits, "limited_by": [k for k, v in limits.items() if v == blocks],
            "registers_per_block": regs_per_block, "shared_bytes_per_block_with_reserve": smem_per_block,
            "occupancy": blocks * warps / lim["max_warps"]}


def main() -> None:
    threads, regs, smem = (int(a) for a in sys.argv[1:4])
    r = occupancy(threads, regs, smem)
    print(json.dumps({
        "value": r["occupancy"],
        "unit": "%",
        "method": "analytic: occupancy-calculator arithmetic with the compute capability 9.0 limits",
        "detail": {
            **{k: v for k, v in r.items() if k != "occupancy"},
            "max_warps_per_sm": CC90["max_warps"],
            # the same block size with other resources: how each limit moves the answer
            "with_registers": {n: occupancy(threads, n, smem)["occupancy"] for n in (32, 64, 65, 128)},
            "with_shared_KiB": {n: occupancy(threads, regs, n * 1024)["occupancy"] for n in (0, 16, 45, 100)},
            "if_no_reserved_KiB": occupancy(threads, regs, smem, CC90 | {"smem_reserved_per_block": 0})["occupancy"],
        },
    }))


if __name__ == "__main__":
    main()
