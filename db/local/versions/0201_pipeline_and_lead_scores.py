"""opportunity won reason, lead scores

``opportunities.won_reason`` (synced: added with plain ALTER TABLE, change capture re-installed for the new
column list) and ``lead_scores``, the local cache of each lead's score and its reasons (derived data, not
synced, no capture).  Triggers drop a lead's cached score whenever the lead or one of its activities is
written, whatever writes it (a form, an import, a sync), so that ``core.scoring`` recomputes exactly the
leads that changed.

Revision ID: 0201
Revises: 0003
Create Date: 2026-11-26 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sfa_desktop.store import capture

revision: str = "0201"
down_revision: str | None = "0401"
branch_labels = None
depends_on = None

TRIGGERS = (
    """
    CREATE TRIGGER lead_score_stale_lead_update AFTER UPDATE ON leads
    BEGIN DELETE FROM lead_scores WHERE lead_id = OLD.id; END
    """,
    """
    CREATE TRIGGER lead_score_stale_lead_delete AFTER DELETE ON leads
    BEGIN DELETE FROM lead_scores WHERE lead_id = OLD.id; END
    """,
    """
    CREATE TRIGGER lead_score_stale_activity_insert AFTER INSERT ON activities
    WHEN NEW.lead_id IS NOT NULL
    BEGIN DELETE FROM lead_scores WHERE lead_id = NEW.lead_id; END
    """,
    """
    CREATE TRIGGER lead_score_stale_activity_update AFTER UPDATE ON activities
    WHEN OLD.lead_id IS NOT NULL OR NEW.lead_id IS NOT NULL
    BEGIN
        DELETE FROM lead_scores WHERE lead_id = OLD.lead_id;
        DELETE FROM lead_scores WHERE lead_id = NEW.lead_id;
    END
    """,
    """
    CREATE TRIGGER lead_score_stale_activity_delete AFTER DELETE ON activities
    WHEN OLD.lead_id IS NOT NULL
    BEGIN DELETE FROM lead_scores WHERE lead_id = OLD.lead_id; END
    """,
)
TRIGGER_NAMES = (
    "lead_score_stale_lead_update",
    "lead_score_stale_lead_delete",
    "lead_score_stale_activity_insert",
    "lead_score_stale_activity_update",
    "lead_score_stale_activity_delete",
)


def upgrade() -> None:
    op.execute("ALTER TABLE opportunities ADD COLUMN won_reason VARCHAR(200)")
    conn = op.get_bind()
    capture.install_capture(conn, ("opportunities",))
    op.create_table(
        "lead_scores",
        sa.Column("lead_id", sa.String(length=36), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("fit", sa.Integer(), nullable=False),
        sa.Column("engagement", sa.Integer(), nullable=False),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("basis", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("lead_id", name=op.f("pk_lead_scores")),
    )
    op.create_index(op.f("ix_lead_scores_score"), "lead_scores", ["score"], unique=False)
    for statement in TRIGGERS:
        conn.exec_driver_sql(statement)


def downgrade() -> None:
    conn = op.get_bind()
    for name in TRIGGER_NAMES:
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_index(op.f("ix_lead_scores_score"), table_name="lead_scores")
    op.drop_table("lead_scores")
    for statement in capture.drop_capture_ddl("opportunities"):
        conn.exec_driver_sql(statement)
    op.execute("ALTER TABLE opportunities DROP COLUMN won_reason")
    capture.install_capture(conn, ("opportunities",))
