"""storage.py: UTC times, the append-only log with undo, two processes on one SQLite file, bad URLs."""

from __future__ import annotations

import multiprocessing
import queue as queue_mod
import textwrap
import traceback
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings, strategies as st

from conftest import EVENING, PG_URL, SMALL_DECK
from recall import scheduling
from recall.errors import RecallError
from recall.scheduling import ItemState, Rating
from recall.storage import Store, StorageError, progress_marks
from recall.sync import sync

DECK = "01-computer-architecture/01-binary-and-bits.yaml"


def _sync_small(store: Store, deckdir, now: datetime = EVENING) -> None:
    deckdir.write(DECK, SMALL_DECK)
    sync(store, [deckdir.root], now)


@pytest.fixture
def synced(store, deckdir):
    """The store with SMALL_DECK synced into it."""
    _sync_small(store, deckdir)
    return store


def _answer(store: Store, item_id: str, rating: Rating, now: datetime, **kw):
    """Answer from the stored state and record it; returns (log id, new state, entry)."""
    new_state, entry = scheduling.answer(store.get_item_state(item_id), rating, now, **kw)
    return store.record_answer(entry, new_state), new_state, entry


def _row(store: Store, item_id: str):
    (row,) = [r for r in store.active_items() if r.state.item_id == item_id]
    return row


def _assert_state_is_replay_of_log(store: Store) -> None:
    by_item: dict[str, list] = {}
    for logged in store.log_entries():
        by_item.setdefault(logged.entry.item_id, []).append(logged.entry)
    for row in store.active_items():
        iid = row.state.item_id
        assert row.state == scheduling.replay(iid, by_item.get(iid, [])), iid


# --- UTCDateTime -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def mark_store(tmp_path_factory):
    s = Store.open(f"sqlite:///{tmp_path_factory.mktemp('utc') / 'recall.db'}")
    yield s
    s.close()


def _roundtrip(store: Store, value: datetime) -> datetime:
    """Write ``value`` through a UTCDateTime column and read it back."""
    with store.write() as conn:
        conn.execute(progress_marks.delete())
        conn.execute(progress_marks.insert().values(module="m", submodule="", kind="read", marked_at=value))
    with store.read() as conn:
        return conn.execute(sa.select(progress_marks.c.marked_at)).scalar_one()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=st.datetimes(min_value=datetime(1900, 1, 2), max_value=datetime(2200, 12, 30),
                          timezones=st.timezones()))
def test_aware_datetime_comes_back_as_the_same_instant_in_utc(mark_store, value):
    back = _roundtrip(mark_store, value)
    assert back.utcoffset() == timedelta(0)
    # Compare against the instant in UTC: Python's inter-zone == is False for a wall time
    # in a DST gap or fold even when the instant is the same.
    assert back == value.astimezone(timezone.utc)
    assert back.timestamp() == value.timestamp()
    assert back.microsecond == value.microsecond


def test_other_zone_is_stored_as_utc(mark_store):
    plus5 = datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=timezone(timedelta(hours=5)))
    back = _roundtrip(mark_store, plus5)
    assert back.tzinfo is not None and back.utcoffset() == timedelta(0)
    assert back == plus5
    assert (back.hour, back.minute, back.second, back.microsecond) == (4, 30, 15, 123456)


def test_naive_datetime_is_refused(mark_store):
    _roundtrip(mark_store, EVENING)
    with pytest.raises(sa.exc.StatementError) as excinfo:
        _roundtrip(mark_store, datetime(2026, 1, 1, 12, 0))
    assert isinstance(excinfo.value.orig, ValueError)
    assert "naive" in str(excinfo.value.orig)
    # The failed write was rolled back whole: the earlier row is still there.
    assert mark_store.progress_marks() == {("m", "", "read")}


# --- record and undo ---------------------------------------------------------------------

