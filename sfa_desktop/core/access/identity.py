"""Who the user is: an :class:`Identity` (role, the territories they see, a manager's team, the territories
above them), read from a database's users, territories and memberships; this laptop's user.

The bottom of ``core.access``: every rule module imports it, and it imports none of them.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select, text
from sqlalchemy.orm import Session

from sfa_desktop.core.errors import UserError
from sfa_desktop.core.records.models import SYNCED_MODELS, Territory, TerritoryMembership, User

#: The roles a user has (``cli_central``'s ROLES spells them too: switch it to this one).
ROLES = ("rep", "manager", "admin")
#: Synced tables whose rows name a territory (territory-scoped records, and the memberships and assignment
#: rules of a territory): a write to one is checked against that territory.
TERRITORY_COLUMNED = frozenset(m.__tablename__ for m in SYNCED_MODELS if "territory_id" in m.__table__.c)


class NotPermitted(UserError):
    """This user may not make that change; the message says who may."""


@dataclass(frozen=True)
class Identity:
    user_id: str
    login: str
    role: str
    territories: frozenset[str]  # visible: memberships and everything below them
    full_name: str = ""
    #: A manager's team: the users who are members of a territory the manager sees, whose leads without a
    #: territory yet the manager sees too (:data:`TEAM_TABLES`).  Empty for everyone else.
    team: frozenset[str] = frozenset()
    #: Their memberships and every territory above them (an announcement to one is addressed to them).
    above: frozenset[str] = frozenset()

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def is_manager(self) -> bool:
        return self.role == "manager"

    @property
    def name(self) -> str:
        return self.full_name or self.login

    def signed_in_as(self) -> str:
        """'you are signed in as ann (rep)', for messages."""
        return f"you are signed in as {self.login} ({self.role})"


Who = Identity | None


# -- who ------------------------------------------------------------------------------------------------


def visible_territories(
    role: str, memberships: Iterable[str], tree: Iterable[tuple[str, str | None]]
) -> frozenset[str]:
    """The territories a user sees: every one for an admin; otherwise the live territories they are a member
    of and everything below them.  ``tree``: (id, parent id) of the live territories."""
    tree = list(tree)
    if role == "admin":
        return frozenset(t for t, _ in tree)
    children: dict[str | None, list[str]] = {}
    for territory, parent in tree:
        children.setdefault(parent, []).append(territory)
    live = {t for t, _ in tree}
    found: set[str] = set()
    stack = [m for m in memberships if m in live]
    while stack:
        current = stack.pop()
        if current not in found:
            found.add(current)
            stack.extend(children.get(current, ()))
    return frozenset(found)


def territories_above(memberships: Iterable[str], tree: Iterable[tuple[str, str | None]]) -> frozenset[str]:
    """The live territories among ``memberships`` and every one above them.  ``tree``: (id, parent id)."""
    parent_of = dict(tree)
    found: set[str] = set()
    for start in memberships:
        current: str | None = start
        while current is not None and current in parent_of and current not in found:
            found.add(current)
            current = parent_of[current]
    return frozenset(found)


def _conn(db: Connection | Session) -> Connection:
    return db.connection() if isinstance(db, Session) else db


def identify(
    db: Connection | Session, *, login: str | None = None, user_id: str | None = None, active: bool = False
) -> Identity | None:
    """The identity of a user by login or id from this database's users, territories and memberships (the
    laptop's copy or the central store); None when there is no such user (with ``active``: no active, live
    one)."""
    conn = _conn(db)
    users, territories, members = User.__table__, Territory.__table__, TerritoryMembership.__table__
    query = select(
        users.c.id, users.c.login, users.c.role, users.c.full_name, users.c.active, users.c.deleted_at
    )
    query = query.where(users.c.login == login) if user_id is None else query.where(users.c.id == user_id)
    user = conn.execute(query).first()
    if user is None or (active and (not user.active or user.deleted_at is not None)):
        return None
    role = str(user.role or "rep")
    tree = conn.execute(
        select(territories.c.id, territories.c.parent_id).where(territories.c.deleted_at.is_(None))
    )
    mine = select(members.c.territory_id).where(members.c.user_id == user.id, members.c.deleted_at.is_(None))
    roots = list(conn.execute(mine).scalars())
    edges = [(str(t.id), t.parent_id) for t in tree]
    visible = visible_territories(role, roots, edges)
    above = territories_above(roots, edges)
    team: frozenset[str] = frozenset()
    if role == "manager" and visible:
        team = frozenset(
            str(u)
            for u in conn.execute(
                select(members.c.user_id)
                .where(members.c.territory_id.in_(sorted(visible)), members.c.deleted_at.is_(None))
                .distinct()
            ).scalars()
        )
    return Identity(
        str(user.id), str(user.login), role, visible, str(user.full_name or user.login), team, above
    )


def signed_in(db: Connection | Session) -> tuple[str | None, str | None]:
    """(user id, login) this laptop syncs as, from its sync state; (None, None) when never connected."""
    rows = _conn(db).execute(text("SELECT key, value FROM sync_state WHERE key IN ('user_id', 'login')"))
    values = {str(key): str(value) for key, value in rows}
    return values.get("user_id"), values.get("login")


def this_user(db: Connection | Session) -> Identity | None:
    """The user of this laptop (the one it syncs as); None when it was never connected to a central store.
    Connected but not synced yet (its users unknown here): role ``unknown``, no territories."""
    user_id, login = signed_in(db)
    if not user_id and not login:
        return None
    found = identify(db, user_id=user_id) if user_id else identify(db, login=login)
    if found is None:
        return Identity(user_id or "", login or "", "unknown", frozenset(), login or "")
    return found


def record_defaults(db: Connection | Session) -> dict[str, str]:
    """The owner and territory that records made here (imports) get when nothing else says: this laptop's
    user, and their territory when they are a member of exactly one.  Empty when not connected."""
    user_id, _login = signed_in(db)
    if user_id is None:
        return {}
    members = TerritoryMembership.__table__
    territories = (
        _conn(db)
        .execute(
            select(members.c.territory_id).where(members.c.user_id == user_id, members.c.deleted_at.is_(None))
        )
        .scalars()
        .all()
    )
    defaults = {"owner_id": user_id}
    if len(territories) == 1:
        defaults["territory_id"] = str(territories[0])
    return defaults


def _stamp(value: Any) -> str | None:
    """A value as the rules compare it: datetimes to the second, as text (the laptop passes datetimes, a
    push the wire's text)."""
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(datetime.UTC).replace(tzinfo=None)
        return str(value.strftime("%Y-%m-%d %H:%M:%S"))
    return str(value).replace("T", " ")[:19]


def changes(current: Mapping[str, Any], new: Mapping[str, Any], name: str) -> bool:
    """Does ``new`` (a write's values) change the column ``name`` of the row ``current``?"""
    return name in new and _stamp(new[name]) != _stamp(current.get(name))
