"""Administering the central store: territories, users and their territories, revoking access, purging
old tombstones.

Each function runs in the caller's central transaction and writes through :class:`central.Writer`, so
every change is numbered, logged and reaches the laptops like any other.  On PostgreSQL each user is also
a role (member of ``sfa_user``, NOLOGIN: see ``roles``) that sfa-server acts as; row-level security
keys on it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, func, select, update

from sfa_desktop.core.records.fields import ENTITIES, clean
from sfa_desktop.core.records.models import new_id
from sfa_desktop.server import auth, roles, schema
from sfa_desktop.server.central import CentralError, Writer

USERS = schema.SYNCED["users"]
TERRITORIES = schema.SYNCED["territories"]
MEMBERS = schema.SYNCED["territory_memberships"]


def _territory(conn: Connection, code: str) -> Any:
    row = conn.execute(select(TERRITORIES).where(TERRITORIES.c.code == code)).mappings().first()
    if row is None or row["deleted_at"] is not None:
        raise CentralError(
            f"There is no territory '{code}'. Create it with 'sfa central add-territory {code} --name NAME'."
        )
    return row


def _user(conn: Connection, login: str) -> Any:
    row = conn.execute(select(USERS).where(USERS.c.login == login)).mappings().first()
    if row is None:
        raise CentralError(f"There is no user '{login}'. Create it with 'sfa central add-user {login}'.")
    return row


def add_territory(writer: Writer, code: str, name: str, parent: str | None = None) -> str:
    conn = writer.conn
    if conn.execute(select(TERRITORIES.c.id).where(TERRITORIES.c.code == code)).first():
        raise CentralError(f"A territory with code '{code}' already exists.")
    values = clean(ENTITIES["territories"], {"code": code, "name": name})
    if parent is not None:
        values["parent_id"] = _territory(conn, parent)["id"]
    record_id = new_id()
    writer.insert("territories", {**values, "id": record_id})
    return record_id


def _pg_role(conn: Connection, login: str, password: str | None, *, create: bool) -> None:
    """The user's database role (``roles.ensure_user_role``): NOLOGIN, so ``password`` is not put on it;
    sfa-server acts as the role (``roles.act_as``)."""
    if create:
        roles.ensure_user_role(conn, login)


def add_user(
    writer: Writer,
    login: str,
    *,
    full_name: str | None = None,
    role: str = "rep",
    manager: str | None = None,
    territories: tuple[str, ...] = (),
    email: str | None = None,
    password: str | None = None,
) -> str:
    conn = writer.conn
    if conn.execute(select(USERS.c.id).where(USERS.c.login == login)).first():
        raise CentralError(f"A user '{login}' already exists.")
    values = clean(
        ENTITIES["users"],
        {"login": login, "full_name": full_name or login, "role": role, "email": email, "active": True},
    )
    if manager is not None:
        values["manager_id"] = _user(conn, manager)["id"]
    record_id = new_id()
    writer.insert("users", {**values, "id": record_id})
    _pg_role(conn, login, password, create=True)
    if password is not None:
        auth.set_password(conn, login, password)
    for code in territories:
        assign(writer, login, code)
    return record_id


def assign(writer: Writer, login: str, code: str) -> None:
    conn = writer.conn
    user = _user(conn, login)
    territory = _territory(conn, code)
    existing = (
        conn.execute(
            select(MEMBERS).where(MEMBERS.c.user_id == user["id"], MEMBERS.c.territory_id == territory["id"])
        )
        .mappings()
        .first()
    )
    role = "manager" if user["role"] == "manager" else "rep"
    if existing is None:
        writer.insert(
            "territory_memberships",
            {"id": new_id(), "user_id": user["id"], "territory_id": territory["id"], "role": role},
        )
    elif existing["deleted_at"] is not None:
        writer.update("territory_memberships", existing["id"], {"deleted_at": None}, op="restore")


def unassign(writer: Writer, login: str, code: str) -> None:
    conn = writer.conn
    user = _user(conn, login)
    territory = _territory(conn, code)
    existing = (
        conn.execute(
            select(MEMBERS).where(
                MEMBERS.c.user_id == user["id"],
                MEMBERS.c.territory_id == territory["id"],
                MEMBERS.c.deleted_at.is_(None),
            )
        )
        .mappings()
        .first()
    )
    if existing is None:
        raise CentralError(f"'{login}' is not assigned to '{code}'.")
    writer.update("territory_memberships", existing["id"], {"deleted_at": writer.now}, op="delete")


def revoke(writer: Writer, login: str) -> None:
    conn = writer.conn
    user = _user(conn, login)
    writer.update("users", user["id"], {"active": False})
    if conn.dialect.name == "postgresql":
        from psycopg import sql

        raw = conn.connection.dbapi_connection
        assert raw is not None
        statement = sql.SQL("ALTER ROLE {} NOLOGIN").format(sql.Identifier(login))
        conn.exec_driver_sql(statement.as_string(raw))  # type: ignore[arg-type]


def set_password(conn: Connection, login: str, password: str) -> None:
    """The password ``login`` signs in to sfa-server with (an argon2 hash in ``user_secrets``)."""
    _user(conn, login)
    _pg_role(conn, login, password, create=True)
    auth.set_password(conn, login, password)


@dataclass(frozen=True)
class Purged:
    rows: int
    departures: int
    through_seq: int
    retention_days: int


def purge_tombstones(writer: Writer, retention_days: int | None = None) -> Purged:
    """Remove tombstones and departures older than the retention window (DESIGN.md, sync rule 5).

    "Older" is by the central store's own clock (when the change was applied, from ``change_log``), never
    by the laptop that deleted the record.  Everything at or below the newest sequence number applied
    before the cut-off goes, and ``purged_through_seq`` records it: a laptop whose cursor is below it has
    been away longer than the window and is re-primed at its next sync, since a delete it never saw may
    now be gone.  Run it as the central store's owner (row-level security lets no one else delete)."""
    conn = writer.conn
    info = schema.sync_info
    days = retention_days
    if days is None:
        setting = conn.execute(select(info.c.value).where(info.c.key == "tombstone_retention_days")).scalar()
        days = int(setting or 90)
    if days < 1:
        raise CentralError("The retention window must be at least one day.")
    cutoff = writer.now - dt.timedelta(days=days)
    log = schema.change_log
    through = int(conn.execute(select(func.max(log.c.seq)).where(log.c.applied_at < cutoff)).scalar() or 0)
    before = int(conn.execute(select(info.c.value).where(info.c.key == "purged_through_seq")).scalar() or 0)
    if through <= before:
        return Purged(0, 0, before, days)
    rows = 0
    for table in schema.SYNCED.values():
        result = conn.execute(delete(table).where(table.c.deleted_at.is_not(None), table.c.seq <= through))
        rows += result.rowcount
    departed = conn.execute(delete(schema.departures).where(schema.departures.c.seq <= through)).rowcount
    # laptops that were up to date drop their own copies of the tombstones older than this (wire text)
    _set_info(conn, "purged_before", cutoff.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f"))
    _set_info(conn, "purged_through_seq", str(through))
    return Purged(rows, departed, through, days)


@dataclass(frozen=True)
class OfflineLimits:
    lock_after_days: int | None
    wipe_after_days: int | None


def offline_limits(conn: Connection) -> OfflineLimits:
    """The company's offline limits (None: not set; laptops keep their defaults, 30 and 60 days)."""
    info = schema.sync_info
    values = dict(
        conn.execute(
            select(info.c.key, info.c.value).where(info.c.key.in_(("offline_lock_days", "offline_wipe_days")))
        ).all()
    )
    lock, wipe = values.get("offline_lock_days"), values.get("offline_wipe_days")
    return OfflineLimits(int(lock) if lock else None, int(wipe) if wipe else None)


def set_offline_limits(conn: Connection, lock_after_days: int, wipe_after_days: int) -> OfflineLimits:
    """How many days a laptop may go without reaching the central store before its synced data locks,
    and before it is wiped; laptops learn them at their next sync."""
    if not 1 <= lock_after_days <= 3650:
        raise CentralError("--lock must be between 1 and 3650 days; nothing was changed.")
    if not lock_after_days <= wipe_after_days <= 3650:
        raise CentralError("--wipe must be at least --lock and at most 3650 days; nothing was changed.")
    _set_info(conn, "offline_lock_days", str(lock_after_days))
    _set_info(conn, "offline_wipe_days", str(wipe_after_days))
    return OfflineLimits(lock_after_days, wipe_after_days)


def _set_info(conn: Connection, key: str, value: str) -> None:
    info = schema.sync_info
    if conn.execute(update(info).where(info.c.key == key).values(value=value)).rowcount == 0:
        conn.execute(info.insert().values(key=key, value=value))


def live_rows(conn: Connection, table: str) -> list[Any]:
    """The live rows of a synced table on the central store, as mappings (``sfa central users`` and
    ``territories``)."""
    t = schema.SYNCED[table]
    return list(conn.execute(select(t).where(t.c.deleted_at.is_(None))).mappings())
