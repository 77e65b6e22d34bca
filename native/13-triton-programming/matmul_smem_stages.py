"""Shared memory a Triton matmul's software-pipelined K loop needs for its A and B tiles:
BLOCK_M = BLOCK_N = 128, BLOCK_K = 64, fp16, num_stages = 3. Worked out, not run: no GPU or
Triton here. The compiler's real allocation (compiled kernel metadata "shared") can differ.

Prints one JSON line; value = num_stages * (BLOCK_M*BLOCK_K + BLOCK_K*BLOCK_N) * 2 bytes.
"""

import json

BLOCK_M, BLOCK_N, BLOCK_K = 128, 128, 64
ELEM = 2  # fp16
STAGES = 3

a_tile = BLOCK_M * BLOCK_K * ELEM
b_tile = BLOCK_K * BLOCK_N * ELEM
stage = a_tile + b_tile
print(json.dumps({
    "value": STAGES * stage,
    "unit": "bytes",
    "method": "analytic: tile arithmetic (Triton matmul tutorial configs); no GPU here",
    "detail": {
        "a_tile_bytes": a_tile,
        "b_tile_bytes": b_tile,
        "per_stage_bytes": stage,
        "num_stages": STAGES,
        "total_KiB": STAGES * stage // 1024,
        "fp32_accumulator_bytes_in_registers": BLOCK_M * BLOCK_N * 4,
        "smem_limit_KiB_per_block": {"A100 (sm80)": 163, "H100 (sm90)": 227},
        "stages_that_fit_A100": 163 * 1024 // stage,
        "stages_that_fit_H100": 227 * 1024 // stage,
    },
}))
