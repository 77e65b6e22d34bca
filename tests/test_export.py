"""Export to Anki, checked by importing into a fresh collection with the real anki package."""

import sqlite3
import zipfile

import pytest

pytest.importorskip("genanki")
anki_collection = pytest.importorskip("anki.collection")

from recall.export import deck_name, to_html  # noqa: E402
from recall.scheduling import Rating  # noqa: E402

DECK = """
cards:
  - id: x.basic
    front: "Is <b>this</b> bold & is x<y?"
    back: |
      No: it is escaped.
      ```c
      int main(void) { return 0; }
      ```
    source: "ISO C11 §5.1.2.2"
    tags: [demo, ml]
  - id: x.cloze
    type: cloze
    text: "A line is {{c1::64}} bytes; a page is {{c2::4096}} bytes."
    source: x86-64
  - id: x.choice
    type: choice
    question: Largest?
    choices: [L1, L2, L3]
    answer: 3
  - id: x.typed
    type: typed
    question: Syscall that maps a file?
    answer: mmap
  - id: x.num
    type: numeric
    question: Bits in a float32 significand?
    answer: 24
    unit: bits
    tolerance: 0
"""

TRITON = """
cards:
  - id: tr.a
    front: What does tl.program_id(0) return?
    back: The index of this program instance along axis 0.
"""


def import_into(path, apkg, *, scheduling=False):
    from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest

    col = Collection(str(path))
    col.import_anki_package(ImportAnkiPackageRequest(
        package_path=str(apkg), options=ImportAnkiPackageOptions(with_scheduling=scheduling)))
    return col


@pytest.fixture
def decks(deckdir):
    deckdir.write("01-computer-architecture/02-memory-hierarchy.yaml", DECK)
    deckdir.write("13-triton-programming/01-programming-model.yaml", TRITON)
    return deckdir


def notes_by_guid(col):
    import genanki

    out = {}
    for nid in col.find_notes(""):
        note = col.get_note(nid)
        out[note.guid] = note
    return {cid: out.get(genanki.guid_for("recall", cid)) for cid in
            ("x.basic", "x.cloze", "x.choice", "x.typed", "x.num", "tr.a")}


def test_anki_imports_the_package(run, decks, tmp_path):
    apkg = tmp_path / "out.apkg"
    r = run("export", "anki", "-o", str(apkg))
    assert r.code == 0, r.err
    assert "6 notes in 2 decks" in r.out
    col = import_into(tmp_path / "a.anki2", apkg)
    try:
        notes = notes_by_guid(col)
        assert all(notes.values())
        assert col.note_count() == 6
        assert col.card_count() == 7  # the cloze with two deletions gives two cards
        names = {d.name for d in col.decks.all_names_and_ids()}
        assert "ML Systems::01 Computer Architecture::02 Memory Hierarchy" in names
        assert "ML Systems::09 Triton::01 Programming Model" in names  # 9th in the learning order
        basic = notes["x.basic"]
        assert basic["Front"] == "Is &lt;b&gt;this&lt;/b&gt; bold &amp; is x&lt;y?"
        assert "<span style=" in basic["Back"] and "main" in basic["Back"]  # highlighted, inline styles
        assert basic["Source"] == "ISO C11 §5.1.2.2"
        assert set(basic.tags) >= {"demo", "ml", "01-computer-architecture",
                                   "01-computer-architecture::02-memory-hierarchy"}
        assert notes["x.cloze"].note_type()["type"] == 1  # a real cloze note type
        assert sorted(c.ord for c in notes["x.cloze"].cards()) == [0, 1]
        assert notes["x.typed"].note_type()["tmpls"][0]["qfmt"].endswith("{{type:Answer}}")
        assert notes["x.num"]["Unit"] == "bits" and notes["x.num"]["Answer"] == "24"
        assert notes["x.choice"]["Answer"] == "3) L3"
    finally:
        col.close()


