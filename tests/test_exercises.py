"""Exercise files, the runner's failures, caching per machine, and exercises end to end."""

import json
import shutil
from datetime import timedelta

import pytest

from conftest import SMALL_DECK
from recall import exercises, machine, runner
from recall.grading import Prediction, grade_prediction
from recall.scheduling import Rating

needs_cc = pytest.mark.skipif(shutil.which("cc") is None and shutil.which("gcc") is None, reason="no C compiler")

EXERCISE = """
id: ex.t.{name}
submodule: 02-memory-hierarchy
title: A test exercise
question: |
  How many nanoseconds?
  ```c
  x++;
  ```
predict:
  quantity: time per thing
  unit: ns
  kind: {kind}
measure:
  program: {name}.c
  args: ["7"]
  timeout: {timeout}
{extra}
explanation: Because.
concepts: [t.basic]
"""

PROGRAMS = {
    # Prints its argument times 10 as the value: a deterministic "measurement".
    "good": '#include <stdio.h>\n#include <stdlib.h>\nint main(int c, char **v)'
            '{ printf("{\\"value\\": %d, \\"unit\\": \\"ns\\"}\\n", atoi(v[1]) * 10); return 0; }\n',
    "broken": "int main(void) { this is not C }\n",
    "crash": "#include <signal.h>\nint main(void) { raise(SIGSEGV); return 0; }\n",
    "hang": "int main(void) { for (;;) {} }\n",
    "garbage": '#include <stdio.h>\nint main(void) { puts("hello there"); return 0; }\n',
    "failing": '#include <stdio.h>\nint main(void) { fputs("no memory\\n", stderr); return 3; }\n',
    # A counter program on a machine without counters: no value, and why.
    "nocount": '#include <stdio.h>\nint main(void) { puts("{\\"value\\": null, \\"unit\\": \\"fraction\\", '
               '\\"counters_error\\": \\"perf_event_open: ENOENT\\"}"); return 0; }\n',
}


@pytest.fixture
def exdir(tmp_path, env, deckdir):
    """An exercise directory with its native/ beside it, declared and trusted."""
    root = tmp_path / "learner" / "exercises"
    native = tmp_path / "learner" / "native" / "01-computer-architecture"
    native.mkdir(parents=True)
    (root / "01-computer-architecture").mkdir(parents=True)
    for name, code in PROGRAMS.items():
        (native / f"{name}.c").write_text(code)
        kind = "fraction" if name == "nocount" else "positive"
        extra = ("  simulate: {pattern: strided, array_bytes: 1048576, stride: 64, passes: 1}"
                 if name == "nocount" else "")
        (root / "01-computer-architecture" / f"{name}.yaml").write_text(
            EXERCISE.format(name=name, kind=kind, timeout=2 if name == "hang" else 20, extra=extra))
    deckdir.write("01-computer-architecture/01-binary-and-bits.yaml", SMALL_DECK)
    env.environ["RECALL_EXERCISES"] = str(root)
    env.environ["RECALL_TRUST"] = str(root)
    env.environ["RECALL_CACHE"] = str(tmp_path / "cache")
    return root


def test_exercise_file_parses(exdir):
    res = exercises.parse_file(exdir / "01-computer-architecture" / "good.yaml", exdir)
    assert res.problems == []
    (ex,) = res.cards
    assert ex.type == "exercise" and ex.id == "ex.t.good" and ex.submodule == "02-memory-hierarchy"
    assert ex.content["predict"] == {"quantity": "time per thing", "unit": "ns", "kind": "positive"}
    assert ex.content["measure"]["args"] == ["7"] and ex.item_ids() == ["ex.t.good"]


