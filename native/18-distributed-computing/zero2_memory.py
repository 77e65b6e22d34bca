"""Model-state memory per GPU with ZeRO stage 2 (optimizer states and gradients partitioned)
for Ψ = 7.5B parameters, mixed-precision Adam (2 bytes fp16 params, 2 bytes fp16 grads,
K = 12 bytes fp32 params + momentum + variance) over N_d = 64 data-parallel GPUs:
2Ψ + (2 + K)Ψ/N_d bytes (Rajbhandari et al. 2020, ZeRO, Figure 1).

Prints one JSON line; value = GB (10⁹ bytes) per GPU.
"""

import json

PSI, N, K = 7.5e9, 64, 12

stages = {
    "data_parallel": (2 + 2 + K) * PSI,
    "stage1_os": (2 + 2) * PSI + K * PSI / N,
    "stage2_os_g": 2 * PSI + (2 + K) * PSI / N,
    "stage3_os_g_p": (2 + 2 + K) * PSI / N,
}
value = stages["stage2_os_g"]
print(json.dumps({
    "value": value / 1e9,
    "unit": "GB",
    "method": "analytic: 2*Psi + (2+K)*Psi/N_d bytes",
    "detail": {
        "psi": PSI, "n_d": N, "k": K,
        "fp16_params_replicated_GB": 2 * PSI / 1e9,
        "grads_and_optimizer_shard_GB": (2 + K) * PSI / N / 1e9,
        "per_gpu_GiB": value / 2**30,
        **{f"{k}_GB": v / 1e9 for k, v in stages.items()},
    },
}))
