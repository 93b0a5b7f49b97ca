"""Enrollment services on a real local store: enrolling makes the first step a due activity with a
deterministic id; logging an outcome schedules the next step; pause, resume, exit and skip; automatic exits
when a lead converts, an opportunity is won or lost, or the enrolled record is deleted; all in the outbox."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from sfa_desktop.core.records import conversion, services
from sfa_desktop.core.records.models import Activity, Lead, SequenceEnrollment
from sfa_desktop.core.records.validation import ValidationError
from sfa_desktop.core.sequences import enrollments
from sfa_desktop.core.sequences import upkeep as enrollment_upkeep
from sfa_desktop.core.sequences.enrollments import EnrollmentError, step_activity_id
from sfa_desktop.core.sequences.templates import TemplateError, add_wait
from sfa_desktop.store.database import LocalStore
from tests.unit.test_sequences import outreach

NY = ZoneInfo("America/New_York")
MONDAY = dt.datetime(2026, 11, 23, 10, 0, tzinfo=NY)


def template(store: LocalStore, steps: list[dict[str, Any]] | None = None, **values: Any) -> str:
    with store.transaction() as s:
        record = enrollments.save_template(
            s, None, {"name": "New lead outreach", "target": "any", "steps": steps or outreach(), **values}
        )
        return record.id


def people(store: LocalStore) -> dict[str, str]:
    with store.transaction() as s:
        territory = services.create(s, "territories", {"code": "NE", "name": "New England"}).id
        rep = services.create(s, "users", {"login": "ann", "full_name": "Ann Rep"}).id
        account = services.create(
            s, "accounts", {"name": "Acme", "territory_id": territory, "owner_id": rep}
        ).id
        contact = services.create(
            s, "contacts", {"last_name": "Doe", "account_id": account, "owner_id": rep}
        ).id
        lead = services.create(
            s,
            "leads",
            {"last_name": "Lee", "company": "Lee & Co", "territory_id": territory, "owner_id": rep},
        ).id
        lead2 = services.create(
            s, "leads", {"last_name": "Moss", "territory_id": territory, "owner_id": rep}
        ).id
        deal = services.create(
            s,
            "opportunities",
            {"name": "Fleet", "account_id": account, "contact_id": contact, "owner_id": rep},
        ).id
    return {"territory": territory, "rep": rep, "account": account, "contact": contact, "lead": lead,
            "lead2": lead2, "deal": deal}  # fmt: skip


def enroll(store: LocalStore, template_id: str, kind: str, *ids: str, now: dt.datetime = MONDAY) -> list[str]:
    with store.transaction() as s:
        return enrollments.enroll(s, template_id, kind, list(ids), now=now, tz=NY).enrollment_ids


def row(store: LocalStore, model: Any, record_id: str) -> Any:
    with store.reading() as s:
        record = s.get(model, record_id)
        assert record is not None
        s.expunge(record)
        return record


def outcome(store: LocalStore, activity_id: str, what: str, when: dt.datetime, **kw: Any) -> Any:
    with store.transaction() as s:
        return enrollments.record_outcome(s, activity_id, what, now=when, tz=NY, **kw)


def test_enrolling_makes_the_first_step_a_due_activity_with_a_deterministic_id(store: LocalStore) -> None:
    ids = people(store)
    seq = template(store)
    [enrollment_id] = enroll(store, seq, "leads", ids["lead"])
    enrollment = row(store, SequenceEnrollment, enrollment_id)
    assert (enrollment.status, enrollment.step_key, enrollment.step_no, enrollment.attempt) == (
        "active",
        "intro_call",
        1,
        0,
    )
    assert enrollment.activity_id == step_activity_id(enrollment_id, 1)
    assert enrollment.territory_id == ids["territory"]  # follows the lead
    assert enrollment.owner_id == ids["rep"]
    activity = row(store, Activity, enrollment.activity_id)
    assert (activity.kind, activity.subject, activity.step_key, activity.lead_id) == (
        "call",
        "Introduction call",
        "intro_call",
        ids["lead"],
    )
    assert activity.due_at == MONDAY
    assert activity.done_at is None
    assert activity.territory_id == ids["territory"]
    assert activity.owner_id == ids["rep"]
    with store.engine.connect() as conn:
        tables = {r[0] for r in conn.execute(text("SELECT table_name FROM outbox"))}
    assert {"sequence_templates", "sequence_enrollments", "activities"} <= tables


def test_many_records_at_once_and_one_already_enrolled_is_skipped(store: LocalStore) -> None:
    ids = people(store)
    seq = template(store)
    enroll(store, seq, "leads", ids["lead"])
    with store.transaction() as s:
        done = enrollments.enroll(s, seq, "leads", [ids["lead"], ids["lead2"]], now=MONDAY, tz=NY)
    assert len(done.enrollment_ids) == 1
    assert done.skipped == [(ids["lead"], "already in 'New lead outreach'")]


def test_a_template_for_leads_refuses_a_contact(store: LocalStore) -> None:
    ids = people(store)
    seq = template(store, target="lead")
    with pytest.raises(EnrollmentError, match="is for leads"):
        enroll(store, seq, "contacts", ids["contact"])


def test_contacts_and_opportunities_carry_their_account(store: LocalStore) -> None:
    ids = people(store)
    seq = template(store)
    [on_contact] = enroll(store, seq, "contacts", ids["contact"])
    [on_deal] = enroll(store, seq, "opportunities", ids["deal"])
    assert row(store, SequenceEnrollment, on_contact).account_id == ids["account"]
    deal_step = row(store, Activity, row(store, SequenceEnrollment, on_deal).activity_id)
    assert (deal_step.account_id, deal_step.contact_id, deal_step.opportunity_id) == (
        ids["account"],
        ids["contact"],
        ids["deal"],
    )


def test_no_answer_three_repeats_then_the_email_step(store: LocalStore) -> None:
    ids = people(store)
    [enrollment_id] = enroll(store, template(store), "leads", ids["lead"])
    when = MONDAY
    for number in range(1, 5):
        current = row(store, SequenceEnrollment, enrollment_id).activity_id
        advanced = outcome(store, current, "no answer", when, notes=f"try {number}", duration_minutes=2)
        done = row(store, Activity, current)
        assert (done.outcome, done.notes, done.duration_minutes) == ("no answer", f"try {number}", 2)
        assert advanced.next_activity_id == step_activity_id(enrollment_id, number + 1)
        when = row(store, Activity, advanced.next_activity_id).due_at
    enrollment = row(store, SequenceEnrollment, enrollment_id)
    assert (enrollment.step_key, enrollment.step_no, enrollment.attempt) == ("intro_email", 5, 0)
    email = row(store, Activity, enrollment.activity_id)
    assert (email.kind, email.subject) == ("email", "Introduction email")
    retry = row(store, Activity, step_activity_id(enrollment_id, 2))
    assert retry.subject == "Introduction call (try 2)"
    assert retry.due_at == add_wait(MONDAY, 2, True, NY)  # Wednesday


def test_not_interested_disqualifies_the_lead_with_the_reason(store: LocalStore) -> None:
    ids = people(store)
    [enrollment_id] = enroll(store, template(store), "leads", ids["lead"])
    first = row(store, SequenceEnrollment, enrollment_id).activity_id
    advanced = outcome(store, first, "not interested", MONDAY)
    assert advanced.next_activity_id is None
    enrollment = row(store, SequenceEnrollment, enrollment_id)
    assert (enrollment.status, enrollment.result, enrollment.reason, enrollment.activity_id) == (
        "exited",
        "not interested",
        "Not interested",
        None,
    )
    assert enrollment.ended_at == MONDAY
    lead = row(store, Lead, ids["lead"])
    assert (lead.status, lead.status_reason) == ("disqualified", "Not interested")


def test_logging_twice_or_an_old_step_is_refused(store: LocalStore) -> None:
    ids = people(store)
    [enrollment_id] = enroll(store, template(store), "leads", ids["lead"])
    first = row(store, SequenceEnrollment, enrollment_id).activity_id
    outcome(store, first, "interested", MONDAY)
    with pytest.raises(EnrollmentError, match="already logged"):
        outcome(store, first, "interested", MONDAY)
    demo = row(store, SequenceEnrollment, enrollment_id).activity_id
    with pytest.raises(ValidationError, match="not an outcome of step 'book_demo'"):
        outcome(store, demo, "no answer", MONDAY)
    assert row(store, Activity, demo).done_at is None  # nothing half-written


def test_pause_hides_resume_makes_an_overdue_step_due_now(store: LocalStore) -> None:
    ids = people(store)
    [enrollment_id] = enroll(store, template(store), "leads", ids["lead"])
    with store.transaction() as s:
        enrollments.pause(s, enrollment_id)
    current = row(store, SequenceEnrollment, enrollment_id).activity_id
    with pytest.raises(EnrollmentError, match="paused"):
        outcome(store, current, "interested", MONDAY)
    later = MONDAY + dt.timedelta(days=9)
    with store.transaction() as s:
        enrollments.resume(s, enrollment_id, now=later)
    enrollment = row(store, SequenceEnrollment, enrollment_id)
    assert (enrollment.status, enrollment.due_at) == ("active", later)
    assert row(store, Activity, current).due_at == later
    with store.transaction() as s, pytest.raises(EnrollmentError, match="Only a paused"):
        enrollments.resume(s, enrollment_id)


def test_skip_closes_the_step_and_gives_the_next_exit_closes_it(store: LocalStore) -> None:
    ids = people(store)
    [enrollment_id] = enroll(store, template(store), "leads", ids["lead"])
    first = row(store, SequenceEnrollment, enrollment_id).activity_id
    with store.transaction() as s:
        advanced = enrollments.skip_step(s, enrollment_id, now=MONDAY, tz=NY)
    skipped = row(store, Activity, first)
    assert (skipped.outcome, skipped.notes) == ("cancelled", "Step skipped.")
    assert row(store, SequenceEnrollment, enrollment_id).step_key == "intro_email"
    with store.transaction() as s:
        enrollments.exit_enrollment(s, enrollment_id, reason="Moved to a partner", now=MONDAY)
    enrollment = row(store, SequenceEnrollment, enrollment_id)
    assert (enrollment.status, enrollment.result, enrollment.reason) == (
        "exited",
        "exited",
        "Moved to a partner",
    )
    assert advanced.next_activity_id is not None
    closed = row(store, Activity, advanced.next_activity_id)
    assert closed.outcome == "cancelled"
    assert "Moved to a partner" in closed.notes
    with store.transaction() as s, pytest.raises(EnrollmentError, match="already ended"):
        enrollments.exit_enrollment(s, enrollment_id)


def test_a_converted_lead_leaves_its_sequence(store: LocalStore) -> None:
    ids = people(store)
    [enrollment_id] = enroll(store, template(store), "leads", ids["lead"])
    with store.transaction() as s:
        conversion.convert(s, ids["lead"], conversion.Plan())
    enrollment = row(store, SequenceEnrollment, enrollment_id)
    assert (enrollment.status, enrollment.result) == ("exited", "converted")
    assert row(store, Activity, step_activity_id(enrollment_id, 1)).outcome == "cancelled"


@pytest.mark.parametrize(("stage", "result"), [("closed won", "won"), ("closed lost", "lost")])
def test_a_closed_opportunity_leaves_its_sequence(store: LocalStore, stage: str, result: str) -> None:
    ids = people(store)
    [enrollment_id] = enroll(store, template(store), "opportunities", ids["deal"])
    with store.transaction() as s:
        services.update(s, "opportunities", ids["deal"], {"stage": "proposal"})
    assert row(store, SequenceEnrollment, enrollment_id).status == "active"  # still open
    with store.transaction() as s:
        services.update(s, "opportunities", ids["deal"], {"stage": stage})
    assert (
        row(store, SequenceEnrollment, enrollment_id).status,
        row(store, SequenceEnrollment, enrollment_id).result,
    ) == (
        "exited",
        result,
    )


def test_a_record_deleted_elsewhere_ends_its_enrollment_with_a_note(store: LocalStore) -> None:
    ids = people(store)
    seq = template(store)
    [gone] = enroll(store, seq, "leads", ids["lead"])
    [kept] = enroll(store, seq, "leads", ids["lead2"])
    with store.engine.begin() as conn:  # as a sync applies a tombstone from another laptop
        conn.execute(text("UPDATE capture_control SET suspended = 1"))
        conn.execute(
            text("UPDATE leads SET deleted_at = '2026-11-22 10:00:00' WHERE id = :i"), {"i": ids["lead"]}
        )
        conn.execute(text("UPDATE capture_control SET suspended = 0"))
    with store.transaction() as s:
        assert enrollment_upkeep.exit_orphans(s, [ids["rep"]], now=MONDAY) == 1
        assert enrollment_upkeep.exit_orphans(s, now=MONDAY) == 0
    enrollment = row(store, SequenceEnrollment, gone)
    assert (enrollment.status, enrollment.result) == ("exited", "record deleted")
    assert "lead was deleted" in enrollment.reason
    step = row(store, Activity, step_activity_id(gone, 1))
    assert step.outcome == "cancelled"
    assert "lead was deleted" in step.notes
    assert row(store, SequenceEnrollment, kept).status == "active"


def test_an_invalid_template_is_not_saved(store: LocalStore) -> None:
    steps = outreach()
    steps[0]["outcomes"]["interested"] = {"goto": "nowhere"}
    with pytest.raises(TemplateError, match="intro_call"):
        template(store, steps)
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM sequence_templates")).scalar() == 0
    seq = template(store)
    with store.transaction() as s:
        enrollments.save_template(
            s, seq, {"description": "Changed", "steps": outreach()[:1] + outreach()[1:]}
        )
    with store.reading() as s:
        stored = json.loads(enrollments.template_steps(s, seq)[0].steps)
    assert [step["key"] for step in stored] == ["intro_call", "intro_email", "book_demo"]
