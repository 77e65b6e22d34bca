"""Bytes each rank sends in a ring all-reduce of a 1 GiB fp32 gradient over p = 8 ranks.

The ring is simulated on small numpy arrays (8 ranks, the buffer cut into 8 chunks):
p − 1 reduce-scatter steps, then p − 1 all-gather steps, each rank sending one chunk to its
right neighbour per step. The result is checked against the plain sum, and the elements each
rank sent are scaled to the 1 GiB buffer: 2(p − 1)/p × S (Patarasuk & Yuan 2009).

Prints one JSON line; value = GiB sent per rank.
"""

import json

import numpy as np

P = 8
S_BYTES = 2**30            # 1 GiB of fp32 gradients = 268,435,456 values
ITEM = 4
CHUNK = 16                 # elements per chunk in the small simulation

rng = np.random.default_rng(0)
bufs = [rng.standard_normal(P * CHUNK).astype(np.float32) for _ in range(P)]
expected = np.sum(bufs, axis=0, dtype=np.float64)
work = [b.astype(np.float64).reshape(P, CHUNK) for b in bufs]
sent = [0] * P

# reduce-scatter: at step s rank r sends chunk (r - s) mod p to rank r + 1, which adds it
for s in range(P - 1):
    msgs = [(r, (r - s) % P, work[r][(r - s) % P].copy()) for r in range(P)]
    for r, c, data in msgs:
        work[(r + 1) % P][c] += data
        sent[r] += data.size
# now rank r owns the fully reduced chunk (r + 1) mod p; all-gather passes it round the ring
for s in range(P - 1):
    msgs = [(r, (r + 1 - s) % P, work[r][(r + 1 - s) % P].copy()) for r in range(P)]
    for r, c, data in msgs:
        work[(r + 1) % P][c] = data
        sent[r] += data.size
for r in range(P):
    assert np.allclose(work[r].reshape(-1), expected), "ring all-reduce gave a wrong sum"
assert len(set(sent)) == 1

fraction = sent[0] / (P * CHUNK)                 # of the buffer, per rank: 2(p-1)/p
sent_bytes = round(fraction * S_BYTES)
print(json.dumps({
    "value": sent_bytes / 2**30,
    "unit": "GiB",
    "method": "analytic: 2(p-1)/p x S, checked by simulating the ring on 8 small arrays",
    "detail": {
        "p": P,
        "buffer_bytes": S_BYTES,
        "fp32_values": S_BYTES // ITEM,
        "steps": 2 * (P - 1),
        "chunk_bytes": S_BYTES // P,
        "sent_bytes_per_rank": sent_bytes,
        "sent_GB_decimal": sent_bytes / 1e9,
        "reduce_scatter_GiB": (P - 1) / P,
        "all_gather_GiB": (P - 1) / P,
        "naive_send_to_all_others_GiB": P - 1,
        "limit_as_p_grows_GiB": 2.0,
    },
}))
