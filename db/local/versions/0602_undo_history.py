"""the undo history of this laptop (local, not synced): the last edits, stage moves and merges, so that
Edit > Undo and 'sfa undo' can undo them

Revision ID: 0602
Revises: 0601
Create Date: 2026-12-20 10:00:00
"""

from __future__ import annotations

from alembic import op

revision: str = "0602"
down_revision: str | None = "0601"
branch_labels = None
depends_on = None


# Pasted from sfa_desktop.store.undo_log as it was at this revision (a migration never imports the app).

UNDO_DDL = (
    """
    CREATE TABLE undo_history (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        done_at TEXT NOT NULL,
        user_id TEXT,
        kind TEXT NOT NULL,
        what TEXT NOT NULL,
        focus_table TEXT NOT NULL,
        focus_id TEXT NOT NULL,
        action TEXT NOT NULL,
        undone_at TEXT,
        refused TEXT
    )
    """,
)


def upgrade() -> None:
    for statement in UNDO_DDL:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TABLE undo_history")
