"""The territory report as sections (``report_view``): for each, its key figures, a chart where a chart
reads better, and the tables beside it, overall and per rep."""

from __future__ import annotations

from typing import Any

from sfa_desktop.core.reports import money_sections, retention_section, visit_sections
from sfa_desktop.core.reports.base import NO_OWNER
from sfa_desktop.core.reports.territory import TerritoryReport
from sfa_desktop.core.reports.view import (
    Chart,
    Col,
    Kpi,
    Section,
    Series,
    Table,
    money,
    percent,
    ratio,
    short_day,
    signed_percent,
)

NO_ACTIVITY = "No activity in this period."


def sections(report: TerritoryReport) -> list[Section]:
    return [
        coverage(report),
        visit_sections.service_coverage(report),
        activity(report),
        leads(report),
        money_sections.pipeline(report),
        money_sections.revenue(report),
        money_sections.profitability(report),
        money_sections.at_risk(report),
        retention_section.retention(report),
    ]


def summary(report: TerritoryReport) -> tuple[Kpi, ...]:
    """The key figures of the whole report (the top of the page and the PDF's first page)."""
    cur = report.settings.currency
    cov, pipe, rev = report.coverage.total, report.pipeline.total, report.revenue.total
    change = rev.change
    segment_a = report.profitability.segments[0]
    return (
        Kpi("Accounts held", f"{cov.accounts:,}", f"{percent(ratio(cov.recent, cov.accounts))} covered"),
        Kpi(
            "Activities done",
            f"{report.activity.total:,}",
            f"{report.activity.steps.overdue:,} steps overdue",
        ),
        Kpi(
            "Leads converted",
            f"{report.leads.converted:,}",
            f"of {report.leads.created:,} created ({percent(report.leads.conversion_rate)})",
        ),
        Kpi(
            "Open pipeline",
            money(pipe.open_amount, cur, short=True),
            f"weighted {money(pipe.weighted, cur, short=True)}",
        ),
        Kpi(
            "Revenue",
            money(rev.current, cur, short=True),
            f"{signed_percent(change)} vs previous" if change is not None else "no orders before",
            "" if change is None else ("good" if change >= 0 else "bad"),
        ),
        Kpi("A customers", f"{segment_a.accounts:,}", f"earn {money(segment_a.net, cur, short=True)} net"),
        Kpi(
            "Accounts at risk",
            f"{len(report.at_risk.accounts):,}",
            f"of {report.at_risk.customers:,} customers",
            "bad" if report.at_risk.accounts else "good",
        ),
    )


def reps_at_a_glance(report: TerritoryReport) -> Table:
    """One row per rep with the headline of every section (the summary page)."""
    cov = {r.rep: r for r in report.coverage.reps}
    act = {r.rep: r for r in report.activity.reps}
    leads_by = {r.rep: r for r in report.lead_reps}
    pipe = {r.rep: r for r in report.pipeline.reps}
    rev = {r.rep: r for r in report.revenue.reps}
    risk = {r.rep: r for r in report.at_risk.reps}
    reps = sorted({*cov, *act, *leads_by, *pipe, *rev, *risk}, key=str.casefold)
    rows = []
    for rep in reps:
        c, r = cov.get(rep), rev.get(rep)
        at_risk = risk.get(rep)
        rows.append(
            (
                rep,
                c.accounts if c else 0,
                ratio(c.recent, c.accounts) if c else None,
                act[rep].total if rep in act else 0,
                leads_by[rep].converted if rep in leads_by else 0,
                pipe[rep].open_amount if rep in pipe else 0,
                pipe[rep].won_amount if rep in pipe else 0,
                r.current if r else 0,
                r.change if r else None,
                (at_risk.declining + at_risk.lapsed + at_risk.both) if at_risk else 0,
            )
        )
    # a "(no owner)" row is there for records nobody owns; when none of them shows here, it says nothing
    rows = [r for r in rows if r[0] != NO_OWNER or any(r[1:])]
    return Table(
        "reps",
        "Reps at a glance",
        (
            Col("Rep"),
            Col("Accounts", "int"),
            Col("Covered", "percent"),
            Col("Activities", "int"),
            Col("Leads converted", "int"),
            Col("Open pipeline", "money"),
            Col("Won", "money"),
            Col("Revenue", "money"),
            Col("vs previous", "change"),
            Col("At risk", "int"),
        ),
        tuple(rows),
        drills=tuple(report.owned_by("accounts", r[0]) for r in rows),
    )


