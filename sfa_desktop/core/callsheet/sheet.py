"""What a call sheet says: for each rep and day, the planned calls, visits and meetings with everything a
rep wants on paper before leaving (the PDF is made by :mod:`sfa_desktop.printing.callsheet`).

The calls are the rep's activities of kind call, visit or meeting due in the date range (the laptop's
local days) and not done yet; a sheet that starts today also carries what is overdue (due in the
:data:`OVERDUE_DAYS` before today and still open), on its first day.  A day's calls are numbered and
printed in time order.  Visits and meetings at accounts with coordinates also form the day's route from
the rep's home base and back to it (:mod:`sfa_desktop.core.callsheet.route`): the route of the accepted
week plan when the day has visits from one (the planner schedules its stops along its route, so the plan's
order is their time order, appointments in their place; a visit moved in the calendar since moves with
it), else nearest first.  Each visit carries its checklist (the template of its visit report when it has
one, else the one of the account's segment: ``core.visits.templates``) to fill in by hand.  For each
call: the account (or the lead's company) and contact, why the call is made (the sequence step and its
script with its placeholders filled, the open opportunities), the last three activities, the last order and
top products, and talking points from the articles linked to the step.  Everything is read with a few
set-based queries (:mod:`sfa_desktop.core.callsheet.data`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from sfa_desktop.core.callsheet import data
from sfa_desktop.core.callsheet.route import distance_km, in_order, nearest_neighbour
from sfa_desktop.core.errors import UserError
from sfa_desktop.core.sequences import scripts
from sfa_desktop.core.visits import templates

PLANNED_KINDS = ("call", "visit", "meeting")
#: How far back a sheet that starts today looks for open calls, visits and meetings that are overdue.
OVERDUE_DAYS = 30
ON_SITE = ("visit", "meeting")
#: What can be ticked after a call that carries out no sequence step, by kind (a step's outcomes are
#: those its template names, and "Other").
DEFAULT_OUTCOMES = {
    "call": ("Reached", "No answer", "Left message", "Interested", "Not interested", "Meeting booked"),
    "visit": ("Completed", "Interested", "Not interested", "Order placed", "Follow-up needed", "Cancelled"),
    "meeting": ("Completed", "Interested", "Not interested", "Order placed", "Follow-up needed", "Cancelled"),
}


class NothingPlanned(UserError, LookupError):
    """No call, visit or meeting is planned for these reps in these days; the message is for a person."""


@dataclass
class Call:
    info: data.CallInfo
    #: Position on the day's route (1, 2, ...) and distance from the previous stop; None off the route.
    stop: int | None = None
    leg_km: float | None = None
    #: Due before the sheet's first day and not done yet (only on a sheet that starts today).
    overdue: bool = False
    #: A visit's checklist to fill in by hand (None: not a visit, or the sheet is made without them).
    checklist: templates.Template | None = None

    @property
    def outcomes(self) -> tuple[str, ...]:
        step = self.info.step
        if step is not None and step.outcomes:
            return (*step.outcomes, "Other")
        return DEFAULT_OUTCOMES.get(self.info.kind, DEFAULT_OUTCOMES["call"])


@dataclass
class Day:
    date: dt.date
    route: list[Call] = field(default_factory=list)
    #: Visits and meetings at places without coordinates: not on the route.
    unrouted: list[Call] = field(default_factory=list)
    phone: list[Call] = field(default_factory=list)
    #: From the route's last stop back to the home base (None without a home base or a route).
    home_km: float | None = None
    #: The route is the accepted week plan's (else nearest first).
    planned: bool = False

    @property
    def calls(self) -> list[Call]:
        """Every call of the day, in the order of the sheet: by time (overdue ones first)."""
        return sorted(
            [*self.route, *self.unrouted, *self.phone],
            key=lambda c: (c.info.due_at, c.info.party.name, c.info.activity_id),
        )

    @property
    def route_km(self) -> float:
        """From the home base (or the first stop) to the last stop."""
        return sum(c.leg_km or 0.0 for c in self.route)

    @property
    def drive_km(self) -> float:
        """The whole day's driving: the route and the leg back home."""
        return self.route_km + (self.home_km or 0.0)


