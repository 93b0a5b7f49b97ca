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
from dataclasses import dataclass

from sfa_desktop.core.calendar import layout
from sfa_desktop.core.calendar.events import Event, events_between
from sfa_desktop.core.errors import UserError
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


def load_days(
    store: LocalStore, owners: Sequence[str] | None, first: dt.date, count: int, tz: dt.tzinfo | None = None
) -> CalendarLoad:
    """The events of ``count`` local days from ``first`` (done ones too) of these owners (None: anyone's)."""
    zone = tz or layout.local_zone()
    days = layout.days_from(first, count)
    start, end = layout.bounds(days, zone)
    with store.engine.connect() as conn:
        events = events_between(conn, owners, start, end)
    return CalendarLoad(days, events, zone)


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