@pytest.mark.parametrize("item_id", ["t.basic", "t.cloze::c2", "t.num"])
@pytest.mark.parametrize("rating", list(Rating))
def test_record_then_undo_first_answer(synced, clock, item_id, rating):
    before = synced.get_item_state(item_id)
    assert before.is_new and _row(synced, item_id).introduced_at is None

    log_id, new_state, entry = _answer(synced, item_id, rating, clock.now(), duration_ms=4200)

    (logged,) = synced.log_entries()
    assert logged.id == log_id and logged.entry == entry
    assert synced.get_item_state(item_id) == new_state
    assert _row(synced, item_id).introduced_at == clock.now()
    # Nothing else moved.
    assert all(r.state.is_new for r in synced.active_items() if r.state.item_id != item_id)

    assert synced.undo_answer(log_id) == before
    assert synced.log_entries() == []
    assert synced.get_item_state(item_id) == before
    assert _row(synced, item_id).introduced_at is None


def test_undo_second_answer_restores_the_first(synced, clock):
    first_id, first_state, _ = _answer(synced, "t.basic", Rating.GOOD, clock.now())
    clock.advance(minutes=15)
    second_id, _, _ = _answer(synced, "t.basic", Rating.HARD, clock.now())

    assert synced.undo_answer(second_id) == first_state
    assert [a.id for a in synced.log_entries()] == [first_id]
    assert synced.get_item_state("t.basic") == first_state
    # Still introduced: only undoing the very first answer clears that.
    assert _row(synced, "t.basic").introduced_at == EVENING


def test_undo_of_an_older_answer_is_refused(synced, clock):
    first_id, _, _ = _answer(synced, "t.basic", Rating.GOOD, clock.now())
    clock.advance(minutes=15)
    _answer(synced, "t.basic", Rating.AGAIN, clock.now())
    # Another item answered later does not matter; the same item answered later does.
    _answer(synced, "t.typed", Rating.EASY, clock.now())
    log_before = synced.log_entries()
    state_before = synced.get_item_state("t.basic")

    with pytest.raises(StorageError, match="answered again"):
        synced.undo_answer(first_id)
    assert synced.log_entries() == log_before
    assert synced.get_item_state("t.basic") == state_before


def test_undo_twice_is_refused(synced, clock):
    log_id, _, _ = _answer(synced, "t.basic", Rating.GOOD, clock.now())
    synced.undo_answer(log_id)
    with pytest.raises(StorageError, match="nothing to undo"):
        synced.undo_answer(log_id)


def test_stale_state_before_is_refused_and_writes_nothing(synced, clock):
    stale = synced.get_item_state("t.choice")
    _, current, _ = _answer(synced, "t.choice", Rating.GOOD, clock.now())
    log_before = synced.log_entries()

    clock.advance(minutes=1)
    late_state, late_entry = scheduling.answer(stale, Rating.AGAIN, clock.now())
    with pytest.raises(StorageError, match="elsewhere"):
        synced.record_answer(late_entry, late_state)
    assert synced.log_entries() == log_before
    assert synced.get_item_state("t.choice") == current
    assert _row(synced, "t.choice").introduced_at == EVENING


def test_unknown_item_is_refused(synced, clock):
    state, entry = scheduling.answer(ItemState("no.such.card"), Rating.GOOD, clock.now())
    with pytest.raises(StorageError, match="unknown item"):
        synced.record_answer(entry, state)
    assert synced.log_entries() == []


@pytest.mark.parametrize("answered_before", [False, True])
def test_unscheduled_quiz_answer_is_logged_but_leaves_the_state(synced, clock, answered_before):
    if answered_before:
        _answer(synced, "t.basic", Rating.GOOD, clock.now())
        clock.advance(hours=1)
    state_before = synced.get_item_state("t.basic")
    introduced_before = _row(synced, "t.basic").introduced_at

    log_id, returned, entry = _answer(synced, "t.basic", Rating.AGAIN, clock.now(), mode="quiz",
                                      schedule=False, response="1000")

    assert returned == state_before
    logged = synced.log_entries()[-1]
    assert logged.id == log_id and logged.entry == entry
    assert (logged.entry.mode, logged.entry.scheduled, logged.entry.response) == ("quiz", False, "1000")
    assert synced.get_item_state("t.basic") == state_before
    assert _row(synced, "t.basic").introduced_at == introduced_before
    _assert_state_is_replay_of_log(synced)
    # Undoing it takes the entry back and still leaves the state alone.
    assert synced.undo_answer(log_id) == state_before
    assert synced.get_item_state("t.basic") == state_before
    assert len(synced.log_entries()) == int(answered_before)


