"""The real terminal UI, driven through prompt_toolkit's pipe input with a fixed clock."""

import threading

import pytest
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from conftest import SMALL_DECK

DECK = "01-computer-architecture/01-binary-and-bits.yaml"


@pytest.fixture
def terminal(env):
    with create_pipe_input() as pipe:
        env.terminal_input = pipe
        env.terminal_output = DummyOutput()
        # If a test's keys leave the UI waiting, Ctrl-C it after a while: a failure, not a hang.
        fired = threading.Event()

        def rescue():
            fired.set()
            pipe.send_text("\x03" * 50)

        guard = threading.Timer(20, rescue)
        guard.start()
        yield pipe
        guard.cancel()
        assert not fired.is_set(), "the UI was still waiting for keys after the test's input"


@pytest.mark.postgres
def test_an_evening_review_through_the_terminal(run, deckdir, terminal, collection):
    deckdir.write(DECK, SMALL_DECK)
    # basic: reveal, Good; cloze c1: Enter, Again; choice: type 2 (wrong), accept Hard;
    # typed: "MMAP", Easy; the numeric card is now waiting for typing, so Ctrl-Z undoes;
    # answer the typed card again with Good; quit.
    # The numeric card comes next and takes typing, so Ctrl-C quits.
    terminal.send_text(" 3" "\r1" "2\r2" "MMAP\r4" "\x1a" "mmap\r3" "\x03")
    r = run("review")
    assert r.code == 0, r.err
    assert "Answered 4 (1 again, again rate 25%)" in r.out
    col = collection()
    log = [(e.entry.item_id, int(e.entry.rating), e.entry.response) for e in col.store.log_entries()]
    col.close()
    from recall.scheduling import ItemState
    from recall.session import shuffled_choices

    col = collection()
    shown = shuffled_choices(col.store.cards_by_id(["t.choice"])["t.choice"], ItemState("t.choice"))
    col.close()
    second = shown.content["choices"][1]  # what "2" picked in that showing's order
    assert log == [("t.basic", 3, None), ("t.cloze::c1", 1, None), ("t.choice", 2, second), ("t.typed", 3, "mmap")]


def test_bad_numeric_answer_is_refused_and_nothing_written(run, deckdir, terminal, collection):
    deckdir.write(DECK, """
        cards:
          - id: n
            type: numeric
            question: Bytes in a cache line?
            answer: 64
            unit: bytes
            tolerance: 0
        """)
    # Bad text stays to be edited; Easy graduates; then the quiz ends.
    terminal.send_text("lots\r" + "\x7f" * 4 + "64\r" "4" "q")
    r = run("quiz", "01")
    assert r.code == 0 and "Answered 1" in r.out
    col = collection()
    log = [(e.entry.response, int(e.entry.rating), e.entry.mode) for e in col.store.log_entries()]
    col.close()
    assert log == [("64", 4, "quiz")]


def test_help_and_quit_without_answering(run, deckdir, terminal, collection):
    deckdir.write(DECK, SMALL_DECK)
    terminal.send_text("?" "?" "s" "b" "\x03")  # the choice card now waits for typing
    r = run("review")
    assert r.code == 0 and "Answered 0" in r.out
    col = collection()
    plan = [e.item_id for e in col.evening_plan().entries]
    col.close()
    assert "t.basic" not in plan and "t.cloze::c1" not in plan  # suspended, buried


def test_escape_reveals_without_an_answer(run, deckdir, terminal, collection):
    deckdir.write(DECK, """
        cards:
          - id: t
            type: typed
            question: Which call maps a file?
            answer: mmap
        """)
    terminal.send_text("mm\x1b")  # started typing, gave up...
    # ...and, once the lone Esc has been told apart from an Alt-key, rates Again.
    threading.Timer(1.5, terminal.send_text, ["1\x03"]).start()  # Again brings it back: Ctrl-C
    r = run("quiz", "01")
    assert r.code == 0 and "Answered 1 (1 again" in r.out
    col = collection()
    log = [(e.entry.response, int(e.entry.rating)) for e in col.store.log_entries()]
    col.close()
    assert log == [("", 1)]


@pytest.mark.postgres
def test_the_last_answer_can_still_be_undone(run, deckdir, terminal, collection):
    deckdir.write(DECK, "cards:\n  - id: only\n    front: f\n    back: b\n")
    terminal.send_text(" 4" "u" " 3" "q")  # Easy by mistake on the last card, undo, Good, quit
    r = run("review")
    assert r.code == 0 and "Answered 1" in r.out
    col = collection()
    log = [int(e.entry.rating) for e in col.store.log_entries()]
    col.close()
    assert log == [3]
