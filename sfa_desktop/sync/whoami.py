"""This laptop's user (when it is connected to a central store): who owns the records made here."""

from __future__ import annotations

from sqlalchemy import Connection, text

from sfa_desktop.sync import state


def record_defaults(conn: Connection) -> dict[str, str]:
    """The owner and territory that records made here (imports) get when nothing else says: this laptop's
    user, and their territory when they have exactly one.  Empty when not connected."""
    user = state.load(conn).user_id
    if user is None:
        return {}
    defaults = {"owner_id": user}
    territories = (
        conn.execute(
            text("SELECT territory_id FROM territory_memberships WHERE user_id = :u AND deleted_at IS NULL"),
            {"u": user},
        )
        .scalars()
        .all()
    )
    if len(territories) == 1:
        defaults["territory_id"] = territories[0]
    return defaults
