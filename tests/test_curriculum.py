import re

import pytest

from conftest import SHARED
from recall import curriculum
from recall.curriculum import SelectorError, resolve

SEED = SHARED / "seeds" / "MASTER_LEARNING_ORDER.md"


def test_fourteen_modules_in_learning_order():
    ids = [m.id for m in curriculum.MODULES]
    assert len(ids) == 14
    # Phase 3 (GPU) comes before Phase 4 (data formats): 11 and 12 precede 09.
    assert ids.index("11-gpu-architecture") < ids.index("09-data-formats-serialization")
    assert [m.position for m in curriculum.MODULES] == list(range(1, 15))
    assert [m.phase for m in curriculum.MODULES] == sorted(m.phase for m in curriculum.MODULES)


@pytest.mark.skipif(not SEED.exists(), reason="the seed lives in ../shared")
def test_registry_matches_the_seed():
    text = SEED.read_text()
    folders = re.findall(r"`(\d\d-[a-z0-9-]+)/`", text)
    modules = [f for f in folders if f in curriculum.MODULES_BY_ID]
    # Every module the seed names appears, in the seed's order.
    assert list(dict.fromkeys(modules)) == [m.id for m in curriculum.MODULES]
    for module in curriculum.MODULES[:4]:
        section = text.split(f"`{module.id}/`", 1)[1].split("###", 1)[0]
        subs = re.findall(r"\| \d+ \| `([^`]+)/`", section)
        assert subs == [s.id for s in module.submodules]


@pytest.mark.parametrize("selector,expected", [
    ("13", "13-triton-programming"),
    ("13-triton", "13-triton-programming"),
    ("triton", "13-triton-programming"),
    ("13-triton-programming", "13-triton-programming"),
    ("13-triton-programming/", "13-triton-programming"),
    ("1", "01-computer-architecture"),
    ("01", "01-computer-architecture"),
    ("distributed", "18-distributed-computing"),
    ("cuda", "12-cuda-programming"),
    ("Attention", "16-attention-mechanisms"),
    ("c", "04-c-programming"),
])
def test_selectors(selector, expected):
    assert resolve(selector).id == expected


@pytest.mark.parametrize("selector,listed", [
    ("programming", ["03-assembly", "04-c", "12-cuda", "13-triton"]),
    ("1", None),
])
def test_ambiguous_selector_lists_candidates(selector, listed):
    if listed is None:
        assert resolve(selector).id.startswith("01")
        return
    with pytest.raises(SelectorError) as e:
        resolve(selector)
    for name in listed:
        assert name in str(e.value)


@pytest.mark.parametrize("selector", ["99", "rust", "", "13-pascal"])
def test_unknown_selector_lists_modules(selector):
    with pytest.raises(SelectorError) as e:
        resolve(selector)
    assert "13-triton" in str(e.value)
    assert "\n" not in str(e.value)


def test_submodule_selectors():
    module, sub = curriculum.resolve_with_submodule("01/02")
    assert (module.id, sub) == ("01-computer-architecture", "02-memory-hierarchy")
    assert curriculum.resolve_with_submodule("02/allocators")[1] == "06-memory-allocators"
    with pytest.raises(SelectorError, match="ambiguous"):
        curriculum.resolve_with_submodule("02/memory")
    with pytest.raises(SelectorError, match="01-binary-and-bits"):
        curriculum.resolve_with_submodule("01/99")
