"""activities.plan_stop; the manager-only account columns guarded on PostgreSQL

``activities.plan_stop`` (as on the laptops, local revision 0708): a planned visit's stop on its day's route,
a column instead of the first line of its notes ("Week plan: stop N of the day's route.").  Existing data
moves the same way as on the laptops (each moves its own copy, so neither ``seq`` nor ``updated_at``
changes): an activity whose notes start with that line gets ``plan_stop = N`` and loses the line (and the
line break after it; notes left empty become NULL).  The downgrade puts the line back.

On PostgreSQL, a guard on ``accounts`` (like c0701's on service requests: row-level security is per row
and sees no old row): an account's segment and its own visit frequency (``segment``, ``visit_min_days``,
``visit_max_days``: ``core.access.MANAGER_ACCOUNT_FIELDS``) are set, on a new account or a changed one,
only by a manager of the account's territory (one the manager sees: theirs and those below) or an
administrator; a rep's role may still write every other column of the accounts it may write.  The sync
service refuses such a write first (``server.apply``); this is the second line of defence, for SQL run
as a rep's role.  Connections that are no user (the owner, migrations, imports) are not judged.

Revision ID: c0708
Revises: c0707
Create Date: 2026-12-06 21:50:00
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from alembic import op

revision: str = "c0708"
down_revision: str | None = "c0707"
branch_labels = None
depends_on = None

#: The line as the week planner wrote it until this revision (with the line break after it).
PLANNED_LINE = re.compile(r"Week plan: stop (\d{1,3}) of the day's route\.(?:\r?\n)?")
TERMS = ("segment", "visit_min_days", "visit_max_days")

_CHANGED = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in TERMS)
_GIVEN = " OR ".join(f"NEW.{c} IS NOT NULL" for c in TERMS)
_GUARD = f"""
CREATE OR REPLACE FUNCTION sfa_account_terms_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    territory text := CASE WHEN TG_OP = 'UPDATE' THEN OLD.territory_id ELSE NEW.territory_id END;
BEGIN
    IF sfa_current_user_id() IS NOT NULL AND NOT sfa_is_admin()
       AND (CASE WHEN TG_OP = 'UPDATE' THEN ({_CHANGED}) ELSE ({_GIVEN}) END)
       AND NOT (sfa_is_manager()
                AND (territory IS NULL OR territory IN (SELECT sfa_visible_territories()))) THEN
        RAISE EXCEPTION 'row-level security: only a manager of the territory or an administrator sets an '
            'account''s segment and visit frequency' USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$;
"""


def split_planned(notes: str | None) -> tuple[int | None, str | None]:
    """(N, the notes without the line) for notes that start with the planner's line, else (None, notes)."""
    found = PLANNED_LINE.match(notes or "")
    if found is None:
        return None, notes
    rest = (notes or "")[found.end() :]
    return int(found.group(1)), rest or None


def upgrade() -> None:
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.add_column(sa.Column("plan_stop", sa.Integer(), nullable=True))
    conn = op.get_bind()
    found = conn.execute(
        sa.text("SELECT id, notes FROM activities WHERE notes LIKE 'Week plan: stop %' ORDER BY id")
    ).all()
    moves = []
    for record_id, notes in found:
        stop, rest = split_planned(notes)
        if stop is not None:
            moves.append({"i": record_id, "s": stop, "n": rest})
    if moves:
        conn.execute(sa.text("UPDATE activities SET plan_stop = :s, notes = :n WHERE id = :i"), moves)
    if conn.dialect.name != "postgresql":
        return
    op.execute(_GUARD)
    op.execute(
        "CREATE TRIGGER sfa_account_terms_guard BEFORE INSERT OR UPDATE ON accounts "
        "FOR EACH ROW EXECUTE FUNCTION sfa_account_terms_guard()"
    )


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS sfa_account_terms_guard ON accounts")
        op.execute("DROP FUNCTION IF EXISTS sfa_account_terms_guard()")
    found = conn.execute(
        sa.text("SELECT id, plan_stop, notes FROM activities WHERE plan_stop IS NOT NULL ORDER BY id")
    ).all()
    moves = []
    for record_id, stop, notes in found:
        line = f"Week plan: stop {stop} of the day's route."
        moves.append({"i": record_id, "n": f"{line}\n{notes}" if notes else line})
    if moves:
        conn.execute(sa.text("UPDATE activities SET notes = :n WHERE id = :i"), moves)
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.drop_column("plan_stop")