@pytest.mark.parametrize("change,words", [
    (("kind: positive", "kind: big"), "unknown kind 'big'"),
    (("program: good.c", "program: ../good.c"), "must be a .c or .py file name"),
    (("submodule: 02-memory-hierarchy", "submodule: 99-nope"), "has no submodule '99-nope'"),
    (("explanation: Because.\n", ""), "missing 'explanation'"),
    (("title:", "titel:"), "unknown key 'titel'"),
    (("timeout: 20", "timeout: -1"), "'timeout' must be more than 0"),
    # positive quantities are graded by factor: a band below 1 would make every answer Again
    (("measure:", "thresholds: {easy: 0, good: 0.1, hard: 0.5}\nmeasure:"), "factors of at least 1"),
    (("timeout: 20", "timeout: 20\n  gpu: sometimes"), "unknown gpu mode 'sometimes'"),
    (("timeout: 20", "timeout: 20\n  gpu_requires: [torch]"), "needs 'gpu: required' or 'gpu: optional'"),
])
def test_bad_exercise_files_are_located(exdir, change, words):
    path = exdir / "01-computer-architecture" / "good.yaml"
    path.write_text(path.read_text().replace(*change))
    res = exercises.parse_file(path, exdir)
    assert res.cards == [] and any(words in p.message for p in res.problems), res.problems
    assert all(p.line >= 1 for p in res.problems)


def test_check_validates_exercises_and_their_concepts(run, exdir):
    r = run("check")
    assert r.code == 0, r.out
    assert "and 7 exercises" in r.out
    path = exdir / "01-computer-architecture" / "good.yaml"
    path.write_text(path.read_text().replace("concepts: [t.basic]", "concepts: [t.basic, no.such.card]"))
    r = run("check")
    assert r.code == 1 and "concepts name no card: no.such.card" in r.out


@needs_cc
@pytest.mark.parametrize("name,words", [
    ("broken", "does not compile"),
    ("crash", "crashed (SIGSEGV)"),
    ("hang", "ran longer than 2 s and was stopped"),
    ("garbage", "printed 'hello there', not one JSON object"),
    ("failing", "failed with status 3: no memory"),
])
def test_runner_failures_are_one_line(run, exdir, name, words):
    r = run("exercise", "run", f"ex.t.{name}", "--predict", "5", "--json")
    assert r.code == 1
    assert words in r.err and len(r.err.strip().splitlines()) == 1, r.err
    # Nothing was recorded: the session goes on as if the exercise had not been tried.
    assert run("calibration").out.startswith("No predictions yet")


@needs_cc
@pytest.mark.postgres
def test_scripted_run_measures_grades_and_records(run, exdir, collection):
    r = run("exercise", "run", "ex.t.good", "--predict", "60", "--interval", "50", "90", "--json")
    assert r.code == 0, r.err
    out = json.loads(r.out)
    m = out["measurement"]
    assert m["value"] == 70 and m["runs"] == [70.0] * 5 and m["cv"] == 0 and m["method"] == "timer"
    assert out["rating"] == "Easy" and out["interval_hit"] is True  # 60 is within 1.5x of 70
    assert m["machine"]["compiler"] and "cpu" in m["machine"]
    col = collection()
    (logged,) = col.store.log_entries()
    col.close()
    assert logged.entry.mode == "exercise" and logged.entry.rating == Rating.EASY
    assert json.loads(logged.entry.response)["measured"] == 70


@needs_cc
@pytest.mark.postgres
def test_measurement_is_reused_on_the_same_machine_until_remeasure(run, exdir, tmp_path, monkeypatch):
    assert run("exercise", "run", "ex.t.good", "--predict", "70", "--json").code == 0
    # Make the program unrunnable: a reused measurement never runs it again.
    shutil.rmtree(tmp_path / "cache")
    native = tmp_path / "learner" / "native" / "01-computer-architecture" / "good.c"
    r = run("exercise", "run", "ex.t.good", "--predict", "70", "--json")
    assert r.code == 0 and json.loads(r.out)["measurement"]["cached"] is True
    # Another machine (here: another compiler version) measures afresh.
    from recall import machine

    monkeypatch.setattr(machine, "compiler_version", lambda: "cc (Other) 99.1")
    r = run("exercise", "run", "ex.t.good", "--predict", "70", "--json")
    assert json.loads(r.out)["measurement"]["cached"] is False
    native.write_text(PROGRAMS["good"].replace("* 10", "* 20"))  # new code: new measurement
    r = run("exercise", "run", "ex.t.good", "--predict", "70", "--json", "--remeasure")
    assert json.loads(r.out)["measurement"]["value"] == 140


