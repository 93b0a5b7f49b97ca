"""Reminders of due activities: when to remind, what to remind of, and snoozing (no Qt here).

A reminder fires at an activity's due time, or at the end of its snooze.  It fires once: the time it fired
is kept (``reminders.notified_at``, local to this laptop), and snoozing sets a new time to fire.  When the
app was not running at that time, a reminder missed by less than ``GRACE`` still fires when it starts;
older ones are on the Today page as overdue, not in a burst of notifications.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from sfa_desktop.core.records.models import Reminder

GRACE = dt.timedelta(hours=12)
#: Snooze choices a person is offered: label -> key.
SNOOZES = {"15 minutes": "15m", "1 hour": "1h", "Tomorrow morning": "tomorrow"}
TOMORROW_AT = dt.time(9, 0)


@dataclass(frozen=True)
class State:
    snoozed_until: dt.datetime | None = None
    notified_at: dt.datetime | None = None


def fire_time(due_at: dt.datetime, state: State | None) -> dt.datetime:
    """When the reminder of an activity due at ``due_at`` goes off."""
    if state is not None and state.snoozed_until is not None:
        return state.snoozed_until
    return due_at


def _fired(when: dt.datetime, state: State | None) -> bool:
    return state is not None and state.notified_at is not None and state.notified_at >= when


def due_now(
    items: Iterable[tuple[str, dt.datetime]], states: Mapping[str, State], now: dt.datetime
) -> list[str]:
    """Ids of the activities to remind of now, by fire time: their time has come (within GRACE) and they
    were not reminded of since."""
    chosen = []
    for activity_id, due_at in items:
        state = states.get(activity_id)
        when = fire_time(due_at, state)
        if now - GRACE < when <= now and not _fired(when, state):
            chosen.append((when, activity_id))
    return [activity_id for _when, activity_id in sorted(chosen)]


def next_fire(
    items: Iterable[tuple[str, dt.datetime]], states: Mapping[str, State], now: dt.datetime
) -> dt.datetime | None:
    """The next time a reminder is to go off after ``now`` (None: nothing coming)."""
    times = [fire_time(due, states.get(aid)) for aid, due in items]
    later = [t for t in times if t > now]
    return min(later) if later else None


def snooze_until(choice: str, now: dt.datetime, tz: dt.tzinfo | None = None) -> dt.datetime:
    """The end of a snooze: ``15m``, ``1h`` or ``tomorrow`` (9:00 the next day, local time)."""
    if choice == "15m":
        return now + dt.timedelta(minutes=15)
    if choice == "1h":
        return now + dt.timedelta(hours=1)
    if choice == "tomorrow":
        local = now.astimezone(tz) if tz is not None else now.astimezone()
        morning = dt.datetime.combine(local.date() + dt.timedelta(days=1), TOMORROW_AT)
        return (morning.replace(tzinfo=tz) if tz is not None else morning.astimezone()).astimezone(dt.UTC)
    raise ValueError(f"unknown snooze {choice!r}; use one of: {', '.join(SNOOZES.values())}")


# -- kept locally ----------------------------------------------------------------------------------------


def load(session: Session, activity_ids: Sequence[str]) -> dict[str, State]:
    result: dict[str, State] = {}
    for start in range(0, len(activity_ids), 900):
        chunk = list(activity_ids[start : start + 900])
        for row in session.execute(select(Reminder).where(Reminder.activity_id.in_(chunk))).scalars():
            result[row.activity_id] = State(row.snoozed_until, row.notified_at)
    return result


def _row(session: Session, activity_id: str) -> Reminder:
    row = session.get(Reminder, activity_id)
    if row is None:
        row = Reminder(activity_id=activity_id)
        session.add(row)
    return row


def mark_notified(session: Session, activity_ids: Iterable[str], now: dt.datetime) -> None:
    for activity_id in activity_ids:
        _row(session, activity_id).notified_at = now


def snooze(session: Session, activity_ids: Iterable[str], until: dt.datetime) -> None:
    for activity_id in activity_ids:
        _row(session, activity_id).snoozed_until = until
