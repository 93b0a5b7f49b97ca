"""A rep's week plan from the local database, and an accepted plan into the agenda.

What is planned: the accounts the rep owns, and those without an owner in the rep's territories, that
have coordinates, are due for a visit by the week's last day (``core.service_levels``) and have no visit
planned already (an open visit activity due from the week's start on).  Each visit lasts its service
level's minutes and may take place on a working day, within the working hours and the account's visiting
hours, outside lunch and outside the appointments already in the rep's agenda (activities with a due
time, not done): those with a place (their account's coordinates) are stops of their day's route, those
without are blocked time.  Routes start and end at the rep's home (``users.home_latitude/longitude``).

Times: the plan's minutes count from local midnight of its first day (this laptop's time zone, or the
``tz`` given); activities are written in UTC.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import text
from sqlalchemy.orm import Session

from sfa_desktop.core import access, visiting_hours
from sfa_desktop.core import settings as preferences
from sfa_desktop.core.errors import UserError
from sfa_desktop.core.planning import fallback, solver
from sfa_desktop.core.planning.problem import DAY, Candidate, Day, Fixed, Plan, Problem, schedule
from sfa_desktop.core.planning.settings import DEFAULTS as SETTING_KEYS
from sfa_desktop.core.planning.settings import PlanSettings
from sfa_desktop.core.planning.travel import matrices
from sfa_desktop.core.records import services
from sfa_desktop.core.records.models import Activity
from sfa_desktop.core.service_levels import DUE, OVERDUE, visits_due

#: How many candidates the solver is given, as a multiple of the visits a week can hold (the most urgent
#: first): enough choice to group visits by area, few enough to plan 2,000 accounts in seconds.
CHOICE = 2
SEGMENT_BONUS = {"A": 300, "B": 150, "C": 0}
#: The appointments that take place at their account (a call blocks its time but goes nowhere).
ON_SITE = ("visit", "meeting")
#: An appointment without a length blocks this many minutes.
DEFAULT_APPOINTMENT = 30
#: An account added by hand (not due) is worth this much: the planner fits it in if it can.
ADDED_PRIZE = 50_000


class PlanError(UserError):
    """The week cannot be planned as asked; the message says what to do."""


@dataclass
class WeekRequest:
    rep_id: str
    first_day: dt.date
    days: int = 7
    #: accounts taken out of the plan, and accounts put into it (even if not due)
    exclude: frozenset[str] = frozenset()
    include: frozenset[str] = frozenset()
    seed: int = 1
    use_solver: bool = True
    iterations: int = 4000


@dataclass
class WeekPlan:
    request: WeekRequest
    plan: Plan
    #: accounts due that could not be considered (no coordinates), by id -> name
    no_place: dict[str, str] = field(default_factory=dict)
    unit_note: str = ""
    #: where each stop and candidate is (latitude, longitude), by key, and the rep's home: for maps
    places: dict[str, tuple[float, float]] = field(default_factory=dict)
    home: tuple[float, float] = (0.0, 0.0)


def _local(moment: dt.datetime, tz: dt.tzinfo | None) -> dt.datetime:
    return moment.astimezone(tz) if tz is not None else moment.astimezone()


def _minutes_into(first_day: dt.date, moment: dt.datetime, tz: dt.tzinfo | None) -> int:
    local = _local(moment, tz).replace(tzinfo=None)
    return int((local - dt.datetime.combine(first_day, dt.time())).total_seconds() // 60)


def _subtract(spans: list[tuple[int, int]], block: tuple[int, int]) -> list[tuple[int, int]]:
    out = []
    for lo, hi in spans:
        if block[1] <= lo or block[0] >= hi:
            out.append((lo, hi))
            continue
        if lo < block[0]:
            out.append((lo, block[0]))
        if block[1] < hi:
            out.append((block[1], hi))
    return out


def _home(session: Session, rep_id: str) -> tuple[str, tuple[float, float]]:
    row = session.execute(
        text(
            "SELECT full_name, home_latitude, home_longitude FROM users WHERE id = :id AND deleted_at IS NULL"
        ),
        {"id": rep_id},
    ).one_or_none()
    if row is None:
        raise PlanError(f"There is no user {rep_id}: choose a rep of this laptop.")
    if row.home_latitude is None or row.home_longitude is None:
        raise PlanError(
            f"{row.full_name} has no home base with coordinates, where each day's route starts and ends: "
            "set the user's home latitude and longitude (sfa users edit, or the Users list), then plan again."
        )
    return row.full_name, (float(row.home_latitude), float(row.home_longitude))


def _territories(session: Session, rep_id: str) -> list[str] | None:
    who = access.user_of(session)
    if who is not None and who.user_id == rep_id:
        return sorted(who.territories)
    rows = session.execute(
        text(
            "WITH RECURSIVE t(id) AS (SELECT territory_id FROM territory_memberships WHERE user_id = :rep "
            "AND deleted_at IS NULL UNION SELECT x.id FROM territories x JOIN t ON x.parent_id = t.id "
            "WHERE x.deleted_at IS NULL) SELECT id FROM t"
        ),
        {"rep": rep_id},
    )
    return [r[0] for r in rows]


def _appointments(
    session: Session, rep_id: str, start: dt.datetime, end: dt.datetime
) -> list[tuple[str, str, dt.datetime, int, float | None, float | None]]:
    rows = session.execute(
        text(
            "SELECT x.id, x.subject, x.due_at, x.duration_minutes, x.kind, a.latitude, a.longitude "
            "FROM activities x "
            "LEFT JOIN accounts a ON a.id = x.account_id AND a.deleted_at IS NULL "
            "WHERE x.owner_id = :rep AND x.deleted_at IS NULL AND x.done_at IS NULL AND x.due_at >= :start "
            "AND x.due_at < :end AND x.kind IN ('visit', 'meeting', 'call') ORDER BY x.due_at, x.id"
        ),
        {"rep": rep_id, "start": _utc(start), "end": _utc(end)},
    )
    found = []
    for r in rows:
        due = dt.datetime.fromisoformat(str(r.due_at)).replace(tzinfo=dt.UTC)
        found.append(
            (r.id, r.subject, due, int(r.duration_minutes or DEFAULT_APPOINTMENT), r.latitude, r.longitude)
        )
    return found


def _utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def build(
    session: Session,
    request: WeekRequest,
    settings: PlanSettings,
    *,
    now: dt.datetime | None = None,
    tz: dt.tzinfo | None = None,
) -> tuple[Problem, dict[str, str]]:
    """The planning problem of the rep's week, and the accounts due without coordinates (id -> name)."""
    moment = now or dt.datetime.now(dt.UTC)
    _, home = _home(session, request.rep_id)
    first = request.first_day
    begin = (
        dt.datetime.combine(first, dt.time(), tz)
        if tz
        else dt.datetime.combine(first, dt.time()).astimezone()
    )
    finish = begin + dt.timedelta(days=request.days)
    now_minute = _minutes_into(first, moment, tz)
    days: list[Day] = []
    for d in range(request.days):
        date = first + dt.timedelta(days=d)
        if date.isoweekday() not in settings.working_days:
            continue
        start = max(d * DAY + settings.day_start, now_minute)
        end = d * DAY + settings.day_end
        if start < end:
            days.append(Day(date, start, end))
    if not days:
        raise PlanError(
            f"No working time is left in the {request.days} days from {first.isoformat()}: choose a later "
            "start (--from) or check the working days and hours in the settings."
        )
    last_day = first + dt.timedelta(days=request.days - 1)
    territories = _territories(session, request.rep_id)
    owned = {
        r[0]: r
        for r in session.execute(
            text(
                "SELECT id, name, latitude, longitude, visiting_hours, territory_id, owner_id FROM accounts "
                "WHERE deleted_at IS NULL AND (owner_id = :rep OR (owner_id IS NULL AND "
                + ("1" if territories is None else "territory_id IN (SELECT value FROM json_each(:terr))")
                + "))"
            ),
            {"rep": request.rep_id, "terr": json.dumps(territories or [])},
        )
    }
    planned = {
        r[0]
        for r in session.execute(
            text(
                "SELECT DISTINCT account_id FROM activities WHERE kind = 'visit' AND done_at IS NULL "
                "AND deleted_at IS NULL AND account_id IS NOT NULL AND due_at >= :start"
            ),
            {"start": _utc(begin)},
        )
    }
    due = visits_due(session, list(owned), today=last_day, states=(DUE, OVERDUE))
    for account_id in request.include:
        if account_id not in due and account_id in owned:
            due |= visits_due(session, [account_id], today=last_day)
    appointments = _appointments(session, request.rep_id, begin, finish)
    positions: list[tuple[float, float]] = [home]
    fixed: list[Fixed] = []
    blocks: list[tuple[int, int]] = []
    for key, subject, at, minutes, lat, lon in appointments:
        start = _minutes_into(first, at, tz)
        day = next((d for d in days if d.start <= start and start + minutes <= d.end), None)
        if lat is not None and lon is not None and day is not None:
            fixed.append(Fixed(key, subject, len(positions), start, minutes))
            positions.append((float(lat), float(lon)))
        blocks.append((start, start + minutes))
    if settings.lunch is not None:
        blocks += [(d * DAY + settings.lunch[0], d * DAY + settings.lunch[1]) for d in range(request.days)]
    no_place: dict[str, str] = {}
    candidates: list[tuple[int, str, Candidate]] = []
    for account_id, state in due.items():
        row = owned[account_id]
        if account_id in request.exclude or (account_id in planned and account_id not in request.include):
            continue
        if row.latitude is None or row.longitude is None:
            no_place[account_id] = row.name
            continue
        try:
            week = visiting_hours.parse(row.visiting_hours)
        except visiting_hours.HoursError:
            week = {}
        windows: list[tuple[int, int]] = []
        due_from = state.due_from if state.last_visit is not None else first  # never visited: due now
        for day in days:
            if account_id not in request.include and day.date < due_from and state.state != OVERDUE:
                continue
            offset = (day.date - first).days * DAY
            spans = [
                (offset + lo, offset + hi)
                for lo, hi in visiting_hours.windows(
                    week, day.date.isoweekday(), settings.day_start, settings.day_end
                )
            ]
            spans = [(max(lo, day.start), hi) for lo, hi in spans if hi > day.start]
            for block in blocks:
                spans = _subtract(spans, block)
            windows += [(lo, hi - state.visit_minutes) for lo, hi in spans if hi - state.visit_minutes >= lo]
        if not windows:
            continue
        overdue = state.state == OVERDUE and (state.due_by is None or state.due_by < first)
        lateness = min(60, max(0, (last_day - due_from).days))
        if account_id in request.include:
            prize = ADDED_PRIZE
        elif overdue:
            prize = 10_000 + 100 * min(60, state.days_overdue)
        else:
            prize = 1_000 + 10 * lateness + SEGMENT_BONUS.get(state.segment, 0)
        candidate = Candidate(
            account_id,
            row.name,
            0,
            state.visit_minutes,
            tuple(windows),
            overdue,
            prize,
            state.segment,
            OVERDUE if overdue else DUE,
        )
        candidates.append((-prize, row.name, candidate))
    candidates.sort(key=lambda c: (c[0], c[1], c[2].key))
    working = sum(d.end - d.start for d in days)
    average = sum(c.minutes for _, _, c in candidates) / len(candidates) if candidates else 45
    room = max(10, CHOICE * int(working / (average + 20)))
    chosen: list[Candidate] = []
    for _, _, c in candidates[:room]:
        row = owned[c.key]
        chosen.append(
            Candidate(
                c.key, c.name, len(positions), c.minutes, c.windows, c.overdue, c.prize, c.segment, c.state
            )
        )
        positions.append((float(row.latitude), float(row.longitude)))
    travel, km = matrices(positions, settings.road_factor, settings.speed_kmh)
    problem = Problem(
        positions, days, chosen, fixed, travel, km, request.seed, settings.seconds, request.iterations
    )
    problem.fixed = _reachable(problem)
    return problem, no_place


