"""This laptop's list of notifications and the user's synced read state.

``notifications`` is local: each laptop makes it again from the synced records, keyed by (user, event key),
so running the sources again never adds a notification twice.  Whether one was read is the synced,
owner-only ``notification_reads`` (one row per user and key, its id derived from both so that two laptops
marking the same notification read write the same row): reading on one laptop marks it read on the
user's others after their next sync.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Connection, Table, exists, func, insert, select, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from sfa_desktop.core.errors import UserError
from sfa_desktop.core.notifications.events import KINDS, NotificationEvent
from sfa_desktop.core.records.models import Notification, NotificationRead, Setting, utcnow

_SINCE = "notifications.since"
_NOTIFICATIONS = cast(Table, Notification.__table__)
_READS = cast(Table, NotificationRead.__table__)


class UnknownNotification(UserError, LookupError):
    """No notification of this user has that key."""


@dataclass(frozen=True)
class Item:
    """A notification as the centre and ``sfa notifications`` show it."""

    key: str
    kind: str
    title: str
    body: str
    table: str | None
    record_id: str | None
    at: dt.datetime
    urgent: bool
    read: bool


def read_id(user_id: str, key: str) -> str:
    """The id of the row saying that ``user_id`` read ``key``: the same on every laptop."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"sfa-desktop:notification-read:{user_id}:{key}"))


def record(session: Session | Connection, user_id: str, events: Iterable[NotificationEvent]) -> list[str]:
    """Keep these events as the user's notifications; returns the keys that were new (an event kept already
    is left as it is)."""
    rows = [
        {
            "user_id": user_id,
            "key": e.key,
            "kind": e.kind,
            "title": e.title[:300],
            "body": e.body,
            "table_name": e.table,
            "record_id": e.record_id,
            "at": e.at,
            "urgent": e.urgent,
        }
        for e in events
    ]
    if not rows:
        return []
    table = _NOTIFICATIONS
    known: set[str] = set()
    keys = [str(r["key"]) for r in rows]
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        known |= set(
            session.execute(
                select(table.c.key).where(table.c.user_id == user_id, table.c.key.in_(chunk))
            ).scalars()
        )
    fresh = [r for r in rows if r["key"] not in known]
    if fresh:
        session.execute(sqlite_insert(table).on_conflict_do_nothing(), fresh)
    return [str(r["key"]) for r in fresh]


def _owner(user_id: str) -> str | None:
    """The ``owner_id`` of the user's read state: none on a laptop never connected (its one person)."""
    return user_id or None


def _owned_by(user_id: str) -> Any:
    owner = _owner(user_id)
    return _READS.c.owner_id.is_(None) if owner is None else _READS.c.owner_id == owner


def _is_read(user_id: str) -> object:
    n, r = _NOTIFICATIONS, _READS
    return exists().where(_owned_by(user_id), r.c.key == n.c.key, r.c.deleted_at.is_(None))


