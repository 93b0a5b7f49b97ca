"""service requests and complaints with their comment threads (issue 15)

Two synced tables that follow their account's territory (as on the laptops, plus ``seq``), and on PostgreSQL
their privileges and row-level security: read and written in the territories the user sees (or, with no
territory, by their owner), like the other territory tables; and the workflow rules of
``core.access.may_write_request`` / ``may_write_comment`` as a second line of defence:

* a rep raises a request as themselves, new and unassigned (managers and admins may record one for
  someone else, assigned and answered already);
* a rep changes neither who raised it, who it is assigned to, nor when it was resolved; its status only
  between "in progress" and "waiting on customer" when it is assigned to them, and its first-answer time
  only from none when it is assigned to them (a trigger: row-level security sees no old row);
* a comment is written by its author (an admin may write any); its text and author change only by that
  author or an admin.

PostgreSQL only but for the tables.

Revision ID: c0701
Revises: c0405
Create Date: 2026-12-06 19:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "c0701"
down_revision: str | None = "c0405"
branch_labels = None
depends_on = None

TABLES = ("service_requests", "request_comments")
VISIBLE = "(territory_id IN (SELECT sfa_visible_territories()) OR sfa_is_admin())"
OWN = "(territory_id IS NULL AND owner_id = sfa_current_user_id())"
RULE = f"({VISIBLE} OR {OWN})"
WORKING = "('in progress', 'waiting on customer')"
RAISE = (
    "(sfa_is_admin() OR sfa_is_manager() OR (raised_by_id = sfa_current_user_id() AND status = 'new' "
    "AND assigned_to_id IS NULL AND first_answered_at IS NULL AND resolved_at IS NULL))"
)
AUTHOR = "(author_id = sfa_current_user_id() OR sfa_is_admin())"

_GUARDS = f"""
CREATE OR REPLACE FUNCTION sfa_service_request_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF sfa_current_user_id() IS NOT NULL AND NOT sfa_is_admin() AND NOT sfa_is_manager() THEN
        IF NEW.raised_by_id IS DISTINCT FROM OLD.raised_by_id
           OR NEW.assigned_to_id IS DISTINCT FROM OLD.assigned_to_id
           OR NEW.resolved_at IS DISTINCT FROM OLD.resolved_at
           OR (NEW.status IS DISTINCT FROM OLD.status
               AND NOT (OLD.assigned_to_id = sfa_current_user_id()
                        AND OLD.status IN {WORKING} AND NEW.status IN {WORKING}))
           OR (NEW.first_answered_at IS DISTINCT FROM OLD.first_answered_at
               AND NOT (OLD.first_answered_at IS NULL AND OLD.assigned_to_id = sfa_current_user_id())) THEN
            RAISE EXCEPTION 'row-level security: only a manager of the territory or an administrator assigns, '
                'answers for and resolves a service request' USING ERRCODE = 'insufficient_privilege';
        END IF;
    END IF;
    RETURN NEW;
END
$$;

CREATE OR REPLACE FUNCTION sfa_request_comment_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF sfa_current_user_id() IS NOT NULL AND NOT sfa_is_admin()
       AND (NEW.body IS DISTINCT FROM OLD.body OR NEW.author_id IS DISTINCT FROM OLD.author_id)
       AND OLD.author_id IS DISTINCT FROM sfa_current_user_id() THEN
        RAISE EXCEPTION 'row-level security: only its author or an administrator changes a comment'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$;
"""


def _create_tables() -> None:
    op.create_table(
        "service_requests",
        sa.Column("account_id", sa.String(length=36), nullable=False),
        sa.Column("contact_id", sa.String(length=36), nullable=True),
        sa.Column("activity_id", sa.String(length=36), nullable=True),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("raised_by_id", sa.String(length=36), nullable=False),
        sa.Column("assigned_to_id", sa.String(length=36), nullable=True),
        sa.Column("first_answered_at", sa.DateTime(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.Column("links", sa.Text(), nullable=True),
        sa.Column("territory_id", sa.String(length=36), nullable=True),
        sa.Column("owner_id", sa.String(length=36), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_requests")),
    )
    op.create_table(
        "request_comments",
        sa.Column("request_id", sa.String(length=36), nullable=False),
        sa.Column("account_id", sa.String(length=36), nullable=False),
        sa.Column("author_id", sa.String(length=36), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("territory_id", sa.String(length=36), nullable=True),
        sa.Column("owner_id", sa.String(length=36), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_request_comments")),
    )
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(f"ix_{table}_seq", ["seq"], unique=False)
            batch_op.create_index(
                f"ix_{table}_territory_id",
                ["territory_id", "id"],
                unique=False,
                postgresql_include=["updated_at", "deleted_at", "owner_id"],
            )
            batch_op.create_index(f"ix_{table}_territory_seq", ["territory_id", "seq"], unique=False)


def upgrade() -> None:
    _create_tables()
    if op.get_bind().dialect.name != "postgresql":
        return
    run = op.execute
    for table in TABLES:
        run(f"GRANT SELECT, INSERT, UPDATE ON {table} TO sfa_user")
        run(f"CREATE POLICY sfa_read ON {table} FOR SELECT TO PUBLIC USING {RULE}")
        run(f"CREATE POLICY sfa_change ON {table} FOR UPDATE TO PUBLIC USING {RULE} WITH CHECK {RULE}")
        for event in ("INSERT", "UPDATE"):  # fresh numbers, as every synced table since c0402
            run(
                f"CREATE TRIGGER sfa_seq_fresh_{event.lower()} AFTER {event} ON {table} "
                "REFERENCING NEW TABLE AS sfa_new FOR EACH STATEMENT EXECUTE FUNCTION sfa_fresh_seq()"
            )
    run(f"CREATE POLICY sfa_raise ON service_requests FOR INSERT TO PUBLIC WITH CHECK ({RULE} AND {RAISE})")
    run(f"CREATE POLICY sfa_write ON request_comments FOR INSERT TO PUBLIC WITH CHECK ({RULE} AND {AUTHOR})")
    run(_GUARDS)
    run(
        "CREATE TRIGGER sfa_service_request_guard BEFORE UPDATE ON service_requests "
        "FOR EACH ROW EXECUTE FUNCTION sfa_service_request_guard()"
    )
    run(
        "CREATE TRIGGER sfa_request_comment_guard BEFORE UPDATE ON request_comments "
        "FOR EACH ROW EXECUTE FUNCTION sfa_request_comment_guard()"
    )
    for table in TABLES:
        run(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        run(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS sfa_request_comment_guard ON request_comments")
        op.execute("DROP TRIGGER IF EXISTS sfa_service_request_guard ON service_requests")
        op.execute("DROP FUNCTION IF EXISTS sfa_request_comment_guard()")
        op.execute("DROP FUNCTION IF EXISTS sfa_service_request_guard()")
    for table in reversed(TABLES):
        op.drop_table(table)
