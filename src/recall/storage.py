"""Storage: the only module that speaks SQL.

SQLAlchemy Core over SQLite (default) or PostgreSQL. The schema is created and upgraded by
Alembic migrations (``recall/migrations``), applied automatically when a database is opened.

Rules kept here:
* The review log is append-only; only ``undo`` deletes the entry it takes back.
* Every write runs in its own transaction; on SQLite it starts with ``BEGIN IMMEDIATE`` so two
  recall processes sharing a file queue up instead of losing answers.
* Times are stored as UTC and come back timezone-aware (SQLite hands back naive ones).
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, Iterator

import sqlalchemy as sa
from sqlalchemy import event, exc as sa_exc

from recall.errors import RecallError
from recall.scheduling import ItemState, LogEntry, Rating

# Keep in step with the newest file in migrations/versions (a test checks it). Comparing
# against this constant lets an up-to-date database open without importing Alembic.
HEAD_REVISION = "0003"


class StorageError(RecallError):
    pass


class UTCDateTime(sa.types.TypeDecorator):
    """A DateTime that only accepts aware datetimes, stores UTC, and returns aware UTC.

    SQLite has no time zone type: there we store the text SQLAlchemy's SQLite DateTime uses
    (``YYYY-MM-DD HH:MM:SS.ffffff``, naive UTC) and parse it ourselves, which on a large
    collection is a good part of start-up and much cheaper than parse-then-replace.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == "sqlite":
            return dialect.type_descriptor(sa.String())
        return dialect.type_descriptor(sa.DateTime(timezone=True))

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to storage; use UTC")
        value = value.astimezone(timezone.utc)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if isinstance(value, str):  # SQLite
            return datetime.fromisoformat(value + "+00:00")
        return value.astimezone(timezone.utc)


metadata = sa.MetaData()

