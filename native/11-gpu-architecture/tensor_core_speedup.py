"""How much faster a large matmul runs with fp16 inputs on the Tensor Cores than in fp32 on the
ordinary FP32 cores, on this machine's NVIDIA GPU: C = A @ B, 8192 x 8192 x 8192, timed with CUDA
events. TF32 is switched off, so the fp32 matmul does not use the Tensor Cores either.

GPU only: there is no honest worked-out answer for an achieved rate (the datasheets give peaks),
so without a GPU recall lists this exercise as not runnable here.

Prints one JSON line; value = fp32 time / fp16 time.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "include"))
import recall_gpu  # noqa: E402

N_GPU, N_TEST = 8192, 128


def main() -> None:
    dev, name = recall_gpu.device()
    if dev is None:
        sys.exit(f"this exercise measures on an NVIDIA GPU only ({name})")
    import torch

    torch.backends.cuda.matmul.allow_tf32 = False  # the default since PyTorch 1.12; said here to be sure
    n = N_GPU if dev == "cuda" else N_TEST
    flops = 2 * n ** 3  # one multiply and one add per term of every dot product
    mats = {}
    for dtype in (torch.float32, torch.float16):
        a, b = (torch.randn(n, n, device=dev, dtype=dtype) for _ in range(2))
        mats[dtype] = (a, b, torch.empty(n, n, device=dev, dtype=dtype))
    ratios, t32, t16 = [], [], []
    for _ in range(5):  # interleaved pairs: clock boost and temperature drift alike for both
        a, b, c = mats[torch.float32]
        x = recall_gpu.median(recall_gpu.time_ms(lambda: torch.mm(a, b, out=c), dev, repeat=3))
        a, b, c = mats[torch.float16]
        y = recall_gpu.median(recall_gpu.time_ms(lambda: torch.mm(a, b, out=c), dev, repeat=3))
        ratios.append(x / y)
        t32.append(x)
        t16.append(y)
    ms32, ms16 = recall_gpu.median(t32), recall_gpu.median(t16)
    recall_gpu.emit(round(recall_gpu.median(ratios), 3), "x",
                    f"measured on {name}" + (" (CUDA events, median of 5 pairs)" if dev == "cuda" else ""),
                    {"n": n, "ms_fp32": round(ms32, 4), "ms_fp16": round(ms16, 4),
                     "TFLOPS_fp32": round(flops / ms32 / 1e9, 2), "TFLOPS_fp16": round(flops / ms16 / 1e9, 2),
                     "tf32_allowed": torch.backends.cuda.matmul.allow_tf32})


if __name__ == "__main__":
    main()
