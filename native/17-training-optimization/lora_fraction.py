"""LoRA's trainable parameters as a fraction of the frozen weight they adapt: build the
matrices of a rank-8 LoRA on a 4096 × 4096 linear layer (h = W0 x + B A x) and count.

Prints one JSON line; value = trainable / frozen parameters (0..1; typed in percent).
"""

import json

import numpy as np

D = K = 4096
R = 8

w0 = np.empty((D, K), dtype=np.float16)   # frozen pretrained weight (never touched: no pages used)
a = np.empty((R, K), dtype=np.float32)    # trainable, r × k
b = np.zeros((D, R), dtype=np.float32)    # trainable, d × r, zero at the start
trainable = a.size + b.size
print(json.dumps({
    "value": trainable / w0.size,
    "unit": "fraction",
    "method": "counted: numpy shapes",
    "detail": {
        "d": D, "k": K, "r": R,
        "frozen_params": w0.size,
        "trainable_params": trainable,
        "trainable_over_frozen_plus_trainable": trainable / (w0.size + trainable),
        "formula": "r(d+k)/(dk) = 2r/d for a square matrix",
    },
}))
