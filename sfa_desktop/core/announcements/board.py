"""Announcements as people read and write them: the list (pinned first, unread marked, expired hidden),
one announcement, posting and withdrawing, marking read, and who has read one and who has not.

Who may post to whom, who receives what and who sees whose receipts are rules of ``core.access``
(``may_post_announcement``, ``addressed_to``, ``oversees_announcement``, ``may_see_receipt``); the central
store applies the same rules to pushes and pulls, and row-level security again (c0702).  A receipt's id is
derived from its announcement and reader, so two laptops of one user make one record.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from sfa_desktop.core import access
from sfa_desktop.core import audience as rules
from sfa_desktop.core.announcements import links as link_rules
from sfa_desktop.core.announcements.links import Link
from sfa_desktop.core.errors import UserError
from sfa_desktop.core.records.models import (
    Announcement,
    AnnouncementReceipt,
    Territory,
    TerritoryMembership,
    User,
    utcnow,
)

Reader = Session | Connection
_RECEIPT_NAMESPACE = uuid.UUID("0c7b1f1e-2a53-4f57-9d0b-6a1c3f0f7e21")
TITLE_MAX = 200
ROLE_NAMES = {"rep": "Sales reps", "manager": "Managers"}


class AnnouncementNotFound(UserError, LookupError):
    """No announcement of that id here (or not one this user receives)."""


def receipt_id(announcement_id: str, user_id: str) -> str:
    """The id of a user's receipt of an announcement: the same on every laptop."""
    return str(uuid.uuid5(_RECEIPT_NAMESPACE, f"{announcement_id}:{user_id}"))


@dataclass(frozen=True)
class Summary:
    id: str
    title: str
    pinned: bool
    published_at: dt.datetime
    expires_on: dt.date | None
    author: str
    #: "Everyone", "New England and below", "Sales reps"
    audience: str
    #: addressed to this user (to read); else only overseen (a writer's or a manager's copy)
    addressed: bool
    #: when this user opened it (None: not yet)
    read_at: dt.datetime | None
    expired: bool
    #: this user may see who has read it
    may_see_receipts: bool
    #: this user may pin, unpin and withdraw it (its writer, the office)
    may_change: bool

    @property
    def unread(self) -> bool:
        return self.addressed and self.read_at is None


@dataclass(frozen=True)
class Detail(Summary):
    body: str = ""
    links: tuple[Link, ...] = ()


def _conn(db: Reader) -> Connection:
    return db.connection() if isinstance(db, Session) else db


def aware(value: Any) -> dt.datetime:
    moment = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment


