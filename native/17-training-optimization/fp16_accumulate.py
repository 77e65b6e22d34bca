"""Where an fp16 accumulator stops growing: add 0.01 ten thousand times to a float16 sum
(every intermediate rounded to fp16, round-to-nearest-even), as a pure-fp16 running sum
of small contributions (gradients, a loss average) would. The exact sum is 100.

Prints one JSON line; value = the final fp16 sum.
"""

import json

import numpy as np

STEPS = 10_000
STEP = 0.01

inc16 = np.float16(STEP)
acc16 = np.float16(0)
stalled_at = stalled_after = None
for i in range(STEPS):
    new = acc16 + inc16  # float16 + float16 -> float16, rounded to nearest even
    if new == acc16 and stalled_at is None:
        stalled_at, stalled_after = float(acc16), i
    acc16 = new

acc32 = np.float32(0)
inc32 = np.float32(STEP)
for i in range(STEPS):
    acc32 = acc32 + inc32

print(json.dumps({
    "value": float(acc16),
    "unit": "(sum)",
    "method": "counted: numpy float16",
    "detail": {
        "steps": STEPS,
        "exact_sum": STEPS * STEP,
        "fp16_of_0.01": float(inc16),
        "stalled_at": stalled_at,
        "adds_before_stall": stalled_after,
        "fp16_spacing_16_to_32": float(np.spacing(np.float16(16))),
        "fp16_spacing_32_to_64": float(np.spacing(np.float16(32))),
        "float32_accumulator": round(float(acc32), 4),
        "fp16_weight_1_plus_update_1e-4": float(np.float16(1) + np.float16(1e-4)),
    },
}))
