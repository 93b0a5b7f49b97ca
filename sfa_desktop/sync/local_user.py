"""Who uses this laptop: the user it is connected to the central store as (``sfa connect``), with their
role from the synced users table.  A laptop not connected has no known user (None); one connected but not
synced yet knows the login only (an empty id and the role "unknown")."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, text

from sfa_desktop.sync import state


@dataclass(frozen=True)
class LocalUser:
    id: str
    login: str
    full_name: str
    role: str


def local_user(conn: Connection) -> LocalUser | None:
    """The connected user, or None when this laptop is not connected."""
    st = state.load(conn)
    if not st.connected or not st.login:
        return None
    row = conn.execute(
        text("SELECT id, login, full_name, role FROM users WHERE login = :login AND deleted_at IS NULL"),
        {"login": st.login},
    ).first()
    if row is None:
        return LocalUser("", st.login, st.login, "unknown")
    return LocalUser(str(row[0]), str(row[1]), str(row[2] or row[1]), str(row[3] or "rep"))
