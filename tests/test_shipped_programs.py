"""The shipped exercises' programs, run once each: the worked-out (analytic, counted, interpreted)
answers must be the numbers their explanations teach, and the GPU programs' measuring path
must run end to end even here, on CPU tensors (RECALL_GPU_TEST_DEVICE=cpu).

Timed programs are not judged here (speed is for benchmarks/exercises.py); the expected values
below are the ones stated in each exercise's explanation.
"""

import importlib.util
import math

import pytest

from recall import decks, exercises, runner
from recall.env import SHIPPED_EXERCISES
from recall.storage import StoredCard

EXPECTED = {
    "ex.gpu.idle-lanes-100-threads": 28,
    "ex.gpu.occupancy-registers": 0.5,
    "ex.gpu.occupancy-shared-memory": 0.5,
    "ex.gpu.saxpy-ridge": 120,
    "ex.cuda.copy-achieved-bandwidth": 2 * 2**30 / 0.75e-3 / 3.35e12,  # 85.5 %
    "ex.cuda.grid-blocks-1m": 3907,
    "ex.cuda.strided-copy": 4.5,
    "ex.cuda.tile-column-bank-conflict": 32,
    "ex.tr.autotune-search-time": 4.5,
    "ex.tr.grid-tail-mask": 352,
    "ex.tr.matmul-smem-stages": 98304,
    "ex.comp.constant-folding": 2,
    "ex.comp.fusion-traffic": 7 / 3,
    "ex.pt.contiguous-copy": 4,
    "ex.pt.grad-accumulate": 6,
    "ex.pt.transpose-strides": 48,
    "ex.attn.naive-peak-memory": 1032,
    "ex.attn.kv-cache-bytes": 2 * 2**30,
    "ex.attn.score-matrix-bytes": 4 * 2**30,
    "ex.train.fp16-accumulate": 32,
    "ex.train.fp16-first-inexact-integer": 2049,
    "ex.train.fp16-exp-overflow": 12,
    "ex.train.lora-fraction": 1 / 256,
    "ex.dist.gpipe-bubble": 3 / 11,
    "ex.dist.ring-allreduce-bytes": 1.75,
    "ex.dist.zero2-memory": 16.640625,
    "ex.fmt.arrow-string-buffers": 4160,
    "ex.fmt.wds-tar-bytes-per-member": 1024,
}


def shipped() -> dict[str, StoredCard]:
    out = {}
    for path, root in decks.find_deck_files([SHIPPED_EXERCISES]):
        for c in exercises.parse_file(path, root).cards:
            out[c.id] = StoredCard(c.id, c.type, c.module, c.submodule, c.path, c.content, c.tags, c.source,
                                   c.note, None)
    return out


SHIPPED = shipped()


def run(ex_id: str, monkeypatch, **env) -> dict:
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    ex = SHIPPED[ex_id]
    if runner.missing_requirements(ex):
        pytest.skip(f"needs {runner.missing_requirements(ex)}")
    return runner.run_once(ex, runner.program_path(ex))  # the program itself, past recall's GPU check


def test_every_expected_exercise_is_shipped():
    assert set(EXPECTED) <= set(SHIPPED), set(EXPECTED) - set(SHIPPED)


@pytest.mark.parametrize("ex_id", sorted(EXPECTED))
def test_worked_out_answers_are_the_explanations(ex_id, monkeypatch):
    result = run(ex_id, monkeypatch, RECALL_GPU="0")
    assert math.isclose(result["value"], EXPECTED[ex_id], rel_tol=1e-4), result
    assert not result.get("method", "").startswith("measured")


def test_every_optional_gpu_exercise_has_its_worked_out_answer_checked():
    optional = [ex.id for ex in SHIPPED.values() if ex.content["measure"].get("gpu") == "optional"]
    assert optional and set(optional) <= set(EXPECTED)  # run with RECALL_GPU=0 above