@needs_cc
def test_counters_unavailable_falls_back_to_simulation(run, exdir):
    pytest.importorskip("numba")
    r = run("exercise", "run", "ex.t.nocount", "--predict", "100", "--json")
    assert r.code == 0, r.err
    m = json.loads(r.out)["measurement"]
    assert m["method"].startswith("simulated: ") and "-way" in m["method"]
    assert m["counters_error"] == "perf_event_open: ENOENT"
    assert m["value"] == pytest.approx(100, abs=0.5)  # one load per 64-byte line: every load misses


def test_untrusted_exercises_are_refused(run, exdir, env):
    env.environ.pop("RECALL_TRUST")
    r = run("exercise", "run", "ex.t.good", "--predict", "70")
    assert r.code == 1 and "not a trusted exercise directory" in r.err and "--trust" in r.err
    listing = json.loads(run("exercise", "list", "--json").out)
    assert {x["id"]: x["can_run"] for x in listing}["ex.t.good"] is False


def test_list_and_show(run, exdir):
    listing = json.loads(run("exercise", "list", "01", "--json").out)
    assert len(listing) == 7 and all(x["module"] == "01-computer-architecture" for x in listing)
    r = run("exercise", "show", "ex.t.good")
    assert r.code == 0 and "How many nanoseconds?" in r.out and "atoi(v[1]) * 10" in r.out
    assert run("exercise", "show", "ex.t.nope").code == 1


@needs_cc
def test_an_exercise_through_the_session(exdir, collection, clock):
    col = collection()
    from recall.planner import PlanEntry

    s = col.session([PlanEntry("ex.t.good", "ex.t.good", "01-computer-architecture", "02-memory-hierarchy",
                               "new", "", 0)])
    with pytest.raises(Exception, match="predict first"):
        s.skip_answer()  # the value is never shown before a prediction
    seen = []
    verdict = s.submit("700 100 1000", progress=lambda d, t, w: seen.append((d, t)))
    assert seen[-1] == (6, 6)  # warm-up + 5 runs
    assert verdict.suggested == Rating.AGAIN and not verdict.correct  # 10x off is Hard; the interval missed
    assert s.current.measurement.value == 70
    s.rate(Rating.HARD)
    (logged,) = col.store.log_entries()
    assert logged.entry.mode == "exercise" and json.loads(logged.entry.response)["interval_hit"] is False
    col.close()


@needs_cc
def test_a_hard_exercise_pulls_its_concept_cards_forward(run, exdir, collection, clock):
    col = collection()
    s = col.session(col.evening_plan().entries)
    while s.current is not None:  # learn the deck's cards: all graduate with Easy
        if s.current.card.type == "exercise":
            s.bury()
            continue
        s.reveal() if s.current.card.type in ("basic", "cloze") else s.submit("1")
        s.rate(Rating.EASY)
    due = col.store.get_item_state("t.basic").due
    col.close()
    clock.t = due - timedelta(days=5)  # due within the week, not yet tonight
    assert run("review", "--plan", "--json").out.count('"t.basic"') == 0
    assert run("exercise", "run", "ex.t.good", "--predict", "7000", "--json").code == 0  # 100x off: Again
    clock.advance(hours=1)
    plan = json.loads(run("review", "--plan", "--json").out)
    pulled = [i for i in plan["items"] if i["reason"].startswith("pulled in")]
    assert [i["item_id"] for i in pulled] == ["t.basic"]
    assert "exercise ex.t.good was answered Again" in pulled[0]["reason"]


