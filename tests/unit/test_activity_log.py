"""Quick activity logging (core.activity_log): links, the follow-up task in the same transaction, and bad
input named by field with nothing written."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import text

from sfa_desktop.core.records import activity_log, services
from sfa_desktop.core.records.models import Activity
from sfa_desktop.core.records.services import NotFound
from sfa_desktop.core.records.validation import ValidationError
from sfa_desktop.store.database import LocalStore

NOW = dt.datetime(2026, 11, 24, 15, 30, tzinfo=dt.UTC)


@pytest.fixture
def records(store: LocalStore) -> dict[str, str]:
    with store.transaction() as s:
        territory = services.create(s, "territories", {"code": "NE", "name": "New England"}).id
        owner = services.create(s, "users", {"login": "ann", "full_name": "Ann Lee"}).id
        me = services.create(s, "users", {"login": "bob", "full_name": "Bob Stone"}).id
        account = services.create(
            s, "accounts", {"name": "Acme Tools", "territory_id": territory, "owner_id": owner}
        ).id
        contact = services.create(
            s,
            "contacts",
            {"first_name": "Jane", "last_name": "Doe", "account_id": account, "owner_id": owner},
        ).id
        opportunity = services.create(
            s, "opportunities", {"name": "Fleet rollout", "account_id": account, "contact_id": contact}
        ).id
        lead = services.create(
            s, "leads", {"last_name": "Moreau", "company": "Globex", "territory_id": territory}
        ).id
    return {
        "territory": territory,
        "owner": owner,
        "me": me,
        "accounts": account,
        "contacts": contact,
        "opportunities": opportunity,
        "leads": lead,
    }


def activity(store: LocalStore, activity_id: str) -> Activity:
    with store.reading() as s:
        found = s.get(Activity, activity_id)
        assert found is not None
        return found


def count(store: LocalStore, sql: str) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(text(sql)).scalar_one())


def log(store: LocalStore, kind: str, target: str, record: str, **values: Any) -> activity_log.Logged:
    with store.transaction() as s:
        return activity_log.log_activity(s, kind, target, record, now=NOW, **values)


def test_a_call_on_a_contact_links_its_account(store: LocalStore, records: dict[str, str]) -> None:
    logged = log(
        store,
        "call",
        "contacts",
        records["contacts"],
        outcome="Interested",
        duration="12",
        notes="Wants a demo",
    )
    call = activity(store, logged.activity_id)
    assert (call.kind, call.subject, call.outcome, call.duration_minutes) == (
        "call",
        "Call with Jane Doe",
        "interested",
        12,
    )
    assert call.done_at == NOW
    assert call.due_at == NOW
    assert (call.contact_id, call.account_id, call.lead_id) == (
        records["contacts"],
        records["accounts"],
        None,
    )
    assert call.territory_id == records["territory"]  # follows the account
    assert call.owner_id == records["owner"]  # nobody logged in: the record's owner
    assert logged.follow_up_id is None


@pytest.mark.parametrize(
    ("target", "links", "subject"),
    [
        ("accounts", {"account_id": "accounts"}, "Visit to Acme Tools"),
        (
            "opportunities",
            {"opportunity_id": "opportunities", "account_id": "accounts", "contact_id": "contacts"},
            "Visit to Fleet rollout",
        ),
        ("leads", {"lead_id": "leads"}, "Visit to Moreau"),
    ],
)
def test_links_per_kind_of_record(
    store: LocalStore, records: dict[str, str], target: str, links: dict[str, str], subject: str
) -> None:
    logged = log(store, "visit", target, records[target], owner_id=records["me"])
    visit = activity(store, logged.activity_id)
    for column in ("account_id", "contact_id", "lead_id", "opportunity_id"):
        expected = records[links[column]] if column in links else None
        assert getattr(visit, column) == expected, column
    assert visit.subject == subject
    assert visit.owner_id == records["me"]
    assert visit.territory_id == records["territory"]


def test_a_follow_up_task_in_the_same_transaction(store: LocalStore, records: dict[str, str]) -> None:
    before = count(store, "SELECT count(*) FROM outbox")
    logged = log(
        store,
        "meeting",
        "opportunities",
        records["opportunities"],
        subject="Pricing workshop",
        duration="90 min",
        follow_up="Send the quote",
        follow_up_due="2026-12-01",
    )
    meeting = activity(store, logged.activity_id)
    assert (meeting.subject, meeting.duration_minutes) == ("Pricing workshop", 90)
    assert logged.follow_up_id is not None
    task = activity(store, logged.follow_up_id)
    assert (task.kind, task.subject, task.done_at) == ("task", "Send the quote", None)
    assert task.due_at is not None
    local_due = task.due_at.astimezone()
    assert (local_due.date(), local_due.hour, local_due.minute) == (dt.date(2026, 12, 1), 9, 0)
    assert (task.opportunity_id, task.account_id, task.contact_id) == (
        meeting.opportunity_id,
        meeting.account_id,
        meeting.contact_id,
    )
    assert count(store, "SELECT count(*) FROM outbox") == before + 2  # both sync


@pytest.mark.parametrize(
    ("kind", "values", "fields"),
    [
        ("task", {}, {"kind"}),
        ("call", {"outcome": "delighted"}, {"outcome"}),
        ("call", {"duration": "abc"}, {"duration_minutes"}),
        ("call", {"duration": "2000"}, {"duration_minutes"}),
        ("note", {"notes": "bad \x00 byte"}, {"notes"}),
        ("call", {"subject": "x" * 201}, {"subject"}),
        ("call", {"follow_up": "Send quote"}, {"follow_up_due"}),
        ("call", {"follow_up_due": "2026-12-01"}, {"follow_up"}),
        ("call", {"follow_up": "Send quote", "follow_up_due": "2026-11-01"}, {"follow_up_due"}),
        ("call", {"follow_up": "Send quote", "follow_up_due": "next week"}, {"follow_up_due"}),
        ("call", {"outcome": "nope", "duration": "-5"}, {"outcome", "duration_minutes"}),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(
    store: LocalStore, records: dict[str, str], kind: str, values: dict[str, Any], fields: set[str]
) -> None:
    before = count(store, "SELECT count(*) FROM activities"), count(store, "SELECT count(*) FROM outbox")
    with pytest.raises(ValidationError) as caught:
        log(store, kind, "contacts", records["contacts"], **values)
    assert set(caught.value.errors) == fields
    for name, message in caught.value.errors.items():
        label = {"follow_up": "Follow-up subject", "follow_up_due": "Follow-up due date"}.get(name)
        label = (
            label
            or {
                "kind": "Kind",
                "outcome": "Outcome",
                "duration_minutes": "Duration (min)",
                "notes": "Notes",
                "subject": "Subject",
            }[name]
        )
        assert message.startswith(label), message
    assert (
        count(store, "SELECT count(*) FROM activities"),
        count(store, "SELECT count(*) FROM outbox"),
    ) == before


def test_a_deleted_record_cannot_be_logged_on(store: LocalStore, records: dict[str, str]) -> None:
    with store.transaction() as s:
        services.delete(s, "leads", records["leads"])
    with pytest.raises(NotFound):
        log(store, "call", "leads", records["leads"])
    with pytest.raises(ValueError, match="not territories"):
        log(store, "call", "territories", records["territory"])
