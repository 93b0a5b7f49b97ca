"""Merges sync: every laptop ends with one record, the merged-away id resolves to the survivor, offline edits
of it go to the survivor instead of resurrecting it, records created against it offline attach to the
survivor, the company's orders move to the survivor, and a merge cycle is refused.  SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from sfa_desktop.core.records import merge, services
from tests.integration.sync_harness import Laptop, World, assert_replica_matches, world_fixture


@pytest.fixture(params=["sqlite", "postgresql"])
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    pg = request.getfixturevalue("pg_url") if request.param == "postgresql" else None
    yield from world_fixture(request.param, tmp_path, pg)


def _merge(lap: Laptop, kind: str, survivor: str, loser: str, **take: str) -> merge.MergeResult:
    with lap.store.transaction() as session:
        return merge.merge(session, kind, survivor, [loser], take=take)


def _with_order(admin: Laptop, account: str) -> tuple[str, str]:
    with admin.store.transaction() as session:
        order = services.create(
            session,
            "orders",
            {"account_id": account, "number": "SO-7", "order_date": "2026-10-02", "total_cents": 500},
        ).id
        line = services.create(
            session,
            "order_lines",
            {"order_id": order, "account_id": account, "quantity": 1, "line_total_cents": 500},
        ).id
    return order, line


def _conflicts(lap: Laptop) -> list[dict[str, Any]]:
    with lap.store.engine.connect() as conn:
        rows = conn.execute(text("SELECT record_id, field, reason, lost_value FROM conflicts")).mappings()
        return [dict(r) for r in rows]


def test_a_merge_reaches_every_laptop_with_related_records_orders_and_history(world: World) -> None:
    admin = world.laptop("admin")
    ne = world.territory("NE")
    survivor = admin.create(
        "accounts", {"name": "Acme Corporation", "territory_id": ne, "phone": "+16175550100"}
    )
    loser = admin.create("accounts", {"name": "ACME Corp", "territory_id": ne, "website": "acme.com"})
    order, line = _with_order(admin, loser)
    admin.sync()
    ann, mgr = world.laptop("ann"), world.laptop("mgr")
    ann.update("accounts", loser, {"city": "Boston"})  # history for the merged-away record
    ann.sync()
    mgr.sync()
    # created elsewhere and pushed, but not yet seen by the laptop that merges
    unseen = mgr.create("contacts", {"last_name": "Unseen", "account_id": loser})
    mgr.sync()
    held = ann.create("contacts", {"last_name": "Held", "account_id": loser})
    result = _merge(ann, "accounts", survivor, loser)
    assert result.changed == ["city", "website"]
    assert ann.sync().conflicts == 0

    central_loser = world.central_row("accounts", loser)
    assert central_loser is not None
    assert central_loser["deleted_at"] is not None
    assert central_loser["merged_into_id"] == survivor
    for table, record_id in (
        ("contacts", unseen),
        ("contacts", held),
        ("orders", order),
        ("order_lines", line),
    ):
        assert world.central_row(table, record_id)["account_id"] == survivor, table  # type: ignore[index]
    mgr.sync()
    ann.sync()
    for lap in (ann, mgr, admin):
        lap.sync()
        assert_replica_matches(world, lap)
        live = lap.scalar("SELECT count(*) FROM accounts WHERE deleted_at IS NULL AND name LIKE 'acme%'")
        assert live == 1
        with lap.store.reading() as session:
            assert merge.survivor_of(session, "accounts", loser) == survivor
    assert mgr.row("orders", order)["account_id"] == survivor  # type: ignore[index]
    history = mgr.scalar(
        "SELECT count(*) FROM change_history WHERE table_name = 'accounts' AND record_id = :r", r=loser
    )
    assert history == 0  # the merged-away record's history is the survivor's now
    inserts = mgr.scalar(
        "SELECT count(*) FROM change_history WHERE table_name = 'accounts' AND record_id = :r "
        "AND op = 'insert'",
        r=survivor,
    )
    assert inserts == 2  # its own creation and the merged-away record's


def test_an_offline_edit_of_the_merged_away_record_goes_to_the_survivor(world: World) -> None:
    ann, mgr = world.laptop("ann"), world.laptop("mgr")
    ne = ann.territory("NE")
    survivor = ann.create("accounts", {"name": "Globex", "territory_id": ne, "phone": "+16175550100"})
    loser = ann.create("accounts", {"name": "Globex Inc", "territory_id": ne, "phone": "+16175550199"})
    ann.sync()
    mgr.sync()
    # offline on the manager's laptop: the merged-away record is edited
    mgr.update("accounts", loser, {"notes": "Met at the trade fair", "phone": "+16175550142"})
    _merge(ann, "accounts", survivor, loser)  # keeps the survivor's phone
    ann.sync()
    report = mgr.sync()
    assert report.conflicts == 1  # the survivor's phone, replaced by the later edit, is archived
    kept = world.central_row("accounts", survivor)
    gone = world.central_row("accounts", loser)
    assert kept is not None
    assert gone is not None
    assert (kept["notes"], kept["phone"]) == ("Met at the trade fair", "+16175550142")
    assert gone["deleted_at"] is not None  # not resurrected
    assert gone["notes"] is None
    archived = [c for c in _conflicts(mgr) if c["record_id"] == survivor]
    assert [(c["field"], c["reason"], json.loads(c["lost_value"])) for c in archived] == [
        ("phone", "same-field", "+16175550100")
    ]
    # deleting the merged-away record offline deletes nothing more
    bob_free = world.laptop("mgr", "mgr-second")
    ann.sync()
    with bob_free.store.engine.begin() as conn:
        conn.execute(text("UPDATE capture_control SET suspended = 1"))
        conn.execute(
            text("UPDATE accounts SET deleted_at = NULL, merged_into_id = NULL WHERE id = :i"), {"i": loser}
        )
        conn.execute(text("UPDATE capture_control SET suspended = 0"))
    bob_free.delete("accounts", loser)  # a laptop that still held it live deletes it
    bob_free.sync()
    assert world.central_row("accounts", survivor)["deleted_at"] is None  # type: ignore[index]
    for lap in (ann, mgr, bob_free):
        lap.sync()
        assert_replica_matches(world, lap)


def test_records_created_offline_against_the_merged_away_id_attach_to_the_survivor(world: World) -> None:
    admin = world.laptop("admin")
    ne = world.territory("NE")
    survivor = admin.create("accounts", {"name": "Initech", "territory_id": ne})
    loser = admin.create("accounts", {"name": "Initech LLC", "territory_id": ne})
    lead = admin.create("leads", {"last_name": "Lumbergh", "territory_id": ne})
    admin.sync()
    ann, mgr = world.laptop("ann"), world.laptop("mgr")
    # offline on ann's laptop: work against the account that is about to be merged away
    contact = ann.create("contacts", {"last_name": "Waddams", "account_id": loser})
    call = ann.create("activities", {"kind": "call", "subject": "Stapler", "account_id": loser})
    ann.update("leads", lead, {"converted_account_id": loser})
    _merge(mgr, "accounts", survivor, loser)  # meanwhile, on the manager's laptop
    assert mgr.sync().conflicts == 0
    assert ann.sync().conflicts == 0
    for table, record_id in (("contacts", contact), ("activities", call)):
        assert world.central_row(table, record_id)["account_id"] == survivor, table  # type: ignore[index]
        assert ann.row(table, record_id)["account_id"] == survivor, table  # type: ignore[index]
    assert world.central_row("leads", lead)["converted_account_id"] == survivor  # type: ignore[index]
    for lap in (ann, mgr, admin):
        lap.sync()
        assert_replica_matches(world, lap)


def test_a_merge_into_another_territory_takes_the_related_records_and_orders_along(world: World) -> None:
    admin = world.laptop("admin")
    ne, se = world.territory("NE"), world.territory("SE")
    survivor = admin.create("accounts", {"name": "Umbrella", "territory_id": se})
    loser = admin.create("accounts", {"name": "Umbrella Corp", "territory_id": ne})
    order, line = _with_order(admin, loser)
    admin.sync()
    ann, bob, mgr = world.laptop("ann"), world.laptop("bob"), world.laptop("mgr")
    other_mgr = world.laptop("mgr", "mgr-desktop")
    # offline: the manager's other computer and ann (New England only) both add a contact to it
    theirs = other_mgr.create("contacts", {"last_name": "Wesker", "account_id": loser})
    assert other_mgr.row("contacts", theirs)["territory_id"] == ne  # type: ignore[index]
    hers = ann.create("contacts", {"last_name": "Redfield", "account_id": loser})
    _merge(mgr, "accounts", survivor, loser)
    assert mgr.sync().conflicts == 0
    assert world.central_row("orders", order)["account_id"] == survivor  # type: ignore[index]
    assert world.central_row("order_lines", line)["territory_id"] == se  # type: ignore[index]
    assert other_mgr.sync().conflicts == 0
    row = world.central_row("contacts", theirs)
    assert row is not None
    assert (row["account_id"], row["territory_id"]) == (survivor, se)
    assert other_mgr.row("contacts", theirs)["territory_id"] == se  # type: ignore[index]
    # ann may not write in the Southeast: her contact is kept in the conflict archive, not lost
    assert ann.sync().conflicts == 1
    archived = _conflicts(ann)
    assert [(c["record_id"], c["reason"]) for c in archived] == [(hers, "not-permitted")]
    assert "Redfield" in archived[0]["lost_value"]
    assert world.central_row("contacts", hers) is None
    assert ann.row("orders", order) is None  # the orders left New England with the account
    assert ann.row("accounts", loser)["merged_into_id"] == survivor  # type: ignore[index]
    bob.sync()
    assert bob.row("contacts", theirs)["account_id"] == survivor  # type: ignore[index]
    assert bob.row("orders", order)["account_id"] == survivor  # type: ignore[index]
    for lap in (bob, mgr, other_mgr, admin):
        lap.sync()
        assert_replica_matches(world, lap)


def test_a_merge_that_would_close_a_cycle_is_refused(world: World) -> None:
    ann, mgr = world.laptop("ann"), world.laptop("mgr")
    ne = ann.territory("NE")
    account = ann.create("accounts", {"name": "Acme", "territory_id": ne})
    a = ann.create("contacts", {"last_name": "Doe", "first_name": "Jane", "account_id": account})
    b = ann.create(
        "contacts", {"last_name": "Doe", "first_name": "Jane", "phone": "+16175550123", "account_id": account}
    )
    assert ann.sync().conflicts == 0
    mgr.sync()
    _merge(ann, "contacts", a, b)
    _merge(mgr, "contacts", b, a)  # offline, the other way round
    ann.sync()
    assert mgr.sync().conflicts == 1
    refused = [c for c in _conflicts(mgr) if c["reason"] == "merge-cycle"]
    assert [c["record_id"] for c in refused] == [a]  # the manager merged a into b: refused
    assert world.central_row("contacts", a)["deleted_at"] is None  # type: ignore[index]
    assert world.central_row("contacts", b)["merged_into_id"] == a  # type: ignore[index]
    for lap in (ann, mgr):
        lap.sync()
        assert_replica_matches(world, lap)
        assert lap.scalar("SELECT count(*) FROM contacts WHERE deleted_at IS NULL") == 1
        assert lap.row("contacts", a)["phone"] == "+16175550123"  # type: ignore[index]


def test_history_follows_merges_only_after_a_pull_that_brought_one(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []
    real = merge.follow_merges_in_history

    def counted(conn: Any) -> int:
        calls.append(moved := real(conn))
        return moved

    monkeypatch.setattr(merge, "follow_merges_in_history", counted)
    ann, mgr = world.laptop("ann"), world.laptop("mgr")
    ne = ann.territory("NE")
    survivor = ann.create("accounts", {"name": "Initech", "territory_id": ne})
    loser = ann.create("accounts", {"name": "Initech LLC", "territory_id": ne})
    ann.sync()
    ann.update("accounts", loser, {"city": "Austin"})
    ann.sync()
    assert mgr.sync().pulled > 0
    assert calls == []  # edits only: nothing merged, no history to move
    _merge(ann, "accounts", survivor, loser)
    ann.sync()
    mgr.sync()
    assert calls
    assert calls[-1] > 0  # the merge arrived with the merged-away record's history
    assert mgr.scalar("SELECT count(*) FROM change_history WHERE record_id = :r", r=loser) == 0
    updates = mgr.scalar(
        "SELECT count(*) FROM change_history WHERE record_id = :r AND op = 'update'", r=survivor
    )
    assert updates >= 1  # the city edit of the merged-away record, now the survivor's


def test_an_undone_merge_brings_the_record_back_everywhere_with_its_orders(world: World) -> None:
    """Undo of a merge (issue 14, item 12) on the laptop that merged: the central store restores the
    merged-away record (not redirecting the restore to the survivor as an edit of a merged-away record)
    and moves back the orders it had moved to the survivor itself; every laptop ends with both records."""
    from sfa_desktop.ops import data as data_ops
    from sfa_desktop.ops import undo as undo_ops

    admin = world.laptop("admin")
    ne = world.territory("NE")
    survivor = admin.create("accounts", {"name": "Acme Corporation", "territory_id": ne})
    loser = admin.create("accounts", {"name": "ACME Corp", "territory_id": ne, "website": "acme.com"})
    contact = admin.create("contacts", {"last_name": "Doe", "account_id": loser})
    order, line = _with_order(admin, loser)
    admin.sync()
    ann, mgr = world.laptop("ann"), world.laptop("mgr")
    data_ops.merge_records(ann.store, "accounts", survivor, [loser], {})
    ann.sync()
    assert _central(world, "orders", order)["account_id"] == survivor
    assert undo_ops.undo_last(ann.store).focus == ("accounts", loser)
    ann.sync()
    back = _central(world, "accounts", loser)
    assert (back["deleted_at"], back["merged_into_id"]) == (None, None)
    assert _central(world, "contacts", contact)["account_id"] == loser
    assert _central(world, "orders", order)["account_id"] == loser
    assert _central(world, "order_lines", line)["account_id"] == loser
    for lap in (ann, mgr, admin):
        lap.sync()
        lap.sync()
        row = lap.row("accounts", loser)
        assert row is not None
        assert (row["deleted_at"], row["merged_into_id"]) == (None, None), lap.login
        assert_replica_matches(world, lap)


def _central(world: World, table: str, record_id: str) -> dict[str, Any]:
    row = world.central_row(table, record_id)
    assert row is not None, f"{table} {record_id} is not on the central store"
    return row


def test_an_undone_delete_brings_the_account_and_what_went_with_it_back_everywhere(world: World) -> None:
    """Undo of a delete after it was synced: the restores of the account and of the contact and activity
    deleted with it reach the central store and every laptop; one deleted before stays deleted."""
    from sfa_desktop.ops import records as record_ops
    from sfa_desktop.ops import undo as undo_ops

    ann, mgr = world.laptop("ann"), world.laptop("mgr")
    ne = world.territory("NE")
    account = ann.create("accounts", {"name": "Harbor Freight Co", "territory_id": ne})
    contact = ann.create("contacts", {"last_name": "Doe", "account_id": account})
    call = ann.create("activities", {"kind": "call", "subject": "Call back", "account_id": account})
    gone = ann.create("contacts", {"last_name": "Gone", "account_id": account})
    ann.delete("contacts", gone)
    ann.sync()
    mgr.sync()
    assert record_ops.delete_record(ann.store, "accounts", account) == 3
    ann.sync()
    mgr.sync()
    assert mgr.row("accounts", account)["deleted_at"] is not None  # type: ignore[index]
    assert undo_ops.undo_last(ann.store).focus == ("accounts", account)
    ann.sync()
    for record_id, table in ((account, "accounts"), (contact, "contacts"), (call, "activities")):
        assert _central(world, table, record_id)["deleted_at"] is None, table
    assert _central(world, "contacts", gone)["deleted_at"] is not None
    for lap in (ann, mgr):
        lap.sync()
        lap.sync()
        assert lap.row("accounts", account)["deleted_at"] is None, lap.login  # type: ignore[index]
        assert lap.row("contacts", contact)["deleted_at"] is None, lap.login  # type: ignore[index]
        assert_replica_matches(world, lap)
