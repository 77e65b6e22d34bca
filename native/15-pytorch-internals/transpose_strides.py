"""numpy's stride model is PyTorch's (sizes + strides + offset over one buffer), except that
numpy counts strides in bytes and torch in elements. Ask numpy itself for the strides of a
C-contiguous float32 (2, 3, 4) array after .transpose(2, 0, 1).

Prints one JSON line; value = y.strides[1] in bytes.
"""

import json

import numpy as np

x = np.zeros((2, 3, 4), dtype=np.float32)
y = x.transpose(2, 0, 1)
assert np.shares_memory(x, y)
print(json.dumps({
    "value": y.strides[1],
    "unit": "bytes",
    "method": "numpy",
    "detail": {
        "x_shape": x.shape, "x_strides_bytes": x.strides,
        "y_shape": y.shape, "y_strides_bytes": y.strides,
        "y_strides_elements_as_torch": [s // x.itemsize for s in y.strides],
        "y_is_c_contiguous": bool(y.flags["C_CONTIGUOUS"]),
        "numpy_version": np.__version__,
    },
}))