def as_day(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _territory_names(conn: Connection) -> dict[str, str]:
    t = Territory.__table__
    return {str(r[0]): str(r[1]) for r in conn.execute(select(t.c.id, t.c.name))}


def audience_text(row: Any, territories: dict[str, str]) -> str:
    if row["audience"] == "territory":
        name = territories.get(str(row["audience_territory_id"]), "a territory")
        return f"{name} and below"
    if row["audience"] == "role":
        return ROLE_NAMES.get(str(row["audience_role"]), str(row["audience_role"]))
    return "Everyone"


def _rows(conn: Connection, announcement_id: str | None = None) -> list[Any]:
    a = Announcement.__table__
    u = User.__table__
    query = (
        select(a, u.c.full_name.label("author_name"), u.c.login.label("author_login"))
        .select_from(a.outerjoin(u, u.c.id == a.c.author_id))
        .where(a.c.deleted_at.is_(None))
    )
    if announcement_id is not None:
        query = query.where(a.c.id == announcement_id)
    return list(conn.execute(query).mappings())


def reads_of(conn: Connection, user_id: str | None) -> dict[str, dt.datetime]:
    if not user_id:
        return {}
    r = AnnouncementReceipt.__table__
    query = select(r.c.announcement_id, r.c.read_at).where(r.c.user_id == user_id, r.c.deleted_at.is_(None))
    return {str(a): aware(at) for a, at in conn.execute(query)}


def _summary(
    row: Any, who: access.Who, reads: dict[str, dt.datetime], names: dict[str, str], today: dt.date
) -> dict[str, Any]:
    expires = as_day(row["expires_on"])
    return {
        "id": str(row["id"]),
        "title": str(row["title"]),
        "pinned": bool(row["pinned"]),
        "published_at": aware(row["published_at"]),
        "expires_on": expires,
        "author": str(row["author_name"] or row["author_login"] or "The office"),
        "audience": audience_text(row, names),
        # a writer's own announcement is not one for them to read
        "addressed": who is None or (rules.addressed_to(who, row) and row["author_id"] != who.user_id),
        "read_at": reads.get(str(row["id"])),
        "expired": expires is not None and expires < today,
        "may_see_receipts": rules.may_see_read_receipts(who, row),
        "may_change": rules.may_write_announcement(who, row, {}),
    }


def _sort_key(item: Summary) -> tuple[bool, float]:
    return (not (item.pinned and not item.expired), -item.published_at.timestamp())


def listing(
    db: Reader,
    *,
    include_expired: bool = False,
    unread_only: bool = False,
    today: dt.date | None = None,
) -> list[Summary]:
    """The announcements this laptop's user receives: pinned (and not expired) first, then the newest;
    expired ones only when asked; ``unread_only``: those addressed to the user not opened yet."""
    conn = _conn(db)
    who = access.this_user(conn)
    today = today or dt.date.today()
    reads = reads_of(conn, who.user_id if who is not None else None)
    names = _territory_names(conn)
    found = []
    for row in _rows(conn):
        if who is not None and not rules.receives_announcement(who, row):
            continue
        item = Summary(**_summary(row, who, reads, names, today))
        if (item.expired and not include_expired) or (unread_only and not item.unread):
            continue
        found.append(item)
    return sorted(found, key=_sort_key)


def unread_count(db: Reader, today: dt.date | None = None) -> int:
    return len(listing(db, unread_only=True, today=today))


def get(db: Reader, announcement_id: str, today: dt.date | None = None) -> Detail:
    conn = _conn(db)
    who = access.this_user(conn)
    rows = _rows(conn, announcement_id)
    if not rows or (who is not None and not rules.receives_announcement(who, rows[0])):
        raise AnnouncementNotFound(f"There is no announcement {announcement_id} on this laptop.")
    row = rows[0]
    reads = reads_of(conn, who.user_id if who is not None else None)
    fields = _summary(row, who, reads, _territory_names(conn), today or dt.date.today())
    return Detail(**fields, body=str(row["body"] or ""), links=link_rules.decode(row["links"]))


def resolve(db: Reader, given: str) -> str:
    """The id of the announcement ``given`` names: its id or the start of it (at least 4 characters)."""
    wanted = given.strip().lower()
    ids = [item.id for item in listing(db, include_expired=True)]
    if wanted in ids:
        return wanted
    matches = [i for i in ids if len(wanted) >= 4 and i.startswith(wanted)]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise AnnouncementNotFound(f"'{given}' starts {len(matches)} announcements' ids: give more of it.")
    raise AnnouncementNotFound(
        f"There is no announcement '{given}' on this laptop; 'sfa announcements list --all' shows them."
    )


# -- writing -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Draft:
    """What a writer fills in: the audience is ``everyone``, ``territory`` (with ``territory_id``) or
    ``role`` (with ``role``)."""

    title: str
    body: str
    audience: str = "everyone"
    territory_id: str | None = None
    role: str | None = None
    pinned: bool = False
    expires_on: dt.date | None = None
    links: tuple[Link, ...] = ()


def check_draft(draft: Draft, today: dt.date) -> Draft:
    """The draft as it will be saved, or UserError saying what to fix."""
    title = " ".join(draft.title.split())
    if not title:
        raise UserError("An announcement needs a title.")
    if len(title) > TITLE_MAX:
        raise UserError(f"The title is {len(title)} characters long; keep it under {TITLE_MAX}.")
    if not draft.body.strip():
        raise UserError("An announcement needs a text: say what the field should know.")
    if draft.audience not in rules.AUDIENCES:
        raise UserError(f"The audience is one of: {', '.join(rules.AUDIENCES)}.")
    if draft.audience == "territory" and not draft.territory_id:
        raise UserError("Choose the territory the announcement is for.")
    if draft.audience == "role" and draft.role not in rules.AUDIENCE_ROLES:
        raise UserError(f"The role is one of: {', '.join(rules.AUDIENCE_ROLES)}.")
    if draft.expires_on is not None and draft.expires_on < today:
        raise UserError(f"The expiry date {draft.expires_on:%d %b %Y} has passed: choose today or later.")
    return Draft(
        title,
        draft.body.strip() + "\n",
        draft.audience,
        draft.territory_id if draft.audience == "territory" else None,
        draft.role if draft.audience == "role" else None,
        draft.pinned,
        draft.expires_on,
        tuple(link_rules.check(link.target, link.label) for link in draft.links),
    )


def post(session: Session, draft: Draft, today: dt.date | None = None) -> str:
    """Post an announcement as this laptop's user; returns its id.  Refused (NotPermitted) unless the user
    may address that audience."""
    clean = check_draft(draft, today or dt.date.today())
    who = access.user_of(session)
    if clean.territory_id is not None and session.get(Territory, clean.territory_id) is None:
        raise UserError("That territory is not on this laptop; sync, then choose it again.")
    if not rules.may_post_announcement(who, clean.audience, clean.territory_id):
        assert who is not None
        raise access.announcement_refusal(who)
    record = Announcement(
        title=clean.title,
        body=clean.body,
        links=link_rules.encode(clean.links),
        audience=clean.audience,
        audience_territory_id=clean.territory_id,
        audience_role=clean.role,
        pinned=clean.pinned,
        expires_on=clean.expires_on,
        author_id=who.user_id if who is not None else None,
        published_at=utcnow(),
    )
    session.add(record)
    session.flush()
    return record.id


def _own(session: Session, announcement_id: str) -> Announcement:
    record = session.get(Announcement, announcement_id)
    if record is None or record.deleted_at is not None:
        raise AnnouncementNotFound(f"There is no announcement {announcement_id} on this laptop.")
    who = access.user_of(session)
    current = {c: getattr(record, c) for c in ("author_id", *rules.AUDIENCE_COLUMNS)}
    if not rules.may_write_announcement(who, current, {}):
        assert who is not None
        raise access.announcement_refusal(who)
    return record


def set_pinned(session: Session, announcement_id: str, pinned: bool) -> None:
    _own(session, announcement_id).pinned = pinned


def withdraw(session: Session, announcement_id: str) -> None:
    """Take an announcement back (it leaves every laptop); its writer or an admin."""
    _own(session, announcement_id).deleted_at = utcnow()


def mark_read(session: Session, announcement_id: str) -> bool:
    """Note that this laptop's user opened the announcement (once: the first time counts).  True when a
    receipt was written now; nothing for a laptop never connected (no user to name), nor for an
    announcement the user wrote or only oversees."""
    who = access.user_of(session)
    if who is None or not who.user_id:
        return False
    record = session.get(Announcement, announcement_id)
    if record is None or record.deleted_at is not None:
        raise AnnouncementNotFound(f"There is no announcement {announcement_id} on this laptop.")
    audience = {c: getattr(record, c) for c in ("audience", "audience_territory_id", "audience_role")}
    if record.author_id == who.user_id or not rules.addressed_to(who, audience):
        return False  # a writer's own, or one the user oversees: not theirs to read, no receipt
    key = receipt_id(announcement_id, who.user_id)
    found = session.get(AnnouncementReceipt, key)
    if found is not None and found.deleted_at is None:
        return False
    if found is not None:
        found.deleted_at = None
        found.read_at = utcnow()
    else:
        session.add(AnnouncementReceipt(id=key, announcement_id=announcement_id, user_id=who.user_id))
    session.flush()
    return True


# -- who has read it -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReaderRow:
    user_id: str
    name: str
    login: str
    role: str
    read_at: dt.datetime | None


@dataclass(frozen=True)
class ReadReport:
    announcement: Detail
    read: tuple[ReaderRow, ...]
    unread: tuple[ReaderRow, ...]
    #: ``days`` asked: the unread when it was posted at least that many days ago (else empty)
    overdue: tuple[ReaderRow, ...]
    days: int | None

    @property
    def audience_size(self) -> int:
        return len(self.read) + len(self.unread)


def audience_members(conn: Connection, row: Any) -> list[Any]:
    """The active users an announcement is addressed to (its writer left out): everyone, a role's users, or
    the members of its territory and of those below it."""
    u = User.__table__
    query = select(u.c.id, u.c.full_name, u.c.login, u.c.role).where(u.c.deleted_at.is_(None), u.c.active)
    if row["audience"] == "role":
        query = query.where(u.c.role == row["audience_role"])
    elif row["audience"] == "territory":
        t = Territory.__table__
        tree = [
            (str(i), p)
            for i, p in conn.execute(select(t.c.id, t.c.parent_id).where(t.c.deleted_at.is_(None)))
        ]
        below = access.visible_territories("rep", [str(row["audience_territory_id"])], tree)
        m = TerritoryMembership.__table__
        members = select(m.c.user_id).where(m.c.deleted_at.is_(None), m.c.territory_id.in_(sorted(below)))
        query = query.where(u.c.id.in_(members))
    return [r for r in conn.execute(query.order_by(u.c.full_name)) if r[0] != row["author_id"]]


def read_report(
    db: Reader, announcement_id: str, *, days: int | None = None, now: dt.datetime | None = None
) -> ReadReport:
    """Who of the audience has read the announcement, and who has not (``days``: who has not although it
    was posted at least that many days ago).  For those who may see its receipts: its writer, admins, and
    a manager over its audience (who sees the people of their own team)."""
    conn = _conn(db)
    who = access.this_user(conn)
    detail = get(conn, announcement_id)
    row = _rows(conn, announcement_id)[0]
    if not rules.may_see_read_receipts(who, row):
        raise access.NotPermitted(
            "Who has read an announcement is for its writer, the managers over its audience and the office."
        )
    if days is not None and days < 0:
        raise UserError("The number of days is 0 or more.")
    r = AnnouncementReceipt.__table__
    reads = {
        str(user): aware(at)
        for user, at in conn.execute(
            select(r.c.user_id, r.c.read_at).where(
                r.c.announcement_id == announcement_id, r.c.deleted_at.is_(None)
            )
        )
    }
    people = []
    for user_id, name, login, role in audience_members(conn, row):
        if not rules.may_see_receipt(who, str(user_id), row):
            continue  # not one of theirs: whether they read it is not this user's to know
        people.append(
            ReaderRow(str(user_id), str(name or login), str(login), str(role), reads.get(str(user_id)))
        )
    read = tuple(
        sorted((p for p in people if p.read_at is not None), key=lambda p: p.read_at or detail.published_at)
    )
    unread = tuple(p for p in people if p.read_at is None)
    overdue: tuple[ReaderRow, ...] = ()
    if days is not None and (now or utcnow()) - detail.published_at >= dt.timedelta(days=days):
        overdue = unread
    return ReadReport(detail, read, unread, overdue, days)


def territories_to_address(db: Reader) -> list[tuple[str, str]]:
    """(id, name) of the territories this laptop's user may address, by name."""
    conn = _conn(db)
    who = access.this_user(conn)
    t = Territory.__table__
    rows = conn.execute(select(t.c.id, t.c.name).where(t.c.deleted_at.is_(None)).order_by(t.c.name))
    return [(str(i), str(n)) for i, n in rows if rules.may_post_announcement(who, "territory", str(i))]


def may_post(db: Reader) -> bool:
    """May this laptop's user post announcements (to some audience)?"""
    who = access.this_user(_conn(db))
    return who is None or who.is_admin or (who.is_manager and bool(who.territories))


def find_territory(db: Reader, code: str) -> str:
    t = Territory.__table__
    found = (
        _conn(db)
        .execute(select(t.c.id).where(t.c.code == code.strip().upper(), t.c.deleted_at.is_(None)))
        .scalar()
    )
    if found is None:
        raise UserError(f"There is no territory with the code {code!r}; 'sfa territories list' shows them.")
    return str(found)
