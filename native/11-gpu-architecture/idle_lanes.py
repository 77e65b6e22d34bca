"""Warps and idle lanes of a 100-thread block. Analytic: warps per block = ceil(T / 32)
(CUDA Programming Guide, Hardware Multithreading); the lanes of the last warp beyond thread 99
are inactive but the warp still takes a whole warp slot. No GPU is used.

Prints one JSON line; value = inactive lanes per block.
"""

import json

WARP, T = 32, 100
MAX_WARPS_CC90, MAX_BLOCKS_CC90 = 64, 32  # compute capability 9.0, Programming Guide Table 30

warps = -(-T // WARP)
idle = warps * WARP - T
blocks_per_sm = min(MAX_WARPS_CC90 // warps, MAX_BLOCKS_CC90)
lanes = [min(WARP, T - w * WARP) for w in range(warps)]
print(json.dumps({
    "value": idle,
    "unit": "lanes",
    "method": "analytic: warps per block = ceil(threads / 32)",
    "detail": {
        "warps_per_block": warps,
        "active_lanes_per_warp": lanes,
        "lane_utilization": T / (warps * WARP),
        "cc90_blocks_per_sm_by_warps": blocks_per_sm,
        "cc90_active_threads_per_sm": blocks_per_sm * T,
        "cc90_warp_slots_used": blocks_per_sm * warps,
        "idle_lanes_for_block_of_128": -(-128 // WARP) * WARP - 128,
        "idle_lanes_for_block_of_96": -(-96 // WARP) * WARP - 96,
    },
}))
