"""The day's agenda: open activities with a due time (sequence steps and tasks) of chosen owners, overdue,
due today and upcoming, grouped by account.

:func:`agenda_items` is one SQL query returning just what ordering and grouping need (cheap for thousands
of rows); :func:`layout` turns it into the rows a list shows (bucket headings, account headings, items);
:func:`details` reads everything shown about a few items, by id, when they come on screen.  A step of a
paused or ended sequence is not on the agenda; neither are notes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import Connection, text

from sfa_desktop.core import access
from sfa_desktop.core.records.fields import ACTIVITY_OUTCOMES
from sfa_desktop.core.sequences import scripts
from sfa_desktop.core.sequences import templates as sequences

BUCKETS = ("overdue", "today", "upcoming")
BUCKET_TITLES = {"overdue": "Overdue", "today": "Today", "upcoming": "Upcoming"}
_NO_GROUP = "No account"


def sql_time(moment: dt.datetime) -> str:
    """A time as the local store keeps it (naive UTC text), for comparisons in SQL."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def parse_sql_time(value: Any) -> dt.datetime:
    moment = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


@dataclass(frozen=True)
class Window:
    """Where today starts and ends (local midnight, in UTC), and how far ahead the agenda looks."""

    today_start: dt.datetime
    today_end: dt.datetime
    until: dt.datetime

    @classmethod
    def around(cls, now: dt.datetime, days: int = 7, tz: dt.tzinfo | None = None) -> Window:
        local = now.astimezone(tz) if tz is not None else now.astimezone()
        midnight = dt.datetime.combine(local.date(), dt.time(0))

        def utc(moment: dt.datetime) -> dt.datetime:
            return (
                moment.replace(tzinfo=tz).astimezone(dt.UTC) if tz is not None else moment.astimezone(dt.UTC)
            )

        start = utc(midnight)
        return cls(start, utc(midnight + dt.timedelta(days=1)), utc(midnight + dt.timedelta(days=1 + days)))

    def bucket(self, due: dt.datetime) -> str:
        if due < self.today_start:
            return "overdue"
        return "today" if due < self.today_end else "upcoming"


class AgendaItem(NamedTuple):
    """One open activity on the agenda (a tuple: thousands are made per refresh)."""

    activity_id: str
    #: The due time as the store keeps it (naive UTC text, which sorts like the time).
    due: str
    bucket: str
    group_key: str
    group_label: str
    is_step: bool

    @property
    def due_at(self) -> dt.datetime:
        return parse_sql_time(self.due)


_ITEMS_SQL = """
SELECT a.id, a.due_at, a.enrollment_id IS NOT NULL, a.account_id, a.lead_id
FROM activities a
WHERE a.deleted_at IS NULL AND a.done_at IS NULL AND a.due_at IS NOT NULL AND a.due_at < ?
  AND a.kind <> 'note'
  AND (a.enrollment_id IS NULL
       OR a.enrollment_id NOT IN (SELECT id FROM sequence_enrollments WHERE status <> 'active'))
"""


def agenda_items(
    conn: Connection,
    owner_ids: Sequence[str] | None,
    *,
    now: dt.datetime,
    days: int = 7,
    tz: dt.tzinfo | None = None,
) -> list[AgendaItem]:
    """Open activities due before the end of the ``days`` after today, of these owners (None: anyone's).

    Plain DB-API rows and one label query per kind of group (not a join per row): thousands of items
    cost a few tens of milliseconds."""
    window = Window.around(now, days, tz)
    sql = _ITEMS_SQL
    params: list[Any] = [sql_time(window.until)]
    if owner_ids is not None:
        if not owner_ids:
            return []
        sql += f" AND a.owner_id IN ({', '.join('?' * len(owner_ids))})"
        params += list(owner_ids)
    rows = conn.exec_driver_sql(sql, tuple(params)).fetchall()
    accounts = _labels(conn, "SELECT id, name FROM accounts WHERE id IN ({})", {r[3] for r in rows if r[3]})
    leads = _labels(
        conn,
        "SELECT id, coalesce(nullif(company, ''), trim(coalesce(first_name, '') || ' ' || last_name)) "
        "FROM leads WHERE id IN ({})",
        {r[4] for r in rows if r[4] and not r[3]},
    )
    start, end = sql_time(window.today_start), sql_time(window.today_end)
    return [
        AgendaItem(
            activity_id,
            due,
            "overdue" if due < start else "today" if due < end else "upcoming",
            account_id or (f"lead:{lead_id}" if lead_id else ""),
            (accounts.get(account_id) if account_id else leads.get(lead_id)) or _NO_GROUP,
            bool(is_step),
        )
        for activity_id, due, is_step, account_id, lead_id in rows
    ]


