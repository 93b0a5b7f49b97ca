"""The segment each account should have, as the territory report's ABC ranking suggests it.

The ranking (``core.reports.profit``) orders the accounts of a territory by their net contribution over
the last year (gross margin of their orders less the cost to serve them): A earns the first 80% of the
positive contributions, B up to 95%, C the rest and every account that costs more than it earns.  An
account with neither orders nor activities in the year is not ranked: C.  A manager applies the
suggestion (or sets segments one by one): it is a suggestion, never applied by itself.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from sfa_desktop.core.records.models import utcnow
from sfa_desktop.core.reports import profit
from sfa_desktop.core.reports.base import Context, Period, RepName, account_activity, resolve_scope
from sfa_desktop.core.reports.report_settings import ReportSettings

#: The ranking's period: the year up to today.
DAYS = 365


@dataclass(frozen=True)
class Suggestion:
    account_id: str
    name: str
    current: str | None
    suggested: str
    net: int  # the net contribution over the year, in cents

    @property
    def changes(self) -> bool:
        return self.current != self.suggested


def suggest(
    session: Session,
    territory_id: str | None,
    *,
    visible: frozenset[str] | None = None,
    today: dt.date | None = None,
) -> list[Suggestion]:
    """The suggested segment of every live account of the territory (and those below it; None: all the
    user's), best first."""
    day = today or dt.date.today()
    scope = resolve_scope(session, territory_id, visible)
    ctx = Context(
        session, scope, Period.last_days(DAYS, day), ReportSettings.load(session), utcnow(), None, RepName()
    )
    with account_activity(ctx):
        ranked = profit.profitability(ctx)
    by_id = {a.account_id: a for a in ranked.accounts}
    rows = session.execute(
        text(
            "SELECT id, name, segment FROM accounts WHERE deleted_at IS NULL "
            "AND territory_id IN (SELECT value FROM json_each(:scope)) ORDER BY name, id"
        ),
        ctx.params(),
    )
    found = [
        Suggestion(
            r.id,
            r.name,
            r.segment,
            by_id[r.id].segment if r.id in by_id else "C",
            by_id[r.id].net if r.id in by_id else 0,
        )
        for r in rows
    ]
    return sorted(found, key=lambda s: (-s.net, s.name.casefold(), s.account_id))
