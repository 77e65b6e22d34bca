"""Autograd accumulation emulated in numpy: a leaf w with a .grad buffer that backward()
adds into (as PyTorch's AccumulateGrad does), y = sum(w * x) with x = 3 everywhere, forward
and backward run twice with no zero_grad in between.

Prints one JSON line; value = w.grad (every element) after the second backward.
"""

import json

import numpy as np


class Leaf:
    def __init__(self, data):
        self.data = np.asarray(data, dtype=np.float64)
        self.grad = None                           # like torch: None until the first backward


def forward_backward(w: Leaf, x: np.ndarray) -> float:
    y = float(np.sum(w.data * x))                  # forward: y = sum(w * x)
    dy_dw = np.ones_like(w.data) * x               # backward: dy/dy = 1, d(sum)/d(w*x) = 1, d(w*x)/dw = x
    w.grad = dy_dw.copy() if w.grad is None else w.grad + dy_dw   # accumulate, never overwrite
    return y


w = Leaf([0.5, -1.0, 2.0, 4.0])
x = np.full(4, 3.0)
history = []
for _ in range(2):
    y = forward_backward(w, x)
    history.append(w.grad.tolist())
assert np.all(w.grad == w.grad[0])
print(json.dumps({
    "value": float(w.grad[0]),
    "unit": "(value of w.grad)",
    "method": "numpy emulation of autograd accumulation",
    "detail": {
        "w": w.data.tolist(), "x": x.tolist(), "y": y,
        "grad_after_each_backward": history,
        "grad_with_zero_grad_between": x.tolist(),
    },
}))
