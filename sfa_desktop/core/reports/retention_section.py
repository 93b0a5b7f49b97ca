"""The territory report's Retention section (``report_view``): defections by type and by rep with the
revenue they take, the period's defections with their reasons, the declining accounts of the at-risk list
and whether a defection was recorded for them; and, where the report was given complaint figures
(:data:`~sfa_desktop.core.reports.retention.ComplaintSource`), complaints by category, the time to answer
and to resolve them against the service level, and the at-risk accounts with complaints still open
(:func:`complaint_tables`)."""

from __future__ import annotations

from sfa_desktop.core.records.vocabularies import DEFECTION_TYPES
from sfa_desktop.core.reports.retention import REVENUE_DAYS, ComplaintFigures, DecliningRow
from sfa_desktop.core.reports.territory import TerritoryReport
from sfa_desktop.core.reports.view import Chart, Col, Drill, Kpi, Section, Series, Table, money, ratio

#: Rows of the defections list shown on screen and paper (the CSV has all).
DEFECTION_ROWS = 30
#: One colour per defection type (the window and the PDF).
TYPE_COLORS = ("#e11d48", "#7c3aed", "#f59e0b", "#0d9488", "#2563eb", "#64748b")
LOST_COLOR, DECLINING_COLOR = "#e11d48", "#f59e0b"


def type_label(defection_type: str) -> str:
    return defection_type.capitalize()


def retention(report: TerritoryReport) -> Section:
    cur = report.settings.currency
    ret = report.retention
    by_type_chart = Chart(
        "hbar",
        "Defections by type",
        tuple(type_label(t.defection_type) for t in ret.types),
        (
            Series("Lost", tuple(t.lost for t in ret.types), LOST_COLOR),
            Series("Declining", tuple(t.declining for t in ret.types), DECLINING_COLOR),
        ),
    )
    per_rep_chart = Chart(
        "stacked",
        "Defections per rep, by type",
        tuple(r.rep for r in ret.reps),
        tuple(
            Series(type_label(t), tuple(r.by_type.get(t, 0) for r in ret.reps), TYPE_COLORS[i])
            for i, t in enumerate(DEFECTION_TYPES)
        ),
    )
    total = len(ret.defections)
    types = Table(
        "defections_by_type",
        "Defections by type",
        (
            Col("Type"),
            Col("Lost", "int"),
            Col("Declining", "int"),
            Col("Share", "percent"),
            Col("Revenue lost", "money"),
            Col("Revenue at stake", "money"),
        ),
        tuple(
            (
                type_label(t.defection_type),
                t.lost,
                t.declining,
                ratio(t.total, total),
                t.revenue_lost,
                t.revenue_at_stake,
            )
            for t in ret.types
        ),
        (
            "All types",
            ret.lost,
            total - ret.lost,
            ratio(total, total),
            ret.revenue_lost,
            ret.revenue_at_stake,
        ),
    )
    reps = Table(
        "defections_by_rep",
        "Defections per rep",
        (
            Col("Rep"),
            Col("Lost", "int"),
            Col("Declining", "int"),
            Col("Main type"),
            Col("Revenue lost", "money"),
            Col("Revenue at stake", "money"),
        ),
        tuple(
            (r.rep, r.lost, r.declining, _main_type(r.by_type), r.revenue_lost, r.revenue_at_stake)
            for r in ret.reps
        ),
        ("All reps", ret.lost, total - ret.lost, "", ret.revenue_lost, ret.revenue_at_stake),
        drills=tuple(report.owned_by("accounts", r.rep) for r in ret.reps),
    )
    grid = Table(
        "defections_rep_type",
        "Defections per rep and type",
        (Col("Rep"), *(Col(type_label(t), "int") for t in DEFECTION_TYPES)),
        tuple((r.rep, *(r.by_type.get(t, 0) for t in DEFECTION_TYPES)) for r in ret.reps),
        csv_only=True,
    )
    listed = Table(
        "defections",
        "Defections in the period",
        (
            Col("Account"),
            Col("Rep"),
            Col("Date", "date"),
            Col("Status", "code"),
            Col("Type", "code"),
            Col("Reason"),
            Col("Revenue, year before", "money"),
        ),
        tuple(
            (
                d.name,
                d.rep,
                d.defected_on.isoformat(),
                d.status,
                d.defection_type,
                d.reason,
                d.revenue,
            )
            for d in ret.defections
        ),
        drills=tuple(Drill("accounts", record_id=d.account_id) for d in ret.defections),
        shown=DEFECTION_ROWS,
        note=f"The latest {DEFECTION_ROWS} of {total:,}; the CSV lists them all."
        if total > DEFECTION_ROWS
        else "",
    )
    complaints = ret.complaints
    declining = declining_table(ret.declining, complaints)
    kpis = (
        Kpi(
            "Defections",
            f"{total:,}",
            f"{ret.lost:,} lost, {total - ret.lost:,} declining",
            "bad" if total else "",
        ),
        Kpi("Revenue lost", money(ret.revenue_lost, cur, short=True), "the lost accounts' year before"),
        Kpi("Revenue at stake", money(ret.revenue_at_stake, cur, short=True), "the declining accounts' year"),
        Kpi(
            "Declining, no reason yet",
            f"{ret.unexplained:,}",
            f"of {len(ret.declining):,} declining accounts",
            "bad" if ret.unexplained else ("good" if ret.declining else ""),
        ),
    )
    empty = (
        None
        if total or ret.declining or complaints
        else "No defections recorded in this period, and no customer's orders are declining."
    )
    return Section(
        "retention",
        "Retention",
        "Customers lost or declining, as the reps recorded them, by defection type (price, product, "
        "service, market, technological, organisational): each account once, as its latest defection in "
        f"the period says. Revenue: its orders in the {REVENUE_DAYS} days before the defection (lost: the "
        "yearly revenue lost; declining: the yearly revenue at stake). Declining: the at-risk list's "
        "accounts whose orders fell, with the defection recorded for them.",
        kpis,
        (by_type_chart, per_rep_chart) if ret.reps else (by_type_chart,),
        (types, reps, grid, listed, declining, *complaint_tables(complaints, ret.declining)),
        empty,
    )


