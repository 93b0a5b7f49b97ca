"""Merging duplicates on the laptop: chosen fields, related records moved, history, tombstone, one
transaction."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import text

from sfa_desktop.core import comments
from sfa_desktop.core.records import merge, services
from sfa_desktop.core.records.merge import MergeError
from sfa_desktop.store import capture
from sfa_desktop.store.database import LocalStore


def _create(store: LocalStore, table: str, /, **values: Any) -> str:
    with store.transaction() as session:
        return services.create(session, table, values).id


def _row(store: LocalStore, table: str, record_id: str) -> dict[str, Any]:
    with store.engine.connect() as conn:
        row = conn.execute(text(f"SELECT * FROM {table} WHERE id = :i"), {"i": record_id}).mappings().one()
    return dict(row)


@pytest.fixture
def pair(store: LocalStore) -> dict[str, str]:
    """Two accounts of one company in two territories, with related records on the one merged away."""
    ids: dict[str, str] = {}
    ids["ne"] = _create(store, "territories", code="NE", name="New England")
    ids["ma"] = _create(store, "territories", code="MA", name="Mid-Atlantic")
    ids["survivor"] = _create(
        store, "accounts", name="Acme Corporation", phone="+1 617 555 0100", territory_id=ids["ne"]
    )
    ids["loser"] = _create(
        store,
        "accounts",
        name="ACME Corp",
        website="acme.com",
        phone="+1 617 555 0199",
        city="Boston",
        territory_id=ids["ma"],
    )
    ids["contact"] = _create(store, "contacts", last_name="Doe", account_id=ids["loser"])
    ids["gone"] = _create(store, "contacts", last_name="Gone", account_id=ids["loser"])
    with store.transaction() as session:
        services.delete(session, "contacts", ids["gone"])
    ids["opportunity"] = _create(store, "opportunities", name="Fleet", account_id=ids["loser"])
    ids["activity"] = _create(store, "activities", kind="call", subject="Intro", account_id=ids["loser"])
    template = _create(store, "sequence_templates", name="Onboarding")
    ids["enrollment"] = _create(store, "sequence_enrollments", template_id=template, account_id=ids["loser"])
    ids["lead"] = _create(store, "leads", last_name="Doe", company="Acme")
    with store.transaction() as session:
        ids["comment"] = comments.add(
            session, "accounts", ids["loser"], "Same company as Acme Corporation"
        ).id
    with store.transaction() as session:
        services.update(session, "leads", ids["lead"], {"converted_account_id": ids["loser"]})
    with store.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO change_history (seq, table_name, record_id, territory_id, op, changes, db_user,"
                " applied_at) VALUES (7, 'accounts', :i, :t, 'update', '{}', 'ann', '2026-01-01 00:00:00')"
            ),
            {"i": ids["loser"], "t": ids["ma"]},
        )
    return ids


def test_merge_keeps_chosen_values_and_moves_everything_to_the_survivor(
    store: LocalStore, pair: dict[str, str]
) -> None:
    survivor, loser = pair["survivor"], pair["loser"]
    with store.engine.connect() as conn:
        before = capture.pending_count(conn)
    with store.transaction() as session:
        result = merge.merge(session, "accounts", survivor, [loser], take={"phone": loser})
    assert result.changed == ["city", "phone", "website"]  # phone taken; city and website were empty
    assert result.moved == {
        "contacts": 1,
        "opportunities": 1,
        "activities": 1,
        "sequence_enrollments": 1,
        "service_requests": 0,
        "request_comments": 0,
        "leads": 1,
        "comments": 1,
        "visit_reports": 0,
        "attachments": 0,
        "defections": 0,
    }
    kept = _row(store, "accounts", survivor)
    assert (kept["name"], kept["phone"], kept["website"], kept["city"]) == (
        "Acme Corporation",
        "+16175550199",
        "https://acme.com",
        "Boston",
    )
    for table, key in (
        ("contacts", "contact"),
        ("opportunities", "opportunity"),
        ("activities", "activity"),
        ("sequence_enrollments", "enrollment"),
        ("comments", "comment"),
    ):
        row = _row(store, table, pair[key])
        assert (row["account_id"], row["territory_id"]) == (survivor, pair["ne"]), table
    assert _row(store, "contacts", pair["gone"])["account_id"] == loser  # deleted ones stay as they were
    with store.reading() as session:  # the comments on the account merged away show on the survivor's page
        assert [c.body for c in comments.listing(session, "accounts", survivor)] == [
            "Same company as Acme Corporation"
        ]
    assert _row(store, "leads", pair["lead"])["converted_account_id"] == survivor
    gone = _row(store, "accounts", loser)
    assert gone["deleted_at"] is not None
    assert gone["merged_into_id"] == survivor
    with store.reading() as session:
        assert merge.survivor_of(session, "accounts", loser) == survivor
        assert merge.survivor_of(session, "accounts", survivor) == survivor
        assert merge.survivor_of(session, "accounts", "no-such-id") is None
    with store.engine.connect() as conn:
        history = conn.execute(text("SELECT record_id FROM change_history WHERE seq = 7")).scalar()
        outbox = capture.read_outbox(conn)
    assert history == survivor
    tombstone = [c for c in outbox if c.record_id == loser and c.op == "delete"]
    assert len(tombstone) == 1
    assert tombstone[0].changes["merged_into_id"] == [None, survivor]
    assert len(outbox) - before == 1 + 6 + 1  # survivor, six moved records, the tombstone


def test_a_merge_is_one_transaction(
    store: LocalStore, pair: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(*_args: Any) -> int:
        raise RuntimeError("power cut")

    calls = {"n": 0}
    real = merge._repoint

    def crash_later(*args: Any) -> int:
        calls["n"] += 1
        if calls["n"] == 3:
            return crash()
        return real(*args)

    monkeypatch.setattr(merge, "_repoint", crash_later)
    with store.engine.connect() as conn:
        outbox = capture.pending_count(conn)
    with pytest.raises(RuntimeError, match="power cut"), store.transaction() as session:
        merge.merge(session, "accounts", pair["survivor"], [pair["loser"]], take={"phone": pair["loser"]})
    assert _row(store, "accounts", pair["loser"])["deleted_at"] is None
    assert _row(store, "accounts", pair["survivor"])["phone"] == "+16175550100"
    assert _row(store, "contacts", pair["contact"])["account_id"] == pair["loser"]
    with store.engine.connect() as conn:
        assert capture.pending_count(conn) == outbox


def test_merging_contacts_and_leads_moves_their_records(store: LocalStore) -> None:
    account = _create(store, "accounts", name="Acme")
    a = _create(store, "contacts", first_name="Jane", last_name="Doe", account_id=account)
    b = _create(store, "contacts", first_name="Jane", last_name="Doe", email="jane@acme.com")
    c = _create(store, "contacts", first_name="J.", last_name="Doe", title="CFO")
    opportunity = _create(store, "opportunities", name="Deal", account_id=account, contact_id=b)
    call = _create(store, "activities", kind="call", subject="Call", contact_id=c)
    with store.transaction() as session:
        result = merge.merge(session, "contacts", a, [b, c])
    assert result.moved["opportunities"] == 1
    assert result.moved["activities"] == 1
    kept = _row(store, "contacts", a)
    assert (kept["email"], kept["title"], kept["account_id"]) == ("jane@acme.com", "CFO", account)
    assert _row(store, "opportunities", opportunity)["contact_id"] == a
    assert _row(store, "activities", call)["contact_id"] == a

    ne = _create(store, "territories", code="NE", name="New England")
    lead = _create(store, "leads", last_name="Roe", territory_id=ne)
    other = _create(store, "leads", last_name="Roe", company="Roe Ltd")
    own = _create(store, "activities", kind="email", subject="Hello", lead_id=other)
    tied = _create(store, "activities", kind="email", subject="Hi", lead_id=other, account_id=account)
    with store.transaction() as session:
        merge.merge(session, "leads", lead, [other])
    assert (_row(store, "activities", own)["lead_id"], _row(store, "activities", own)["territory_id"]) == (
        lead,
        ne,
    )
    assert (_row(store, "activities", tied)["lead_id"], _row(store, "activities", tied)["territory_id"]) == (
        lead,
        None,  # it follows its account, not the lead
    )
    # a chain of merges resolves to the last survivor
    third = _create(store, "contacts", last_name="Doe")
    with store.transaction() as session:
        merge.merge(session, "contacts", third, [a])
    with store.reading() as session:
        assert merge.survivor_of(session, "contacts", b) == third


def test_bad_merges_are_refused_with_a_message(store: LocalStore) -> None:
    a = _create(store, "contacts", last_name="Doe")
    b = _create(store, "contacts", last_name="Doe")
    with store.transaction() as session:
        with pytest.raises(MergeError, match="cannot be merged into itself"):
            merge.merge(session, "contacts", a, [a])
        with pytest.raises(MergeError, match="at least one"):
            merge.merge(session, "contacts", a, [])
        with pytest.raises(MergeError, match="no field 'colour'"):
            merge.merge(session, "contacts", a, [b], take={"colour": b})
        with pytest.raises(MergeError, match="Only accounts, contacts, leads"):
            merge.merge(session, "opportunities", a, [b])
        with pytest.raises(MergeError, match="There is no contact with id nope"):
            merge.merge(session, "contacts", a, ["nope"])
    with store.transaction() as session:
        merge.merge(session, "contacts", a, [b])
    with store.transaction() as session, pytest.raises(MergeError, match="merged or deleted already"):
        merge.merge(session, "contacts", a, [b])
    with store.engine.connect() as conn:
        changes = [json.dumps(c.changes) for c in capture.read_outbox(conn) if c.record_id == b]
    assert len(changes) == 2  # created, then merged: the refused attempts wrote nothing
