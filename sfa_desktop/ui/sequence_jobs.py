"""Database jobs of the guided-selling screens (Today, Log outcome, the Sequence tab, the template editor,
enrolling, reminders): plain functions run on the task runner, one session each, no Qt."""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, text

from sfa_desktop.core import access
from sfa_desktop.core.records.models import SequenceTemplate, utcnow
from sfa_desktop.core.sequences import agenda, enrollments, reminders
from sfa_desktop.core.sequences import templates as sequences
from sfa_desktop.core.sequences import upkeep as enrollment_upkeep
from sfa_desktop.store.database import LocalStore


@dataclass(frozen=True)
class Me:
    """The laptop's user (None when not connected to a central store) and what they may do."""

    user_id: str | None
    name: str
    role: str
    reps: list[tuple[str, str]] = field(default_factory=list)

    @property
    def edits_templates(self) -> bool:
        who = None if self.user_id is None else access.Identity(self.user_id, "", self.role, frozenset())
        return access.may_manage_sequences(who)


def who_am_i(store: LocalStore) -> Me:
    with store.engine.connect() as conn:
        user_id, _login = access.signed_in(conn)
        who = access.identify(conn, user_id=user_id) if user_id else None
        if who is None:
            return Me(None, "", "rep")
        return Me(who.user_id, who.full_name, who.role, agenda.reps_to_choose(conn, who.user_id))


@dataclass(frozen=True)
class AgendaLoad:
    rows: list[agenda.Row]
    counts: dict[str, int]
    items: int


def load_agenda(
    store: LocalStore,
    owners: Sequence[str] | None,
    days: int = 7,
    now: dt.datetime | None = None,
    *,
    mend: bool = True,
) -> AgendaLoad:
    """The agenda's rows; with ``mend``, first end the enrollments of records deleted (here or by a sync)
    and make enrollments agree with their steps after a sync merged two laptops' work."""
    now = now or utcnow()
    if mend:
        with store.transaction() as session:
            enrollment_upkeep.exit_orphans(session, owners, now=now)
            enrollment_upkeep.reconcile(session, now=now)
    with store.engine.connect() as conn:
        items = agenda.agenda_items(conn, owners, now=now, days=days)
    return AgendaLoad(agenda.layout(items), agenda.counts(items), len(items))


def load_details(store: LocalStore, activity_ids: Sequence[str]) -> dict[str, agenda.Detail]:
    with store.engine.connect() as conn:
        return agenda.details(conn, activity_ids)


def log_outcome(
    store: LocalStore, activity_id: str, outcome: str, notes: str | None, minutes: int | None
) -> enrollments.Advanced:
    with store.transaction() as session:
        return enrollments.record_outcome(
            session, activity_id, outcome, notes=notes or None, duration_minutes=minutes
        )


def enrollment_action(store: LocalStore, action: str, enrollment_id: str, reason: str | None = None) -> str:
    with store.transaction() as session:
        if action == "pause":
            enrollments.pause(session, enrollment_id)
        elif action == "resume":
            enrollments.resume(session, enrollment_id)
        elif action == "skip":
            enrollments.skip_step(session, enrollment_id)
        elif action == "exit":
            enrollments.exit_enrollment(session, enrollment_id, reason=reason)
        else:
            raise ValueError(f"unknown action {action!r}")
    return action


def export_agenda(store: LocalStore, owners: Sequence[str] | None, days: int, path: str) -> int:
    """Write the agenda of these owners (None: this laptop's user, or everyone's when not connected)."""
    now = utcnow()
    if owners is None:
        me = who_am_i(store).user_id
        owners = [me] if me else None
    with store.engine.connect() as conn:
        items = agenda.agenda_items(conn, owners, now=now, days=days)
        shown = agenda.details(conn, [i.activity_id for i in items])
    from sfa_desktop.core.sequences import ical  # the icalendar library, loaded when a calendar is written

    data = ical.calendar([shown[i.activity_id] for i in items if i.activity_id in shown], now=now)
    partial = f"{path}.part"
    with open(partial, "wb") as file:  # written whole, then put in place: never a half-written file
        file.write(data)
    os.replace(partial, path)
    return len(items)


# -- the Sequence tab ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryStep:
    activity_id: str
    title: str
    kind: str
    outcome: str | None
    when: dt.datetime | None
    done: bool
    step_key: str | None = None


@dataclass(frozen=True)
class EnrollmentView:
    enrollment_id: str
    template: str
    status: str
    step_key: str | None
    step_position: int
    step_count: int
    attempt: int
    due_at: dt.datetime | None
    activity_id: str | None
    started_at: dt.datetime | None
    ended_at: dt.datetime | None
    result: str | None
    reason: str | None
    current: sequences.Step | None
    steps: list[sequences.Step]
    history: list[HistoryStep]


