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


PHASES_1_2 = ["01-computer-architecture", "02-operating-systems", "03-assembly-programming", "04-c-programming"]


@pytest.mark.parametrize("module_id", PHASES_1_2)
def test_every_submodule_has_a_deck_of_ten(shipped, module_id):
    module = curriculum.MODULES_BY_ID[module_id]
    per_sub = Counter(c.submodule for c in shipped if c.module == module.id)
    assert set(per_sub) == {s.id for s in module.submodules}
    assert all(n >= 10 for n in per_sub.values()), per_sub


def test_module_01_ships_enough_for_a_first_evening(shipped):
    assert sum(1 for c in shipped if c.module == "01-computer-architecture") >= 50


def test_phases_1_and_2_have_250_cards_beyond_the_first_module_01_set(shipped):
    # Module 01 shipped with 81 cards; the Phases 1-2 content adds at least 250 more.
    assert sum(1 for c in shipped if c.module in PHASES_1_2) >= 81 + 250


@pytest.mark.parametrize("module_id,least", [("01-computer-architecture", 9), ("02-operating-systems", 7),
                                             ("03-assembly-programming", 3), ("04-c-programming", 3)])
def test_exercises_per_module(shipped_exercises, module_id, least):
    # The first eight (5 in 01, 3 in 02), then at least three more per module, more for 01 and 02.
    assert sum(1 for e in shipped_exercises if e.module == module_id) >= least


def test_later_modules_have_three_exercises(shipped_exercises):
    per_module = Counter(e.module for e in shipped_exercises)
    short = {m.id: per_module[m.id] for m in curriculum.MODULES[4:] if per_module[m.id] < 3}
    assert short == {}


def test_later_modules_with_decks_have_thirty_cards(shipped):
    per_module = Counter(c.module for c in shipped)
    for module in curriculum.MODULES[4:]:
        if per_module[module.id]:
            assert per_module[module.id] >= 30, module.id


@pytest.mark.parametrize("selector", ["03", "04", "13-triton", "16", "gpu", "distributed"])
def test_quiz_works_on_the_shipped_decks(tmp_path, selector):
    import io

    from recall.collection import Collection, Settings
    from recall.env import Env

    env = Env(stdout=io.StringIO(), stderr=io.StringIO(), environ={"RECALL_DB": f"sqlite:///{tmp_path / 'r.db'}"})
    col = Collection.open(env, Settings.from_env(env))
    try:
        entries = col.quiz_entries(curriculum.resolve(selector), limit=5)
        assert len(entries) == 5 and all(e.module == curriculum.resolve(selector).id for e in entries)
    finally:
        col.close()


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


def test_readme_counts_are_the_shipped_ones(shipped, shipped_exercises):
    """The README's table of what ships is kept honest: every row, and the totals above it."""
    import re

    from conftest import REPO

    text = (REPO / "README.md").read_text()
    cards, exercises_ = Counter(c.module for c in shipped), Counter(e.module for e in shipped_exercises)
    decks_per_module = Counter(m for m, _ in {(c.module, c.path) for c in shipped})
    for module in curriculum.MODULES:
        row = re.search(rf"\| `{module.id}` \| \d \| (\d+) \| (\d+) \| (\d+) \|", text)
        assert row, module.id
        assert tuple(map(int, row.groups())) == (cards[module.id], decks_per_module[module.id],
                                                 exercises_[module.id]), module.id
    total = re.search(r"(\d+) cards in (\d+) decks and (\d+) predict-then-measure exercises", text)
    assert tuple(map(int, total.groups())) == (len(shipped), sum(decks_per_module.values()), len(shipped_exercises))
