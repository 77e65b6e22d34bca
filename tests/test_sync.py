"""sync.py: deck files into the database, keeping history through edits, moves and removals."""

from __future__ import annotations

import os
import re
import textwrap

import pytest

from conftest import EVENING, SMALL_DECK
from recall import scheduling
from recall.decks import DeckError
from recall.scheduling import Rating
from recall.sync import sync

BITS = "01-computer-architecture/01-binary-and-bits.yaml"
MEMORY = "01-computer-architecture/02-memory-hierarchy.yaml"
SMALL_ITEMS = {"t.basic", "t.cloze::c1", "t.cloze::c2", "t.choice", "t.typed", "t.num"}


def deck(*cards: str, title: str = "Test") -> str:
    """A deck file from card bodies written as YAML mappings (first line starts with 'id:')."""
    body = "".join("  - " + textwrap.indent(textwrap.dedent(c).strip(), "    ")[4:] + "\n" for c in cards)
    return f"title: {title}\ncards:\n{body}"


BASIC = """
id: t.basic
front: What is 2^10?
back: "1024"
"""
OTHER = """
id: t.other
front: What is 2^8?
back: "256"
"""
CLOZE = """
id: t.cloze
type: cloze
text: "A line is {{c1::64}} bytes; a page is {{c2::4096}} bytes."
"""


@pytest.fixture
def do_sync(store, deckdir, clock):
    def _sync():
        return sync(store, [deckdir.root], clock.now())
    return _sync


def active(store) -> dict[str, object]:
    return {r.state.item_id: r for r in store.active_items()}


def snapshot(store):
    """Everything sync may write."""
    return store.card_index(), store.deck_file_records(), active(store), store.log_entries()


def answer(store, item_id, clock, rating=Rating.GOOD):
    new_state, entry = scheduling.answer(store.get_item_state(item_id), rating, clock.now())
    store.record_answer(entry, new_state)
    return new_state


def test_first_sync_adds_every_card_and_item(store, deckdir, do_sync):
    path = deckdir.write(BITS, SMALL_DECK)
    report = do_sync()
    assert sorted(report.added) == ["t.basic", "t.choice", "t.cloze", "t.num", "t.typed"]
    assert report.parsed_files == [str(path.resolve())]
    assert (report.updated, report.moved, report.retired, report.restored) == ([], [], [], [])
    rows = active(store)
    assert set(rows) == SMALL_ITEMS
    assert all(r.state.is_new and r.module == "01-computer-architecture" and r.submodule == "01-binary-and-bits"
               for r in rows.values())
    assert (rows["t.cloze::c1"].cloze, rows["t.cloze::c2"].cloze, rows["t.cloze::c1"].card_id) == (1, 2, "t.cloze")
    assert [rows[i].position for i in ("t.basic", "t.cloze::c1", "t.choice", "t.typed", "t.num")] == [0, 1, 2, 3, 4]
    assert set(store.deck_file_records()) == {str(path.resolve())}


def test_editing_a_card_keeps_its_history(store, deckdir, do_sync, clock):
    deckdir.write(BITS, deck(BASIC, OTHER))
    do_sync()
    state = answer(store, "t.basic", clock)
    log = store.log_entries()

    clock.advance(hours=1)
    deckdir.write(BITS, deck(BASIC.replace("What is 2^10?", "How much is 2 to the 10th?"), OTHER))
    report = do_sync()

    assert report.updated == ["t.basic"]
    assert (report.added, report.moved, report.retired) == ([], [], [])
    assert store.log_entries() == log
    assert store.get_item_state("t.basic") == state
    assert store.cards_by_id(["t.basic"])["t.basic"].content["front"] == "How much is 2 to the 10th?"


def test_moving_a_card_to_another_submodule_keeps_its_history(store, deckdir, do_sync, clock):
    deckdir.write(BITS, deck(BASIC, OTHER))
    do_sync()
    state = answer(store, "t.basic", clock)
    log = store.log_entries()
    assert active(store)["t.basic"].submodule == "01-binary-and-bits"

    deckdir.write(BITS, deck(OTHER))
    moved_to = deckdir.write(MEMORY, deck(BASIC))
    report = do_sync()

    assert report.moved == ["t.basic"]
    assert (report.added, report.retired, report.updated) == ([], [], [])
    row = active(store)["t.basic"]
    assert (row.submodule, row.deck_path, row.position) == ("02-memory-hierarchy", str(moved_to.resolve()), 0)
    assert row.state == state and row.introduced_at == EVENING
    assert store.log_entries() == log


def test_removing_a_card_retires_it_and_readding_it_restores_it(store, deckdir, do_sync, clock):
    deckdir.write(BITS, deck(BASIC, OTHER))
    do_sync()
    state = answer(store, "t.basic", clock)
    log = store.log_entries()

    clock.advance(days=1)
    deckdir.write(BITS, deck(OTHER))
    report = do_sync()
    assert report.retired == ["t.basic"]
    assert set(active(store)) == {"t.other"}
    assert store.log_entries() == log
    assert store.card_index()["t.basic"][2] == clock.now()

    clock.advance(days=1)
    deckdir.write(BITS, deck(OTHER, BASIC))
    report = do_sync()
    assert report.restored == ["t.basic"] and report.added == []
    row = active(store)["t.basic"]
    assert row.state == state and row.introduced_at == EVENING and row.position == 1
    assert store.log_entries() == log
    assert store.card_index()["t.basic"][2] is None