@pytest.mark.parametrize("kind,predicted,measured,spread,rating", [
    ("positive", 100, 100, (100, 100), Rating.EASY),
    ("positive", 150, 100, (100, 100), Rating.EASY),     # 1.5x: the boundary is Easy
    ("positive", 151, 100, (100, 100), Rating.GOOD),
    ("positive", 300, 100, (100, 100), Rating.GOOD),
    ("positive", 301, 100, (100, 100), Rating.HARD),
    ("positive", 1000, 100, (100, 100), Rating.HARD),
    ("positive", 1001, 100, (100, 100), Rating.AGAIN),
    ("positive", 30, 100, (100, 100), Rating.HARD),       # 3.3x too low
    ("positive", 301, 100, (50, 200), Rating.GOOD),       # noisy runs: half their 0.6 decades forgiven
    ("fraction", 0.12, 0.125, None, Rating.EASY),
    ("fraction", 0.17, 0.125, None, Rating.GOOD),
    ("fraction", 0.25, 0.125, None, Rating.HARD),
    ("fraction", 0.30, 0.125, None, Rating.AGAIN),
    ("count", 24, 24, None, Rating.EASY),
    ("count", 26, 24, None, Rating.GOOD),
    ("count", 40, 24, None, Rating.HARD),
    ("count", 49, 24, None, Rating.AGAIN),
])
def test_prediction_grading(kind, predicted, measured, spread, rating):
    v = grade_prediction(kind, Prediction(predicted), measured, spread or (measured, measured))
    assert v.suggested == rating


def test_intervals_lower_on_a_miss_and_cap_when_wide():
    exact = (100, 100)
    assert grade_prediction("positive", Prediction(100, 50, 90), 100, exact).suggested == Rating.GOOD
    assert grade_prediction("positive", Prediction(100, 50, 150), 100, exact).suggested == Rating.EASY
    assert grade_prediction("positive", Prediction(100, 10, 1000), 100, exact).suggested == Rating.GOOD
    assert grade_prediction("positive", Prediction(100, 10, 1000), 100, exact).interval_hit is True
    assert grade_prediction("positive", Prediction(2000, 10, 20), 100, exact).suggested == Rating.AGAIN


def test_exercise_thresholds_override_the_defaults():
    v = grade_prediction("positive", Prediction(140), 100, (100, 100), {"easy": 1.2, "good": 2, "hard": 4})
    assert v.suggested == Rating.GOOD


def test_calibration_reports_per_module(run, exdir):
    if shutil.which("cc") is None and shutil.which("gcc") is None:
        pytest.skip("no C compiler")
    for guess in ("700", "70", "75 60 90", "69 10 20"):
        run("exercise", "run", "ex.t.good", "--predict", *guess.split()[:1],
            *(["--interval", *guess.split()[1:]] if len(guess.split()) == 3 else []), "--json")
    data = json.loads(run("calibration", "--json").out)
    mod = data["01-computer-architecture"]
    assert mod["all"]["answers"] == 4 and mod["intervals"] == 2 and mod["interval_hit_rate"] == 0.5
    assert mod["earlier"]["typical_factor_off"] > mod["recent"]["typical_factor_off"]
    assert "50% of 2 intervals" in run("calibration").out


@needs_cc
def test_exercises_export_as_prediction_notes_with_the_measured_value(run, exdir, tmp_path, clock):
    pytest.importorskip("anki.collection")
    import genanki
    from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest

    path = exdir / "01-computer-architecture" / "good.yaml"
    path.write_text(path.read_text().replace("concepts: [t.basic]", "concepts: [t.basic, t.num]"))
    first = tmp_path / "before.apkg"
    assert run("export", "anki", "01", "-o", str(first)).code == 0
    clock.advance(minutes=5)
    assert run("exercise", "run", "ex.t.good", "--predict", "70").code == 0
    second = tmp_path / "after.apkg"
    assert run("export", "anki", "01", "-o", str(second)).code == 0
    col = Collection(str(tmp_path / "c.anki2"))
    try:
        for apkg in (first, second):  # the measurement moves the timestamp: the notes update
            col.import_anki_package(ImportAnkiPackageRequest(package_path=str(apkg),
                                                             options=ImportAnkiPackageOptions()))
        notes = {col.get_note(n).guid: col.get_note(n) for n in col.find_notes("")}
        ex = notes[genanki.guid_for("recall", "ex.t.good")]
        num = notes[genanki.guid_for("recall", "t.num")]
        assert ex.note_type()["name"] == "recall prediction"
        assert ex["Measured"].startswith("70 ns (timer, ") and ex["Unit"] == "ns"
        assert "by exercise ex.t.good" in num["Measured"]
        assert col.note_count() == len(notes)
    finally:
        col.close()


