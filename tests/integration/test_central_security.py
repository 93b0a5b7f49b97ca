"""Row-level security on the PostgreSQL central store, enforced by PostgreSQL itself (migrations c0002,
c0402).  Reps cannot log in: each user's SQL runs as the sync service does it, on the service's login
switched to the user's role (``server.roles.act_as``); a write carries a sequence number its transaction
allocated (``sfa_allocate_seq``), as every write the server makes does."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from sfa_desktop.core.records.models import new_id
from sfa_desktop.server import admin, central, roles
from tests.integration import acting

DB = "central_security"
LOGINS = ("ann", "bob", "max", "eve")


@pytest.fixture(scope="module")
def world(pg_url: str) -> Iterator[dict[str, Any]]:
    root = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with root.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{DB}"'))
    url = make_url(pg_url).set(database=DB)
    engine = create_engine(url)
    central.init_central(engine)
    ids: dict[str, Any] = {}
    with central.central_transaction(engine) as conn:
        writer = central.Writer(conn, login="postgres")
        admin.add_territory(writer, "E", "East")
        ids["NE"] = admin.add_territory(writer, "NE", "North East", parent="E")
        ids["SE"] = admin.add_territory(writer, "SE", "South East", parent="E")
        ids["W"] = admin.add_territory(writer, "W", "West")
        ids["ann"] = admin.add_user(writer, "ann", role="rep", territories=("NE",), password="ann-pw")
        ids["bob"] = admin.add_user(writer, "bob", role="rep", territories=("SE",), password="bob-pw")
        ids["max"] = admin.add_user(writer, "max", role="manager", territories=("E",), password="max-pw")
        ids["eve"] = admin.add_user(writer, "eve", role="rep", territories=("NE",), password="eve-pw")
        for code, owner in (("NE", "ann"), ("SE", "bob")):
            ids[f"acct_{code}"] = record = new_id()
            writer.insert(
                "accounts",
                {"id": record, "name": f"Acme {code}", "territory_id": ids[code], "owner_id": ids[owner]},
            )
            ids[f"order_{code}"] = order = new_id()
            writer.insert(
                "orders",
                {
                    "id": order,
                    "account_id": record,
                    "number": f"SO-{code}",
                    "order_date": dt.date(2026, 10, 2),
                    "status": "invoiced",
                    "currency": "USD",
                    "total_cents": 19800,
                    "territory_id": ids[code],
                },
            )
        for login in ("ann", "bob"):
            conn.execute(
                text(
                    "INSERT INTO sync_clients (client_id, login, last_change_no, first_seen_at) "
                    "VALUES (:c, :l, 0, now())"
                ),
                {"c": new_id(), "l": login},
            )
        admin.revoke(writer, "eve")
    engine.dispose()
    ids["url"] = url
    ids["service"] = acting.service_login(url)
    try:
        yield ids
    finally:
        with root.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)'))
            for login in LOGINS:
                conn.execute(text(f'DROP ROLE IF EXISTS "{login}"'))
        root.dispose()


def as_user(world: dict[str, Any], login: str) -> Engine:
    return acting.acting_engine(world["service"], login)


def service_for(world: dict[str, Any], login: str) -> Any:
    from sfa_desktop.server.service import SyncService

    engine = central.make_central_engine(world["service"])
    return engine, SyncService(engine, login, role=roles.role_hook(login))


def scalar(engine: Engine, sql: str, **params: Any) -> Any:
    with engine.begin() as conn:
        return conn.execute(text(sql), params).scalar()


def rowcount(engine: Engine, sql: str, **params: Any) -> int:
    with engine.begin() as conn:
        return conn.execute(text(sql), params).rowcount


def test_rep_reads_only_own_territory(world: dict[str, Any]) -> None:
    ann = as_user(world, "ann")
    assert scalar(ann, "SELECT current_user") == "ann"
    assert scalar(ann, "SELECT count(*) FROM accounts WHERE territory_id = :t", t=world["NE"]) == 1
    assert scalar(ann, "SELECT count(*) FROM accounts WHERE territory_id = :t", t=world["SE"]) == 0
    assert scalar(ann, "SELECT count(*) FROM sync_clients WHERE login = 'bob'") == 0
    assert scalar(ann, "SELECT count(*) FROM sync_clients WHERE login = 'ann'") == 1
    assert scalar(ann, "SELECT count(*) FROM users") == len(LOGINS)  # reference data is readable
    ann.dispose()


def test_rep_cannot_write_outside(world: dict[str, Any]) -> None:
    ann = as_user(world, "ann")
    assert rowcount(ann, "UPDATE accounts SET name = 'x' WHERE id = :i", i=world["acct_SE"]) == 0
    with pytest.raises(DBAPIError, match="row-level security"):
        rowcount(
            ann,
            "INSERT INTO accounts (id, name, territory_id, owner_id, seq, created_at, updated_at) "
            "VALUES (:i, 'Sneaky', :t, :o, sfa_allocate_seq(1), now(), now())",
            i=new_id(),
            t=world["SE"],
            o=world["ann"],
        )
    with pytest.raises(DBAPIError, match="row-level security"):
        rowcount(
            ann,
            "UPDATE accounts SET territory_id = :t, seq = sfa_allocate_seq(1) WHERE id = :i",
            t=world["SE"],
            i=world["acct_NE"],
        )
    with pytest.raises(DBAPIError, match="permission denied"):
        rowcount(ann, "DELETE FROM accounts WHERE id = :i", i=world["acct_NE"])
    with pytest.raises(DBAPIError, match="permission denied"):
        rowcount(ann, "DELETE FROM change_log")
    assert rowcount(ann, "UPDATE users SET role = 'admin' WHERE login = 'ann'") == 0
    with pytest.raises(DBAPIError, match="row-level security"):
        rowcount(
            ann,
            "INSERT INTO territories (id, code, name, seq, created_at, updated_at) "
            "VALUES (:i, 'X', 'X', sfa_allocate_seq(1), now(), now())",
            i=new_id(),
        )
    # Own territory stays writable.
    renamed = "UPDATE accounts SET name = 'Acme NE2', seq = sfa_allocate_seq(1) WHERE id = :i"
    assert rowcount(ann, renamed, i=world["acct_NE"]) == 1
    ann.dispose()


def test_manager_sees_region(world: dict[str, Any]) -> None:
    boss = as_user(world, "max")
    assert (
        scalar(
            boss, "SELECT count(*) FROM accounts WHERE territory_id IN (:a, :b)", a=world["NE"], b=world["SE"]
        )
        == 2
    )
    boss.dispose()


def test_db_user_is_the_real_login(world: dict[str, Any]) -> None:
    ann = as_user(world, "ann")
    seq = scalar(
        ann,
        "INSERT INTO change_log (seq, table_name, record_id, territory_id, op, changes, db_user, applied_at) "
        "VALUES (sfa_allocate_seq(1), 'accounts', :r, :t, 'update', '{}', 'bob', now()) RETURNING seq",
        r=world["acct_NE"],
        t=world["NE"],
    )
    assert scalar(ann, "SELECT db_user FROM change_log WHERE seq = :s", s=seq) == "ann"
    ann.dispose()


def test_revoked_user_cannot_log_in(world: dict[str, Any]) -> None:
    eve = create_engine(world["url"].set(username="eve", password="eve-pw"))
    with pytest.raises(DBAPIError, match="not permitted to log in"):
        scalar(eve, "SELECT 1")
    eve.dispose()


def test_sync_engine_works_for_a_rep_under_rls(world: dict[str, Any], tmp_path: Any) -> None:
    from sfa_desktop.store.database import LocalStore
    from sfa_desktop.sync.engine import SyncEngine

    store = LocalStore.open(tmp_path / "ann")
    engine, service = service_for(world, "ann")
    sync = SyncEngine(store, service)
    sync.connect(central.safe_url(engine.url))
    sync.sync()
    with store.engine.connect() as conn:
        territories = conn.exec_driver_sql("SELECT DISTINCT territory_id FROM accounts").scalars().all()
    assert territories == [world["NE"]]
    engine.dispose()
    store.engine.dispose()


def test_orders_are_read_by_territory_and_only_moved_by_reps(world: dict[str, Any]) -> None:
    """Orders come from the company's systems: a rep reads their territory's, cannot change or add one,
    and may only change an order's territory (the sync moves orders with an account the rep moves)."""
    ann = as_user(world, "ann")
    try:
        assert scalar(ann, "SELECT count(*) FROM orders") == 1
        assert scalar(ann, "SELECT number FROM orders") == "SO-NE"
        with pytest.raises(DBAPIError, match="only an administrator may change them"):
            rowcount(ann, "UPDATE orders SET total_cents = 1 WHERE id = :i", i=world["order_NE"])
        with pytest.raises(DBAPIError, match="row-level security"):
            rowcount(
                ann,
                "INSERT INTO orders (id, account_id, number, order_date, status, currency, total_cents, "
                "territory_id, created_at, updated_at, seq) VALUES "
                "(:i, :a, 'X', '2026-10-02', 'open', 'USD', 1, :t, now(), now(), sfa_allocate_seq(1))",
                i=new_id(),
                a=world["acct_NE"],
                t=world["NE"],
            )
        assert rowcount(ann, "UPDATE orders SET total_cents = 1 WHERE id = :i", i=world["order_SE"]) == 0
        moved = rowcount(
            ann,
            "UPDATE orders SET territory_id = territory_id, seq = sfa_allocate_seq(1) WHERE id = :i",
            i=world["order_NE"],
        )
        assert moved == 1
    finally:
        ann.dispose()