@pytest.fixture(scope="module")
def history_store(tmp_path_factory):
    root = tmp_path_factory.mktemp("history")
    (root / "decks" / DECK).parent.mkdir(parents=True)
    (root / "decks" / DECK).write_text(textwrap.dedent(SMALL_DECK).lstrip("\n"))
    s = Store.open(f"sqlite:///{root / 'recall.db'}")
    sync(s, [root / "decks"], EVENING)
    yield s
    s.close()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(answers=st.lists(st.tuples(st.sampled_from(list(Rating)), st.integers(1, 60 * 24 * 40),
                                  st.booleans()), min_size=1, max_size=8))
def test_any_history_matches_replay_and_undoes_back_to_new(history_store, answers):
    """Record any sequence of answers; the state is the log's replay; undo walks back exactly."""
    store, iid = history_store, "t.cloze::c1"
    assert store.log_entries() == [] and store.get_item_state(iid).is_new
    now = EVENING
    states = [store.get_item_state(iid)]
    ids = []
    for rating, gap_minutes, scheduled in answers:
        now += timedelta(minutes=gap_minutes)
        log_id, state, _ = _answer(store, iid, rating, now, schedule=scheduled)
        ids.append(log_id)
        states.append(state)
        assert store.get_item_state(iid) == state
    assert len(store.log_entries()) == len(answers)
    assert store.get_item_state(iid) == scheduling.replay(iid, [a.entry for a in store.log_entries()])

    for log_id, previous in zip(reversed(ids), reversed(states[:-1])):
        assert store.undo_answer(log_id) == previous
        assert store.get_item_state(iid) == previous
    assert store.log_entries() == []
    assert _row(store, iid).introduced_at is None


# --- two processes, one SQLite file ------------------------------------------------------
# Workers run in spawned processes; they report (ok, payload) on a queue, never raise.

def _answer_own_items(url, item_ids, rounds, barrier, results):
    try:
        store = Store.open(url)
        barrier.wait(timeout=60)
        recorded = 0
        for r in range(rounds):
            now = EVENING + timedelta(hours=r + 1)
            for k, iid in enumerate(item_ids):
                new_state, entry = scheduling.answer(store.get_item_state(iid), Rating((r + k) % 4 + 1), now,
                                                     duration_ms=1000 + r)
                store.record_answer(entry, new_state)
                recorded += 1
        store.close()
        results.put((True, recorded))
    except BaseException:
        barrier.abort()  # release the others at once instead of after the timeout
        results.put((False, traceback.format_exc()))


def _answer_shared_item(url, iid, rounds, worker, barrier, results):
    """Each round: read the state, wait until every worker has read it, then all try to write."""
    try:
        store = Store.open(url)
        ok = refused = 0
        for r in range(rounds):
            state = store.get_item_state(iid)
            now = (state.last_review or EVENING) + timedelta(minutes=10 + worker)
            new_state, entry = scheduling.answer(state, Rating((r + worker) % 4 + 1), now)
            barrier.wait(timeout=60)
            try:
                store.record_answer(entry, new_state)
                ok += 1
            except StorageError:
                refused += 1
            barrier.wait(timeout=60)
        store.close()
        results.put((True, (ok, refused)))
    except BaseException:
        barrier.abort()  # release the others at once instead of after the timeout
        results.put((False, traceback.format_exc()))