_COLUMN = {"leads": "lead_id", "contacts": "contact_id", "opportunities": "opportunity_id"}
_ENROLLMENTS_SQL = """
SELECT e.id, t.name, e.status, e.step_key, e.attempt, e.due_at, e.activity_id, e.started_at, e.ended_at,
       e.result, e.reason, t.id, t.updated_at, t.steps
FROM sequence_enrollments e JOIN sequence_templates t ON t.id = e.template_id
WHERE e.{column} = :r AND e.deleted_at IS NULL
ORDER BY e.status NOT IN ('active', 'paused'), e.started_at DESC
"""
_HISTORY_SQL = """
SELECT id, subject, kind, outcome, done_at, due_at, step_key FROM activities
WHERE enrollment_id = :e AND deleted_at IS NULL ORDER BY coalesce(done_at, due_at), created_at
"""


def record_enrollments(store: LocalStore, kind: str, record_id: str) -> list[EnrollmentView]:
    """Every enrollment of a record, open ones first, newest first, each with its steps done."""
    column = _COLUMN[kind]
    with store.engine.connect() as conn:
        rows = conn.execute(text(_ENROLLMENTS_SQL.format(column=column)), {"r": record_id}).all()
        views = []
        for r in rows:
            steps = agenda.template_steps_cached(r[11], r[12], r[13])
            history = [
                HistoryStep(h[0], h[1], h[2], h[3], _time(h[4] or h[5]), h[4] is not None, h[6])
                for h in conn.execute(text(_HISTORY_SQL), {"e": r[0]})
            ]
            views.append(
                EnrollmentView(
                    r[0], r[1], r[2], r[3], sequences.step_number(steps, r[3]), len(steps), int(r[4] or 0),
                    _time(r[5]), r[6], _time(r[7]), _time(r[8]), r[9], r[10],
                    next((s for s in steps if s.key == r[3]), None), steps, history,
                )
            )  # fmt: skip
    return views


def _time(value: Any) -> dt.datetime | None:
    return agenda.parse_sql_time(value) if value else None


# -- templates -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TemplateRow:
    template_id: str
    name: str
    description: str
    target: str
    active: bool
    steps: list[dict[str, Any]]
    enrolled: int


def list_templates(store: LocalStore) -> list[TemplateRow]:
    with store.reading() as session:
        counts: dict[str, int] = dict(
            session.execute(
                text(
                    "SELECT template_id, count(*) FROM sequence_enrollments WHERE deleted_at IS NULL "
                    "AND status IN ('active', 'paused') GROUP BY template_id"
                )
            ).all()
        )
        templates = session.execute(
            select(SequenceTemplate)
            .where(SequenceTemplate.deleted_at.is_(None))
            .order_by(SequenceTemplate.name)
        ).scalars()
        return [
            TemplateRow(
                t.id,
                t.name,
                t.description or "",
                t.target,
                t.active,
                _json_list(t.steps),
                int(counts.get(t.id, 0)),
            )
            for t in templates
        ]


def _json_list(raw: str) -> list[dict[str, Any]]:
    try:
        value = json.loads(raw or "[]")
    except json.JSONDecodeError:
        return []
    return value if isinstance(value, list) else []


def save_template(store: LocalStore, template_id: str | None, values: Mapping[str, Any]) -> str:
    with store.transaction() as session:
        return enrollments.save_template(session, template_id, values).id


def articles(store: LocalStore) -> list[tuple[str, str]]:
    with store.engine.connect() as conn:
        return [
            (r[0], r[1])
            for r in conn.execute(
                text(
                    "SELECT id, title FROM kb_articles WHERE deleted_at IS NULL ORDER BY title COLLATE NOCASE"
                )
            )
        ]


def enroll(store: LocalStore, template_id: str, kind: str, record_ids: Sequence[str]) -> enrollments.Enrolled:
    with store.transaction() as session:
        return enrollments.enroll(session, template_id, kind, record_ids)


# -- reminders -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReminderPlan:
    due: list[agenda.Detail]
    next_at: dt.datetime | None


def plan_reminders(store: LocalStore, owners: Sequence[str] | None, now: dt.datetime) -> ReminderPlan:
    """What to remind of now (marked as reminded) and when the next reminder is."""
    with store.engine.connect() as conn:
        items = agenda.agenda_items(conn, owners, now=now, days=1)
    pairs = [(i.activity_id, i.due_at) for i in items]
    with store.transaction() as session:
        states = reminders.load(session, [a for a, _ in pairs])
        due = reminders.due_now(pairs, states, now)
        reminders.mark_notified(session, due, now)
        upcoming = reminders.next_fire(pairs, reminders.load(session, [a for a, _ in pairs]), now)
    shown = load_details(store, due) if due else {}
    return ReminderPlan([shown[a] for a in due if a in shown], upcoming)


def snooze(store: LocalStore, activity_ids: Sequence[str], choice: str) -> dt.datetime:
    until = reminders.snooze_until(choice, utcnow())
    with store.transaction() as session:
        reminders.snooze(session, activity_ids, until)
    return until
