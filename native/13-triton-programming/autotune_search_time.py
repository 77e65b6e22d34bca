"""Benchmarking time of a full @triton.autotune search: the configs are the product
BLOCK_SIZE in {32, 64, 128, 256} x num_warps in {2, 4, 8} x num_stages in {2, 3, 4}, no pruning,
and each config is timed by triton.testing.do_bench with its defaults (warmup = 25 ms,
rep = 100 ms). Worked out, not run: there is no GPU or Triton here, and do_bench sizes its
loops to fill those time budgets whatever the kernel's speed.

Prints one JSON line; value = seconds of benchmarking for one new key.
"""

import itertools
import json

BLOCK_SIZES = (32, 64, 128, 256)
NUM_WARPS = (2, 4, 8)
NUM_STAGES = (2, 3, 4)
WARMUP_MS, REP_MS = 25, 100  # triton.testing.do_bench defaults

configs = list(itertools.product(BLOCK_SIZES, NUM_WARPS, NUM_STAGES))
per_config_ms = WARMUP_MS + REP_MS
total_s = len(configs) * per_config_ms / 1000


def do_bench_iterations(kernel_ms: float) -> tuple[int, int]:
    """do_bench's loop counts: n_warmup = max(1, int(25 / estimate)), n_repeat = max(1, int(100 / estimate))."""
    return max(1, int(WARMUP_MS / kernel_ms)), max(1, int(REP_MS / kernel_ms))


print(json.dumps({
    "value": total_s,
    "unit": "s",
    "method": "analytic: configs x (do_bench warmup 25 ms + rep 100 ms)",
    "detail": {
        "configs": len(configs),
        "per_config_ms": per_config_ms,
        "without_warmup_s": len(configs) * REP_MS / 1000,
        "iterations_for_a_10us_kernel": do_bench_iterations(0.010),
        "iterations_for_a_1ms_kernel": do_bench_iterations(1.0),
        "iterations_for_a_200ms_kernel": do_bench_iterations(200.0),
        "top_k_4_pruned_s": 4 * per_config_ms / 1000,
        "not_counted": "compiling each config (first use), do_bench's 5-run estimate and L2 flushes",
    },
}))
