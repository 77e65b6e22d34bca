import json

import pytest

from conftest import SMALL_DECK
from recall.cli import build_parser, main

DECK = "01-computer-architecture/01-binary-and-bits.yaml"


def _commands(parser, prefix=()):
    """Every command path, e.g. (), ("review",), ("progress", "mark")."""
    yield prefix
    for action in parser._subparsers._group_actions if parser._subparsers else []:
        for name, sub in action.choices.items():
            yield from _commands(sub, prefix + (name,))


@pytest.mark.parametrize("path", list(_commands(build_parser())), ids=lambda p: " ".join(p) or "recall")
def test_every_command_has_help(path, capsys):
    with pytest.raises(SystemExit) as e:
        main([*path, "--help"])
    assert e.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: recall") and len(out.splitlines()) > 3


def test_commands_list_is_complete():
    names = {p for p in _commands(build_parser())}
    assert {("review",), ("quiz",), ("check",), ("progress",), ("progress", "mark"), ("rebuild",),
            ("suspended",), ("exercise", "run"), ("export", "anki"), ("calibration",)} <= names


def test_status_says_what_is_due(run, deckdir):
    deckdir.write(DECK, SMALL_DECK)
    r = run()
    assert r.code == 0, r.err
    assert "Tonight: 5 items" in r.out and "5 new" in r.out
    assert "Study next: 01-computer-architecture/01-binary-and-bits" in r.out


def test_review_plan_text_and_json(run, deckdir):
    deckdir.write(DECK, SMALL_DECK)
    r = run("review", "--plan", "--minutes", "1")
    assert r.code == 0 and "over the 1-minute budget" in r.out
    data = json.loads(run("review", "--plan", "--json").out)
    assert [i["item_id"] for i in data["items"]] == ["t.basic", "t.cloze::c1", "t.choice", "t.typed", "t.num"]
    assert data["left_out"] == [{"item_id": "t.cloze::c2", "reason": "a cloze sibling is studied today"}]
    assert json.loads(run("review", "--plan", "--json", "--new", "2").out)["items"][1]["item_id"] == "t.cloze::c1"
    assert len(json.loads(run("review", "--plan", "--json", "--new", "2").out)["items"]) == 2


def test_check_reports_every_problem_and_exits_1(run, deckdir, tmp_path):
    deckdir.write(DECK, "cards:\n  - id: a\n    frnt: x\n")
    deckdir.write("01-computer-architecture/02-memory-hierarchy.yaml", "cards:\n  - id: b\n    type: cloze\n    text: x\n")
    db = tmp_path / "recall.db"
    r = run("check")
    assert r.code == 1
    lines = [l for l in r.out.splitlines() if l.startswith("decks/") or ".yaml:" in l.split(" ")[0]]
    assert any(":3:5: unknown key 'frnt'" in l for l in lines)
    assert any(":4:11: cloze card has no deletions" in l for l in lines)
    assert "problem(s) in 2 file(s)" in r.out
    assert not db.exists()  # check writes nothing


def test_check_ok_and_paths(run, deckdir):
    deckdir.write(DECK, SMALL_DECK)
    r = run("check", str(deckdir.root))
    assert r.code == 0 and r.out.startswith("ok: 5 cards (6 review items) and 0 exercises in 1 file(s)")
    assert run("check", str(deckdir.root / "nope")).code == 1


def test_review_with_a_broken_deck_is_one_line_and_writes_nothing(run, deckdir):
    deckdir.write(DECK, SMALL_DECK)
    assert run("review", "--plan").code == 0
    deckdir.write(DECK, SMALL_DECK.replace("front: What", "frnt: What"))
    r = run("review", "--plan")
    assert r.code == 1
    assert len(r.err.strip().splitlines()) == 1
    assert "01-binary-and-bits.yaml:4:5: unknown key 'frnt'" in r.err
    deckdir.write(DECK, SMALL_DECK)
    assert "t.basic" in run("review", "--plan").out  # the old card is still there, untouched


@pytest.mark.parametrize("args,words", [
    (("quiz", "programming"), "ambiguous"),
    (("quiz", "99"), "no module matches"),
    (("quiz", "13-triton"), "has no cards yet"),
    (("progress", "mark", "01/99", "read"), "no submodule"),
    (("--decks", "/nonexistent/decks", "review", "--plan"), "does not exist"),
    (("review",), "needs a terminal"),
])
def test_bad_input_is_one_line(run, deckdir, args, words):
    deckdir.write(DECK, SMALL_DECK)
    r = run(*args)
    assert r.code == 1
    assert words in r.err and len(r.err.strip().splitlines()) == 1 and "Traceback" not in r.err


@pytest.mark.parametrize("name,value", [("RECALL_ROLLOVER", "25"), ("RECALL_RETENTION", "high"),
                                        ("RECALL_TZ", "Mars/Olympus"), ("RECALL_NEW_PER_DAY", "-1")])