def _main_type(by_type: dict[str, int]) -> str:
    """The type most of a rep's defections have; "mixed" when no one type leads."""
    counts = sorted((by_type.get(t, 0) for t in DEFECTION_TYPES), reverse=True)
    if not counts[0]:
        return ""
    if counts[1] == counts[0]:
        return "mixed"
    return type_label(max(DEFECTION_TYPES, key=lambda t: by_type.get(t, 0)))


def declining_table(rows: list[DecliningRow], complaints: ComplaintFigures | None) -> Table:
    """The declining accounts with their recorded defection (and, given complaints, how many are open)."""
    columns = [
        Col("Account"),
        Col("Rep"),
        Col("Previous period", "money"),
        Col("This period", "money"),
        Col("Change", "change"),
        Col("Defection recorded"),
    ]
    if complaints is not None:
        columns.append(Col("Open complaints", "int"))
    body = []
    for r in rows:
        recorded = (
            f"{type_label(r.recorded_type)} ({r.recorded_status}, {r.recorded_on.isoformat()})"
            if r.recorded_type and r.recorded_on
            else "not yet"
        )
        row = [r.name, r.rep, r.previous, r.current, ratio(r.current - r.previous, r.previous), recorded]
        if complaints is not None:
            row.append(complaints.open_by_account.get(r.account_id, 0))
        body.append(tuple(row))
    return Table(
        "declining",
        "Declining accounts",
        tuple(columns),
        tuple(body),
        drills=tuple(Drill("accounts", record_id=r.account_id) for r in rows),
        shown=DEFECTION_ROWS,
        note=f"The first {DEFECTION_ROWS} of {len(rows):,}, largest fall first; the CSV lists them all."
        if len(rows) > DEFECTION_ROWS
        else "",
    )


def complaint_tables(complaints: ComplaintFigures | None, declining: list[DecliningRow]) -> tuple[Table, ...]:
    """Complaints in the retention section: by category, time to answer and resolve against the service
    level (per segment), and the at-risk accounts with complaints still open.  Nothing without figures
    (the report was made without a complaint source)."""
    if complaints is None:
        return ()
    categories = Table(
        "complaints_by_category",
        "Complaints by category",
        (Col("Category"), Col("Raised", "int"), Col("Resolved", "int"), Col("Still open", "int")),
        tuple((c.category.capitalize(), c.raised, c.resolved, c.open) for c in complaints.categories),
        (
            "All categories",
            sum(c.raised for c in complaints.categories),
            sum(c.resolved for c in complaints.categories),
            sum(c.open for c in complaints.categories),
        ),
    )
    times = Table(
        "complaint_times",
        "Time to answer and resolve, against the service level",
        (
            Col("Segment", "code"),
            Col("Answered", "int"),
            Col("Median hours to answer", "float"),
            Col("Target hours", "float"),
            Col("Answered late", "int"),
            Col("Resolved", "int"),
            Col("Median hours to resolve", "float"),
            Col("Target hours ", "float"),
            Col("Resolved late", "int"),
        ),
        tuple(
            (
                t.segment,
                t.answered,
                t.answer_hours,
                t.answer_target,
                t.answered_late,
                t.resolved,
                t.resolve_hours,
                t.resolve_target,
                t.resolved_late,
            )
            for t in complaints.times
        ),
    )
    with_open = [r for r in declining if complaints.open_by_account.get(r.account_id)]
    at_risk = Table(
        "at_risk_complaints",
        "Declining accounts with open complaints",
        (Col("Account"), Col("Rep"), Col("Open complaints", "int"), Col("Defection recorded")),
        tuple(
            (
                r.name,
                r.rep,
                complaints.open_by_account[r.account_id],
                type_label(r.recorded_type) if r.recorded_type else "not yet",
            )
            for r in with_open
        ),
        drills=tuple(Drill("accounts", record_id=r.account_id) for r in with_open),
    )
    return (categories, times, at_risk)