def _answer_shared_item_until(url, iid, wanted, worker, barrier, results):
    """Free-running: read, answer, write; on refusal reload and retry, until ``wanted`` went in."""
    try:
        store = Store.open(url)
        barrier.wait(timeout=60)
        ok = refused = 0
        while ok < wanted:
            assert refused < 100 * wanted, "starved"
            state = store.get_item_state(iid)
            now = (state.last_review or EVENING) + timedelta(minutes=5 + worker)
            new_state, entry = scheduling.answer(state, Rating((ok + worker) % 4 + 1), now, duration_ms=worker)
            try:
                store.record_answer(entry, new_state)
                ok += 1
            except StorageError:
                refused += 1
        store.close()
        results.put((True, (ok, refused)))
    except BaseException:
        barrier.abort()  # release the others at once instead of after the timeout
        results.put((False, traceback.format_exc()))


def _run_workers(target, args_per_worker):
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(len(args_per_worker))
    results = ctx.Queue()
    procs = [ctx.Process(target=target, args=(*args, barrier, results)) for args in args_per_worker]
    for p in procs:
        p.start()
    out = []
    try:
        for _ in procs:
            try:
                ok, payload = results.get(timeout=120)
            except queue_mod.Empty:
                pytest.fail("a worker process did not report back")
            assert ok, payload
            out.append(payload)
    finally:
        for p in procs:
            p.join(timeout=30)
            if p.is_alive():
                p.kill()
    assert [p.exitcode for p in procs] == [0] * len(procs)
    return out


def _many_cards_deck(n: int) -> str:
    lines = ["title: Many", "cards:"]
    for i in range(n):
        lines += [f"  - id: many.{i:03d}", f"    front: Question {i}?", f'    back: "{i}"']
    return "\n".join(lines) + "\n"


@pytest.mark.postgres
def test_processes_answering_their_own_items_lose_nothing(store, deckdir, db_url):
    workers, items_each, rounds = 8, 5, 5  # 25 answers per process
    deckdir.write(DECK, _many_cards_deck(workers * items_each))
    sync(store, [deckdir.root], EVENING)
    ids = sorted(r.state.item_id for r in store.active_items())
    assert len(ids) == workers * items_each

    counts = _run_workers(_answer_own_items, [
        (db_url, ids[w * items_each:(w + 1) * items_each], rounds) for w in range(workers)])

    assert counts == [items_each * rounds] * workers
    log = store.log_entries()
    assert len(log) == workers * items_each * rounds == 200
    per_item: dict[str, int] = {}
    for a in log:
        per_item[a.entry.item_id] = per_item.get(a.entry.item_id, 0) + 1
    assert per_item == {iid: rounds for iid in ids}
    _assert_state_is_replay_of_log(store)
    assert all(not r.state.is_new and r.introduced_at == EVENING + timedelta(hours=1)
               for r in store.active_items())


@pytest.mark.postgres
def test_processes_racing_on_one_item_exactly_one_wins_each_round(synced, db_url):
    """All four read the same state, then all write: one answer goes in, three are refused."""
    workers, rounds = 4, 6
    results = _run_workers(_answer_shared_item, [(db_url, "t.basic", rounds, w) for w in range(workers)])

    ok = sum(r[0] for r in results)
    refused = sum(r[1] for r in results)
    assert (ok, refused) == (rounds, rounds * (workers - 1))
    log = synced.log_entries()
    assert len(log) == ok
    # Each answer in the log was made from the state the one before it left.
    assert [a.entry.state_before for a in log[1:]] == [
        scheduling.replay("t.basic", [b.entry for b in log[:i + 1]]) for i in range(len(log) - 1)]
    assert synced.get_item_state("t.basic") == scheduling.replay("t.basic", [a.entry for a in log])


@pytest.mark.postgres
def test_processes_retrying_on_one_item_lose_no_answer(synced, db_url):
    workers, wanted = 4, 8
    results = _run_workers(_answer_shared_item_until, [(db_url, "t.typed", wanted, w) for w in range(workers)])

    assert [r[0] for r in results] == [wanted] * workers
    log = synced.log_entries()
    assert len(log) == workers * wanted
    assert sorted(a.entry.duration_ms for a in log) == sorted(w for w in range(workers) for _ in range(wanted))
    assert synced.get_item_state("t.typed") == scheduling.replay("t.typed", [a.entry for a in log])
    _assert_state_is_replay_of_log(synced)