def test_reexport_updates_notes_instead_of_duplicating(run, decks, tmp_path, clock):
    first, second = tmp_path / "1.apkg", tmp_path / "2.apkg"
    assert run("export", "anki", "-o", str(first)).code == 0
    clock.advance(minutes=10)
    decks.write("01-computer-architecture/02-memory-hierarchy.yaml", DECK.replace("Largest?", "Which is largest?"))
    assert run("export", "anki", "-o", str(second)).code == 0
    col = import_into(tmp_path / "a.anki2", first)
    try:
        from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest

        col.import_anki_package(ImportAnkiPackageRequest(package_path=str(second),
                                                         options=ImportAnkiPackageOptions()))
        assert col.note_count() == 6
        assert notes_by_guid(col)["x.choice"]["Question"] == "Which is largest?"
    finally:
        col.close()


def test_unchanged_reexport_keeps_the_timestamp(run, decks, tmp_path, clock):
    a, b = tmp_path / "a.apkg", tmp_path / "b.apkg"
    run("export", "anki", "-o", str(a))
    clock.advance(days=1)
    run("export", "anki", "-o", str(b))
    assert _note_mods(a) == _note_mods(b)


def _note_mods(apkg):
    with zipfile.ZipFile(apkg) as z:
        data = z.read("collection.anki2")
    path = apkg.with_suffix(".anki2")
    path.write_bytes(data)
    with sqlite3.connect(path) as db:
        return sorted(db.execute("select guid, mod from notes"))


def test_export_selected_modules(run, decks, tmp_path):
    apkg = tmp_path / "t.apkg"
    r = run("export", "anki", "triton", "-o", str(apkg))
    assert r.code == 0 and "1 notes in 1 decks" in r.out
    assert run("export", "anki", "03", "-o", str(apkg)).code == 1  # no cards there: one line
    assert run("export", "anki", "-o", str(tmp_path / "missing" / "x.apkg")).code == 1


def test_with_history_carries_reviews_and_memory_state(run, decks, tmp_path, collection, clock):
    col = collection()
    s = col.session(col.evening_plan().entries)
    answered = 0
    while s.current is not None and answered < 8:
        if s.current.card.type in ("basic", "cloze"):
            s.reveal()
        else:
            s.submit("1")
        s.rate(Rating.GOOD)
        answered += 1
        clock.advance(minutes=11)
    states = {r.state.item_id: r.state for r in col.store.active_items() if not r.state.is_new}
    col.close()
    apkg = tmp_path / "h.apkg"
    r = run("export", "anki", "-o", str(apkg), "--with-history")
    assert r.code == 0, r.err
    assert f"{answered} reviews" in r.out
    anki = import_into(tmp_path / "fresh.anki2", apkg, scheduling=True)
    try:
        assert anki.db.scalar("select count() from revlog") == answered
        notes = notes_by_guid(anki)
        basic = notes["x.basic"].cards()[0]
        ours = states["x.basic"]
        assert basic.memory_state is not None
        assert basic.memory_state.stability == pytest.approx(ours.stability, rel=1e-3)
        assert basic.memory_state.difficulty == pytest.approx(ours.difficulty, rel=1e-3)
    finally:
        anki.close()


def test_html_decks_are_not_escaped(deckdir):
    assert to_html("<b>x</b>", is_html=True) == "<b>x</b>"
    assert to_html("<b>x</b>") == "&lt;b&gt;x&lt;/b&gt;"
    assert to_html("use `mmap(2)`\nthen") == "use <code>mmap(2)</code><br>then"


def test_deck_names_follow_the_learning_order():
    assert deck_name("11-gpu-architecture", "01-sm-internals") == "ML Systems::05 GPU Architecture::01 Sm Internals"
    assert deck_name("02-operating-systems", "01-memory-mapping") == \
        "ML Systems::02 Operating Systems::01 Memory Mapping"
