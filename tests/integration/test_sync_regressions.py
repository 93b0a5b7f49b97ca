"""Regression tests of the sync protocol: each a small deterministic scenario, against a SQLite central file
and a real PostgreSQL."""

from __future__ import annotations

import json
import socket
import sqlite3
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from sfa_desktop.core.records import services
from sfa_desktop.ops import undo
from sfa_desktop.protocol import digest
from sfa_desktop.protocol.errors import Incompatible, Revoked, Unreachable
from sfa_desktop.server import admin, central
from sfa_desktop.server.service import SyncService
from sfa_desktop.store import capture
from sfa_desktop.store.search import search
from sfa_desktop.sync.engine import TERRITORY_TABLES
from tests.integration.soak_model import laptop_clock, laptop_clocks
from tests.integration.sync_harness import InjectedFault, Laptop, World, assert_replica_matches, world_fixture


@pytest.fixture(params=["sqlite", "postgresql"])
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    pg = request.getfixturevalue("pg_url") if request.param == "postgresql" else None
    yield from world_fixture(request.param, tmp_path, pg)


def test_fault_before_commit_keeps_the_outbox(world: World) -> None:
    ann = world.laptop("ann")
    acme = ann.create("accounts", {"name": "Acme", "territory_id": ann.territory("NE")})
    ann.faults.arm("push.before_commit")
    with pytest.raises(InjectedFault):
        ann.sync()
    assert ann.outbox() == 1
    assert world.central_row("accounts", acme) is None
    ann.sync()
    assert ann.outbox() == 0
    assert world.central_row("accounts", acme) is not None
    assert world.count("change_log", record_id=acme) == 1


def test_lost_reply_applies_nothing_twice(world: World) -> None:
    ann = world.laptop("ann")
    acme = ann.create("accounts", {"name": "Acme", "territory_id": ann.territory("NE")})
    ann.update("accounts", acme, {"phone": "+16175550100"})
    ann.faults.arm("push.after_commit")
    with pytest.raises(InjectedFault):
        ann.sync()
    assert ann.outbox() == 2  # the reply was lost: the laptop does not know
    row = world.central_row("accounts", acme)
    assert row is not None
    assert row["phone"] == "+16175550100"
    seq = row["seq"]
    ann.sync()
    assert ann.outbox() == 0
    after = world.central_row("accounts", acme)
    assert after is not None
    assert after["seq"] == seq
    assert world.count("change_log", record_id=acme) == 2
    assert world.count("accounts", name="Acme") == 1
    assert_replica_matches(world, ann)


def test_duplicated_push_batch(world: World) -> None:
    ann = world.laptop("ann")
    acme = ann.create("accounts", {"name": "Acme", "territory_id": ann.territory("NE")})
    with ann.store.engine.connect() as conn:
        batch = capture.read_outbox(conn)
        client_id = conn.execute(text("SELECT value FROM sync_state WHERE key = 'client_id'")).scalar()
    assert client_id is not None
    service = SyncService(world.central, "ann")
    first = service.push(str(client_id), batch)
    second = service.push(str(client_id), batch)
    assert first.applied == 1
    assert second.applied == 0
    assert first.confirmed == second.confirmed
    assert world.count("change_log", record_id=acme) == 1
    ann.sync()
    assert ann.outbox() == 0
    assert world.count("change_log", record_id=acme) == 1


def test_moving_an_account_moves_it_between_filtered_replicas(world: World) -> None:
    ann, bob, mgr = world.laptop("ann"), world.laptop("bob"), world.laptop("mgr")
    acme = ann.create("accounts", {"name": "Acme", "territory_id": ann.territory("NE")})
    doe = ann.create("contacts", {"last_name": "Doe", "account_id": acme})
    ann.sync()
    bob.sync()
    mgr.sync()
    assert bob.row("accounts", acme) is None
    mgr.update("accounts", acme, {"territory_id": mgr.territory("SE")})
    mgr.sync()
    ann.sync()
    bob.sync()
    assert ann.row("accounts", acme) is None
    assert ann.row("contacts", doe) is None
    moved = bob.row("accounts", acme)
    assert moved is not None
    assert moved["territory_id"] == bob.territory("SE")
    contact = bob.row("contacts", doe)
    assert contact is not None
    assert contact["territory_id"] == bob.territory("SE")
    for lap in (ann, bob, mgr):
        assert_replica_matches(world, lap)


