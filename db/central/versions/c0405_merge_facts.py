"""merge facts: where a merged record went, for the server's merge resolution under row-level security

sfa-server acts as the pushing user (c0402), so its reads are that user's.  A merge may send a record the
user knows to a survivor in a territory the user does not see; resolving a push against it (re-pointing a
contact added offline to the merged-away account, redirecting an edit, finding where the re-pointed record
goes) needs the merge pointer and the territory of records the push names.  ``sfa_merge_facts(table,
ids)`` gives exactly those two facts, for mergeable tables only and for the ids asked (ids a laptop holds
because it saw those records), and nothing else of the rows.

PostgreSQL only; a no-op on SQLite.

Revision ID: c0405
Revises: c0404
Create Date: 2026-12-06 17:40:00
"""

from __future__ import annotations

from alembic import op

revision: str = "c0405"
down_revision: str | None = "c0404"
branch_labels = None
depends_on = None

_GUARD = """
CREATE OR REPLACE FUNCTION sfa_company_records_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF sfa_current_user_id() IS NOT NULL AND NOT sfa_is_admin() THEN
        IF (to_jsonb(NEW) - 'territory_id' - 'account_id' - 'seq' - 'updated_at')
               IS DISTINCT FROM (to_jsonb(OLD) - 'territory_id' - 'account_id' - 'seq' - 'updated_at')
           OR (NEW.account_id IS DISTINCT FROM OLD.account_id
               AND NOT sfa_merged_into(OLD.account_id, NEW.account_id)
               AND NOT sfa_merged_into(NEW.account_id, OLD.account_id)) THEN
            RAISE EXCEPTION 'orders come from the company''s systems: only an administrator may change them'
                USING ERRCODE = 'insufficient_privilege';
        END IF;
    END IF;
    RETURN NEW;
END
$$;
"""

_C0301_GUARD = _GUARD.replace("\n               AND NOT sfa_merged_into(NEW.account_id, OLD.account_id)", "")

_FUNCTION = """
CREATE OR REPLACE FUNCTION sfa_merge_facts(tbl text, ids text[])
RETURNS TABLE (id text, merged_into_id text, territory_id text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = {schema}, pg_temp AS $$
BEGIN
    IF tbl NOT IN ('accounts', 'contacts', 'leads') THEN
        RAISE EXCEPTION 'sfa_merge_facts: % is not a table of mergeable records', tbl;
    END IF;
    RETURN QUERY EXECUTE format(
        'SELECT id::text, merged_into_id::text, territory_id::text FROM %I WHERE id = ANY($1)', tbl
    ) USING ids;
END
$$;
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    schema = op.get_bind().exec_driver_sql("SELECT current_schema()").scalar_one()
    op.execute(_FUNCTION.format(schema=f'"{schema}"'))
    op.execute("REVOKE ALL ON FUNCTION sfa_merge_facts(text, text[]) FROM PUBLIC")
    op.execute("GRANT EXECUTE ON FUNCTION sfa_merge_facts(text, text[]) TO sfa_user")
    op.execute(_GUARD)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(_C0301_GUARD)
    op.execute("DROP FUNCTION IF EXISTS sfa_merge_facts(text, text[])")
