"""Bytes standard attention materializes for the score matrix S = Q Kᵀ of one layer (batch 1,
32 heads, N = 8192, fp16), against what FlashAttention keeps: one tile per thread block on
chip and O(N) softmax statistics in memory. Analytic; the N × N array is described by numpy
(np.empty never touches its pages), not filled.

Prints one JSON line; value = bytes of S for all 32 heads.
"""

import json

import numpy as np

N, HEADS, D = 8192, 32, 128
BR, BC = 128, 64  # a typical FlashAttention-2 forward tile (head dim 128)

per_head = np.empty((N, N), dtype=np.float16).nbytes  # lazily allocated: no page is touched
layer = HEADS * per_head
print(json.dumps({
    "value": layer,
    "unit": "bytes",
    "method": "analytic",
    "detail": {
        "per_head_bytes": per_head,
        "per_head_MiB": per_head / 2**20,
        "layer_GiB": layer / 2**30,
        "with_P_too_GiB": 2 * layer / 2**30,
        "flash_tile_S_bytes_fp32": BR * BC * 4,
        "flash_logsumexp_bytes_per_layer": HEADS * N * 4,
        "q_k_v_o_bytes_per_layer": 4 * HEADS * N * D * 2,
    },
}))