@pytest.mark.parametrize("where", [BITS, MEMORY])
def test_a_different_card_may_not_take_a_retired_id(store, deckdir, do_sync, where):
    deckdir.write(BITS, deck(BASIC, OTHER))
    do_sync()
    deckdir.write(BITS, deck(OTHER))
    do_sync()
    before = snapshot(store)

    impostor = BASIC.replace("What is 2^10?", "What is 2^20?").replace('"1024"', '"1048576"')
    if where == BITS:
        deckdir.write(BITS, deck(OTHER, impostor))
    else:
        deckdir.write(MEMORY, deck(impostor))
    with pytest.raises(DeckError, match="t.basic.*retired"):
        do_sync()
    assert snapshot(store) == before


def test_removing_a_cloze_number_retires_only_that_item(store, deckdir, do_sync, clock):
    deckdir.write(BITS, deck(CLOZE))
    do_sync()
    s1 = answer(store, "t.cloze::c1", clock)
    s2 = answer(store, "t.cloze::c2", clock, Rating.EASY)
    log = store.log_entries()

    deckdir.write(BITS, deck(CLOZE.replace("{{c2::4096}}", "4096")))
    report = do_sync()
    assert report.updated == ["t.cloze"] and report.retired == []
    assert set(active(store)) == {"t.cloze::c1"}
    assert active(store)["t.cloze::c1"].state == s1
    assert store.log_entries() == log

    deckdir.write(BITS, deck(CLOZE))
    do_sync()
    rows = active(store)
    assert set(rows) == {"t.cloze::c1", "t.cloze::c2"}
    assert (rows["t.cloze::c1"].state, rows["t.cloze::c2"].state) == (s1, s2)


def test_adding_a_cloze_number_adds_a_new_item(store, deckdir, do_sync, clock):
    deckdir.write(BITS, deck(CLOZE))
    do_sync()
    s1 = answer(store, "t.cloze::c1", clock)
    deckdir.write(BITS, deck(CLOZE.replace("bytes.", "bytes, {{c3::4}} KiB.")))
    assert do_sync().updated == ["t.cloze"]
    rows = active(store)
    assert set(rows) == {"t.cloze::c1", "t.cloze::c2", "t.cloze::c3"}
    assert rows["t.cloze::c1"].state == s1 and rows["t.cloze::c3"].state.is_new


def test_unchanged_and_touched_files_are_not_parsed(store, deckdir, do_sync):
    path = deckdir.write(BITS, SMALL_DECK)
    other = deckdir.write(MEMORY, deck(OTHER))
    assert len(do_sync().parsed_files) == 2
    before = snapshot(store)

    report = do_sync()
    assert report.parsed_files == [] and not report.changed
    assert snapshot(store) == before

    st = path.stat()
    new_mtime = st.st_mtime_ns + 7_000_000_000
    os.utime(path, ns=(st.st_atime_ns, new_mtime))
    report = do_sync()
    assert report.parsed_files == [] and not report.changed
    assert store.deck_file_records()[str(path.resolve())][0] == new_mtime
    cards, _, items, log = snapshot(store)
    assert (cards, items, log) == (before[0], before[2], before[3])

    # Touched and edited in one go: only the edited file is parsed.
    os.utime(path, ns=(st.st_atime_ns, new_mtime + 1_000_000_000))
    deckdir.write(MEMORY, deck(OTHER.replace("2^8", "two to the eighth")))
    report = do_sync()
    assert report.parsed_files == [str(other.resolve())]
    assert report.updated == ["t.other"]
    assert store.deck_file_records()[str(path.resolve())][0] == new_mtime + 1_000_000_000


LOCATION = re.compile(r"^(?P<path>[^\n]+):(?P<line>\d+):(?P<col>\d+): (?P<msg>[^\n]+)$")


@pytest.mark.parametrize("text,line,fragment", [
    (deck(BASIC, OTHER + "colour: red\n"), 9, "unknown key 'colour'"),
    ("title: Test\nauthor: me\ncards: []\n", 2, "unknown key 'author'"),
    (deck(BASIC, "front: no id\nback: x\n"), 6, "without 'id'"),
    (deck(BASIC, OTHER.replace("t.other", "T Other")), 6, "must be lowercase"),
    (deck(BASIC, "id: t.c\ntype: cloze\ntext: no deletions here\n"), 8, "no deletions"),
    (deck(BASIC, "id: t.ch\ntype: choice\nquestion: q?\nchoices: [a, b]\nanswer: 3\n"), 10, "out of range"),
    (deck(BASIC, BASIC), 6, "duplicate id"),
    ("title: Test\ncards:\n  - id: t.basic\n    front: [unclosed\n", 5, "YAML syntax"),
])
def test_a_malformed_deck_is_one_located_line_and_writes_nothing(store, deckdir, do_sync, text, line, fragment):
    deckdir.write(BITS, deck(BASIC, OTHER))
    deckdir.write(MEMORY, deck(CLOZE))
    do_sync()
    before = snapshot(store)

    bad = deckdir.write(BITS, text)
    with pytest.raises(DeckError) as excinfo:
        do_sync()
    message = str(excinfo.value)
    m = LOCATION.match(message)
    assert m, message
    assert os.path.samefile(m["path"], bad)
    assert int(m["line"]) == line and int(m["col"]) >= 1
    assert fragment in m["msg"]
    assert snapshot(store) == before


