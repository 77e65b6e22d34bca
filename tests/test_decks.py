import textwrap

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import SMALL_DECK
from recall import decks

DECK = "01-computer-architecture/01-binary-and-bits.yaml"


def parse(deckdir, text, rel=DECK):
    path = deckdir.write(rel, text)
    return decks.parse_file(path, deckdir.root)


def test_good_deck_parses_every_type(deckdir):
    res = parse(deckdir, SMALL_DECK)
    assert res.problems == []
    assert res.title == "Bits"
    by_id = {c.id: c for c in res.cards}
    assert [c.type for c in res.cards] == ["basic", "cloze", "choice", "typed", "numeric"]
    assert by_id["t.cloze"].item_ids() == ["t.cloze::c1", "t.cloze::c2"]
    assert by_id["t.basic"].item_ids() == ["t.basic"]
    assert by_id["t.num"].content == {"question": "Bits in a float32 significand?", "answer": 24,
                                       "unit": "bits", "tolerance": 0}
    assert by_id["t.typed"].content["accept"] == ["mmap(2)"]
    assert by_id["t.basic"].module == "01-computer-architecture"
    assert by_id["t.basic"].submodule == "01-binary-and-bits"
    assert by_id["t.basic"].line == 3 and by_id["t.cloze"].line == 7


def card(body: str) -> str:
    return "cards:\n" + textwrap.indent(textwrap.dedent(body).strip("\n"), "  ") + "\n"


# (deck text, expected line, expected column, words in the message)
BAD = [
    (card("- id: a\n  front: x\n  back: y\n  frnt: z"), 5, 5, "unknown key 'frnt'"),
    (card("- id: a\n  front: x"), 2, 5, "missing 'back'"),
    (card("- front: x\n  back: y"), 2, 5, "without 'id'"),
    (card("- id: A B\n  front: x\n  back: y"), 2, 9, "must be lowercase"),
    (card("- id: a\n  type: flash\n  front: x\n  back: y"), 3, 11, "unknown type 'flash'"),
    (card("- id: a\n  type: cloze\n  text: no deletions here"), 4, 11, "no deletions"),
    (card("- id: a\n  type: choice\n  question: q\n  choices: [x, y]\n  answer: 3"), 6, 13, "out of range"),
    (card("- id: a\n  type: choice\n  question: q\n  choices: [x, y]\n  answer: 0"), 6, 13, "out of range"),
    (card("- id: a\n  type: choice\n  question: q\n  choices: [x]\n  answer: 1"), 5, 14, "2 to 6"),
    (card("- id: a\n  type: numeric\n  question: q\n  answer: 3\n  tolerance: 0"), 2, 5, "missing 'unit'"),
    (card("- id: a\n  type: numeric\n  question: q\n  answer: many\n  unit: s\n  tolerance: 0"), 5, 13,
     "must be a number"),
    (card("- id: a\n  type: numeric\n  question: q\n  answer: 3\n  unit: s\n  tolerance: lots"), 7, 16,
     "'tolerance'"),
    (card("- id: a\n  front: [1, 2]\n  back: y"), 3, 12, "must be text"),
    (card("- id: a\n  front: x\n  back: y\n  tags: [two words]"), 5, 12, "white space"),
    (card("- id: a\n  front: x\n  back: y\n- id: a\n  front: x\n  back: y"), 5, 9, "duplicate id 'a'"),
    (card("- id: a\n  front: x\n  front: y\n  back: y"), 4, 5, "duplicate key 'front'"),
    ("cards: [\n", 2, 1, "YAML syntax"),
    ("title: x\n", 1, 1, "missing 'cards'"),
    ("- just\n- a list\n", 1, 1, "must be a mapping"),
    ("cards: {}\n", 1, 8, "must be a list"),
    ("cards: []\nextra: 1\n", 2, 1, "unknown key 'extra'"),
    ("", 1, 1, "empty deck"),
]


@pytest.mark.parametrize("text,line,col,words", BAD)
def test_bad_decks_are_located(deckdir, text, line, col, words):
    res = parse(deckdir, text)
    assert res.problems, "expected a problem"
    p = res.problems[0]
    assert (p.line, p.column) == (line, col), p.one_line()
    assert words in p.message
    assert p.one_line().startswith(f"decks/{DECK}:{line}:{col}: ") or f"{DECK}:{line}:{col}: " in p.one_line()
    assert "\n" not in p.one_line()


def test_problem_render_points_at_the_source(deckdir):
    res = parse(deckdir, card("- id: a\n  front: x\n  back: y\n  frnt: z"))
    lines = res.problems[0].render().splitlines()
    assert lines[1].strip() == "frnt: z"
    assert lines[2].index("^") == lines[1].index("frnt")


