"""Memory traffic of an elementwise chain y = relu(x * 0.5 + r) over n = 8,388,608 float32
(x and r are inputs of n elements; 0.5 is a scalar), run unfused (one kernel per operator,
each writing a fresh n-element output: eager PyTorch or numpy) versus fused (one kernel).

Accounting: every array an operator reads or writes crosses memory exactly once (32 MiB per
array, far larger than any cache, so nothing survives between operators); scalars and
launch overhead are free; writes are counted once (no write-allocate read).

Prints one JSON line; value = unfused bytes / fused bytes.
"""

import json

N, ITEM = 8_388_608, 4
ARRAY = N * ITEM

# (operator, arrays read, arrays written)
unfused = [("mul: t1 = x * 0.5", 1, 1), ("add: t2 = t1 + r", 2, 1), ("relu: y = max(t2, 0)", 1, 1)]
fused = [("fused: y = relu(x * 0.5 + r)", 2, 1)]

def passes(ops, write_allocate=False):
    return sum(rd + wr * (2 if write_allocate else 1) for _, rd, wr in ops)

u, f = passes(unfused), passes(fused)
print(json.dumps({
    "value": u / f,
    "unit": "×",
    "method": "analytic: array passes, each array read or written once per operator",
    "detail": {
        "n": N, "array_MiB": ARRAY / 2**20,
        "unfused_passes": u, "fused_passes": f,
        "unfused_MiB": u * ARRAY / 2**20, "fused_MiB": f * ARRAY / 2**20,
        "per_operator": {name: (rd, wr) for name, rd, wr in unfused},
        "ratio_with_write_allocate": passes(unfused, True) / passes(fused, True),
        "ratio_if_r_were_a_scalar": 6 / 2,
        "time_at_3_TB_s_unfused_us": u * ARRAY / 3e12 * 1e6,
        "time_at_3_TB_s_fused_us": f * ARRAY / 3e12 * 1e6,
    },
}))
