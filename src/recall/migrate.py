"""Apply the Alembic migrations in ``recall/migrations`` to an engine.

Kept apart from storage.py so that Alembic is imported only when a database needs
upgrading, not on every start.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

MIGRATIONS = Path(__file__).with_name("migrations")


def config(connection: sa.Connection | None = None, script_location: Path = MIGRATIONS) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(script_location))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head() -> str:
    return ScriptDirectory.from_config(config()).get_current_head()


def upgrade(engine: sa.Engine, revision: str = "head", script_location: Path = MIGRATIONS) -> None:
    # One BEGIN IMMEDIATE transaction for the whole upgrade, the version check included: two
    # processes opening a new database at once take turns, and the second finds the schema at
    # head. Alembic left to itself commits after each migration on SQLite (it treats SQLite's
    # DDL as non-transactional), so a second process could read version 0001 between two of
    # them while the first went on with its plan, and both applied 0002 ("table already exists").
    # Begun here, the transaction is the caller's, and Alembic runs every step inside it.
    with engine.connect() as conn:
        sqlite = engine.dialect.name == "sqlite"
        raw = conn.connection.driver_connection
        if sqlite:
            # SQLite rebuilds a table to alter it (copy, drop, rename); with foreign keys enforced
            # the drop of a referenced table (cards) fails. The pragma only works outside a
            # transaction, so it goes straight to the driver (SQLAlchemy would open a deferred
            # transaction for it) before ours begins, and the keys are checked after.
            raw.execute("PRAGMA foreign_keys = OFF")
        conn.execution_options(recall_immediate=True)
        with conn.begin():
            command.upgrade(config(conn, script_location), revision)
        if sqlite:
            broken = raw.execute("PRAGMA foreign_key_check").fetchall()
            raw.execute("PRAGMA foreign_keys = ON")
            if broken:
                raise RuntimeError(f"migration left {len(broken)} rows with broken references")
