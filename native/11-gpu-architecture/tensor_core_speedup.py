"""How much faster a large matmul runs with fp16 inputs on the Tensor Cores than in fp32 on the
ordinary FP32 cores, on this machine's NVIDIA GPU: C = A @ B, 8192 x 8192 x 8192, timed with CUDA
events. TF32 is switched off, so the fp32 matmul does not use the Tensor Cores either.

GPU only: there is no honest worked-out answer for an achieved rate (the datasheets give peaks),
so without a GPU recall lists this exercise as not runnable here.

Prints one JSON line; value = fp32 time / fp16 time.
"""

import os
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
    a32, b32, c32 = torch.randn(n, n, device=dev), torch.randn(n, n, device=dev), torch.empty(n, n, device=dev)
    a16, b16, c16 = a32.half(), b32.half(), c32.half()  # the same matrices in fp16
    r = recall_gpu.paired_ratio(lambda: torch.mm(a32, b32, out=c32), lambda: torch.mm(a16, b16, out=c16),
                                dev, pairs=5, repeat=3)
    ms32, ms16 = r["ms_a"], r["ms_b"]
    recall_gpu.emit(round(r["ratio"], 3), "x",
                    f"measured on {name}" + (" (CUDA events, median of 5 pairs)" if dev == "cuda" else ""),
                    {"n": n, "ms_fp32": round(ms32, 4), "ms_fp16": round(ms16, 4),
                     "TFLOPS_fp32": round(flops / ms32 / 1e9, 2), "TFLOPS_fp16": round(flops / ms16 / 1e9, 2),
                     "tf32_allowed": torch.backends.cuda.matmul.allow_tf32,
                     # set to 1, this variable makes the CUDA libraries use TF32 whatever torch says
                     "NVIDIA_TF32_OVERRIDE": os.environ.get("NVIDIA_TF32_OVERRIDE")})


if __name__ == "__main__":
    main()
