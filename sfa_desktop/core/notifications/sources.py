"""This package's sources of notifications (``Registry`` ``REGISTRY``): mentions in comments, sync
conflicts, records that moved into the user's territories, and failed syncs.  Records that left the user's
territories, and territories gained or lost, are noted as the sync sees them (:mod:`.moves`).

Each source is cheap: it reads its own small table, or a slice of one by time, and leaves to the inbox
what it has kept already (an event's key is deterministic, so giving one again adds nothing).
"""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import Connection, select, text
from sqlalchemy.orm import Session

from sfa_desktop.core import access
from sfa_desktop.core.announcements import events as announcement_events
from sfa_desktop.core.notifications.events import NotificationEvent
from sfa_desktop.core.notifications.registry import Registry
from sfa_desktop.core.records.models import ChangeHistory, Comment, Notification, User
from sfa_desktop.core.requests import events as request_events

#: How far back a source reading central times looks before ``since`` (laptop clocks are wrong, and a
#: change reaches a laptop after the central store stamped it).
MARGIN = dt.timedelta(days=2)
#: With no ``since`` (a laptop's first run): moves of the last ...
FIRST_LOOK = dt.timedelta(days=14)
#: Unreachable for this long: the user is told (urgent).
STALE = dt.timedelta(hours=24)
#: What a record is called, by table.
TITLES = {
    "accounts": "name",
    "leads": "trim(coalesce(first_name || ' ', '') || last_name || coalesce(' (' || company || ')', ''))",
    "contacts": "trim(coalesce(first_name || ' ', '') || last_name)",
    "opportunities": "name",
    "activities": "subject",
}
NOUNS = {"accounts": "Account", "leads": "Lead", "contacts": "Contact", "opportunities": "Opportunity"}


def _aware(value: object) -> dt.datetime:
    moment = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def title_of(db: Session | Connection, table: str, record_id: str) -> str:
    """What a person calls a record ('Account Acme Corp'), or its kind and short id."""
    noun = NOUNS.get(table, table.rstrip("s").capitalize())
    expr = TITLES.get(table)
    if expr is not None:
        found = db.execute(text(f"SELECT {expr} FROM {table} WHERE id = :id"), {"id": record_id}).scalar()
        if found:
            return f"{noun} {found}"
    return f"{noun} {record_id[:8]}"


# -- mentions ---------------------------------------------------------------------------------------------


def mentions(session: Session, user_id: str, since: dt.datetime | None) -> list[NotificationEvent]:
    """Comments that mention the user, by someone else, not told yet.  Not by ``since``: a comment written
    offline days ago arrives now, so every live comment naming the user that the inbox does not hold yet."""
    c, n, u = Comment.__table__, Notification.__table__, User.__table__
    told = select(n.c.key).where(n.c.user_id == user_id, n.c.kind == "mention")
    rows = session.execute(
        select(c.c.id, c.c.table_name, c.c.record_id, c.c.body, c.c.created_at, u.c.full_name, u.c.login)
        .outerjoin(u, u.c.id == c.c.author_id)
        .where(
            c.c.deleted_at.is_(None),
            c.c.mentions.like(f'%"{user_id}"%'),
            c.c.author_id.is_distinct_from(user_id),
            ("mention:" + c.c.id).not_in(told),
        )
    ).all()
    events = []
    titles: dict[tuple[str, str], str] = {}
    for row in rows:
        author = row.full_name or row.login or "Someone"
        where = (row.table_name, row.record_id)
        if where not in titles:
            titles[where] = title_of(session, row.table_name, row.record_id)
        record = titles[where]
        events.append(
            NotificationEvent(
                key=f"mention:{row.id}",
                kind="mention",
                title=f"{author} mentioned you on {record}",
                body=str(row.body)[:500],
                table=row.table_name,
                record_id=row.record_id,
                at=_aware(row.created_at),
                urgent=False,
            )
        )
    return events


# -- conflicts --------------------------------------------------------------------------------------------


def conflicts(session: Session, user_id: str, since: dt.datetime | None) -> list[NotificationEvent]:
    """Conflicts not dismissed in which the user's value lost, or the user's change set another's aside."""
    login = session.execute(select(User.login).where(User.id == user_id)).scalar()
    if login is None:
        return []
    query = (
        "SELECT id, table_name, record_id, field, lost_by, won_by, reason, created_at FROM conflicts "
        "WHERE dismissed = 0 AND (lost_by = :login OR won_by = :login)"
    )
    params: dict[str, object] = {"login": login}
    if since is not None:
        query += " AND created_at >= :after"
        params["after"] = (since - MARGIN).astimezone(dt.UTC).replace(tzinfo=None)
    events = []
    for row in session.execute(text(query), params):
        record = title_of(session, row.table_name, row.record_id)
        field = "the record" if row.field == "*" else row.field.replace("_", " ")
        if row.lost_by == login:
            title = f"Your change to {field} of {record} did not stay"
            body = f"{row.won_by}'s value won ({row.reason}). Open Conflicts to see yours and restore it."
        else:
            title = f"Your change to {field} of {record} set {row.lost_by or 'another'}'s value aside"
            body = f"Their value is kept in Conflicts ({row.reason})."
        events.append(
            NotificationEvent(
                f"conflict:{row.id}", "conflict", title, body, row.table_name, row.record_id,
                _aware(row.created_at), False,
            )
        )  # fmt: skip
    return events


