"""The calendar's events: every activity with a due time (notes aside) of chosen owners between two
instants, done ones too (the calendar greys them), read with one query and one label query per kind of
party, like the agenda (:mod:`sfa_desktop.core.sequences.agenda`).

An event lasts the activity's ``duration_minutes`` when it has one (planned, or as logged once done), else
the usual length of its kind (:data:`DEFAULT_MINUTES`; a visit 45 minutes).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from sfa_desktop.core.sequences.agenda import parse_sql_time, sql_time

#: How long an activity of each kind lasts on the calendar when it says nothing of its duration.
DEFAULT_MINUTES = {"visit": 45, "meeting": 60, "call": 15, "email": 15, "task": 30}
FALLBACK_MINUTES = 30
#: Kinds the calendar leaves out (a note is a record of what was said, not a time in the day).
LEFT_OUT = ("note",)


@dataclass(frozen=True)
class Event:
    activity_id: str
    kind: str
    subject: str
    #: The due time, aware UTC.
    start: dt.datetime
    minutes: int
    done: bool
    outcome: str | None
    #: Who or what it is with: the account, else the lead's company or name ('' when none).
    party: str
    account_id: str | None
    owner_id: str | None
    is_step: bool
    #: The activity's territory (who may move it: ``core.calendar.people.refusal``).
    territory_id: str | None = None

    @property
    def end(self) -> dt.datetime:
        return self.start + dt.timedelta(minutes=self.minutes)


def minutes_of(kind: str, duration: int | None) -> int:
    """How long the calendar shows an activity: its duration when it has a positive one, else its kind's."""
    if duration is not None and duration > 0:
        return int(duration)
    return DEFAULT_MINUTES.get(kind, FALLBACK_MINUTES)


_EVENTS_SQL = """
SELECT a.id, a.kind, a.subject, a.due_at, a.duration_minutes, a.done_at IS NOT NULL, a.outcome,
       a.account_id, a.lead_id, a.owner_id, a.enrollment_id IS NOT NULL, a.territory_id
FROM activities a
WHERE a.deleted_at IS NULL AND a.due_at IS NOT NULL AND a.due_at >= ? AND a.due_at < ?
  AND a.kind NOT IN ({left_out})
"""


def events_between(
    conn: Connection, owner_ids: Sequence[str] | None, start: dt.datetime, end: dt.datetime
) -> list[Event]:
    """The events due in [start, end) of these owners (None: anyone's), by start time then subject."""
    sql = _EVENTS_SQL.format(left_out=", ".join("?" * len(LEFT_OUT)))
    params: list[Any] = [sql_time(start), sql_time(end), *LEFT_OUT]
    if owner_ids is not None:
        if not owner_ids:
            return []
        sql += f" AND a.owner_id IN ({', '.join('?' * len(owner_ids))})"
        params += list(owner_ids)
    rows = conn.exec_driver_sql(sql, tuple(params)).fetchall()
    accounts = _labels(conn, "SELECT id, name FROM accounts WHERE id IN ({})", {r[7] for r in rows if r[7]})
    leads = _labels(
        conn,
        "SELECT id, coalesce(nullif(company, ''), trim(coalesce(first_name, '') || ' ' || last_name)) "
        "FROM leads WHERE id IN ({})",
        {r[8] for r in rows if r[8] and not r[7]},
    )
    events = [
        Event(
            activity_id=r[0],
            kind=r[1],
            subject=r[2] or "",
            start=parse_sql_time(r[3]),
            minutes=minutes_of(r[1], r[4]),
            done=bool(r[5]),
            outcome=r[6],
            party=(accounts.get(r[7]) if r[7] else leads.get(r[8])) or "",
            account_id=r[7],
            owner_id=r[9],
            is_step=bool(r[10]),
            territory_id=r[11],
        )
        for r in rows
    ]
    events.sort(key=lambda e: (e.start, e.subject, e.activity_id))
    return events


def _labels(conn: Connection, sql: str, ids: set[str]) -> dict[str, str]:
    wanted = list(ids)
    result: dict[str, str] = {}
    for first in range(0, len(wanted), 900):
        chunk = wanted[first : first + 900]
        result.update(conn.exec_driver_sql(sql.format(", ".join("?" * len(chunk))), tuple(chunk)).fetchall())
    return result
