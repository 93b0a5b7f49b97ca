"""Issue 19's attacks on the PostgreSQL central store, each one run as a rep's role the way sfa-server runs a
request (its own login switched to the rep's role: ``server.roles.act_as``), and each must do no harm:
refused, or stamped with the truth, and nothing another laptop pulls is changed or skipped (revision c0402).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from sfa_desktop.core.records.models import new_id
from sfa_desktop.protocol.errors import CentralError
from sfa_desktop.server import central
from tests.integration.sync_harness import Laptop, World, assert_replica_matches, world_fixture

pytestmark = pytest.mark.postgres

BIGINT_MAX = 2**63 - 1


@pytest.fixture
def world(pg_url: str, tmp_path: Path) -> Iterator[World]:
    yield from world_fixture("postgresql", tmp_path, pg_url)


@pytest.fixture
def scene(world: World) -> dict[str, Any]:
    """ann (NE) and bob (SE) with an account and a contact each, synced; a private lead of bob with no
    territory; a conflict, a departure and bob's sync_clients row in SE."""
    ann, bob = world.laptop("ann"), world.laptop("bob")
    ids: dict[str, Any] = {"ann_lap": ann, "bob_lap": bob}
    for lap, code in ((ann, "NE"), (bob, "SE")):
        account = lap.create("accounts", {"name": f"Acme {code}", "territory_id": lap.territory(code)})
        ids[f"acct_{code}"] = account
        ids[f"contact_{code}"] = lap.create("contacts", {"last_name": f"Doe {code}", "account_id": account})
        lap.sync()
    with world.acting_as("bob") as cc:
        bob_id = cc.execute(text("SELECT id FROM users WHERE login = 'bob'")).scalar_one()
        writer = central.Writer(cc, login="bob")
        ids["lead_bob"] = new_id()
        writer.insert(
            "leads", {"id": ids["lead_bob"], "last_name": "Private", "status": "new", "owner_id": bob_id}
        )
        writer.conflict(
            table="accounts",
            record_id=ids["acct_SE"],
            territory=world.territory("SE"),
            field="phone",
            lost="1",
            won="2",
            lost_by="bob",
            reason="same-field",
        )
        writer.depart("contacts", new_id(), world.territory("SE"))
    ids["NE"], ids["SE"] = world.territory("NE"), world.territory("SE")
    return ids


def attack(world: World, login: str, sql: str, **params: Any) -> Any:
    """Run the attacker's SQL as ``login``'s role in one transaction, as the service would; the rows."""
    with world.acting_as(login) as cc:
        result = cc.execute(text(sql), params)
        return result.all() if result.returns_rows else result.rowcount


def refused(world: World, login: str, sql: str, match: str = "", **params: Any) -> str:
    with pytest.raises(CentralError, match=match) as caught:
        attack(world, login, sql, **params)
    return str(caught.value)


def counter(world: World) -> int:
    with world.central.connect() as cc:
        return central.current_seq(cc)


def everyone_converges(world: World, *laps: Laptop) -> None:
    for lap in laps:
        report = lap.sync()
        assert report.reprimed == []
        assert_replica_matches(world, lap)


LOG = "INSERT INTO change_log (seq, table_name, record_id, territory_id, op, changes, db_user, applied_at) "


def test_a_forged_change_log_row_in_another_territory_is_refused(world: World, scene: dict[str, Any]) -> None:
    before = world.count("change_log", territory_id=scene["SE"])
    refused(
        world,
        "ann",
        LOG + "VALUES (sfa_allocate_seq(1), 'accounts', :r, :t, 'update', '{}', 'bob', now())",
        "row-level security|names the territory of its record",
        r=scene["acct_SE"],
        t=scene["SE"],
    )
    # in ann's own territory, but claiming bob's record there or no territory: refused too
    for territory in (scene["NE"], None):
        refused(
            world,
            "ann",
            LOG + "VALUES (sfa_allocate_seq(1), 'accounts', :r, :t, 'update', '{}', 'bob', now())",
            "names the territory of its record",
            r=scene["acct_SE"] if territory else scene["acct_NE"],
            t=territory,
        )
    # with a number it did not allocate (below other laptops' cursors): refused
    refused(
        world,
        "ann",
        LOG + "VALUES (:s, 'accounts', :r, :t, 'update', '{}', 'ann', now())",
        "allocated in its own transaction",
        s=counter(world) + 1,
        r=scene["acct_NE"],
        t=scene["NE"],
    )
    assert world.count("change_log", territory_id=scene["SE"]) == before