def test_unassign_and_assign_a_territory(world: World) -> None:
    ann, bob = world.laptop("ann"), world.laptop("bob")
    ne = ann.territory("NE")
    acme = ann.create("accounts", {"name": "Acme", "territory_id": ne})
    ann.sync()
    ann.update("accounts", acme, {"phone": "+16175550100"})  # pending when access goes
    world.admin("unassign", "ann", "NE")
    ann.sync()
    assert ann.row("accounts", acme) is None
    assert ann.outbox() == 0
    # the pending edit was pushed; ann may no longer write NE: by the engine's rule it is archived, not lost
    row = world.central_row("accounts", acme)
    assert row is not None
    assert row["phone"] is None
    assert world.count("conflicts", record_id=acme, reason="not-permitted") == 1
    assert_replica_matches(world, ann)
    world.admin("assign", "bob", "NE")
    bob.sync()
    got = bob.row("accounts", acme)
    assert got is not None
    assert got["name"] == "Acme"
    assert_replica_matches(world, bob)


@pytest.mark.parametrize("deleter_first", [True, False])
def test_delete_versus_edit(world: World, deleter_first: bool) -> None:
    ann, mgr = world.laptop("ann"), world.laptop("mgr")
    acme = ann.create("accounts", {"name": "Acme", "territory_id": ann.territory("NE")})
    ann.sync()
    mgr.sync()
    ann.delete("accounts", acme)
    mgr.update("accounts", acme, {"phone": "+16175550100"})
    order = (ann, mgr) if deleter_first else (mgr, ann)
    for lap in order:
        lap.sync()
    for lap in (ann, mgr):
        lap.sync()
    row = world.central_row("accounts", acme)
    assert row is not None
    assert row["deleted_at"] is not None
    archived = world.count("conflicts", record_id=acme)
    assert row["phone"] == "+16175550100" or archived >= 1
    for lap in (ann, mgr):
        assert_replica_matches(world, lap)


def test_create_after_delete_with_the_same_name(world: World) -> None:
    ann = world.laptop("ann")
    ne = ann.territory("NE")
    first = ann.create("accounts", {"name": "Acme", "territory_id": ne})
    ann.sync()
    ann.delete("accounts", first)
    second = ann.create("accounts", {"name": "Acme", "territory_id": ne})
    ann.sync()
    assert first != second
    one, two = world.central_row("accounts", first), world.central_row("accounts", second)
    assert one is not None
    assert one["deleted_at"] is not None
    assert two is not None
    assert two["deleted_at"] is None
    assert_replica_matches(world, ann)


def test_retried_insert_is_applied_once(world: World) -> None:
    ann = world.laptop("ann")
    acme = ann.create("accounts", {"name": "Acme", "territory_id": ann.territory("NE")})
    for _ in range(2):
        ann.faults.arm("push.after_commit")
        with pytest.raises(InjectedFault):
            ann.sync()
    ann.sync()
    assert world.count("accounts", name="Acme") == 1
    assert world.count("change_log", record_id=acme) == 1
    assert ann.outbox() == 0


def test_laptop_clock_a_year_ahead(world: World) -> None:
    ann, mgr = world.laptop("ann"), world.laptop("mgr")
    acme = ann.create("accounts", {"name": "Acme", "territory_id": ann.territory("NE")})
    ann.sync()
    mgr.sync()
    # (patching models.utcnow alone did not reach the column defaults that stamp updated_at)
    with laptop_clocks(), laptop_clock(timedelta(days=365)):
        ann.update("accounts", acme, {"phone": "+16175550100"})
    ahead, now = ann.row("accounts", acme), mgr.row("accounts", acme)
    assert ahead is not None
    assert now is not None
    assert str(ahead["updated_at"])[:4] > str(now["updated_at"])[:4], "the laptop's clock was not ahead"
    ann.sync()
    mgr.update("accounts", acme, {"phone": "+16175550199"})
    mgr.sync()
    ann.sync()
    row = world.central_row("accounts", acme)
    assert row is not None
    assert row["phone"] == "+16175550199"
    for lap in (ann, mgr):
        assert_replica_matches(world, lap)


