"""Customer profitability (activity-based costing) and accounts at risk, in SQL.

Profitability works like an income statement per customer for the period: the gross margin of its orders
(order lines: price minus cost; an order without lines: its total minus its cost) minus what it cost to
serve (each activity done for it at the unit cost of its kind, and each order at the order cost, from the
settings).  Accounts are ranked by that net contribution and segmented:

* A: the best accounts that together earn the first 80% of the positive contributions;
* B: the next ones, up to 95%;
* C: the rest, and every account that cost more to serve than it earned.

At risk: customers (an order, or a won opportunity) whose order volume fell by the configured percentage
or more against the previous period, or with no contact (an activity other than a note) for N days.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sfa_desktop.core.reports.base import ACCOUNT_ACTIVITY, IN_SCOPE, NOT_REVENUE, Context

SEGMENTS = ("A", "B", "C")
_REVENUE = f"status NOT IN {NOT_REVENUE!r}"

_RANKED = f"""
WITH acc AS (
    SELECT id, name, owner_id FROM accounts WHERE deleted_at IS NULL AND {IN_SCOPE}
), ord_in AS (
    SELECT id, account_id, total_cents, cost_cents FROM orders
    WHERE deleted_at IS NULL AND {_REVENUE} AND order_date >= :from_date AND order_date <= :to_date
      AND {IN_SCOPE}
), lines AS (
    SELECT l.order_id,
           sum(l.line_total_cents - l.quantity * coalesce(l.unit_cost_cents, p.unit_cost_cents, 0)) AS margin
    FROM order_lines l LEFT JOIN products p ON p.id = l.product_id
    WHERE l.deleted_at IS NULL AND l.order_id IN (SELECT id FROM ord_in)
    GROUP BY l.order_id
), ord AS (
    SELECT o.account_id, count(*) AS n, sum(o.total_cents) AS revenue,
           sum(coalesce(lines.margin, o.total_cents - o.cost_cents, 0)) AS margin
    FROM ord_in o LEFT JOIN lines ON lines.order_id = o.id
    GROUP BY o.account_id
), act AS (
    SELECT account_id, done AS n, cost FROM {ACCOUNT_ACTIVITY} WHERE done > 0
), net AS (
    SELECT acc.id, acc.name, acc.owner_id, coalesce(ord.n, 0) AS orders,
           coalesce(ord.revenue, 0) AS revenue, coalesce(ord.margin, 0) AS margin,
           coalesce(act.n, 0) AS activities,
           coalesce(act.cost, 0) + coalesce(ord.n, 0) * :order_cost AS cost,
           coalesce(ord.margin, 0) - coalesce(act.cost, 0) - coalesce(ord.n, 0) * :order_cost AS net
    FROM acc LEFT JOIN ord ON ord.account_id = acc.id LEFT JOIN act ON act.account_id = acc.id
    WHERE ord.n IS NOT NULL OR act.n IS NOT NULL
), ranked AS (
    SELECT *,
           row_number() OVER best AS rank,
           sum(max(net, 0)) OVER (best ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS positive_before,
           sum(net) OVER (best ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS cumulative,
           sum(max(net, 0)) OVER () AS positive_total
    FROM net
    WINDOW best AS (ORDER BY net DESC, name, id)
), segmented AS (
    SELECT *, CASE
        WHEN net <= 0 THEN 'C'
        WHEN coalesce(positive_before, 0) < 0.80 * positive_total THEN 'A'
        WHEN coalesce(positive_before, 0) < 0.95 * positive_total THEN 'B'
        ELSE 'C' END AS segment
    FROM ranked
)
"""


@dataclass
class AccountProfit:
    rank: int
    account_id: str
    name: str
    rep: str
    orders: int
    revenue: int
    margin: int
    activities: int
    cost: int
    net: int
    cumulative: int
    segment: str


@dataclass
class Segment:
    name: str
    accounts: int = 0
    net: int = 0
    revenue: int = 0
    positive: int = 0  # the sum of the positive contributions
    losing: int = 0  # accounts that cost more to serve than they earned
    cost: int = 0  # cost to serve


@dataclass
class Profitability:
    accounts: list[AccountProfit]  # ranked, best first
    segments: list[Segment]
    total_net: int
    #: The whale curve: (share of accounts, cumulative net contribution as a share of the total).
    curve: list[tuple[float, float]] = field(default_factory=list)


def profitability(ctx: Context) -> Profitability:
    # one statement: the ranked accounts, then a summary row per segment (the CTE is computed once)
    fetched = ctx.rows(
        _RANKED
        + """
        SELECT 0, rank, id, name, owner_id, orders, revenue, margin, activities, cost, net, cumulative,
               segment
        FROM segmented
        UNION ALL
        SELECT 1, count(*), NULL, NULL, NULL, sum(net < 0), sum(revenue), sum(max(net, 0)), NULL, sum(cost),
               sum(net), NULL, segment
        FROM segmented GROUP BY segment
        ORDER BY 1, 2
        """,
        order_cost=ctx.settings.order_cost,
    )
    tail = [r for r in fetched[-len(SEGMENTS) :] if r[0] == 1]
    rows = [r[1:] for r in fetched[: len(fetched) - len(tail)]]
    summary = {
        r[12]: Segment(r[12], int(r[1]), int(r[10]), int(r[6]), int(r[7]), int(r[5]), int(r[9])) for r in tail
    }
    accounts = [
        AccountProfit(
            int(r[0]),
            r[1],
            r[2],
            ctx.rep(r[3]),
            int(r[4]),
            int(r[5]),
            int(r[6]),
            int(r[7]),
            int(r[8]),
            int(r[9]),
            int(r[10]),
            r[11],
        )
        for r in rows
    ]
    total = accounts[-1].cumulative if accounts else 0
    curve: list[tuple[float, float]] = []
    if accounts and total:
        step = max(1, len(accounts) // 60)
        picks = [*range(0, len(accounts), step), len(accounts) - 1]
        curve = [(0.0, 0.0)] + [
            ((i + 1) / len(accounts), accounts[i].cumulative / abs(total)) for i in sorted(set(picks))
        ]
    return Profitability(accounts, [summary.get(s, Segment(s)) for s in SEGMENTS], total, curve)


@dataclass
class RiskRow:
    account_id: str
    name: str
    rep: str
    previous: int
    current: int
    last_contact: dt.date | None
    days_since: int | None
    declining: bool
    lapsed: bool

    @property
    def reasons(self) -> str:
        parts = []
        if self.declining:
            parts.append("orders declining")
        if self.lapsed:
            parts.append("no recent contact" if self.last_contact else "never contacted")
        return ", ".join(parts)


@dataclass
class RiskRep:
    rep: str
    declining: int = 0
    lapsed: int = 0
    both: int = 0
    at_stake: int = 0  # revenue lost against the previous period, cents


@dataclass
class AtRisk:
    no_contact_days: int
    decline_percent: int
    customers: int
    accounts: list[RiskRow]
    reps: list[RiskRep]


_FLAGS = f"""
WITH acc AS (
    SELECT id, name, owner_id FROM accounts WHERE deleted_at IS NULL AND {IN_SCOPE}
), rev AS (
    SELECT account_id,
           sum(CASE WHEN order_date >= :from_date THEN total_cents ELSE 0 END) AS cur,
           sum(CASE WHEN order_date < :from_date THEN total_cents ELSE 0 END) AS prev
    FROM orders
    WHERE deleted_at IS NULL AND {_REVENUE} AND order_date >= :prev_from AND order_date <= :to_date
      AND {IN_SCOPE}
    GROUP BY account_id
), customers AS (
    SELECT account_id FROM orders
    WHERE deleted_at IS NULL AND {_REVENUE} AND order_date <= :to_date AND {IN_SCOPE}
    UNION
    SELECT o.account_id FROM opportunities o JOIN pipeline_stages s ON s.key = o.stage
    WHERE o.deleted_at IS NULL AND s.category = 'won' AND o.close_date <= :to_date AND o.{IN_SCOPE}
), last AS (
    SELECT account_id, last_contact AS last FROM {ACCOUNT_ACTIVITY} WHERE last_contact IS NOT NULL
), flags AS (
    SELECT acc.id, acc.name, acc.owner_id, coalesce(rev.prev, 0) AS prev, coalesce(rev.cur, 0) AS cur,
           date(last.last, :shift) AS last_day,
           CAST(julianday(:end) - julianday(last.last) AS INTEGER) AS days_since,
           coalesce(rev.prev, 0) > 0 AND coalesce(rev.cur, 0) * 100 <= rev.prev * (100 - :decline)
               AS declining,
           last.last IS NULL OR last.last < :lapse AS lapsed
    FROM acc JOIN customers c ON c.account_id = acc.id
    LEFT JOIN rev ON rev.account_id = acc.id LEFT JOIN last ON last.account_id = acc.id
)
"""


def at_risk(ctx: Context) -> AtRisk:
    # one statement: the accounts at risk, then a row per rep (the CTEs are computed once)
    fetched = ctx.rows(
        _FLAGS
        + """
        SELECT 0 AS part, id, name, owner_id, prev, cur, last_day, days_since, declining, lapsed,
               0 AS customers, prev - cur AS fall, days_since IS NULL AS never
        FROM flags WHERE declining OR lapsed
        UNION ALL
        SELECT 1, NULL, NULL, owner_id, sum(declining AND NOT lapsed), sum(lapsed AND NOT declining),
               sum(declining AND lapsed), sum(CASE WHEN declining THEN prev - cur ELSE 0 END), NULL, NULL,
               count(*), NULL, NULL
        FROM flags GROUP BY owner_id
        ORDER BY part, declining DESC, fall DESC, never DESC, days_since DESC, name
        """,
        decline=ctx.settings.decline_percent,
    )
    first_rep = next((i for i, r in enumerate(fetched) if r[0] == 1), len(fetched))
    accounts = [
        RiskRow(
            r[1],
            r[2],
            ctx.rep(r[3]),
            int(r[4]),
            int(r[5]),
            dt.date.fromisoformat(r[6]) if r[6] else None,
            int(r[7]) if r[7] is not None else None,
            bool(r[8]),
            bool(r[9]),
        )
        for r in fetched[:first_rep]
    ]
    reps = fetched[first_rep:]
    per_rep = sorted(
        (
            RiskRep(ctx.rep(r[3]), int(r[4]), int(r[5]), int(r[6]), int(r[7]))
            for r in reps
            if r[4] or r[5] or r[6]
        ),
        key=lambda r: r.rep.casefold(),
    )
    customers = sum(int(r[10]) for r in reps)
    return AtRisk(ctx.settings.no_contact_days, ctx.settings.decline_percent, customers, accounts, per_rep)