def _reachable(problem: Problem) -> list[Fixed]:
    """The appointments a day's route can pass by, in time order; the others (too far from the one before,
    overlapping it, or leaving no time to drive home) stay blocked time without a place."""
    kept: list[Fixed] = []
    for day in problem.days:
        keys: list[str] = []
        for f in sorted(
            (f for f in problem.fixed if day.start <= f.start < day.end), key=lambda f: (f.start, f.key)
        ):
            if schedule(problem, day, [*keys, f.key]) is not None:
                keys.append(f.key)
                kept.append(f)
    return kept


def solve(problem: Problem, *, use_solver: bool = True) -> Plan:
    """PyVRP's plan, or the fallback's when PyVRP is missing, refused or finds no feasible plan.  The
    fallback's plan (a few milliseconds) is also where PyVRP's search starts: it can only improve on it."""
    began = time.perf_counter()
    quick = fallback.solve(problem)
    plan = solver.solve(problem, quick) if use_solver else None
    if plan is None:
        plan = quick
    plan.seconds = time.perf_counter() - began
    return plan


def load_settings(session: Session) -> PlanSettings:
    """The planner's settings of this laptop."""
    return PlanSettings.from_values({key: preferences.get(session, key) for key in SETTING_KEYS})


def plan_week(
    session: Session,
    request: WeekRequest,
    *,
    plan_settings: PlanSettings | None = None,
    now: dt.datetime | None = None,
    tz: dt.tzinfo | None = None,
) -> WeekPlan:
    chosen = plan_settings or load_settings(session)
    problem, no_place = build(session, request, chosen, now=now, tz=tz)
    places = {c.key: problem.positions[c.place] for c in problem.candidates}
    places.update({f.key: problem.positions[f.place] for f in problem.fixed})
    plan = solve(problem, use_solver=request.use_solver)
    return WeekPlan(request, plan, no_place, places=places, home=problem.positions[0])