@dataclass
class RepSheet:
    rep: data.Rep
    days: list[Day]

    @property
    def calls(self) -> list[Call]:
        return [call for day in self.days for call in day.calls]


@dataclass
class CallSheet:
    start: dt.date
    end: dt.date
    reps: list[RepSheet]
    #: Reps asked for who have nothing planned in the range.
    idle: list[data.Rep]
    prepared_at: dt.datetime
    #: The time zone of the days and of the times shown.
    zone: dt.tzinfo

    @property
    def calls(self) -> list[Call]:
        return [call for sheet in self.reps for call in sheet.calls]


def day_bounds(start: dt.date, end: dt.date, tz: dt.tzinfo) -> tuple[dt.datetime, dt.datetime]:
    """The UTC instants that begin ``start`` and end ``end`` in this time zone."""
    first = dt.datetime.combine(start, dt.time(0, 0), tz)
    after = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(0, 0), tz)
    return first.astimezone(dt.UTC), after.astimezone(dt.UTC)


def local_zone() -> dt.tzinfo:
    zone = dt.datetime.now().astimezone().tzinfo
    return zone if zone is not None else ZoneInfo("UTC")


def describe(reps: Sequence[data.Rep], start: dt.date, end: dt.date) -> str:
    """'Daniel Okafor on Tuesday 24 November 2026' or '... from 24 to 28 November 2026'."""
    names = ", ".join(r.name for r in reps) or "nobody"
    return f"{names} {date_range_text(start, end, with_on=True)}"


def date_range_text(start: dt.date, end: dt.date, *, with_on: bool = False) -> str:
    """'Tuesday 24 November 2026', '24\u201328 November 2026', '30 November \u2013 2 December 2026';
    with ``with_on``: 'on Tuesday 24 November 2026', 'from 24 to 28 November 2026'..."""
    dash = "\u2013"
    if start == end:
        return ("on " if with_on else "") + f"{start:%A} {start.day} {start:%B %Y}"
    if (start.year, start.month) == (end.year, end.month):
        first = f"{start.day}"
    elif start.year == end.year:
        first = f"{start.day} {start:%B}"
    else:
        first = f"{start.day} {start:%B %Y}"
    last = f"{end.day} {end:%B %Y}"
    if with_on:
        return f"from {first} to {last}"
    return f"{first}{dash}{last}" if first.isdigit() else f"{first} {dash} {last}"


def build(
    session: Session,
    rep_ids: Sequence[str],
    start: dt.date,
    end: dt.date | None = None,
    *,
    tz: dt.tzinfo | None = None,
    now: dt.datetime | None = None,
    checklists: bool = True,
) -> CallSheet:
    """The call sheet of these reps (in the order given) from ``start`` to ``end`` (inclusive).

    ``checklists``: give each visit its checklist.  Raises NothingPlanned when none of them has anything
    planned, ValueError for a range that ends before it starts, and LookupError for a rep id that does not
    exist."""
    last = end or start
    if last < start:
        raise ValueError(f"The range ends ({last}) before it starts ({start}); give the earlier date first.")
    zone = tz or local_zone()
    moment = now or dt.datetime.now(dt.UTC)
    reps = data.reps(session, rep_ids)
    after, before = day_bounds(start, last, zone)
    # a sheet for today carries what is overdue: the rep sees it on paper, not only on the Today page
    since = after - dt.timedelta(days=OVERDUE_DAYS) if start == moment.astimezone(zone).date() else after
    infos = data.calls(session, [r.id for r in reps], since, before, PLANNED_KINDS)
    late = {info.activity_id for info in infos if info.due_at < after}
    sheets: list[RepSheet] = []
    idle: list[data.Rep] = []
    for rep in reps:
        mine = [info for info in infos if info.owner_id == rep.id]
        for info in mine:
            fill_script(info, rep.name)
        if not mine:
            idle.append(rep)
            continue
        by_day: dict[dt.date, list[data.CallInfo]] = {}
        for info in mine:
            by_day.setdefault(max(info.due_at.astimezone(zone).date(), start), []).append(info)
        days = [plan_day(day, by_day[day], rep.home) for day in sorted(by_day)]
        for call in (c for day in days for c in day.calls):
            call.overdue = call.info.activity_id in late
        if checklists:
            add_checklists(session, [c for day in days for c in day.calls])
        sheets.append(RepSheet(rep, days))
    if not sheets:
        raise NothingPlanned(
            f"Nothing is planned for {describe(reps, start, last)}: no calls, visits or meetings due that "
            "are not done yet. No call sheet was made."
        )
    return CallSheet(start, last, sheets, idle, moment, zone)


