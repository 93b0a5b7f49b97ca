"""The five ways a laptop lost data (issue 19), each against the real central stores: a SQLite central file
and, where the point is the company store, PostgreSQL.  DESIGN.md, sync rules 1 and 8."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from sfa_desktop.protocol.errors import Incompatible, Revoked, Unreachable
from sfa_desktop.server import central
from sfa_desktop.sync import conflicts as local_conflicts
from tests.integration.sync_harness import Laptop, World, assert_replica_matches, world_fixture


@pytest.fixture(params=["sqlite", "postgresql"])
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    pg = request.getfixturevalue("pg_url") if request.param == "postgresql" else None
    yield from world_fixture(request.param, tmp_path, pg)


@pytest.fixture
def sqlite_world(tmp_path: Path) -> Iterator[World]:
    yield from world_fixture("sqlite", tmp_path, None)


def _held(lap: Laptop, acme: str) -> tuple[int, object, int]:
    row = lap.row("accounts", acme)
    return lap.outbox(), row["phone"] if row else None, int(lap.scalar("SELECT count(*) FROM accounts"))


# -- 1. a missing, empty or foreign central store never wipes --------------------------------------------


def test_a_moved_central_file_is_not_recreated_and_nothing_is_wiped(
    sqlite_world: World, tmp_path: Path
) -> None:
    world = sqlite_world
    ann = world.laptop("ann")
    acme = ann.create("accounts", {"name": "Acme", "territory_id": ann.territory("NE")})
    ann.sync()
    ann.update("accounts", acme, {"phone": "+16175550100"})  # unsent
    before = _held(ann, acme)
    world.central.dispose()
    path = Path(world.url)
    moved = tmp_path / "moved"
    moved.mkdir()
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{path}{suffix}").exists():
            shutil.move(f"{path}{suffix}", moved / f"central.sqlite3{suffix}")
    for _ in range(2):  # the second sync used to read the empty file made by the first as "revoked"
        with pytest.raises(Unreachable, match="Nothing on this laptop was lost") as raised:
            ann.sync()
        assert str(path) in str(raised.value)
        assert not path.exists(), "a sync created a central store"
        assert _held(ann, acme) == before
    for suffix in ("", "-wal", "-shm"):
        if (moved / f"central.sqlite3{suffix}").exists():
            shutil.move(moved / f"central.sqlite3{suffix}", f"{path}{suffix}")
    ann.sync()
    got = world.central_row("accounts", acme)
    assert got is not None
    assert got["phone"] == "+16175550100"
    assert ann.outbox() == 0


def test_an_empty_central_file_is_incompatible_and_nothing_is_wiped(
    sqlite_world: World, tmp_path: Path
) -> None:
    world = sqlite_world
    ann = world.laptop("ann")
    acme = ann.create("accounts", {"name": "Acme", "territory_id": ann.territory("NE")})
    before = _held(ann, acme)
    empty = tmp_path / "empty.sqlite3"
    empty.write_bytes(b"")
    ann.service.engine = central.make_central_engine(str(empty))
    try:
        for _ in range(2):
            with pytest.raises(Incompatible, match="not an SFA central store"):
                ann.sync()
            assert _held(ann, acme) == before
    finally:
        ann.service.engine.dispose()
        ann.service.engine = world.central


def test_a_store_that_does_not_know_the_user_is_not_a_revoke(world: World, tmp_path: Path) -> None:
    """Another company's store (or one restored from before the user existed) has no such user: that is no
    authenticated "revoked", so nothing is wiped."""
    ann = world.laptop("ann")
    acme = ann.create("accounts", {"name": "Acme", "territory_id": ann.territory("NE")})
    before = _held(ann, acme)
    other = World(str(tmp_path / "other-company.sqlite3"), tmp_path / "other")
    try:
        ann.service.login = "zed"  # no such user there (nor here)
        ann.service.engine = other.central
        with pytest.raises(Incompatible, match="no user 'zed'"):
            ann.sync()
        assert _held(ann, acme) == before
    finally:
        ann.service.login = "ann"
        ann.service.engine = world.central
        other.close()


def test_only_a_revoked_user_is_wiped(world: World) -> None:
    ann = world.laptop("ann")
    ann.create("accounts", {"name": "Acme", "territory_id": ann.territory("NE")})
    world.admin("revoke", "ann")
    with pytest.raises(Revoked):
        ann.sync()
    assert ann.scalar("SELECT count(*) FROM accounts") == 0
    assert ann.outbox() == 0


# -- 2. a territory taken away while an edit there is unsent ------------------------------------------


def test_an_unsent_edit_of_a_territory_taken_away_comes_back_as_the_reps_conflict(world: World) -> None:
    ann = world.laptop("ann")
    acme = ann.create("accounts", {"name": "Acme", "territory_id": ann.territory("NE")})
    ann.sync()
    ann.update("accounts", acme, {"phone": "+16175550100"})
    world.admin("unassign", "ann", "NE")
    ann.sync()
    assert ann.row("accounts", acme) is None  # the record left the laptop
    assert ann.outbox() == 0
    row = world.central_row("accounts", acme)
    assert row is not None
    kept = row["phone"] == "+16175550100"
    with ann.store.engine.connect() as conn:
        listed = local_conflicts.list_conflicts(conn)
    mine = [c for c in listed if c.record_id == acme]
    assert kept or any("+16175550100" in c.lost for c in mine), (row["phone"], mine)
    # and only ann's laptop got that refusal: bob (SE) never held the record
    bob = world.laptop("bob")
    assert bob.scalar("SELECT count(*) FROM conflicts WHERE record_id = :r", r=acme) == 0


# -- 3. a wipe leaves nothing readable ----------------------------------------------------------------

SECRETS = ("Zanzibarco", "Quixotela", "Xylophrax", "Vortigaunt", "Jabberwockish")


def test_a_revoke_wipe_leaves_nothing_readable_in_the_data_folder(world: World) -> None:
    ann = world.laptop("ann")
    ne = ann.territory("NE")
    account = ann.create("accounts", {"name": f"{SECRETS[0]} Holdings", "territory_id": ne})
    ann.create("contacts", {"last_name": SECRETS[1], "account_id": account})
    ann.create("leads", {"last_name": SECRETS[2], "company": "Leadco", "territory_id": ne})
    ann.create(
        "activities",
        {"kind": "call", "subject": f"Call {SECRETS[3]}", "notes": SECRETS[4], "account_id": account},
    )
    ann.sync()
    ann.update("accounts", account, {"phone": "+16175550100"})  # in the outbox too
    world.admin("revoke", "ann")
    with pytest.raises(Revoked):
        ann.sync()
    folder = ann.store.path.parent if ann.store.path.is_file() else ann.store.path
    ann.store.engine.dispose()
    files = [p for p in folder.rglob("*") if p.is_file()]
    assert files
    for file in files:
        data = file.read_bytes()
        for secret in SECRETS:
            for form in (secret.encode(), secret.lower().encode(), secret.encode("utf-16-le")):
                assert form not in data, f"{secret} is still readable in {file.name}"


# -- 4. a lead of one's own with no territory ----------------------------------------------------------


def test_a_lead_without_territory_reaches_the_store_and_the_manager_only(world: World) -> None:
    ann, bob, mgr = world.laptop("ann"), world.laptop("bob"), world.laptop("mgr")
    lead = ann.create("leads", {"last_name": "Nowhere", "company": "Floating Inc"})  # as `sfa leads add`
    ann.sync()
    got = world.central_row("leads", lead)
    assert got is not None, "the lead never reached the central store"
    assert got["territory_id"] is None
    assert got["owner_id"] == world.central_row("users", _user_id(world, "ann"))["id"]  # type: ignore[index]
    assert world.count("conflicts", record_id=lead) == 0
    for lap in (ann, bob, mgr):
        lap.sync()
    assert ann.row("leads", lead) is not None
    assert mgr.row("leads", lead) is not None, "the rep's manager did not receive the lead"
    assert bob.row("leads", lead) is None
    for lap in (ann, bob, mgr):
        assert lap.scalar("SELECT count(*) FROM conflicts") == 0
        assert_replica_matches(world, lap)
    # the manager may work on it, and the rep sees that
    mgr.update("leads", lead, {"status": "working"})
    mgr.sync()
    ann.sync()
    assert ann.row("leads", lead)["status"] == "working"  # type: ignore[index]


def test_a_refusal_without_territory_reaches_only_who_lost_it(world: World) -> None:
    ann, bob = world.laptop("ann"), world.laptop("bob")
    bob_id = _user_id(world, "bob")
    # a lead ann's laptop claims for bob, behind its services' back: refused, archived for ann alone
    lead = ann.create("leads", {"last_name": "Claimed", "company": "X", "owner_id": bob_id}, unchecked=True)
    ann.sync()
    assert world.central_row("leads", lead) is None
    assert world.count("conflicts", record_id=lead, reason="not-permitted") == 1
    bob.sync()
    ann.sync()
    assert ann.scalar("SELECT count(*) FROM conflicts WHERE record_id = :r", r=lead) == 1
    assert bob.scalar("SELECT count(*) FROM conflicts WHERE record_id = :r", r=lead) == 0


def _user_id(world: World, login: str) -> str:
    with world.central.connect() as cc:
        return str(cc.execute(text("SELECT id FROM users WHERE login = :l"), {"l": login}).scalar_one())


# -- 5. delete against edit, in either order ------------------------------------------------------------


@pytest.mark.parametrize("deleter_first", [True, False])
def test_delete_against_edit_archives_the_edit_and_it_can_be_restored(
    world: World, deleter_first: bool
) -> None:
    ann, mgr = world.laptop("ann"), world.laptop("mgr")
    acme = ann.create("accounts", {"name": "Acme", "territory_id": ann.territory("NE")})
    ann.sync()
    mgr.sync()
    ann.delete("accounts", acme)
    mgr.update("accounts", acme, {"phone": "+16175550100"})
    for lap in (ann, mgr) if deleter_first else (mgr, ann):
        lap.sync()
    for lap in (ann, mgr):
        lap.sync()
    row = world.central_row("accounts", acme)
    assert row is not None
    assert row["deleted_at"] is not None
    with world.central.connect() as cc:
        archived = cc.execute(
            text("SELECT field, lost_value, won_value, reason FROM conflicts WHERE record_id = :r"),
            {"r": acme},
        ).all()
    assert any(
        json.loads(lost) == "+16175550100" or "+16175550100" in json.dumps(json.loads(won or "null"))
        for _f, lost, won, _r in archived
    ), archived
    for lap in (ann, mgr):
        assert_replica_matches(world, lap)
    # mgr (whose edit lost) restores it: the record comes back with the value
    with mgr.store.engine.connect() as conn:
        mine = [c for c in local_conflicts.list_conflicts(conn) if c.record_id == acme and c.usable]
    assert mine, "no restorable conflict reached the laptop whose edit lost"
    local_conflicts.use_value(mgr.store, mine[0].id)
    mgr.sync()
    row = world.central_row("accounts", acme)
    assert row is not None
    assert row["deleted_at"] is None
    assert row["phone"] == "+16175550100"
    ann.sync()
    back = ann.row("accounts", acme)
    assert back is not None
    assert back["deleted_at"] is None
    for lap in (ann, mgr):
        assert_replica_matches(world, lap)
