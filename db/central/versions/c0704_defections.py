"""defections: a customer lost or declining, its defection type and the reason (issue 15, item 5)

The synced table as on the laptops plus ``seq``, its indexes, and on PostgreSQL the privileges, row-level
security (like the other territory tables that follow their account: rows of the territories the user sees,
or without a territory the user's own) and the triggers every synced table carries since c0402 (a change
must carry a sequence number its own transaction allocated).

Revision ID: c0704
Revises: c0405
Create Date: 2026-12-06 19:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "c0704"
down_revision: str | None = "c0703"
branch_labels = None
depends_on = None

TABLE = "defections"
VISIBLE = "(territory_id IN (SELECT sfa_visible_territories()) OR sfa_is_admin())"
OWN = "(territory_id IS NULL AND owner_id = sfa_current_user_id())"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("account_id", sa.String(length=36), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("defection_type", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("defected_on", sa.Date(), nullable=False),
        sa.Column("recorded_by_id", sa.String(length=36), nullable=True),
        sa.Column("territory_id", sa.String(length=36), nullable=True),
        sa.Column("owner_id", sa.String(length=36), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_defections")),
    )
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.create_index("ix_defections_seq", ["seq"], unique=False)
        batch_op.create_index(
            "ix_defections_territory_id",
            ["territory_id", "id"],
            unique=False,
            postgresql_include=["updated_at", "deleted_at", "owner_id"],
        )
        batch_op.create_index("ix_defections_territory_seq", ["territory_id", "seq"], unique=False)
    if op.get_bind().dialect.name != "postgresql":
        return
    run = op.execute
    run(f"GRANT SELECT, INSERT, UPDATE ON {TABLE} TO sfa_user")
    rule = f"({VISIBLE} OR {OWN})"
    run(f"CREATE POLICY sfa_rows ON {TABLE} FOR ALL TO PUBLIC USING {rule} WITH CHECK {rule}")
    run(f"ALTER TABLE {TABLE} ENABLE ROW LEVEL SECURITY")
    run(f"ALTER TABLE {TABLE} FORCE ROW LEVEL SECURITY")
    for event in ("INSERT", "UPDATE"):
        run(
            f"CREATE TRIGGER sfa_seq_fresh_{event.lower()} AFTER {event} ON {TABLE} "
            "REFERENCING NEW TABLE AS sfa_new FOR EACH STATEMENT EXECUTE FUNCTION sfa_fresh_seq()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for event in ("insert", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS sfa_seq_fresh_{event} ON {TABLE}")
        op.execute(f"DROP POLICY IF EXISTS sfa_rows ON {TABLE}")
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.drop_index("ix_defections_territory_seq")
        batch_op.drop_index(
            "ix_defections_territory_id", postgresql_include=["updated_at", "deleted_at", "owner_id"]
        )
        batch_op.drop_index("ix_defections_seq")
    op.drop_table(TABLE)