def test_edits_of_different_fields_both_survive(world: World) -> None:
    ann, mgr = world.laptop("ann"), world.laptop("mgr")
    acme = ann.create("accounts", {"name": "Acme", "territory_id": ann.territory("NE")})
    ann.sync()
    mgr.sync()
    ann.update("accounts", acme, {"phone": "+16175550100"})
    mgr.update("accounts", acme, {"website": "https://acme.example"})
    for lap in (ann, mgr, ann):
        lap.sync()
    row = world.central_row("accounts", acme)
    assert row is not None
    assert row["phone"] == "+16175550100"
    assert row["website"] == "https://acme.example"
    assert world.count("conflicts", record_id=acme) == 0
    for lap in (ann, mgr):
        assert_replica_matches(world, lap)


def test_same_field_later_arrival_wins_and_loser_is_archived(world: World) -> None:
    ann, mgr = world.laptop("ann"), world.laptop("mgr")
    acme = ann.create("accounts", {"name": "Acme", "territory_id": ann.territory("NE")})
    ann.sync()
    mgr.sync()
    ann.update("accounts", acme, {"phone": "+16175550100"})
    mgr.update("accounts", acme, {"phone": "+16175550199"})
    ann.sync()
    mgr.sync()
    ann.sync()
    row = world.central_row("accounts", acme)
    assert row is not None
    assert row["phone"] == "+16175550199"
    assert world.count("conflicts", record_id=acme, field="phone") == 1
    for lap in (ann, mgr):
        lost = lap.scalar("SELECT lost_value FROM conflicts WHERE record_id = :r AND field = 'phone'", r=acme)
        assert lost is not None
        assert "+16175550100" in str(lost)
        assert_replica_matches(world, lap)


def test_a_pull_writes_only_what_changed(world: World) -> None:
    ann, mgr = world.laptop("ann"), world.laptop("mgr")
    ne = ann.territory("NE")
    acme = ann.create("accounts", {"name": "Acme", "territory_id": ne})
    doe = ann.create("contacts", {"last_name": "Doe", "title": "Buyer", "account_id": acme})
    ann.create("contacts", {"last_name": "Roe", "account_id": acme})  # re-indexing Doe changes its docid
    ann.sync()
    mgr.sync()

    def docid(lap: Laptop) -> int:
        return int(lap.scalar("SELECT docid FROM search_doc WHERE record_id = :r", r=doe))

    indexed = docid(ann), docid(mgr)
    ann.update("contacts", doe, {"notes": "Prefers mornings"})  # a field search does not index
    ann.sync()  # ann's own change comes back with the central store's updated_at
    mgr.sync()
    assert (docid(ann), docid(mgr)) == indexed  # the search index was left alone
    mgr.update("contacts", doe, {"title": "Chief buyer"})
    mgr.update("accounts", acme, {"name": "Acme Tools"})
    mgr.sync()
    ann.sync()
    assert docid(ann) != indexed[0]  # re-indexed: its title changed
    with ann.store.engine.connect() as conn:
        assert [h.record_id for h in search(conn, "chief acme tools", kind="contacts")] == [doe]
    for lap in (ann, mgr):
        assert_replica_matches(world, lap)


