"""A 1-D Triton launch, grid = (triton.cdiv(n, BLOCK_SIZE),): how many programs it launches and
how many lanes of the last program the mask `offsets < n` switches off. Worked out, not run:
there is no GPU or Triton here, and the answer is the same arithmetic on every GPU.

Prints one JSON line; value = masked-off lanes of the last program for n = 100,000 and
BLOCK_SIZE = 1024.
"""

import json

BLOCK_SIZE = 1024


def cdiv(a: int, b: int) -> int:
    return -(-a // b)


def launch(n: int) -> dict:
    programs = cdiv(n, BLOCK_SIZE)
    last_start = (programs - 1) * BLOCK_SIZE          # pid * BLOCK_SIZE for the last pid
    active = n - last_start                           # lanes with offsets < n
    return {"programs": programs, "last_program_active_lanes": active,
            "last_program_masked_lanes": BLOCK_SIZE - active,
            "lanes_launched": programs * BLOCK_SIZE}


big = launch(100_000)
print(json.dumps({
    "value": big["last_program_masked_lanes"],
    "unit": "lanes",
    "method": "analytic: triton.cdiv grid and offsets < n mask, as in the Triton vector-add tutorial",
    "detail": {
        "block_size": BLOCK_SIZE,
        "n_100000": big,
        "n_98304": launch(98_304),
        "masked_fraction_n_100000": round(big["last_program_masked_lanes"] / big["lanes_launched"], 4),
    },
}))
