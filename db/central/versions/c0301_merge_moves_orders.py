"""merges move orders: the company-records guard lets a merge move orders to the surviving account

Orders and order lines are written by admins only; a rep's push may move them with their account's
territory (c0004).  When a rep merges two accounts, the central store moves the merged-away account's orders
to the survivor in the same push (sync.merges): the guard now also allows a new ``account_id`` when the old
account was merged into it (following a chain of merges), and nothing else.

PostgreSQL only; a no-op on SQLite.

Revision ID: c0301
Revises: c0004
Create Date: 2026-12-01 09:00:00
"""

from __future__ import annotations

from alembic import op

revision: str = "c0301"
down_revision: str | None = "c0201"
branch_labels = None
depends_on = None

_MERGED_INTO = """
CREATE OR REPLACE FUNCTION sfa_merged_into(old_account text, new_account text) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {schema}, pg_temp AS $$
    WITH RECURSIVE chain(id, depth) AS (
        SELECT merged_into_id, 1 FROM accounts WHERE id = old_account AND merged_into_id IS NOT NULL
        UNION ALL
        SELECT a.merged_into_id, c.depth + 1 FROM accounts a JOIN chain c ON a.id = c.id
        WHERE a.merged_into_id IS NOT NULL AND c.depth < 32
    )
    SELECT EXISTS (SELECT 1 FROM chain WHERE id = new_account)
$$;
"""

_GUARD = """
CREATE OR REPLACE FUNCTION sfa_company_records_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF sfa_current_user_id() IS NOT NULL AND NOT sfa_is_admin() THEN
        IF (to_jsonb(NEW) - 'territory_id' - 'account_id' - 'seq' - 'updated_at')
               IS DISTINCT FROM (to_jsonb(OLD) - 'territory_id' - 'account_id' - 'seq' - 'updated_at')
           OR (NEW.account_id IS DISTINCT FROM OLD.account_id
               AND NOT sfa_merged_into(OLD.account_id, NEW.account_id)) THEN
            RAISE EXCEPTION 'orders come from the company''s systems: only an administrator may change them'
                USING ERRCODE = 'insufficient_privilege';
        END IF;
    END IF;
    RETURN NEW;
END
$$;
"""

_OLD_GUARD = """
CREATE OR REPLACE FUNCTION sfa_company_records_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF sfa_current_user_id() IS NOT NULL AND NOT sfa_is_admin()
       AND (to_jsonb(NEW) - 'territory_id' - 'seq' - 'updated_at')
           IS DISTINCT FROM (to_jsonb(OLD) - 'territory_id' - 'seq' - 'updated_at') THEN
        RAISE EXCEPTION 'orders come from the company''s systems: only an administrator may change them'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$;
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    schema = op.get_bind().exec_driver_sql("SELECT current_schema()").scalar_one()
    op.execute(_MERGED_INTO.format(schema=f'"{schema}"'))
    op.execute("REVOKE ALL ON FUNCTION sfa_merged_into(text, text) FROM PUBLIC")
    op.execute("GRANT EXECUTE ON FUNCTION sfa_merged_into(text, text) TO sfa_user")
    op.execute(_GUARD)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(_OLD_GUARD)
    op.execute("DROP FUNCTION IF EXISTS sfa_merged_into(text, text)")
