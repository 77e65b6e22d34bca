"""KV-cache bytes for a Llama-2-7B-like model (32 layers, 32 KV heads, head_dim 128, fp16) holding
one 4096-token sequence, and the same model with grouped-query attention (8 KV heads). Analytic;
the cache tensors are described by numpy (np.empty never touches its pages), not filled.

Prints one JSON line; value = bytes of K and V over all layers, multi-head attention.
"""

import json

import numpy as np

LAYERS, HEADS, HEAD_DIM, SEQ, BATCH = 32, 32, 128, 4096, 1
GQA_KV_HEADS = 8


def cache_bytes(kv_heads: int, seq: int = SEQ, batch: int = BATCH) -> int:
    # one K and one V tensor per layer: (batch, kv_heads, seq, head_dim), fp16
    per_layer = 2 * np.empty((batch, kv_heads, seq, HEAD_DIM), dtype=np.float16).nbytes
    return LAYERS * per_layer


mha = cache_bytes(HEADS)
gqa = cache_bytes(GQA_KV_HEADS)
print(json.dumps({
    "value": mha,
    "unit": "bytes",
    "method": "analytic: 2 x layers x kv_heads x head_dim x tokens x batch x 2 bytes",
    "detail": {
        "GiB": mha / 2**30,
        "per_token_bytes": mha // SEQ,
        "per_token_KiB": mha / SEQ / 2**10,
        "gqa_8_kv_heads_bytes": gqa,
        "gqa_8_kv_heads_MiB": gqa / 2**20,
        "batch_16_mha_GiB": cache_bytes(HEADS, batch=16) / 2**30,
        "weights_7e9_params_fp16_GiB": round(7e9 * 2 / 2**30, 2),
    },
}))
