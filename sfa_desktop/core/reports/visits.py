"""Visit coverage against the service levels (issue 16, item 5): per segment and per rep, the visits done
in the report's period against the target, the accounts overdue at its end, the time spent with customers
against the time on the road, and the visits per day.

Definitions (the section's note says them in short):

- target: per live account in scope, the period's days divided by the account's maximum days between
  visits (its own ``visit_max_days``, else its segment's service level; never below the minimum, as
  ``core.service_levels.level_for``): the fewest visits that keep it
  from going overdue.  Fractional; summed per segment and per rep (the account's owner).
- visits done: activities of kind visit done in the period on the accounts in scope; per segment by the
  account's segment, per rep by who made the visit (the activity's owner).
- overdue: an account whose last visit before the period's end is more than its maximum days before that
  end (as ``core.service_levels``: an account never visited is due, not overdue); per the account's owner.
- time with customers: check-in to check-out of the visit's report; without both, the activity's
  duration; without that, nothing.
- time on the road: per rep and day, the route between that day's visits in the order they were made
  (check-in, else done time), straight line times the planner's road factor at its average speed (the
  planner's settings on this laptop); not from or to home, and visits without coordinates are skipped.
- visits per day: visits done divided by the days with at least one visit.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import text

from sfa_desktop.core.callsheet.route import distance_km
from sfa_desktop.core.planning.settings import PlanSettings
from sfa_desktop.core.reports.base import IN_SCOPE, Context
from sfa_desktop.core.service_levels import UNSEGMENTED, level_sql

SEGMENT_ORDER = ("A", "B", "C")


@dataclass(frozen=True)
class CoverageRow:
    label: str  # a segment, a rep's name or "All"
    accounts: int = 0
    target: float = 0.0
    done: int = 0
    overdue: int = 0
    customer_minutes: int = 0
    road_minutes: int = 0
    visit_days: int = 0
    #: the segment's usual maximum days between visits (segment rows only)
    every_days: int | None = None

    @property
    def attainment(self) -> float | None:
        """Visits done against the target (1.0: on target)."""
        return self.done / self.target if self.target > 0 else None

    @property
    def per_day(self) -> float | None:
        return self.done / self.visit_days if self.visit_days else None

    @property
    def customer_share(self) -> float | None:
        """The share of the time out (with customers + on the road) spent with customers."""
        out = self.customer_minutes + self.road_minutes
        return self.customer_minutes / out if out else None


@dataclass(frozen=True)
class VisitCoverage:
    segments: tuple[CoverageRow, ...]
    reps: tuple[CoverageRow, ...]
    total: CoverageRow
    road_factor: float
    speed_kmh: float


@dataclass
class _Tally:
    accounts: int = 0
    target: float = 0.0
    done: int = 0
    overdue: int = 0
    customer_minutes: int = 0
    road_minutes: int = 0
    visit_days: int = 0

    def row(self, label: str, every_days: int | None = None) -> CoverageRow:
        return CoverageRow(
            label,
            self.accounts,
            round(self.target, 2),
            self.done,
            self.overdue,
            self.customer_minutes,
            self.road_minutes,
            self.visit_days,
            every_days,
        )


def _moment(value: object) -> dt.datetime | None:
    """A stored time (naive UTC text or datetime) as an aware UTC datetime."""
    if value is None:
        return None
    moment = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment


def _local_day(moment: dt.datetime, tz: dt.tzinfo | None) -> dt.date:
    return (moment.astimezone(tz) if tz is not None else moment.astimezone()).date()


def _levels(
    ctx: Context, pairs: set[tuple[str | None, str]]
) -> dict[tuple[str | None, str], tuple[int, int]]:
    """The (minimum, maximum) days between visits of each (territory, segment) met, from its service level."""
    sql = text(
        f"SELECT {level_sql('visit_min_days', 'r')}, {level_sql('visit_max_days', 'r')} FROM "
        "(SELECT :territory AS territory_id, :segment AS segment) r"
    )
    conn = ctx.session.connection()
    found = {}
    for territory, segment in pairs:
        low, high = conn.execute(sql, {"territory": territory, "segment": segment}).one()
        found[(territory, segment)] = (int(low), int(high))
    return found


def visit_coverage(ctx: Context, settings: PlanSettings) -> VisitCoverage:
    accounts = ctx.rows(
        "SELECT id, owner_id, territory_id, coalesce(segment, :unsegmented), visit_min_days, visit_max_days, "
        f"latitude, longitude FROM accounts WHERE deleted_at IS NULL AND {IN_SCOPE}",
        unsegmented=UNSEGMENTED,
    )
    levels = _levels(ctx, {(a[2], a[3]) for a in accounts})
    days = ctx.period.days
    by_segment: dict[str, _Tally] = defaultdict(_Tally)
    by_rep: dict[str, _Tally] = defaultdict(_Tally)
    total = _Tally()
    info: dict[str, tuple[str, int, tuple[float, float] | None]] = {}
    for account_id, owner, territory, segment, own_min, own_max, lat, lon in accounts:
        level_min, level_max = levels[(territory, segment)]
        low = int(own_min if own_min is not None else level_min)  # as core.service_levels.level_for
        high = max(low, int(own_max if own_max is not None else level_max), 1)
        info[account_id] = (segment, high, (lat, lon) if lat is not None and lon is not None else None)
        for tally in (by_segment[segment], by_rep[ctx.rep(owner)], total):
            tally.accounts += 1
            tally.target += days / high
    owners = {a[0]: a[1] for a in accounts}
    # the last visit before the period's end: overdue accounts
    last = ctx.rows(
        "SELECT account_id, max(done_at) FROM activities WHERE kind = 'visit' AND deleted_at IS NULL "
        f"AND done_at IS NOT NULL AND done_at < :end AND account_id IS NOT NULL AND {IN_SCOPE} "
        "GROUP BY account_id"
    )
    for account_id, done_at in last:
        if account_id not in info or (moment := _moment(done_at)) is None:
            continue
        segment, high, _ = info[account_id]
        if (ctx.period.end - _local_day(moment, ctx.tz)).days > high:
            for tally in (by_segment[segment], by_rep[ctx.rep(owners[account_id])], total):
                tally.overdue += 1
    # the visits of the period, with their reports' check-in and check-out
    visits = ctx.rows(
        "SELECT a.account_id, a.owner_id, a.done_at, a.duration_minutes, v.checkin_at, v.checkout_at "
        "FROM activities a LEFT JOIN visit_reports v ON v.activity_id = a.id AND v.deleted_at IS NULL "
        "WHERE a.kind = 'visit' AND a.deleted_at IS NULL AND a.done_at >= :start AND a.done_at < :end "
        f"AND a.account_id IS NOT NULL AND a.{IN_SCOPE} ORDER BY a.done_at, a.id"
    )
    per_day: dict[tuple[str, dt.date], list[tuple[dt.datetime, tuple[float, float] | None]]] = defaultdict(
        list
    )
    for account_id, owner, done_at, duration, checkin_at, checkout_at in visits:
        done = _moment(done_at)
        if account_id not in info or done is None:
            continue
        segment, _, position = info[account_id]
        checkin, checkout = _moment(checkin_at), _moment(checkout_at)
        if checkin is not None and checkout is not None and checkout >= checkin:
            minutes = round((checkout - checkin).total_seconds() / 60)
        else:
            minutes = int(duration or 0)
        rep = ctx.rep(owner)
        for tally in (by_segment[segment], by_rep[rep], total):
            tally.done += 1
            tally.customer_minutes += minutes
        when = checkin or done
        per_day[(rep, _local_day(when, ctx.tz))].append((when, position))
    for (rep, _day), stops in per_day.items():
        placed = [p for _, p in sorted(stops, key=lambda s: s[0]) if p is not None]
        km = sum(distance_km(a, b) for a, b in itertools.pairwise(placed)) * settings.road_factor
        road = math.ceil(km / settings.speed_kmh * 60) if km > 0 else 0
        for tally in (by_rep[rep], total):
            tally.visit_days += 1
            tally.road_minutes += road
    segment_rows = []
    for segment in sorted(by_segment, key=lambda s: (SEGMENT_ORDER.index(s) if s in SEGMENT_ORDER else 9, s)):
        usual = [levels[pair][1] for pair in levels if pair[1] == segment]
        segment_rows.append(
            by_segment[segment].row(segment, max(set(usual), key=usual.count) if usual else None)
        )
    return VisitCoverage(
        tuple(segment_rows),
        tuple(by_rep[rep].row(rep) for rep in sorted(by_rep, key=str.casefold)),
        total.row("All"),
        settings.road_factor,
        settings.speed_kmh,
    )
