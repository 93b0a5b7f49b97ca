"""Demo service levels (issue 16): the company's levels per segment, a tighter A level for the first region,
the accounts' segments as the ABC ranking of their sales suggests them, and visiting hours for some
accounts (mornings only, or not on Mondays).  Written through the services, deterministic."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import text
from sqlalchemy.orm import Session

from sfa_desktop.core.planning import segments
from sfa_desktop.core.records import services
from sfa_desktop.core.service_levels import DEFAULTS, LEVEL_COLUMNS

#: Visiting hours of every 5th and every 7th account (by name).
HOURS = ("Mon-Fri 08:00-12:00", "Tue-Fri 09:00-17:00")
#: The first region's A customers are seen more often, for longer.
REGION_A = {
    "visit_min_days": 10,
    "visit_max_days": 14,
    "visit_minutes": 75,
    "answer_hours": 2,
    "resolve_hours": 24,
}


def _id(territory_id: str | None, segment: str) -> str:
    """The same id for the same level of the same demo (the demo's ids are deterministic)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"sfa-demo:service-level:{territory_id}:{segment}"))


def seed(session: Session, region_id: str | None, *, today: dt.date) -> int:
    """Write the demo's service levels and segments; the number of service levels written."""
    rows = [
        {
            "id": _id(None, s),
            "territory_id": None,
            "segment": s,
            **{c: getattr(level, c) for c in LEVEL_COLUMNS},
        }
        for s, level in DEFAULTS.items()
    ]
    if region_id is not None:
        rows.append({"id": _id(region_id, "A"), "territory_id": region_id, "segment": "A", **REGION_A})
    services.create_many(session, "service_levels", rows)
    for suggestion in segments.suggest(session, None, today=today):
        services.update(session, "accounts", suggestion.account_id, {"segment": suggestion.suggested})
    names = session.execute(
        text("SELECT id FROM accounts WHERE deleted_at IS NULL ORDER BY name, id")
    ).scalars()
    for n, account in enumerate(names):
        hours = HOURS[0] if n % 5 == 2 else HOURS[1] if n % 7 == 3 else None
        if hours is not None:
            services.update(session, "accounts", account, {"visiting_hours": hours})
    return len(rows)