def test_a_change_log_row_claiming_another_author_is_stamped_with_the_real_one(
    world: World, scene: dict[str, Any]
) -> None:
    (seq,) = attack(
        world,
        "ann",
        LOG + "VALUES (sfa_allocate_seq(1), 'accounts', :r, :t, 'update', '{}', 'bob', now()) RETURNING seq",
        r=scene["acct_NE"],
        t=scene["NE"],
    )[0]
    with world.central.connect() as cc:
        assert cc.execute(text("SELECT db_user FROM change_log WHERE seq = :s"), {"s": seq}).scalar() == "ann"
    # the server's own code path cannot claim another author either
    with world.acting_as("ann") as cc:
        central.Writer(cc, login="bob").update("accounts", scene["acct_NE"], {"phone": "+16175550111"})
    with world.central.connect() as cc:
        last = cc.execute(text("SELECT db_user FROM change_log ORDER BY seq DESC LIMIT 1")).scalar()
    assert last == "ann"


def test_a_departure_of_a_record_still_there_is_refused(world: World, scene: dict[str, Any]) -> None:
    departure = "INSERT INTO departures (seq, table_name, record_id, territory_id) VALUES "
    before = world.count("departures")
    refused(
        world,
        "ann",
        departure + "(sfa_allocate_seq(1), 'accounts', :r, :t)",
        "row-level security",
        r=scene["acct_SE"],
        t=scene["SE"],
    )
    refused(  # in ann's own territory, of a record that is still there
        world,
        "ann",
        departure + "(sfa_allocate_seq(1), 'contacts', :r, :t)",
        "a territory its record has left",
        r=scene["contact_NE"],
        t=scene["NE"],
    )
    assert world.count("departures") == before
    bob, ann = scene["bob_lap"], scene["ann_lap"]
    everyone_converges(world, bob, ann)
    assert bob.row("accounts", scene["acct_SE"]) is not None
    assert ann.row("contacts", scene["contact_NE"]) is not None


def test_a_fake_conflict_in_another_territory_is_refused(world: World, scene: dict[str, Any]) -> None:
    conflict = (
        "INSERT INTO conflicts (id, seq, table_name, record_id, territory_id, field, lost_value, won_value, "
        "lost_by, won_by, reason, created_at, dismissed) VALUES (:i, sfa_allocate_seq(1), 'accounts', :r, "
        ":t, 'name', '\"x\"', '\"y\"', 'bob', 'mgr', 'same-field', now(), false)"
    )
    before = world.count("conflicts")
    refused(world, "ann", conflict, "row-level security", i=new_id(), r=scene["acct_SE"], t=scene["SE"])
    assert world.count("conflicts") == before
    # with no territory it is ann's own, whoever it claims won: bob never sees it
    attack(world, "ann", conflict, i=(mine := new_id()), r=scene["acct_NE"], t=None)
    with world.central.connect() as cc:
        won_by = cc.execute(text("SELECT won_by FROM conflicts WHERE id = :i"), {"i": mine}).scalar()
    assert won_by == "ann"
    assert attack(world, "bob", "SELECT id FROM conflicts WHERE id = :i", i=mine) == []
    bob = scene["bob_lap"]
    bob.sync()
    assert bob.scalar("SELECT count(*) FROM conflicts WHERE id = :i", i=mine) == 0


def test_a_direct_update_without_a_fresh_number_is_refused(world: World, scene: dict[str, Any]) -> None:
    contact = scene["contact_NE"]
    for assignment in ("", ", seq = seq", ", seq = seq + 1", ", seq = (SELECT value FROM seq_counter)"):
        refused(
            world,
            "ann",
            f"UPDATE contacts SET last_name = 'Sneaky'{assignment} WHERE id = :i",
            "sequence number allocated in its own transaction",
            i=contact,
        )
    row = world.central_row("contacts", contact)
    assert row is not None
    assert row["last_name"] == "Doe NE"
    # the same change with a fresh number reaches every laptop that holds the record
    attack(
        world,
        "ann",
        "UPDATE contacts SET last_name = 'Seen', seq = sfa_allocate_seq(1) WHERE id = :i",
        i=contact,
    )
    mgr = world.laptop("mgr")
    everyone_converges(world, mgr)
    assert mgr.scalar("SELECT last_name FROM contacts WHERE id = :i", i=contact) == "Seen"


