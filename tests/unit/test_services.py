"""The services: territory follows the account, deletes cascade, references are checked, stages set the
probability, bulk creation is all-or-nothing, and every refusal says which field (and row) is wrong."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from sfa_desktop.core import settings
from sfa_desktop.core.records import services
from sfa_desktop.core.records.fields import OPPORTUNITY_STAGES
from sfa_desktop.core.records.models import new_id
from sfa_desktop.core.records.validation import ValidationError
from sfa_desktop.store import capture
from sfa_desktop.store.database import LocalStore

CHILDREN = ("contacts", "opportunities", "activities")


def territory(s: Session, code: str) -> str:
    return services.create(s, "territories", {"code": code, "name": f"Territory {code}"}).id


def family(s: Session, territory_id: str | None) -> dict[str, str]:
    """An account with one contact, one opportunity and one activity."""
    account = services.create(s, "accounts", {"name": "Acme", "territory_id": territory_id}).id
    contact = services.create(s, "contacts", {"last_name": "Doe", "account_id": account}).id
    opportunity = services.create(
        s, "opportunities", {"name": "Deal", "account_id": account, "contact_id": contact}
    ).id
    activity = services.create(
        s, "activities", {"kind": "call", "subject": "Intro", "account_id": account, "contact_id": contact}
    ).id
    return {"accounts": account, "contacts": contact, "opportunities": opportunity, "activities": activity}


def territory_of(s: Session, kind: str, record_id: str) -> Any:
    return services.get(s, kind, record_id).territory_id  # type: ignore[attr-defined]


def test_children_take_the_account_territory_on_create(store: LocalStore) -> None:
    with store.transaction() as s:
        east = territory(s, "E")
        ids = family(s, east)
        for kind in CHILDREN:
            assert territory_of(s, kind, ids[kind]) == east, kind


def test_a_territory_given_for_a_child_is_ignored_in_favour_of_the_account(store: LocalStore) -> None:
    with store.transaction() as s:
        east, west = territory(s, "E"), territory(s, "W")
        account = services.create(s, "accounts", {"name": "Acme", "territory_id": east}).id
        # contacts have no territory field: a person cannot put one elsewhere than its account
        with pytest.raises(ValidationError) as info:
            services.create(s, "contacts", {"last_name": "Doe", "account_id": account, "territory_id": west})
        assert "territory_id" in info.value.errors


def test_changing_the_contact_account_changes_its_territory(store: LocalStore) -> None:
    with store.transaction() as s:
        east, west = territory(s, "E"), territory(s, "W")
        a_east = services.create(s, "accounts", {"name": "East Co", "territory_id": east}).id
        a_west = services.create(s, "accounts", {"name": "West Co", "territory_id": west}).id
        contact = services.create(s, "contacts", {"last_name": "Doe", "account_id": a_east}).id
    with store.transaction() as s:
        services.update(s, "contacts", contact, {"account_id": a_west})
    with store.reading() as s:
        assert territory_of(s, "contacts", contact) == west
    with store.transaction() as s:
        services.update(s, "contacts", contact, {"account_id": None})
    with store.reading() as s:
        assert territory_of(s, "contacts", contact) is None
    with store.transaction() as s:
        services.update(s, "contacts", contact, {"title": "CFO"})  # an edit without the account keeps it
    with store.reading() as s:
        assert territory_of(s, "contacts", contact) is None


def test_moving_an_account_moves_its_children_and_records_it(store: LocalStore) -> None:
    with store.transaction() as s:
        east, west = territory(s, "E"), territory(s, "W")
        ids = family(s, east)
        other = family(s, east)
    with store.engine.connect() as conn:
        before = capture.pending_count(conn)
    with store.transaction() as s:
        services.update(s, "accounts", ids["accounts"], {"territory_id": west})
    with store.reading() as s:
        for kind in CHILDREN:
            assert territory_of(s, kind, ids[kind]) == west, kind
            assert territory_of(s, kind, other[kind]) == east, kind  # another account's children stay
    with store.engine.connect() as conn:
        moved = capture.read_outbox(conn, after=before)
    assert sorted((c.table, c.record_id) for c in moved) == sorted(ids.items())
    for change in moved:
        assert change.op == "update"
        assert change.changes["territory_id"] == [east, west]
    with store.transaction() as s:
        services.update(s, "accounts", ids["accounts"], {"territory_id": None})
    with store.reading() as s:
        for kind in CHILDREN:
            assert territory_of(s, kind, ids[kind]) is None


def test_deleting_an_account_soft_deletes_its_children_and_counts_them(store: LocalStore) -> None:
    with store.transaction() as s:
        ids = family(s, None)
        extra = services.create(s, "contacts", {"last_name": "Roe", "account_id": ids["accounts"]}).id
        already_gone = services.create(s, "contacts", {"last_name": "Poe", "account_id": ids["accounts"]}).id
        keep = family(s, None)
    with store.transaction() as s:
        assert services.delete(s, "contacts", already_gone) == 1
    with store.transaction() as s:
        assert services.delete(s, "accounts", ids["accounts"]) == 5  # account + 4 live children
    with store.reading() as s:
        for kind, record_id in [*ids.items(), ("contacts", extra)]:
            with pytest.raises(services.NotFound):
                services.get(s, kind, record_id)
        for kind, record_id in keep.items():
            assert services.get(s, kind, record_id).deleted_at is None
    with store.engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT count(*) FROM contacts").scalar_one()
    assert rows == 4  # soft: the rows are still there, with tombstones


def test_get_of_a_deleted_or_unknown_record_raises_not_found_with_a_message(store: LocalStore) -> None:
    with store.transaction() as s:
        lead = services.create(s, "leads", {"last_name": "Gone"}).id
        services.delete(s, "leads", lead)
    unknown = new_id()
    with store.reading() as s:
        with pytest.raises(services.NotFound, match=f"There is no lead with id {lead}"):
            services.get(s, "leads", lead)
        with pytest.raises(services.NotFound, match=unknown):
            services.get(s, "accounts", unknown)
        with pytest.raises(services.NotFound):
            services.update(s, "leads", lead, {"last_name": "Back"})
        with pytest.raises(services.NotFound):
            services.delete(s, "leads", lead)
        with pytest.raises(ValueError, match="unknown record type"):
            services.get(s, "widgets", lead)


@pytest.mark.parametrize("deleted", [False, True])
def test_a_reference_to_a_missing_or_deleted_record_names_the_field(store: LocalStore, deleted: bool) -> None:
    with store.transaction() as s:
        account = services.create(s, "accounts", {"name": "Acme"}).id
        contact = services.create(s, "contacts", {"last_name": "Doe", "account_id": account}).id
        if deleted:
            services.delete(s, "accounts", account)
            target = account
        else:
            target = new_id()
    with store.engine.connect() as conn:
        before = capture.pending_count(conn)
    with store.transaction() as s:
        with pytest.raises(ValidationError) as info:
            services.create(s, "opportunities", {"name": "Deal", "account_id": target})
        assert set(info.value.errors) == {"account_id"}
        assert info.value.errors["account_id"].startswith("Account")
        assert target in info.value.errors["account_id"]
        with pytest.raises(ValidationError) as info:
            services.create(s, "activities", {"kind": "call", "subject": "x", "lead_id": target})
        assert info.value.errors["lead_id"].startswith("Lead")
        if not deleted:
            with pytest.raises(ValidationError) as info:
                services.update(s, "contacts", contact, {"account_id": target, "title": "CEO"})
            assert set(info.value.errors) == {"account_id"}
            assert services.get(s, "contacts", contact).title is None  # type: ignore[attr-defined]
    with store.engine.connect() as conn:
        assert capture.pending_count(conn) == before


@pytest.mark.parametrize("stage", list(OPPORTUNITY_STAGES))
def test_stage_sets_the_default_probability_unless_given(store: LocalStore, stage: str) -> None:
    with store.transaction() as s:
        account = services.create(s, "accounts", {"name": "Acme"}).id
        opp = services.create(s, "opportunities", {"name": "Deal", "account_id": account, "stage": stage})
        assert opp.probability == OPPORTUNITY_STAGES[stage]  # type: ignore[attr-defined]
        given = services.create(
            s,
            "opportunities",
            {"name": "Deal", "account_id": account, "stage": stage.upper(), "probability": 33},
        )
        assert (given.stage, given.probability) == (stage, 33)  # type: ignore[attr-defined]
        (bulk,) = services.create_many(
            s, "opportunities", [{"name": "Bulk", "account_id": account, "stage": stage}]
        )
        assert services.get(s, "opportunities", bulk).probability == OPPORTUNITY_STAGES[stage]  # type: ignore[attr-defined]


def test_changing_stage_updates_probability_unless_given(store: LocalStore) -> None:
    with store.transaction() as s:
        account = services.create(s, "accounts", {"name": "Acme"}).id
        opp = services.create(s, "opportunities", {"name": "Deal", "account_id": account}).id
        assert services.get(s, "opportunities", opp).probability == 10  # type: ignore[attr-defined]
        services.update(s, "opportunities", opp, {"stage": "proposal"})
        assert services.get(s, "opportunities", opp).probability == 60  # type: ignore[attr-defined]
        services.update(s, "opportunities", opp, {"stage": "negotiation", "probability": "75"})
        assert services.get(s, "opportunities", opp).probability == 75  # type: ignore[attr-defined]
        services.update(s, "opportunities", opp, {"next_step": "Call"})
        assert services.get(s, "opportunities", opp).probability == 75  # type: ignore[attr-defined]


def test_create_many_is_all_or_nothing_and_names_row_and_field(store: LocalStore) -> None:
    with store.transaction() as s:
        account = services.create(s, "accounts", {"name": "Acme"}).id
    with store.engine.connect() as conn:
        before = capture.pending_count(conn)
    rows = [
        {"last_name": "One", "account_id": account},
        {"last_name": "Two", "email": "two@acme.com"},
        {"last_name": "Three", "email": "three@"},
        {"last_name": ""},
    ]
    with store.transaction() as s:
        with pytest.raises(ValidationError) as info:
            services.create_many(s, "contacts", rows)
        assert set(info.value.errors) == {"row 3: email"}  # the first bad row is reported
        assert "row 3" in str(info.value)
        with pytest.raises(ValidationError) as info:
            services.create_many(s, "contacts", [rows[0], {"last_name": "Ref", "account_id": new_id()}])
        assert set(info.value.errors) == {"row 2: account_id"}
        assert info.value.errors["row 2: account_id"].startswith("Account")
        with pytest.raises(ValidationError) as info:
            services.create_many(s, "contacts", [rows[0], rows[1], {"first_name": "NoLast"}])
        assert info.value.errors == {"row 3: last_name": "Last name is required."}
    with store.engine.connect() as conn:
        assert capture.pending_count(conn) == before
        assert conn.exec_driver_sql("SELECT count(*) FROM contacts").scalar_one() == 0


def test_create_many_matches_create(store: LocalStore) -> None:
    """A record made in bulk is stored exactly as one made alone (but for id and times)."""
    values = {
        "first_name": " Ana ",
        "last_name": "Silva",
        "email": "Ana@Example.COM",
        "phone": "(212) 555-0143",
        "country": "br",
        "consent_email": "yes",
    }
    with store.transaction() as s:
        east = territory(s, "E")
        values["account_id"] = services.create(s, "accounts", {"name": "Acme", "territory_id": east}).id
        one = services.as_dict(services.create(s, "contacts", values))
        (bulk_id,) = services.create_many(s, "contacts", [values])
    with store.reading() as s:
        bulk = services.as_dict(services.get(s, "contacts", bulk_id))
        one = services.as_dict(services.get(s, "contacts", one["id"]))
    for column in ("id", "created_at", "updated_at"):
        del one[column], bulk[column]
    assert bulk == one
    assert one["phone"] == "+552125550143"  # a national number is read in the contact's country (BR)
    assert one["territory_id"] == east


def test_emptied_fields_with_defaults_take_the_default(store: LocalStore) -> None:
    """Regression: create_many and update wrote NULL into NOT NULL columns (role, lead status)."""
    with store.transaction() as s:
        (user,) = services.create_many(s, "users", [{"login": "ana", "full_name": "Ana", "role": ""}])
        lead = services.create(s, "leads", {"last_name": "X", "status": "working"}).id
        services.update(s, "leads", lead, {"status": ""})
        assert services.get(s, "users", user).role == "rep"  # type: ignore[attr-defined]
        assert services.get(s, "leads", lead).status == "new"  # type: ignore[attr-defined]


def test_phone_region_setting_reads_national_numbers(store: LocalStore) -> None:
    with store.transaction() as s:
        settings.put(s, "phone_region", "GB")
        contact = services.create(s, "contacts", {"last_name": "Smith", "phone": "020 7946 0958"})
        assert contact.phone == "+442079460958"  # type: ignore[attr-defined]


def test_duplicate_unique_values_are_refused_with_the_field(store: LocalStore) -> None:
    with store.transaction() as s:
        services.create(s, "users", {"login": "ana", "full_name": "Ana"})
        with pytest.raises(ValidationError) as info:
            services.create(s, "users", {"login": "ana", "full_name": "Other Ana"})
        assert "login" in info.value.errors
        with pytest.raises(ValidationError) as info:
            services.create_many(s, "territories", [{"code": "N", "name": "a"}, {"code": "N", "name": "b"}])
        assert "row 2: code" in info.value.errors


def test_a_failed_validation_writes_nothing_even_if_the_transaction_commits(store: LocalStore) -> None:
    with store.transaction() as s:
        contact = services.create(s, "contacts", {"last_name": "Doe", "email": "doe@acme.com"}).id
    with store.engine.connect() as conn:
        before = capture.pending_count(conn)
    with store.transaction() as s:
        with pytest.raises(ValidationError) as info:
            services.update(s, "contacts", contact, {"last_name": "Roe", "email": "bad@", "phone": "12"})
        assert set(info.value.errors) == {"email", "phone"}
    with store.reading() as s:
        record = services.get(s, "contacts", contact)
        assert (record.last_name, record.email) == ("Doe", "doe@acme.com")  # type: ignore[attr-defined]
    with store.engine.connect() as conn:
        assert capture.pending_count(conn) == before


@pytest.mark.parametrize("name", ["Acme\x00Tools", "Acme\x1bTools", "Acme\x7fTools"])
def test_text_with_control_characters_is_refused_by_create_and_create_many(
    store: LocalStore, name: str
) -> None:
    # create_many sends rows through SQLite JSON, which would cut text at a NUL: such text is refused
    with store.transaction() as s:
        with pytest.raises(ValidationError) as single:
            services.create(s, "accounts", {"name": name})
        with pytest.raises(ValidationError) as bulk:
            services.create_many(s, "accounts", [{"name": name}])
    assert "control characters" in single.value.errors["name"]
    assert "control characters" in bulk.value.errors["row 1: name"]
    with store.transaction() as s:  # line breaks and tabs stay welcome in notes
        account = services.create(s, "accounts", {"name": "Acme", "notes": "line one\n\tline two"})
    assert account.notes == "line one\n\tline two"  # type: ignore[attr-defined]


def test_a_territory_cannot_become_its_own_ancestor(store: LocalStore) -> None:
    with store.transaction() as s:
        top = territory(s, "TOP")
        child = services.create(s, "territories", {"code": "C", "name": "Child", "parent_id": top}).id
    with store.transaction() as s:
        with pytest.raises(ValidationError) as info:
            services.update(s, "territories", top, {"parent_id": child})
        assert "parent_id" in info.value.errors
        with pytest.raises(ValidationError):
            services.update(s, "territories", top, {"parent_id": top})


def test_a_user_cannot_become_their_own_manager_through_a_chain(store: LocalStore) -> None:
    with store.transaction() as s:
        boss = services.create(s, "users", {"login": "boss", "full_name": "Boss"}).id
        mid = services.create(s, "users", {"login": "mid", "full_name": "Mid", "manager_id": boss}).id
        low = services.create(s, "users", {"login": "low", "full_name": "Low", "manager_id": mid}).id
    with store.transaction() as s, pytest.raises(ValidationError) as info:
        services.update(s, "users", boss, {"manager_id": low})
    assert "cannot be placed under itself" in info.value.errors["manager_id"]
    with store.transaction() as s:  # a legal move still works
        services.update(s, "users", low, {"manager_id": boss})
