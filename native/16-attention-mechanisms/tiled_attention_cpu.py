"""Naive attention, softmax(Q Kᵀ / √d) V with the full N × N score matrix, against a blocked
version that walks K/V in blocks and keeps a running max and normalizer (online softmax, the
FlashAttention forward recurrence), in numpy on one CPU core. N = 2048, d = 64, float32.

Prints one JSON line; value = naive time / blocked time, the median of interleaved pairs.
"""

import os

for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "1"  # one core: no thread-pool noise; before numpy loads its BLAS

import json  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

N, D, BLOCK = 2048, 64, 256
PAIRS = 7


def naive(q, k, v):
    s = (q @ k.T) * np.float32(1 / np.sqrt(D))        # N × N scores: 16 MiB in float32
    s -= s.max(axis=1, keepdims=True)
    p = np.exp(s, out=s)
    p /= p.sum(axis=1, keepdims=True)
    return p @ v


def blocked(q, k, v):
    scale = np.float32(1 / np.sqrt(D))
    m = np.full((N, 1), -np.inf, dtype=np.float32)   # running row max
    l = np.zeros((N, 1), dtype=np.float32)           # running normalizer
    o = np.zeros((N, D), dtype=np.float32)           # unnormalized output
    for j in range(0, N, BLOCK):
        s = (q @ k[j:j + BLOCK].T) * scale            # N × BLOCK scores: 2 MiB
        m_new = np.maximum(m, s.max(axis=1, keepdims=True))
        p = np.exp(s - m_new)
        alpha = np.exp(m - m_new)                     # rescales what was accumulated so far
        l = l * alpha + p.sum(axis=1, keepdims=True)
        o = o * alpha + p @ v[j:j + BLOCK]
        m = m_new
    return o / l


def main() -> None:
    rng = np.random.default_rng(0)
    q, k, v = (rng.standard_normal((N, D), dtype=np.float32) for _ in range(3))
    ref, out = naive(q, k, v), blocked(q, k, v)
    err = float(np.max(np.abs(ref - out)))
    if err > 1e-4:
        raise SystemExit(f"blocked attention differs from naive by {err}")
    ratios, tn, tb = [], [], []
    for _ in range(PAIRS):
        t0 = time.perf_counter()
        naive(q, k, v)
        t1 = time.perf_counter()
        blocked(q, k, v)
        t2 = time.perf_counter()
        tn.append(t1 - t0)
        tb.append(t2 - t1)
        ratios.append((t1 - t0) / (t2 - t1))
    print(json.dumps({
        "value": statistics.median(ratios),
        "unit": "×",
        "detail": {
            "N": N, "d": D, "block": BLOCK,
            "naive_ms": round(statistics.median(tn) * 1e3, 2),
            "blocked_ms": round(statistics.median(tb) * 1e3, 2),
            "naive_score_matrix_MiB": N * N * 4 / 2**20,
            "blocked_score_tile_MiB": N * BLOCK * 4 / 2**20,
            "max_abs_difference": err,
            "numpy": np.__version__,
        },
    }))


if __name__ == "__main__":
    main()
