"""Who uses this laptop (the user it syncs as, with their role from the synced users table) and what they
may change in the company's reference data.

The central store decides for real (``sync.scope`` and, on PostgreSQL, row-level security): a change it
does not permit comes back as a conflict.  The window and the command line ask here first, so that a rep
sees the pipeline read-only instead of making changes that would be refused.  A laptop that was never
connected is a standalone database (``local_user`` is None): its user may change anything.  One connected
but not synced yet knows the login only: its role is "unknown" and it is offered no company-wide edits.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, text

from sfa_desktop.core.errors import UserError
from sfa_desktop.sync import scope, state


@dataclass(frozen=True)
class LocalUser:
    user_id: str
    login: str
    role: str
    full_name: str


class NotPermitted(UserError):
    """This laptop's user may not make that change; the message says who may."""


def local_user(conn: Connection) -> LocalUser | None:
    """The user this laptop syncs as; None when it was never connected."""
    st = state.load(conn)
    if not st.user_id and not st.login:
        return None
    if st.user_id:
        row = conn.execute(
            text("SELECT id, login, role, full_name FROM users WHERE id = :i"), {"i": st.user_id}
        ).first()
    else:
        row = conn.execute(
            text("SELECT id, login, role, full_name FROM users WHERE login = :l AND deleted_at IS NULL"),
            {"l": st.login},
        ).first()
    if row is None:
        return LocalUser(st.user_id or "", st.login or "", "unknown", st.login or "")
    return LocalUser(str(row[0]), str(row[1]), str(row[2] or "rep"), str(row[3] or row[1]))


def may_write_reference(user: LocalUser | None, table: str) -> bool:
    """May this laptop's user change rows of an admin-written table (as the central store will judge)?"""
    if user is None:
        return True
    identity = scope.Identity(user.user_id, user.login, user.role, frozenset())
    return scope.may_write_reference(identity, table, None, {})


def require_reference_writer(conn: Connection, table: str, what: str) -> None:
    """Raise NotPermitted unless this laptop's user may change ``table``; ``what`` names it for people."""
    user = local_user(conn)
    if not may_write_reference(user, table):
        assert user is not None
        raise NotPermitted(
            f"Only administrators change {what}; you are signed in as {user.login} ({user.role}). "
            "Ask an administrator, or sign in as one."
        )
