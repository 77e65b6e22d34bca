"""Shared fixtures: a fixed clock, deck directories written on the fly, an in-process CLI."""

from __future__ import annotations

import io
import os
import textwrap
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from recall.cli import main
from recall.collection import Collection, Settings
from recall.env import Env
from recall.storage import Store

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
# 21:00 in Berlin on a Thursday evening: a typical evening review.
EVENING = datetime(2026, 11, 26, 20, 0, tzinfo=timezone.utc)
BERLIN = ZoneInfo("Europe/Berlin")


class FakeClock:
    """Wall clock and monotonic clock that only move when a test says so."""

    def __init__(self, start: datetime = EVENING):
        self.t = start
        self.mono = 1000.0

    def now(self) -> datetime:
        return self.t

    def monotonic(self) -> float:
        return self.mono

    def advance(self, **kwargs) -> None:
        delta = timedelta(**kwargs)
        self.t += delta
        self.mono += delta.total_seconds()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@dataclass
class DeckDir:
    root: Path

    def write(self, rel: str, text: str) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path


@pytest.fixture
def deckdir(tmp_path) -> DeckDir:
    root = tmp_path / "decks"
    root.mkdir()
    return DeckDir(root)


@pytest.fixture
def empty_shipped(tmp_path) -> Path:
    """An empty stand-in for the shipped decks, so tests see only their own cards."""
    p = tmp_path / "shipped"
    p.mkdir()
    return p


# A PostgreSQL server for the tests marked `postgres` (`.ci/postgres start DIR` prints a URL; CI
# sets it). Without one those tests run on SQLite only.
PG_URL = os.environ.get("RECALL_TEST_PG_URL")


def pytest_configure(config):
    config.addinivalue_line("markers", "postgres: runs on PostgreSQL too when RECALL_TEST_PG_URL names a server")


def pytest_generate_tests(metafunc):
    if PG_URL and metafunc.definition.get_closest_marker("postgres") and "backend" in metafunc.fixturenames:
        metafunc.parametrize("backend", ["sqlite", "postgresql"])


@pytest.fixture
def backend() -> str:
    return "sqlite"


@pytest.fixture
def fresh_db(tmp_path, backend):
    """Makes new, empty databases of the test's backend and returns their URLs; PostgreSQL
    databases are dropped after the test."""
    created: list[str] = []
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT") if backend == "postgresql" else None

    def make(name: str = "recall") -> str:
        if admin is None:
            return f"sqlite:///{tmp_path / (name + '.db')}"
        db = f"recall_test_{uuid.uuid4().hex[:12]}"
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{db}"')
        created.append(db)
        return sa.engine.make_url(PG_URL).set(database=db).render_as_string(hide_password=False)

    yield make
    if admin is not None:
        with admin.connect() as conn:
            for db in created:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture
def db_url(fresh_db) -> str:
    return fresh_db()


@pytest.fixture
def env(clock, db_url, deckdir, empty_shipped) -> Env:
    return Env(stdout=io.StringIO(), stderr=io.StringIO(),
               environ={"RECALL_DB": db_url, "RECALL_DECKS": str(deckdir.root)},
               now=clock.now, monotonic=clock.monotonic, tz=BERLIN, shipped_decks=empty_shipped,
               shipped_exercises=empty_shipped.parent / "no-exercises")


@pytest.fixture
def store(db_url):
    s = Store.open(db_url)
    yield s
    s.close()


@pytest.fixture
def collection(env):
    def open_() -> Collection:
        return Collection.open(env, Settings.from_env(env))
    return open_


@dataclass
class Result:
    code: int
    out: str
    err: str


@pytest.fixture
def run(env):
    """Run the real CLI in-process: ``run("review", "--plan")``."""

    def _run(*args: str) -> Result:
        env.stdout, env.stderr = io.StringIO(), io.StringIO()
        code = main(list(args), env)
        return Result(code, env.stdout.getvalue(), env.stderr.getvalue())

    return _run


SMALL_DECK = """
title: Bits
cards:
  - id: t.basic
    front: What is 2^10?
    back: "1024"
    source: arithmetic
  - id: t.cloze
    type: cloze
    text: "A line is {{c1::64}} bytes; a page is {{c2::4096::size}} bytes."
    source: x86-64
  - id: t.choice
    type: choice
    question: Which is largest?
    choices: [L1, L2, L3]
    answer: 3
  - id: t.typed
    type: typed
    question: Syscall that maps a file?
    answer: mmap
    accept: [mmap(2)]
  - id: t.num
    type: numeric
    question: Bits in a float32 significand?
    answer: 24
    unit: bits
    tolerance: 0
"""
