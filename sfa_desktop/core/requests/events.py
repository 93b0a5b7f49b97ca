"""What the notification centre tells people about requests (WAVE_CONTEXT contract 1).

* a territory's managers (and admins): a request raised in a queue they work, by someone else;
* whoever raised a request, and whoever it is assigned to: its status changed, it was commented on (by
  someone else); the assignee: it was assigned to them (by someone else).

Keys are deterministic (the same on every laptop for the same event): ``request-raised:<id>``,
``request-status:<id>:<status>``, ``request-assigned:<id>:<user id>``, ``request-comment:<comment id>``.
When a change happened, and who made it, come from the central store's change log as pulled
(``change_history``); a change not synced yet is dated by the request's ``updated_at``.

Registered in ``core.notifications.sources.REGISTRY``.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from sfa_desktop.core import access
from sfa_desktop.core.notifications.events import NotificationEvent
from sfa_desktop.core.records.models import ChangeHistory, RequestComment, ServiceRequest, User
from sfa_desktop.core.requests import sla

#: With ``since`` None, requests done with longer ago than this are no longer relevant.
RELEVANT_DAYS = 14
URGENT_SEVERITIES = ("high", "critical")


@dataclass(frozen=True)
class _Change:
    at: dt.datetime
    login: str
    value: object


def _last_changes(session: Session, ids: list[str], field: str) -> dict[str, _Change]:
    """The latest change of ``field`` per request, from the pulled change log."""
    found: dict[str, _Change] = {}
    h = ChangeHistory
    for start in range(0, len(ids), 500):
        query = (
            select(h.record_id, h.changes, h.db_user, h.applied_at, h.op)
            .where(h.table_name == ServiceRequest.__tablename__, h.record_id.in_(ids[start : start + 500]))
            .order_by(h.seq)
        )
        for record_id, changes, login, applied_at, op in session.execute(query):
            values = json.loads(changes or "{}")
            if field in values:
                new = values[field][1] if isinstance(values[field], list) else values[field]
                found[str(record_id)] = _Change(applied_at, str(login), new)
            elif op == "insert":
                found.setdefault(str(record_id), _Change(applied_at, str(login), None))
    return found


def notification_events(session: Session, user_id: str, since: dt.datetime | None) -> list[NotificationEvent]:
    """What ``user_id`` should be told about requests since ``since`` (None: everything still relevant),
    oldest first."""
    who = access.identify(session, user_id=user_id)
    if who is None:
        return []
    users = {
        str(i): (str(n or login), str(login))
        for i, n, login in session.execute(select(User.id, User.full_name, User.login))
    }
    r = ServiceRequest
    query = select(r).where(r.deleted_at.is_(None))
    if since is None:
        cutoff = dt.datetime.now(dt.UTC) - dt.timedelta(days=RELEVANT_DAYS)
        query = query.where(or_(r.status.not_in(sla.DONE), r.updated_at >= cutoff))
    else:
        query = query.where(r.updated_at > since)
    requests = list(session.execute(query).scalars())
    ids = [q.id for q in requests]
    statuses = _last_changes(session, ids, "status")
    assignments = _last_changes(session, ids, "assigned_to_id")
    events: list[NotificationEvent] = []

    def name(uid: str | None) -> str:
        return users.get(uid or "", ("someone", ""))[0]

    for q in requests:
        urgent = q.severity in URGENT_SEVERITIES
        label = f"{q.category} · {q.subject}"
        mine = user_id in (q.raised_by_id, q.assigned_to_id)
        if (
            access.handles_requests(who)
            and q.raised_by_id != user_id
            and access.sees(who, q.territory_id, q.owner_id)
        ):
            events.append(
                NotificationEvent(
                    f"request-raised:{q.id}",
                    "request",
                    f"New {q.severity} request from {name(q.raised_by_id)}",
                    label,
                    r.__tablename__,
                    q.id,
                    q.created_at,
                    urgent,
                )
            )
        if mine and q.status != "new":
            change = statuses.get(q.id)
            if change is None or change.login != who.login:
                at = change.at if change is not None else q.updated_at
                events.append(
                    NotificationEvent(
                        f"request-status:{q.id}:{q.status}",
                        "request",
                        f"Request {q.status}: {q.subject}",
                        q.resolution or label,
                        r.__tablename__,
                        q.id,
                        at,
                        urgent and q.status not in sla.DONE,
                    )
                )
        if q.assigned_to_id == user_id:
            change = assignments.get(q.id)
            if change is None or change.login != who.login:
                at = change.at if change is not None else q.updated_at
                events.append(
                    NotificationEvent(
                        f"request-assigned:{q.id}:{user_id}",
                        "request",
                        f"Assigned to you: {q.subject}",
                        label,
                        r.__tablename__,
                        q.id,
                        at,
                        urgent,
                    )
                )
    mine_ids = {q.id: q for q in requests if user_id in (q.raised_by_id, q.assigned_to_id)}
    c = RequestComment
    comments = select(c).where(c.deleted_at.is_(None), c.author_id != user_id)
    if since is not None:
        comments = comments.where(c.created_at > since)
        # a comment may come in on a request that did not change itself
        mine_ids |= {
            q.id: q
            for q in session.execute(
                select(r).where(
                    r.deleted_at.is_(None), or_(r.raised_by_id == user_id, r.assigned_to_id == user_id)
                )
            ).scalars()
        }
    for comment in session.execute(comments.where(c.request_id.in_(list(mine_ids)))).scalars():
        q = mine_ids[comment.request_id]
        events.append(
            NotificationEvent(
                f"request-comment:{comment.id}",
                "request",
                f"{name(comment.author_id)} commented on: {q.subject}",
                comment.body[:200],
                r.__tablename__,
                q.id,
                comment.created_at,
                False,
            )
        )
    if since is not None:
        events = [e for e in events if e.at > since]
    events.sort(key=lambda e: (e.at, e.key))
    return events
