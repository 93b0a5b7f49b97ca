"""Lead conversion: new records or existing ones the lead matches, activities and notes carried across, the
lead marked converted with its links, and all of it in one transaction: a failure or a crash half-way
leaves the old state."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from sfa_desktop.core.records import conversion, services
from sfa_desktop.core.records.conversion import Plan
from sfa_desktop.core.records.models import SYNCED_TABLES
from sfa_desktop.core.records.validation import ValidationError
from sfa_desktop.store import capture
from sfa_desktop.store.database import LocalStore


def create(store: LocalStore, table: str, /, **values: Any) -> str:
    with store.transaction() as s:
        return services.create(s, table, values).id


def get(store: LocalStore, table: str, record_id: str) -> dict[str, Any]:
    with store.engine.connect() as conn:
        return dict(
            conn.execute(text(f"SELECT * FROM {table} WHERE id = :i"), {"i": record_id}).mappings().one()
        )


def snapshot(store: LocalStore) -> dict[str, Any]:
    with store.engine.connect() as conn:
        tables = {t: conn.execute(text(f"SELECT * FROM {t} ORDER BY id")).all() for t in SYNCED_TABLES}
        return {"tables": tables, "outbox": capture.pending_count(conn)}


@pytest.fixture
def lead(store: LocalStore) -> str:
    territory = create(store, "territories", code="NE", name="New England")
    owner = create(store, "users", login="ann", full_name="Ann Lee")
    lead_id = create(
        store,
        "leads",
        first_name="Jane",
        last_name="Moreau",
        company="Globex Corp.",
        title="Fleet manager",
        email="jane.moreau@globex.com",
        phone="+1 617 555 0142",
        website="www.globex.com",
        industry="Logistics",
        employee_count=250,
        city="Boston",
        region="MA",
        country="US",
        status="qualified",
        territory_id=territory,
        owner_id=owner,
        notes="Met at the Boston fleet show.",
    )
    create(store, "activities", kind="call", subject="Intro call", lead_id=lead_id, notes="Wants a pilot.")
    create(
        store,
        "activities",
        kind="email",
        subject="Sent brochure",
        lead_id=lead_id,
        done_at="2026-11-02 10:00",
    )
    return lead_id


def convert(store: LocalStore, lead_id: str, plan: Plan) -> conversion.Result:
    with store.transaction() as s:
        return conversion.convert(s, lead_id, plan)


def activities_of(store: LocalStore, lead_id: str) -> list[dict[str, Any]]:
    with store.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT * FROM activities WHERE lead_id = :l ORDER BY subject"), {"l": lead_id}
        )
        return [dict(r) for r in rows.mappings()]


def test_conversion_makes_account_contact_opportunity_and_carries_everything(
    store: LocalStore, lead: str
) -> None:
    result = convert(
        store,
        lead,
        Plan(opportunity={"name": "Globex pilot", "amount_cents": 2_500_000, "close_date": "2027-01-31"}),
    )
    assert (result.created_account, result.created_contact, result.activities) == (True, True, 2)
    account = get(store, "accounts", result.account_id)
    before = get(store, "leads", lead)
    assert (account["name"], account["industry"], account["employee_count"], account["website"]) == (
        "Globex Corp.",
        "Logistics",
        250,
        "https://www.globex.com",
    )
    assert (account["city"], account["territory_id"], account["owner_id"]) == (
        "Boston",
        before["territory_id"],
        before["owner_id"],
    )
    contact = get(store, "contacts", result.contact_id)
    assert (contact["first_name"], contact["last_name"], contact["title"], contact["email"]) == (
        "Jane",
        "Moreau",
        "Fleet manager",
        "jane.moreau@globex.com",
    )
    assert (contact["account_id"], contact["notes"]) == (result.account_id, "Met at the Boston fleet show.")
    assert result.opportunity_id is not None
    opportunity = get(store, "opportunities", result.opportunity_id)
    assert (
        opportunity["name"],
        opportunity["amount_cents"],
        opportunity["stage"],
        opportunity["probability"],
    ) == (
        "Globex pilot",
        2_500_000,
        "prospecting",
        10,
    )
    assert (opportunity["account_id"], opportunity["contact_id"]) == (result.account_id, result.contact_id)
    for activity in activities_of(store, lead):  # still the lead's history, now also the customer's
        assert (activity["account_id"], activity["contact_id"]) == (result.account_id, result.contact_id)
        assert activity["territory_id"] == account["territory_id"]
    assert {a["notes"] for a in activities_of(store, lead)} == {"Wants a pilot.", None}
    converted = get(store, "leads", lead)
    assert converted["status"] == "converted"
    assert converted["converted_at"] is not None
    assert (
        converted["converted_account_id"],
        converted["converted_contact_id"],
        converted["converted_opportunity_id"],
    ) == (result.account_id, result.contact_id, result.opportunity_id)
    with store.reading() as s:
        sentence = conversion.describe(s, result)
    assert sentence == (
        "Converted to the new account Globex Corp., the new contact Jane Moreau and a new opportunity; "
        "2 activities moved along."
    )
    with store.transaction() as s, pytest.raises(ValidationError, match="already converted"):
        conversion.convert(s, lead, Plan())


def test_matches_by_company_name_email_and_domain(store: LocalStore, lead: str) -> None:
    same_name = create(store, "accounts", name="GLOBEX corporation")  # legal form and case do not count
    by_web = create(store, "accounts", name="GX Holdings", website="https://globex.com/about")
    by_contacts = create(store, "accounts", name="Initech")
    create(store, "contacts", last_name="Smith", email="bill.smith@globex.com", account_id=by_contacts)
    same_email = create(store, "contacts", last_name="Moreau-Duval", email="Jane.Moreau@globex.com")
    same_person = create(store, "contacts", first_name="jane", last_name="MOREAU", account_id=same_name)
    create(store, "accounts", name="Globex Logistics")  # another company
    create(store, "contacts", last_name="Moreau", first_name="Jim", account_id=by_contacts)  # not the same
    with store.reading() as s:
        found = conversion.find_matches(s, lead)
    accounts = {m.id: m.reasons for m in found.accounts}
    assert accounts == {
        same_name: ("Same company name",),
        by_web: (
            "The lead's email domain globex.com is the account's",
            "The lead's web domain globex.com is the account's",
        ),
        by_contacts: ("Its contacts have globex.com addresses",),
    }
    assert found.accounts[0].id == by_web  # most reasons first
    contacts = {m.id: m.reasons for m in found.contacts}
    assert contacts[same_email] == ("Same email address",)
    assert contacts[same_person] == ("Same name, at a matching account",)


def test_free_mail_domains_say_nothing(store: LocalStore) -> None:
    create(store, "accounts", name="Someone", email="office@gmail.com")
    lead = create(store, "leads", last_name="Doe", email="jane.doe@gmail.com")
    with store.reading() as s:
        assert conversion.find_matches(s, lead).accounts == []


def test_attach_to_an_existing_account_and_contact(store: LocalStore, lead: str) -> None:
    account = create(store, "accounts", name="Globex", notes="Customer since 2019")
    contact = create(store, "contacts", last_name="Moreau", account_id=account, notes="Prefers email.")
    with store.engine.connect() as conn:
        accounts_before = conn.execute(text("SELECT count(*) FROM accounts")).scalar()
    result = convert(store, lead, Plan(account_id=account, contact_id=contact))
    assert (result.account_id, result.contact_id, result.created_account, result.created_contact) == (
        account,
        contact,
        False,
        False,
    )
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM accounts")).scalar() == accounts_before
    attached = get(store, "contacts", contact)
    # what the contact lacked comes from the lead; the lead's notes are added below the contact's own
    assert (attached["title"], attached["email"], attached["phone"]) == (
        "Fleet manager",
        "jane.moreau@globex.com",
        "+16175550142",
    )
    assert attached["notes"].startswith("Prefers email.\n\n— From the lead Jane Moreau, converted ")
    assert attached["notes"].endswith("Met at the Boston fleet show.")
    assert all(a["account_id"] == account for a in activities_of(store, lead))


def test_a_contact_of_another_account_is_refused(store: LocalStore, lead: str) -> None:
    other = create(store, "accounts", name="Initech")
    contact = create(store, "contacts", last_name="Moreau", account_id=other)
    before = snapshot(store)
    for plan in (
        Plan(contact_id=contact),
        Plan(account_id=create(store, "accounts", name="Globex"), contact_id=contact),
    ):
        before = snapshot(store)
        # checked before anything is written: nothing is left even when the transaction goes on
        with store.transaction() as s, pytest.raises(ValidationError) as info:
            conversion.convert(s, lead, plan)
        assert "works for another account" in info.value.errors["contact_id"]
        assert snapshot(store) == before


def test_a_bad_opportunity_is_named_as_such_and_nothing_is_written(store: LocalStore, lead: str) -> None:
    before = snapshot(store)
    with store.transaction() as s, pytest.raises(ValidationError) as info:
        conversion.convert(s, lead, Plan(opportunity={"name": "Pilot", "stage": "signed"}))
    assert set(info.value.errors) == {"opportunity_stage"}
    assert info.value.errors["opportunity_stage"].startswith("Opportunity: 'signed' is not a stage")
    assert snapshot(store) == before


def test_a_failure_half_way_leaves_the_old_state(
    store: LocalStore, lead: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot(store)
    real_update = services.update

    def failing_update(session: Any, kind: str, record_id: str, changes: Any) -> Any:
        if kind == "activities":  # the account and contact are written by now
            raise OSError("disk full")
        return real_update(session, kind, record_id, changes)

    monkeypatch.setattr(services, "update", failing_update)
    with pytest.raises(OSError, match="disk full"), store.transaction() as s:  # as the window and sfa do
        conversion.convert(s, lead, Plan(opportunity={"name": "Pilot"}))
    assert snapshot(store) == before


def test_a_crash_half_way_leaves_the_old_state(store: LocalStore, lead: str, data_dir: Path) -> None:
    """The process dies (no exception handling, no rollback) after the account and contact were written."""
    before = snapshot(store)
    store.close()
    script = textwrap.dedent(
        f"""
        import os
        from pathlib import Path
        from sfa_desktop.core.records import conversion
        from sfa_desktop.core.records import services
        from sfa_desktop.store.database import LocalStore

        real_update = services.update

        def crash(session, kind, record_id, changes):
            if kind == "activities":
                session.flush()
                os._exit(3)
            return real_update(session, kind, record_id, changes)

        services.update = crash
        store = LocalStore.open(Path({str(data_dir)!r}))
        with store.transaction() as s:
            conversion.convert(s, {lead!r}, conversion.Plan())
        """
    )
    done = subprocess.run([sys.executable, "-c", script], check=False, timeout=120)
    assert done.returncode == 3
    again = LocalStore.open(data_dir)
    try:
        assert snapshot(again) == before
        assert get(again, "leads", lead)["status"] == "qualified"
    finally:
        again.close()
