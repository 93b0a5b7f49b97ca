"""saved filters of the record lists (local to this laptop, not synced)

Revision ID: 0301
Revises: 0003
Create Date: 2026-12-01 09:00:00
"""

from __future__ import annotations

from alembic import op

from sfa_desktop.store.saved_filters import SAVED_FILTERS_DDL

revision: str = "0301"
down_revision: str | None = "0201"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for statement in SAVED_FILTERS_DDL:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TABLE saved_filters")
