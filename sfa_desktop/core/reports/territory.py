"""Building the territory report: the scope and period, then each section's figures (``report_queries``,
``report_profit``), into one plain object that the window, the PDF and the CSV present."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from sfa_desktop.core.records.models import utcnow
from sfa_desktop.core.reports import profit as report_profit
from sfa_desktop.core.reports import queries as report_queries
from sfa_desktop.core.reports.base import Context, Period, RepName, Scope, account_activity, resolve_scope
from sfa_desktop.core.reports.report_settings import ReportSettings


@dataclass
class TerritoryReport:
    scope: Scope
    period: Period
    generated_at: dt.datetime
    settings: ReportSettings
    coverage: report_queries.Coverage
    activity: report_queries.Activity
    leads: report_queries.LeadRow
    lead_reps: list[report_queries.LeadRow]
    pipeline: report_queries.Pipeline
    revenue: report_queries.Revenue
    profitability: report_profit.Profitability
    at_risk: report_profit.AtRisk

    @property
    def has_activity(self) -> bool:
        """Anything happened in the period: activities, sequence steps, leads, deals closed or orders."""
        return bool(
            self.activity.total
            or self.activity.steps.total
            or self.leads.created
            or self.pipeline.total.won_count
            or self.pipeline.total.lost_count
            or self.revenue.total.orders
        )

    @property
    def title(self) -> str:
        return f"Territory report: {self.scope.label}"


def build(
    session: Session,
    territory_id: str | None,
    period: Period,
    *,
    visible: frozenset[str] | None = None,
    settings: ReportSettings | None = None,
    now: dt.datetime | None = None,
    tz: dt.tzinfo | None = None,
) -> TerritoryReport:
    """The report for a territory (and those below it; None: all the user's territories) over a period.
    ``visible``: the territories the user may see (None: all).  Raises ReportError / TerritoryGone."""
    scope = resolve_scope(session, territory_id, visible)
    ctx = Context(
        session,
        scope,
        period,
        settings or ReportSettings.load(session),
        now or utcnow(),
        tz,
        RepName({row[0]: row[1] for row in session.execute(text("SELECT id, full_name FROM users"))}),
    )
    lead_total, lead_reps = report_queries.leads(ctx)
    with account_activity(ctx):
        return TerritoryReport(
            scope=scope,
            period=period,
            generated_at=ctx.now,
            settings=ctx.settings,
            coverage=report_queries.coverage(ctx),
            activity=report_queries.activity(ctx),
            leads=lead_total,
            lead_reps=lead_reps,
            pipeline=report_queries.pipeline(ctx),
            revenue=report_queries.revenue(ctx),
            profitability=report_profit.profitability(ctx),
            at_risk=report_profit.at_risk(ctx),
        )