# --- bad URLs ----------------------------------------------------------------------------

@pytest.mark.parametrize("url", [
    "nonsense://x",
    "sqlite:////nonexistent-dir/x/y.db",
    "postgresql+psycopg://u@127.0.0.1:1/db",
    "not a url at all",
])
def test_bad_url_is_a_one_line_storage_error(url):
    with pytest.raises(StorageError) as excinfo:
        Store.open(url)
    assert isinstance(excinfo.value, RecallError)
    message = str(excinfo.value)
    assert message.strip() and "\n" not in message


def test_a_directory_is_not_a_database(tmp_path):
    with pytest.raises(StorageError) as excinfo:
        Store.open(f"sqlite:///{tmp_path}")
    assert "\n" not in str(excinfo.value)


def test_a_file_that_is_not_a_database_is_a_storage_error(tmp_path):
    path = tmp_path / "notes.db"
    path.write_bytes(b"these are my notes, not SQLite\n" * 100)
    with pytest.raises(StorageError) as excinfo:
        Store.open(f"sqlite:///{path}")
    assert "\n" not in str(excinfo.value)
    assert path.read_bytes() == b"these are my notes, not SQLite\n" * 100


@pytest.mark.parametrize("url", ["nonsense://x", "sqlite:////nonexistent-dir/x/y.db"])
def test_cli_reports_a_bad_url_in_one_line(run, url):
    result = run("--db", url, "review", "--plan")
    assert result.code == 1
    assert result.out == ""
    lines = result.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("recall:")
    assert "Traceback" not in result.err


@pytest.mark.postgres
def test_rebuild_holds_the_write_lock_so_no_answer_is_overwritten(db_url, deckdir, clock):
    """An answer given in another terminal during `recall rebuild` waits, then lands on top."""
    import threading

    from conftest import SMALL_DECK
    from recall.scheduling import Rating, SchedulerConfig, answer, replay
    from recall.storage import Store
    from recall.sync import sync

    deckdir.write("01-computer-architecture/01-binary-and-bits.yaml", SMALL_DECK)
    store = Store.open(db_url)
    sync(store, [deckdir.root], clock.now())
    state = store.get_item_state("t.basic")
    new, log = answer(state, Rating.GOOD, clock.now())
    store.record_answer(log, new)
    other = Store.open(db_url)
    waited = {}

    def meanwhile():
        s = other.get_item_state("t.basic")
        n, entry = answer(s, Rating.AGAIN, clock.now() + timedelta(minutes=5))
        other.record_answer(entry, n)

    def compute(item_id, entries):
        t = threading.Thread(target=meanwhile)
        t.start()
        t.join(0.5)
        waited["blocked"] = t.is_alive()  # the other writer is held off by our transaction
        waited["thread"] = t
        return replay(item_id, entries, SchedulerConfig())

    store.rebuild_states(compute)
    waited["thread"].join(10)
    assert waited["blocked"]
    log_entries = [e.entry for e in store.log_entries(["t.basic"])]
    assert [e.rating for e in log_entries] == [Rating.GOOD, Rating.AGAIN]
    assert store.get_item_state("t.basic") == replay("t.basic", log_entries)
    store.close()
    other.close()


@pytest.mark.skipif(not PG_URL, reason="needs a PostgreSQL server (RECALL_TEST_PG_URL)")
@pytest.mark.parametrize("backend", ["postgresql"])
def test_postgresql_writes_read_committed_whatever_the_server_default(db_url):
    """The write lock needs each statement to see what was committed before it; under a
    REPEATABLE READ default the snapshot would predate the wait for the lock."""
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    name = sa.engine.make_url(db_url).database
    with admin.connect() as conn:
        conn.exec_driver_sql(f'ALTER DATABASE "{name}" SET default_transaction_isolation = \'repeatable read\'')
    admin.dispose()
    store = Store.open(db_url)
    try:
        with store.write() as conn:
            assert conn.exec_driver_sql("SHOW transaction_isolation").scalar() == "read committed"
    finally:
        store.close()
