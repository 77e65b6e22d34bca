"""The first schema: cards, review items, the append-only review log, deck file records.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# Migrations spell their types out instead of importing storage.py, so that they keep
# describing the schema as it was when they were written.
UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "cards",
        sa.Column("id", sa.String(200), primary_key=True),
        sa.Column("module", sa.String(100), nullable=False),
        sa.Column("submodule", sa.String(200), nullable=False),
        sa.Column("deck_path", sa.Text, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("type", sa.String(20), nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.Column("retired_at", UTC, nullable=True),
    )
    op.create_table(
        "items",
        sa.Column("id", sa.String(220), primary_key=True),
        sa.Column("card_id", sa.String(200), sa.ForeignKey("cards.id"), nullable=False),
        sa.Column("cloze", sa.Integer, nullable=False),
        sa.Column("state", sa.Integer, nullable=True),
        sa.Column("step", sa.Integer, nullable=True),
        sa.Column("stability", sa.Float, nullable=True),
        sa.Column("difficulty", sa.Float, nullable=True),
        sa.Column("due", UTC, nullable=True),
        sa.Column("last_review", UTC, nullable=True),
        sa.Column("introduced_at", UTC, nullable=True),
        sa.Column("suspended", sa.Boolean, nullable=False),
        sa.Column("buried_until", UTC, nullable=True),
        sa.Column("retired_at", UTC, nullable=True),
    )
    op.create_index("ix_items_card_id", "items", ["card_id"])
    op.create_table(
        "review_log",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("item_id", sa.String(220), nullable=False),
        sa.Column("rating", sa.Integer, nullable=False),
        sa.Column("reviewed_at", UTC, nullable=False),
        sa.Column("duration_ms", sa.Integer, nullable=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("response", sa.Text, nullable=True),
        sa.Column("scheduled", sa.Boolean, nullable=False),
        sa.Column("state_before", sa.Text, nullable=False),
    )
    op.create_index("ix_review_log_item_id", "review_log", ["item_id"])
    op.create_index("ix_review_log_reviewed_at", "review_log", ["reviewed_at"])
    op.create_table(
        "deck_files",
        sa.Column("path", sa.String(1000), primary_key=True),
        sa.Column("mtime_ns", sa.BigInteger, nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("synced_at", UTC, nullable=False),
    )


def downgrade() -> None:
    for table in ("deck_files", "review_log", "items", "cards"):
        op.drop_table(table)