def _as_utc(local: dt.datetime, tz: dt.tzinfo | None) -> dt.datetime:
    """A naive local time of the plan as an aware UTC one."""
    return local.replace(tzinfo=tz).astimezone(dt.UTC) if tz else local.astimezone().astimezone(dt.UTC)


def accept(session: Session, week: WeekPlan, *, tz: dt.tzinfo | None = None) -> list[str]:
    """Write the plan's visits into the agenda (activities of kind visit, due at their planned time, owned
    by the rep: they sync like any other), each with its stop's number on its day's route (``plan_stop``:
    the call sheet follows the route).  On a day that gets new visits, the visits of a plan accepted before
    that are stops of this route (appointments to the planner) take their new number, and the rep's other
    open planned visits of that day lose theirs (they are no longer on the day's route).  The ids made."""
    first = week.request.first_day
    rows = []
    numbers: dict[str, int | None] = {}
    for day in week.plan.days:
        if not day.visits:
            continue  # nothing new: an earlier plan's route of the day stays as it was
        midnight = dt.datetime.combine(day.day.date, dt.time())
        before = session.execute(
            text(
                "SELECT id FROM activities WHERE owner_id = :rep AND plan_stop IS NOT NULL "
                "AND done_at IS NULL AND deleted_at IS NULL AND due_at >= :lo AND due_at < :hi"
            ),
            {
                "rep": week.request.rep_id,
                "lo": _utc(_as_utc(midnight, tz)),
                "hi": _utc(_as_utc(midnight + dt.timedelta(days=1), tz)),
            },
        ).scalars()
        numbers.update(dict.fromkeys(before, None))
        for number, stop in enumerate(day.stops, start=1):
            if stop.fixed:  # an appointment already in the agenda (a visit of an earlier plan, perhaps)
                if stop.key in numbers:
                    numbers[stop.key] = number
                continue
            rows.append(
                {
                    "kind": "visit",
                    "subject": f"Visit {stop.name}"[:200],
                    "due_at": _as_utc(stop.starts_at(first), tz),
                    "duration_minutes": stop.minutes,
                    "plan_stop": number,
                    "account_id": stop.key,
                    "owner_id": week.request.rep_id,
                }
            )
    for activity_id, renumbered in numbers.items():
        current = session.get(Activity, activity_id)
        if current is not None and current.plan_stop != renumbered:
            services.update(session, "activities", activity_id, {"plan_stop": renumbered})
    return [services.create(session, "activities", row).id for row in rows]


def planned_accounts(plan: Plan) -> Iterable[str]:
    return (s.key for s in plan.visits)