def _labels(conn: Connection, sql: str, ids: set[str]) -> dict[str, str]:
    wanted = list(ids)
    result: dict[str, str] = {}
    for start in range(0, len(wanted), 900):
        chunk = wanted[start : start + 900]
        result.update(conn.exec_driver_sql(sql.format(", ".join("?" * len(chunk))), tuple(chunk)).fetchall())
    return result


class Row(NamedTuple):
    """One line of the agenda list: a bucket heading, an account heading or an item."""

    kind: str  # bucket | group | item
    bucket: str
    label: str = ""
    activity_id: str = ""
    size: int = 0  # how many items a heading covers
    #: On an account heading of Overdue or Upcoming: the local day of its items ('Fri 11 Dec').
    day: str = ""


def layout(items: Iterable[AgendaItem], tz: dt.tzinfo | None = None) -> list[Row]:
    """Buckets in order (overdue, today, upcoming); in each, the items in time order (then by account),
    under an account heading wherever the account changes from the item before; in Overdue and Upcoming
    also wherever the day changes (in the time zone ``tz``, the laptop's when None), so an account's
    Friday item never sits among its Monday's."""
    by_bucket: dict[str, list[AgendaItem]] = {b: [] for b in BUCKETS}
    for item in items:
        by_bucket[item.bucket].append(item)
    rows: list[Row] = []
    for bucket in BUCKETS:
        members = by_bucket[bucket]
        if not members:
            continue
        members.sort(key=lambda i: (i.due, i.group_label.lower(), i.group_key, i.activity_id))
        rows.append(Row("bucket", bucket, BUCKET_TITLES[bucket], size=len(members)))
        dated = bucket != "today"
        day_of: dict[str, str] = {}
        heading = -1
        previous: tuple[str, str] | None = None
        for item in members:
            day = ""
            if dated:
                date_text = item.due[:16]  # one conversion per minute of due times, not per item
                day = day_of.get(date_text) or day_of.setdefault(date_text, _day_label(item.due_at, tz))
            key = (item.group_key, day)
            if key != previous:
                heading = len(rows)
                rows.append(Row("group", bucket, item.group_label, size=0, day=day))
                previous = key
            rows[heading] = rows[heading]._replace(size=rows[heading].size + 1)
            rows.append(Row("item", bucket, activity_id=item.activity_id))
    return rows


def _day_label(moment: dt.datetime, tz: dt.tzinfo | None) -> str:
    local = moment.astimezone(tz) if tz is not None else moment.astimezone()
    return f"{local:%a} {local.day} {local:%b}"


def counts(items: Iterable[AgendaItem]) -> dict[str, int]:
    result = dict.fromkeys(BUCKETS, 0)
    for item in items:
        result[item.bucket] += 1
    return result


# -- details ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Detail:
    activity_id: str
    kind: str
    subject: str
    due_at: dt.datetime
    notes: str
    account_id: str | None
    account: str
    contact_id: str | None
    lead_id: str | None
    opportunity_id: str | None
    opportunity: str
    person: str
    person_title: str
    phone: str
    email: str
    location: str
    owner: str
    enrollment_id: str | None
    sequence: str
    step_key: str | None
    step_position: int
    step_count: int
    attempt: int
    instructions: str
    article_ids: tuple[str, ...]
    outcomes: tuple[str, ...]
    #: What each outcome leads to, in words (parallel to ``outcomes``; empty for a task).
    outcome_hints: tuple[str, ...] = ()

    @property
    def is_step(self) -> bool:
        return self.enrollment_id is not None

    @property
    def progress(self) -> str:
        """'Step 2 of 5' (', try 2' on a repeat); '' for a task."""
        if not self.is_step or not self.step_count:
            return ""
        tried = f", try {self.attempt + 1}" if self.attempt else ""
        return f"Step {self.step_position} of {self.step_count}{tried}"


