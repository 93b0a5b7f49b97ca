"""leads whose score must be recomputed

After one lead is edited, the leads list found the lead to re-score by a set difference of every live lead's
id and every scored lead's id (about 25 ms for 20,000 leads, before every list query that followed an
edit).  The score triggers now also note the lead in ``lead_scores_pending``, so ``core.scoring`` reads the
few leads that changed.  The table is a hint, never the truth: scoring checks its candidates against the
counts of live and scored leads and falls back to the set difference when they disagree.

Revision ID: 0504
Revises: 0503
Create Date: 2026-11-24 12:00:00
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from alembic import op

revision: str = "0504"
down_revision: str | None = "0503"
branch_labels = None
depends_on = None


def _triggers(note: bool) -> list[str]:
    """The score triggers: each drops the changed lead's score; with ``note`` (this revision) it also notes
    the lead as pending (without: revision 0201's triggers, for the downgrade)."""

    def pending(*ids: str) -> str:
        if not note:
            return ""
        # not INSERT OR IGNORE: an outer statement's conflict handling (a sync's upsert) overrides a
        # trigger's, and the duplicate would fail the upsert
        return "".join(
            f"INSERT INTO lead_scores_pending (lead_id) SELECT {i} WHERE {i} IS NOT NULL "
            f"AND NOT EXISTS (SELECT 1 FROM lead_scores_pending WHERE lead_id = {i});"
            for i in ids
        )

    found = [
        f"""CREATE TRIGGER lead_score_stale_lead_update AFTER UPDATE ON leads
        BEGIN DELETE FROM lead_scores WHERE lead_id = OLD.id; {pending("NEW.id")} END""",
        """CREATE TRIGGER lead_score_stale_lead_delete AFTER DELETE ON leads
        BEGIN DELETE FROM lead_scores WHERE lead_id = OLD.id; END""",
        f"""CREATE TRIGGER lead_score_stale_activity_insert AFTER INSERT ON activities
        WHEN NEW.lead_id IS NOT NULL
        BEGIN DELETE FROM lead_scores WHERE lead_id = NEW.lead_id; {pending("NEW.lead_id")} END""",
        f"""CREATE TRIGGER lead_score_stale_activity_update AFTER UPDATE ON activities
        WHEN OLD.lead_id IS NOT NULL OR NEW.lead_id IS NOT NULL
        BEGIN
            DELETE FROM lead_scores WHERE lead_id = OLD.lead_id;
            DELETE FROM lead_scores WHERE lead_id = NEW.lead_id;
            {pending("OLD.lead_id", "NEW.lead_id")}
        END""",
        f"""CREATE TRIGGER lead_score_stale_activity_delete AFTER DELETE ON activities
        WHEN OLD.lead_id IS NOT NULL
        BEGIN DELETE FROM lead_scores WHERE lead_id = OLD.lead_id; {pending("OLD.lead_id")} END""",
    ]
    if note:
        found.append(
            f"""CREATE TRIGGER lead_score_stale_lead_insert AFTER INSERT ON leads
            BEGIN {pending("NEW.id")} END"""
        )
    return found


#: Every score trigger of either revision (this one adds lead_score_stale_lead_insert), read from the DDL.
NAMES = tuple(re.findall(r"CREATE TRIGGER (\w+)", "\n".join(_triggers(note=True))))


def _replace_triggers(note: bool) -> None:
    conn = op.get_bind()
    for name in NAMES:
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
    for statement in _triggers(note):
        conn.exec_driver_sql(statement)


def upgrade() -> None:
    op.create_table(
        "lead_scores_pending",
        sa.Column("lead_id", sa.String(length=36), nullable=False),
        sa.PrimaryKeyConstraint("lead_id", name=op.f("pk_lead_scores_pending")),
    )
    _replace_triggers(note=True)


def downgrade() -> None:
    _replace_triggers(note=False)
    op.drop_table("lead_scores_pending")
