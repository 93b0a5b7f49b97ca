"""The calendar (the Calendar page, ``sfa agenda week`` and ``sfa agenda move``): the events of a day or a
week of chosen owners, and rescheduling one.

A move is an edit of the activity's due time through the record services (so the permission rules of
``core.access`` apply and the outbox carries it to the central store at the next sync), logged in the undo
history (Edit > Undo, ``sfa undo``).  A sequence step's enrollment follows its activity in the same
transaction (the activity is the truth, as ``core.sequences.upkeep.reconcile`` says), so the undo puts
both back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from sfa_desktop.core import access
from sfa_desktop.core.calendar import layout
from sfa_desktop.core.calendar import people as calendar_people
from sfa_desktop.core.calendar.events import Event, events_between
from sfa_desktop.core.errors import UserError
from sfa_desktop.core.planning import week as planning_week
from sfa_desktop.core.planning.settings import PlanSettings
from sfa_desktop.core.records import services
from sfa_desktop.core.records.models import Activity, SequenceEnrollment
from sfa_desktop.ops import undo as undo_ops
from sfa_desktop.store.database import LocalStore


class CannotMove(UserError):
    """An activity that cannot be rescheduled; the message says why and what to do."""


@dataclass(frozen=True)
class CalendarLoad:
    days: list[dt.date]
    events: list[Event]
    tz: dt.tzinfo
    #: activity id -> why this user may not move it (done, or not theirs to write).
    locked: dict[str, str] = field(default_factory=dict)
    #: The working week the grid shades (the planner's settings, read with the events).
    hours: PlanSettings = field(default_factory=PlanSettings)


def load_days(
    store: LocalStore, owners: Sequence[str] | None, first: dt.date, count: int, tz: dt.tzinfo | None = None
) -> CalendarLoad:
    """The events of ``count`` local days from ``first`` (done ones too) of these owners (None: anyone's),
    which of them this laptop's user may not move, and the planner's working week."""
    zone = tz or layout.local_zone()
    days = layout.days_from(first, count)
    start, end = layout.bounds(days, zone)
    with store.reading() as session:
        events = events_between(session.connection(), owners, start, end)
        locked = calendar_people.refusals(access.this_user(session), events)
        try:
            hours = planning_week.load_settings(session)
        except ValueError:  # a day that ends before it starts, set behind the settings' back: the defaults
            hours = PlanSettings()
    return CalendarLoad(days, events, zone, locked, hours)


@dataclass(frozen=True)
class People:
    """Whose calendar the user may show (this laptop's user first); empty when never connected."""

    me: str | None
    people: list[calendar_people.Person]


def people(store: LocalStore) -> People:
    with store.engine.connect() as conn:
        who = access.this_user(conn)
        return People(who.user_id if who is not None else None, calendar_people.people_for(conn, who))


def owners_of(store: LocalStore, logins: Sequence[str]) -> list[str] | None:
    """The user ids of these logins (``--rep``); ``all``: everyone the user may show (None on a laptop never
    connected: everything it holds).  UserError for a login that is not someone the user may show."""
    offered = people(store)
    if offered.me is None:  # one person's data: any user it knows of
        with store.engine.connect() as conn:
            choices = [calendar_people.Person(p.user_id, p.full_name, p.login) for p in access.people(conn)]
    else:
        choices = offered.people
    if any(login == "all" for login in logins):
        return None if offered.me is None else [p.user_id for p in choices]
    by_login = {p.login: p.user_id for p in choices}
    chosen = []
    for login in logins:
        if login not in by_login:
            names = ", ".join(sorted(by_login)) or "nobody here"
            raise UserError(
                f"'{login}' is not someone whose calendar you may show; choose among: {names} (or all)."
            )
        chosen.append(by_login[login])
    return chosen


@dataclass(frozen=True)
class Moved:
    activity_id: str
    subject: str
    before: dt.datetime
    after: dt.datetime

    def message(self, tz: dt.tzinfo | None = None) -> str:
        zone = tz or layout.local_zone()
        return (
            f"Moved “{self.subject}” from {layout.describe_move(self.before, zone)} to "
            f"{layout.describe_move(self.after, zone)}."
        )


def move_activity(
    store: LocalStore, activity_id: str, start: dt.datetime, tz: dt.tzinfo | None = None
) -> Moved:
    """Give the activity a new due time (aware); CannotMove for a done or deleted one.  Undoable.

    A visit of an accepted week plan moved to another day (local days, of ``tz`` or this laptop's zone)
    leaves that day's planned route: it loses its stop's number (``plan_stop``), and the call sheet puts
    it on the new day's route by time.  Moved within its day, it keeps it (the route follows the times)."""
    if start.tzinfo is None:
        raise ValueError("naive datetime given where an aware time is required")
    start = start.astimezone(dt.UTC).replace(second=0, microsecond=0)
    with store.transaction() as session:
        activity = session.get(Activity, activity_id)
        if activity is None or activity.deleted_at is not None:
            raise CannotMove(
                "That activity is no longer there (deleted here or by a sync); refresh the calendar."
            )
        if activity.done_at is not None:
            raise CannotMove(
                f"“{activity.subject}” is done: it stays at the time it happened. Log a new activity to plan "
                "another one."
            )
        before = activity.due_at
        if before is None:
            raise CannotMove(f"“{activity.subject}” has no due time, so it is not on the calendar.")
        if before == start:
            return Moved(activity.id, activity.subject, before, start)
        since = undo_ops.begin(session)
        changes: dict[str, object] = {"due_at": start}
        zone = tz or layout.local_zone()
        if activity.plan_stop is not None and before.astimezone(zone).date() != start.astimezone(zone).date():
            changes["plan_stop"] = None
        services.update(session, "activities", activity.id, changes)
        enrollment = (
            session.get(SequenceEnrollment, activity.enrollment_id) if activity.enrollment_id else None
        )
        if enrollment is not None and enrollment.activity_id == activity.id and enrollment.due_at != start:
            services.update(session, "sequence_enrollments", enrollment.id, {"due_at": start})
        undo_ops.note(
            session, since, "edit", f"reschedule of {activity.subject}", ("activities", activity.id)
        )
        return Moved(activity.id, activity.subject, before, start)