def test_a_manager_moving_an_account_moves_its_orders_under_rls(world: dict[str, Any], tmp_path: Any) -> None:
    """With the manager's own login, the sync moves the account's orders along (policies and the orders
    guard allow exactly that), and back again."""
    from sfa_desktop.core.records import services
    from sfa_desktop.store.database import LocalStore
    from sfa_desktop.sync.engine import SyncEngine

    store = LocalStore.open(tmp_path / "max")
    engine, service = service_for(world, "max")
    owner = create_engine(world["url"])
    try:
        sync = SyncEngine(store, service)
        sync.connect(central.safe_url(engine.url))
        sync.sync()
        for code in ("SE", "NE"):
            with store.transaction() as session:
                services.update(session, "accounts", world["acct_NE"], {"territory_id": world[code]})
            report = sync.sync()
            assert report.conflicts == 0
            where = scalar(owner, "SELECT territory_id FROM orders WHERE id = :i", i=world["order_NE"])
            assert where == world[code]
            with store.engine.connect() as conn:
                local = conn.execute(
                    text("SELECT territory_id FROM orders WHERE id = :i"), {"i": world["order_NE"]}
                )
                assert local.scalar() == world[code]
    finally:
        engine.dispose()
        owner.dispose()
        store.close()


def test_managers_write_knowledge_sequences_and_their_own_territory_tree(world: dict[str, Any]) -> None:
    """A manager writes articles and sequence templates, and territories, memberships and rules below
    their own territories, and nothing above or beside them; a rep writes none of it."""
    max_, ann = as_user(world, "max"), as_user(world, "ann")
    now = "now(), now()"
    article = "INSERT INTO kb_articles (id, title, body, published, created_at, updated_at, seq) VALUES "
    fresh = "sfa_allocate_seq(1)"
    try:
        pricing = article + f"(:i, 'Pricing rules', '# Pricing', true, {now}, {fresh})"
        assert rowcount(max_, pricing, i=new_id()) == 1
        with pytest.raises(DBAPIError, match="row-level security"):
            rowcount(ann, article + f"(:i, 'Mine', 'x', true, {now}, {fresh})", i=new_id())
        rule = (
            "INSERT INTO territory_rules (id, territory_id, name, priority, applies_to, active, created_at, "
            f"updated_at, seq) VALUES (:i, :t, 'Boston', 10, 'both', true, {now}, {fresh})"
        )
        assert rowcount(max_, rule, i=new_id(), t=world["NE"]) == 1
        with pytest.raises(DBAPIError, match="row-level security"):
            rowcount(max_, rule, i=new_id(), t=world["W"])  # not below the manager's territory
        territory = (
            "INSERT INTO territories (id, code, name, parent_id, created_at, updated_at, seq) "
            f"VALUES (:i, :c, 'Sub', :p, {now}, {fresh})"
        )
        assert rowcount(max_, territory, i=new_id(), c="NE-1", p=world["NE"]) == 1
        with pytest.raises(DBAPIError, match="row-level security"):
            rowcount(max_, territory, i=new_id(), c="W-1", p=world["W"])
        wild = "UPDATE territories SET name = 'Wild West', seq = sfa_allocate_seq(1) WHERE id = :i"
        assert rowcount(max_, wild, i=world["W"]) == 0
        with pytest.raises(DBAPIError, match="row-level security"):
            rowcount(ann, territory, i=new_id(), c="NE-2", p=world["NE"])
    finally:
        max_.dispose()
        ann.dispose()