def listing(
    session: Session,
    user_id: str,
    *,
    unread: bool = False,
    kind: str | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[Item]:
    """The user's notifications, newest first (``unread``: only those not read; ``kind``: of one kind)."""
    if kind is not None and kind not in KINDS:
        raise UserError(f"There is no kind of notification '{kind}'. Kinds: {', '.join(KINDS)}.")
    n = _NOTIFICATIONS
    conditions: list[Any] = []
    if unread:
        conditions.append(~_is_read(user_id))  # type: ignore[operator]
    if kind is not None:
        conditions.append(n.c.kind == kind)
    return _items(session, user_id, *conditions, limit=limit, offset=offset)


def count(session: Session, user_id: str, *, unread: bool = False, kind: str | None = None) -> int:
    """How many notifications :func:`listing` gives with these filters."""
    n = _NOTIFICATIONS
    query = select(func.count()).select_from(n).where(n.c.user_id == user_id)
    if unread:
        query = query.where(~_is_read(user_id))  # type: ignore[operator]
    if kind is not None:
        query = query.where(n.c.kind == kind)
    return int(session.execute(query).scalar_one())


def unread_count(session: Session, user_id: str) -> int:
    n = _NOTIFICATIONS
    query = select(func.count()).select_from(n).where(n.c.user_id == user_id, ~_is_read(user_id))  # type: ignore[operator]
    return int(session.execute(query).scalar_one())


def mark_read(session: Session, user_id: str, keys: Sequence[str]) -> int:
    """Mark these notifications of the user read (a synced write: it reaches the user's other laptops);
    returns how many were unread.  A key may be given by its start, when only one key starts so."""
    wanted = list(dict.fromkeys(resolve_key(session, user_id, k) for k in keys))
    return _mark(session, user_id, wanted)


def resolve_key(session: Session, user_id: str, given: str) -> str:
    """The key of the user's notification that ``given`` names: the key, or the start of only one."""
    n = _NOTIFICATIONS
    mine = n.c.user_id == user_id
    exact = session.execute(select(n.c.key).where(mine, n.c.key == given)).scalar()
    if exact is not None:
        return str(exact)
    pattern = given.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    query = select(n.c.key).where(mine, n.c.key.like(pattern, escape="\\")).limit(2)
    found = session.execute(query).scalars().all()
    if len(found) == 1:
        return str(found[0])
    if found:
        raise UnknownNotification(f"'{given}' starts more than one notification's key; give more of it.")
    raise UnknownNotification(
        f"There is no notification '{given}'. 'sfa notifications' lists them with their keys."
    )


def mark_all_read(session: Session, user_id: str, kind: str | None = None) -> int:
    """Mark every unread notification of the user (of one kind) read; returns how many."""
    keys = [item.key for item in listing(session, user_id, unread=True, kind=kind)]
    return _mark(session, user_id, keys)


def _mark(session: Session, user_id: str, keys: Sequence[str]) -> int:
    r = _READS
    now = utcnow()
    count = 0
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        ids = {read_id(user_id, k): k for k in chunk}
        rows = session.execute(select(r.c.id, r.c.deleted_at).where(r.c.id.in_(list(ids)))).all()
        present = {row.id for row in rows if row.deleted_at is None}
        revived = [row.id for row in rows if row.deleted_at is not None]
        if revived:
            session.execute(
                update(r).where(r.c.id.in_(revived)).values(deleted_at=None, read_at=now, updated_at=now)
            )
        held = present | set(revived)
        new = [
            {
                "id": rid,
                "key": key,
                "read_at": now,
                "owner_id": _owner(user_id),
                "territory_id": None,
                "created_at": now,
                "updated_at": now,
            }
            for rid, key in ids.items()
            if rid not in held
        ]
        if new:
            session.execute(insert(r), new)
        count += len(new) + len(revived)
    return count


def to_show_in_tray(session: Session, user_id: str) -> list[Item]:
    """Urgent unread notifications the tray has not shown yet; they are marked shown (never twice)."""
    n = _NOTIFICATIONS
    unread = ~_is_read(user_id)  # type: ignore[operator]
    found = _items(session, user_id, n.c.urgent.is_(True), n.c.shown_at.is_(None), unread)
    if found:
        session.execute(
            update(n)
            .where(n.c.user_id == user_id, n.c.key.in_([i.key for i in found]))
            .values(shown_at=utcnow())
        )
    return found


def _items(
    session: Session, user_id: str, *conditions: Any, limit: int | None = None, offset: int = 0
) -> list[Item]:
    n = _NOTIFICATIONS
    query = (
        select(
            n.c.key,
            n.c.kind,
            n.c.title,
            n.c.body,
            n.c.table_name,
            n.c.record_id,
            n.c.at,
            n.c.urgent,
            _is_read(user_id).label("read"),  # type: ignore[attr-defined]
        )
        .where(n.c.user_id == user_id, *conditions)
        .order_by(n.c.at.desc(), n.c.key.desc())
    )
    if limit is not None:
        query = query.limit(limit)
    if offset:
        query = query.offset(offset)
    return [Item(*row) for row in session.execute(query)]


def last_run(session: Session) -> dt.datetime | None:
    """When the sources last ran on this laptop (None: never)."""
    value = session.get(Setting, _SINCE)
    return None if value is None else dt.datetime.fromisoformat(value.value)


def note_run(session: Session, at: dt.datetime) -> None:
    found = session.get(Setting, _SINCE)
    if found is None:
        session.add(Setting(key=_SINCE, value=at.isoformat()))
    else:
        found.value = at.isoformat()
