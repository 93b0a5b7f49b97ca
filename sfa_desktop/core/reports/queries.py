"""The territory report's figures for coverage, activity, leads, pipeline and revenue: one SQL query (or
two) per section, grouped by rep in the database; Python only arranges the few grouped rows.

Per rep means by the records' owner.  Times are compared as the database stores them (UTC text); days and
weeks are the laptop's local ones (``Context.params``: ``shift``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sfa_desktop.core.records.fields import ACTIVITY_KINDS
from sfa_desktop.core.reports.base import ACCOUNT_ACTIVITY, IN_SCOPE, NOT_REVENUE, Context

_REVENUE = f"status NOT IN {NOT_REVENUE!r}"


@dataclass
class CoverageRow:
    rep: str
    accounts: int = 0
    contacts: int = 0
    recent: int = 0  # accounts with an activity in the last N days
    never_visited: int = 0


@dataclass
class Coverage:
    recent_days: int
    total: CoverageRow
    reps: list[CoverageRow]


def coverage(ctx: Context) -> Coverage:
    accounts = ctx.rows(
        f"""
        WITH acc AS (
            SELECT id, owner_id FROM accounts WHERE deleted_at IS NULL AND {IN_SCOPE}
        )
        SELECT acc.owner_id, count(*), coalesce(sum(act.recent), 0), sum(coalesce(act.visited, 0) = 0)
        FROM acc LEFT JOIN {ACCOUNT_ACTIVITY} act ON act.account_id = acc.id
        GROUP BY acc.owner_id
        """
    )
    contacts = ctx.rows(
        f"SELECT owner_id, count(*) FROM contacts WHERE deleted_at IS NULL AND {IN_SCOPE} GROUP BY owner_id"
    )
    reps: dict[str | None, CoverageRow] = {}
    for owner, number, recent, never in accounts:
        reps[owner] = CoverageRow(ctx.rep(owner), int(number), 0, int(recent), int(never))
    for owner, number in contacts:
        reps.setdefault(owner, CoverageRow(ctx.rep(owner))).contacts = int(number)
    rows = sorted(reps.values(), key=lambda r: r.rep.casefold())
    total = CoverageRow(
        "All reps",
        sum(r.accounts for r in rows),
        sum(r.contacts for r in rows),
        sum(r.recent for r in rows),
        sum(r.never_visited for r in rows),
    )
    return Coverage(ctx.settings.recent_days, total, rows)


@dataclass
class Steps:
    on_time: int = 0
    late: int = 0
    overdue: int = 0
    upcoming: int = 0

    @property
    def total(self) -> int:
        return self.on_time + self.late + self.overdue + self.upcoming


@dataclass
class ActivityRep:
    rep: str
    by_kind: dict[str, int] = field(default_factory=dict)
    steps: Steps = field(default_factory=Steps)

    @property
    def total(self) -> int:
        return sum(self.by_kind.values())


@dataclass
class Activity:
    buckets: list[dt.date]
    bucket_days: int
    kinds: list[str]
    #: grid[kind][bucket] = activities done
    grid: dict[str, list[int]]
    reps: list[ActivityRep]
    steps: Steps

    @property
    def total(self) -> int:
        return sum(sum(v) for v in self.grid.values())


def activity(ctx: Context) -> Activity:
    buckets = ctx.period.buckets()
    done = ctx.rows(
        f"""
        SELECT owner_id, kind,
               CAST((julianday(done_at, :shift) - julianday(:from_date)) / :bucket AS INTEGER) AS bucket,
               count(*)
        FROM activities
        WHERE deleted_at IS NULL AND done_at >= :start AND done_at < :end AND {IN_SCOPE}
        GROUP BY 1, 2, 3
        """
    )
    steps = ctx.rows(
        f"""
        SELECT owner_id,
               sum(done_at IS NOT NULL AND date(done_at, :shift) <= date(due_at, :shift)),
               sum(done_at IS NOT NULL AND date(done_at, :shift) > date(due_at, :shift)),
               sum(done_at IS NULL AND due_at < :now),
               sum(done_at IS NULL AND due_at >= :now)
        FROM activities
        WHERE deleted_at IS NULL AND enrollment_id IS NOT NULL AND due_at >= :start AND due_at < :end
          AND {IN_SCOPE}
        GROUP BY owner_id
        """
    )
    present = {kind for _o, kind, _b, _n in done}
    kinds = [k for k in ACTIVITY_KINDS if k in present] + sorted(present - set(ACTIVITY_KINDS))
    grid = {kind: [0] * len(buckets) for kind in kinds}
    reps: dict[str | None, ActivityRep] = {}
    for owner, kind, bucket, number in done:
        grid[kind][min(max(int(bucket), 0), len(buckets) - 1)] += int(number)
        rep = reps.setdefault(owner, ActivityRep(ctx.rep(owner)))
        rep.by_kind[kind] = rep.by_kind.get(kind, 0) + int(number)
    total_steps = Steps()
    for owner, on_time, late, overdue, upcoming in steps:
        rep_steps = Steps(int(on_time), int(late), int(overdue), int(upcoming))
        reps.setdefault(owner, ActivityRep(ctx.rep(owner))).steps = rep_steps
        total_steps = Steps(
            total_steps.on_time + rep_steps.on_time,
            total_steps.late + rep_steps.late,
            total_steps.overdue + rep_steps.overdue,
            total_steps.upcoming + rep_steps.upcoming,
        )
    ordered = sorted(reps.values(), key=lambda r: r.rep.casefold())
    return Activity(buckets, ctx.period.bucket_days, kinds, grid, ordered, total_steps)


@dataclass
class LeadRow:
    rep: str
    created: int = 0
    qualified: int = 0
    converted: int = 0
    median_days: float | None = None
    #: converted before they were created (bad data: left out of the median, counted here)
    misdated: int = 0

    @property
    def conversion_rate(self) -> float | None:
        return self.converted / self.created if self.created else None


_MEDIAN = f"""
    WITH d AS (
        SELECT owner_id, julianday(converted_at) - julianday(created_at) AS days FROM leads
        WHERE deleted_at IS NULL AND created_at >= :start AND created_at < :end AND converted_at IS NOT NULL
          AND converted_at >= created_at AND {IN_SCOPE}
    ), r AS (
        SELECT {{group}} AS grp, days,
               row_number() OVER (PARTITION BY {{group}} ORDER BY days) AS rn,
               count(*) OVER (PARTITION BY {{group}}) AS n
        FROM d
    )
    SELECT grp, avg(days) FROM r WHERE rn IN ((n + 1) / 2, (n + 2) / 2) GROUP BY grp
