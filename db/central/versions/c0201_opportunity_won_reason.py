"""opportunity won reason

``opportunities.won_reason``: why a deal was won, as ``lost_reason`` says why one was lost.  A plain added
column: the table's privileges and row-level security policies (c0002) cover it as they are.

Revision ID: c0201
Revises: c0004
Create Date: 2026-11-26 09:05:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "c0201"
down_revision: str | None = "c0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("opportunities", schema=None) as batch_op:
        batch_op.add_column(sa.Column("won_reason", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("opportunities", schema=None) as batch_op:
        batch_op.drop_column("won_reason")