@pytest.mark.parametrize("ex_id", sorted(i for i, ex in SHIPPED.items() if ex.content["measure"].get("gpu") == "required"))
def test_gpu_only_exercises_refuse_without_a_gpu(ex_id, monkeypatch, tmp_path):
    from recall import machine

    monkeypatch.setattr(machine, "NVIDIA_GPUS", tmp_path / "no-gpus")
    assert runner.why_not_runnable(SHIPPED[ex_id], [SHIPPED_EXERCISES]) == \
        "needs an NVIDIA GPU with its driver (none found here)"
    if not runner.missing_requirements(SHIPPED[ex_id], "gpu_requires"):  # the program itself says so too
        with pytest.raises(runner.ExerciseError, match="measures on an NVIDIA GPU only"):
            run(ex_id, monkeypatch, RECALL_GPU="0")


torch_only = pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="torch is not installed")


@torch_only
def test_strided_copy_measuring_path_runs(monkeypatch):
    r = run("ex.cuda.strided-copy", monkeypatch, RECALL_GPU_TEST_DEVICE="cpu")
    assert r["method"].startswith("measured on CPU (test")
    assert r["value"] > 0 and r["detail"]["ms_strided"] > 0 and r["detail"]["bytes_ratio"] == 4.5


@torch_only
def test_attention_memory_measuring_path_runs_and_agrees_with_sdpa(monkeypatch):
    r = run("ex.attn.naive-peak-memory", monkeypatch, RECALL_GPU_TEST_DEVICE="cpu")
    assert r["detail"]["max_abs_difference"] < 1e-4  # naive and fused attention give the same output
    assert r["detail"]["seq_len"] == 256 and r["value"] == (2 * 16 * 256 * 256 * 2 + 16 * 256 * 64 * 2) / 2**20


@pytest.mark.skipif(not all(importlib.util.find_spec(m) for m in ("torch", "triton")), reason="needs torch and triton")
def test_grid_tail_mask_is_counted_by_the_triton_interpreter(monkeypatch):
    r = run("ex.tr.grid-tail-mask", monkeypatch, RECALL_GPU="0")
    assert r["method"].startswith("Triton CPU interpreter")
    assert r["detail"]["n_100000"]["full_programs"] == 97


@torch_only
def test_tensor_core_program_measuring_path_runs(monkeypatch):
    r = run("ex.gpu.tensor-core-speedup", monkeypatch, RECALL_GPU_TEST_DEVICE="cpu")
    assert r["value"] > 0 and r["detail"]["tf32_allowed"] is False and r["detail"]["n"] == 128


@torch_only
def test_gloo_all_reduce_sends_what_the_ring_sends(monkeypatch):
    """4 local ranks all-reduce 4 MiB: each writes 2(p-1)/p x 4 MiB to its sockets, plus headers."""
    r = run("ex.dist.gloo-allreduce-bytes", monkeypatch)
    assert 6.0 <= r["value"] < 6.01, r


@torch_only
def test_dispatcher_overhead_is_a_plausible_time(monkeypatch):
    r = run("ex.pt.dispatcher-overhead", monkeypatch)
    assert 0.05 < r["value"] < 50, r  # microseconds per tiny torch.add: framework overhead, not arithmetic


@pytest.mark.skipif(importlib.util.find_spec("pyarrow") is None, reason="pyarrow is not installed")
def test_arrow_memory_mapped_open_copies_nothing(monkeypatch):
    r = run("ex.fmt.arrow-mmap-open", monkeypatch)
    allocated = r["detail"]["bytes_allocated_big"]
    assert allocated["mmap"] == 0 and allocated["osfile"] >= 256 * 2**20  # zero-copy vs a read into memory
    assert 0.5 < r["value"] < 100, r


@torch_only
def test_dataloader_workers_lose_on_tiny_samples(monkeypatch):
    r = run("ex.load.dataloader-workers", monkeypatch)
    assert r["value"] > 2, r  # samples/s without workers over with two: per-batch IPC dwarfs a free sample


@pytest.mark.skipif(not all(importlib.util.find_spec(m) for m in ("torch", "triton")), reason="needs torch and triton")
def test_block_size_kernel_runs_in_the_interpreter(monkeypatch):
    r = run("ex.tr.block-size-copy", monkeypatch, RECALL_GPU_TEST_DEVICE="cpu")  # asserts y == 2x inside
    assert r["detail"]["programs_block_128"] == 64 and r["detail"]["programs_block_4096"] == 2
