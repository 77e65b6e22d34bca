"""Exercise files: predict-then-measure questions, parsed and validated like decks.

An exercise lives at ``<root>/<module-id>/<slug>.yaml`` and names a program under
``native/<module-id>/`` beside that root. Parsed exercises become cards of type
``exercise``, so they are synced, scheduled and logged exactly like cards; their review
item id is the exercise id.
"""

from __future__ import annotations

import yaml

from pathlib import Path

from recall import curriculum
from recall.decks import (ID_RE, Card, ParseResult, load_yaml, node_mapping, node_number, node_scalar, node_text)

KINDS = ("positive", "fraction", "count")
TOP_KEYS = {"id", "submodule", "title", "question", "predict", "measure", "explanation", "concepts", "thresholds",
            "tags", "source"}
REQUIRED = {"id", "submodule", "title", "question", "predict", "measure", "explanation", "concepts"}
PREDICT_KEYS = {"quantity", "unit", "kind"}
MEASURE_KEYS = {"program", "args", "cflags", "timeout", "simulate", "requires", "gpu", "gpu_requires"}
# gpu: required = measures only on an NVIDIA GPU (elsewhere it cannot run); optional = measures on
# one when present, with gpu_requires installed, and otherwise the program answers analytically
# (or with Triton's CPU interpreter) and says so in its method.
GPU_MODES = ("required", "optional")
THRESHOLD_KEYS = {"easy", "good", "hard"}
EXERCISE_POSITION = 10_000  # after the submodule's cards in the learning order


def parse_file(path: Path, root: Path, text: str | None = None) -> ParseResult:
    result = ParseResult()
    loaded = load_yaml(path, text, result)
    if loaded is None:
        return result
    doc, problem = loaded
    rel = path.resolve().relative_to(root.resolve()) if path.resolve().is_relative_to(root.resolve()) else None
    module = curriculum.MODULES_BY_ID.get(rel.parts[0]) if rel is not None and len(rel.parts) == 2 else None
    if module is None:
        problem(None, "an exercise must be <module-id>/<name>.yaml inside an exercises directory")
        return result
    if not isinstance(doc, yaml.MappingNode):
        problem(doc, "an exercise must be a mapping with id, submodule, title, question, predict, measure, "
                     "explanation and concepts")
        return result
    errors_before = len(result.problems)
    top = node_mapping(doc, problem)
    _check_keys(doc, top, TOP_KEYS, REQUIRED, "exercise", problem)

    def text(key: str) -> str | None:
        return node_text(top[key][1], key, problem) if key in top else None

    eid = node_text(top["id"][1], "id", problem) if "id" in top else None
    if eid is not None and not ID_RE.match(eid):
        problem(top["id"][1], f"id {eid!r} must be lowercase letters, digits, '.', '_' or '-'")
    submodule = text("submodule")
    if submodule and module.submodules and submodule not in {s.id for s in module.submodules}:
        problem(top["submodule"][1], f"{module.id} has no submodule {submodule!r}; its submodules are: "
                                     + ", ".join(s.id for s in module.submodules))
    content = {"title": text("title"), "question": text("question"), "explanation": text("explanation"),
               "predict": _predict(top.get("predict"), problem), "measure": _measure(top.get("measure"), problem),
               "concepts": _id_list(top.get("concepts"), "concepts", problem)}
    if "thresholds" in top:
        content["thresholds"] = _thresholds(top["thresholds"][1], problem)
        kind = (content["predict"] or {}).get("kind")
        if kind == "positive" and any(isinstance(v, (int, float)) and v < 1
                                      for v in (content["thresholds"] or {}).values()):
            problem(top["thresholds"][1], "a positive quantity is graded by how many times off it is: "
                                          "thresholds must be factors of at least 1 (e.g. easy: 1.5)")
    tags: tuple[str, ...] = ()
    if "tags" in top:
        tags = tuple(_id_list(top["tags"], "tags", problem) or ())
    source = text("source")
    if len(result.problems) > errors_before or eid is None:
        return result
    result.cards.append(Card(id=eid, type="exercise", module=module.id, submodule=submodule, path=str(path.resolve()),
                             line=doc.start_mark.line + 1, position=EXERCISE_POSITION, content=content, tags=tags,
                             source=source))
    return result


def _sub(pair, name: str, allowed: set[str], required: set[str], problem) -> dict | None:
    if pair is None:
        return None
    knode, node = pair
    if not isinstance(node, yaml.MappingNode):
        problem(node, f"'{name}' must be a mapping with {', '.join(sorted(required))}")
        return None
    fields = node_mapping(node, problem)
    _check_keys(node, fields, allowed, required, name, problem, where=f" in {name}")
    return fields


