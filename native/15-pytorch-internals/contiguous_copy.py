"""Bytes copied by np.ascontiguousarray on a transposed 1024 × 1024 float32 view, and then on
its (already contiguous) result. Measured by numpy itself: whether each result shares memory
with its input, and the bytes numpy allocated (numpy reports its data allocations to
tracemalloc).

Prints one JSON line; value = MiB copied by the two calls together.
"""

import json
import tracemalloc

import numpy as np

a = np.ones((1024, 1024), dtype=np.float32)
tracemalloc.start()
before = tracemalloc.get_traced_memory()[0]
b = a.T                          # a view: strides (4, 4096), no copy
c = np.ascontiguousarray(b)      # copies into row-major order
d = np.ascontiguousarray(c)      # already C-contiguous: returns c itself
allocated = tracemalloc.get_traced_memory()[0] - before
tracemalloc.stop()

copied = 0
for src, dst in ((a, b), (b, c), (c, d)):
    if not np.shares_memory(src, dst):
        copied += dst.nbytes
print(json.dumps({
    "value": copied / 2**20,
    "unit": "MiB",
    "method": "numpy",
    "detail": {
        "copied_bytes": copied,
        "elements_copied": copied // 4,
        "b_strides_bytes": b.strides, "b_shares_a": bool(np.shares_memory(a, b)),
        "c_shares_b": bool(np.shares_memory(b, c)), "d_is_c": d is c,
        "tracemalloc_bytes_allocated": allocated,
        "numpy_version": np.__version__,
    },
}))
