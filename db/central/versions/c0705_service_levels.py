"""service levels per segment; account segment, visit frequency override, visiting hours

The synced ``service_levels`` table (reference data: every laptop holds it) and the new account columns,
as on the laptops (local revision 0705) plus ``seq``.  On PostgreSQL: the privileges of ``sfa_user``,
the fresh-sequence triggers every synced table carries (c0402), and row-level security as for the
territory rules (c0004): everyone reads every row; managers write the rows of the territories they see
(theirs and those below), administrators every row, the company's defaults (no territory) included.

Revision ID: c0705
Revises: c0405
Create Date: 2026-12-06 19:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "c0705"
down_revision: str | None = "c0704"
branch_labels = None
depends_on = None

TABLE = "service_levels"
ACCOUNT_COLUMNS = (
    ("segment", sa.String(length=8)),
    ("visit_min_days", sa.Integer()),
    ("visit_max_days", sa.Integer()),
    ("visiting_hours", sa.String(length=60)),
)
WRITERS = "(sfa_is_admin() OR (sfa_is_manager() AND territory_id IN (SELECT sfa_visible_territories())))"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("territory_id", sa.String(length=36), nullable=True),
        sa.Column("segment", sa.String(length=8), nullable=False),
        sa.Column("visit_min_days", sa.Integer(), nullable=False),
        sa.Column("visit_max_days", sa.Integer(), nullable=False),
        sa.Column("visit_minutes", sa.Integer(), nullable=False),
        sa.Column("answer_hours", sa.Float(), nullable=False),
        sa.Column("resolve_hours", sa.Float(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_levels")),
    )
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.create_index("ix_service_levels_seq", ["seq"], unique=False)
        batch_op.create_index("ix_service_levels_territory_seq", ["territory_id", "seq"], unique=False)
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        for name, kind in ACCOUNT_COLUMNS:
            batch_op.add_column(sa.Column(name, kind, nullable=True))
    if op.get_bind().dialect.name != "postgresql":
        return
    run = op.execute
    run(f"GRANT SELECT, INSERT, UPDATE ON {TABLE} TO sfa_user")
    for event in ("INSERT", "UPDATE"):
        run(
            f"CREATE TRIGGER sfa_seq_fresh_{event.lower()} AFTER {event} ON {TABLE} "
            "REFERENCING NEW TABLE AS sfa_new FOR EACH STATEMENT EXECUTE FUNCTION sfa_fresh_seq()"
        )
    run(f"CREATE POLICY sfa_read ON {TABLE} FOR SELECT TO PUBLIC USING (true)")
    run(f"CREATE POLICY sfa_write_insert ON {TABLE} FOR INSERT TO PUBLIC WITH CHECK {WRITERS}")
    run(
        f"CREATE POLICY sfa_write_update ON {TABLE} FOR UPDATE TO PUBLIC USING {WRITERS} WITH CHECK {WRITERS}"
    )
    run(f"ALTER TABLE {TABLE} ENABLE ROW LEVEL SECURITY")
    run(f"ALTER TABLE {TABLE} FORCE ROW LEVEL SECURITY")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for event in ("insert", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS sfa_seq_fresh_{event} ON {TABLE}")
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        for name, _ in reversed(ACCOUNT_COLUMNS):
            batch_op.drop_column(name)
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.drop_index("ix_service_levels_territory_seq")
        batch_op.drop_index("ix_service_levels_seq")
    op.drop_table(TABLE)