PY_PROGRAM = """
import json, sys
print(json.dumps({"value": 0.5, "unit": "x", "method": "analytic: no GPU here"}))
"""


def test_python_programs_and_their_requirements(run, exdir, tmp_path):
    native = tmp_path / "learner" / "native" / "01-computer-architecture"
    (native / "py.py").write_text(PY_PROGRAM)
    base = EXERCISE.format(name="py", kind="positive", timeout=20, extra="").replace("program: py.c", "program: py.py")
    (exdir / "01-computer-architecture" / "py.yaml").write_text(base)
    r = run("exercise", "run", "ex.t.py", "--predict", "0.5", "--json")
    assert r.code == 0, r.err
    assert json.loads(r.out)["measurement"]["method"] == "analytic: no GPU here"
    (exdir / "01-computer-architecture" / "py.yaml").write_text(
        base.replace("  timeout: 20", "  timeout: 20\n  requires: [surely_not_installed_pkg]"))
    r = run("exercise", "run", "ex.t.py", "--predict", "0.5")
    assert r.code == 1 and "pip install surely_not_installed_pkg" in r.err
    listing = {x["id"]: x for x in json.loads(run("exercise", "list", "--json").out)}
    assert listing["ex.t.py"]["can_run"] is False and "surely_not_installed_pkg" in listing["ex.t.py"]["needs"]


@pytest.mark.parametrize("kind,predicted,measured,rating", [
    ("positive", 200, 300, Rating.EASY),    # exactly 1.5x below: floating point must not cost a step
    ("positive", 2, 6, Rating.GOOD),        # exactly 3x below
    ("positive", 1, 3, Rating.GOOD),
    ("fraction", 0.17, 0.12, Rating.GOOD),  # 5.000000000000002 points is 5 points
    ("fraction", 0.02, 0.17, Rating.HARD),  # 15 points
    ("count", 0, 10, Rating.AGAIN),         # "within 2x" is a factor, not 100 % relative error
    ("count", 4, 10, Rating.AGAIN),
    ("count", 5, 10, Rating.HARD),
    ("count", 20, 10, Rating.HARD),
    ("count", 21, 10, Rating.AGAIN),
])
def test_prediction_grading_boundaries(kind, predicted, measured, rating):
    assert grade_prediction(kind, Prediction(predicted), measured, (measured, measured)).suggested == rating


BAD_OUTPUT = {
    "nan": 'puts("{\\"value\\": NaN}");',
    "negative": 'puts("{\\"value\\": -5}");',
    "boolean": 'puts("{\\"value\\": true}");',
    "notutf8": 'puts("\\xff\\xfe");',
    "orphan": 'if (fork() == 0) { sleep(30); return 0; } puts("{\\"value\\": 1}");',
}


@needs_cc
@pytest.mark.parametrize("name", sorted(BAD_OUTPUT))
def test_misbehaving_programs_are_one_line_and_store_nothing(run, exdir, tmp_path, name, collection):
    import time as _time

    native = tmp_path / "learner" / "native" / "01-computer-architecture"
    (native / f"{name}.c").write_text("#include <stdio.h>\n#include <unistd.h>\n"
                                      f"int main(void) {{ {BAD_OUTPUT[name]} return 0; }}\n")
    (exdir / "01-computer-architecture" / f"{name}.yaml").write_text(
        EXERCISE.format(name=name, kind="positive", timeout=10, extra=""))
    started = _time.monotonic()
    r = run("exercise", "run", f"ex.t.{name}", "--predict", "5", "--json")
    if name == "orphan":  # the left-behind child does not hold the run up, and is stopped
        assert r.code == 0, r.err
        assert _time.monotonic() - started < 8
        return
    assert r.code == 1 and len(r.err.strip().splitlines()) == 1 and "Traceback" not in r.err, r.err
    col = collection()
    assert col.store.latest_measurement(f"ex.t.{name}") is None and col.store.log_entries() == []
    col.close()