def test_purged_tombstones_make_an_old_laptop_reprime(world: World) -> None:
    """``sfa central purge``: tombstones older than the retention window (by the central store's clock)
    go; a laptop away longer is re-primed, an up-to-date one drops its copies of the purged tombstones."""
    ann, mgr, cat = world.laptop("ann"), world.laptop("mgr"), world.laptop("cat")
    ne = ann.territory("NE")
    acme = ann.create("accounts", {"name": "Acme", "territory_id": ne})
    globex = ann.create("accounts", {"name": "Globex", "territory_id": ne})
    ann.sync()
    mgr.sync()
    mgr.delete("accounts", acme)
    mgr.sync()
    cat.sync()  # cat syncs after the delete: up to date, in another territory
    with central.central_transaction(world.central) as cc:
        writer = central.Writer(cc, login="admin")
        assert admin.purge_tombstones(writer).rows == 0  # nothing is 90 days old yet
        writer.now += timedelta(days=91)  # the central store's clock, three months on
        done = admin.purge_tombstones(writer)
    assert done.rows == 1  # acme (its contacts: none)
    assert world.count("accounts") == 1
    report = ann.sync()  # away since before the delete: re-primed
    assert report.reprimed
    assert ann.row("accounts", acme) is None
    assert ann.row("accounts", globex) is not None
    assert_replica_matches(world, ann)
    report = mgr.sync()  # up to date: not re-primed, its tombstone copy goes
    assert not report.reprimed
    assert mgr.row("accounts", acme) is None
    assert_replica_matches(world, mgr)
    assert not cat.sync().reprimed
    assert_replica_matches(world, cat)


def test_damaged_replica_is_found_by_the_integrity_check_and_reprimed(world: World) -> None:
    """Rows lost, left stale or left alive on the laptop (not through the outbox) are found by the rolling
    count-and-hash check within one round of id slices, and the territory is re-primed."""
    ann, mgr = world.laptop("ann"), world.laptop("mgr")
    ne = ann.territory("NE")
    ids = [ann.create("accounts", {"name": f"Acme {i}", "territory_id": ne}) for i in range(40)]
    ann.sync()
    mgr.sync()
    lost, stale, zombie = ids[0], ids[1], ids[2]
    mgr.update("accounts", stale, {"phone": "+16175550199"})
    mgr.delete("accounts", zombie)
    mgr.sync()
    ann.sync()  # receives both changes; now damage the replica behind the outbox's back
    with ann.store.engine.begin() as conn, capture.capture_suspended(conn):
        conn.execute(text("DELETE FROM accounts WHERE id = :i"), {"i": lost})
        conn.execute(
            text("UPDATE accounts SET phone = NULL, updated_at = '2026-01-01 00:00:00.000000' WHERE id = :i"),
            {"i": stale},
        )
        conn.execute(text("UPDATE accounts SET deleted_at = NULL WHERE id = :i"), {"i": zombie})
    reprimed: list[str] = []
    for _ in range(digest.SLICES):
        reprimed += ann.sync().reprimed
    assert ne in reprimed
    assert ann.row("accounts", lost) is not None
    assert ann.row("accounts", stale)["phone"] == "+16175550199"  # type: ignore[index]
    assert ann.row("accounts", zombie)["deleted_at"] is not None  # type: ignore[index]
    assert_replica_matches(world, ann)
    # a healthy replica is never re-primed, whatever slice is checked
    assert not any(ann.sync().reprimed for _ in range(digest.SLICES))


def test_digest_hash_is_the_same_in_python_and_postgresql_sql(world: World) -> None:
    """The laptop hashes in Python (SQLite function), PostgreSQL in SQL: both must agree on every row."""
    ann = world.laptop("ann")
    ne = ann.territory("NE")
    for i in range(30):
        ann.create(
            "contacts",
            {
                "last_name": f"Doe {i}",
                "account_id": ann.create("accounts", {"name": f"Acme {i}", "territory_id": ne}),
            },
        )
    ann.sync()
    totals: dict[str, int] = {}
    for slice_no in range(digest.SLICES):
        with ann.store.engine.connect() as conn:
            local = digest.compute(conn, TERRITORY_TABLES, slice_no, {ne})
        with world.central.connect() as cc:
            remote = digest.compute(cc, TERRITORY_TABLES, slice_no, {ne})
        assert local == remote
        for (table, _territory), (count, _hash) in local.items():
            totals[table] = totals.get(table, 0) + count
    assert totals == {"accounts": 30, "contacts": 30}  # the slices cover every row exactly once


def test_revoked_user_is_wiped(world: World) -> None:
    ann = world.laptop("ann")
    ann.create("accounts", {"name": "Acme", "territory_id": ann.territory("NE")})
    ann.sync()
    world.admin("revoke", "ann")
    with pytest.raises(Revoked):
        ann.sync()
    assert ann.scalar("SELECT count(*) FROM accounts") == 0
    assert ann.scalar("SELECT count(*) FROM users") == 0
    assert ann.outbox() == 0


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _sync_against(lap: Laptop, url: str) -> None:
    # a SQLite path in a missing folder is refused already when the engine is made
    elsewhere = central.make_central_engine(url, connect_timeout=2)
    lap.service.engine = elsewhere
    try:
        lap.sync()
    finally:
        elsewhere.dispose()


