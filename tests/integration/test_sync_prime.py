"""A new laptop's prime (``POST /v1/prime``: every page of a table streamed in one answer, written in bulk in
one local transaction) and the integrity check's standing slices (an idle sync hashes nothing), against a
SQLite central file and a real PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from sfa_desktop.protocol import digest
from sfa_desktop.protocol.errors import CentralError
from sfa_desktop.server import pull_queries
from sfa_desktop.store import capture
from sfa_desktop.store.search import search
from tests.integration.sync_harness import InjectedFault, Laptop, World, assert_replica_matches, world_fixture


@pytest.fixture(params=["sqlite", "postgresql"])
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    pg = request.getfixturevalue("pg_url") if request.param == "postgresql" else None
    yield from world_fixture(request.param, tmp_path, pg)


@pytest.fixture
def small_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pages of 7 rows, so that a prime of a few dozen rows streams several pages."""
    monkeypatch.setattr(pull_queries, "PULL_PAGE", 7)


def _company(world: World) -> tuple[list[str], list[str]]:
    """Accounts and contacts in NE (and one account in SE), written through a manager's laptop."""
    mgr = world.laptop("mgr")
    ne, se = mgr.territory("NE"), mgr.territory("SE")
    accounts = [
        mgr.create("accounts", {"name": f"Harbor Freight {i}", "territory_id": ne}) for i in range(12)
    ]
    mgr.create("accounts", {"name": "Southern Mills", "territory_id": se})
    contacts = [
        mgr.create("contacts", {"first_name": f"Quincy{i}", "last_name": "Zabriskie", "account_id": a})
        for i, a in enumerate(accounts * 2)
    ]
    mgr.create("leads", {"last_name": "Lead", "company": "Nordic Tools", "territory_id": ne})
    mgr.sync()
    mgr.delete("contacts", contacts[0])  # a tombstone primes too
    mgr.sync()
    return accounts, contacts


def _schema(lap: Laptop) -> list[tuple[Any, ...]]:
    with lap.store.engine.connect() as conn:
        return [
            tuple(r) for r in conn.exec_driver_sql("SELECT type, name, sql FROM sqlite_master ORDER BY name")
        ]


def test_a_streamed_bulk_prime_gives_the_same_replica_and_a_working_search(
    world: World, small_pages: None
) -> None:
    accounts, contacts = _company(world)
    ann = world.laptop("ann", sync=False)
    before = _schema(ann)
    report = ann.sync()
    assert report.pulled >= len(accounts) + len(contacts)
    assert_replica_matches(world, ann)
    # every index and trigger set aside for the bulk load is back, as it was
    assert _schema(ann) == before
    with ann.store.engine.connect() as conn:
        hits = search(conn, "Quincy3 Zabriskie")
        assert [h.record_id for h in hits] == [contacts[3]]
        assert search(conn, "Harbor Freight 7", kind="accounts")[0].record_id == accounts[7]
        assert search(conn, "Nordic")  # a lead
        assert search(conn, "Quincy0") == []  # deleted before the prime: not indexed
        assert search(conn, "Southern") == []  # another territory's
    # the triggers work after the prime: a local edit is captured and re-indexed
    ann.update("contacts", contacts[5], {"last_name": "Ostrowski"})
    assert ann.outbox() == 1
    with ann.store.engine.connect() as conn:
        assert [h.record_id for h in search(conn, "Ostrowski")] == [contacts[5]]
    ann.sync()
    assert_replica_matches(world, ann)


def test_a_prime_cut_short_leaves_nothing_half_written(world: World, small_pages: None) -> None:
    accounts, _contacts = _company(world)
    ann = world.laptop("ann", sync=False)
    original = ann.link.prime

    def prime(table: str, *args: Any) -> Iterator[Any]:
        for n, page in enumerate(original(table, *args)):
            if table == "contacts" and n == 2:
                raise InjectedFault("the connection dropped")
            yield page

    ann.link.prime = prime  # type: ignore[method-assign,assignment]
    with pytest.raises(InjectedFault):
        ann.sync()
    assert ann.cursor() == 0
    assert ann.scalar("SELECT count(*) FROM accounts") == len(accounts)  # primed before: kept
    assert ann.scalar("SELECT count(*) FROM contacts") == 0  # two pages in: the table's prime rolled back
    assert ann.scalar("SELECT count(*) FROM search_doc WHERE kind = 'contacts'") == 0
    ann.link.prime = original  # type: ignore[method-assign]
    ann.sync()
    assert_replica_matches(world, ann)


def test_a_server_error_in_the_middle_of_a_prime_reaches_the_laptop(
    world: World, small_pages: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    _company(world)
    ann = world.laptop("ann", sync=False)
    original = pull_queries.fetch_departures
    failed: list[int] = []

    def fetch_departures(cc: Any, table: str, after: int, *args: Any) -> Any:
        if table == "contacts" and after > 0 and not failed:  # a later page: the answer has begun
            failed.append(after)
            raise CentralError("The central store refused: boom.")
        return original(cc, table, after, *args)

    monkeypatch.setattr(pull_queries, "fetch_departures", fetch_departures)
    # the error travels as the answer's last line, and the laptop raises what its status stands for
    with pytest.raises(CentralError, match=r"sync server .* refused the request: The central store refused"):
        ann.sync()
    assert failed
    assert ann.cursor() == 0
    assert ann.scalar("SELECT count(*) FROM contacts") == 0
    ann.sync()
    assert_replica_matches(world, ann)


def _counting_digests(lap: Laptop) -> list[str]:
    calls: list[str] = []
    for name in ("digest", "digests"):
        original = getattr(lap.link, name)

        def counted(*args: Any, _original: Any = original, _name: str = name) -> Any:
            calls.append(_name)
            return _original(*args)

        setattr(lap.link, name, counted)
    return calls


def test_an_idle_sync_hashes_nothing_until_something_changes(world: World) -> None:
    _company(world)
    ann = world.laptop("ann", sync=False)
    calls = _counting_digests(ann)
    ann.sync()
    assert calls == ["digests"]  # the prime is checked whole at once
    calls.clear()
    for _ in range(digest.SLICES + 1):
        assert not ann.sync().reprimed
    assert calls == []  # nothing changed on either side: every slice's check stands
    # the central store moves on (another territory's change): the checks start again, a slice a sync
    bob = world.laptop("bob")
    bob.create("accounts", {"name": "Elsewhere", "territory_id": bob.territory("SE")})
    bob.sync()
    ann.sync()
    ann.sync()
    assert calls == ["digest", "digest"]


def test_damage_to_a_checked_slice_is_still_found(world: World) -> None:
    """Rows written behind the app's back mark their slice: its standing check is dropped and the slice is
    hashed again in its turn."""
    accounts, _contacts = _company(world)
    ann = world.laptop("ann")
    for _ in range(3):
        ann.sync()
    with ann.store.engine.begin() as conn, capture.capture_suspended(conn):
        conn.execute(text("DELETE FROM contacts WHERE account_id = :a"), {"a": accounts[4]})
        conn.execute(text("DELETE FROM accounts WHERE id = :a"), {"a": accounts[4]})
    reprimed: list[str] = []
    for _ in range(digest.SLICES):
        reprimed += ann.sync().reprimed
    assert reprimed == [ann.territory("NE")]
    assert_replica_matches(world, ann)
