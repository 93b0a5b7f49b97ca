"""The territory report's section of visits against the service levels (``report_visits``): per segment
and per rep, visits done against the target, accounts overdue, time with customers against time on the
road, visits per day."""

from __future__ import annotations

from sfa_desktop.core.reports.territory import TerritoryReport
from sfa_desktop.core.reports.view import SEGMENT_COLORS, Chart, Col, Kpi, Section, Series, Table, percent


def _hours(minutes: int) -> float:
    return round(minutes / 60, 1)


def service_coverage(report: TerritoryReport) -> Section:
    v = report.visits
    t = v.total
    segments = Table(
        "visit_coverage_segments",
        "Visits against the service level per segment",
        (
            Col("Segment", "code"),
            Col("Accounts", "int"),
            Col("Every (days)", "int"),
            Col("Target", "float"),
            Col("Done", "int"),
            Col("Done vs target", "percent"),
            Col("Overdue", "int"),
        ),
        tuple(
            (r.label, r.accounts, r.every_days, r.target, r.done, r.attainment, r.overdue) for r in v.segments
        ),
        ("All", t.accounts, None, t.target, t.done, t.attainment, t.overdue),
    )
    reps = Table(
        "visit_coverage_reps",
        "Visits, time with customers and on the road per rep",
        (
            Col("Rep"),
            Col("Accounts", "int"),
            Col("Target", "float"),
            Col("Done", "int"),
            Col("Done vs target", "percent"),
            Col("Overdue", "int"),
            Col("Visit days", "int"),
            Col("Visits per day", "float"),
            Col("Customer hours", "float"),
            Col("Road hours", "float"),
            Col("Customer share", "percent"),
        ),
        tuple(
            (
                r.label,
                r.accounts,
                r.target,
                r.done,
                r.attainment,
                r.overdue,
                r.visit_days,
                None if r.per_day is None else round(r.per_day, 2),
                _hours(r.customer_minutes),
                _hours(r.road_minutes),
                r.customer_share,
            )
            for r in v.reps
            if r.accounts or r.done
        ),
        (
            "All reps",
            t.accounts,
            t.target,
            t.done,
            t.attainment,
            t.overdue,
            t.visit_days,
            None if t.per_day is None else round(t.per_day, 2),
            _hours(t.customer_minutes),
            _hours(t.road_minutes),
            t.customer_share,
        ),
        drills=tuple(report.owned_by("accounts", r.label) for r in v.reps if r.accounts or r.done),
    )
    chart = Chart(
        "bar",
        "Visits done and target per segment",
        tuple(r.label for r in v.segments),
        (
            Series("Target", tuple(r.target for r in v.segments), "#cbd5e1"),
            Series("Done", tuple(float(r.done) for r in v.segments), SEGMENT_COLORS["A"]),
        ),
    )
    kpis = (
        Kpi("Visits done", f"{t.done:,}", f"of {t.target:,.1f} targeted ({percent(t.attainment)})"),
        Kpi(
            "Accounts overdue",
            f"{t.overdue:,}",
            f"of {t.accounts:,} ({percent(t.overdue / t.accounts if t.accounts else None)})",
            "bad" if t.overdue else "good",
        ),
        Kpi(
            "Time with customers",
            f"{_hours(t.customer_minutes):,.1f} h",
            f"{_hours(t.road_minutes):,.1f} h on the road ({percent(t.customer_share)} with customers)",
        ),
        Kpi(
            "Visits per day", "\u2013" if t.per_day is None else f"{t.per_day:.1f}", f"{t.visit_days:,} days"
        ),
    )
    return Section(
        "visit_coverage",
        "Coverage against service levels",
        f"Target: per account, the period's {report.period.days} days divided by its maximum days between "
        "visits (its own, else its segment's service level). Visits done in the period to accounts (leads "
        "have no service level) count for who made them; accounts and overdue (last visit longer ago than "
        "the maximum at the period's end) for their owner. Time with customers: check-in to check-out, "
        "else the visit's duration. Time on the road: the straight line between a day's visits in the "
        f"order made, times the road factor {v.road_factor:g} at {v.speed_kmh:g} km/h (not from or to "
        "home). Visits per day: per day with visits.",
        kpis,
        (chart,),
        (segments, reps),
        None if t.accounts or t.done else f"No accounts are held in {report.scope.label}.",
    )
