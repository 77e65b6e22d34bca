"""Theoretical occupancy of a kernel on compute capability 9.0 (H100): 256 threads per block,
64 registers per thread, no shared memory. Analytic: the occupancy-calculator arithmetic of
the CUDA C++ Best Practices Guide ("Calculating Occupancy") with the per-SM limits of the
CUDA Programming Guide's compute-capability tables. No GPU is used.

Prints one JSON line; value = active warps / maximum warps per SM (0..1).
"""

import json

# CUDA Programming Guide, compute-capability tables (Table 30/31), compute capability 9.0.
CC90 = {"warp_size": 32, "max_warps": 64, "max_threads": 2048, "max_blocks": 32,
        "registers": 65536, "max_regs_per_block": 65536, "reg_alloc_unit_per_warp": 256,
        "smem_per_sm": 228 * 1024, "smem_reserved_per_block": 1024}


def ceil_to(x: int, unit: int) -> int:
    return -(-x // unit) * unit


def occupancy(threads: int, regs: int, smem: int, lim: dict) -> dict:
    warps = -(-threads // lim["warp_size"])
    by_warps = lim["max_warps"] // warps
    by_blocks = lim["max_blocks"]
    regs_per_warp = ceil_to(regs * lim["warp_size"], lim["reg_alloc_unit_per_warp"])
    regs_per_block = regs_per_warp * warps
    by_regs = lim["registers"] // regs_per_block if regs_per_block <= lim["max_regs_per_block"] else 0
    by_smem = lim["smem_per_sm"] // (smem + lim["smem_reserved_per_block"]) if smem else by_blocks
    limits = {"warps (threads)": by_warps, "blocks": by_blocks, "registers": by_regs, "shared memory": by_smem}
    blocks = min(limits.values())
    return {"warps_per_block": warps, "blocks_per_sm": blocks, "active_warps": blocks * warps,
            "limit_blocks": limits, "limited_by": [k for k, v in limits.items() if v == blocks],
            "registers_per_warp": regs_per_warp, "registers_per_block": regs_per_block,
            "occupancy": blocks * warps / lim["max_warps"]}


r = occupancy(256, 64, 0, CC90)
print(json.dumps({
    "value": r["occupancy"],
    "unit": "%",
    "method": "analytic: occupancy-calculator arithmetic with the compute capability 9.0 limits (no GPU here)",
    "detail": {
        **{k: v for k, v in r.items() if k != "occupancy"},
        "max_warps_per_sm": CC90["max_warps"],
        "same_kernel_32_regs": occupancy(256, 32, 0, CC90)["occupancy"],
        "same_kernel_65_regs": occupancy(256, 65, 0, CC90)["occupancy"],
        "same_kernel_128_regs": occupancy(256, 128, 0, CC90)["occupancy"],
    },
}))
