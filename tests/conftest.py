"""Shared fixtures: a fixed clock, deck directories written on the fly, an in-process CLI."""

from __future__ import annotations

import io
import textwrap
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

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


@pytest.fixture
def db_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'recall.db'}"


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