def test_bad_settings_are_one_line(run, env, deckdir, name, value):
    deckdir.write(DECK, SMALL_DECK)
    env.environ[name] = value
    env.tz = None  # let RECALL_TZ decide
    r = run("review", "--plan")
    assert r.code == 1 and name in r.err
    assert len(r.err.strip().splitlines()) == 1


@pytest.mark.postgres
def test_progress_marks_and_read_submodules_come_first(run, deckdir):
    deckdir.write(DECK, SMALL_DECK)
    deckdir.write("01-computer-architecture/02-memory-hierarchy.yaml",
                  "cards:\n  - id: m.a\n    front: a\n    back: b\n")
    assert json.loads(run("review", "--plan", "--json").out)["items"][0]["item_id"] == "t.basic"
    r = run("progress", "mark", "01/02", "read")
    assert r.code == 0 and "02-memory-hierarchy: Read theory ticked" in r.out
    assert json.loads(run("review", "--plan", "--json").out)["items"][0]["item_id"] == "m.a"
    assert "already ticked" in run("progress", "mark", "01/02", "read").out
    run("progress", "mark", "computer", "ml")
    out = run("progress").out
    assert "[x] Connect to ML use case" in out and "[x] 02-memory-hierarchy" in out
    assert "Phase 5: Advanced Topics" in out and "18-distributed-computing" in out
    assert "unticked" in run("progress", "mark", "01/02", "read", "--undo").out
    assert json.loads(run("review", "--plan", "--json").out)["items"][0]["item_id"] == "t.basic"


@pytest.mark.postgres
def test_rebuild_reports_no_difference_after_real_answers(run, deckdir, collection, clock):
    from recall.scheduling import Rating

    deckdir.write(DECK, SMALL_DECK)
    col = collection()
    s = col.session(col.evening_plan().entries)
    for _ in range(4):
        s.reveal() if s.current.card.type in ("basic", "cloze") else s.submit("1")
        s.rate(Rating.GOOD)
    col.close()
    r = run("rebuild")
    assert r.code == 0 and "0 differed" in r.out and "rebuilt 4 items" in r.out


@pytest.mark.parametrize("minutes", ["inf", "nan", "1e12", "-5"])
def test_review_minutes_must_be_sensible(minutes, capsys):
    with pytest.raises(SystemExit) as e:
        main(["review", "--plan", "--minutes", minutes])
    assert e.value.code == 2


@pytest.mark.parametrize("args", [("quiz", "nosuchmodule"), ("progress", "mark", "99", "read"),
                                  ("export", "anki", "99"), ("review", "--json")])
def test_bad_input_creates_no_database(run, env, tmp_path, args):
    db = tmp_path / "fresh.db"
    env.environ["RECALL_DB"] = f"sqlite:///{db}"
    assert run(*args).code != 0
    assert not db.exists()


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///", "sqlite:///:memory:"])
def test_in_memory_databases_are_refused(run, env, deckdir, url):
    deckdir.write(DECK, SMALL_DECK)
    r = run("--db", url, "review", "--plan")
    assert r.code == 1 and "in-memory" in r.err


def test_a_database_that_refuses_writes_is_one_line(run, env, deckdir, tmp_path):
    deckdir.write(DECK, SMALL_DECK)
    db = tmp_path / "ro.db"
    env.environ["RECALL_DB"] = f"sqlite:///{db}"
    assert run("review", "--plan").code == 0
    env.environ["RECALL_DB"] = f"sqlite:///file:{db}?mode=ro&uri=true"
    r = run("progress", "mark", "01", "read")
    assert r.code == 1 and len(r.err.strip().splitlines()) == 1 and "Traceback" not in r.err, r.err


@pytest.mark.parametrize("tz", [":/etc/localtime", "UTC0", "CET-1CEST"])
def test_posix_tz_values_do_not_stop_recall(run, env, deckdir, tz):
    deckdir.write(DECK, SMALL_DECK)
    env.tz = None
    env.environ["TZ"] = tz
    assert run("review", "--plan").code == 0


def test_export_to_a_directory_is_one_line(run, deckdir, tmp_path):
    deckdir.write(DECK, SMALL_DECK)
    r = run("export", "anki", "-o", str(tmp_path))
    assert r.code == 1 and "Traceback" not in r.err


@pytest.mark.postgres
def test_suspended_cards_can_come_back(run, deckdir, collection):
    deckdir.write(DECK, SMALL_DECK)
    col = collection()
    s = col.session(col.evening_plan().entries)
    s.suspend()  # t.basic
    col.close()
    assert run("suspended").out.strip() == "t.basic"
    assert "t.basic" not in run("review", "--plan").out
    assert run("suspended", "--undo", "t.basic").out.strip() == "unsuspended 1 item(s)"
    assert "t.basic" in run("review", "--plan").out
    r = run("suspended", "--undo", "t.basic")
    assert r.code == 1 and "none of t.basic is suspended" in r.err
