"""administrators purge orphan blobs: row-level security lets an admin's role see and delete them

Until this revision ``blobs`` and ``blob_chunks`` (c0707) showed a blob only to whoever sees a live
attachment naming it, and had no DELETE policy for anyone but an unfinished upload's own chunks: an orphan
blob (the bytes of attachments all deleted) was invisible, so ``sfa central purge-blobs`` had to run as a
role that bypasses row-level security.  Now an administrator's role (``sfa_is_admin()``) reads every blob
and its chunks and may delete them; reps and managers still cannot (no DELETE policy applies to them:
their DELETE on ``blobs`` removes nothing, and on ``blob_chunks`` only the chunks of an unfinished upload
they see, as before).

sfa-server's maintenance job purges as an administrator: its login (group ``sfa_server``, c0404) may read
``users.role`` too, to find an active administrator to act as.

PostgreSQL only; a no-op on SQLite.

Revision ID: c0709
Revises: c0708
Create Date: 2026-12-07 00:50:00
"""

from __future__ import annotations

from alembic import op

revision: str = "c0709"
down_revision: str | None = "c0708"
branch_labels = None
depends_on = None

TABLES = ("blobs", "blob_chunks")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    run = op.execute
    run("GRANT DELETE ON blobs TO sfa_user")
    for table in TABLES:
        run(f"CREATE POLICY sfa_admin_read ON {table} FOR SELECT TO PUBLIC USING (sfa_is_admin())")
        run(f"CREATE POLICY sfa_admin_purge ON {table} FOR DELETE TO PUBLIC USING (sfa_is_admin())")
    run("GRANT SELECT (role) ON users TO sfa_server")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    run = op.execute
    run("REVOKE SELECT (role) ON users FROM sfa_server")
    for table in TABLES:
        run(f"DROP POLICY IF EXISTS sfa_admin_purge ON {table}")
        run(f"DROP POLICY IF EXISTS sfa_admin_read ON {table}")
    run("REVOKE DELETE ON blobs FROM sfa_user")