def test_a_malformed_new_file_blocks_the_whole_sync(store, deckdir, do_sync):
    deckdir.write(BITS, deck(BASIC))
    do_sync()
    before = snapshot(store)
    deckdir.write(BITS, deck(BASIC, OTHER))  # a good change...
    deckdir.write(MEMORY, "title: Broken\ncards:\n  - id: t.x\n    front: q\n")  # ...next to a bad file
    with pytest.raises(DeckError, match=r":3:\d+: basic card 't.x' is missing 'back'"):
        do_sync()
    assert snapshot(store) == before


def test_duplicate_id_across_two_new_files(store, deckdir, do_sync):
    deckdir.write(BITS, deck(BASIC))
    deckdir.write(MEMORY, deck(OTHER, BASIC))
    with pytest.raises(DeckError, match="duplicate id 't.basic'") as excinfo:
        do_sync()
    assert "\n" not in str(excinfo.value)
    assert snapshot(store) == ({}, {}, {}, [])


@pytest.mark.parametrize("edit_old_file", [False, True])
def test_duplicate_id_between_a_changed_and_an_unchanged_file(store, deckdir, do_sync, edit_old_file):
    deckdir.write(BITS, deck(BASIC))
    do_sync()
    before = snapshot(store)
    if edit_old_file:  # the copy goes into a new file while the old one changes too
        deckdir.write(BITS, deck(BASIC, OTHER))
    deckdir.write(MEMORY, deck(BASIC.replace("What is 2^10?", "Copy of 2^10?")))
    with pytest.raises(DeckError, match="duplicate id 't.basic'"):
        do_sync()
    assert snapshot(store) == before


def test_deleting_a_deck_file_retires_its_cards(store, deckdir, do_sync, clock):
    bits = deckdir.write(BITS, SMALL_DECK)
    deckdir.write(MEMORY, deck(OTHER))
    do_sync()
    answer(store, "t.cloze::c2", clock)
    log = store.log_entries()

    bits.unlink()
    report = do_sync()
    assert sorted(report.retired) == ["t.basic", "t.choice", "t.cloze", "t.num", "t.typed"]
    assert set(active(store)) == {"t.other"}
    assert str(bits.resolve()) not in store.deck_file_records()
    assert store.log_entries() == log
    assert all(store.card_index()[cid][2] is not None for cid in report.retired)

    # Bringing the file back restores every card, history included.
    deckdir.write(BITS, SMALL_DECK)
    report = do_sync()
    assert sorted(report.restored) == ["t.basic", "t.choice", "t.cloze", "t.num", "t.typed"]
    assert set(active(store)) == SMALL_ITEMS | {"t.other"}
    assert not active(store)["t.cloze::c2"].state.is_new


def test_a_deck_directory_left_out_once_keeps_its_cards(store, tmp_path, clock):
    """Forgetting --decks one evening must not retire the learner's own cards."""
    from recall.sync import sync

    mine = tmp_path / "mine"
    (mine / "01-computer-architecture").mkdir(parents=True)
    (mine / "01-computer-architecture" / "01-binary-and-bits.yaml").write_text(
        "cards:\n  - id: own.a\n    front: f\n    back: b\n")
    shipped = tmp_path / "shipped"
    shipped.mkdir()
    sync(store, [shipped, mine], clock.now())
    report = sync(store, [shipped], clock.now())
    assert report.retired == []
    assert [r.card_id for r in store.active_items()] == ["own.a"]


def test_a_moved_deck_directory_keeps_its_cards_and_history(store, tmp_path, clock):
    """Renaming the learner's deck folder must not leave every command refusing to start."""
    from recall.sync import sync

    a = tmp_path / "a"
    (a / "01-computer-architecture").mkdir(parents=True)
    (a / "01-computer-architecture" / "01-binary-and-bits.yaml").write_text(
        "cards:\n  - id: own.a\n    front: f\n    back: b\n")
    sync(store, [a], clock.now())
    b = tmp_path / "b"
    a.rename(b)
    report = sync(store, [b], clock.now())
    assert report.moved == ["own.a"]
    assert [r.deck_path for r in store.active_items()] == [str((b / "01-computer-architecture" /
                                                                "01-binary-and-bits.yaml").resolve())]
