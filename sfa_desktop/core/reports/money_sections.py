"""The territory report's sections about money: pipeline, revenue, customer profitability and accounts at
risk (see ``report_sections``)."""

from __future__ import annotations

from sfa_desktop.core.reports.profit import SEGMENTS
from sfa_desktop.core.reports.territory import TerritoryReport
from sfa_desktop.core.reports.view import (
    PREVIOUS_COLOR,
    SEGMENT_COLORS,
    Chart,
    Col,
    Drill,
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

#: Rows of the long tables shown on screen and paper (the CSV has all).
TOP_ACCOUNTS = 25
WORST_ACCOUNTS = 10
RISK_ROWS = 30


def pipeline(report: TerritoryReport) -> Section:
    cur = report.settings.currency
    pipe = report.pipeline
    open_stages = [s for s in pipe.stages if s.category == "open"]
    open_keys = tuple(s.key for s in open_stages)
    chart = Chart(
        "hbar",
        "Open pipeline by stage",
        tuple(s.name for s in open_stages),
        (
            Series("Amount", tuple(s.amount for s in open_stages)),
            Series("Weighted", tuple(s.weighted for s in open_stages)),
        ),
        "money",
    )
    stages = Table(
        "pipeline_stages",
        "Pipeline by stage",
        (Col("Stage"), Col("Opportunities", "int"), Col("Amount", "money"), Col("Weighted", "money")),
        tuple(
            (
                s.name + ("" if s.category == "open" else " (closed in period)"),
                s.count,
                s.amount,
                s.weighted if s.category == "open" else None,
            )
            for s in pipe.stages
        ),
        drills=tuple(
            Drill(
                "opportunities",
                stages=(s.key,),
                closed=None if s.category == "open" else (report.period.start, report.period.end),
            )
            for s in pipe.stages
        ),
    )
    t = pipe.total
    per_rep = Table(
        "pipeline_reps",
        "Pipeline per rep",
        (
            Col("Rep"),
            Col("Open", "int"),
            Col("Open amount", "money"),
            Col("Weighted", "money"),
            Col("Won", "money"),
            Col("Lost", "money"),
            Col("Win rate", "percent"),
        ),
        tuple(
            (r.rep, r.open_count, r.open_amount, r.weighted, r.won_amount, r.lost_amount, r.win_rate)
            for r in pipe.reps
        ),
        ("All reps", t.open_count, t.open_amount, t.weighted, t.won_amount, t.lost_amount, t.win_rate),
        drills=tuple(report.owned_by("opportunities", r.rep, stages=open_keys) for r in pipe.reps),
    )
    kpis = (
        Kpi("Open pipeline", money(t.open_amount, cur, short=True), f"{t.open_count:,} opportunities"),
        Kpi("Weighted", money(t.weighted, cur, short=True)),
        Kpi(
            "Won",
            money(t.won_amount, cur, short=True),
            f"{t.won_count:,} deals",
            "good" if t.won_count else "",
        ),
        Kpi("Lost", money(t.lost_amount, cur, short=True), f"{t.lost_count:,} deals"),
        Kpi("Win rate", percent(t.win_rate), "by number of deals closed"),
    )
    empty = (
        None
        if t.open_count or t.won_count or t.lost_count
        else "No open opportunities, and none closed in this period."
    )
    return Section(
        "pipeline",
        "Pipeline",
        "Open opportunities now, by stage (weighted by their probability); won and lost: opportunities "
        "closed in the period; win rate: won of those closed.",
        kpis,
        (chart,),
        (stages, per_rep),
        empty,
    )


def revenue(report: TerritoryReport) -> Section:
    cur = report.settings.currency
    rev = report.revenue
    previous = report.period.previous
    chart = Chart(
        "line",
        "Revenue per week" if report.period.bucket_days == 7 else "Revenue per month",
        tuple(short_day(b) for b in rev.buckets),
        (
            Series(f"This period ({report.period.label()})", tuple(rev.current)),
            Series(f"Previous ({previous.label()})", tuple(rev.previous), PREVIOUS_COLOR),
        ),
        "money",
    )
    t = rev.total
    table = Table(
        "revenue",
        "Revenue per rep",
        (
            Col("Rep"),
            Col("This period", "money"),
            Col("Previous period", "money"),
            Col("Change", "change"),
            Col("Orders", "int"),
            Col("Orders before", "int"),
        ),
        tuple((r.rep, r.current, r.previous, r.change, r.orders, r.previous_orders) for r in rev.reps),
        ("All reps", t.current, t.previous, t.change, t.orders, t.previous_orders),
        drills=tuple(report.owned_by("accounts", r.rep) for r in rev.reps),
    )
    change = t.change
    kpis = (
        Kpi("Revenue", money(t.current, cur, short=True), f"{t.orders:,} orders"),
        Kpi("Previous period", money(t.previous, cur, short=True), f"{t.previous_orders:,} orders"),
        Kpi(
            "Change",
            signed_percent(change),
            "",
            "" if change is None else ("good" if change >= 0 else "bad"),
        ),
    )
    return Section(
        "revenue",
        "Revenue",
        f"Orders (not cancelled or returned) by order date, against the previous period of the same length "
        f"({previous.label()}).",
        kpis,
        (chart,),
        (table,),
        None if t.orders or t.previous_orders else "No orders in this period or the one before.",
    )


def profitability(report: TerritoryReport) -> Section:
    cur = report.settings.currency
    prof = report.profitability
    costs = report.settings
    unit_costs = ", ".join(f"{k} {money(v, cur)}" for k, v in costs.activity_costs.items() if v)
    ranked_cols = (
        Col("Rank", "int"),
        Col("Account"),
        Col("Rep"),
        Col("Orders", "int"),
        Col("Revenue", "money"),
        Col("Gross margin", "money"),
        Col("Activities", "int"),
        Col("Cost to serve", "money"),
        Col("Net", "money"),
        Col("Segment", "code"),
    )
    rows = tuple(
        (a.rank, a.name, a.rep, a.orders, a.revenue, a.margin, a.activities, a.cost, a.net, a.segment)
        for a in prof.accounts
    )
    to_account = tuple(Drill("accounts", record_id=a.account_id) for a in prof.accounts)
    ranked = Table(
        "profitability",
        "Most profitable accounts",
        ranked_cols,
        rows,
        drills=to_account,
        shown=TOP_ACCOUNTS,
        note=f"The {min(TOP_ACCOUNTS, len(rows))} best of {len(rows):,} accounts; the CSV lists them all."
        if len(rows) > TOP_ACCOUNTS
        else "",
    )
    worst = Table(
        "least_profitable",
        "Least profitable accounts",
        ranked_cols,
        tuple(reversed(rows[-WORST_ACCOUNTS:])) if len(rows) > TOP_ACCOUNTS else (),
        drills=tuple(reversed(to_account[-WORST_ACCOUNTS:])) if len(rows) > TOP_ACCOUNTS else (),
    )
    positive = sum(seg.positive for seg in prof.segments)
    segments = Table(
        "segments",
        "Segments",
        (
            Col("Segment", "code"),
            Col("Accounts", "int"),
            Col("Revenue", "money"),
            Col("Net", "money"),
            Col("Share of profit", "percent"),
        ),
        tuple(
            (seg.name, seg.accounts, seg.revenue, seg.net, ratio(seg.positive, positive))
            for seg in prof.segments
        ),
        (
            "All",
            sum(seg.accounts for seg in prof.segments),
            sum(seg.revenue for seg in prof.segments),
            prof.total_net,
            None,
        ),
    )
    curve = Chart(
        "line",
        "Cumulative profit, best accounts first",
        tuple(f"{x * 100:.0f}%" for x, _y in prof.curve),
        (Series("Share of the total net contribution", tuple(y for _x, y in prof.curve)),),
        "percent",
    )
    bars = Chart(
        "bar",
        "Net contribution by segment",
        SEGMENTS,
        (Series("Net contribution", tuple(seg.net for seg in prof.segments)),),
        "money",
        tuple(SEGMENT_COLORS[seg] for seg in SEGMENTS),
    )
    a, c = prof.segments[0], prof.segments[2]
    losing = sum(seg.losing for seg in prof.segments)
    kpis = (
        Kpi(
            "Net contribution",
            money(prof.total_net, cur, short=True),
            f"{len(rows):,} accounts served",
            "good" if prof.total_net > 0 else "bad",
        ),
        Kpi("A customers", f"{a.accounts:,}", f"{percent(ratio(a.positive, positive))} of the profit"),
        Kpi(
            "C customers", f"{c.accounts:,}", f"{losing:,} cost more than they earn", "bad" if losing else ""
        ),
        Kpi("Cost to serve", money(sum(seg.cost for seg in prof.segments), cur, short=True)),
    )
    return Section(
        "profitability",
        "Customer profitability",
        "Gross margin of the period's orders minus the cost to serve (activity-based costing: "
        f"{unit_costs}; each order {money(costs.order_cost, cur)}). A: the accounts that earn the first 80% "
        "of the profit; B: up to 95%; C: the rest and those that cost more than they earn.",
        kpis,
        (curve, bars) if prof.curve else (bars,),
        (segments, ranked) + ((worst,) if worst.rows else ()),
        None if rows else "No orders or activities for any account in this period.",
    )


def at_risk(report: TerritoryReport) -> Section:
    cur = report.settings.currency
    risk = report.at_risk
    chart = Chart(
        "stacked",
        "At-risk accounts per rep",
        tuple(r.rep for r in risk.reps),
        (
            Series("Orders declining", tuple(r.declining for r in risk.reps), "#f59e0b"),
            Series("No recent contact", tuple(r.lapsed for r in risk.reps), "#64748b"),
            Series("Both", tuple(r.both for r in risk.reps), "#e11d48"),
        ),
    )
    table = Table(
        "at_risk",
        "Accounts at risk",
        (
            Col("Account"),
            Col("Rep"),
            Col("Previous period", "money"),
            Col("This period", "money"),
            Col("Change", "change"),
            Col("Last contact", "date"),
            Col("Days since", "int"),
            Col("Why"),
        ),
        tuple(
            (
                r.name,
                r.rep,
                r.previous,
                r.current,
                ratio(r.current - r.previous, r.previous),
                r.last_contact.isoformat() if r.last_contact else None,
                r.days_since,
                r.reasons,
            )
            for r in risk.accounts
        ),
        drills=tuple(Drill("accounts", record_id=r.account_id) for r in risk.accounts),
        shown=RISK_ROWS,
        note=f"The first {RISK_ROWS} of {len(risk.accounts):,}; the CSV lists them all."
        if len(risk.accounts) > RISK_ROWS
        else "",
    )
    per_rep = Table(
        "at_risk_reps",
        "At risk per rep",
        (
            Col("Rep"),
            Col("Orders declining", "int"),
            Col("No recent contact", "int"),
            Col("Both", "int"),
            Col("Revenue at stake", "money"),
        ),
        tuple((r.rep, r.declining, r.lapsed, r.both, r.at_stake) for r in risk.reps),
        drills=tuple(report.owned_by("accounts", r.rep) for r in risk.reps),
    )
    declining = sum(r.declining + r.both for r in risk.reps)
    lapsed = sum(r.lapsed + r.both for r in risk.reps)
    kpis = (
        Kpi(
            "At risk",
            f"{len(risk.accounts):,}",
            f"of {risk.customers:,} customers",
            "bad" if risk.accounts else "good",
        ),
        Kpi("Orders declining", f"{declining:,}", f"down {risk.decline_percent}% or more"),
        Kpi("No contact", f"{lapsed:,}", f"for {risk.no_contact_days} days or more"),
        Kpi("Revenue at stake", money(sum(r.at_stake for r in risk.reps), cur, short=True)),
    )
    if not risk.customers:
        empty: str | None = "No customers yet: no orders and no won opportunities in these territories."
    elif not risk.accounts:
        empty = "No customer is at risk: orders are steady and every customer was contacted recently."
    else:
        empty = None
    return Section(
        "at_risk",
        "Accounts at risk",
        f"Customers (an order or a won deal) whose orders fell by {risk.decline_percent}% or more against "
        f"the previous period, or with no contact for {risk.no_contact_days} days up to the end of the "
        "period.",
        kpis,
        (chart,),
        (table, per_rep),
        empty,
    )
