"""server grants: what sfa-server's own login reads before it acts as a user

sfa-server connects as a login role in the group ``sfa_server`` (c0402), which has no privilege on the
company's data: every request acts as its user's role.  Before it knows the user, the server checks the
store's version (``alembic_version``, ``sync_info``) and the caller's token or password (``devices``,
``user_secrets``, and whether the login is an active user: ``users``' id, login, active and deleted_at,
readable by everyone under the existing policy).  Those, and only those, are granted to ``sfa_server``.

PostgreSQL only; a no-op on SQLite.

Revision ID: c0404
Revises: c0403
Create Date: 2026-12-06 17:45:00
"""

from __future__ import annotations

from alembic import op

revision: str = "c0404"
down_revision: str | None = "c0403"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    schema = op.get_bind().exec_driver_sql("SELECT current_schema()").scalar_one()
    run = op.execute
    run(
        "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'sfa_server') "
        "THEN CREATE ROLE sfa_server NOLOGIN NOINHERIT; END IF; END $$"
    )
    run(f'GRANT USAGE ON SCHEMA "{schema}" TO sfa_server')
    run("GRANT SELECT ON alembic_version, sync_info TO sfa_server")
    run("GRANT SELECT, INSERT, UPDATE, DELETE ON devices, user_secrets TO sfa_server")
    run("GRANT SELECT (id, login, active, deleted_at) ON users TO sfa_server")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    run = op.execute
    run("REVOKE SELECT (id, login, active, deleted_at) ON users FROM sfa_server")
    run("REVOKE ALL ON devices, user_secrets FROM sfa_server")
    run("REVOKE SELECT ON alembic_version, sync_info FROM sfa_server")
