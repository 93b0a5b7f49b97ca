"""The agenda and its reminders (the Today page, Log outcome, File > Export agenda, the reminder pop-ups,
``sfa agenda``): who this laptop's user is, what is due, logging an outcome, snoozing."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from dataclasses import dataclass, field

from sfa_desktop.core import access
from sfa_desktop.core.records.models import utcnow
from sfa_desktop.core.sequences import agenda, enrollments, reminders
from sfa_desktop.core.sequences import upkeep as enrollment_upkeep
from sfa_desktop.ops.records import resolve_id
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
        mend_enrollments(store, owners, now)
    with store.engine.connect() as conn:
        items = agenda.agenda_items(conn, owners, now=now, days=days)
    return AgendaLoad(agenda.layout(items), agenda.counts(items), len(items))


def mend_enrollments(store: LocalStore, owners: Sequence[str] | None, now: dt.datetime) -> None:
    """End the enrollments of records deleted (here or by a sync) and make enrollments agree with their
    steps after a sync merged two laptops' work."""
    with store.transaction() as session:
        enrollment_upkeep.exit_orphans(session, owners, now=now)
        enrollment_upkeep.reconcile(session, now=now)


def activity_id(store: LocalStore, given: str) -> str:
    """The id of the live activity whose id starts with ``given``."""
    return resolve_id(store, "activities", "activity", given)


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


def export_agenda(
    store: LocalStore, owners: Sequence[str] | None, days: int, path: str, now: dt.datetime | None = None
) -> int:
    """Write the agenda of these owners (None: this laptop's user, or everyone's when not connected)."""
    now = now or utcnow()
    if owners is None:
        me = who_am_i(store).user_id
        owners = [me] if me else None
    with store.engine.connect() as conn:
        items = agenda.agenda_items(conn, owners, now=now, days=days)
        shown = agenda.details(conn, [i.activity_id for i in items])
    from sfa_desktop.core.sequences import ical  # the icalendar library, loaded when a calendar is written

    data = ical.calendar([shown[i.activity_id] for i in items if i.activity_id in shown], now=now)
    partial = f"{path}.part"
    try:
        with open(partial, "wb") as file:  # written whole, then put in place: never a half-written file
            file.write(data)
        os.replace(partial, path)
    except OSError as exc:  # name the file asked for, not the one written first
        raise OSError(exc.errno, exc.strerror, path) from exc
    return len(items)


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
