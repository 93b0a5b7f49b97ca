"""a comment is its author's in PostgreSQL too: what the sync service's rule says, as a second line

The sync service refuses a push that writes a comment in another user's name or changes another user's
comment (``core.access.comments.may_write_authored``); until this revision ``comments`` had only the
territory's policy, so a role acting for a user could do either straight in the database.  As c0701 does
for requests' comments: a restrictive INSERT policy (the author is the user acting, or an administrator
writes it) and a guard trigger on UPDATE (the text, the mentions, the edit time and the author change only
by the author or an administrator).  Deleting is not among them: a comment goes with its account.  Writes
made by no user (the store's own jobs) pass, as the rule's.

PostgreSQL only; a no-op on SQLite.

Revision ID: c0710
Revises: c0709
Create Date: 2026-12-07 01:50:00
"""

from __future__ import annotations

from alembic import op

revision: str = "c0710"
down_revision: str | None = "c0709"
branch_labels = None
depends_on = None

GUARD = """
CREATE OR REPLACE FUNCTION sfa_comment_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF sfa_current_user_id() IS NOT NULL AND NOT sfa_is_admin()
       AND (NEW.body IS DISTINCT FROM OLD.body OR NEW.mentions IS DISTINCT FROM OLD.mentions
            OR NEW.edited_at IS DISTINCT FROM OLD.edited_at OR NEW.author_id IS DISTINCT FROM OLD.author_id)
       AND OLD.author_id IS DISTINCT FROM sfa_current_user_id() THEN
        RAISE EXCEPTION 'row-level security: only its author or an administrator changes a comment'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$;
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    run = op.execute
    run(GUARD)
    run(
        "CREATE POLICY sfa_comment_author ON comments AS RESTRICTIVE FOR INSERT TO PUBLIC WITH CHECK "
        "(sfa_current_user_id() IS NULL OR author_id = sfa_current_user_id() OR sfa_is_admin())"
    )
    run(
        "CREATE TRIGGER sfa_comment_guard BEFORE UPDATE ON comments "
        "FOR EACH ROW EXECUTE FUNCTION sfa_comment_guard()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    run = op.execute
    run("DROP TRIGGER IF EXISTS sfa_comment_guard ON comments")
    run("DROP POLICY IF EXISTS sfa_comment_author ON comments")
    run("DROP FUNCTION IF EXISTS sfa_comment_guard()")
