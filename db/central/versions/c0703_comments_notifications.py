"""comments with @mentions on records; each user's read state of notifications

``comments`` follows its account like the other territory tables (row-level security as
``sequence_enrollments``: the user's territories, or their own rows without one).  ``notification_reads``
is each user's alone: a user role reads and writes only the rows it owns, which never name a territory,
administrators included (``core.access.sees`` says the same for ``tables.OWNER_ONLY``).  Both get the
fresh-sequence triggers of c0402.

Revision ID: c0703
Revises: c0405
Create Date: 2026-12-06 19:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "c0703"
down_revision: str | None = "c0702"
branch_labels = None
depends_on = None

VISIBLE = "(territory_id IN (SELECT sfa_visible_territories()) OR sfa_is_admin())"
OWN = "(territory_id IS NULL AND owner_id = sfa_current_user_id())"
TABLES = ("comments", "notification_reads")


def _synced(name: str, *columns: sa.Column[object]) -> None:
    op.create_table(
        name,
        *columns,
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")),
    )
    with op.batch_alter_table(name, schema=None) as batch_op:
        batch_op.create_index(f"ix_{name}_seq", ["seq"], unique=False)
        batch_op.create_index(
            f"ix_{name}_territory_id",
            ["territory_id", "id"],
            unique=False,
            postgresql_include=["updated_at", "deleted_at", "owner_id"],
        )
        batch_op.create_index(f"ix_{name}_territory_seq", ["territory_id", "seq"], unique=False)


def upgrade() -> None:
    _synced(
        "comments",
        sa.Column("table_name", sa.String(length=64), nullable=False),
        sa.Column("record_id", sa.String(length=36), nullable=False),
        sa.Column("account_id", sa.String(length=36), nullable=True),
        sa.Column("author_id", sa.String(length=36), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("mentions", sa.Text(), nullable=True),
        sa.Column("edited_at", sa.DateTime(), nullable=True),
        sa.Column("territory_id", sa.String(length=36), nullable=True),
        sa.Column("owner_id", sa.String(length=36), nullable=True),
    )
    _synced(
        "notification_reads",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("read_at", sa.DateTime(), nullable=False),
        sa.Column("territory_id", sa.String(length=36), nullable=True),
        sa.Column("owner_id", sa.String(length=36), nullable=True),
    )
    if op.get_bind().dialect.name == "postgresql":
        _secure()


def _secure() -> None:
    run = op.execute
    for table in TABLES:
        run(f"GRANT SELECT, INSERT, UPDATE ON {table} TO sfa_user")
        for event in ("INSERT", "UPDATE"):
            run(
                f"CREATE TRIGGER sfa_seq_fresh_{event.lower()} AFTER {event} ON {table} "
                "REFERENCING NEW TABLE AS sfa_new FOR EACH STATEMENT EXECUTE FUNCTION sfa_fresh_seq()"
            )
    rule = f"({VISIBLE} OR {OWN})"
    run(f"CREATE POLICY sfa_rows ON comments FOR ALL TO PUBLIC USING {rule} WITH CHECK {rule}")
    # the owner's alone: no territory, no administrator's exception
    run(f"CREATE POLICY sfa_own ON notification_reads FOR ALL TO PUBLIC USING {OWN} WITH CHECK {OWN}")
    for table in TABLES:
        run(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        run(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")


def downgrade() -> None:
    for name in reversed(TABLES):
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.drop_index(f"ix_{name}_territory_seq")
            batch_op.drop_index(
                f"ix_{name}_territory_id", postgresql_include=["updated_at", "deleted_at", "owner_id"]
            )
            batch_op.drop_index(f"ix_{name}_seq")
        op.drop_table(name)
