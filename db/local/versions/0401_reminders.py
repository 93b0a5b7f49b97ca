"""reminders: when this laptop reminded its user of a due activity, and until when it is snoozed

A local-only table (not synced, no change capture): snoozing a reminder is one person's choice on one
machine.

Revision ID: 0401
Revises: 0003
Create Date: 2026-11-25 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0401"
down_revision: str | None = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reminders",
        sa.Column("activity_id", sa.String(length=36), nullable=False),
        sa.Column("snoozed_until", sa.DateTime(), nullable=True),
        sa.Column("notified_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("activity_id", name=op.f("pk_reminders")),
    )


def downgrade() -> None:
    op.drop_table("reminders")