def test_numbers_too_large_for_a_prediction_are_refused():
    from recall.grading import AnswerFormatError, parse_prediction

    with pytest.raises(AnswerFormatError):
        parse_prediction("1e999")


def test_exercises_that_cannot_run_here_stay_out_of_the_evening(run, exdir, env):
    base = exdir / "01-computer-architecture" / "good.yaml"
    base.write_text(base.read_text().replace("  timeout: 20", "  timeout: 20\n  requires: [surely_not_installed_pkg]"))
    plan = json.loads(run("review", "--plan", "--json", "--new", "100", "--minutes", "600").out)
    assert "ex.t.good" not in [i["item_id"] for i in plan["items"]]
    assert {"item_id": "ex.t.good",
            "reason": "cannot run here: needs surely_not_installed_pkg: pip install surely_not_installed_pkg"} \
        in plan["left_out"]
    assert "ex.t.crash" in [i["item_id"] for i in plan["items"]]  # runnable ones still come (crash or not)


@pytest.fixture
def fake_gpus(tmp_path, monkeypatch):
    """A /proc/driver/nvidia/gpus stand-in: call it with model names to 'install' GPUs."""
    root = tmp_path / "nvidia-gpus"

    def install(*models: str):
        root.mkdir(exist_ok=True)
        for i, model in enumerate(models):
            (root / f"0000:{i:02x}:00.0").mkdir()
            (root / f"0000:{i:02x}:00.0" / "information").write_text(f"Model: \t\t {model}\nIRQ:   42\n")

    monkeypatch.setattr(machine, "NVIDIA_GPUS", root)
    return install


def test_gpus_are_found_by_the_driver_listing_and_can_be_hidden(fake_gpus, monkeypatch):
    before = machine.key()
    assert machine.gpus() == []
    fake_gpus("NVIDIA H100 80GB HBM3")
    assert machine.gpus() == ["NVIDIA H100 80GB HBM3"]
    assert machine.key() == before  # CPU measurements do not depend on the GPU
    monkeypatch.setenv("RECALL_GPU", "0")
    assert machine.gpus() == []


def _py_exercise(exdir, eid: str = "py", measure_extra: str = "", program: str = PY_PROGRAM) -> None:
    """Exercise ex.t.<eid>, measured by a Python program (py.py) with the given text."""
    (exdir.parent / "native" / "01-computer-architecture" / "py.py").write_text(program)
    text = EXERCISE.format(name="py", kind="positive", timeout=20, extra="").replace("program: py.c", "program: py.py")
    if measure_extra:
        text = text.replace("  timeout: 20", "  timeout: 20\n" + measure_extra)
    (exdir / "01-computer-architecture" / f"{eid}.yaml").write_text(text.replace("ex.t.py", f"ex.t.{eid}"))


