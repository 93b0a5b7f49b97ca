"""The central revision c0708 (issue 16 follow-ups), on SQLite and on PostgreSQL: the planner's old line in
an activity's notes moves into ``activities.plan_stop`` (and back on a downgrade), and on PostgreSQL an
account's segment and own visit frequency are refused to a rep's role written straight into the database
(the guard trigger), while managers of the territory and administrators set them and the rep still writes
the account's other columns."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from sfa_desktop.core.records.models import new_id
from sfa_desktop.protocol.errors import CentralError
from sfa_desktop.server import central
from tests.integration.sync_harness import World, drop_pg_database, migrate_url, pg_database, world_fixture

STAMP = "2026-05-01 10:00:00"
NOTES = {
    "only": ("Week plan: stop 3 of the day's route.", 3, None),
    "more": ("Week plan: stop 12 of the day's route.\nBring samples", 12, "Bring samples"),
    "rep": ("Bring samples", None, "Bring samples"),
    "inside": (
        "Call first.\nWeek plan: stop 2 of the day's route.",
        None,
        "Call first.\nWeek plan: stop 2 of the day's route.",
    ),
    "none": (None, None, None),
}


@pytest.fixture(params=["sqlite", "postgresql"])
def central_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'central.sqlite3'}"
        return
    url, root = pg_database(request.getfixturevalue("pg_url"), "c0708")
    try:
        yield url
    finally:
        drop_pg_database(root, url)


def test_c0708_moves_the_line_into_the_column_and_back(central_url: str) -> None:
    migrate_url(central_url, "c0707")
    engine = create_engine(central_url)
    with engine.begin() as conn:
        for seq, (key, (notes, _, _)) in enumerate(NOTES.items(), start=1):
            conn.execute(
                text(
                    "INSERT INTO activities (id, kind, subject, notes, created_at, updated_at, seq) "
                    "VALUES (:i, 'visit', :s, :n, :t, :t, :q)"
                ),
                {"i": key, "s": f"Visit {key}", "n": notes, "t": STAMP, "q": seq},
            )
    migrate_url(central_url, "c0708")
    with engine.begin() as conn:
        rows = {r.id: (r.plan_stop, r.notes, r.seq) for r in conn.execute(text("SELECT * FROM activities"))}
    assert {k: v[:2] for k, v in rows.items()} == {k: (stop, rest) for k, (_, stop, rest) in NOTES.items()}
    assert sorted(v[2] for v in rows.values()) == [1, 2, 3, 4, 5]  # each laptop moves its own copy
    migrate_url(central_url, "c0707", down=True)
    with engine.begin() as conn:
        back = {r.id: r.notes for r in conn.execute(text("SELECT id, notes FROM activities"))}
    engine.dispose()
    assert back == {k: v[0] for k, v in NOTES.items()}


# -- the guard of the manager-only account columns (PostgreSQL) ---------------------------------------------


@pytest.fixture
def pg_world(pg_url: str, tmp_path: Path) -> Iterator[World]:
    yield from world_fixture("postgresql", tmp_path, pg_url)


def _update(world: World, login: str, account: str, **values: object) -> None:
    sets = ", ".join(f"{k} = :{k}" for k in values)
    with world.acting_as(login) as cc:
        done = cc.execute(
            text(f"UPDATE accounts SET {sets}, seq = sfa_allocate_seq(1) WHERE id = :i"),
            {"i": account, **values},
        )
        assert done.rowcount == 1


def test_a_reps_role_cannot_set_the_managers_account_columns(pg_world: World) -> None:
    world = pg_world
    ann = world.laptop("ann")
    ne = ann.territory("NE")
    account = ann.create("accounts", {"name": "Harbor Foods", "territory_id": ne})
    ann.sync()
    for column, value in (("segment", "A"), ("visit_min_days", 7), ("visit_max_days", 10)):
        with pytest.raises(CentralError, match="row-level security"):
            _update(world, "ann", account, **{column: value})
    # the rest of the account is still hers to write, visiting hours included
    _update(world, "ann", account, name="Harbor Foods Ltd", visiting_hours="Mon-Fri 08:00-12:00")
    # a new account with a segment: refused to her, not without one
    row = {"id": new_id(), "name": "Dock Deli", "territory_id": ne, "segment": "B"}
    with pytest.raises(CentralError, match="row-level security"), world.acting_as("ann") as cc:
        central.Writer(cc, login="ann").insert("accounts", row)
    with world.acting_as("ann") as cc:
        central.Writer(cc, login="ann").insert("accounts", {**row, "id": new_id(), "segment": None})
    # the territory's manager and an administrator set them
    _update(world, "mgr", account, segment="A", visit_min_days=7, visit_max_days=10)
    _update(world, "admin", account, segment="B", visit_max_days=None)
    with world.acting_as("mgr") as cc:
        central.Writer(cc, login="mgr").insert("accounts", {**row, "id": new_id(), "segment": "C"})
    after = world.central_row("accounts", account)
    assert after is not None
    assert (after["name"], after["visiting_hours"]) == ("Harbor Foods Ltd", "Mon-Fri 08:00-12:00")
    assert (after["segment"], after["visit_min_days"], after["visit_max_days"]) == ("B", 7, None)
    # unchanged values in a rep's full-row write are no change
    _update(world, "ann", account, segment="B", visit_min_days=7, phone="+1 617 555 0100")
