"""Measurements of predict-then-measure exercises, per machine and per version of the code;
an index to find exercise answers in the review log.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "measurements",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("exercise_id", sa.String(200), nullable=False),
        sa.Column("machine_key", sa.String(64), nullable=False),
        sa.Column("code_key", sa.String(64), nullable=False),
        sa.Column("measured_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("value", sa.Float, nullable=False),
        sa.Column("method", sa.Text, nullable=False),
        sa.Column("data", sa.Text, nullable=False),  # JSON: runs, spread, machine, counters, detail
    )
    op.create_index("ix_measurements_lookup", "measurements", ["exercise_id", "machine_key", "code_key"])
    # The evening plan reads exercise answers on every start: keep that off a full log scan.
    op.create_index("ix_review_log_mode", "review_log", ["mode"])


def downgrade() -> None:
    op.drop_table("measurements")
