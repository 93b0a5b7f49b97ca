"""merged records: partial indexes on merged_into_id

After a pull that brought merges, ``core.merge.follow_merges_in_history`` gives the change history of the
merged-away records to their survivors.  It looked them up by reading every account, contact and lead
(``merged_into_id IS NOT NULL``: about 30 ms for 100,000 records); these indexes hold only the merged-away
records, so the lookup reads those alone and costs nothing when a record is written unmerged.  No table is
rebuilt, so change capture and search stay as they are.

Revision ID: 0503
Revises: 0502
Create Date: 2026-12-02 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0503"
down_revision: str | None = "0502"
branch_labels = None
depends_on = None

MERGEABLE = ("accounts", "contacts", "leads")


def upgrade() -> None:
    for table in MERGEABLE:
        op.create_index(
            f"ix_{table}_merged_into_id",
            table,
            ["merged_into_id"],
            unique=False,
            sqlite_where=sa.text("merged_into_id IS NOT NULL"),
        )


def downgrade() -> None:
    for table in MERGEABLE:
        op.drop_index(f"ix_{table}_merged_into_id", table_name=table)