def test_the_counter_cannot_be_rewound_or_pushed_to_the_end(world: World, scene: dict[str, Any]) -> None:
    value = counter(world)
    refused(world, "ann", "UPDATE seq_counter SET value = 0", "permission denied")
    refused(world, "ann", "UPDATE seq_counter SET value = :v", "permission denied", v=BIGINT_MAX - 10)
    refused(world, "ann", "DELETE FROM seq_counter", "permission denied")
    refused(world, "ann", "INSERT INTO seq_counter (id, value) VALUES (2, 0)", "permission denied")
    for n in (-5, 0, BIGINT_MAX - value - 5, 1_000_001):
        refused(world, "ann", "SELECT sfa_allocate_seq(:n)", "allocated 1 to 1000000 at a time", n=n)
    # not even the store's owner rewinds it or takes it past the ceiling by mistake
    for target in (0, 2**62 + 1):
        with pytest.raises(DBAPIError, match="only moves forward"), world.central.begin() as cc:
            cc.execute(text("UPDATE seq_counter SET value = :v"), {"v": target})
    assert counter(world) == value
    # and everyone still syncs
    ann, bob = scene["ann_lap"], scene["bob_lap"]
    ann.update("accounts", scene["acct_NE"], {"phone": "+16175550123"})
    everyone_converges(world, ann, bob)
    assert counter(world) > value


def test_the_counter_cannot_be_held_from_outside(world: World, scene: dict[str, Any]) -> None:
    for lock in (
        "SELECT value FROM seq_counter FOR UPDATE",
        "SELECT value FROM seq_counter FOR NO KEY UPDATE",
        "SELECT value FROM seq_counter FOR SHARE",
        "LOCK TABLE seq_counter IN EXCLUSIVE MODE",
        "LOCK TABLE seq_counter IN ROW EXCLUSIVE MODE",
    ):
        started = time.monotonic()
        refused(world, "ann", lock, "permission denied")
        assert time.monotonic() - started < 2
    ann = scene["ann_lap"]
    ann.update("accounts", scene["acct_NE"], {"phone": "+16175550124"})
    assert ann.sync().pushed == 1


def test_a_rep_reads_no_secrets_and_nothing_of_other_territories(world: World, scene: dict[str, Any]) -> None:
    refused(world, "ann", "SELECT rolpassword FROM pg_authid", "permission denied")
    assert (
        attack(
            world,
            "ann",
            "SELECT rolpassword FROM pg_roles WHERE rolpassword IS NOT NULL AND rolpassword <> '********'",
        )
        == []
    )
    for table in (
        "user_secrets",
        "devices",
    ):  # password hashes and device tokens, where another revision keeps them
        with world.central.connect() as cc:
            exists = cc.execute(text("SELECT to_regclass(:t)"), {"t": table}).scalar()
        if exists is not None:
            refused(world, "ann", f"SELECT * FROM {table}", "permission denied")
    se = scene["SE"]
    for table in ("change_log", "departures", "conflicts"):
        assert world.count(table, territory_id=se) > 0
        assert attack(world, "ann", f"SELECT count(*) FROM {table} WHERE territory_id = :t", t=se) == [(0,)]
        assert attack(world, "bob", f"SELECT count(*) FROM {table} WHERE territory_id = :t", t=se)[0][0] > 0
    # bob's private lead has no territory: its change-log rows are bob's alone
    lead = "SELECT count(*) FROM change_log WHERE record_id = :r"
    assert attack(world, "ann", lead, r=scene["lead_bob"]) == [(0,)]
    assert attack(world, "mgr", lead, r=scene["lead_bob"]) == [(0,)]
    assert attack(world, "bob", lead, r=scene["lead_bob"]) == [(1,)]
    assert attack(world, "ann", "SELECT count(*) FROM leads WHERE id = :r", r=scene["lead_bob"]) == [(0,)]
    # other users' sync_clients rows
    assert world.count("sync_clients", login="bob") == 1
    assert attack(world, "ann", "SELECT count(*) FROM sync_clients WHERE login <> 'ann'") == [(0,)]
    assert attack(world, "ann", "UPDATE sync_clients SET last_change_no = 0 WHERE login = 'bob'") == 0


