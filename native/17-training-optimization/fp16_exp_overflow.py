"""The first integer x for which exp(x), computed in IEEE fp16 (numpy float16), overflows to
infinity: the reason a softmax over fp16 logits subtracts the row maximum first.

Counted by running it: np.exp on a float16 input returns float16, rounded to nearest.
Prints one JSON line; value = that x.
"""

import json
import warnings

import numpy as np

FP16_MAX = float(np.finfo(np.float16).max)  # 65504

with warnings.catch_warnings():
    warnings.simplefilter("ignore", RuntimeWarning)  # the overflow is what we are looking for
    x = 1
    while np.isfinite(np.exp(np.float16(x))):
        x += 1
    last_finite = float(np.exp(np.float16(x - 1)))

print(json.dumps({
    "value": x,
    "unit": "logit",
    "method": "counted: numpy float16 exp",
    "detail": {"fp16_max": FP16_MAX, "exp_of_previous_integer_fp16": last_finite,
               "ln_fp16_max": float(np.log(FP16_MAX)), "exp_x_in_float64": float(np.exp(np.float64(x)))},
}))