def test_gpu_exercises_say_what_they_need_and_whether_they_can_run(run, exdir, fake_gpus, monkeypatch):
    _py_exercise(exdir, "req", "  gpu: required\n  gpu_requires: [numpy]")
    _py_exercise(exdir, "opt", "  gpu: optional\n  gpu_requires: [surely_not_installed_pkg]")
    _py_exercise(exdir, "reqpkg", "  gpu: required\n  gpu_requires: [surely_not_installed_pkg]")

    def listing():
        return {x["id"]: x for x in json.loads(run("exercise", "list", "--json").out)}

    rows = listing()
    assert rows["ex.t.req"]["can_run"] is False
    assert rows["ex.t.req"]["why_not"] == "needs an NVIDIA GPU with its driver (none found here)"
    assert rows["ex.t.req"]["needs"] == "Python; NVIDIA GPU with numpy"
    # optional: runs anywhere, and says what the GPU path would need
    assert rows["ex.t.opt"]["can_run"] is True
    assert rows["ex.t.opt"]["needs"] == "Python; NVIDIA GPU with surely_not_installed_pkg to measure on it, " \
                                        "else worked out on the CPU"
    r = run("exercise", "run", "ex.t.req", "--predict", "0.5")
    assert r.code == 1 and r.err.strip().endswith("needs an NVIDIA GPU with its driver (none found here)")
    assert rows["ex.t.opt"]["on_gpu"] is False
    fake_gpus("NVIDIA H100 80GB HBM3")
    rows = listing()
    assert rows["ex.t.req"]["can_run"] is True and rows["ex.t.req"]["on_gpu"] is True
    assert rows["ex.t.opt"]["on_gpu"] is False  # its GPU path needs a package this machine lacks
    (line,) = [x for x in run("exercise", "list").out.splitlines() if "ex.t.req " in x]
    assert "NVIDIA GPU with numpy; measures on this GPU;" in line
    assert rows["ex.t.reqpkg"]["why_not"] == ("needs surely_not_installed_pkg for the GPU: "
                                               "pip install surely_not_installed_pkg")
    monkeypatch.setenv("RECALL_GPU", "0")
    assert listing()["ex.t.req"]["why_not"] == "needs an NVIDIA GPU (hidden by RECALL_GPU=0)"


def test_a_c_program_that_needs_a_gpu_is_refused_too(run, exdir, fake_gpus):
    path = exdir / "01-computer-architecture" / "good.yaml"
    path.write_text(path.read_text().replace("  timeout: 20", "  timeout: 20\n  gpu: required"))
    r = run("exercise", "run", "ex.t.good", "--predict", "70")
    assert r.code == 1 and "needs an NVIDIA GPU" in r.err


def test_an_analytic_answer_is_not_reused_once_the_gpu_path_is_ready(exdir, fake_gpus, collection, monkeypatch):
    _py_exercise(exdir, "opt", "  gpu: optional\n  gpu_requires: [numpy]")
    col = collection()
    col.sync()
    ex = col.exercise("ex.t.opt")
    without = runner.code_key(ex)
    first = col.measure(ex)
    assert first.method == "analytic: no GPU here" and not first.cached
    assert col.measure(ex).cached  # reused while nothing changed
    fake_gpus("NVIDIA A100-SXM4-80GB")
    assert runner.code_key(ex) != without
    monkeypatch.setenv("RECALL_GPU", "0")
    assert runner.code_key(ex) == without  # hiding the GPU gives the worked-out answer's key back
    monkeypatch.delenv("RECALL_GPU")
    # Even an analytic answer stored under the GPU key (a CPU-only torch on a GPU host, say) is
    # not reused: the GPU path is possible now, so the program runs again.
    col.store.save_measurement(ex.id, machine.key(), runner.code_key(ex), 0.5, "analytic: no CUDA here",
                               first.to_json() | {"method": "analytic: no CUDA here"}, col.env.now())
    assert not col.measure(ex).cached
    col.close()


def test_a_cpu_stand_in_for_the_gpu_never_shares_a_key_with_a_gpu(exdir, fake_gpus, collection, monkeypatch):
    _py_exercise(exdir, "opt", "  gpu: optional\n  gpu_requires: [numpy]")
    col = collection()
    col.sync()
    ex = col.exercise("ex.t.opt")
    fake_gpus("NVIDIA H100 80GB HBM3")
    real = runner.code_key(ex)
    monkeypatch.setenv("RECALL_GPU_TEST_DEVICE", "cpu")
    assert runner.code_key(ex) != real
    col.close()


def test_exercises_without_a_gpu_path_keep_their_code_key_across_gpu_changes(exdir, fake_gpus, collection):
    col = collection()
    col.sync()
    ex = col.exercise("ex.t.good")
    before = runner.code_key(ex)
    fake_gpus("NVIDIA H100 80GB HBM3")
    assert runner.code_key(ex) == before
    col.close()