def test_a_reps_role_cannot_log_in(world: World, scene: dict[str, Any]) -> None:
    for login in ("ann", "mgr", "admin"):
        engine = create_engine(make_url(world.url).set(username=login))
        try:
            with pytest.raises(DBAPIError, match="not permitted to log in"), engine.connect():
                pass
        finally:
            engine.dispose()
    with world.central.connect() as cc:
        rows = cc.execute(
            text(
                "SELECT r.rolname, r.rolcanlogin, r.rolconnlimit, r.rolconfig FROM pg_roles r "
                "JOIN pg_auth_members m ON m.member = r.oid JOIN pg_roles g ON g.oid = m.roleid "
                "WHERE g.rolname = 'sfa_user' ORDER BY 1"
            )
        ).all()
    assert {r.rolname for r in rows} >= {"admin", "ann", "bob", "cat", "mgr"}
    for row in rows:
        assert (row.rolcanlogin, row.rolconnlimit) == (False, 0), row
        assert {s.split("=")[0] for s in row.rolconfig} >= {
            "statement_timeout",
            "lock_timeout",
            "idle_in_transaction_session_timeout",
        }
    # the service's login reads nothing until it acts as a user
    with pytest.raises(DBAPIError, match="permission denied"), world.service_engine.connect() as cc:
        cc.execute(text("SELECT count(*) FROM accounts"))


def test_a_login_is_an_identifier_never_sql(world: World) -> None:
    """act_as and the role's creation quote the login (psycopg.sql): a login full of SQL is just a name."""
    from sfa_desktop.server import roles

    login = 'eve"; DROP TABLE accounts; --'
    ann = world.laptop("ann")
    ann.create("accounts", {"name": "Still here", "territory_id": ann.territory("NE")})
    ann.sync()
    with world.central.begin() as cc:
        roles.ensure_user_role(cc, login)
    try:
        with world.acting_as(login) as cc:
            assert cc.execute(text("SELECT current_user, current_setting('sfa.login')")).one() == (
                login,
                login,
            )
            assert cc.execute(text("SELECT count(*) FROM accounts")).scalar() == 0  # not a user: sees nothing
        assert world.count("accounts", name="Still here") == 1
    finally:
        with world.central.begin() as cc:
            cc.exec_driver_sql('DROP ROLE "eve""; DROP TABLE accounts; --"')


def test_acting_is_a_no_op_on_sqlite(tmp_path: Path) -> None:
    from sfa_desktop.server import roles

    engine = central.make_central_engine(str(tmp_path / "central.sqlite3"))
    central.init_central(engine)
    try:
        with central.central_transaction(engine) as cc:
            roles.act_as(cc, "ann")
            roles.ensure_user_role(cc, "ann")
            assert central.db_user(cc, "ann") == "ann"
    finally:
        engine.dispose()


def test_add_server_login_hashes_the_password_before_it_leaves(
    world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``sfa central add-server-login``: a login role that may act as every user and nothing more; its
    password reaches PostgreSQL only as a SCRAM verifier, never as SQL text."""
    import io

    from sfa_desktop import cli

    secret = "Srv-s3cret-pw"
    monkeypatch.setattr("sys.stdin", io.StringIO(secret + "\n"))
    name = "sfa_sync_cli"
    try:
        code = cli.main(["central", "add-server-login", name, "--password-stdin", "--url", world.url])
        out, err = capsys.readouterr()
        assert code == 0, err
        assert secret not in out + err
        with world.central.connect() as cc:
            query = text("SELECT rolpassword FROM pg_authid WHERE rolname = :n")
            stored = str(cc.execute(query, {"n": name}).scalar())
        assert stored.startswith("SCRAM-SHA-256$")
        assert secret not in stored
        login = create_engine(make_url(world.url).set(username=name, password=secret))
        try:
            with login.connect() as cc:
                with pytest.raises(DBAPIError, match="permission denied"), cc.begin():
                    cc.execute(text("SELECT count(*) FROM accounts"))
                with cc.begin():
                    cc.execute(text('SET LOCAL ROLE "ann"'))
                    assert cc.execute(text("SELECT current_user")).scalar() == "ann"
        finally:
            login.dispose()
    finally:
        with world.central.begin() as cc:
            cc.execute(text(f'DROP ROLE IF EXISTS "{name}"'))


def test_the_group_roles_are_fenced_too(world: World, scene: dict[str, Any]) -> None:
    """The service's login may also switch to sfa_user (every user's group) or sfa_server: neither writes."""
    before = world.count("change_log")
    forged = LOG + "VALUES (:s, 'users', 'x', NULL, 'update', '{}', 'x', now())"
    refused(world, "sfa_user", forged, "allocated in its own transaction", s=counter(world) - 1)
    refused(world, "sfa_server", forged, "permission denied", s=counter(world) - 1)
    refused(world, "sfa_user", "UPDATE seq_counter SET value = 0", "permission denied")
    assert world.count("change_log") == before
