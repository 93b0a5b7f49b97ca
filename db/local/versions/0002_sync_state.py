"""sync state and the conflict archive

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 09:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_state",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_sync_state")),
    )
    op.create_table(
        "conflicts",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("table_name", sa.String(length=64), nullable=False),
        sa.Column("record_id", sa.String(length=36), nullable=False),
        sa.Column("territory_id", sa.String(length=36), nullable=True),
        sa.Column("field", sa.String(length=64), nullable=False),
        sa.Column("lost_value", sa.Text(), nullable=True),
        sa.Column("won_value", sa.Text(), nullable=True),
        sa.Column("lost_by", sa.String(length=128), nullable=True),
        sa.Column("won_by", sa.String(length=128), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("dismissed", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conflicts")),
    )
    op.create_index("ix_conflicts_record", "conflicts", ["table_name", "record_id"])


def downgrade() -> None:
    op.drop_index("ix_conflicts_record", table_name="conflicts")
    op.drop_table("conflicts")
    op.drop_table("sync_state")
