"""The territory report's retention figures, in SQL: the defections recorded in the period (by type and by
rep, with the revenue they take with them from the sales history) and the declining accounts of the at-risk
list with the defection recorded for them, if any.

Counting rules (the report's subtitle says them too):

* an account counts once per period, as its latest defection recorded in the period says (a rep who
  re-records it with a corrected type, or a declining customer that is then lost, counts once, as the
  latest says); its rep is the account's owner when the defection was recorded;
* the revenue of a defection is the account's orders (not cancelled or returned) in the 365 days before
  its date: for a lost account the yearly revenue lost, for a declining one the yearly revenue at stake.

Complaints (issue 15, item 2) come from another part of the app: :data:`ComplaintSource` is the one place
where they enter the report (``build(..., complaints=...)``), as :class:`ComplaintFigures`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from sfa_desktop.core.records.vocabularies import DEFECTION_TYPES
from sfa_desktop.core.reports.base import IN_SCOPE, NOT_REVENUE, Context, Period, Scope
from sfa_desktop.core.reports.profit import AtRisk

#: How far back the sales history is read for a defection's revenue.
REVENUE_DAYS = 365


# -- complaints: what the service-request statistics give the report ------------------------------------


@dataclass(frozen=True)
class ComplaintCategory:
    category: str  # delivery, billing, quality, service, price, other
    raised: int  # raised in the period
    open: int  # still open at the end of the period
    resolved: int  # resolved in the period


@dataclass(frozen=True)
class ServiceTimes:
    """Time to first answer and to resolve complaints of one customer segment, against its service level."""

    segment: str  # A, B, C
    answered: int
    answer_hours: float | None  # median
    answer_target: float  # hours
    answered_late: int
    resolved: int
    resolve_hours: float | None  # median
    resolve_target: float
    resolved_late: int


@dataclass(frozen=True)
class ComplaintFigures:
    categories: tuple[ComplaintCategory, ...] = ()
    times: tuple[ServiceTimes, ...] = ()
    #: account id -> complaints still open at the end of the period
    open_by_account: Mapping[str, int] = field(default_factory=dict)


#: Where complaints enter the report: given the report's session, territories and period, their figures
#: (None: none to show).  The requests part's ``core/requests/stats.py`` is adapted to this.
ComplaintSource = Callable[[Session, Scope, Period], ComplaintFigures | None]


# -- defections -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DefectionLine:
    defection_id: str
    account_id: str
    name: str
    rep: str
    status: str  # lost | declining
    defection_type: str
    reason: str
    defected_on: dt.date
    revenue: int  # the account's orders in the REVENUE_DAYS before, cents


@dataclass
class TypeRow:
    defection_type: str
    lost: int = 0
    declining: int = 0
    revenue_lost: int = 0
    revenue_at_stake: int = 0

    @property
    def total(self) -> int:
        return self.lost + self.declining


@dataclass
class RepRow:
    rep: str
    lost: int = 0
    declining: int = 0
    revenue_lost: int = 0
    revenue_at_stake: int = 0
    by_type: dict[str, int] = field(default_factory=lambda: dict.fromkeys(DEFECTION_TYPES, 0))

    @property
    def total(self) -> int:
        return self.lost + self.declining


@dataclass(frozen=True)
class DecliningRow:
    """An account of the at-risk list whose orders are declining, with its latest defection (any time up to
    the end of the period), or none recorded yet."""

    account_id: str
    name: str
    rep: str
    previous: int
    current: int
    recorded_type: str | None
    recorded_status: str | None
    recorded_on: dt.date | None


@dataclass
class Retention:
    defections: list[DefectionLine]  # latest first
    types: list[TypeRow]  # every type, in DEFECTION_TYPES order
    reps: list[RepRow]
    declining: list[DecliningRow]
    complaints: ComplaintFigures | None = None

    @property
    def lost(self) -> int:
        return sum(t.lost for t in self.types)

    @property
    def revenue_lost(self) -> int:
        return sum(t.revenue_lost for t in self.types)

    @property
    def revenue_at_stake(self) -> int:
        return sum(t.revenue_at_stake for t in self.types)

    @property
    def unexplained(self) -> int:
        """Declining accounts with no defection recorded: what the manager asks the reps about."""
        return sum(1 for d in self.declining if d.recorded_type is None)


_LATEST = f"""
WITH d AS (
    SELECT id, account_id, status, defection_type, reason, defected_on, owner_id,
           row_number() OVER (
               PARTITION BY account_id ORDER BY defected_on DESC, created_at DESC, id DESC
           ) AS n
    FROM defections
    WHERE deleted_at IS NULL AND defected_on <= :to_date AND {IN_SCOPE}
)
SELECT d.id, d.account_id, a.name, d.owner_id, d.status, d.defection_type, d.reason, d.defected_on,
       d.defected_on >= :from_date AS in_period,
       CASE WHEN d.defected_on >= :from_date THEN (
           SELECT coalesce(sum(o.total_cents), 0) FROM orders o
           WHERE o.account_id = d.account_id AND o.deleted_at IS NULL AND o.status NOT IN {NOT_REVENUE!r}
             AND o.order_date >= date(d.defected_on, '-{REVENUE_DAYS} days') AND o.order_date < d.defected_on
       ) END AS revenue
FROM d JOIN accounts a ON a.id = d.account_id
WHERE d.n = 1
ORDER BY d.defected_on DESC, a.name, d.id
"""


def retention(ctx: Context, at_risk: AtRisk, complaints: ComplaintFigures | None = None) -> Retention:
    """The period's defections and the declining accounts of ``at_risk`` (one statement over defections)."""
    lines: list[DefectionLine] = []
    latest: dict[str, tuple[str, str, dt.date]] = {}
    for r in ctx.rows(_LATEST):
        day = dt.date.fromisoformat(r[7])
        latest[r[1]] = (r[5], r[4], day)
        if r[8]:
            lines.append(DefectionLine(r[0], r[1], r[2], ctx.rep(r[3]), r[4], r[5], r[6], day, int(r[9])))
    types = {t: TypeRow(t) for t in DEFECTION_TYPES}
    reps: dict[str, RepRow] = {}
    for line in lines:
        row = types.setdefault(line.defection_type, TypeRow(line.defection_type))
        rep = reps.setdefault(line.rep, RepRow(line.rep))
        rep.by_type[line.defection_type] = rep.by_type.get(line.defection_type, 0) + 1
        if line.status == "lost":
            row.lost += 1
            row.revenue_lost += line.revenue
            rep.lost += 1
            rep.revenue_lost += line.revenue
        else:
            row.declining += 1
            row.revenue_at_stake += line.revenue
            rep.declining += 1
            rep.revenue_at_stake += line.revenue
    declining = [
        DecliningRow(
            a.account_id,
            a.name,
            a.rep,
            a.previous,
            a.current,
            *(latest.get(a.account_id) or (None, None, None)),
        )
        for a in at_risk.accounts
        if a.declining
    ]
    return Retention(
        lines,
        list(types.values()),
        sorted(reps.values(), key=lambda r: r.rep.casefold()),
        declining,
        complaints,
    )
