"""What the notification centre tells a user about announcements (WAVE_CONTEXT contract 1): a new
announcement addressed to them, not opened yet and not expired; urgent when it is pinned.

Registered in ``core.notifications.sources.REGISTRY``.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from sfa_desktop.core import access
from sfa_desktop.core import audience as rules
from sfa_desktop.core.announcements import board
from sfa_desktop.core.kb import mdtext
from sfa_desktop.core.notifications.events import NotificationEvent
from sfa_desktop.core.records.models import Announcement

BODY_CHARS = 160


def notification_events(session: Session, user_id: str, since: dt.datetime | None) -> list[NotificationEvent]:
    """The announcements addressed to the user that they have not opened, still current (not expired, not
    withdrawn, not their own), published after ``since`` (None: all of them), newest first."""
    who = access.identify(session, user_id=user_id)
    if who is None:
        return []
    today = dt.date.today()
    reads = board.reads_of(session.connection(), user_id)
    a = Announcement.__table__
    rows = [
        dict(r) for r in session.connection().execute(select(a).where(a.c.deleted_at.is_(None))).mappings()
    ]
    events = []
    for row in rows:
        at = board.aware(row["published_at"])
        expires = board.as_day(row["expires_on"])
        if (
            row["author_id"] == user_id
            or not rules.addressed_to(who, row)
            or str(row["id"]) in reads
            or (expires is not None and expires < today)
            or (since is not None and at <= since)
        ):
            continue
        text = mdtext.plain_text(str(row["body"] or "")).replace("\n\n", " ")
        body = text if len(text) <= BODY_CHARS else text[: BODY_CHARS - 1].rsplit(" ", 1)[0] + "…"
        events.append(
            NotificationEvent(
                key=f"announcement:{row['id']}",
                kind="announcement",
                title=str(row["title"]),
                body=body,
                table=Announcement.__tablename__,
                record_id=str(row["id"]),
                at=at,
                urgent=bool(row["pinned"]),
            )
        )
    return sorted(events, key=lambda e: e.at, reverse=True)
