"""The L1D simulator: exact expectations on small cases, then agreement with cachegrind."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections import OrderedDict
from pathlib import Path

import numpy as np
import pytest

from recall import cachesim
from recall.cachesim import Geometry, simulate, simulate_pattern

G48 = Geometry(49152, 12, 64)  # fixed geometries, whatever this machine has
SMALL = Geometry(32768, 8, 64)
TINY = Geometry(8192, 2, 32)
C_DIR = Path(__file__).parent / "cachesim_c"


def gid(g: Geometry) -> str:
    size = f"{g.size_bytes // 1024}KiB" if g.size_bytes % 1024 == 0 else f"{g.size_bytes}B"
    return f"{size}-{g.ways}way-{g.line_bytes}B"


# --- geometry and sysfs --------------------------------------------------------------------

def test_geometry_sets_and_describe():
    assert G48.sets == 64 and SMALL.sets == 64 and Geometry(2 << 20, 16, 64).sets == 2048
    assert G48.describe() == "48 KiB, 12-way, 64-byte lines"
    assert Geometry(2 << 20, 16, 64).describe() == "2 MiB, 16-way, 64-byte lines"
    assert Geometry(96, 3, 32).describe() == "96 bytes, 3-way, 32-byte lines"
    for bad in ((49152, 0, 64), (49152, 12, 48 * 1024), (1000, 2, 64), (49152, True, 64)):
        with pytest.raises(ValueError):
            Geometry(*bad)


def fake_cache(root: Path, index: int, **files) -> None:
    d = root / f"index{index}"
    d.mkdir(parents=True)
    for name, value in files.items():
        (d / name).write_text(f"{value}\n")


def test_l1d_geometry_from_a_fake_sysfs_tree(tmp_path):
    fake_cache(tmp_path, 0, level=1, type="Data", size="48K", ways_of_associativity=12, coherency_line_size=64)
    fake_cache(tmp_path, 1, level=1, type="Instruction", size="32K", ways_of_associativity=8,
               coherency_line_size=64)
    fake_cache(tmp_path, 2, level=2, type="Unified", size="2048K", ways_of_associativity=16,
               coherency_line_size=64)
    (tmp_path / "uevent").write_text("")
    assert cachesim.l1d_geometry(tmp_path) == Geometry(49152, 12, 64)
    assert cachesim.l1d_geometry(str(tmp_path)) == Geometry(49152, 12, 64)


def test_l1d_geometry_picks_data_whatever_the_index_order(tmp_path):
    fake_cache(tmp_path, 0, level=1, type="Instruction", size="64K", ways_of_associativity=4,
               coherency_line_size=64)
    fake_cache(tmp_path, 1, level=2, type="Unified", size="1M", ways_of_associativity=8, coherency_line_size=64)
    fake_cache(tmp_path, 2, level=1, type="Data", size="32K", ways_of_associativity=8, coherency_line_size=64)
    assert cachesim.l1d_geometry(tmp_path) == SMALL


def test_l1d_geometry_ways_from_number_of_sets_when_sysfs_says_zero(tmp_path):
    fake_cache(tmp_path, 0, level=1, type="Data", size="64K", ways_of_associativity=0, number_of_sets=256,
               coherency_line_size=64)
    assert cachesim.l1d_geometry(tmp_path) == Geometry(65536, 4, 64)


def test_l1d_geometry_unified_l1_when_not_split(tmp_path):
    fake_cache(tmp_path, 0, level=1, type="Unified", size="16K", ways_of_associativity=4, coherency_line_size=32)
    assert cachesim.l1d_geometry(tmp_path) == Geometry(16384, 4, 32)


@pytest.mark.parametrize("files", [
    {},  # nothing there
    {"level": 2, "type": "Unified", "size": "1M", "ways_of_associativity": 8, "coherency_line_size": 64},
    {"level": 1, "type": "Data", "size": "", "ways_of_associativity": 8, "coherency_line_size": 64},
    {"level": 1, "type": "Data", "size": "lots", "ways_of_associativity": 8, "coherency_line_size": 64},
    {"level": 1, "type": "Data", "size": "32K", "ways_of_associativity": 0, "coherency_line_size": 64},
    {"level": 1, "type": "Data", "size": "32K", "ways_of_associativity": 7, "coherency_line_size": 64},
    {"level": 1, "type": "Data", "size": "32K", "ways_of_associativity": 8},
])
def test_l1d_geometry_none_where_sysfs_does_not_say(tmp_path, files):
    if files:
        fake_cache(tmp_path, 0, **files)
    assert cachesim.l1d_geometry(tmp_path) is None
    assert cachesim.l1d_geometry(tmp_path / "missing") is None


def test_parse_size():
    assert [cachesim.parse_size(s) for s in ("48K", "2048K", "1M", "1G", "64", "32 KiB", "32KB", 4096)] == \
        [49152, 2 << 20, 1 << 20, 1 << 30, 64, 32768, 32768, 4096]
    assert [cachesim.parse_size(s) for s in ("", "K", "1.5K", "-1", True, 1.5)] == [None] * 6


def test_this_machines_l1d_if_sysfs_has_one():
    g = cachesim.l1d_geometry()
    if g is None:
        pytest.skip("this machine's sysfs does not describe an L1 data cache")
    assert g.sets * g.ways * g.line_bytes == g.size_bytes


# --- the simulator, exactly ----------------------------------------------------------------

@pytest.mark.parametrize("g", [G48, SMALL, Geometry(4096, 2, 32)], ids=gid)
def test_stride_of_one_line_over_four_caches_misses_every_load(g):
    n, m = simulate(cachesim.strided(4 * g.size_bytes, g.line_bytes), g)
    assert n == m == 4 * g.size_bytes // g.line_bytes


@pytest.mark.parametrize("g", [G48, SMALL], ids=gid)
def test_stride_of_8_bytes_misses_one_load_in_8(g):
    n, m = simulate(cachesim.strided(4 * g.size_bytes, 8), g)
    assert n == 4 * g.size_bytes // 8 and m * 8 == n


@pytest.mark.parametrize("fraction", [0.5, 1.0])
@pytest.mark.parametrize("g", [G48, SMALL], ids=gid)
def test_an_array_that_fits_misses_only_on_the_first_pass(g, fraction):
    size = int(g.size_bytes * fraction)
    first_n, first_m = simulate(cachesim.strided(size, 8), g)
    n, m = simulate(cachesim.strided(size, 8, passes=2), g)
    assert (n, m) == (2 * first_n, first_m) and first_m == size // g.line_bytes
    # Half the loads are the second pass, so the ratio halves: 1/16.
    assert m / n == 0.5 * first_m / first_n == 1 / 16


@pytest.mark.parametrize("g", [G48, SMALL, Geometry(4096, 2, 32)], ids=gid)
def test_lru_ways_plus_one_lines_in_one_set_all_miss_ways_lines_only_cold(g):
    one_set = g.sets * g.line_bytes  # addresses this far apart share a set
    too_many = np.tile(np.arange(g.ways + 1) * one_set + 7, 10)
    assert simulate(too_many, g) == (10 * (g.ways + 1), 10 * (g.ways + 1))
    just_fits = np.tile(np.arange(g.ways) * one_set + 7, 10)
    assert simulate(just_fits, g) == (10 * g.ways, g.ways)


def test_lru_evicts_the_least_recently_used_not_the_first_in():
    g = Geometry(2 * 64, 2, 64)  # one set, two ways
    a, b, c = 0, 64, 128
    # LRU keeps A (used again after B) and evicts B for C: misses A, B, C only.
    # FIFO would evict A for C and miss A again.
    assert simulate([a, b, a, c, a, b], g) == (6, 4)  # the last B was evicted by C


def test_offsets_within_a_line_are_one_line_and_sets_are_independent():
    g = Geometry(4 * 64, 1, 64)  # four sets, direct-mapped
    assert simulate([0, 63, 1, 64, 127, 128, 191, 192, 255], g) == (9, 4)
    assert simulate([0, 256, 0, 256], g) == (4, 4)  # same set, one way: ping-pong
    assert simulate([0, 64, 0, 64], g) == (4, 2)  # different sets
    assert simulate([], g) == (0, 0)
    with pytest.raises(ValueError):
        simulate([-64], g)


def reference_lru(addresses, g: Geometry) -> int:
    """An independent, obviously-correct LRU: an ordered dict per set."""
    sets = [OrderedDict() for _ in range(g.sets)]
    misses = 0
    for a in addresses:
        line = int(a) // g.line_bytes
        s = sets[line % g.sets]
        if line in s:
            s.move_to_end(line)
        else:
            misses += 1
            s[line] = True
            if len(s) > g.ways:
                s.popitem(last=False)
    return misses


@pytest.mark.parametrize("g", [Geometry(4096, 4, 64), Geometry(1024, 1, 32), Geometry(8192, 16, 64),
                               Geometry(3 * 64 * 5, 3, 64)], ids=gid)
def test_matches_a_reference_lru_on_random_loads(g):
    rng = np.random.default_rng(7)
    # A skewed mix of reuse and new lines, so both hits and misses are common.
    addrs = np.concatenate([rng.integers(0, 4 * g.size_bytes, 3000), rng.integers(0, g.size_bytes // 2, 3000)])
    rng.shuffle(addrs)
    assert simulate(addrs, g) == (6000, reference_lru(addrs, g))
    # The compiled kernel and the plain Python it is compiled from agree too.
    tags = cachesim._empty_tags(g)
    assert cachesim._lru_replay(addrs // g.line_bytes, tags) == reference_lru(addrs, g)


# --- patterns ------------------------------------------------------------------------------

def test_pattern_generators():
    assert cachesim.strided(256, 64).tolist() == [0, 64, 128, 192]
    assert cachesim.strided(200, 64, passes=2, base=1024).tolist() == [1024, 1088, 1152, 1216] * 2
    assert cachesim.row_major(2, 3, 8).tolist() == [0, 8, 16, 24, 32, 40]
    assert cachesim.column_major(2, 3, 8).tolist() == [0, 24, 8, 32, 16, 40]
    assert cachesim.column_major(2, 3, 8, passes=2, base=8).tolist() == [8, 32, 16, 40, 24, 48] * 2
    for arr in (cachesim.strided(256, 64), cachesim.row_major(2, 3, 8), cachesim.pointer_chase(1024)):
        assert arr.dtype == np.int64
    with pytest.raises(ValueError):
        cachesim.strided(0, 64)
    with pytest.raises(ValueError):
        cachesim.strided(1 << 40, 1)  # far more than MAX_ACCESSES, refused before any memory is taken


def test_sattolo_cycle_is_one_cycle_through_every_node():
    for n in (1, 2, 3, 1000):
        nxt = cachesim.sattolo_cycle(n, seed=3)
        assert sorted(nxt.tolist()) == list(range(n))
        seen, node = set(), 0
        for _ in range(n):
            seen.add(node)
            node = int(nxt[node])
        assert node == 0 and len(seen) == n
    assert (cachesim.sattolo_cycle(1000, 1) == cachesim.sattolo_cycle(1000, 1)).all()
    assert (cachesim.sattolo_cycle(1000, 1) != cachesim.sattolo_cycle(1000, 2)).any()


def test_pointer_chase_follows_the_cycle_from_node_zero():
    nxt = cachesim.sattolo_cycle(64, seed=5)
    addrs = cachesim.pointer_chase(64 * 16, node_bytes=16, loads=150, seed=5, base=4096)
    node = 0
    for a in addrs.tolist():
        assert a == 4096 + 16 * node
        node = int(nxt[node])
    assert len(cachesim.pointer_chase(64 * 16, node_bytes=16, seed=5)) == 4 * 64  # four laps by default
    # A chase over a working set that fits misses once per line; one twice the cache misses
    # every load: each set's lines come round in the same order every lap, more than it holds.
    assert simulate(cachesim.pointer_chase(SMALL.size_bytes // 2, node_bytes=16), SMALL) == (4 * 1024, 256)
    assert simulate(cachesim.pointer_chase(2 * SMALL.size_bytes), SMALL) == (4 * 1024, 4 * 1024)


def test_simulate_pattern_example_from_an_exercise():
    out = simulate_pattern({"pattern": "strided", "array_bytes": 67108864, "stride": 64, "passes": 2}, G48)
    assert out == {"value": 1.0, "accesses": 2 * (1 << 20), "misses": 2 * (1 << 20),
                   "geometry": "48 KiB, 12-way, 64-byte lines"}
    out = simulate_pattern({"pattern": "strided", "array_bytes": "64M", "stride": 4, "passes": 3}, G48)
    assert out["value"] == 1 / 16 and out["accesses"] == 3 * (16 << 20)
    assert simulate_pattern({"pattern": "row_major", "rows": 1024, "cols": 1024, "elem": 8}, G48)["value"] == 1 / 8
    assert simulate_pattern({"pattern": "column_major", "rows": 1024, "cols": 1024, "elem": 8}, G48)["value"] == 1
    assert simulate_pattern({"pattern": "pointer_chase", "working_set_bytes": "32K", "loads": 10 * 512},
                            G48) == {"value": 0.1, "accesses": 5120, "misses": 512,
                                      "geometry": "48 KiB, 12-way, 64-byte lines"}


@pytest.mark.parametrize("spec, direct", [
    # Near the cache's size, where the later passes are neither all hits nor all misses.
    ({"pattern": "strided", "array_bytes": 36 * 1024, "stride": 24, "passes": 5},
     lambda: cachesim.strided(36 * 1024, 24, passes=5)),
    ({"pattern": "strided", "array_bytes": 33 * 1024 + 8, "stride": 8, "passes": 2},
     lambda: cachesim.strided(33 * 1024 + 8, 8, passes=2)),
    ({"pattern": "column_major", "rows": 300, "cols": 65, "elem": 8, "passes": 3},
     lambda: cachesim.column_major(300, 65, 8, passes=3)),
    ({"pattern": "pointer_chase", "working_set_bytes": 40 * 1024, "node_bytes": 32, "loads": 3 * 1280 + 37,
      "seed": 9}, lambda: cachesim.pointer_chase(40 * 1024, 32, 3 * 1280 + 37, seed=9)),
    ({"pattern": "pointer_chase", "working_set_bytes": 40 * 1024, "loads": 2 * 640 + 1},
     lambda: cachesim.pointer_chase(40 * 1024, 64, 2 * 640 + 1)),
    ({"pattern": "pointer_chase", "working_set_bytes": 40 * 1024, "loads": 100},
     lambda: cachesim.pointer_chase(40 * 1024, 64, 100)),
], ids=["strided-5-passes", "strided-2-passes", "columns-3-passes", "chase-3-laps-and-a-bit",
        "chase-2-laps-and-1", "chase-part-lap"])
@pytest.mark.parametrize("chunk", [1 << 20, 1000])
def test_two_periods_and_arithmetic_equal_replaying_everything(spec, direct, chunk, monkeypatch):
    monkeypatch.setattr(cachesim, "_CHUNK", chunk)
    out = simulate_pattern(spec, SMALL)
    assert (out["accesses"], out["misses"]) == simulate(direct(), SMALL)
    assert 0 < out["misses"] < out["accesses"] or spec["pattern"] == "pointer_chase"


@pytest.mark.parametrize("spec, message", [
    ({"pattern": "zigzag"}, "unknown simulate pattern 'zigzag'; use one of: strided, pointer_chase, row_major, "
                            "column_major"),
    ({"array_bytes": 64}, "unknown simulate pattern None"),
    ({"pattern": "strided", "array_bytes": 4096}, "simulate pattern 'strided' needs stride"),
    ({"pattern": "strided", "array_bytes": 4096, "stride": 8, "pases": 2}, "simulate pattern 'strided' has no pases"),
    ({"pattern": "strided", "array_bytes": 4096, "stride": 0}, "stride must be a whole number of at least 1"),
    ({"pattern": "strided", "array_bytes": "lots", "stride": 8}, "array_bytes must be a whole number"),
    ({"pattern": "pointer_chase", "working_set_bytes": 32, "node_bytes": 64}, "no room for a 64-byte node"),
    ({"pattern": "strided", "array_bytes": 1 << 40, "stride": 1}, "the simulator replays at most"),
    (["strided"], "a simulate spec is a mapping"),
])
def test_simulate_pattern_refuses_with_one_line(spec, message):
    with pytest.raises(ValueError) as err:
        simulate_pattern(spec, G48)
    assert message in str(err.value) and "\n" not in str(err.value)


def test_importing_cachesim_imports_neither_numpy_nor_numba():
    code = ("import sys, json, recall.cachesim as c; c.Geometry(32768, 8, 64).describe(); "
            "print(json.dumps(sorted(m for m in ('numpy', 'numba') if m in sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == []


# --- against cachegrind --------------------------------------------------------------------
# tests/cachesim_c/patterns.c makes each pattern's loads, one per access, on lines marked
# PATTERN, over a 64 KiB-aligned array after flushing D1. Built with -g, cachegrind counts per
# source line, so only those loads are compared (not set-up, not the return's load from the
# stack), and their number must be exactly the simulator's access count.

def _strided_case(array_bytes, stride, passes):
    spec = {"pattern": "strided", "array_bytes": array_bytes, "stride": stride, "passes": passes}
    return spec, lambda tmp: ["strided", array_bytes, stride, passes]


def _matrix_case(order, rows, cols, elem):
    spec = {"pattern": f"{order}_major", "rows": rows, "cols": cols, "elem": elem}
    return spec, lambda tmp: [{"row": "rows", "column": "cols"}[order], rows, cols, elem]


def _chase_case(working_set, node, laps, seed):
    nodes = working_set // node
    spec = {"pattern": "pointer_chase", "working_set_bytes": working_set, "node_bytes": node,
            "loads": laps * nodes, "seed": seed}

    def argv(tmp):
        path = tmp / f"chase-{working_set}-{node}-{seed}.bin"
        cachesim.sattolo_cycle(nodes, seed).astype("<i8").tofile(path)
        return ["chase", node, laps * nodes, path]
    return spec, argv


CASES = {
    "strided-4B": _strided_case(512 * 1024, 4, 2),
    "strided-16B": _strided_case(512 * 1024, 16, 2),
    "strided-64B": _strided_case(512 * 1024, 64, 2),
    "strided-128B": _strided_case(512 * 1024, 128, 2),
    "strided-8B-40KiB-4-passes": _strided_case(40 * 1024, 8, 4),  # fits 48 KiB, not 32 KiB
    "row-major-600x520x8": _matrix_case("row", 600, 520, 8),
    "column-major-600x520x8": _matrix_case("column", 600, 520, 8),  # ~9.4 lines a set per column
    "column-major-256x512x8": _matrix_case("column", 256, 512, 8),  # 4 KiB rows: one set per column
    "chase-64KiB": _chase_case(64 * 1024, 64, 8, seed=1),
    "chase-1MiB": _chase_case(1 << 20, 64, 2, seed=2),
    "chase-64KiB-16B-nodes": _chase_case(64 * 1024, 16, 4, seed=3),
    "chase-40KiB": _chase_case(40 * 1024, 64, 8, seed=4),
}


def _cachegrind_geometries():
    host = cachesim.l1d_geometry()
    out = [pytest.param(host, id="this-machine's-L1D")]
    if host is None or host.sets & (host.sets - 1):
        out = [pytest.param(host, id="this-machine's-L1D",
                            marks=pytest.mark.skip(reason="no L1D in sysfs, or one cachegrind cannot model"))]
    out += [pytest.param(g, id=name) for g, name in ((SMALL, "32KiB-8way-64B"), (TINY, "8KiB-2way-32B"))
            if g != host]
    return out


@pytest.fixture(scope="module")
def pattern_program(tmp_path_factory):
    if shutil.which("valgrind") is None or shutil.which("cg_annotate") is None:
        pytest.skip("valgrind (cachegrind) is not installed")
    cc = shutil.which("gcc") or shutil.which("cc")
    if cc is None:
        pytest.skip("no C compiler")
    out = tmp_path_factory.mktemp("cachesim_c")
    subprocess.run([cc, "-O1", "-g", "-Wall", "-o", out / "patterns", C_DIR / "patterns.c"], check=True, timeout=60)
    return out / "patterns"


PATTERN_LINES = {n for n, text in enumerate((C_DIR / "patterns.c").read_text().splitlines(), 1)
                 if "/* PATTERN */" in text}


def cachegrind_pattern_loads(program: Path, argv: list, g: Geometry, tmp: Path) -> tuple[int, int]:
    """(Dr, D1mr) on patterns.c's PATTERN lines in one run under cachegrind with *g* as its D1."""
    out = tmp / "cachegrind.out"
    done = subprocess.run(
        ["valgrind", "--tool=cachegrind", "--cache-sim=yes", "--I1=32768,8,64",
         f"--D1={g.size_bytes},{g.ways},{g.line_bytes}", "--LL=8388608,16,64",
         f"--cachegrind-out-file={out}", str(program), *map(str, argv)],
        capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    events, ours, dr, d1mr = None, False, 0, 0
    for line in out.read_text().splitlines():
        if line.startswith("events:"):
            events = line.split()[1:]
        elif line.startswith("fl="):
            ours = line.endswith("patterns.c")
        elif ours and line[:1].isdigit():
            number, *counts = map(int, line.split())
            if number in PATTERN_LINES:
                counts = dict(zip(events, counts))
                dr += counts.get("Dr", 0)
                d1mr += counts.get("D1mr", 0)
    assert dr, "cachegrind counted no loads on patterns.c's PATTERN lines (built without -g?)"
    return dr, d1mr


@pytest.mark.parametrize("g", _cachegrind_geometries())
@pytest.mark.parametrize("case", list(CASES))
def test_agrees_with_cachegrind(case, g, pattern_program, tmp_path):
    spec, argv = CASES[case]
    sim = simulate_pattern(spec, g)
    dr, d1mr = cachegrind_pattern_loads(pattern_program, argv(tmp_path), g, tmp_path)
    print(f"{case} [{g.describe()}]: simulated {sim['misses']}/{sim['accesses']} = {sim['value']:.4f}, "
          f"cachegrind {d1mr}/{dr} = {d1mr / dr:.4f}")
    assert dr == sim["accesses"]  # the C program makes exactly the pattern's loads
    assert abs(sim["value"] - d1mr / dr) <= 0.02