def _check_keys(node, fields: dict, allowed: set[str], required: set[str], name: str, problem,
                where: str = "") -> None:
    """A problem for each key not allowed (at the key) and each required key missing."""
    for key, (k, _) in fields.items():
        if key not in allowed:
            problem(k, f"unknown key {key!r}{where} (allowed: {', '.join(sorted(allowed))})")
    for key in sorted(required - fields.keys()):
        problem(node, f"{name} is missing {key!r}")


def _predict(pair, problem) -> dict | None:
    fields = _sub(pair, "predict", PREDICT_KEYS, PREDICT_KEYS, problem)
    if not fields:
        return None
    out = {k: node_text(v, k, problem) for k, (_, v) in fields.items()}
    if out.get("kind") and out["kind"] not in KINDS:
        problem(fields["kind"][1], f"unknown kind {out['kind']!r}; use one of: {', '.join(KINDS)}")
    return out


def _measure(pair, problem) -> dict | None:
    fields = _sub(pair, "measure", MEASURE_KEYS, {"program"}, problem)
    if not fields:
        return None
    out: dict = {"program": node_text(fields["program"][1], "program", problem) if "program" in fields else None}
    for key in ("args", "cflags", "requires", "gpu_requires"):
        if key in fields:
            node = fields[key][1]
            if not isinstance(node, yaml.SequenceNode):
                problem(node, f"'{key}' must be a list of strings")
            else:
                out[key] = [node_text(n, key, problem, allow_numbers=True) for n in node.value]
    if "timeout" in fields:
        value = node_number(fields["timeout"][1], "timeout", problem)
        if value is not None and value <= 0:
            problem(fields["timeout"][1], "'timeout' must be more than 0 seconds")
        out["timeout"] = value
    if "gpu" in fields:
        out["gpu"] = node_text(fields["gpu"][1], "gpu", problem)
        if out["gpu"] is not None and out["gpu"] not in GPU_MODES:  # None: node_text said why
            problem(fields["gpu"][1], f"unknown gpu mode {out['gpu']!r}; use one of: {', '.join(GPU_MODES)}")
    elif "gpu_requires" in fields:
        problem(fields["gpu_requires"][1], "'gpu_requires' needs 'gpu: required' or 'gpu: optional'")
    if "simulate" in fields:
        node = fields["simulate"][1]
        if not isinstance(node, yaml.MappingNode):
            problem(node, "'simulate' must be a mapping such as {pattern: strided, array_bytes: ..., stride: ...}")
        else:
            sim = {k: node_scalar(v) for k, (_, v) in node_mapping(node, problem).items()}
            if "pattern" not in sim:
                problem(node, "'simulate' needs a 'pattern'")
            out["simulate"] = sim
    program = out.get("program")
    if program and ("/" in program or not program.endswith((".c", ".py"))):
        problem(fields["program"][1], "'program' must be a .c or .py file name in native/<module-id>/")
    return out


def _thresholds(node, problem) -> dict | None:
    if not isinstance(node, yaml.MappingNode):
        problem(node, "'thresholds' must be a mapping of easy, good, hard")
        return None
    fields = node_mapping(node, problem)
    out = {}
    for key, (k, v) in fields.items():
        if key not in THRESHOLD_KEYS:
            problem(k, f"unknown threshold {key!r} (allowed: easy, good, hard)")
        else:
            out[key] = node_number(v, key, problem)
    if all(isinstance(out.get(k), (int, float)) for k in ("easy", "good", "hard")) and \
            not out["easy"] <= out["good"] <= out["hard"]:
        problem(node, "thresholds must grow: easy <= good <= hard")
    return out


def _id_list(pair, name: str, problem) -> list[str] | None:
    if pair is None:
        return None
    node = pair[1]
    if not isinstance(node, yaml.SequenceNode):
        problem(node, f"'{name}' must be a list")
        return None
    return [t for t in (node_text(n, name, problem) for n in node.value) if t is not None]


def check_concepts(exercises: list[Card], card_ids: set[str]):
    """Problems for concepts that name no card."""
    from recall.decks import Problem

    problems = []
    for ex in exercises:
        missing = [c for c in ex.content.get("concepts") or [] if c not in card_ids]
        if missing:
            problems.append(Problem(ex.path, ex.line, 1, f"concepts name no card: {', '.join(missing)}"))
    return problems
