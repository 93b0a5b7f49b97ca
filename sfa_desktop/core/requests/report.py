"""The territory report's complaint figures (its Retention section, ``core.reports.retention``) from the
request statistics (``core.requests.stats``): complaints by category, time to the first answer and to the
resolution against each segment's service level, open complaints per account.

Every request about an account counts (a request and a complaint are one record with a category); the
categories and the times are those of the requests raised in the report's period; what is open is open
now (the statistics keep no history of statuses), which is what a manager reading the report acts on.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from sfa_desktop.core.reports.base import Period, Scope
from sfa_desktop.core.reports.retention import ComplaintCategory, ComplaintFigures, ServiceTimes
from sfa_desktop.core.requests import sla, stats


def complaint_figures(
    session: Session,
    scope: Scope,
    period: Period,
    *,
    targets: sla.Targets = sla.default_targets,
    segment_of: stats.Segments = stats.default_segment,
) -> ComplaintFigures | None:
    """The figures for the report's territory (with the territories below it) and period; None when no
    request was raised in the period and none is open."""
    start = dt.datetime.combine(period.start, dt.time(), dt.UTC)
    end = dt.datetime.combine(period.end + dt.timedelta(days=1), dt.time(), dt.UTC)
    where = scope.territory_id
    categories = stats.by_category(session, where, start, end)
    times = stats.response_times(session, where, start, end, targets=targets, segment_of=segment_of)
    still_open = stats.open_per_account(session, where, targets=targets)
    if not any(c.raised for c in categories) and not still_open:
        return None
    return ComplaintFigures(
        tuple(ComplaintCategory(c.category, c.raised, c.open, c.raised - c.open) for c in categories),
        tuple(
            ServiceTimes(
                t.segment,
                t.answered,
                t.median_to_answer,
                t.answer_hours,
                t.answered - t.answered_in_time,
                t.resolved,
                t.median_to_resolve,
                t.resolve_hours,
                t.resolved - t.resolved_in_time,
            )
            for t in times
            if t.raised
        ),
        {o.account_id: o.open for o in still_open},
    )
