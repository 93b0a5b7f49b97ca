"""The list of requests the Requests page and ``sfa requests list`` show: filtered in SQL (text, status,
category, mine / assigned to me), flagged against the service levels (:mod:`.sla`) in Python, newest first.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache, partial
from typing import Any

from sqlalchemy import Select, String, bindparam, func, or_, select, type_coerce
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


def _filtered(query: Select, filters: Filters, user_id: str | None) -> Select:  # type: ignore[type-arg]
    r = ServiceRequest
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
    words = filters.text.split()
    if words:
        names = select(Account.id)
        for word in words:
            pattern = _like(word)
            # SQLite's LIKE folds ASCII case, as the other lists' filters do
            query = query.where(
                or_(
                    r.subject.like(pattern, escape="\\"),
                    r.description.like(pattern, escape="\\"),
                    r.category.like(pattern, escape="\\"),
                    r.account_id.in_(names.where(Account.name.like(pattern, escape="\\"))),
                )
            )
    return query


_STAMP = "%Y-%m-%d %H:%M:%S.%f"


@dataclass(frozen=True)
class Found:
    """The requests matching the filters, newest first: their ids and which of them are overdue (the list
    holds these; :func:`rows_for` reads the rows on screen)."""

    ids: list[str]
    overdue: frozenset[str]


def find(
    session: Session,
    filters: Filters,
    user_id: str | None,
    *,
    targets: sla.Targets = sla.default_targets,
    now: dt.datetime | None = None,
) -> Found:
    """The live requests on this laptop matching ``filters`` (``user_id``: whose "mine" is), with their
    service-level flags: one light query, times compared as the text SQLite stores (no parsing), the
    targets asked once per account."""
    now = (now or utcnow()).astimezone(dt.UTC).replace(tzinfo=None)
    t = ServiceRequest.__table__.c
    text_of = partial(type_coerce, type_=String)
    query = _filtered(
        select(
            t.id,
            t.account_id,
            t.status,
            text_of(t.created_at),
            text_of(t.first_answered_at),
        )
        .where(t.deleted_at.is_(None))
        .order_by(t.created_at.desc(), t.id),
        filters,
        user_id,
    )
    rows = session.execute(query).all()
    targets_of = targets(session, {r[1] for r in rows if r[2] not in sla.DONE})
    # the moments before which a request is late, as the text SQLite stores: one pair per service level
    # (a few), not per account (thousands)
    cutoffs = {
        target: tuple((now - dt.timedelta(hours=h)).strftime(_STAMP) for h in target)
        for target in set(targets_of.values())
    }
    ids: list[str] = []
    overdue: set[str] = set()
    for request_id, account_id, status, raised, answered in rows:
        late = False
        if status not in sla.DONE:
            cutoff = cutoffs[targets_of[account_id]]
            late = raised < cutoff[1] or (answered is None and raised < cutoff[0])
        if filters.overdue and not late:
            continue
        ids.append(request_id)
        if late:
            overdue.add(request_id)
    return Found(ids, frozenset(overdue))


def rows_for(
    session: Session,
    ids: list[str],
    *,
    targets: sla.Targets = sla.default_targets,
    now: dt.datetime | None = None,
) -> dict[str, RequestRow]:
    """The rows of these requests (a page of a list), with names, comment counts and service levels."""
    now = now or utcnow()
    if not ids:
        return {}
    rows = session.execute(_rows_query(), {"ids": ids}).all()
    targets_of = targets(session, {row[2] for row in rows})
    found: dict[str, RequestRow] = {}
    for row in rows:
        measured = sla.measure(row[14], row[15], row[16], row[7], targets_of[row[2]], now)
        found[row[0]] = RequestRow(
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
    return found


@cache
def _rows_query() -> Select:  # type: ignore[type-arg]
    """The statement that reads rows by id (built once: building it costs more than running it)."""
    r = ServiceRequest
    raiser, assignee = aliased(User), aliased(User)
    wanted: Any = bindparam("ids", expanding=True)
    counts = (
        select(RequestComment.request_id, func.count().label("n"))
        .where(RequestComment.deleted_at.is_(None), RequestComment.request_id.in_(wanted))
        .group_by(RequestComment.request_id)
        .subquery()
    )
    contact_name = func.trim(
        func.coalesce(Contact.first_name, "") + " " + func.coalesce(Contact.last_name, "")
    )
    return (
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
        .where(r.id.in_(wanted))
    )


#: Rows read at a time (a list's page).
PAGE = 200


def query_rows(
    session: Session,
    filters: Filters,
    user_id: str | None,
    *,
    targets: sla.Targets = sla.default_targets,
    now: dt.datetime | None = None,
    request_id: str | None = None,
) -> list[RequestRow]:
    """Every matching request's row, newest first (the command line; the window reads pages)."""
    now = now or utcnow()
    if request_id is not None:
        return list(rows_for(session, [request_id], targets=targets, now=now).values())
    ids = find(session, filters, user_id, targets=targets, now=now).ids
    rows: list[RequestRow] = []
    for start in range(0, len(ids), PAGE):
        page = rows_for(session, ids[start : start + PAGE], targets=targets, now=now)
        rows += [page[i] for i in ids[start : start + PAGE] if i in page]
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
