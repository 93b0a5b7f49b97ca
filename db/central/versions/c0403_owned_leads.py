"""owned leads: a manager sees the leads without a territory of their team; conflicts go to who may see them

A rep may add a lead of their own with no territory yet; their manager (a manager who sees a territory the
rep is a member of) sees it and may work on it, as ``core.access.sees`` says for ``TEAM_TABLES``.  A
conflict without a territory no longer reaches everyone: conflicts are read in the user's territories, and
(with no territory) by the user whose push archived it (``server.pull_queries.fetch_conflicts`` says the
same).

PostgreSQL only; a no-op on SQLite.

Revision ID: c0403
Revises: c0402
Create Date: 2026-12-06 09:00:00
"""

from __future__ import annotations

from alembic import op

revision: str = "c0403"
down_revision: str | None = "c0402"
branch_labels = None
depends_on = None

VISIBLE = "(territory_id IN (SELECT sfa_visible_territories()) OR sfa_is_admin())"
OWN = "(territory_id IS NULL AND owner_id = sfa_current_user_id())"
TEAM = "(territory_id IS NULL AND sfa_team_owns(owner_id))"
#: ``lost_by`` is not a reader: the pusher names it (the other party), so a forged conflict could reach anyone
CONFLICTS_READ = f"{VISIBLE} OR (territory_id IS NULL AND won_by = current_user)"

# Run as the caller (not SECURITY DEFINER): since c0402 the helpers read current_user, the user sfa-server
# acts as, which inside a SECURITY DEFINER function would be the function's owner.
_FUNCTIONS = """
CREATE OR REPLACE FUNCTION sfa_team_owns(owner text) RETURNS boolean
LANGUAGE sql STABLE SET search_path = {schema}, pg_temp AS $$
    SELECT sfa_is_manager() AND EXISTS (
        SELECT 1 FROM territory_memberships m
        WHERE m.user_id = owner AND m.deleted_at IS NULL
          AND m.territory_id IN (SELECT sfa_visible_territories())
    )
$$;
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    schema = op.get_bind().exec_driver_sql("SELECT current_schema()").scalar_one()
    run = op.execute
    run(_FUNCTIONS.format(schema=f'"{schema}"'))
    run("REVOKE ALL ON FUNCTION sfa_team_owns(text) FROM PUBLIC")
    run("GRANT EXECUTE ON FUNCTION sfa_team_owns(text) TO sfa_user")
    rule = f"({VISIBLE} OR {OWN} OR {TEAM})"
    run("DROP POLICY sfa_rows ON leads")
    run(f"CREATE POLICY sfa_rows ON leads FOR ALL TO PUBLIC USING {rule} WITH CHECK {rule}")
    run("DROP POLICY sfa_read ON conflicts")
    # in the territories the user sees, and those with no territory that their own pushes archived (c0402:
    # a change refused after a territory was taken away is archived so)
    run(f"CREATE POLICY sfa_read ON conflicts FOR SELECT TO PUBLIC USING ({CONFLICTS_READ})")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    run = op.execute
    run("DROP POLICY sfa_read ON conflicts")
    run(
        f"CREATE POLICY sfa_read ON conflicts FOR SELECT TO PUBLIC "
        f"USING ({VISIBLE} OR (territory_id IS NULL AND won_by = current_user))"
    )
    rule = f"({VISIBLE} OR {OWN})"
    run("DROP POLICY sfa_rows ON leads")
    run(f"CREATE POLICY sfa_rows ON leads FOR ALL TO PUBLIC USING {rule} WITH CHECK {rule}")
    run("DROP FUNCTION IF EXISTS sfa_team_owns(text)")
