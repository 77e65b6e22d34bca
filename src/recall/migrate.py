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


def config(connection: sa.Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head() -> str:
    return ScriptDirectory.from_config(config()).get_current_head()


def upgrade(engine: sa.Engine, revision: str = "head") -> None:
    # BEGIN IMMEDIATE on SQLite: two processes opening a new database at once take turns,
    # and the second finds the schema already at head.
    with engine.connect() as conn:
        conn.execution_options(recall_immediate=True)
        command.upgrade(config(conn), revision)
        if conn.in_transaction():
            conn.commit()
