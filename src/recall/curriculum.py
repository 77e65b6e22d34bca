"""The Master Learning Order: modules, phases, weeks, submodules, and selectors.

Everything here is transcribed from ``shared/seeds/MASTER_LEARNING_ORDER.md``. The
order of ``MODULES`` *is* the learning order (note that 11 and 12 come before 09).
Modules 01–04 list their submodules in the seed's order; modules 09–18 get theirs
from the deck files found for them (the file name is the submodule).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from recall.errors import RecallError

# The seed's four progress checkboxes, in its order, with the key a learner types.
CHECKBOXES: tuple[tuple[str, str], ...] = (
    ("read", "Read theory"),
    ("examples", "Run all examples"),
    ("exercises", "Complete exercises"),
    ("ml", "Connect to ML use case"),
)
CHECKBOX_KEYS = tuple(key for key, _ in CHECKBOXES)


@dataclass(frozen=True)
class Submodule:
    id: str  # folder name, e.g. "02-memory-hierarchy"
    title: str  # the seed's "Key Files" / "Focus" column


@dataclass(frozen=True)
class Module:
    id: str  # folder name, e.g. "13-triton-programming"
    title: str
    phase: int
    phase_title: str
    weeks: str  # as the seed writes them, e.g. "1-2"
    position: int  # 1-based place in the Master Learning Order
    focus: str
    submodules: tuple[Submodule, ...] = field(default=())

    @property
    def number(self) -> str:
        return self.id.split("-", 1)[0]

    @property
    def short(self) -> str:
        """The short form a learner types, e.g. ``13-triton``."""
        parts = self.id.split("-")
        return f"{parts[0]}-{parts[1]}"


def _subs(*pairs: tuple[str, str]) -> tuple[Submodule, ...]:
    return tuple(Submodule(id=i, title=t) for i, t in pairs)


PHASES = {
    1: "Foundations",
    2: "Systems Programming",
    3: "GPU Programming",
    4: "ML Systems",
    5: "Advanced Topics",
}

_RAW = [
    ("01-computer-architecture", "Computer Architecture", 1, "1-2",
     "Binary, memory hierarchy, SIMD, alignment, pipeline, data layout, benchmarking",
     _subs(("01-binary-and-bits", "Binary, floating point, bit ops"),
           ("02-memory-hierarchy", "Cache, blocking, prefetch"),
           ("03-simd-vectorization", "AVX basics"),
           ("04-memory-alignment", "Alignment for CPU/GPU"),
           ("05-cpu-pipeline", "ILP, branches"),
           ("06-data-layout", "AoS vs SoA"),
           ("07-benchmarking", "Measurement"))),
    ("02-operating-systems", "Operating Systems", 1, "3-4",
     "mmap, processes and threads, I/O, virtual memory, syscalls, allocators, sync, IPC",
     _subs(("01-memory-mapping", "mmap (FFCV foundation!)"),
           ("02-processes-threads", "fork, pthreads"),
           ("03-file-io", "I/O strategies"),
           ("04-virtual-memory", "Pages, faults"),
           ("05-system-calls", "Syscall overhead"),
           ("06-memory-allocators", "malloc, caching"),
           ("07-synchronization", "Atomics"),
           ("08-shared-memory-ipc", "DataLoader IPC"))),
    ("03-assembly-programming", "Assembly Programming", 2, "5-6",
     "Registers, syscalls, AVX, quantized ops, compiler output",
     _subs(("01-x86-64-basics", "Registers, syscalls"),
           ("02-simd-avx", "AVX for ML"),
           ("03-optimization-patterns", "Quantized ops"),
           ("04-reading-compiler-output", "Godbolt"))),
    ("04-c-programming", "C Programming", 2, "7-8",
     "Pointers, memory management, mmap, structs, I/O, FFCV patterns",
     _subs(("01-pointers-deep-dive", "Pointer mastery"),
           ("02-memory-management", "Stack, heap, allocators"),
           ("03-mmap-advanced", "mmap I/O, shared memory"),
           ("04-struct-patterns", "Data-oriented design"),
           ("05-io-patterns", "Buffered I/O"),
           ("06-ffcv-patterns", "Real-world analysis"))),
    ("11-gpu-architecture", "GPU Architecture", 3, "9-10",
     "SM internals, memory hierarchy, warp execution", ()),
    ("12-cuda-programming", "CUDA Programming", 3, "11-12",
     "Kernels, thread hierarchy, memory management", ()),
    ("09-data-formats-serialization", "Data Formats", 4, "13",
     ".beton, WebDataset, Arrow", ()),
    ("10-data-loading-pipelines", "Data Loading", 4, "14",
     "FFCV, PyTorch DataLoader", ()),
    ("13-triton-programming", "Triton", 4, "15-16",
     "Triton kernels", ()),
    ("16-attention-mechanisms", "Flash Attention", 4, "15-16",
     "Flash Attention implementation", ()),
    ("14-ml-compilers", "ML Compilers", 5, "17-20", "TVM, XLA", ()),
    ("15-pytorch-internals", "PyTorch Internals", 5, "17-20", "Autograd, Dispatcher", ()),
    ("17-training-optimization", "Training Optimization", 5, "17-20",
     "Mixed precision, LoRA", ()),
    ("18-distributed-computing", "Distributed Computing", 5, "17-20", "FSDP, DDP", ()),
]

MODULES: tuple[Module, ...] = tuple(
    Module(id=mid, title=title, phase=phase, phase_title=PHASES[phase], weeks=weeks,
           position=pos, focus=focus, submodules=subs)
    for pos, (mid, title, phase, weeks, focus, subs) in enumerate(_RAW, start=1)
)
MODULES_BY_ID = {m.id: m for m in MODULES}


class SelectorError(RecallError):
    pass


def resolve(selector: str) -> Module:
    """Turn what a learner typed (``13``, ``13-triton``, ``triton``, the full id) into a module.

    Raises SelectorError listing the candidates when nothing or several things match.
    """
    text = selector.strip().lower().rstrip("/")
    if not text:
        raise SelectorError("empty module selector; try one of: " + _all_short())
    if text in MODULES_BY_ID:
        return MODULES_BY_ID[text]
    if text.isdigit():
        matches = [m for m in MODULES if m.number == text.zfill(2)]
    else:
        # A prefix of the full id ("13-triton") or a whole word in the id or title ("triton").
        matches = [m for m in MODULES if m.id.startswith(text)]
        if not matches:
            matches = [m for m in MODULES if _has_word(m, text)]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise SelectorError(f"no module matches {selector!r}; try one of: {_all_short()}")
    names = ", ".join(m.short for m in matches)
    raise SelectorError(f"{selector!r} is ambiguous: it matches {names}")


def resolve_with_submodule(selector: str, known_for=None) -> tuple[Module, str | None]:
    """Resolve ``module[/submodule]``; the submodule may be its full id, number or a unique word.

    Modules 09–18 have no submodules in the seed: ``known_for(module_id)`` lists theirs (from
    the decks)."""
    mod_part, _, sub_part = selector.partition("/")
    module = resolve(mod_part)
    if not sub_part:
        return module, None
    known = [s.id for s in module.submodules] or (known_for(module.id) if known_for else [])
    return module, resolve_submodule(module, sub_part, known)


def resolve_submodule(module: Module, text: str, known: list[str] | None) -> str:
    """Match a submodule by full id, number or unique word among ``known`` (or the seed's)."""
    ids = known if known is not None else [s.id for s in module.submodules]
    t = text.strip().lower()
    if t in ids:
        return t
    if t.isdigit():
        matches = [i for i in ids if i.split("-", 1)[0] == t.zfill(2)]
    else:
        matches = [i for i in ids if i.startswith(t)] or [i for i in ids if t in i.split("-")]
    if len(matches) == 1:
        return matches[0]
    listing = ", ".join(ids) if ids else "(none known yet)"
    if not matches:
        raise SelectorError(f"no submodule {text!r} in {module.id}; try one of: {listing}")
    raise SelectorError(f"{text!r} is ambiguous in {module.id}: it matches {', '.join(matches)}")


def _has_word(module: Module, word: str) -> bool:
    words = set(module.id.split("-")[1:]) | set(module.title.lower().split())
    return word in words


def _all_short() -> str:
    return ", ".join(m.short for m in MODULES)
