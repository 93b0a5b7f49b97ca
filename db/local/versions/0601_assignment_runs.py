"""the log of assignment runs (local to this laptop, not synced), so that the last run can be undone

Revision ID: 0601
Revises: 0504
Create Date: 2026-12-06 15:00:00
"""

from __future__ import annotations

from alembic import op

revision: str = "0601"
down_revision: str | None = "0504"
branch_labels = None
depends_on = None


# Pasted from sfa_desktop.store.assignment_log as it was at this revision (a migration never imports the app).

ASSIGNMENT_RUNS_DDL = (
    """
    CREATE TABLE assignment_runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        ran_at TEXT NOT NULL,
        user_id TEXT,
        scope TEXT NOT NULL,
        moves TEXT NOT NULL,
        undone_at TEXT
    )
    """,
)


def upgrade() -> None:
    for statement in ASSIGNMENT_RUNS_DDL:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TABLE assignment_runs")