# -- records that moved into the user's territories --------------------------------------------------------


def moved_in(session: Session, user_id: str, since: dt.datetime | None) -> list[NotificationEvent]:
    """Accounts and leads that a change moved from a territory the user does not see into one they do
    (the pulled change history says so).  Those that left are noted as they leave (:mod:`.moves`)."""
    who = access.identify(session, user_id=user_id)
    if who is None:
        return []
    visible = who.territories
    h = ChangeHistory.__table__
    after = (since - MARGIN) if since is not None else (dt.datetime.now(dt.UTC) - FIRST_LOOK)
    rows = session.execute(
        select(h.c.seq, h.c.table_name, h.c.record_id, h.c.changes, h.c.db_user, h.c.applied_at).where(
            h.c.table_name.in_(("accounts", "leads")),
            h.c.op == "update",
            h.c.applied_at >= after,
            h.c.changes.like('%"territory_id"%'),
        )
    ).all()
    events = []
    for row in rows:
        old, new = json.loads(row.changes).get("territory_id", [None, None])
        if new not in visible or (old is not None and old in visible) or (who.is_admin and old is not None):
            continue
        record = title_of(session, row.table_name, row.record_id)
        events.append(
            NotificationEvent(
                f"territory-in:{row.table_name}:{row.record_id}:{row.seq}", "territory",
                f"{record} moved into your territory {territory_name(session, new)}",
                f"Moved by {row.db_user}" + (f" from {territory_name(session, old)}." if old else "."),
                row.table_name, row.record_id, _aware(row.applied_at), False,
            )
        )  # fmt: skip
    return events


def territory_name(db: Session | Connection, territory_id: str | None) -> str:
    if territory_id is None:
        return "(none)"
    found = db.execute(text("SELECT name FROM territories WHERE id = :id"), {"id": territory_id}).scalar()
    return str(found) if found else territory_id[:8]


# -- failed syncs ------------------------------------------------------------------------------------------


def sync_failures(session: Session, user_id: str, since: dt.datetime | None) -> list[NotificationEvent]:
    """The last sync's failure, once per stretch since the last good sync: a sign-in that expired (urgent),
    a central store unreachable for longer than STALE (urgent), another failure."""
    values = {
        str(k): str(v)
        for k, v in session.execute(
            text(
                "SELECT key, value FROM sync_state WHERE key IN "
                "('last_error', 'last_error_at', 'last_error_kind', 'last_sync_at')"
            )
        )
    }
    error = values.get("last_error")
    if not error:
        return []
    at = _aware(values.get("last_error_at") or dt.datetime.now(dt.UTC).isoformat())
    last_good = values.get("last_sync_at")
    stretch = last_good or "never"
    kind = values.get("last_error_kind", "failed")
    if kind == "sign-in":
        return [
            NotificationEvent(
                f"sync:sign-in:{stretch}", "sync", "Sign in again to sync",
                f"The sync server no longer accepts this laptop's sign-in: {error} Your changes wait here; "
                "use Sync now and give your password.", None, None, at, True,
            )
        ]  # fmt: skip
    if kind == "unreachable":
        if last_good is not None and at - _aware(last_good) < STALE:
            return []
        since_text = f"since {last_good[:16].replace('T', ' ')} UTC" if last_good else "yet"
        return [
            NotificationEvent(
                f"sync:unreachable:{stretch}", "sync", f"Not synced {since_text}",
                f"The central store cannot be reached: {error} Your work is kept on this laptop and goes "
                "out with the next sync that gets through.", None, None, at, True,
            )
        ]  # fmt: skip
    return [
        NotificationEvent(
            f"sync:failed:{stretch}", "sync", "The last sync failed", error, None, None, at, False
        )
    ]


REGISTRY = (
    Registry()
    .with_source("mentions", mentions)
    .with_source("conflicts", conflicts)
    .with_source("territory", moved_in)
    .with_source("sync", sync_failures)
    .with_source("announcements", announcement_events.notification_events)
    .with_source("requests", request_events.notification_events)
)