@pytest.mark.parametrize("where", ["sqlite", "postgresql"])
def test_unreachable_central_leaves_the_laptop_untouched(world: World, tmp_path: Path, where: str) -> None:
    ann = world.laptop("ann")
    acme = ann.create("accounts", {"name": "Acme", "territory_id": ann.territory("NE")})
    before = (ann.outbox(), ann.row("accounts", acme), ann.cursor())
    if where == "sqlite":
        url = str(tmp_path / "missing-folder" / "central.sqlite3")
    else:
        url = f"postgresql+psycopg://postgres@127.0.0.1:{_closed_port()}/sfa"
    with pytest.raises(Unreachable):
        _sync_against(ann, url)
    ann.service.engine = world.central
    assert (ann.outbox(), ann.row("accounts", acme), ann.cursor()) == before
    assert not (tmp_path / "missing-folder").exists()


def test_newer_central_schema_is_incompatible(world: World) -> None:
    ann = world.laptop("ann")
    with world.central.begin() as cc:
        cc.execute(text("UPDATE alembic_version SET version_num = 'c9999'"))
    with pytest.raises(Incompatible, match="Update SFA Desktop"):
        ann.sync()


def test_disk_full_during_pull(world: World) -> None:
    ann, mgr = world.laptop("ann"), world.laptop("mgr")
    ne = ann.territory("NE")
    mine = ann.create("accounts", {"name": "Mine", "territory_id": ne})
    ann.sync()
    for i in range(3):
        mgr.create("accounts", {"name": f"From mgr {i}", "territory_id": mgr.territory("NE")})
    mgr.sync()
    cursor = ann.cursor()
    ann.faults.arm("pull.page_fetched", sqlite3.OperationalError("database or disk is full"))
    with pytest.raises(sqlite3.OperationalError):
        ann.sync()
    assert ann.cursor() == cursor
    assert ann.row("accounts", mine) is not None
    ann.sync()
    assert ann.scalar("SELECT count(*) FROM accounts") == 4
    assert_replica_matches(world, ann)


@pytest.fixture
def pg_world(pg_url: str, tmp_path: Path) -> Iterator[World]:
    yield from world_fixture("postgresql", tmp_path, pg_url)


def test_connection_terminated_mid_pull(pg_world: World) -> None:
    """PostgreSQL really cuts the laptop's connection inside a page's transaction (pg_terminate_backend):
    the sync fails with a message, the cursor does not move, and the next sync completes the replica."""
    world = pg_world
    ann = world.laptop("ann")
    ne = ann.territory("NE")
    for i in range(5):
        account = ann.create("accounts", {"name": f"Acme {i}", "territory_id": ne})
        ann.create("contacts", {"last_name": f"Doe {i}", "account_id": account})
    ann.sync()
    lap = world.laptop("mgr", sync=False)
    lap.service.engine = central.make_central_engine(world.url)  # a connection of its own to cut
    killer = create_engine(
        world.url, isolation_level="AUTOCOMMIT", connect_args={"application_name": "killer"}
    )
    readings: list[str] = []

    def cut_third_page(point: str) -> None:
        if point != "pull.reading":
            return
        readings.append(point)
        if len(readings) == 3:
            with killer.connect() as conn:
                conn.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE application_name = 'sfa-desktop' AND datname = current_database()"
                    )
                )

    lap.service.fault = cut_third_page
    try:
        with pytest.raises(Unreachable, match="cannot be reached"):
            lap.sync()
        assert lap.cursor() == 0
        lap.service.fault = lambda point: None
        report = lap.sync()
        assert report.pulled > 0
        assert lap.row("accounts", account) is not None
        assert_replica_matches(world, lap)
    finally:
        killer.dispose()
        lap.service.engine.dispose()


# -- found by the soak (tests/perf/soak_sync.py) ------------------------------------------------------------


