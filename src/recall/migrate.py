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

from recall import storage

MIGRATIONS = Path(__file__).with_name("migrations")


def config(connection: sa.Connection | None = None, script_location: Path = MIGRATIONS) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(script_location))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head() -> str:
    return ScriptDirectory.from_config(config()).get_current_head()


def revisions() -> set[str]:
    """Every revision this recall knows, oldest to newest."""
    return {r.revision for r in ScriptDirectory.from_config(config()).walk_revisions()}


def upgrade(engine: sa.Engine, revision: str = "head", script_location: Path = MIGRATIONS) -> None:
    # One write transaction for the whole upgrade, the version check included, so that two
    # processes opening a new database at once take turns and the second finds it at head.
    # Alembic left to itself commits after each migration on SQLite (it treats SQLite's DDL as
    # non-transactional): a second process could read version 0001 between two commits while
    # the first went on with its plan, and both applied 0002. Begun here, the transaction is the
    # caller's and Alembic runs every step inside it. On SQLite BEGIN IMMEDIATE takes the write
    # lock; PostgreSQL needs an explicit lock, as two transactions may both create a table.
    with engine.connect() as conn:
        sqlite = engine.dialect.name == "sqlite"
        raw = conn.connection.driver_connection
        if sqlite:
            # SQLite rebuilds a table to alter it (copy, drop, rename); with foreign keys enforced
            # the drop of a referenced table (cards) fails. The pragma only works outside a
            # transaction, so it goes straight to the driver (SQLAlchemy would open a deferred
            # transaction for it) before ours begins; the keys are checked before the commit.
            raw.execute("PRAGMA foreign_keys = OFF")
        try:
            conn.execution_options(recall_immediate=True)
            with conn.begin():
                storage.lock_for_writing(conn)  # PostgreSQL: an upgrade is a write like any other
                command.upgrade(config(conn, script_location), revision)
                if sqlite:
                    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:  # raised inside the transaction: nothing of the upgrade is kept
                        raise storage.StorageError(f"the database upgrade left {len(broken)} rows with broken "
                                                   "references and was not applied; please report it")
        finally:
            if sqlite:
                raw.execute("PRAGMA foreign_keys = ON")  # the pooled connection must not keep them off
