"""saved filters of the record lists (local to this laptop, not synced)

Revision ID: 0301
Revises: 0003
Create Date: 2026-12-01 09:00:00
"""

from __future__ import annotations

from alembic import op

revision: str = "0301"
down_revision: str | None = "0201"
branch_labels = None
depends_on = None


# Pasted from sfa_desktop.store.saved_filters as it was at this revision (a migration never imports the app).

SAVED_FILTERS_DDL = (
    """
    CREATE TABLE saved_filters (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL,
        name TEXT NOT NULL COLLATE NOCASE,
        definition TEXT NOT NULL,
        created_at TEXT NOT NULL,
        UNIQUE (kind, name)
    )
    """,
)


def upgrade() -> None:
    for statement in SAVED_FILTERS_DDL:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TABLE saved_filters")
