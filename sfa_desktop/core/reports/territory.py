"""Building the territory report: the scope and period, then each section's figures (``report_queries``,
``report_profit``), into one plain object that the window, the PDF and the CSV present."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from sfa_desktop.core import settings as preferences
from sfa_desktop.core.planning.settings import DEFAULTS as PLAN_SETTING_KEYS
from sfa_desktop.core.planning.settings import PlanSettings
from sfa_desktop.core.progress import Progress
from sfa_desktop.core.records.models import utcnow
from sfa_desktop.core.reports import profit as report_profit
from sfa_desktop.core.reports import queries as report_queries
from sfa_desktop.core.reports import retention as report_retention
from sfa_desktop.core.reports import visits as report_visits
from sfa_desktop.core.reports.base import Context, Period, RepName, Scope, account_activity, resolve_scope
from sfa_desktop.core.reports.report_settings import ReportSettings
from sfa_desktop.core.reports.view import Drill

#: What the report counts, in order, as its progress says it.
STAGES = (
    "Counting leads",
    "Reading the accounts' activities",
    "Counting coverage",
    "Counting visits against the service levels",
    "Counting activities",
    "Adding up the pipeline",
    "Adding up revenue",
    "Working out customer profitability",
    "Finding accounts at risk",
    "Counting defections",
)


@dataclass
class TerritoryReport:
    scope: Scope
    period: Period
    generated_at: dt.datetime
    settings: ReportSettings
    coverage: report_queries.Coverage
    visits: report_visits.VisitCoverage
    activity: report_queries.Activity
    leads: report_queries.LeadRow
    lead_reps: list[report_queries.LeadRow]
    pipeline: report_queries.Pipeline
    revenue: report_queries.Revenue
    profitability: report_profit.Profitability
    at_risk: report_profit.AtRisk
    retention: report_retention.Retention
    #: a rep's name as the tables show it -> their user id (for the drill-down to their records)
    rep_ids: dict[str, str] = dataclasses.field(default_factory=dict)

    def owned_by(
        self,
        kind: str,
        rep: str,
        *,
        stages: tuple[str, ...] = (),
        created: tuple[dt.date, dt.date] | None = None,
    ) -> Drill:
        """The records of ``kind`` that a rep row of the tables stands for ("(no owner)": nobody's)."""
        return Drill(kind, owner_id=self.rep_ids.get(rep, ""), stages=stages, created=created)

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
    progress: Progress | None = None,
    complaints: report_retention.ComplaintSource | None = None,
    plan_settings: PlanSettings | None = None,
) -> TerritoryReport:
    """The report for a territory (and those below it; None: all the user's territories) over a period.
    ``visible``: the territories the user may see (None: all).  Raises ReportError / TerritoryGone;
    ``progress`` hears of each section as it is counted (and Cancelled stops the report there);
    ``complaints``: where the retention section's complaint figures come from (none: the section has none);
    ``plan_settings``: the travel model of the time on the road (None: the planner's settings here)."""
    steps = Progress() if progress is None else progress
    step = iter(range(len(STAGES)))

    def counting(stage: str) -> None:
        steps.step(stage, next(step), len(STAGES))

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
    counting(STAGES[0])
    lead_total, lead_reps = report_queries.leads(ctx)
    counting(STAGES[1])
    with account_activity(ctx):
        counting(STAGES[2])
        coverage = report_queries.coverage(ctx)
        counting(STAGES[3])
        travel = plan_settings or PlanSettings.from_values(
            {key: preferences.get(session, key) for key in PLAN_SETTING_KEYS}
        )
        visits = report_visits.visit_coverage(ctx, travel)
        counting(STAGES[4])
        activity = report_queries.activity(ctx)
        counting(STAGES[5])
        pipeline = report_queries.pipeline(ctx)
        counting(STAGES[6])
        revenue = report_queries.revenue(ctx)
        counting(STAGES[7])
        profitability = report_profit.profitability(ctx)
        counting(STAGES[8])
        at_risk = report_profit.at_risk(ctx)
    counting(STAGES[9])
    retention = report_retention.retention(
        ctx, at_risk, complaints(session, scope, period) if complaints is not None else None
    )
    steps.step("Done", len(STAGES), len(STAGES))
    return TerritoryReport(
        scope=scope,
        period=period,
        generated_at=ctx.now,
        settings=ctx.settings,
        coverage=coverage,
        visits=visits,
        activity=activity,
        leads=lead_total,
        lead_reps=lead_reps,
        pipeline=pipeline,
        revenue=revenue,
        profitability=profitability,
        at_risk=at_risk,
        retention=retention,
        rep_ids={name: user_id for user_id, name in ctx.rep.names.items()},
    )