_PERSON = "trim(coalesce({0}.first_name, '') || ' ' || {0}.last_name)"
_ADDRESS = "{0}.street, {0}.city, {0}.region, {0}.postcode, {0}.country"
_DETAILS_SQL = f"""
SELECT a.id, a.kind, a.subject, a.due_at, a.notes, a.account_id, acc.name, a.contact_id, a.lead_id,
       a.opportunity_id, o.name,
       coalesce({_PERSON.format("c")}, {_PERSON.format("l")}), coalesce(c.title, l.title),
       coalesce(c.phone, c.mobile, l.phone, acc.phone), coalesce(c.email, l.email),
       {_ADDRESS.format("acc")}, {_ADDRESS.format("l")}, u.full_name,
       a.enrollment_id, t.id, t.name, t.steps, t.updated_at, a.step_key, e.attempt, e.status,
       coalesce(c.first_name, l.first_name), coalesce(c.last_name, l.last_name), l.company
FROM activities a
LEFT JOIN accounts acc ON acc.id = a.account_id
LEFT JOIN contacts c ON c.id = a.contact_id
LEFT JOIN leads l ON l.id = a.lead_id
LEFT JOIN opportunities o ON o.id = a.opportunity_id
LEFT JOIN users u ON u.id = a.owner_id
LEFT JOIN sequence_enrollments e ON e.id = a.enrollment_id
LEFT JOIN sequence_templates t ON t.id = e.template_id
WHERE a.id IN ({{marks}})
"""
_STEPS_CACHE: dict[tuple[str, str], list[sequences.Step]] = {}
#: Outcomes offered for a task that is not a sequence step.
TASK_OUTCOMES = tuple(o for o in ACTIVITY_OUTCOMES if o != "cancelled")


def template_steps_cached(template_id: str, stamp: Any, raw: str) -> list[sequences.Step]:
    """Parsed steps of a template version (a bad template reads as no steps: it cannot stop the agenda)."""
    key = (template_id, str(stamp))
    steps = _STEPS_CACHE.get(key)
    if steps is None:
        try:
            steps = sequences.parse_steps(raw)
        except sequences.TemplateError:
            steps = []
        if len(_STEPS_CACHE) > 200:
            _STEPS_CACHE.clear()
        _STEPS_CACHE[key] = steps
    return steps


def address(parts: Sequence[Any]) -> str:
    """'12 Main St, Boston, MA 02110, US' from street, city, region, postcode, country."""
    street, city, region, postcode, country = (str(p).strip() if p else "" for p in parts)
    region_code = " ".join(p for p in (region, postcode) if p)
    return ", ".join(p for p in (street, city, region_code, country) if p)


def details(conn: Connection, activity_ids: Sequence[str]) -> dict[str, Detail]:
    """Everything shown about these activities, by id (ids no longer there are left out)."""
    result: dict[str, Detail] = {}
    for start in range(0, len(activity_ids), 500):
        chunk = activity_ids[start : start + 500]
        marks = ", ".join(f":a{i}" for i in range(len(chunk)))
        rows = conn.execute(text(_DETAILS_SQL.format(marks=marks)), {f"a{i}": v for i, v in enumerate(chunk)})
        for r in rows:
            result[r[0]] = _detail(r)
    return result


def _detail(r: Any) -> Detail:
    steps = template_steps_cached(r[27], r[30], r[29]) if r[27] else []
    step = next((s for s in steps if s.key == r[31]), None)
    location = address(r[15:20]) if r[5] else address(r[20:25])
    return Detail(
        activity_id=r[0],
        kind=r[1],
        subject=r[2],
        due_at=parse_sql_time(r[3]),
        notes=r[4] or "",
        account_id=r[5],
        account=r[6] or "",
        contact_id=r[7],
        lead_id=r[8],
        opportunity_id=r[9],
        opportunity=r[10] or "",
        person=r[11] or "",
        person_title=r[12] or "",
        phone=r[13] or "",
        email=r[14] or "",
        location=location,
        owner=r[25] or "",
        enrollment_id=r[26],
        sequence=r[28] or "",
        step_key=r[31],
        step_position=sequences.step_number(steps, r[31]),
        step_count=len(steps),
        attempt=int(r[32] or 0),
        instructions=scripts.fill(
            step.instructions,
            scripts.Party(r[34] or "", r[35] or "", r[12] or "", r[6] or r[36] or "", r[25] or ""),
        )
        if step
        else "",
        article_ids=step.article_ids if step else (),
        outcomes=tuple(step.outcomes) if step else TASK_OUTCOMES,
        outcome_hints=tuple(sequences.describe(r, steps) for r in step.outcomes.values()) if step else (),
    )


def reps_to_choose(conn: Connection, user_id: str | None) -> list[tuple[str, str]]:
    """(id, full name) of the people whose agenda this user may show: themselves, and for a manager the
    people under them (all the way down), for an admin every active user."""
    if user_id is None:
        return []
    everyone = [p for p in access.people(conn) if p.active]
    me = next((p for p in everyone if p.user_id == user_id), None)
    if me is None:
        return []
    who = access.Identity(me.user_id, me.login, me.role, frozenset())
    manager_of = access.managers(everyone)
    others = sorted(
        (p.full_name, p.user_id)
        for p in everyone
        if p.user_id != user_id and access.may_see_agenda(who, p.user_id, manager_of)
    )
    return [(user_id, me.full_name)] + [(u, name) for name, u in others]
