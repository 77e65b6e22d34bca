"""Share of time that is pipeline bubble in a GPipe schedule with p = 4 stages and m = 8
micro-batches (all forwards, then all backwards; one time unit per micro-batch per stage for
forward and the same for backward, so the result holds for any backward/forward ratio).

The schedule is built as a timetable and the idle stage-slots are counted; the formula is
(p − 1)/(m + p − 1) (Huang et al. 2019, GPipe, §2.3).

Prints one JSON line; value = idle stage-time / total stage-time (0..1; typed in percent).
"""

import json

import numpy as np

P, M = 4, 8

def phase(order):
    """Busy[stage, t] for one phase: stage s handles micro-batch j at time s + j (forward)."""
    t_total = M + P - 1
    busy = np.zeros((P, t_total), dtype=bool)
    for s in range(P):
        for j in range(M):
            busy[s if order == "forward" else P - 1 - s, s + j] = True
    return busy

timetable = np.concatenate([phase("forward"), phase("backward")], axis=1)
idle = int((~timetable).sum())
total = timetable.size
assert idle * (M + P - 1) == total * (P - 1)
print(json.dumps({
    "value": idle / total,
    "unit": "fraction",
    "method": "analytic: (p-1)/(m+p-1), counted from the schedule's timetable",
    "detail": {
        "p": P, "m": M,
        "slots_per_stage": 2 * (M + P - 1),
        "idle_slots_per_stage": 2 * (P - 1),
        "idle_stage_slots": idle, "total_stage_slots": total,
        "narayanan_bubble_over_ideal": (P - 1) / M,
        "m_for_under_10_percent": next(m for m in range(1, 1000) if (P - 1) / (m + P - 1) < 0.10),
        "bubble_with_m_32": (P - 1) / (32 + P - 1),
    },
}))