"""


def leads(ctx: Context) -> tuple[LeadRow, list[LeadRow]]:
    """Leads created in the period, how many of them were qualified and converted, and the median days
    from creation to conversion of those converted.  A lead converted before it was created (a clock or an
    import got it wrong) says nothing about the time to convert: it is left out of the median and counted
    as misdated."""
    counts = ctx.rows(
        f"""
        SELECT owner_id, count(*),
               sum(status IN ('qualified', 'converted') OR converted_at IS NOT NULL),
               sum(status = 'converted' OR converted_at IS NOT NULL),
               sum(converted_at < created_at)
        FROM leads
        WHERE deleted_at IS NULL AND created_at >= :start AND created_at < :end AND {IN_SCOPE}
        GROUP BY owner_id
        """
    )
    medians = {owner: float(days) for owner, days in ctx.rows(_MEDIAN.format(group="owner_id"))}
    overall = ctx.rows(_MEDIAN.format(group="''"))
    reps = [
        LeadRow(ctx.rep(owner), int(c), int(q), int(v), medians.get(owner), int(bad or 0))
        for owner, c, q, v, bad in counts
    ]
    reps.sort(key=lambda r: r.rep.casefold())
    total = LeadRow(
        "All reps",
        sum(r.created for r in reps),
        sum(r.qualified for r in reps),
        sum(r.converted for r in reps),
        float(overall[0][1]) if overall else None,
        sum(r.misdated for r in reps),
    )
    return total, reps


@dataclass
class StageRow:
    key: str
    name: str
    category: str  # open | won | lost
    count: int = 0
    amount: int = 0  # cents
    weighted: int = 0


@dataclass
class PipelineRep:
    rep: str
    open_count: int = 0
    open_amount: int = 0
    weighted: int = 0
    won_count: int = 0
    won_amount: int = 0
    lost_count: int = 0
    lost_amount: int = 0

    @property
    def win_rate(self) -> float | None:
        closed = self.won_count + self.lost_count
        return self.won_count / closed if closed else None


@dataclass
class Pipeline:
    stages: list[StageRow]
    total: PipelineRep
    reps: list[PipelineRep]


def pipeline(ctx: Context) -> Pipeline:
    """Open opportunities now, by stage (count, amount, amount weighted by probability); won and lost:
    closed in the period (by close date)."""
    rows = ctx.rows(
        f"""
        SELECT o.owner_id, o.stage, coalesce(s.category, 'open'), count(*),
               sum(coalesce(o.amount_cents, 0)),
               sum(coalesce(o.amount_cents, 0) * coalesce(o.probability, s.probability, 0)) / 100
        FROM opportunities o LEFT JOIN pipeline_stages s ON s.key = o.stage AND s.deleted_at IS NULL
        WHERE o.deleted_at IS NULL AND o.{IN_SCOPE}
          AND (coalesce(s.category, 'open') = 'open'
               OR (o.close_date >= :from_date AND o.close_date <= :to_date))
        GROUP BY 1, 2, 3
        """
    )
    stages = {
        key: StageRow(key, name, category)
        for key, name, category in ctx.rows(
            "SELECT key, name, category FROM pipeline_stages WHERE deleted_at IS NULL ORDER BY position, name"
        )
    }
    reps: dict[str | None, PipelineRep] = {}
    for owner, key, category, number, amount, weighted in rows:
        stage = stages.setdefault(key, StageRow(key, key.capitalize(), category))
        stage.count += int(number)
        stage.amount += int(amount)
        stage.weighted += int(weighted)
        rep = reps.setdefault(owner, PipelineRep(ctx.rep(owner)))
        if category == "won":
            rep.won_count += int(number)
            rep.won_amount += int(amount)
        elif category == "lost":
            rep.lost_count += int(number)
            rep.lost_amount += int(amount)
        else:
            rep.open_count += int(number)
            rep.open_amount += int(amount)
            rep.weighted += int(weighted)
    ordered = sorted(reps.values(), key=lambda r: r.rep.casefold())
    total = PipelineRep("All reps")
    for rep in ordered:
        for name in vars(total):
            if name != "rep":
                setattr(total, name, getattr(total, name) + getattr(rep, name))
    return Pipeline(list(stages.values()), total, ordered)


@dataclass
class RevenueRow:
    rep: str
    current: int = 0
    previous: int = 0
    orders: int = 0
    previous_orders: int = 0

    @property
    def change(self) -> float | None:
        return (self.current - self.previous) / self.previous if self.previous else None


@dataclass
class Revenue:
    buckets: list[dt.date]
    current: list[int]  # per bucket, cents
    previous: list[int]  # per bucket of the previous period (same offsets)
    total: RevenueRow
    reps: list[RevenueRow]


def revenue(ctx: Context) -> Revenue:
    """Orders (not cancelled or returned) by order date: this period against the one before it."""
    base = f"""
        FROM orders o
        WHERE o.deleted_at IS NULL AND o.{_REVENUE} AND o.order_date >= :prev_from
          AND o.order_date <= :to_date AND o.{IN_SCOPE}
    """
    by_rep = ctx.rows(
        f"""
        SELECT coalesce(o.owner_id, (SELECT a.owner_id FROM accounts a WHERE a.id = o.account_id)),
               sum(CASE WHEN o.order_date >= :from_date THEN o.total_cents ELSE 0 END),
               sum(CASE WHEN o.order_date < :from_date THEN o.total_cents ELSE 0 END),
               sum(o.order_date >= :from_date), sum(o.order_date < :from_date)
        {base}
        GROUP BY 1
        """
    )
    by_bucket = ctx.rows(
        f"""
        SELECT o.order_date >= :from_date,
               CAST((julianday(o.order_date) - julianday(CASE WHEN o.order_date >= :from_date
                     THEN :from_date ELSE :prev_from END)) / :bucket AS INTEGER),
               sum(o.total_cents)
        {base}
        GROUP BY 1, 2
        """
    )
    buckets = ctx.period.buckets()
    current, previous = [0] * len(buckets), [0] * len(buckets)
    for is_current, bucket, amount in by_bucket:
        series = current if is_current else previous
        series[min(max(int(bucket), 0), len(buckets) - 1)] += int(amount)
    reps = sorted(
        (RevenueRow(ctx.rep(owner), int(c), int(p), int(n), int(pn)) for owner, c, p, n, pn in by_rep),
        key=lambda r: r.rep.casefold(),
    )
    total = RevenueRow(
        "All reps",
        sum(r.current for r in reps),
        sum(r.previous for r in reps),
        sum(r.orders for r in reps),
        sum(r.previous_orders for r in reps),
    )
    return Revenue(buckets, current, previous, total, reps)