@pytest.mark.parametrize("rel,words", [
    ("99-nonsense/01.yaml", "unknown module folder"),
    ("01-computer-architecture/08-gpus.yaml", "has no submodule '08-gpus'"),
    ("stray.yaml", "<module-id>/<submodule>.yaml"),
])
def test_deck_location_is_checked(deckdir, rel, words):
    res = parse(deckdir, SMALL_DECK, rel)
    assert words in res.problems[0].message


def test_topic_decks_for_later_modules(deckdir):
    res = parse(deckdir, SMALL_DECK, "13-triton-programming/02-masking.yaml")
    assert res.problems == []
    assert res.cards[0].submodule == "02-masking"


def test_yaml_is_loaded_safely(deckdir, tmp_path):
    marker = tmp_path / "pwned"
    evil = f"cards:\n  - !!python/object/apply:os.system ['touch {marker}']\n"
    res = parse(deckdir, evil)
    assert not marker.exists()
    assert res.problems


def test_tolerance_forms(deckdir):
    for tol, ok in [("0.5", True), ("'10%'", True), ("x2", True), ("×3", True), ("x0.5", False), ("-1", False)]:
        res = parse(deckdir, card(f"- id: a\n  type: numeric\n  question: q\n  answer: 3\n  unit: s\n"
                                  f"  tolerance: {tol}"))
        assert (res.problems == []) == ok, (tol, res.problems)


def test_duplicate_ids_across_files(deckdir):
    deckdir.write(DECK, SMALL_DECK)
    deckdir.write("01-computer-architecture/02-memory-hierarchy.yaml", card("- id: t.basic\n  front: a\n  back: b"))
    cards, problems = decks.check(decks.find_deck_files([deckdir.root]))
    assert len(problems) == 1
    assert "duplicate id 't.basic'" in problems[0].message and "01-binary-and-bits.yaml:3" in problems[0].message


def test_check_paths_select_files_modules_and_roots(deckdir):
    deckdir.write(DECK, SMALL_DECK)
    deckdir.write("02-operating-systems/01-memory-mapping.yaml", card("- id: os.a\n  front: a\n  back: b"))
    root = deckdir.root
    assert len(decks.files_for_paths([root])) == 2
    assert len(decks.files_for_paths([root / "02-operating-systems"])) == 1
    assert len(decks.files_for_paths([root / DECK])) == 1


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=300))
def test_parser_never_raises_on_garbage(deckdir, text):
    res = parse(deckdir, text)
    assert res.problems or "cards" in text  # only a deck with a cards list can pass
    for p in res.problems:
        assert p.line >= 1 and p.column >= 1 and "\n" not in p.message


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(["id: a", "type: cloze", "text: '{{c1::x}}'", "front: f", "back: b",
                                 "type: choice", "choices: [a, b]", "answer: 2", "unit: s", "tolerance: x2",
                                 "tags: [a]", "question: q", "type: numeric", "answer: 1.5"]), max_size=8))
def test_parser_never_raises_on_mixed_fields(deckdir, fields):
    text = "cards:\n  - " + "\n    ".join(fields) + "\n" if fields else "cards: []\n"
    res = parse(deckdir, text)
    for c in res.cards:  # anything accepted is a complete card of its type
        required, _ = decks.TYPE_KEYS[c.type]
        assert required <= c.content.keys()


def test_deck_level_html_flag(deckdir):
    res = parse(deckdir, "html: true\ncards:\n  - id: a\n    front: <b>x</b>\n    back: y\n")
    assert res.problems == [] and res.cards[0].html
    res = parse(deckdir, "html: maybe\ncards: []\n")
    assert "'html' must be true or false" in res.problems[0].message


@pytest.mark.parametrize("value", ["!mytag x", "!!python/name:os.system x", "!!int abc", "!!timestamp 2001-99-99",
                                   "!!binary ~~"])
def test_yaml_tags_are_problems_not_crashes(deckdir, value):
    res = parse(deckdir, card(f"- id: a\n  front: {value}\n  back: y"))
    assert res.problems and res.problems[0].line == 3


def test_cloze_numbers_start_at_one(deckdir):
    res = parse(deckdir, card("- id: a\n  type: cloze\n  text: '{{c0::x}} and {{c1::y}}'"))
    assert any("c0" in p.message for p in res.problems)


@pytest.mark.parametrize("field", ["answer: .nan", "answer: .inf", "tolerance: .inf", "tolerance: .nan"])
def test_numeric_cards_need_finite_numbers(deckdir, field):
    base = {"answer": "answer: 3", "tolerance": "tolerance: 0"}
    base[field.split(":")[0]] = field
    res = parse(deckdir, card("- id: a\n  type: numeric\n  question: q\n  unit: s\n  "
                              + base["answer"] + "\n  " + base["tolerance"]))
    assert res.problems, field
