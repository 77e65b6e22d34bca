"""The shipped decks: valid, sourced, and covering what the curriculum promises."""

from collections import Counter

import pytest

from recall import curriculum, decks
from recall.env import SHIPPED_DECKS, SHIPPED_EXERCISES


@pytest.fixture(scope="module")
def everything():
    """Every shipped card and exercise, checked together (exercise concepts must name cards)."""
    files = decks.find_deck_files([SHIPPED_DECKS]) + decks.find_deck_files([SHIPPED_EXERCISES])
    cards, problems = decks.check(files, [SHIPPED_EXERCISES])
    assert problems == [], "\n".join(p.render() for p in problems)
    return cards


@pytest.fixture(scope="module")
def shipped(everything):
    return [c for c in everything if c.type != "exercise"]


@pytest.fixture(scope="module")
def shipped_exercises(everything):
    return [c for c in everything if c.type == "exercise"]


def test_every_card_has_a_source(shipped):
    assert [c.id for c in shipped if not (c.source and c.source.strip())] == []


@pytest.mark.parametrize("module_id", ["01-computer-architecture", "02-operating-systems"])
def test_every_submodule_has_a_deck_of_ten(shipped, module_id):
    module = curriculum.MODULES_BY_ID[module_id]
    per_sub = Counter(c.submodule for c in shipped if c.module == module.id)
    assert set(per_sub) == {s.id for s in module.submodules}
    assert all(n >= 10 for n in per_sub.values()), per_sub


def test_module_01_ships_enough_for_a_first_evening(shipped):
    assert sum(1 for c in shipped if c.module == "01-computer-architecture") >= 50


def test_the_first_eight_exercises(shipped_exercises):
    per_module = Counter(e.module for e in shipped_exercises)
    assert per_module["01-computer-architecture"] + per_module["02-operating-systems"] >= 8
    assert all(e.content["concepts"] for e in shipped_exercises)


def test_each_submodule_mixes_card_types_and_connects_to_ml(shipped):
    by_sub: dict[tuple[str, str], list] = {}
    for c in shipped:
        by_sub.setdefault((c.module, c.submodule), []).append(c)
    for key, cards in by_sub.items():
        assert len({c.type for c in cards}) >= 3, key
        assert any("ml" in c.tags for c in cards), f"{key} has no card tagged ml"


def test_numeric_cards_say_their_unit(shipped):
    assert all(c.content["unit"].strip() for c in shipped if c.type == "numeric")
