"""What the map of a rep's day shows: the day's route (the call sheet's: the visits and meetings with
coordinates, numbered in route order from the rep's home base and back, see
:func:`sfa_desktop.core.callsheet.sheet.plan_day`) and the accounts with coordinates, each with its segment
(A, B or C) and whether it is due for a visit.

Both come through functions given as parameters (``ops.maps`` hands in the service levels'):

* ``due_state(session, account_id)`` -> one of :data:`DUE_STATES` ("overdue", "due", "ok", "unknown");
  :func:`unknown_due` (every account "unknown") without service levels;
* ``segments(session, account_ids)`` -> {account id: "A" | "B" | "C" | None}; :func:`revenue_segments`
  without them: the ABC ranking by the last twelve months' order revenue (A: the accounts that make the
  first 80% of it, B: the next 15%, C: the rest).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import text
from sqlalchemy.orm import Session

from sfa_desktop.core.callsheet import data, sheet
from sfa_desktop.core.callsheet.route import distance_km
from sfa_desktop.core.reports.base import NOT_REVENUE

DUE_STATES = ("overdue", "due", "ok", "unknown")
DUE_LABELS = {
    "overdue": "Overdue for a visit",
    "due": "Due for a visit",
    "ok": "Visited recently",
    "unknown": "Next visit not known",
}
SEGMENTS = ("A", "B", "C")

DueState = Callable[[Session, str], str]
Segments = Callable[[Session, Sequence[str]], Mapping[str, "str | None"]]


def unknown_due(_session: Session, _account_id: str) -> str:
    """Until the service levels say when each account is due: nobody knows."""
    return "unknown"


def revenue_segments(
    session: Session, account_ids: Sequence[str], *, today: dt.date | None = None
) -> dict[str, str | None]:
    """A (the accounts making the first 80% of the last twelve months' order revenue), B (the next 15%),
    C (the rest, and accounts without orders)."""
    since = (today or dt.date.today()) - dt.timedelta(days=365)
    rows = session.execute(
        text(
            "SELECT account_id, sum(total_cents) AS revenue FROM orders WHERE deleted_at IS NULL "
            f"AND status NOT IN {NOT_REVENUE!r} AND order_date >= :since GROUP BY account_id "
            "HAVING sum(total_cents) > 0 ORDER BY revenue DESC, account_id"
        ),
        {"since": since.isoformat()},
    ).all()
    total = sum(int(r[1]) for r in rows)
    ranked: dict[str, str] = {}
    before = 0
    for account_id, revenue in rows:
        ranked[account_id] = "A" if before < 0.80 * total else "B" if before < 0.95 * total else "C"
        before += int(revenue)
    return {account_id: ranked.get(account_id, "C") for account_id in account_ids}


@dataclass(frozen=True)
class Stop:
    number: int
    activity_id: str
    kind: str
    subject: str
    party: str
    account_id: str | None
    position: tuple[float, float]
    due_at: dt.datetime
    #: From the previous stop (the home base for the first), km; None without a home base for the first.
    leg_km: float | None


@dataclass(frozen=True)
class Place:
    account_id: str
    name: str
    city: str
    position: tuple[float, float]
    segment: str | None
    due: str


@dataclass
class DayMap:
    day: dt.date
    rep: str
    home: tuple[float, float] | None
    home_label: str
    stops: list[Stop] = field(default_factory=list)
    #: Visits and meetings of the day at places without coordinates (not on the route).
    unrouted: list[str] = field(default_factory=list)
    #: From the last stop back home, km.
    home_km: float | None = None
    places: list[Place] = field(default_factory=list)
    #: "km" or "mi" (the distance_unit setting).
    unit: str = "km"

    @property
    def drive_km(self) -> float:
        return sum(s.leg_km or 0.0 for s in self.stops) + (self.home_km or 0.0)

    def points(self) -> list[tuple[float, float]]:
        """Everything on the map (for fitting the view): the route and home first, else every place."""
        route = [s.position for s in self.stops] + ([self.home] if self.home else [])
        return route if self.stops else [p.position for p in self.places] + ([self.home] if self.home else [])


def day_map(
    session: Session,
    rep_id: str | None,
    day: dt.date,
    *,
    tz: dt.tzinfo,
    due_state: DueState = unknown_due,
    segments: Segments = revenue_segments,
) -> DayMap:
    """The map of ``day`` for the rep ``rep_id`` (None: no route, the accounts only)."""
    result = DayMap(day, "", None, "")
    if rep_id is not None:
        rep = data.reps(session, [rep_id])[0]
        result.rep, result.home, result.home_label = rep.name, rep.home, rep.home_base or "Home"
        after, before = sheet.day_bounds(day, day, tz)
        infos = data.calls(session, [rep_id], after, before, sheet.PLANNED_KINDS)
        plan = sheet.plan_day(day, infos, rep.home)
        for call in plan.route:
            info = call.info
            assert info.party.position is not None
            assert call.stop is not None
            result.stops.append(
                Stop(
                    call.stop,
                    info.activity_id,
                    info.kind,
                    info.subject,
                    info.party.name,
                    info.account_id,
                    info.party.position,
                    info.due_at,
                    call.leg_km,
                )
            )
        result.unrouted = [f"{c.info.subject} ({c.info.party.name})" for c in plan.unrouted]
        if rep.home is not None and result.stops:
            result.home_km = distance_km(result.stops[-1].position, rep.home)
    rows = session.execute(
        text(
            "SELECT id, name, coalesce(city, ''), latitude, longitude FROM accounts "
            "WHERE deleted_at IS NULL AND latitude IS NOT NULL AND longitude IS NOT NULL ORDER BY name, id"
        )
    ).all()
    segment_of = segments(session, [r[0] for r in rows])
    result.places = [
        Place(
            r[0],
            r[1],
            r[2],
            (float(r[3]), float(r[4])),
            segment_of.get(r[0]),
            _state(due_state(session, r[0])),
        )
        for r in rows
    ]
    return result


def _state(value: str) -> str:
    return value if value in DUE_STATES else "unknown"
