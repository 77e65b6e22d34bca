"""L1 data-cache simulation, the fallback when hardware counters are out of reach.

A predict-then-measure exercise asks for the L1D miss ratio of an access pattern. On a VM or
in a container the counters are usually missing, so recall replays the pattern through a
set-associative cache with true LRU replacement, shaped like this machine's L1D as sysfs
describes it, and labels the answer "simulated" with the geometry it used.

The model: every address is one load that touches one line (no access straddles a line);
reads only, so write policy does not matter; a line maps to set ``(address // line) % sets``
and the cache starts empty. That is the model cachegrind uses for its D1, and the tests check
this module against cachegrind.

numpy and numba are imported inside the functions that need them, never at module level:
importing this module must stay as cheap as the rest of recall's start-up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

SYSFS_CPU0_CACHE = "/sys/devices/system/cpu/cpu0/cache"

# The generators below make at most this many addresses as one array (8 bytes each).
MAX_ACCESSES = 20_000_000
# simulate_pattern replays at most this many, a chunk at a time: about a second of work. A
# pattern that repeats (passes over an array, laps of a pointer chase) is replayed for two
# periods only: from a cold cache the LRU state at the end of every period is the same (each set
# holds that period's most recent lines, in the same order), so periods 2, 3, ... all miss
# exactly as often as period 2 and the rest is arithmetic. Many passes over a huge array cost
# no more than two.
MAX_REPLAYED = 64_000_000
# Addresses are generated and replayed this many at a time, so memory stays small.
_CHUNK = 1 << 20


@dataclass(frozen=True)
class Geometry:
    """A set-associative cache: total size, ways per set, line size, all in bytes."""

    size_bytes: int
    ways: int
    line_bytes: int

    def __post_init__(self):
        for name in ("size_bytes", "ways", "line_bytes"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"cache {name} must be a positive whole number, not {value!r}")
        if self.size_bytes % (self.ways * self.line_bytes):
            raise ValueError(f"a {self.size_bytes}-byte cache cannot have {self.ways} ways "
                             f"of {self.line_bytes}-byte lines")

    @property
    def sets(self) -> int:
        return self.size_bytes // (self.ways * self.line_bytes)

    def describe(self) -> str:
        """For example "48 KiB, 12-way, 64-byte lines"."""
        return f"{_format_bytes(self.size_bytes)}, {self.ways}-way, {self.line_bytes}-byte lines"


def _format_bytes(n: int) -> str:
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= scale and n % scale == 0:
            return f"{n // scale} {unit}"
    return f"{n} bytes"


_SIZE = re.compile(r"^\s*(\d+)\s*([KMG]?)(?:i?B)?\s*$", re.IGNORECASE)


def parse_size(text) -> int | None:
    """Bytes from "48K", "2048K", "1M", "32 KiB" or a plain number; None if it is none of those."""
    if isinstance(text, bool):
        return None
    if isinstance(text, int):
        return text
    if isinstance(text, float):
        return int(text) if text.is_integer() else None
    m = _SIZE.match(str(text))
    if not m:
        return None
    return int(m.group(1)) << {"": 0, "K": 10, "M": 20, "G": 30}[m.group(2).upper()]


def l1d_geometry(sysfs_root: str | Path = SYSFS_CPU0_CACHE) -> Geometry | None:
    """This CPU's level-1 data cache as sysfs describes it, or None where sysfs does not say.

    Reads ``index*/{level,type,size,ways_of_associativity,coherency_line_size}`` under
    *sysfs_root* and takes the level-1 "Data" cache (a level-1 "Unified" one if there is no
    split). Where the ways read 0 (unknown or fully associative) they are worked out from
    ``number_of_sets`` if that file is there.
    """
    root = Path(sysfs_root)
    try:
        indexes = sorted(p for p in root.glob("index*") if p.is_dir())
    except OSError:
        return None
    found: dict[str, Geometry] = {}
    for index in indexes:
        level, kind = _read(index / "level"), _read(index / "type")
        if level != "1" or kind not in ("Data", "Unified") or kind in found:
            continue
        size, line = parse_size(_read(index / "size")), parse_size(_read(index / "coherency_line_size"))
        ways, sets = parse_size(_read(index / "ways_of_associativity")), parse_size(_read(index / "number_of_sets"))
        if not size or not line:
            continue
        if not ways and sets:
            ways = size // (sets * line)
        try:
            found[kind] = Geometry(size, ways or 0, line)
        except ValueError:
            continue
    return found.get("Data") or found.get("Unified")


def _read(path: Path) -> str:
    try:
        return path.read_text(errors="replace").strip()
    except OSError:
        return ""


# --- the simulator -------------------------------------------------------------------------

def _lru_replay(lines, tags):
    """Replay *lines* (line numbers) through *tags*, return the number of misses.

    ``tags[s]`` holds set *s*'s lines, most recently used first, -1 for an empty way; it is
    updated in place so that a long pattern can be replayed a chunk at a time. Plain Python
    here; :func:`_kernel` compiles it with numba.
    """
    sets, ways = tags.shape
    misses = 0
    for i in range(lines.shape[0]):
        line = lines[i]
        row = tags[line % sets]
        if row[0] == line:
            continue
        way = 1
        while way < ways and row[way] != line:
            way += 1
        if way == ways:  # not there: the LRU line (the last) drops out
            misses += 1
            way = ways - 1
        while way > 0:
            row[way] = row[way - 1]
            way -= 1
        row[0] = line
    return misses


@lru_cache(maxsize=1)
def _kernel():
    import numba

    try:
        # The compiled code is cached next to this file, or in the user's cache directory
        # where this file's directory is read-only (numba picks); without either, compile.
        return numba.njit(cache=True, nogil=True)(_lru_replay)
    except RuntimeError:
        return numba.njit(nogil=True)(_lru_replay)


def _empty_tags(geometry: Geometry):
    import numpy as np

    return np.full((geometry.sets, geometry.ways), -1, dtype=np.int64)


def simulate(addresses, geometry: Geometry) -> tuple[int, int]:
    """(accesses, misses) for loads at *addresses*, in order, through an empty *geometry* cache."""
    import numpy as np

    addrs = np.ascontiguousarray(addresses, dtype=np.int64).ravel()
    if addrs.size and addrs.min() < 0:
        raise ValueError("addresses must not be negative")
    tags = _empty_tags(geometry)
    return int(addrs.size), int(_kernel()(addrs // geometry.line_bytes, tags))


# --- access patterns -----------------------------------------------------------------------
# Each pattern is a period (one pass, one lap) and a function from access numbers k to the
# addresses of those accesses, so that a long pattern can be made a chunk at a time. The
# public generators below make the whole array at once and refuse more than MAX_ACCESSES.

@dataclass(frozen=True)
class _Pattern:
    period: int  # accesses before the pattern repeats itself
    total: int  # accesses in all
    at: object  # numpy int64 array of access numbers -> numpy int64 array of addresses

    def addresses(self):
        import numpy as np

        if self.total > MAX_ACCESSES:
            raise ValueError(f"{self.total:,} accesses are more than the {MAX_ACCESSES:,} this makes at once")
        return self.at(np.arange(self.total, dtype=np.int64))


def _whole(name: str, value, *, minimum: int = 1) -> int:
    n = parse_size(value)
    if n is None or n < minimum:
        raise ValueError(f"{name} must be a whole number of at least {minimum}, not {value!r}")
    return n


def _strided(array_bytes, stride, passes=1, base=0) -> _Pattern:
    array_bytes, stride = _whole("array_bytes", array_bytes), _whole("stride", stride)
    passes, base = _whole("passes", passes), _whole("base", base, minimum=0)
    per_pass = -(-array_bytes // stride)
    return _Pattern(per_pass, per_pass * passes, lambda k: base + (k % per_pass) * stride)


def _matrix(rows, cols, elem, passes, base, by_column: bool) -> _Pattern:
    rows, cols, elem = _whole("rows", rows), _whole("cols", cols), _whole("elem", elem)
    passes, base = _whole("passes", passes), _whole("base", base, minimum=0)
    n = rows * cols
    if by_column:
        def at(k):
            k = k % n
            return base + ((k % rows) * cols + k // rows) * elem
    else:
        def at(k):
            return base + (k % n) * elem
    return _Pattern(n, n * passes, at)


def sattolo_cycle(n: int, seed: int = 0):
    """A random cyclic permutation of range(n) by Sattolo's algorithm: ``next[i]`` follows i.

    Following ``next`` from any node visits all n nodes before coming back. Deterministic for
    a given *seed* (numpy's default generator draws the swap positions).
    """
    import numpy as np

    n = _whole("nodes", n)
    if n > MAX_ACCESSES:
        raise ValueError(f"{n:,} nodes are more than the {MAX_ACCESSES:,} this makes at once")
    nxt = np.arange(n, dtype=np.int64)
    if n > 1:
        highs = np.arange(n - 1, 0, -1, dtype=np.int64)  # i = n-1 .. 1 swaps with j in [0, i)
        _cycle_kernels()[0](nxt, np.random.default_rng(seed).integers(0, highs))
    return nxt


def _sattolo_swaps(nxt, js):
    i = nxt.shape[0] - 1
    for j in js:
        nxt[i], nxt[j] = nxt[j], nxt[i]
        i -= 1


def _follow(nxt, start):
    order = nxt.copy()
    node = start
    for k in range(nxt.shape[0]):
        order[k] = node
        node = nxt[node]
    return order


@lru_cache(maxsize=1)
def _cycle_kernels():
    import numba

    try:
        return numba.njit(cache=True)(_sattolo_swaps), numba.njit(cache=True)(_follow)
    except RuntimeError:
        return numba.njit(_sattolo_swaps), numba.njit(_follow)


def _pointer_chase(working_set_bytes, node_bytes=64, loads=None, seed=0, base=0) -> _Pattern:
    working_set_bytes, node_bytes = _whole("working_set_bytes", working_set_bytes), _whole("node_bytes", node_bytes)
    seed, base = _whole("seed", seed, minimum=0), _whole("base", base, minimum=0)
    nodes = working_set_bytes // node_bytes
    if nodes < 1:
        raise ValueError(f"a {working_set_bytes}-byte working set has no room for a {node_bytes}-byte node")
    loads = 4 * nodes if loads is None else _whole("loads", loads)
    nxt = sattolo_cycle(nodes, seed)
    order = _cycle_kernels()[1](nxt, 0)  # the chase starts at node 0
    return _Pattern(nodes, loads, lambda k: base + order[k % nodes] * node_bytes)


def strided(array_bytes: int, stride: int, passes: int = 1, base: int = 0):
    """One load every *stride* bytes from *base* over *array_bytes*, the whole sweep *passes* times."""
    return _strided(array_bytes, stride, passes, base).addresses()


def pointer_chase(working_set_bytes: int, node_bytes: int = 64, loads: int | None = None, seed: int = 0,
                  base: int = 0):
    """The loads of chasing pointers around a random cycle of *node_bytes*-byte nodes.

    The working set holds ``working_set_bytes // node_bytes`` nodes at *base*, linked into one
    random cycle (:func:`sattolo_cycle` with *seed*); the chase starts at node 0 and makes
    *loads* loads (four laps if not given), each of the next node's address.
    """
    return _pointer_chase(working_set_bytes, node_bytes, loads, seed, base).addresses()


def row_major(rows: int, cols: int, elem: int, passes: int = 1, base: int = 0):
    """A rows x cols array of *elem*-byte elements stored row by row, read row by row."""
    return _matrix(rows, cols, elem, passes, base, by_column=False).addresses()


def column_major(rows: int, cols: int, elem: int, passes: int = 1, base: int = 0):
    """The same row-by-row array read column by column: a stride of cols * elem bytes."""
    return _matrix(rows, cols, elem, passes, base, by_column=True).addresses()


PATTERNS = {
    "strided": (_strided, {"array_bytes", "stride"}, {"passes", "base"}),
    "pointer_chase": (_pointer_chase, {"working_set_bytes"}, {"node_bytes", "loads", "seed", "base"}),
    "row_major": (lambda **kw: _matrix(**{"passes": 1, "base": 0, **kw}, by_column=False),
                  {"rows", "cols", "elem"}, {"passes", "base"}),
    "column_major": (lambda **kw: _matrix(**{"passes": 1, "base": 0, **kw}, by_column=True),
                     {"rows", "cols", "elem"}, {"passes", "base"}),
}


def _replay(pattern: _Pattern, geometry: Geometry) -> int:
    """Misses for the whole of *pattern*, replaying at most two periods of it."""
    import numpy as np

    period, total = pattern.period, pattern.total
    if min(total, 2 * period) > MAX_REPLAYED:
        raise ValueError(f"one pass of this pattern is {period:,} accesses; the simulator replays at most "
                         f"{MAX_REPLAYED:,} (two passes): use a smaller array or a larger stride")
    q, r = divmod(total, period)
    end = total if q < 2 or (q == 2 and r == 0) else 2 * period
    marks = {0, end} | ({period, period + r} if end == 2 * period else set())
    marks |= set(range(0, end, _CHUNK))
    kernel, tags, line = _kernel(), _empty_tags(geometry), geometry.line_bytes
    misses_at, done = {0: 0}, 0
    bounds = sorted(marks)
    for lo, hi in zip(bounds, bounds[1:]):
        done += kernel(pattern.at(np.arange(lo, hi, dtype=np.int64)) // line, tags)
        misses_at[hi] = done
    if end == total:
        return done
    first, second = misses_at[period], misses_at[2 * period] - misses_at[period]
    return first + (q - 1) * second + (misses_at[period + r] - misses_at[period])


def simulate_pattern(spec: dict, geometry: Geometry) -> dict:
    """The miss ratio of an exercise's ``simulate:`` pattern in a *geometry* cache.

    *spec* is, for example, ``{"pattern": "strided", "array_bytes": 67108864, "stride": 64,
    "passes": 2}``. Patterns and their keys (sizes may be written "64M", "48K"):

    - strided: array_bytes, stride; passes (1), base (0)
    - pointer_chase: working_set_bytes; node_bytes (64), loads (four laps), seed (0), base (0)
    - row_major, column_major: rows, cols, elem (bytes); passes (1), base (0), a row-by-row
      array read along its rows or down its columns

    Returns ``{"value": misses / accesses, "accesses", "misses", "geometry": "48 KiB, ..."}``.
    A spec this cannot run raises ValueError with a one-line message.
    """
    if not isinstance(spec, dict):
        raise ValueError(f"a simulate spec is a mapping such as {{pattern: strided, ...}}, not {spec!r}")
    name = spec.get("pattern")
    if name not in PATTERNS:
        raise ValueError(f"unknown simulate pattern {name!r}; use one of: {', '.join(PATTERNS)}")
    make, required, optional = PATTERNS[name]
    params = {k: v for k, v in spec.items() if k != "pattern"}
    missing = sorted(required - params.keys())
    if missing:
        raise ValueError(f"simulate pattern {name!r} needs {', '.join(missing)}")
    unknown = sorted(params.keys() - required - optional)
    if unknown:
        raise ValueError(f"simulate pattern {name!r} has no {', '.join(map(str, unknown))}; "
                         f"it takes {', '.join(sorted(required | optional))}")
    pattern = make(**params)
    misses = _replay(pattern, geometry)
    return {"value": misses / pattern.total, "accesses": pattern.total, "misses": misses,
            "geometry": geometry.describe()}