def fill_script(info: data.CallInfo, caller: str) -> None:
    """Fill the placeholders of the call's script from its contact or lead, its account and the rep."""
    if info.step is None or "{" not in info.step.script:
        return
    person = info.person
    party = scripts.Party(
        person.first_name if person else "",
        person.last_name if person else "",
        (person.title or "") if person else "",
        info.party.name if info.party.name != "(no account)" else "",
        caller,
    )
    info.step = replace(info.step, script=scripts.fill(info.step.script, party))


def plan_day(day: dt.date, infos: Sequence[data.CallInfo], home: tuple[float, float] | None) -> Day:
    """One day's calls: the route from ``home`` (the accepted week plan's, else nearest neighbour) over the
    visits and meetings with coordinates (and the leg back home), the other visits and meetings, and the
    phone calls (by time)."""
    ordered = sorted(infos, key=lambda i: (i.due_at, i.party.name, i.activity_id))
    on_site = [i for i in ordered if i.kind in ON_SITE]
    located = [(i, i.party.position) for i in on_site if i.party.position is not None]
    plan = Day(day)
    plan.planned = any(i.plan_stop is not None for i, _ in located)
    # the planned route: its stops' times follow it (the stop's number breaks a tie; what is not on it,
    # an appointment or a visit moved here from another day, takes its place by time)
    route = (
        in_order(home, sorted(located, key=lambda p: (p[0].due_at, p[0].plan_stop or 0)))
        if plan.planned
        else nearest_neighbour(home, located)
    )
    for number, stop in enumerate(route, start=1):
        plan.route.append(Call(stop.item, number, stop.leg_km))
    if home is not None and plan.route:
        plan.home_km = distance_km(plan.route[-1].info.party.position or home, home)
    plan.unrouted = [Call(i) for i in on_site if i.party.position is None]
    plan.phone = [Call(i) for i in ordered if i.kind not in ON_SITE]
    return plan


def add_checklists(session: Session, calls: Sequence[Call]) -> None:
    """Give each visit its checklist: its visit report's template when it has a report, else the template
    of its account's segment (one query per kind of thing, whatever the number of visits)."""
    visits = [c for c in calls if c.info.kind == "visit"]
    if not visits:
        return
    chosen = data.visit_templates(session, [c.info.activity_id for c in visits])
    segments = data.segments(session, [c.info.account_id for c in visits if c.info.account_id])
    by_segment: dict[str | None, templates.Template] = {}
    by_id: dict[str, templates.Template] = {}
    for call in visits:
        template_id = chosen.get(call.info.activity_id)
        if template_id is not None:
            if template_id not in by_id:
                by_id[template_id] = templates.template_by_id(session, template_id)
            call.checklist = by_id[template_id]
            continue
        segment = segments.get(call.info.account_id or "")
        if segment not in by_segment:
            by_segment[segment] = templates.for_segment(session, segment)
        call.checklist = by_segment[segment]
