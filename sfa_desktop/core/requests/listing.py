"""The list of requests the Requests page and ``sfa requests list`` show: filtered in SQL (text, status,
category, mine / assigned to me), flagged against the service levels (:mod:`.sla`) in Python, newest first.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import String, cast, func, or_, select
from sqlalchemy.orm import Session, aliased

from sfa_desktop.core.records.models import (
    Account,
    Contact,
    RequestComment,
    ServiceRequest,
    Territory,
    User,
    utcnow,
)
from sfa_desktop.core.requests import sla

#: What the status filter offers besides each status: every request, and those not done with.
ANY = "any"
OPEN = "open"
#: Whose requests: everyone's in view, those I raised, those assigned to me.
EVERYONE, MINE, ASSIGNED = "all", "mine", "assigned"


@dataclass(frozen=True)
class Filters:
    text: str = ""
    status: str = OPEN
    category: str | None = None
    overdue: bool = False
    whose: str = EVERYONE


@dataclass(frozen=True)
class RequestRow:
    id: str
    subject: str
    account_id: str
    account: str
    contact: str
    category: str
    severity: str
    status: str
    raised_by: str
    raised_by_id: str
    assigned_to: str
    assigned_to_id: str | None
    territory: str
    territory_id: str | None
    raised_at: dt.datetime
    first_answered_at: dt.datetime | None
    resolved_at: dt.datetime | None
    comments: int
    level: sla.Sla

    @property
    def overdue(self) -> bool:
        return self.level.overdue


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def query_rows(
    session: Session,
    filters: Filters,
    user_id: str | None,
    *,
    targets: sla.Targets = sla.default_targets,
    now: dt.datetime | None = None,
    request_id: str | None = None,
) -> list[RequestRow]:
    """The live requests on this laptop matching ``filters`` (``user_id``: whose "mine" is)."""
    now = now or utcnow()
    r = ServiceRequest
    raiser, assignee = aliased(User), aliased(User)
    counts = (
        select(RequestComment.request_id, func.count().label("n"))
        .where(RequestComment.deleted_at.is_(None))
        .group_by(RequestComment.request_id)
        .subquery()
    )
    contact_name = func.trim(
        func.coalesce(Contact.first_name, "") + " " + func.coalesce(Contact.last_name, "")
    )
    query = (
        select(
            r.id,
            r.subject,
            r.account_id,
            func.coalesce(Account.name, ""),
            func.coalesce(contact_name, ""),
            r.category,
            r.severity,
            r.status,
            func.coalesce(raiser.full_name, raiser.login, ""),
            r.raised_by_id,
            func.coalesce(assignee.full_name, assignee.login, ""),
            r.assigned_to_id,
            func.coalesce(Territory.code, ""),
            r.territory_id,
            r.created_at,
            r.first_answered_at,
            r.resolved_at,
            func.coalesce(counts.c.n, 0),
        )
        .select_from(r)
        .outerjoin(Account, Account.id == r.account_id)
        .outerjoin(Contact, Contact.id == r.contact_id)
        .outerjoin(raiser, raiser.id == r.raised_by_id)
        .outerjoin(assignee, assignee.id == r.assigned_to_id)
        .outerjoin(Territory, Territory.id == r.territory_id)
        .outerjoin(counts, counts.c.request_id == r.id)
        .where(r.deleted_at.is_(None))
        .order_by(r.created_at.desc(), r.id)
    )
    if request_id is not None:
        query = query.where(r.id == request_id)
    if filters.status == OPEN:
        query = query.where(r.status.not_in(sla.DONE))
    elif filters.status != ANY:
        query = query.where(r.status == filters.status)
    if filters.category:
        query = query.where(r.category == filters.category)
    if filters.whose == MINE:
        query = query.where(r.raised_by_id == user_id)
    elif filters.whose == ASSIGNED:
        query = query.where(r.assigned_to_id == user_id)
    for word in filters.text.split():
        pattern = _like(word)
        query = query.where(
            or_(
                r.subject.ilike(pattern, escape="\\"),
                Account.name.ilike(pattern, escape="\\"),
                r.description.ilike(pattern, escape="\\"),
                cast(r.category, String).ilike(pattern, escape="\\"),
            )
        )
    lookup = sla.cached(targets)
    rows: list[RequestRow] = []
    for row in session.execute(query):
        measured = sla.measure(row[14], row[15], row[16], row[7], lookup(session, row[2]), now)
        if filters.overdue and not measured.overdue:
            continue
        rows.append(
            RequestRow(
                id=row[0],
                subject=row[1],
                account_id=row[2],
                account=row[3],
                contact=row[4],
                category=row[5],
                severity=row[6],
                status=row[7],
                raised_by=row[8],
                raised_by_id=row[9],
                assigned_to=row[10],
                assigned_to_id=row[11],
                territory=row[12],
                territory_id=row[13],
                raised_at=row[14],
                first_answered_at=row[15],
                resolved_at=row[16],
                comments=int(row[17]),
                level=measured,
            )
        )
    return rows


def one_row(
    session: Session,
    request_id: str,
    *,
    targets: sla.Targets = sla.default_targets,
    now: dt.datetime | None = None,
) -> RequestRow | None:
    found = query_rows(session, Filters(status=ANY), None, targets=targets, now=now, request_id=request_id)
    return found[0] if found else None


@dataclass(frozen=True)
class Comment:
    id: str
    author: str
    author_id: str
    body: str
    at: dt.datetime


def thread(session: Session, request_id: str) -> list[Comment]:
    """A request's comments, oldest first."""
    c = RequestComment
    query = (
        select(c.id, func.coalesce(User.full_name, User.login, ""), c.author_id, c.body, c.created_at)
        .outerjoin(User, User.id == c.author_id)
        .where(c.request_id == request_id, c.deleted_at.is_(None))
        .order_by(c.created_at, c.id)
    )
    return [Comment(str(i), str(a), str(u), str(b), t) for i, a, u, b, t in session.execute(query)]
