"""Running an exercise's measurement: compile its C program (cached), run it in a subprocess
with a time limit, repeat, and summarise; or simulate the cache when counters are unavailable.

Every way a program can fail (no compiler, a compile error, a crash, a hang, output that is
not one JSON object) becomes an ExerciseError with one line saying what happened.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import shlex
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

from recall import machine
from recall.errors import RecallError

WARMUP = 1
RUNS = 5
DEFAULT_TIMEOUT = 20.0
BASE_FLAGS = ["-std=gnu11", "-O2", "-Wall"]

Progress = Callable[[int, int, str], None]
# Methods a GPU exercise's program names when it could not use a GPU (see native/include/recall_gpu.py).
WORKED_OUT_ON_CPU = ("analytic", "Triton CPU interpreter")
# Methods of programs whose answer is exact (worked out or counted, not timed): one run is enough.
EXACT_METHODS = WORKED_OUT_ON_CPU + ("counted",)


class ExerciseError(RecallError):
    pass


@dataclass
class Measurement:
    value: float
    runs: list[float]
    method: str  # the program's own ("timer: ...", "analytic: ...", "counted: ..."), "timer", "counted",
    #              "hardware counters" or "simulated: <geometry>"
    machine: dict
    seconds: float  # wall time spent measuring
    counters_error: str | None = None
    detail: dict = field(default_factory=dict)
    cached: bool = False

    @property
    def low(self) -> float:
        return min(self.runs)

    @property
    def high(self) -> float:
        return max(self.runs)

    @property
    def cv(self) -> float:
        """Coefficient of variation of the runs (0 for a single, deterministic value)."""
        if len(self.runs) < 2 or statistics.mean(self.runs) == 0:
            return 0.0
        return statistics.stdev(self.runs) / abs(statistics.mean(self.runs))

    def to_json(self) -> dict:
        return asdict(self) | {"min": self.low, "max": self.high, "cv": round(self.cv, 4)}


def native_dir(exercise_path: str) -> Path:
    """``<root>/<module>/<x>.yaml`` measures with programs in ``<root>/../native/<module>/``."""
    p = Path(exercise_path)
    return p.parents[2] / "native"


def program_path(exercise) -> Path:
    return native_dir(exercise.deck_path) / exercise.module / exercise.content["measure"]["program"]


def check_trusted(exercise, trusted: list[Path]) -> None:
    path = Path(exercise.deck_path).resolve()
    if not any(path.is_relative_to(t.resolve()) for t in trusted):
        raise ExerciseError(f"refusing to run {exercise.id} from {path.parent.parent}: not a trusted exercise "
                            "directory; trust it with --trust DIR or RECALL_TRUST")


def why_not_runnable(exercise, trusted: list[Path]) -> str | None:
    """Why this exercise cannot run on this machine (None when it can), without running it."""
    m = exercise.content["measure"]
    missing = missing_requirements(exercise)
    if m["program"].endswith(".c") and machine.compiler() is None:
        return "no C compiler: install gcc"
    if missing:
        return f"needs {', '.join(missing)}: pip install {' '.join(missing)}"
    if why := gpu_missing(exercise):
        return why
    if not program_path(exercise).is_file():
        return f"missing program {program_path(exercise)}"
    try:
        check_trusted(exercise, trusted)
    except ExerciseError as e:
        return str(e).split(": ", 1)[-1]
    return None


def gpu_missing(exercise) -> str | None:
    """For an exercise that measures only on a GPU: what this machine lacks for it."""
    if exercise.content["measure"].get("gpu") != "required":
        return None
    if not machine.gpus():
        hidden = os.environ.get("RECALL_GPU") == "0"
        return "needs an NVIDIA GPU " + ("(hidden by RECALL_GPU=0)" if hidden else "with its driver (none found here)")
    missing = missing_requirements(exercise, "gpu_requires")
    return f"needs {', '.join(missing)} for the GPU: pip install {' '.join(missing)}" if missing else None


def needs(exercise) -> str:
    """What an exercise needs, in a few words, for `recall exercise list`."""
    m = exercise.content["measure"]
    parts = ["C compiler" if m["program"].endswith(".c") else "Python", *(m.get("requires") or [])]
    gpu = "NVIDIA GPU" + (" with " + ", ".join(m["gpu_requires"]) if m.get("gpu_requires") else "")
    if m.get("gpu") == "required":
        parts.append(gpu)
    elif m.get("gpu") == "optional":
        parts.append(gpu + " to measure on it, else worked out on the CPU")
    if m.get("simulate"):
        parts.append("hardware counters, else numba simulation")
    return "; ".join(parts)


def gpu_path_ready(exercise) -> bool:
    """Whether an exercise with a GPU path would take it here: a GPU, its packages, and (when it
    needs torch) a CUDA build of torch, not the CPU-only one."""
    m = exercise.content["measure"]
    return bool(m.get("gpu")) and bool(machine.gpus()) and not missing_requirements(exercise, "gpu_requires") \
        and ("torch" not in (m.get("gpu_requires") or []) or torch_has_cuda())


def torch_has_cuda() -> bool:
    """A CUDA build of torch ships libtorch_cuda beside libtorch_cpu; found without importing
    torch, which takes a second."""
    import importlib.util

    spec = importlib.util.find_spec("torch")
    if spec is None or not spec.origin:
        return False
    return any((Path(spec.origin).parent / "lib").glob("libtorch_cuda*"))


def code_key(exercise) -> str:
    """Changes whenever what runs changes: source, shared header, the measure spec (flags,
    arguments, requirements, simulation) and compiler; for an exercise with a GPU path also the
    GPUs and the versions of the packages that path needs, so that an answer worked out on the
    CPU is not reused once the GPU path becomes possible (a CUDA build of torch installed)."""
    m = exercise.content["measure"]
    include = native_dir(exercise.deck_path) / "include"
    parts = [_bytes(program_path(exercise)), _bytes(include / "recall_bench.h"),
             json.dumps(m, sort_keys=True).encode(), (machine.compiler_version() or "").encode()]
    if m.get("gpu"):
        parts += [_bytes(include / "recall_gpu.py"), gpu_setup().encode()]
    h = hashlib.sha256()
    for part in parts:
        h.update(part)
        h.update(b"\0")
    return h.hexdigest()[:16]


def gpu_setup() -> str:
    """The GPUs and GPU packages a GPU path would use here, as text for code_key."""
    from importlib import metadata

    versions = []
    for name in ("torch", "triton", "cupy", "numba"):
        try:
            versions.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            pass
    test = os.environ.get("RECALL_GPU_TEST_DEVICE", "")  # tests' CPU stand-in: never a GPU result
    return "; ".join([*machine.gpus(), *versions, f"test device {test}" if test else ""])


def missing_requirements(exercise, key: str = "requires") -> list[str]:
    """Python packages the exercise's program needs (measure.requires, or gpu_requires for its
    GPU path) that are not installed; found without importing them."""
    import importlib.util

    return [r for r in exercise.content["measure"].get(key) or [] if importlib.util.find_spec(r) is None]


def build(exercise, build_dir: Path) -> Path:
    """Compile the exercise's C program into the cache (keyed by source, flags, compiler);
    a Python program (numba, numpy, torch) runs as it is."""
    src = program_path(exercise)
    if not src.is_file():
        raise ExerciseError(f"{exercise.id}: program {src} does not exist")
    if why := gpu_missing(exercise):
        raise ExerciseError(f"{exercise.id} {why}")
    if src.suffix == ".py":
        missing = missing_requirements(exercise)
        if missing:
            raise ExerciseError(f"{exercise.id} needs {', '.join(missing)}: pip install {' '.join(missing)}")
        return src
    cc = machine.compiler()
    if cc is None:
        raise ExerciseError("no C compiler found: install gcc (e.g. apt-get install gcc) or set CC")
    out = build_dir / code_key(exercise) / src.stem
    if out.exists():
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    flags = BASE_FLAGS + list(exercise.content["measure"].get("cflags") or [])
    include = native_dir(exercise.deck_path) / "include"
    tmp = out.with_suffix(".tmp")
    cmd = [*shlex.split(cc), *flags, f"-I{include}", str(src), "-o", str(tmp), "-lm", "-lpthread"]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, errors="replace", timeout=120)
    except subprocess.TimeoutExpired:
        raise ExerciseError(f"{exercise.id}: compiling {src.name} took over 120 s") from None
    except OSError as e:
        raise ExerciseError(f"cannot run the C compiler {cc!r}: {e.strerror or e}; install gcc or set CC") from None
    if done.returncode != 0:
        first = next((line for line in done.stderr.splitlines() if "error" in line), done.stderr.strip()[:200])
        raise ExerciseError(f"{exercise.id}: {src.name} does not compile: {first.strip()}")
    tmp.replace(out)  # atomic: a half-written binary is never cached
    return out


OUTPUT_LIMIT = 64 * 1024  # a program prints one line; keep only the end of anything longer


def run_once(exercise, binary: Path) -> dict:
    """Run the program once; return its JSON object, checked, or raise ExerciseError."""
    m = exercise.content["measure"]
    timeout = float(m.get("timeout") or DEFAULT_TIMEOUT)
    cmd = [sys.executable, str(binary)] if binary.suffix == ".py" else [str(binary)]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        # Its own process group: a child it forked and left behind is stopped with it.
        proc = subprocess.Popen([*cmd, *(m.get("args") or [])], stdout=out, stderr=err, start_new_session=True)
        try:
            code = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            raise ExerciseError(f"{exercise.id}: {binary.name} ran longer than {timeout:g} s and was stopped") from None
        _kill_group(proc)
        stdout, stderr = _tail(out), _tail(err)
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        raise ExerciseError(f"{exercise.id}: {binary.name} crashed ({name})")
    if code > 0:
        last = stderr.strip().splitlines()[-1] if stderr.strip() else "no message"
        raise ExerciseError(f"{exercise.id}: {binary.name} failed with status {code}: {last}")
    lines = [line for line in stdout.splitlines() if line.strip()]
    try:
        result = json.loads(lines[-1], parse_constant=_no_constant) if len(lines) == 1 else None
    except (json.JSONDecodeError, ValueError):
        result = None
    if not isinstance(result, dict) or "value" not in result:
        shown = stdout.strip()[:80] or "nothing"
        raise ExerciseError(f"{exercise.id}: {binary.name} printed {shown!r}, not one JSON object with a value")
    _check_value(exercise, binary, result["value"])
    if "runs" in result:
        _check_runs(exercise, binary, result)
    if not isinstance(result.get("detail", {}), dict):
        result["detail"] = {}
    return result


def _check_runs(exercise, binary: Path, result: dict) -> None:
    """'runs' (a program's own repeats, from one process) must be 1 to 100 possible values, and
    make no sense beside an exact method, which is never repeated."""
    runs = result["runs"]
    where = f"{exercise.id}: {binary.name} printed runs"
    if not isinstance(runs, list) or not 1 <= len(runs) <= 100:
        raise ExerciseError(f"{where} {str(runs)[:40]}; 'runs' must list 1 to 100 values")
    if str(result.get("method", "")).startswith(EXACT_METHODS):
        raise ExerciseError(f"{where} with the exact method {result['method']!r}; an exact answer has no runs")
    for value in runs:
        if value is None:
            raise ExerciseError(f"{where} with a missing value")
        _check_value(exercise, binary, value, what=" in its runs")


def _check_value(exercise, binary: Path, value, what: str = "") -> None:
    """A value that cannot be right for the exercise's kind is never stored: it would be reused."""
    if value is None:
        return
    kind = exercise.content["predict"]["kind"]
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and (
        value > 0 if kind == "positive" else 0 <= value <= 1 if kind == "fraction" else
        value >= 0 and float(value).is_integer())
    if not ok:
        raise ExerciseError(f"{exercise.id}: {binary.name} printed {value!r}{what}, which is not a possible {kind} value")


def _no_constant(name: str):
    raise ValueError(name)  # NaN and Infinity are not measurements


def _tail(f) -> str:
    f.seek(0, 2)
    size = f.tell()
    f.seek(max(0, size - OUTPUT_LIMIT))
    return f.read().decode("utf-8", errors="replace")


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait()


def measure(exercise, *, build_dir: Path, runs: int = RUNS, progress: Progress | None = None) -> Measurement:
    """Build, warm up, run ``runs`` times; simulate when the program could not count."""
    started = time.monotonic()
    say = progress or (lambda done, total, what: None)
    total = WARMUP + runs
    say(0, total, "compiling")
    binary = build(exercise, build_dir)
    say(0, total, "first run")
    first = run_once(exercise, binary)
    if str(first.get("method", "")).startswith(EXACT_METHODS):
        results = [first]  # worked out or counted: every run would print the same
    elif "runs" in first:
        # A program whose start-up dwarfs its measurement (importing torch takes a second)
        # warms up and repeats inside one process, and reports each run (checked in run_once).
        results = [first | {"value": v} for v in first["runs"]]
    else:  # that first run was the warm-up
        results = []
        for i in range(runs):
            say(WARMUP + i, total, f"run {i + 1} of {runs}")
            results.append(run_once(exercise, binary))
    say(total, total, "done")
    desc = machine.describe()
    values = [r["value"] for r in results]
    last = results[-1]
    error = last.get("counters_error")
    if any(v is None for v in values):
        sim = exercise.content["measure"].get("simulate")
        if not sim:
            raise ExerciseError(f"{exercise.id}: the program could not measure here ({error or 'no value'})")
        return _simulated(exercise, sim, desc, error, time.monotonic() - started)
    # A program may report counters as detail beside a timed value; only an exercise that can
    # fall back to simulation takes its value from the counters. A program may also name its
    # method itself (e.g. "analytic: no GPU here" or "Triton CPU interpreter").
    if isinstance(last.get("method"), str):
        method = last["method"]
    elif exercise.content["measure"].get("simulate"):
        method = "hardware counters"
    else:  # an exact count is computed by running the code, not timed
        method = "counted" if exercise.content["predict"]["kind"] == "count" else "timer"
    return Measurement(value=statistics.median(values), runs=[float(v) for v in values], method=method,
                       machine=desc, seconds=time.monotonic() - started, counters_error=error,
                       detail=last.get("detail") or {})


def _simulated(exercise, spec: dict, desc: dict, error: str | None, elapsed: float) -> Measurement:
    from recall import cachesim  # numba: imported only when a simulation runs

    geometry = cachesim.l1d_geometry()
    if geometry is None:
        raise ExerciseError(f"{exercise.id}: counters unavailable ({error}) and no L1D geometry in sysfs to simulate")
    t = time.monotonic()
    try:
        result = cachesim.simulate_pattern(spec, geometry)
    except ValueError as e:
        raise ExerciseError(f"{exercise.id}: cannot simulate {spec}: {e}") from None
    return Measurement(value=float(result["value"]), runs=[float(result["value"])],
                       method=f"simulated: {geometry.describe()} (from sysfs)", machine=desc,
                       seconds=elapsed + time.monotonic() - t, counters_error=error,
                       detail={k: v for k, v in result.items() if k != "value"})


def _bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""


def measurement_from_json(data: dict) -> Measurement:
    keep = {k: data[k] for k in ("value", "runs", "method", "machine", "seconds", "counters_error", "detail")
            if k in data}
    return Measurement(**keep, cached=True)

