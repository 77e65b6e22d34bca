"""Using exercises outside a study session: list, show, run from a script, calibration."""

from __future__ import annotations

import json
import math
import statistics
from recall import curriculum, machine, render, runner
from recall.collection import Collection
from recall.env import Env
from recall.grading import show_value
from recall.scheduling import Rating, answer
from recall.session import judge_prediction
from recall.storage import StoredCard


def listing(col: Collection, module: str | None = None) -> list[dict]:
    """Every exercise with what it needs and whether it can run on this machine."""
    exercises = [c for c in col.store.live_cards([module] if module else None) if c.type == "exercise"]
    order = {m.id: m.position for m in curriculum.MODULES}
    exercises.sort(key=lambda c: (order[c.module], c.submodule, c.id))
    mkey = machine.key()
    rows = []
    for ex in exercises:
        needs = runner.needs(ex)
        why_not = runner.why_not_runnable(ex, col.trusted_roots())
        last = col.store.latest_measurement(ex.id, mkey)
        scale = 100 if ex.content["predict"]["kind"] == "fraction" else 1
        rows.append({
            "id": ex.id, "module": ex.module, "submodule": ex.submodule, "title": ex.content["title"],
            "kind": ex.content["predict"]["kind"], "unit": ex.content["predict"]["unit"], "needs": needs,
            "can_run": why_not is None, "why_not": why_not,
            "on_gpu": why_not is None and runner.gpu_path_ready(ex),  # will measure on this machine's GPU
            "last_value": None if last is None else last["value"] * scale,
            "last_method": None if last is None else last["method"],
        })
    return rows


def show(col: Collection, exercise_id: str) -> str:
    ex = col.exercise(exercise_id)
    src = runner.program_path(ex)
    code = src.read_text() if src.is_file() else f"(missing: {src})"
    m = ex.content["measure"]
    flags = " ".join(runner.BASE_FLAGS + list(m.get("cflags") or []))
    return "\n".join([
        f"{ex.id}: {ex.content['title']}  ({ex.module}/{ex.submodule})", "",
        render.plain(render.front(ex)), "",
        f"--- {src} (cc {flags}; run as: {src.stem} {' '.join(m.get('args') or [])}) ---", code,
    ])


def run_scripted(col: Collection, ex: StoredCard, predict: str, interval: list[str] | None, *,
                 remeasure: bool = False, progress=None) -> dict:
    """Answer an exercise without a prompt: measure, grade, record the suggested rating."""
    text = predict + (" " + " ".join(interval) if interval else "")
    state = col.store.get_item_state(ex.id)
    started = col.env.monotonic()
    verdict, m, logged = judge_prediction(ex, text, lambda card: col.measure(card, remeasure=remeasure,
                                                                             progress=progress))
    state = col.store.get_item_state(ex.id)  # measuring took a while: answer on what is stored now
    new_state, log = answer(state, verdict.suggested, col.env.now(), config=col.config,
                            duration_ms=int((col.env.monotonic() - started) * 1000), mode="exercise",
                            response=logged)
    col.store.record_answer(log, new_state)
    scale = 100 if ex.content["predict"]["kind"] == "fraction" else 1
    response = json.loads(logged)
    return {
        "id": ex.id, "predicted": response["predicted"] * scale,
        "unit": ex.content["predict"]["unit"],
        "measurement": {"value": m.value * scale, "runs": [r * scale for r in m.runs], "min": m.low * scale,
                        "max": m.high * scale, "cv": round(m.cv, 4), "method": m.method, "machine": m.machine,
                        "counters_error": m.counters_error, "cached": m.cached, "seconds": round(m.seconds, 2)},
        "error": verdict.detail, "interval_hit": response["interval_hit"],
        "rating": Rating(verdict.suggested).label, "next_due": new_state.due.isoformat(),
    }


def describe_result(r: dict) -> str:
    m = r["measurement"]
    lines = [f"{r['id']}: predicted {r['predicted']} {r['unit']}, measured {show_value(m['value'])} {r['unit']} "
             f"(runs {show_value(m['min'])}–{show_value(m['max'])}, CV {m['cv']:.1%}) [{m['method']}]",
             f"{r['error']}" + ("" if r["interval_hit"] is None else
                                f"; the measurement was {'inside' if r['interval_hit'] else 'outside'} your interval"),
             f"rated {r['rating']}; next due {r['next_due'][:10]}"]
    return "\n".join(lines)


def stderr_progress(env: Env):
    def progress(done: int, total: int, what: str) -> None:
        bar = "#" * done + "." * (total - done)
        end = "\n" if done >= total else ""
        print(f"\rmeasuring [{bar}] {what:<16}", end=end, file=env.stderr, flush=True)
    return progress


def calibration(col: Collection) -> dict:
    """Per module: how far predictions were, first half against second half, and interval hits."""
    cards = {c.id: c for c in col.store.live_cards() if c.type == "exercise"}
    per_module: dict[str, list[dict]] = {}
    for item_id, at, rating, response, _ in col.store.exercise_answers():
        if not response or item_id not in cards:
            continue
        data = json.loads(response)
        data["at"] = at.isoformat()
        per_module.setdefault(cards[item_id].module, []).append(data)
    out = {}
    for module, answers in per_module.items():
        def typical(group: list[dict]) -> dict:
            positive = [a["error"] for a in group if a["kind"] == "positive" and math.isfinite(a["error"])]
            fraction = [a["error"] for a in group if a["kind"] == "fraction"]
            return {"answers": len(group),
                    "typical_factor_off": round(10 ** statistics.median(positive), 2) if positive else None,
                    "typical_points_off": round(statistics.median(fraction), 1) if fraction else None}

        half = len(answers) // 2
        with_interval = [a for a in answers if a.get("interval_hit") is not None]
        out[module] = {
            "all": typical(answers),
            "earlier": typical(answers[:half]) if half else None,
            "recent": typical(answers[half:]) if half else None,
            "intervals": len(with_interval),
            "interval_hit_rate": (round(sum(a["interval_hit"] for a in with_interval) / len(with_interval), 2)
                                  if with_interval else None),
        }
    return out


def describe_calibration(module: str, r: dict) -> str:
    def fmt(t: dict | None) -> str:
        if not t:
            return "-"
        parts = []
        if t["typical_factor_off"] is not None:
            parts.append(f"{t['typical_factor_off']:g}× off")
        if t["typical_points_off"] is not None:
            parts.append(f"{t['typical_points_off']:g} points off")
        return f"{' / '.join(parts) or '-'} over {t['answers']}"

    hits = ("no intervals given" if r["interval_hit_rate"] is None else
            f"{r['interval_hit_rate']:.0%} of {r['intervals']} intervals held the measurement (90% is calibrated)")
    return (f"{module}: typically {fmt(r['all'])}; earlier {fmt(r['earlier'])}, recently {fmt(r['recent'])}; "
            f"{hits}")

