"""index for the integrity check: (territory_id, id), covering what it and row-level security read

Revision ID: c0003
Revises: c0002
"""

from __future__ import annotations

from alembic import op

revision: str = "c0003"
down_revision: str | None = "c0002"
branch_labels = None
depends_on = None

TERRITORY_TABLES = ("accounts", "contacts", "leads", "opportunities", "activities")


def upgrade() -> None:
    for table in TERRITORY_TABLES:
        op.create_index(
            f"ix_{table}_territory_id",
            table,
            ["territory_id", "id"],
            postgresql_include=["updated_at", "deleted_at", "owner_id"],
        )


def downgrade() -> None:
    for table in TERRITORY_TABLES:
        op.drop_index(f"ix_{table}_territory_id", table_name=table)
