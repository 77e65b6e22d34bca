"""Blocks launched for n = 1,000,000 elements with 256 threads per block, one element per
thread. Analytic: blocks = ceil(n / threads) = (n + threads - 1) / threads in integer
division (CUDA Programming Guide, Bounds Checking). Also the waves on an H100 SXM5 (132 SMs;
compute capability 9.0 allows 2048 / 256 = 8 such blocks per SM when nothing else limits).
No GPU is used.

Prints one JSON line; value = blocks in the grid.
"""

import json

N, THREADS = 1_000_000, 256
SMS, MAX_THREADS_SM, MAX_BLOCKS_SM = 132, 2048, 32

blocks = (N + THREADS - 1) // THREADS
per_sm = min(MAX_THREADS_SM // THREADS, MAX_BLOCKS_SM)
print(json.dumps({
    "value": blocks,
    "unit": "blocks",
    "method": "analytic: ceil(n / threads per block)",
    "detail": {
        "n_over_threads": N / THREADS,
        "floor_division_blocks": N // THREADS,
        "elements_missed_with_floor": N - (N // THREADS) * THREADS,
        "threads_launched": blocks * THREADS,
        "threads_failing_bounds_check": blocks * THREADS - N,
        "active_threads_in_last_block": N - (blocks - 1) * THREADS,
        "h100_resident_blocks_per_wave": SMS * per_sm,
        "h100_waves": blocks / (SMS * per_sm),
    },
}))