@pytest.mark.parametrize("method,runs", [("analytic: worked out", 1), ("counted: by the program", 1),
                                         ("Triton CPU interpreter", 1), ("timer: a clock", runner.WARMUP + runner.RUNS)])
def test_exact_answers_run_once_timed_ones_repeat(exdir, collection, tmp_path, method, runs):
    tally = tmp_path / "runs.txt"
    _py_exercise(exdir, program=(
        "import json\n"
        f"open({str(tally)!r}, 'a').write('run\\n')\n"
        f"print(json.dumps({{'value': 0.5, 'unit': 'x', 'method': {method!r}}}))\n"))
    col = collection()
    col.sync()
    m = col.measure(col.exercise("ex.t.py"))
    assert len(tally.read_text().splitlines()) == runs
    assert m.method == method and m.value == 0.5
    col.close()


def test_a_program_may_report_its_own_runs(exdir, collection, tmp_path):
    """One process, one start-up (torch's import takes a second), five runs reported."""
    tally = tmp_path / "starts.txt"
    _py_exercise(exdir, program=(
        "import json\n"
        f"open({str(tally)!r}, 'a').write('start\\n')\n"
        "print(json.dumps({'value': 9.0, 'runs': [1.0, 2.0, 4.0, 2.5, 1.5], 'unit': 'x', 'method': 'timer'}))\n"))
    col = collection()
    col.sync()
    m = col.measure(col.exercise("ex.t.py"))
    assert len(tally.read_text().splitlines()) == 1
    # recall takes the median of the runs, not the program's own summary
    assert m.runs == [1.0, 2.0, 4.0, 2.5, 1.5] and m.value == 2.0 and m.method == "timer"
    again = col.measure(col.exercise("ex.t.py"))
    assert again.cached and again.value == 2.0 and again.runs == m.runs
    col.close()


@pytest.mark.parametrize("printed,words", [
    ("{'value': 1, 'runs': 5}", "'runs' must list 1 to 100 values"),
    ("{'value': 1, 'runs': []}", "'runs' must list 1 to 100 values"),
    ("{'value': 1, 'runs': [1, -2, 3]}", "printed -2 in its runs, which is not a possible positive value"),
    ("{'value': 1, 'runs': [1, None]}", "with a missing value"),
    ("{'value': 1, 'runs': [1, 2], 'method': 'analytic: x'}", "an exact answer has no runs"),
])
def test_bad_runs_are_one_line_and_store_nothing(exdir, collection, printed, words):
    _py_exercise(exdir, program=(
        f"import json\nprint(json.dumps({printed}))\n"))
    col = collection()
    col.sync()
    with pytest.raises(runner.ExerciseError, match=words):
        col.measure(col.exercise("ex.t.py"))
    assert col.store.latest_measurement("ex.t.py") is None
    col.close()


def test_a_cpu_only_torch_does_not_count_as_a_gpu_path(exdir, fake_gpus, collection, monkeypatch, tmp_path):
    import importlib.machinery
    import importlib.util

    fake = tmp_path / "site" / "torch"
    (fake / "lib").mkdir(parents=True)
    (fake / "__init__.py").write_text("")
    (fake / "lib" / "libtorch_cpu.so").write_text("")
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: importlib.machinery.ModuleSpec(
        "torch", None, origin=str(fake / "__init__.py")) if name == "torch" else real_find_spec(name, *a))
    _py_exercise(exdir, "opt", "  gpu: optional\n  gpu_requires: [torch]")
    col = collection()
    col.sync()
    ex = col.exercise("ex.t.opt")
    fake_gpus("NVIDIA H100 80GB HBM3")
    assert not runner.gpu_path_ready(ex)  # the CPU build would answer analytically anyway
    (fake / "lib" / "libtorch_cuda.so").write_text("")
    assert runner.gpu_path_ready(ex)
    col.close()
