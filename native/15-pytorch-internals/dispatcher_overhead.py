"""What one torch.add(a, b) costs on 1-element float32 CPU tensors: the work is a single float
add, so the time is all framework overhead (Python binding and argument parsing, the
dispatcher's Autograd then CPU kernels, TensorIterator, allocating and wrapping the output).

Every variant runs in tight timeit loops (statement compiled into the loop, names bound to
locals, GC off); the rounds interleave the variants so drift hits them all alike. Each variant
keeps its fastest sample: on a shared machine slower samples are other processes taking the
core, not PyTorch (the timeit docs, Timer.repeat, make the same point).
Prints one JSON line; value = µs per torch.add(a, b) call with plain tensors.
"""

import os

os.environ["OMP_NUM_THREADS"] = "1"  # one element never reaches a parallel loop; pin anyway

import json  # noqa: E402
import statistics  # noqa: E402
import timeit  # noqa: E402
from contextlib import nullcontext  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

CALLS = 500    # per timed sample: ~0.4 ms, long against the timer, short against a time slice
ROUNDS = 40    # samples per variant, interleaved; the fastest is kept
RUNS = 5       # runs reported to recall, which takes their median

torch.set_num_threads(1)
a, b, c = torch.ones(1), torch.full((1,), 2.0), torch.zeros(1)
ag = torch.ones(1, requires_grad=True)                       # a leaf: add records AddBackward0
na, nb = np.ones(1, np.float32), np.full(1, 2.0, np.float32)
big_a, big_b = torch.ones(4096), torch.ones(4096)             # 16 KiB each: when does work show?
env = {"torch": torch, "a": a, "b": b, "c": c, "ag": ag, "na": na, "nb": nb, "x": 1.0, "y": 2.0,
       "big_a": big_a, "big_b": big_b}

# name: (statement, setup that binds locals, grad-mode context around the loop)
CASES = {
    "torch_add": ("add(a, b)", "add = torch.add", None),
    "operator_plus": ("a + b", "", None),                     # Tensor.__add__: same op, other binding
    "add_out": ("add(a, b, out=c)", "add = torch.add", None),  # no allocation; bumps c._version
    "add_inplace": ("c.add_(b)", "", None),                    # no allocation, bumps c's version
    "requires_grad": ("add(ag, b)", "add = torch.add", None),  # + AddBackward0 node, edges, history
    "requires_grad_no_grad": ("add(ag, b)", "add = torch.add", torch.no_grad),
    "inference_mode": ("add(a, b)", "add = torch.add", torch.inference_mode),
    "empty_1": ("empty(1)", "empty = torch.empty", None),       # allocation + wrap, no arithmetic
    "torch_add_4096": ("add(big_a, big_b)", "add = torch.add", None),
    "numpy_add": ("na + nb", "", None),
    "python_float_add": ("x + y", "", None),
}


def sample(timer, ctx) -> float:
    with (ctx() if ctx else nullcontext()):
        return timer.timeit(CALLS) / CALLS * 1e6  # µs per call


def one_run(timers) -> tuple[dict, list, list]:
    """ROUNDS interleaved samples of every variant; each variant keeps its fastest."""
    us = {k: [] for k in CASES}
    ratio_np = []
    for _ in range(ROUNDS):
        for k, (t, ctx) in timers.items():
            us[k].append(sample(t, ctx))
        ratio_np.append(us["torch_add"][-1] / us["numpy_add"][-1])
    return {k: min(v) for k, v in us.items()}, us["torch_add"], ratio_np


def main() -> None:
    timers = {k: (timeit.Timer(stmt, setup=setup or "pass", globals=env), ctx)
              for k, (stmt, setup, ctx) in CASES.items()}
    assert torch.add(ag, b).grad_fn.name() == "AddBackward0" and torch.add(a, b).grad_fn is None
    for t, ctx in timers.values():
        sample(t, ctx)  # warm-up: first-call caches, allocator, branch predictors
    # RUNS runs in this one process: importing torch takes about a second, far longer than a run.
    runs = [one_run(timers) for _ in range(RUNS)]
    best = {k: statistics.median(r[0][k] for r in runs) for k in CASES}  # median over runs of each best
    all_torch_add = [x for r in runs for x in r[1]]
    ratio_np = [x for r in runs for x in r[2]]
    print(json.dumps({
        "value": round(best["torch_add"], 3),
        "runs": [round(r[0]["torch_add"], 4) for r in runs],
        "unit": "µs",
        "method": f"timer: timeit, fastest of {ROUNDS} interleaved samples of {CALLS} calls, {RUNS} runs in one process",
        "detail": {
            **{f"{k}_us": round(v, 3) for k, v in best.items()},
            "torch_add_us_median": round(statistics.median(all_torch_add), 3),  # > best: interference
            "autograd_record_extra_us": round(best["requires_grad"] - best["torch_add"], 3),
            "torch_over_numpy": round(statistics.median(ratio_np), 2),  # median of interleaved pairs
            "torch_over_python_float": round(best["torch_add"] / best["python_float_add"], 1),
            "torch": torch.__version__,
            "numpy": np.__version__,
            "threads": torch.get_num_threads(),
        },
    }))


if __name__ == "__main__":
    main()