def coverage(report: TerritoryReport) -> Section:
    cov = report.coverage
    n = cov.recent_days
    rows = tuple(
        (r.rep, r.accounts, r.contacts, r.recent, ratio(r.recent, r.accounts), r.never_visited)
        for r in cov.reps
    )
    t = cov.total
    table = Table(
        "coverage",
        "Coverage per rep",
        (
            Col("Rep"),
            Col("Accounts", "int"),
            Col("Contacts", "int"),
            Col(f"Active in {n} days", "int"),
            Col("Covered", "percent"),
            Col("Never visited", "int"),
        ),
        rows,
        ("All reps", t.accounts, t.contacts, t.recent, ratio(t.recent, t.accounts), t.never_visited),
        drills=tuple(report.owned_by("accounts", r.rep) for r in cov.reps),
    )
    chart = Chart(
        "stacked",
        "Accounts per rep",
        tuple(r.rep for r in cov.reps),
        (
            Series(f"Activity in last {n} days", tuple(r.recent for r in cov.reps)),
            Series("No recent activity", tuple(r.accounts - r.recent for r in cov.reps), "#cbd5e1"),
        ),
    )
    kpis = (
        Kpi("Accounts held", f"{t.accounts:,}"),
        Kpi("Contacts held", f"{t.contacts:,}"),
        Kpi(f"Activity in last {n} days", f"{t.recent:,}", percent(ratio(t.recent, t.accounts))),
        Kpi("Never visited", f"{t.never_visited:,}", percent(ratio(t.never_visited, t.accounts))),
    )
    return Section(
        "coverage",
        "Coverage",
        f"Accounts and contacts held now; covered: an activity done in the {n} days up to "
        f"{report.period.end:%d %b %Y}; never visited: no visit ever.",
        kpis,
        (chart,),
        (table,),
        None if t.accounts or t.contacts else f"No accounts or contacts are held in {report.scope.label}.",
    )


def activity(report: TerritoryReport) -> Section:
    act = report.activity
    unit = "Week" if act.bucket_days == 7 else "Month"
    chart = Chart(
        "stacked",
        f"Activities per {unit.lower()}, by kind",
        tuple(short_day(b) for b in act.buckets),
        tuple(Series(kind.capitalize(), tuple(act.grid[kind])) for kind in act.kinds),
    )
    kinds = tuple(Col(k.capitalize(), "int") for k in act.kinds)
    per_rep = Table(
        "activity",
        "Activities done per rep and kind",
        (Col("Rep"), *kinds, Col("Total", "int")),
        tuple((r.rep, *(r.by_kind.get(k, 0) for k in act.kinds), r.total) for r in act.reps if r.total),
        ("All reps", *(sum(act.grid[k]) for k in act.kinds), act.total),
        drills=tuple(report.owned_by("accounts", r.rep) for r in act.reps if r.total),
    )
    weekly = Table(
        "activity_weeks",
        f"Activities per {unit.lower()}",
        (Col(f"{unit} of"), *kinds, Col("Total", "int")),
        tuple(
            (b.isoformat(), *(act.grid[k][i] for k in act.kinds), sum(act.grid[k][i] for k in act.kinds))
            for i, b in enumerate(act.buckets)
        ),
        csv_only=True,
    )
    s = act.steps
    steps = Table(
        "sequence_steps",
        "Sequence steps due in the period",
        (
            Col("Rep"),
            Col("On time", "int"),
            Col("Late", "int"),
            Col("Overdue", "int"),
            Col("Not yet due", "int"),
            Col("On time", "percent"),
        ),
        tuple(
            (
                r.rep,
                r.steps.on_time,
                r.steps.late,
                r.steps.overdue,
                r.steps.upcoming,
                ratio(r.steps.on_time, r.steps.on_time + r.steps.late + r.steps.overdue),
            )
            for r in act.reps
            if r.steps.total
        ),
        (
            "All reps",
            s.on_time,
            s.late,
            s.overdue,
            s.upcoming,
            ratio(s.on_time, s.on_time + s.late + s.overdue),
        ),
    )
    step_chart = Chart(
        "pie",
        "Sequence steps",
        ("On time", "Late", "Overdue"),
        (Series("Steps", (s.on_time, s.late, s.overdue)),),
    )
    weeks = max(1, len(act.buckets))
    kpis = (
        Kpi("Activities done", f"{act.total:,}", f"{act.total / weeks:,.1f} per {unit.lower()}"),
        Kpi("Visits", f"{sum(act.grid.get('visit', [])):,}"),
        Kpi(
            "Steps on time",
            percent(ratio(s.on_time, s.on_time + s.late + s.overdue)),
            f"{s.on_time:,} of {s.on_time + s.late + s.overdue:,} due"
            if s.total
            else "no sequence steps due",
        ),
        Kpi("Steps overdue", f"{s.overdue:,}", tone="bad" if s.overdue else ""),
    )
    tables = (per_rep, weekly) + ((steps,) if s.total else ())
    charts = (chart,) + ((step_chart,) if s.total else ())
    return Section(
        "activity",
        "Activity",
        "Activities done in the period, by kind and rep; sequence steps due in the period, done on time "
        "(by their due day), late, or overdue (not done and past due).",
        kpis,
        charts,
        tables,
        None if act.total or s.total else NO_ACTIVITY,
    )


