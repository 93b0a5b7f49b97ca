"""The agenda: overdue, today and upcoming open activities of the chosen owners, grouped by account in
order; paused sequences, done activities and notes left out; details by id; the iCalendar export parsed
back; reminders fire once at their time, and snoozing moves them."""

from __future__ import annotations

import datetime as dt
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import icalendar
from sqlalchemy import text

from sfa_desktop.core.records import services
from sfa_desktop.core.records.models import Activity, SequenceEnrollment
from sfa_desktop.core.sequences import agenda, enrollments, ical, reminders
from sfa_desktop.core.sequences.reminders import State
from sfa_desktop.store.database import LocalStore
from tests.unit.test_sequences import outreach

NY = ZoneInfo("America/New_York")
T = TypeVar("T")
NOW = dt.datetime(2026, 11, 25, 11, 0, tzinfo=NY)  # a Wednesday


def at(days: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(NOW.date() + dt.timedelta(days=days), dt.time(hour, minute), NY)


def world(store: LocalStore) -> dict[str, Any]:
    ids: dict[str, Any] = {}
    with store.transaction() as s:
        ids["ann"] = services.create(s, "users", {"login": "ann", "full_name": "Ann Rep"}).id
        ids["bob"] = services.create(s, "users", {"login": "bob", "full_name": "Bob Rep"}).id
        ids["acme"] = services.create(
            s,
            "accounts",
            {"name": "Acme", "street": "1 Main St", "city": "Boston", "region": "MA", "postcode": "02110",
             "country": "US", "owner_id": ids["ann"]},
        ).id  # fmt: skip
        ids["zeta"] = services.create(s, "accounts", {"name": "Zeta", "owner_id": ids["ann"]}).id
        ids["jane"] = services.create(
            s,
            "contacts",
            {"first_name": "Jane", "last_name": "Doe", "title": "CFO", "account_id": ids["acme"],
             "phone": "+16175550143", "owner_id": ids["ann"]},
        ).id  # fmt: skip
        ids["lead"] = services.create(
            s, "leads", {"last_name": "Lee", "company": "Lee & Co", "owner_id": ids["ann"]}
        ).id

        def task(subject: str, due: dt.datetime, owner: str = ids["ann"], **more: Any) -> str:
            values = {"kind": "task", "subject": subject, "due_at": due, "owner_id": owner, **more}
            return services.create(s, "activities", values).id

        ids["old"] = task("Send brochure", at(-2, 9), account_id=ids["zeta"])
        ids["acme_late"] = task("Check invoice", at(-1, 15), account_id=ids["acme"])
        ids["acme_today"] = task("Prepare quote", at(0, 14), account_id=ids["acme"])
        ids["zeta_today"] = task("Call back", at(0, 9, 30), account_id=ids["zeta"])
        ids["soon"] = task("Visit plant", at(3, 10), account_id=ids["acme"])
        ids["far"] = task("Renewal", at(9, 10), account_id=ids["acme"])  # beyond the next 7 days
        ids["bobs"] = task("Bob's task", at(0, 10), owner=ids["bob"], account_id=ids["acme"])
        ids["done"] = task("Done already", at(0, 8), account_id=ids["acme"], done_at=at(0, 8))
        ids["note"] = services.create(
            s, "activities", {"kind": "note", "subject": "Note", "due_at": at(0, 8), "owner_id": ids["ann"]}
        ).id
        seq = enrollments.save_template(s, None, {"name": "Outreach", "steps": outreach()}).id
        ids["seq"] = seq
        ids["step_lead"] = enrollments.enroll(s, seq, "leads", [ids["lead"]], now=at(0, 10), tz=NY)
        ids["step_jane"] = enrollments.enroll(s, seq, "contacts", [ids["jane"]], now=at(0, 10, 30), tz=NY)
    return ids


def items(store: LocalStore, owners: list[str] | None) -> list[agenda.AgendaItem]:
    with store.engine.connect() as conn:
        return agenda.agenda_items(conn, owners, now=NOW, days=7, tz=NY)


def test_buckets_groups_and_order(store: LocalStore) -> None:
    ids = world(store)
    found = items(store, [ids["ann"]])
    rows = agenda.layout(found)
    lines = [(r.kind, r.label or r.activity_id, r.size) for r in rows]
    with store.engine.connect() as conn:
        subjects: dict[str, str] = dict(conn.execute(text("SELECT id, subject FROM activities")).all())
    readable = [(kind, subjects.get(label, label), count) for kind, label, count in lines]
    assert readable == [
        ("bucket", "Overdue", 2),
        ("group", "Zeta", 1),
        ("item", "Send brochure", 0),
        ("group", "Acme", 1),
        ("item", "Check invoice", 0),
        ("bucket", "Today", 4),
        ("group", "Zeta", 1),
        ("item", "Call back", 0),
        ("group", "Lee & Co", 1),  # a lead without an account: grouped under its company
        ("item", "Introduction call", 0),
        ("group", "Acme", 2),
        ("item", "Introduction call", 0),
        ("item", "Prepare quote", 0),
        ("bucket", "Upcoming", 1),
        ("group", "Acme", 1),
        ("item", "Visit plant", 0),
    ]
    assert agenda.counts(found) == {"overdue": 2, "today": 4, "upcoming": 1}


def test_owners_choose_whose_agenda(store: LocalStore) -> None:
    ids = world(store)
    assert {i.activity_id for i in items(store, [ids["bob"]])} == {ids["bobs"]}
    assert len(items(store, [ids["ann"], ids["bob"]])) == 8
    assert items(store, []) == []
    assert len(items(store, None)) == 8


def test_paused_sequences_leave_the_agenda(store: LocalStore) -> None:
    ids = world(store)
    [enrollment] = ids["step_lead"].enrollment_ids
    with store.transaction() as s:
        enrollments.pause(s, enrollment)
    assert len(items(store, [ids["ann"]])) == 6


def test_details_of_a_step_and_a_task(store: LocalStore) -> None:
    ids = world(store)
    [enrollment] = ids["step_jane"].enrollment_ids
    step_id = enrollments.step_activity_id(enrollment, 1)
    with store.engine.connect() as conn:
        found = agenda.details(conn, [step_id, ids["acme_today"], "missing"])
    step = found[step_id]
    assert (step.person, step.person_title, step.account, step.phone) == (
        "Jane Doe",
        "CFO",
        "Acme",
        "+16175550143",
    )
    assert (step.sequence, step.progress, step.is_step) == ("Outreach", "Step 1 of 3", True)
    assert step.outcomes == ("no answer", "interested", "not interested")
    assert "fleet size" in step.instructions
    assert step.location == "1 Main St, Boston, MA 02110, US"
    task = found[ids["acme_today"]]
    assert (task.is_step, task.progress, task.owner) == (False, "", "Ann Rep")
    assert "completed" in task.outcomes
    assert "cancelled" not in task.outcomes
    assert "missing" not in found


def test_reps_a_manager_may_choose(store: LocalStore) -> None:
    with store.transaction() as s:
        boss = services.create(s, "users", {"login": "boss", "full_name": "Boss", "role": "manager"}).id
        lead = services.create(s, "users", {"login": "lead", "full_name": "Team Lead", "manager_id": boss}).id
        rep = services.create(s, "users", {"login": "rep", "full_name": "A Rep", "manager_id": lead}).id
        services.create(s, "users", {"login": "other", "full_name": "Other"})
    with store.engine.connect() as conn:
        assert agenda.reps_to_choose(conn, boss) == [(boss, "Boss"), (rep, "A Rep"), (lead, "Team Lead")]
        assert agenda.reps_to_choose(conn, rep) == [(rep, "A Rep")]
        assert agenda.reps_to_choose(conn, None) == []


# -- iCalendar ---------------------------------------------------------------------------------------------


def test_icalendar_export_parses_back_with_stable_uids_and_utc_times(store: LocalStore) -> None:
    ids = world(store)
    found = items(store, [ids["ann"]])
    with store.engine.connect() as conn:
        shown = agenda.details(conn, [i.activity_id for i in found])
    with store.transaction() as s:  # a long, awkward script: commas, semicolons, newlines, non-ASCII
        services.update(
            s,
            "activities",
            ids["acme_today"],
            {"notes": "Ask Zoë about prices; volumes, terms\n" + "x" * 200},
        )
    with store.engine.connect() as conn:
        shown.update(agenda.details(conn, [ids["acme_today"]]))
    data = ical.calendar(shown.values(), now=NOW)
    assert all(len(line) <= 75 for line in data.split(b"\r\n"))  # folded
    assert data.startswith(b"BEGIN:VCALENDAR\r\n")
    parsed = icalendar.Calendar.from_ical(data)
    events = {str(e["uid"]): e for e in parsed.walk("VEVENT")}
    assert set(events) == {f"{i.activity_id}@sfa-desktop" for i in found}
    quote = events[f"{ids['acme_today']}@sfa-desktop"]
    assert quote.decoded("dtstart") == at(0, 14).astimezone(dt.UTC)
    assert quote.decoded("dtstart").tzinfo is not None
    assert quote.decoded("dtstart").utcoffset() == dt.timedelta(0)
    assert b"DTSTART:20261125T190000Z" in data  # UTC form
    assert quote.decoded("dtend") - quote.decoded("dtstart") == dt.timedelta(minutes=15)
    assert str(quote["summary"]) == "Task: Prepare quote — Acme"
    assert str(quote["location"]) == "1 Main St, Boston, MA 02110, US"
    assert "Ask Zoë about prices; volumes, terms\n" in str(quote["description"])
    assert b"prices\\; volumes\\, terms\\n" in data.replace(b"\r\n ", b"")  # escaped on the wire
    [step_enrollment] = ids["step_jane"].enrollment_ids
    step = events[f"{enrollments.step_activity_id(step_enrollment, 1)}@sfa-desktop"]
    assert str(step["summary"]) == "Call: Introduction call — Jane Doe (Acme)"
    assert "Sequence: Outreach (Step 1 of 3)" in str(step["description"])
    again = icalendar.Calendar.from_ical(ical.calendar(shown.values(), now=NOW + dt.timedelta(hours=1)))
    assert {str(e["uid"]) for e in again.walk("VEVENT")} == set(events)  # the same UIDs the next time


# -- reminders ---------------------------------------------------------------------------------------------


def test_reminders_fire_once_at_their_time_and_snooze_moves_them() -> None:
    due = {"a": at(0, 10), "b": at(0, 10, 30), "c": at(-3, 9), "d": at(0, 15)}
    pairs = list(due.items())
    states: dict[str, State] = {}
    assert reminders.due_now(pairs, states, at(0, 9, 59)) == []
    assert reminders.next_fire(pairs, states, at(0, 9, 59)) == at(0, 10)
    assert reminders.due_now(pairs, states, at(0, 10, 40)) == ["a", "b"]  # c is too old: on the page only
    states = {k: State(notified_at=at(0, 10, 40)) for k in ("a", "b")}
    assert reminders.due_now(pairs, states, at(0, 10, 41)) == []  # once
    until = reminders.snooze_until("15m", at(0, 10, 41), NY)
    states["a"] = State(snoozed_until=until, notified_at=at(0, 10, 40))
    assert reminders.next_fire(pairs, states, at(0, 10, 41)) == until
    assert reminders.due_now(pairs, states, until) == ["a"]
    assert reminders.snooze_until("1h", at(0, 10), NY) == at(0, 11)
    assert reminders.snooze_until("tomorrow", at(0, 22), NY) == at(1, 9)


def test_snoozes_are_remembered_locally(store: LocalStore) -> None:
    with store.transaction() as s:
        reminders.mark_notified(s, ["a", "b"], at(0, 10))
        reminders.snooze(s, ["a"], at(0, 11))
    with store.transaction() as s:
        states = reminders.load(s, ["a", "b", "c"])
    assert states == {"a": State(at(0, 11), at(0, 10)), "b": State(None, at(0, 10))}
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM outbox WHERE table_name = 'reminders'")).scalar() == 0


def test_items_are_in_time_order_in_each_bucket_and_an_accounts_later_day_gets_its_own_heading(
    store: LocalStore,
) -> None:
    """Issue 14: Upcoming grouped by account put Fri 11 Dec among Monday's items."""
    ids = world(store)
    with store.transaction() as s:
        for subject, due, account in (
            ("Monday call", at(5, 9), ids["acme"]),  # Monday 30 Nov
            ("Monday visit", at(5, 11), ids["zeta"]),
            ("Friday call", at(2, 16), ids["acme"]),  # Friday 27 Nov
            ("Friday review", at(2, 8), ids["zeta"]),
        ):
            services.create(
                s,
                "activities",
                {
                    "kind": "task",
                    "subject": subject,
                    "due_at": due,
                    "owner_id": ids["ann"],
                    "account_id": account,
                },
            )
    rows = agenda.layout(items(store, [ids["ann"]]), NY)
    with store.engine.connect() as conn:
        subjects: dict[str, str] = dict(conn.execute(text("SELECT id, subject FROM activities")).all())
    upcoming = rows[next(n for n, r in enumerate(rows) if r.kind == "bucket" and r.bucket == "upcoming") :]
    readable = [(r.kind, r.label or subjects[r.activity_id], r.day, r.size) for r in upcoming]
    assert readable == [
        ("bucket", "Upcoming", "", 5),
        ("group", "Zeta", "Fri 27 Nov", 1),
        ("item", "Friday review", "", 0),
        ("group", "Acme", "Fri 27 Nov", 1),
        ("item", "Friday call", "", 0),
        ("group", "Acme", "Sat 28 Nov", 1),
        ("item", "Visit plant", "", 0),
        ("group", "Acme", "Mon 30 Nov", 1),
        ("item", "Monday call", "", 0),
        ("group", "Zeta", "Mon 30 Nov", 1),
        ("item", "Monday visit", "", 0),
    ]
    for bucket in agenda.BUCKETS:  # every bucket in time order
        found = [i for i in items(store, [ids["ann"]]) if i.bucket == bucket]
        shown = [r.activity_id for r in rows if r.kind == "item" and r.bucket == bucket]
        assert shown == [i.activity_id for i in sorted(found, key=lambda i: i.due)]


def test_script_placeholders_are_filled_from_the_record_and_the_caller(store: LocalStore) -> None:
    ids = world(store)
    steps = outreach()
    steps[0]["instructions"] = (
        "Hi {first name}, this is {your name} from Fleetwise. How is { Company } doing? {size}"
    )
    with store.transaction() as s:
        seq = enrollments.save_template(s, None, {"name": "Scripted", "steps": steps}).id
        [enrollment] = enrollments.enroll(
            s, seq, "contacts", [ids["jane"]], now=at(0, 10), tz=NY
        ).enrollment_ids
        activity_id = _got(s.get(SequenceEnrollment, enrollment)).activity_id
        assert activity_id is not None
        assert _got(s.get(Activity, activity_id)).owner_id == ids["ann"]  # the caller: Ann
    with store.engine.connect() as conn:
        detail = agenda.details(conn, [activity_id])[activity_id]
    assert detail.instructions == "Hi Jane, this is Ann Rep from Fleetwise. How is Acme doing? {size}"


def test_a_next_step_keeps_the_planned_time_of_day_not_the_clock_time_it_was_logged_at(
    store: LocalStore,
) -> None:
    """Issue 14: a next step got the clock time the outcome was logged at (12:24)."""
    ids = world(store)
    with store.transaction() as s:
        enrollment = _got(s.get(SequenceEnrollment, ids["step_lead"].enrollment_ids[0]))
        assert enrollment.activity_id is not None
        assert _got(enrollment.due_at).replace(tzinfo=dt.UTC).astimezone(NY) == at(0, 10)
        advanced = enrollments.record_outcome(
            s, enrollment.activity_id, "no answer", now=at(0, 12, 24), tz=NY
        )
        assert advanced.next_activity_id is not None
        retry = _got(s.get(Activity, advanced.next_activity_id))
        # Friday (two business days on) at 10:00, as the step was planned, not at 12:24
        assert _got(retry.due_at).replace(tzinfo=dt.UTC).astimezone(NY) == at(2, 10)


def _got(value: T | None) -> T:
    assert value is not None
    return value