def _archived(world: World, record_id: str) -> list[tuple[str, str, str]]:
    with world.central.connect() as cc:
        rows = cc.execute(
            text("SELECT field, lost_value, reason FROM conflicts WHERE record_id = :r ORDER BY seq"),
            {"r": record_id},
        ).all()
    return [(f, json.loads(lost), reason) for f, lost, reason in rows]


def test_edit_then_delete_on_one_laptop_archives_what_another_changed_meanwhile(world: World) -> None:
    """Soak seed 5: a laptop edits a record and deletes it before it pulls again; the delete's old
    ``updated_at`` is then the laptop's own clock, and the edit another laptop made meanwhile was lost
    with nothing archived."""
    ann, mgr = world.laptop("ann"), world.laptop("mgr")
    acme = ann.create("accounts", {"name": "Acme", "territory_id": ann.territory("NE")})
    ann.sync()
    mgr.sync()
    mgr.update("accounts", acme, {"city": "Salem"})
    mgr.sync()
    ann.update("accounts", acme, {"industry": "Logistics"})  # ann has not pulled mgr's edit
    ann.delete("accounts", acme)
    ann.sync()
    row = world.central_row("accounts", acme)
    assert row is not None
    assert row["deleted_at"] is not None
    assert ("city", "Salem", "deleted-after-edit") in _archived(world, acme)
    for lap in (ann, mgr):
        lap.sync()
        assert_replica_matches(world, lap)


def test_a_delete_from_a_laptop_whose_clock_runs_ahead_archives_the_edit_it_never_saw(world: World) -> None:
    """A laptop two days ahead pushes an edit, its pull is cut short, another laptop edits another field,
    then the first deletes the record: its ``updated_at`` is its own clock, which said every later central
    write came before it."""
    ann, mgr = world.laptop("ann"), world.laptop("mgr")
    acme = ann.create("accounts", {"name": "Acme", "territory_id": ann.territory("NE")})
    ann.sync()
    mgr.sync()
    with laptop_clocks(), laptop_clock(timedelta(days=2)):
        ann.update("accounts", acme, {"industry": "Logistics"})
    ann.faults.arm("pull.page_fetched")
    with pytest.raises(InjectedFault):
        ann.sync()
    assert ann.outbox() == 0  # the edit was confirmed; the pull did not bring it back
    mgr.update("accounts", acme, {"city": "Salem"})
    mgr.sync()
    with laptop_clocks(), laptop_clock(timedelta(days=2)):
        ann.delete("accounts", acme)
    ann.sync()
    assert ("city", "Salem", "deleted-after-edit") in _archived(world, acme)
    for lap in (ann, mgr):
        lap.sync()
        assert_replica_matches(world, lap)


def test_a_rep_with_no_territory_gets_their_own_leads_back(world: World) -> None:
    """Soak seed 3: with every territory taken away, a rep's pull skipped the territory tables, so the
    rep's own leads without a territory never came back (the central store's owner, a manager's edits)
    while the cursor moved past them."""
    cat = world.laptop("cat")
    world.admin("unassign", "cat", "MA")
    cat.sync()
    lead = cat.create("leads", {"last_name": "Loner", "company": "Solo Ltd"})
    cat.sync()
    cat.sync()
    held = cat.row("leads", lead)
    assert held is not None
    assert held["owner_id"] is not None, "the central store's owner never came back"
    assert_replica_matches(world, cat)
    world.admin("assign", "cat", "MA")
    cat.sync()
    assert_replica_matches(world, cat)


def test_a_manager_receives_and_drops_team_leads_as_the_team_changes(world: World) -> None:
    """Soak seed 2: a rep who joins a territory the manager sees joins the manager's team; the rep's
    leads without a territory made before (below the manager's cursor) never reached the manager, and those
    of a rep who left stayed on the manager's laptop."""
    ann, mgr = world.laptop("ann"), world.laptop("mgr")
    world.admin("unassign", "ann", "NE")
    ann.sync()
    lead = ann.create("leads", {"last_name": "Early", "company": "Before Inc"})
    ann.sync()
    mgr.sync()
    assert mgr.row("leads", lead) is None  # ann is in no territory of mgr's: not mgr's team
    assert_replica_matches(world, mgr)
    world.admin("assign", "ann", "NE")
    mgr.sync()
    assert mgr.row("leads", lead) is not None, "the lead of a rep who joined the team never came"
    assert_replica_matches(world, mgr)
    world.admin("unassign", "ann", "NE")
    mgr.sync()
    assert mgr.row("leads", lead) is None, "the lead of a rep who left the team stayed"
    assert_replica_matches(world, mgr)


