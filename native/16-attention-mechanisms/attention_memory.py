"""Peak memory of naive attention, written the obvious way in PyTorch, against fused attention
(F.scaled_dot_product_attention, which picks a fused kernel on a recent NVIDIA GPU:
FlashAttention, memory-efficient attention or cuDNN, by GPU and library versions).

Naive attention materialises the scores S = QK^T / sqrt(d) and the probabilities P = softmax(S),
each batch x heads x N x N. The scaled copy of QK^T and the softmax each allocate a new tensor
while their input is still alive, so two N x N tensors per head are held at once. The fused
kernel keeps its score tiles on chip and allocates little more than the output.

On an NVIDIA GPU (torch) the peaks come from torch.cuda.max_memory_allocated and both are timed;
without one the answer is the bytes of the tensors alive at the naive peak.

Prints one JSON line; value = extra memory at naive attention's peak, in MiB.
"""

import math
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "include"))
import recall_gpu  # noqa: E402

B, H, D = 1, 16, 64
N_GPU, N_TEST = 4096, 256
FP16 = 2  # bytes
MIB = 1 << 20


def naive(q, k, v):
    s = (q @ k.transpose(-2, -1)) * (1 / math.sqrt(q.shape[-1]))  # QK^T, then a scaled copy
    p = s.softmax(dim=-1)                                        # S is still alive here
    return p @ v


def analytic_bytes(n: int) -> dict:
    scores = B * H * n * n * FP16
    out = B * H * n * D * FP16
    # At the peak (the scaling, the softmax, or P @ V) two N x N tensors and at most the output live.
    return {"score_tensor": scores, "output": out, "naive_peak": 2 * scores + out}


def measure(dev: str, n: int) -> dict:
    import torch
    import torch.nn.functional as F

    dtype = torch.float16 if dev == "cuda" else torch.float32
    q, k, v = (torch.randn(B, H, n, D, device=dev, dtype=dtype) for _ in range(3))
    naive(q, k, v), F.scaled_dot_product_attention(q, k, v)  # warm-up: library workspaces exist before we count
    diff = (naive(q, k, v) - F.scaled_dot_product_attention(q, k, v)).abs().max().item()
    out = {"max_abs_difference": diff,
           "naive_ms": statistics.median(recall_gpu.time_ms(lambda: naive(q, k, v), dev, repeat=5)),
           "fused_ms": statistics.median(recall_gpu.time_ms(lambda: F.scaled_dot_product_attention(q, k, v),
                                                              dev, repeat=5))}
    if dev == "cuda":
        out["naive_peak_bytes"] = recall_gpu.peak_bytes(lambda: naive(q, k, v))
        out["fused_peak_bytes"] = recall_gpu.peak_bytes(lambda: F.scaled_dot_product_attention(q, k, v))
    return out


def main() -> None:
    dev, name = recall_gpu.device()
    n = N_TEST if dev == "cpu" else N_GPU
    a = analytic_bytes(n)
    detail = {"batch": B, "heads": H, "seq_len": n, "head_dim": D, **{f"{k}_bytes": v for k, v in a.items()}}
    if dev is None:
        recall_gpu.emit(a["naive_peak"] / MIB, "MiB", f"analytic: bytes of the tensors alive at the peak ({name})",
                        detail)
        return
    r = measure(dev, n)
    detail |= {k: round(v, 6) if isinstance(v, float) else v for k, v in r.items()}
    if dev == "cuda":
        recall_gpu.emit(round(r["naive_peak_bytes"] / MIB, 2), "MiB",
                        f"measured on {name} (torch.cuda.max_memory_allocated; CUDA events)", detail)
    else:  # the CPU test device has no allocator counter: it checks that both paths run and agree
        recall_gpu.emit(a["naive_peak"] / MIB, "MiB", f"analytic, after a run of both on {name}", detail)


if __name__ == "__main__":
    main()