def leads(report: TerritoryReport) -> Section:
    total = report.leads
    reps = report.lead_reps
    chart = Chart(
        "bar",
        "Leads per rep",
        tuple(r.rep for r in reps),
        (
            Series("Created", tuple(r.created for r in reps)),
            Series("Qualified", tuple(r.qualified for r in reps)),
            Series("Converted", tuple(r.converted for r in reps)),
        ),
    )
    columns: tuple[Col, ...] = (
        Col("Rep"),
        Col("Created", "int"),
        Col("Qualified", "int"),
        Col("Converted", "int"),
        Col("Conversion rate", "percent"),
        Col("Median days to convert", "days"),
    )
    rows: tuple[tuple[Any, ...], ...] = tuple(
        (r.rep, r.created, r.qualified, r.converted, r.conversion_rate, r.median_days) for r in reps
    )
    all_reps: tuple[Any, ...] = (
        "All reps",
        total.created,
        total.qualified,
        total.converted,
        total.conversion_rate,
        total.median_days,
    )
    note = ""
    if total.misdated:  # bad data is shown, not averaged: a column on screen, on paper and in the CSV
        columns += (Col("Converted before created", "int"),)
        rows = tuple((*row, r.misdated) for row, r in zip(rows, reps, strict=True))
        all_reps += (total.misdated,)
        note = (
            f"{total.misdated:,} converted lead{'s' if total.misdated != 1 else ''} have a conversion date "
            "before their creation date: left out of the median time to convert. Correct their dates."
        )
    period = (report.period.start, report.period.end)
    table = Table(
        "leads",
        "Leads per rep",
        columns,
        rows,
        all_reps,
        note=note,
        drills=tuple(report.owned_by("leads", r.rep, created=period) for r in reps),
    )
    median = "\u2013" if total.median_days is None else f"{total.median_days:.1f} days"
    misdated = (
        f"{total.misdated:,} lead{'s' if total.misdated != 1 else ''} converted before created: left out"
        if total.misdated
        else ""
    )
    kpis = (
        Kpi("Created", f"{total.created:,}"),
        Kpi("Qualified", f"{total.qualified:,}", percent(ratio(total.qualified, total.created))),
        Kpi("Converted", f"{total.converted:,}", f"conversion rate {percent(total.conversion_rate)}"),
        Kpi("Median time to convert", median, misdated, "bad" if misdated else ""),
    )
    return Section(
        "leads",
        "Leads",
        "Leads created in the period, and how many of them were qualified and converted; the median time "
        "from creation to conversion of those converted.",
        kpis,
        (chart,),
        (table,),
        None if total.created else "No leads were created in this period.",
    )
