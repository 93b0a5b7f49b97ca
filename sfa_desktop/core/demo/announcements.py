"""The demo's announcements (``resources/demo/announcements.json``): a price change and a product launch
from the office to everyone, a safety notice to the reps, the manager's quarterly targets for the region
and a trade-show rota for one territory, and one that has expired; with the read receipts of those who
have opened them.  Dates are counted back from the demo's ``today``; ids are derived from each entry's key,
so the same demo always has the same announcements.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from sfa_desktop.core.announcements import links as link_rules
from sfa_desktop.core.announcements.board import receipt_id
from sfa_desktop.core.demo import data
from sfa_desktop.core.kb.articles import article_id
from sfa_desktop.core.records.models import Announcement, AnnouncementReceipt, Territory, User

_NAMESPACE = uuid.UUID("7d3a7f8e-5c1b-4b0e-9b5e-0d3f2a6c9e11")


def _links(pairs: list[list[str]]) -> str | None:
    found = []
    for label, target in pairs:
        resolved = f"kb:{article_id(target[3:])}" if target.startswith("kb:") else target
        found.append(link_rules.check(resolved, label))
    return link_rules.encode(found)


def seed(session: Session, today: dt.date) -> dict[str, int]:
    """Write the demo announcements and receipts; returns how many of each."""
    entries = data.load().announcements
    users = {str(login): str(i) for login, i in session.execute(select(User.login, User.id))}
    territories = {str(code): str(i) for code, i in session.execute(select(Territory.code, Territory.id))}
    noon = dt.time(12, 0, tzinfo=dt.UTC)
    made = receipts = 0
    for entry in entries:
        published = dt.datetime.combine(today - dt.timedelta(days=entry["days_ago"]), noon)
        key = str(uuid.uuid5(_NAMESPACE, entry["key"]))
        expires = entry.get("expires_in")
        session.add(
            Announcement(
                id=key,
                title=entry["title"],
                body=entry["body"] + "\n",
                links=_links(entry.get("links", [])),
                audience=entry["audience"],
                audience_territory_id=territories.get(entry.get("territory", "")),
                audience_role=entry.get("role"),
                pinned=bool(entry.get("pinned")),
                expires_on=today + dt.timedelta(days=expires) if expires is not None else None,
                author_id=users.get(entry.get("author") or ""),
                published_at=published,
                created_at=published,
            )
        )
        made += 1
        for number, login in enumerate(entry.get("read_by", [])):
            read_at = published + dt.timedelta(hours=2 + 7 * number)
            user_id = users[login]
            session.add(
                AnnouncementReceipt(
                    id=receipt_id(key, user_id), announcement_id=key, user_id=user_id, read_at=read_at
                )
            )
            receipts += 1
    session.flush()
    return {"announcements": made, "announcement_receipts": receipts}
