"""announcements and read receipts: the tables, and row-level security that enforces their audience

Two synced tables (as on the laptops, plus ``seq``).  Neither is reference data nor territory-scoped: an
announcement goes to its audience and to those who oversee it, a read receipt to its reader, the writer of
its announcement and the reader's managers (``core.access``: ``receives_announcement``,
``may_write_announcement``, ``may_see_receipt``, ``may_write_receipt``; ``server.audience`` for the pull):

* an announcement is read by admins, its author, everyone when its audience is everyone, the users of its
  role (and managers, of one addressed to reps), the members of its territory and of every territory below
  it (``sfa_territories_above``: the user's memberships and every territory above them), and a manager who
  sees its territory;
* admins write any; a manager writes their own, addressed to a territory they see, and may not change its
  audience or author once posted (a trigger: readers received it by its audience); reps write none;
* a receipt is read by admins, its reader, the author of its announcement, and a manager who receives the
  announcement for a reader of their team (``sfa_team_owns``, c0403); it is written by its reader only.

PostgreSQL only for the security; the tables on both.

Revision ID: c0702
Revises: c0405
Create Date: 2026-12-06 19:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "c0702"
down_revision: str | None = "c0701"
branch_labels = None
depends_on = None

TABLES = ("announcements", "announcement_receipts")

_FUNCTIONS = """
CREATE OR REPLACE FUNCTION sfa_current_role() RETURNS text
LANGUAGE sql STABLE SECURITY INVOKER SET search_path = {schema}, pg_temp AS $$
    SELECT role FROM users WHERE login = current_user AND active AND deleted_at IS NULL
$$;

CREATE OR REPLACE FUNCTION sfa_territories_above() RETURNS SETOF text
LANGUAGE sql STABLE SECURITY INVOKER SET search_path = {schema}, pg_temp AS $$
    WITH RECURSIVE above(id) AS (
        SELECT m.territory_id
        FROM territory_memberships m JOIN users u ON u.id = m.user_id
        JOIN territories t ON t.id = m.territory_id AND t.deleted_at IS NULL
        WHERE u.login = current_user AND u.active AND u.deleted_at IS NULL AND m.deleted_at IS NULL
        UNION
        SELECT t.parent_id FROM territories t JOIN above a ON t.id = a.id
        WHERE t.parent_id IS NOT NULL AND t.deleted_at IS NULL
    )
    SELECT a.id FROM above a JOIN territories t ON t.id = a.id AND t.deleted_at IS NULL
$$;

CREATE OR REPLACE FUNCTION sfa_announcement_audience_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF sfa_current_user_id() IS NOT NULL AND NOT sfa_is_admin()
       AND (NEW.audience, NEW.audience_territory_id, NEW.audience_role, NEW.author_id)
           IS DISTINCT FROM (OLD.audience, OLD.audience_territory_id, OLD.audience_role, OLD.author_id) THEN
        RAISE EXCEPTION 'an announcement''s audience and author stay as posted: withdraw it and post another'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$;
"""

ME = "sfa_current_user_id()"
MANAGES = (
    f"(sfa_is_manager() AND author_id = {ME} AND audience = 'territory' "
    "AND audience_territory_id IN (SELECT sfa_visible_territories()))"
)
WRITE_ANNOUNCEMENT = f"(sfa_is_admin() OR {MANAGES})"
READ_ANNOUNCEMENT = (
    f"(sfa_is_admin() OR author_id = {ME} OR audience = 'everyone'"
    " OR (audience = 'role' AND (audience_role = sfa_current_role()"
    " OR (audience_role = 'rep' AND sfa_is_manager())))"
    " OR (audience = 'territory' AND (audience_territory_id IN (SELECT sfa_territories_above())"
    " OR (sfa_is_manager() AND audience_territory_id IN (SELECT sfa_visible_territories())))))"
)
READ_RECEIPT = (
    f"(sfa_is_admin() OR user_id = {ME} OR EXISTS (SELECT 1 FROM announcements a "
    f"WHERE a.id = announcement_id AND (a.author_id = {ME} OR sfa_team_owns(user_id))))"
)
WRITE_RECEIPT = f"(sfa_is_admin() OR user_id = {ME})"


def upgrade() -> None:
    op.create_table(
        "announcements",
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("links", sa.Text(), nullable=True),
        sa.Column("audience", sa.String(length=16), nullable=False),
        sa.Column("audience_territory_id", sa.String(length=36), nullable=True),
        sa.Column("audience_role", sa.String(length=16), nullable=True),
        sa.Column("pinned", sa.Boolean(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("author_id", sa.String(length=36), nullable=True),
        sa.Column("published_at", sa.DateTime(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_announcements")),
    )
    with op.batch_alter_table("announcements", schema=None) as batch_op:
        batch_op.create_index("ix_announcements_seq", ["seq"], unique=False)
    op.create_table(
        "announcement_receipts",
        sa.Column("announcement_id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("read_at", sa.DateTime(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_announcement_receipts")),
    )
    with op.batch_alter_table("announcement_receipts", schema=None) as batch_op:
        batch_op.create_index("ix_announcement_receipts_seq", ["seq"], unique=False)
    if op.get_bind().dialect.name != "postgresql":
        return
    run = op.execute
    schema = op.get_bind().exec_driver_sql("SELECT current_schema()").scalar_one()
    run(_FUNCTIONS.format(schema=f'"{schema}"'))
    for name in ("sfa_current_role()", "sfa_territories_above()"):
        run(f"REVOKE ALL ON FUNCTION {name} FROM PUBLIC")
        run(f"GRANT EXECUTE ON FUNCTION {name} TO sfa_user")
    for table in TABLES:
        run(f"GRANT SELECT, INSERT, UPDATE ON {table} TO sfa_user")
    rules = {
        "announcements": (READ_ANNOUNCEMENT, WRITE_ANNOUNCEMENT),
        "announcement_receipts": (READ_RECEIPT, WRITE_RECEIPT),
    }
    for table, (read, write) in rules.items():
        run(f"CREATE POLICY sfa_read ON {table} FOR SELECT TO PUBLIC USING {read}")
        run(f"CREATE POLICY sfa_write_insert ON {table} FOR INSERT TO PUBLIC WITH CHECK {write}")
        run(
            f"CREATE POLICY sfa_write_update ON {table} FOR UPDATE TO PUBLIC USING {write} WITH CHECK {write}"
        )
    run(
        "CREATE TRIGGER sfa_announcement_audience BEFORE UPDATE ON announcements "
        "FOR EACH ROW EXECUTE FUNCTION sfa_announcement_audience_guard()"
    )
    # every write of a synced table by a user role carries a number its own transaction allocated (c0402)
    for table in TABLES:
        for event in ("INSERT", "UPDATE"):
            run(
                f"CREATE TRIGGER sfa_seq_fresh_{event.lower()} AFTER {event} ON {table} "
                "REFERENCING NEW TABLE AS sfa_new FOR EACH STATEMENT EXECUTE FUNCTION sfa_fresh_seq()"
            )
        run(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        run(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS sfa_announcement_audience ON announcements")
        op.execute("DROP FUNCTION IF EXISTS sfa_announcement_audience_guard()")
        for table in TABLES:
            op.execute(f"REVOKE ALL ON {table} FROM sfa_user")
    op.drop_table("announcement_receipts")
    op.drop_table("announcements")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS sfa_territories_above()")
        op.execute("DROP FUNCTION IF EXISTS sfa_current_role()")