cards = sa.Table(
    "cards", metadata,
    sa.Column("id", sa.String(200), primary_key=True),
    sa.Column("module", sa.String(100), nullable=False),
    sa.Column("submodule", sa.String(200), nullable=False),
    sa.Column("deck_path", sa.Text, nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("type", sa.String(20), nullable=False),
    sa.Column("content", sa.Text, nullable=False),  # JSON: content, tags, source, note
    sa.Column("content_hash", sa.String(64), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("retired_at", UTCDateTime, nullable=True),
)

items = sa.Table(
    "items", metadata,
    sa.Column("id", sa.String(220), primary_key=True),  # card id, or "<card id>::c<n>" for a cloze
    sa.Column("card_id", sa.String(200), sa.ForeignKey("cards.id"), nullable=False, index=True),
    sa.Column("cloze", sa.Integer, nullable=False, default=0),
    sa.Column("state", sa.Integer, nullable=True),  # NULL: new
    sa.Column("step", sa.Integer, nullable=True),
    sa.Column("stability", sa.Float, nullable=True),
    sa.Column("difficulty", sa.Float, nullable=True),
    sa.Column("due", UTCDateTime, nullable=True),
    sa.Column("last_review", UTCDateTime, nullable=True),
    sa.Column("introduced_at", UTCDateTime, nullable=True),  # first scheduled answer
    sa.Column("suspended", sa.Boolean, nullable=False, default=False),
    sa.Column("buried_until", UTCDateTime, nullable=True),
    sa.Column("retired_at", UTCDateTime, nullable=True),
)

review_log = sa.Table(
    "review_log", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("item_id", sa.String(220), nullable=False, index=True),
    sa.Column("rating", sa.Integer, nullable=False),
    sa.Column("reviewed_at", UTCDateTime, nullable=False, index=True),
    sa.Column("duration_ms", sa.Integer, nullable=False),
    sa.Column("mode", sa.String(16), nullable=False, index=True),  # index: migration 0003
    sa.Column("response", sa.Text, nullable=True),
    sa.Column("scheduled", sa.Boolean, nullable=False),
    sa.Column("state_before", sa.Text, nullable=False),  # JSON of the item's state, for undo
)

deck_files = sa.Table(
    "deck_files", metadata,
    sa.Column("path", sa.String(1000), primary_key=True),
    sa.Column("mtime_ns", sa.BigInteger, nullable=False),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("synced_at", UTCDateTime, nullable=False),
)

progress_marks = sa.Table(  # added by migration 0002
    "progress_marks", metadata,
    sa.Column("module", sa.String(100), primary_key=True),
    sa.Column("submodule", sa.String(200), primary_key=True),  # "" for the module itself
    sa.Column("kind", sa.String(20), primary_key=True),
    sa.Column("marked_at", UTCDateTime, nullable=False),
)


measurements = sa.Table(  # added by migration 0003
    "measurements", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("exercise_id", sa.String(200), nullable=False),
    sa.Column("machine_key", sa.String(64), nullable=False),
    sa.Column("code_key", sa.String(64), nullable=False),
    sa.Column("measured_at", UTCDateTime, nullable=False),
    sa.Column("value", sa.Float, nullable=False),
    sa.Column("method", sa.Text, nullable=False),
    sa.Column("data", sa.Text, nullable=False),
)


@dataclass(slots=True)
class ItemRow:
    """An item with what the planner needs of its card; no card text."""

    state: ItemState
    card_id: str
    cloze: int
    module: str
    submodule: str
    deck_path: str
    position: int
    card_type: str
    suspended: bool
    buried_until: datetime | None
    introduced_at: datetime | None


@dataclass(frozen=True)
class StoredCard:
    id: str
    type: str
    module: str
    submodule: str
    deck_path: str
    content: dict
    tags: tuple[str, ...]
    source: str | None
    note: str | None
    retired_at: datetime | None
    position: int = 0
    updated_at: datetime | None = None
    html: bool = False  # the deck says its text is HTML: shown as is, not escaped


@dataclass(frozen=True)
class LoggedAnswer:
    id: int
    entry: LogEntry


def default_url() -> str:
    import platformdirs

    directory = Path(platformdirs.user_data_dir("recall", appauthor=False))
    directory.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{directory / 'recall.db'}"


class Store:
    def __init__(self, engine: sa.Engine):
        self.engine = engine

    # --- opening ---------------------------------------------------------------------

    @classmethod
    def open(cls, url: str) -> "Store":
        """Open (creating and migrating as needed) the database at ``url``."""
        try:
            parsed = sa.engine.make_url(url)
        except sa_exc.ArgumentError:
            parsed = None
        if parsed is not None and parsed.get_backend_name() == "sqlite" and (
                parsed.database in (None, "", ":memory:") or "mode=memory" in str(parsed.query)):
            raise StorageError("an in-memory database would lose every answer when recall exits; "
                               "give a file, e.g. sqlite:////home/you/recall.db")
        try:
            engine = _make_engine(url)
            store = cls(engine)
            store._migrate()
        except sa_exc.ArgumentError:
            # Not echoing the URL: it may hold a password.
            raise StorageError("cannot understand the database URL (--db / RECALL_DB); "
                               "expected e.g. sqlite:////path/recall.db or postgresql+psycopg://user@host/db") from None
        except sa_exc.NoSuchModuleError as e:
            raise StorageError(f"no driver for {url.split(':', 1)[0]!r}: {e}; for PostgreSQL install recall[postgres]") from None
        except ModuleNotFoundError as e:
            raise StorageError(f"database driver missing ({e.name}); for PostgreSQL: pip install 'recall[postgres]'") from None
        except sa_exc.DBAPIError as e:  # unreachable server, missing directory, not a database file
            raise StorageError(f"cannot open database {_safe_url(url)}: {_first_line(e.orig)}") from None
        return store

    def close(self) -> None:
        self.engine.dispose()

    def revision(self) -> str | None:
        with self.engine.connect() as conn:
            if not sa.inspect(conn).has_table("alembic_version"):
                return None
            return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()

    def _migrate(self) -> None:
        revision = self.revision()
        if revision == HEAD_REVISION:
            return
        from alembic.util.exc import CommandError

        from recall import migrate  # imports Alembic, only when there is work to do

        newer = f"cannot upgrade the database (unknown revision {revision!r}); was it written by a newer recall?"
        if revision is not None and revision not in migrate.revisions():
            raise StorageError(newer)  # said at once, without waiting for the write lock
        try:
            migrate.upgrade(self.engine)
        except CommandError as e:
            raise StorageError(f"cannot upgrade the database ({_first_line(e)}); "
                               "was it written by a newer recall?") from None

    @contextmanager
    def write(self) -> Iterator[sa.Connection]:
        """One write transaction, committed on exit, that holds the collection's write lock from
        its first statement: BEGIN IMMEDIATE on SQLite, an advisory lock on PostgreSQL (whose
        default READ COMMITTED would let two processes read the same state and both write, and
        lose an answer). Writers take turns; readers are not locked out (on SQLite a read may
        wait a moment while a writer commits)."""
        with self.engine.connect() as conn:
            conn.execution_options(recall_immediate=True)
            with conn.begin():
                lock_for_writing(conn)
                yield conn

    @contextmanager
    def read(self) -> Iterator[sa.Connection]:
        with self.engine.connect() as conn:
            with conn.begin():
                yield conn

    # --- deck files and cards ----------------------------------------------------------

    def deck_file_records(self) -> dict[str, tuple[int, int, str]]:
        with self.read() as conn:
            rows = conn.execute(sa.select(deck_files.c.path, deck_files.c.mtime_ns, deck_files.c.size,
                                          deck_files.c.sha256))
            return {r.path: (r.mtime_ns, r.size, r.sha256) for r in rows}

    def card_index(self) -> dict[str, tuple[str, str, datetime | None]]:
        """card id -> (deck path, content hash, retired_at), for every card ever synced."""
        with self.read() as conn:
            rows = conn.execute(sa.select(cards.c.id, cards.c.deck_path, cards.c.content_hash, cards.c.retired_at))
            return {r.id: (r.deck_path, r.content_hash, r.retired_at) for r in rows}

    def apply_sync(self, *, upserts: list, retire_cards: list[str], file_records: dict[str, tuple[int, int, str]],
                   drop_files: list[str], now: datetime) -> None:
        """Write one deck sync in one transaction. ``upserts`` are decks.Card objects."""
        with self.write() as conn:
            existing = {r.id: r for r in conn.execute(sa.select(
                cards.c.id, cards.c.retired_at, cards.c.content_hash, cards.c.deck_path, cards.c.position,
                cards.c.module, cards.c.submodule))}
            item_rows = {r.id: r for r in conn.execute(sa.select(items.c.id, items.c.card_id, items.c.retired_at))}
            for card in upserts:
                values = dict(module=card.module, submodule=card.submodule, deck_path=card.path,
                              position=card.position, type=card.type, content=card.to_json(),
                              content_hash=card.content_hash(), updated_at=now, retired_at=None)
                old = existing.get(card.id)
                if old is not None:
                    # updated_at moves only when the card really changed (Anki export relies on it).
                    if (old.content_hash, old.deck_path, old.position, old.module, old.submodule, old.retired_at) != (
                            values["content_hash"], card.path, card.position, card.module, card.submodule, None):
                        conn.execute(cards.update().where(cards.c.id == card.id).values(**values))
                else:
                    conn.execute(cards.insert().values(id=card.id, created_at=now, **values))
                wanted = set(card.item_ids())
                for iid in wanted:
                    if iid not in item_rows:
                        _, cloze = _split(iid)
                        conn.execute(items.insert().values(id=iid, card_id=card.id, cloze=cloze, suspended=False))
                    elif item_rows[iid].retired_at is not None:
                        conn.execute(items.update().where(items.c.id == iid).values(retired_at=None))
                # A cloze number removed from the text retires its item; history stays.
                gone = [iid for iid, r in item_rows.items()
                        if r.card_id == card.id and iid not in wanted and r.retired_at is None]
                if gone:
                    conn.execute(items.update().where(items.c.id.in_(gone)).values(retired_at=now))
            if retire_cards:
                conn.execute(cards.update().where(cards.c.id.in_(retire_cards)).values(retired_at=now))
                conn.execute(items.update().where(items.c.card_id.in_(retire_cards), items.c.retired_at.is_(None))
                             .values(retired_at=now))
            if drop_files:
                conn.execute(deck_files.delete().where(deck_files.c.path.in_(drop_files)))
            for path, (mtime_ns, size, sha) in file_records.items():
                conn.execute(deck_files.delete().where(deck_files.c.path == path))
                conn.execute(deck_files.insert().values(path=path, mtime_ns=mtime_ns, size=size, sha256=sha,
                                                        synced_at=now))

    def touch_deck_files(self, records: dict[str, tuple[int, int, str]]) -> None:
        """Remember new mtimes of files whose content did not change (saves hashing next time)."""
        with self.write() as conn:
            for path, (mtime_ns, size, _) in records.items():
                conn.execute(deck_files.update().where(deck_files.c.path == path)
                             .values(mtime_ns=mtime_ns, size=size))

    def cards_by_id(self, ids: Iterable[str]) -> dict[str, StoredCard]:
        ids = list(ids)
        out: dict[str, StoredCard] = {}
        with self.read() as conn:
            for chunk in _chunks(ids, 500):
                for r in conn.execute(sa.select(cards).where(cards.c.id.in_(chunk))):
                    out[r.id] = _stored_card(r)
        return out

    def live_cards(self, modules: Iterable[str] | None = None) -> list[StoredCard]:
        """Every card not retired (of the given modules), in no particular order."""
        q = sa.select(cards).where(cards.c.retired_at.is_(None))
        if modules is not None:
            q = q.where(cards.c.module.in_(list(modules)))
        with self.read() as conn:
            return [_stored_card(r) for r in conn.execute(q)]

    # --- items ---------------------------------------------------------------------

    def active_items(self, module: str | None = None, *, candidates_at: tuple[datetime, datetime] | None = None,
                     include_cards: Iterable[str] = ()) -> list[ItemRow]:
        """Every item of every live card, with its card's place in the curriculum.

        ``candidates_at=(due_before, today_start)`` keeps only what an evening plan can use:
        new items, items due before ``due_before``, items touched since ``today_start``
        (for the daily new-card count and cloze siblings), and the items of ``include_cards``. On a mature collection that is a
        small share of the rows, which keeps start-up fast.
        """
        q = (sa.select(*_ITEM_ROW_COLUMNS)
             .join(cards, items.c.card_id == cards.c.id)
             .where(items.c.retired_at.is_(None), cards.c.retired_at.is_(None)))
        if module is not None:
            q = q.where(cards.c.module == module)
        if candidates_at is not None:
            due_before, today = candidates_at
            q = q.where(sa.or_(items.c.state.is_(None), items.c.due < due_before, items.c.last_review >= today,
                               items.c.introduced_at >= today, items.c.buried_until.is_not(None),
                               items.c.card_id.in_(list(include_cards))))
        with self.read() as conn:
            # Plain tuple unpacking: on a large collection this loop is most of start-up.
            return [
                ItemRow(ItemState(iid, state, step, stab, diff, due, last), card_id, cloze, module_, sub, path, pos,
                        ctype, bool(susp), buried, intro)
                for (iid, card_id, cloze, state, step, stab, diff, due, last, intro, susp, buried, module_, sub,
                     path, pos, ctype) in conn.execute(q).all()
            ]

    def count_due(self, start: datetime, end: datetime) -> int:
        """Scheduled, live, unsuspended items falling due in [start, end)."""
        q = (sa.select(sa.func.count()).select_from(items.join(cards, items.c.card_id == cards.c.id))
             .where(items.c.retired_at.is_(None), cards.c.retired_at.is_(None), items.c.state.is_not(None),
                    items.c.suspended.is_(False), items.c.due >= start, items.c.due < end))
        with self.read() as conn:
            return int(conn.execute(q).scalar())

    def item_state(self, conn: sa.Connection, item_id: str) -> ItemState:
        r = conn.execute(sa.select(items).where(items.c.id == item_id)).one_or_none()
        if r is None:
            raise StorageError(f"unknown item {item_id!r}")
        return _state(r)

    def get_item_state(self, item_id: str) -> ItemState:
        with self.read() as conn:
            return self.item_state(conn, item_id)

    def set_flags(self, item_id: str, *, suspended: bool | None = None,
                  buried_until: datetime | None | bool = False) -> None:
        values = {}
        if suspended is not None:
            values["suspended"] = suspended
        if buried_until is not False:
            values["buried_until"] = buried_until
        with self.write() as conn:
            conn.execute(items.update().where(items.c.id == item_id).values(**values))

    def suspended_items(self) -> list[str]:
        with self.read() as conn:
            q = sa.select(items.c.id).where(items.c.suspended.is_(True), items.c.retired_at.is_(None))
            return sorted(r.id for r in conn.execute(q))

    def unsuspend(self, ids: list[str]) -> int:
        """Let suspended items (or all items of suspended cards) come back; returns how many."""
        with self.write() as conn:
            result = conn.execute(items.update().where(
                sa.or_(items.c.id.in_(ids), items.c.card_id.in_(ids)), items.c.suspended.is_(True))
                .values(suspended=False))
            return result.rowcount

    # --- the review log ----------------------------------------------------------------

    def record_answer(self, entry: LogEntry, new_state: ItemState) -> int:
        """Append one answer and store the new state, in one committed transaction."""
        with self.write() as conn:
            current = self.item_state(conn, entry.item_id)
            if current != entry.state_before:
                # Another process answered this item since we read it: apply on top of what is
                # stored would silently drop their answer, so refuse and let the caller reload.
                raise StorageError(f"{entry.item_id} was answered elsewhere meanwhile; reload and try again")
            log_id = conn.execute(review_log.insert().values(
                item_id=entry.item_id, rating=int(entry.rating), reviewed_at=entry.reviewed_at,
                duration_ms=entry.duration_ms, mode=entry.mode, response=entry.response,
                scheduled=entry.scheduled, state_before=_state_json(entry.state_before),
            )).inserted_primary_key[0]
            if entry.scheduled:
                values = _state_values(new_state)
                if entry.state_before.is_new:
                    values["introduced_at"] = entry.reviewed_at
                conn.execute(items.update().where(items.c.id == entry.item_id).values(**values))
            return int(log_id)

    def undo_answer(self, log_id: int) -> ItemState:
        """Take back one answer: delete its log entry and restore the state before it.

        Only the newest answer of its item can be undone, so no later answer is lost.
        """
        with self.write() as conn:
            row = conn.execute(sa.select(review_log).where(review_log.c.id == log_id)).one_or_none()
            if row is None:
                raise StorageError("nothing to undo: that answer is no longer in the log")
            newer = conn.execute(sa.select(sa.func.count()).select_from(review_log).where(
                review_log.c.item_id == row.item_id, review_log.c.id > log_id)).scalar()
            if newer:
                raise StorageError(f"cannot undo: {row.item_id} was answered again after that")
            before = _state_from_json(row.item_id, row.state_before)
            conn.execute(review_log.delete().where(review_log.c.id == log_id))
            if row.scheduled:
                values = _state_values(before)
                if before.is_new:
                    values["introduced_at"] = None
                conn.execute(items.update().where(items.c.id == row.item_id).values(**values))
            return before

    def log_entries(self, item_ids: Iterable[str] | None = None) -> list[LoggedAnswer]:
        q = sa.select(review_log).order_by(review_log.c.id)
        if item_ids is not None:
            q = q.where(review_log.c.item_id.in_(list(item_ids)))
        with self.read() as conn:
            return [LoggedAnswer(r.id, _entry(r)) for r in conn.execute(q)]

    def recent_durations(self, limit: int = 500) -> list[tuple[int, bool]]:
        """(duration ms, was the item new) of the newest answers: for time estimates."""
        q = (sa.select(review_log.c.duration_ms, review_log.c.state_before)
             .order_by(review_log.c.id.desc()).limit(limit))
        with self.read() as conn:
            return [(r.duration_ms, json.loads(r.state_before)["state"] is None) for r in conn.execute(q)]

    def answers_since(self, since: datetime) -> list[tuple[str, int, int, str]]:
        """(item id, rating, duration ms, mode) of answers at or after ``since``."""
        q = (sa.select(review_log.c.item_id, review_log.c.rating, review_log.c.duration_ms, review_log.c.mode)
             .where(review_log.c.reviewed_at >= since).order_by(review_log.c.id))
        with self.read() as conn:
            return [tuple(r) for r in conn.execute(q)]

    def import_log(self, entries: Iterable[LogEntry], batch: int = 20_000) -> int:
        """Append many answers at once (history imported from elsewhere); states are not touched,
        so follow with ``rebuild``. Returns how many were written."""
        n = 0
        rows: list[dict] = []

        def flush() -> None:
            with self.write() as conn:
                conn.execute(review_log.insert(), rows)
            rows.clear()

        for e in entries:
            rows.append(dict(item_id=e.item_id, rating=int(e.rating), reviewed_at=e.reviewed_at,
                             duration_ms=e.duration_ms, mode=e.mode, response=e.response, scheduled=e.scheduled,
                             state_before=_state_json(e.state_before)))
            n += 1
            if len(rows) >= batch:
                flush()
        if rows:
            flush()
        return n

    def rebuild_states(self, compute) -> tuple[int, int]:
        """Recompute every answered item's state from its log, in one write transaction (so an
        answer given meanwhile in another terminal waits instead of being overwritten).

        ``compute(item_id, entries in log order) -> ItemState``. Returns (changed, replayed).
        """
        changed = 0
        with self.write() as conn:
            by_item: dict[str, list[LogEntry]] = {}
            for r in conn.execute(sa.select(review_log).order_by(review_log.c.id)):
                by_item.setdefault(r.item_id, []).append(_entry(r))
            for iid, entries in by_item.items():
                state = compute(iid, entries)
                if self.item_state(conn, iid) != state:
                    values = _state_values(state)
                    values["introduced_at"] = min((e.reviewed_at for e in entries if e.scheduled), default=None)
                    conn.execute(items.update().where(items.c.id == iid).values(**values))
                    changed += 1
        return changed, len(by_item)

    # --- measurements -------------------------------------------------------------------

    def save_measurement(self, exercise_id: str, machine_key: str, code_key: str, value: float, method: str,
                         data: dict, now: datetime) -> None:
        with self.write() as conn:
            conn.execute(measurements.insert().values(
                exercise_id=exercise_id, machine_key=machine_key, code_key=code_key, measured_at=now,
                value=value, method=method, data=json.dumps(data, sort_keys=True)))

    def latest_measurement(self, exercise_id: str, machine_key: str | None = None,
                           code_key: str | None = None) -> dict | None:
        """The newest measurement of an exercise (on this machine and code, when given)."""
        q = sa.select(measurements).where(measurements.c.exercise_id == exercise_id)
        if machine_key is not None:
            q = q.where(measurements.c.machine_key == machine_key)
        if code_key is not None:
            q = q.where(measurements.c.code_key == code_key)
        with self.read() as conn:
            r = conn.execute(q.order_by(measurements.c.id.desc()).limit(1)).one_or_none()
        if r is None:
            return None
        return json.loads(r.data) | {"value": r.value, "method": r.method, "measured_at": r.measured_at.isoformat()}

    def exercise_answers(self) -> list[tuple[str, datetime, int, str | None, int]]:
        """(item id, time, rating, response JSON, duration ms) of every exercise answer, oldest first."""
        q = (sa.select(review_log.c.item_id, review_log.c.reviewed_at, review_log.c.rating, review_log.c.response,
                       review_log.c.duration_ms)
             .where(review_log.c.mode == "exercise").order_by(review_log.c.id))
        with self.read() as conn:
            return [tuple(r) for r in conn.execute(q)]

    # --- progress ----------------------------------------------------------------------

    def progress_marks(self) -> set[tuple[str, str, str]]:
        with self.read() as conn:
            return {(r.module, r.submodule, r.kind) for r in conn.execute(sa.select(progress_marks))}

    def set_mark(self, module: str, submodule: str, kind: str, on: bool, now: datetime) -> bool:
        """Tick or untick one checkbox; returns whether anything changed."""
        key = (progress_marks.c.module == module, progress_marks.c.submodule == submodule,
               progress_marks.c.kind == kind)
        with self.write() as conn:
            exists = conn.execute(sa.select(sa.func.count()).select_from(progress_marks).where(*key)).scalar()
            if on and not exists:
                conn.execute(progress_marks.insert().values(module=module, submodule=submodule, kind=kind,
                                                            marked_at=now))
                return True
            if not on and exists:
                conn.execute(progress_marks.delete().where(*key))
                return True
        return False


# --- helpers ---------------------------------------------------------------------------

_ITEM_ROW_COLUMNS = (
    items.c.id, items.c.card_id, items.c.cloze, items.c.state, items.c.step, items.c.stability, items.c.difficulty,
    items.c.due, items.c.last_review, items.c.introduced_at, items.c.suspended, items.c.buried_until,
    cards.c.module, cards.c.submodule, cards.c.deck_path, cards.c.position, cards.c.type,
)


def _make_engine(url: str) -> sa.Engine:
    engine = sa.create_engine(url)
    if engine.dialect.name == "postgresql":
        # The write lock relies on each statement seeing what was committed before it: under
        # REPEATABLE READ (a server or role default) the snapshot would be taken at the lock
        # statement, before the wait, and a writer would act on the state it waited past.
        engine = engine.execution_options(isolation_level="READ COMMITTED")
    if engine.dialect.name == "sqlite":
        _sqlite_transactions(engine)
    return engine


def _sqlite_transactions(engine: sa.Engine) -> None:
    """Take transaction control from pysqlite so writes can say BEGIN IMMEDIATE.

    A deferred transaction that reads, then writes, fails or loses updates when another
    process wrote in between; IMMEDIATE takes the write lock up front, and the busy timeout
    makes the second writer wait for it instead of failing.
    """

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA busy_timeout = 30000")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn):
        immediate = conn.get_execution_options().get("recall_immediate")
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


PG_WRITE_LOCK = 7_319_842_001  # any constant: the advisory lock every recall writer takes


def lock_for_writing(conn: sa.Connection) -> None:
    """Inside a transaction: wait for the collection's write lock (SQLite took it at BEGIN
    IMMEDIATE); it is released at commit or rollback."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({PG_WRITE_LOCK})")


def _first_line(e: object) -> str:
    return str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__


def _safe_url(url: str) -> str:
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except Exception:  # a URL we cannot parse is reported elsewhere
        return url


def _split(iid: str) -> tuple[str, int]:
    from recall.decks import split_item_id

    return split_item_id(iid)


def _chunks(seq: list, n: int):
    for i in range(0, len(seq), n):
        yield seq[i:i + n]


def _stored_card(r) -> StoredCard:
    data = json.loads(r.content)
    return StoredCard(r.id, r.type, r.module, r.submodule, r.deck_path, data["content"], tuple(data.get("tags") or ()),
                      data.get("source"), data.get("note"), r.retired_at, r.position, r.updated_at,
                      bool(data.get("html")))


def _state(r) -> ItemState:
    return ItemState(item_id=r.id, state=r.state, step=r.step, stability=r.stability, difficulty=r.difficulty,
                     due=r.due, last_review=r.last_review)


def _state_values(s: ItemState) -> dict:
    return dict(state=s.state, step=s.step, stability=s.stability, difficulty=s.difficulty, due=s.due,
                last_review=s.last_review)


def _state_json(s: ItemState) -> str:
    return json.dumps({
        "state": s.state, "step": s.step, "stability": s.stability, "difficulty": s.difficulty,
        "due": s.due.isoformat() if s.due else None,
        "last_review": s.last_review.isoformat() if s.last_review else None,
    }, sort_keys=True)


def _state_from_json(item_id: str, text: str) -> ItemState:
    d = json.loads(text)
    return ItemState(item_id=item_id, state=d["state"], step=d["step"], stability=d["stability"],
                     difficulty=d["difficulty"],
                     due=datetime.fromisoformat(d["due"]) if d["due"] else None,
                     last_review=datetime.fromisoformat(d["last_review"]) if d["last_review"] else None)


def _entry(r) -> LogEntry:
    return LogEntry(item_id=r.item_id, rating=Rating(r.rating), reviewed_at=r.reviewed_at,
                    duration_ms=r.duration_ms, mode=r.mode, response=r.response, scheduled=bool(r.scheduled),
                    state_before=_state_from_json(r.item_id, r.state_before))
