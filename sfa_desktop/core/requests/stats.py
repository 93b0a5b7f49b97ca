"""Request statistics over a territory (with the territories below it) and a period, for the territory
report's retention section (WAVE_CONTEXT contract 3): complaints by category, time to the first answer and
to the resolution against the service level (per segment), open complaints per account.

A request counts in the period when it was raised in it (``created_at`` in [start, end)); open complaints
are those not resolved or closed at ``now``, whenever raised.  ``targets`` gives an account's (answer,
resolve) hours and ``segment_of`` its segment: on this branch segment B's 8 h / 72 h for every account
(``sla.default_targets``, :func:`default_segment`); after the merge the service levels per segment.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session

from sfa_desktop.core.records.fields import REQUEST_CATEGORIES
from sfa_desktop.core.records.models import Account, ServiceRequest, utcnow
from sfa_desktop.core.requests import sla
from sfa_desktop.core.territories.tree import descendants

#: account id -> its segment (A, B, C).
Segments = Callable[[Session, str], str]


def default_segment(session: Session, account_id: str) -> str:
    """Every account is in segment B until the segments are wired in (see :func:`sla.default_targets`)."""
    return "B"


def _scoped(query: Select, session: Session, territory_id: str | None) -> Select:  # type: ignore[type-arg]
    if territory_id is None:
        return query
    return query.where(ServiceRequest.territory_id.in_(descendants(session, territory_id)))


def _live() -> Select:  # type: ignore[type-arg]
    return select(ServiceRequest).where(ServiceRequest.deleted_at.is_(None))


@dataclass(frozen=True)
class CategoryCount:
    category: str
    raised: int
    open: int


def by_category(
    session: Session, territory_id: str | None, start: dt.datetime, end: dt.datetime
) -> list[CategoryCount]:
    """Requests raised in the period per category (every category, in the vocabulary's order), and how
    many of them are still open."""
    r = ServiceRequest
    query = _scoped(
        select(r.category, func.count(), func.sum(case((r.status.in_(sla.DONE), 0), else_=1)))
        .where(r.deleted_at.is_(None), r.created_at >= start, r.created_at < end)
        .group_by(r.category),
        session,
        territory_id,
    )
    found = {str(c): (int(n), int(o or 0)) for c, n, o in session.execute(query)}
    return [CategoryCount(c, *found.get(c, (0, 0))) for c in REQUEST_CATEGORIES]


@dataclass(frozen=True)
class ResponseTimes:
    """How fast one segment's requests of the period were answered and resolved, against its targets."""

    segment: str
    answer_hours: float
    resolve_hours: float
    raised: int
    answered: int
    answered_in_time: int
    median_to_answer: float | None
    resolved: int
    resolved_in_time: int
    median_to_resolve: float | None
    #: Still open and past a target now.
    overdue_now: int

    @property
    def answer_rate(self) -> float | None:
        """Share of the answered requests answered within the target."""
        return self.answered_in_time / self.answered if self.answered else None

    @property
    def resolve_rate(self) -> float | None:
        return self.resolved_in_time / self.resolved if self.resolved else None


def _median(values: Iterable[float]) -> float | None:
    kept = list(values)
    return round(statistics.median(kept), 1) if kept else None


def response_times(
    session: Session,
    territory_id: str | None,
    start: dt.datetime,
    end: dt.datetime,
    *,
    targets: sla.Targets = sla.default_targets,
    segment_of: Segments = default_segment,
    now: dt.datetime | None = None,
) -> list[ResponseTimes]:
    """Per segment (A, B, C order), the requests raised in the period: answered and resolved, how many
    within the target, the median hours."""
    now = now or utcnow()
    query = _scoped(
        _live().where(ServiceRequest.created_at >= start, ServiceRequest.created_at < end),
        session,
        territory_id,
    )
    groups: dict[str, list[sla.Sla]] = {}
    wanted: dict[str, tuple[float, float]] = {}
    requests = session.execute(query).scalars().all()
    targets_of = targets(session, {r.account_id for r in requests})
    for request in requests:
        target = targets_of[request.account_id]
        segment = segment_of(session, request.account_id)
        wanted.setdefault(segment, target)
        groups.setdefault(segment, []).append(
            sla.measure(
                request.created_at,
                request.first_answered_at,
                request.resolved_at,
                request.status,
                target,
                now,
            )
        )
    result = []
    for segment in sorted(groups):
        measured = groups[segment]
        answered = [m for m in measured if m.answered]
        done = [m for m in measured if m.done]
        answer_hours, resolve_hours = wanted[segment]
        result.append(
            ResponseTimes(
                segment=segment,
                answer_hours=answer_hours,
                resolve_hours=resolve_hours,
                raised=len(measured),
                answered=len(answered),
                answered_in_time=sum(1 for m in answered if m.answered_in_time),
                median_to_answer=_median(m.to_answer for m in answered),
                resolved=len(done),
                resolved_in_time=sum(1 for m in done if m.resolved_in_time),
                median_to_resolve=_median(m.to_resolve for m in done),
                overdue_now=sum(1 for m in measured if m.overdue),
            )
        )
    return result


@dataclass(frozen=True)
class OpenComplaints:
    account_id: str
    account: str
    open: int
    overdue: int
    oldest: dt.datetime
    categories: tuple[str, ...]


def open_per_account(
    session: Session,
    territory_id: str | None,
    *,
    targets: sla.Targets = sla.default_targets,
    now: dt.datetime | None = None,
) -> list[OpenComplaints]:
    """Accounts with open requests now (most open first, then the oldest): how many, how many overdue, the
    oldest and the categories."""
    now = now or utcnow()
    query = _scoped(
        select(ServiceRequest, Account.name)
        .join(Account, Account.id == ServiceRequest.account_id)
        .where(ServiceRequest.deleted_at.is_(None), ServiceRequest.status.not_in(sla.DONE)),
        session,
        territory_id,
    )
    per: dict[str, list[tuple[ServiceRequest, str]]] = {}
    for request, name in session.execute(query):
        per.setdefault(request.account_id, []).append((request, str(name)))
    result = []
    targets_of = targets(session, per.keys())
    for account_id, found in per.items():
        target = targets_of[account_id]
        overdue = sum(
            1
            for r, _ in found
            if sla.measure(r.created_at, r.first_answered_at, r.resolved_at, r.status, target, now).overdue
        )
        result.append(
            OpenComplaints(
                account_id=account_id,
                account=found[0][1],
                open=len(found),
                overdue=overdue,
                oldest=min(r.created_at for r, _ in found),
                categories=tuple(sorted({r.category for r, _ in found})),
            )
        )
    result.sort(key=lambda o: (-o.open, o.oldest))
    return result
