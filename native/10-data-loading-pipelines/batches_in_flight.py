"""Batches a PyTorch DataLoader keeps requested from its workers (num_workers=4, prefetch_factor=2),
worked out from the documented defaults: no torch here, so nothing is measured.

Prints one JSON line; value = num_workers * prefetch_factor.
"""

import json

NUM_WORKERS = 4
PREFETCH_FACTOR = 2  # PyTorch 2.x default when num_workers > 0
BATCH_SIZE = 256
SAMPLE_BYTES = 3 * 224 * 224 * 4  # a float32 image tensor

in_flight = NUM_WORKERS * PREFETCH_FACTOR
print(json.dumps({
    "value": in_flight,
    "unit": "batches",
    "method": "analytic: PyTorch DataLoader defaults",
    "detail": {
        "num_workers": NUM_WORKERS,
        "prefetch_factor": PREFETCH_FACTOR,
        "per_worker": PREFETCH_FACTOR,
        "with_batch_size_256_float32_224px_MiB": round(in_flight * BATCH_SIZE * SAMPLE_BYTES / 2**20),
    },
}))
