"""knowledge-base full-text search

The FTS5 index over kb_articles (kb_doc, kb_fts) and the triggers that keep it in step with every write,
including sync's upserts; articles already on the laptop are indexed here.  No table is rebuilt, so change
capture on kb_articles stays as it is.

Revision ID: 0501
Revises: 0301
Create Date: 2026-11-24 11:00:00
"""

from __future__ import annotations

from alembic import op

from sfa_desktop.store import kb_search

revision: str = "0501"
down_revision: str | None = "0301"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    for statement in (*kb_search.KB_DDL, *kb_search.kb_trigger_ddl()):
        conn.exec_driver_sql(statement)
    kb_search.rebuild(conn)


def downgrade() -> None:
    conn = op.get_bind()
    for statement in kb_search.drop_kb_ddl():
        conn.exec_driver_sql(statement)