def test_a_revoke_wipe_empties_the_undo_history(world: World) -> None:
    """Soak seed 1: the undo history (what an edit changed, from what to what, as the window logs it) was
    left whole by a revoke wipe, customer values readable in the laptop's file."""
    ann = world.laptop("ann")
    acme = ann.create("accounts", {"name": "Acme", "territory_id": ann.territory("NE")})
    ann.sync()
    with ann.store.transaction() as session:
        since = undo.begin(session)
        services.update(session, "accounts", acme, {"city": "Quahogville"})
        undo.note(session, since, "edit", "edit of Acme", ("accounts", acme))
    assert ann.scalar("SELECT count(*) FROM undo_history") == 1
    world.admin("revoke", "ann")
    with pytest.raises(Revoked):
        ann.sync()
    assert ann.scalar("SELECT count(*) FROM undo_history") == 0
    ann.store.engine.dispose()
    for path in ann.store.path.parent.rglob("*"):
        if path.is_file():
            assert b"Quahogville" not in path.read_bytes(), f"{path.name} still holds an edited value"


def test_a_delete_after_a_cut_pull_archives_an_edit_made_before_the_laptops_own(world: World) -> None:
    """Soak seed 13: a laptop whose pull was cut after its edit was pushed deletes the record; its
    ``updated_at`` is its own clock, and the edit another laptop made before that edit landed was lost with
    nothing archived (what it had pulled is now followed back through its logged stamps)."""
    ann, mgr = world.laptop("ann"), world.laptop("mgr")
    acme = ann.create("accounts", {"name": "Acme", "territory_id": ann.territory("NE")})
    ann.sync()
    mgr.sync()
    mgr.update("accounts", acme, {"city": "Salem"})
    mgr.sync()  # lands before ann's edit; ann never pulls it
    ann.update("accounts", acme, {"street": "1 Harbor Way"})
    ann.faults.arm("pull.page_fetched")
    with pytest.raises(InjectedFault):
        ann.sync()
    ann.delete("accounts", acme)
    ann.sync()
    assert ("city", "Salem", "deleted-after-edit") in _archived(world, acme)


def test_a_central_store_restored_from_a_backup_re_primes_the_laptops(tmp_path: Path) -> None:
    """A store restored to an earlier point is behind what a laptop pulled (its cursor is above the head):
    the laptop starts again from the store rather than keep rows the store no longer has, and the next
    changes reach it (before, a cursor above the head skipped every change until the store caught up)."""
    import shutil

    world = World(str(tmp_path / "central.sqlite3"), tmp_path)
    try:
        ann = world.laptop("ann")
        ne = ann.territory("NE")
        kept = ann.create("accounts", {"name": "In the backup", "territory_id": ne})
        ann.sync()
        world.central.dispose()
        shutil.copy(tmp_path / "central.sqlite3", tmp_path / "backup.sqlite3")
        for n in range(5):
            ann.create("accounts", {"name": f"Lost in the restore {n}", "territory_id": ne})
        ann.sync()
        world.central.dispose()
        shutil.copy(tmp_path / "backup.sqlite3", tmp_path / "central.sqlite3")  # the restore
        for suffix in ("-wal", "-shm"):
            (tmp_path / f"central.sqlite3{suffix}").unlink(missing_ok=True)
        bob = world.laptop("mgr")
        later = bob.create("accounts", {"name": "After the restore", "territory_id": ne})
        bob.sync()
        report = ann.sync()
        assert "restored to an earlier point" in " ".join(report.reprimed)
        assert ann.row("accounts", kept) is not None
        assert ann.row("accounts", later) is not None  # not skipped below a cursor from before the restore
        assert_replica_matches(world, ann)
    finally:
        world.close()
