"""How far an fp32 SAXPY (y = a*x + y) sits below the H100 SXM5 ridge point. Analytic:
bytes per FLOP the kernel needs / bytes per FLOP the GPU supplies at its peaks, with the
datasheet figures for the H100 SXM (3.35 TB/s HBM3, 67 TFLOPS FP32 without Tensor Cores).
No GPU is used.

Prints one JSON line; value = (kernel bytes/FLOP) / (machine bytes/FLOP).
"""

import json
from fractions import Fraction

BANDWIDTH = 3.35e12  # bytes/s, H100 SXM datasheet ("GPU Memory Bandwidth 3.35TB/s")
FP32 = 67e12         # FLOP/s, H100 SXM datasheet ("FP32 67 teraFLOPS")
SMS, FP32_CORES, BOOST_HZ = 132, 128, 1.98e9  # whitepaper unit counts; max boost clock

bytes_per_elem = 4 + 4 + 4   # read x[i], read y[i], write y[i]
flops_per_elem = 2           # one FMA = a multiply and an add
kernel_bpf = Fraction(bytes_per_elem, flops_per_elem)
machine_bpf = BANDWIDTH / FP32
ratio = float(kernel_bpf) / machine_bpf
n = 1 << 28
print(json.dumps({
    "value": ratio,
    "unit": "×",
    "method": "analytic: roofline, H100 SXM datasheet peaks (no GPU here)",
    "detail": {
        "kernel_bytes_per_flop": float(kernel_bpf),
        "kernel_flop_per_byte": float(1 / kernel_bpf),
        "machine_bytes_per_flop": machine_bpf,
        "ridge_flop_per_byte": FP32 / BANDWIDTH,
        "fp32_peak_from_units_tflops": SMS * FP32_CORES * 2 * BOOST_HZ / 1e12,
        "attainable_tflops": min(FP32, BANDWIDTH / float(kernel_bpf)) / 1e12,
        "share_of_fp32_peak": BANDWIDTH / float(kernel_bpf) / FP32,
        "time_bound_ms_for_2^28_elements": n * bytes_per_elem / BANDWIDTH * 1e3,
    },
}))
