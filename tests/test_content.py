"""The shipped decks: valid, sourced, and covering what the curriculum promises."""

from collections import Counter

import pytest

from recall import curriculum, decks
from recall.env import SHIPPED_DECKS


@pytest.fixture(scope="module")
def shipped():
    cards, problems = decks.check(decks.find_deck_files([SHIPPED_DECKS]))
    assert problems == [], "\n".join(p.render() for p in problems)
    return cards


def test_every_card_has_a_source(shipped):
    assert [c.id for c in shipped if not (c.source and c.source.strip())] == []


def test_module_01_is_complete(shipped):
    module = curriculum.MODULES_BY_ID["01-computer-architecture"]
    per_sub = Counter(c.submodule for c in shipped if c.module == module.id)
    assert set(per_sub) == {s.id for s in module.submodules}
    assert all(n >= 10 for n in per_sub.values()), per_sub
    assert sum(per_sub.values()) >= 50


def test_each_submodule_mixes_card_types_and_connects_to_ml(shipped):
    by_sub: dict[tuple[str, str], list] = {}
    for c in shipped:
        by_sub.setdefault((c.module, c.submodule), []).append(c)
    for key, cards in by_sub.items():
        assert len({c.type for c in cards}) >= 3, key
        assert any("ml" in c.tags for c in cards), f"{key} has no card tagged ml"


def test_numeric_cards_say_their_unit(shipped):
    assert all(c.content["unit"].strip() for c in shipped if c.type == "numeric")
