"""The smallest positive integer that float16 cannot hold exactly: convert 1, 2, 3, ... to
np.float16 (round to nearest, ties to even) and stop at the first that does not come back
unchanged. The same search is done for float32 near 2**24.

Prints one JSON line; value = the first integer float16 rounds to something else.
"""

import json

import numpy as np


def first_inexact(dtype, start: int = 1) -> int:
    n = start
    while int(dtype(n)) == n:
        n += 1
    return n


first16 = first_inexact(np.float16)
first32 = first_inexact(np.float32, start=2**24 - 16)  # float32 is exact for every integer below 2**24
print(json.dumps({
    "value": first16,
    "unit": "(integer)",
    "method": "numpy: int(np.float16(n)) != n",
    "detail": {
        "fp16_of_first": int(np.float16(first16)),
        "fp16_of_2051": int(np.float16(2051)),
        "spacing_at_1024": float(np.spacing(np.float16(1024))),
        "spacing_at_2048": float(np.spacing(np.float16(2048))),
        "first_inexact_above_4096": first_inexact(np.float16, start=4096),
        "largest_fp16": float(np.finfo(np.float16).max),
        "fp16_2048_plus_1": float(np.float16(2048) + np.float16(1)),
        "float32_first_inexact": first32,
        "bf16_first_inexact (8 significand bits, not in numpy)": 2**8 + 1,
    },
}))
