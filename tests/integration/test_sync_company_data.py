"""Sync of the data that issues 4-6 build on: the central schema equals its definition; the default pipeline
is the same everywhere; orders (the company's sales history) reach their territory's laptops, are
read-only there and move with their account; the change history reaches the laptops for the timeline."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from sfa_desktop.core.access import NotPermitted
from sfa_desktop.core.records import services
from sfa_desktop.server import central, schema
from tests.integration.sync_harness import Laptop, World, assert_replica_matches, world_fixture


@pytest.fixture(params=["sqlite", "postgresql"])
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    pg = request.getfixturevalue("pg_url") if request.param == "postgresql" else None
    yield from world_fixture(request.param, tmp_path, pg)


def test_central_schema_is_its_definition(world: World) -> None:
    with world.central.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), schema.metadata)
    assert differences == []


def test_default_pipeline_is_the_same_on_laptops_and_central(world: World) -> None:
    ann = world.laptop("ann")
    with ann.store.engine.connect() as conn:
        local = conn.execute(text("SELECT id, key, probability FROM pipeline_stages ORDER BY position")).all()
        assert conn.execute(text("SELECT count(*) FROM conflicts")).scalar() == 0
    assert [r.key for r in local][:2] == ["prospecting", "qualification"]
    assert world.count("pipeline_stages") == len(local) == 7
    assert_replica_matches(world, ann)  # same ids, same values, same times


def _account_with_order(admin_lap: Laptop, territory: str) -> tuple[str, str, str]:
    """An account with one order of one line, created and published by an admin."""
    account = admin_lap.create("accounts", {"name": "Acme Tools", "territory_id": territory})
    with admin_lap.store.transaction() as session:
        product = services.create(
            session, "products", {"sku": "P-1", "name": "Drill", "unit_price_cents": 9900}
        )
        order = services.create(
            session,
            "orders",
            {"account_id": account, "number": "SO-1001", "order_date": "2026-10-02", "total_cents": 19800},
        )
        line = services.create(
            session,
            "order_lines",
            {
                "order_id": order.id,
                "account_id": account,
                "product_id": product.id,
                "quantity": 2,
                "unit_price_cents": 9900,
                "line_total_cents": 19800,
            },
        )
        ids = (account, order.id, line.id)
    admin_lap.sync()
    return ids


def test_orders_reach_their_territory_and_are_read_only_for_reps(world: World) -> None:
    admin_lap = world.laptop("admin")
    _account, order, line = _account_with_order(admin_lap, world.territory("NE"))
    ann, bob = world.laptop("ann"), world.laptop("bob")
    assert ann.row("orders", order) is not None
    assert ann.row("order_lines", line) is not None
    assert bob.row("orders", order) is None
    with pytest.raises(NotPermitted, match="Only administrators change orders"):
        ann.update("orders", order, {"total_cents": "1"})  # a rep's laptop cannot change company records
    ann.update("orders", order, {"total_cents": "1"}, unchecked=True)  # nor one that goes behind its back
    report = ann.sync()
    assert report.conflicts == 1
    with ann.store.engine.connect() as conn:
        reason = conn.execute(
            text("SELECT reason FROM conflicts WHERE record_id = :r"), {"r": order}
        ).scalar()
    assert reason == "not-permitted"
    assert world.central_row("orders", order)["total_cents"] == 19800  # type: ignore[index]


def test_orders_move_with_their_account(world: World) -> None:
    admin_lap = world.laptop("admin")
    account, order, line = _account_with_order(admin_lap, world.territory("NE"))
    ann, bob, mgr = world.laptop("ann"), world.laptop("bob"), world.laptop("mgr")
    assert ann.row("orders", order) is not None
    mgr.update("accounts", account, {"territory_id": world.territory("SE")})
    mgr.sync()
    assert world.central_row("orders", order)["territory_id"] == world.territory("SE")  # type: ignore[index]
    assert world.central_row("order_lines", line)["territory_id"] == world.territory("SE")  # type: ignore[index]
    ann.sync()
    bob.sync()
    assert ann.row("orders", order) is None
    assert ann.row("order_lines", line) is None
    assert bob.row("orders", order) is not None
    assert bob.row("order_lines", line) is not None
    for lap in (ann, bob, mgr):
        assert_replica_matches(world, lap)


def test_change_history_reaches_the_laptops_with_old_and_new_values(world: World) -> None:
    ann, mgr = world.laptop("ann"), world.laptop("mgr")
    ne = ann.territory("NE")
    account = ann.create("accounts", {"name": "Acme Tools", "territory_id": ne, "phone": "+16175550100"})
    ann.sync()
    ann.update("accounts", account, {"phone": "+16175550199", "city": "Boston"})
    ann.sync()
    mgr.sync()
    with world.acting_as("ann") as cc:  # who the database says ann's requests run as
        who = central.db_user(cc, "ann")
    with mgr.store.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT op, changes, db_user FROM change_history WHERE table_name = 'accounts' "
                "AND record_id = :r ORDER BY seq"
            ),
            {"r": account},
        ).all()
    assert [r.op for r in rows] == ["insert", "update"]
    assert json.loads(rows[0].changes) == {}
    assert json.loads(rows[1].changes) == {
        "phone": ["+16175550100", "+16175550199"],
        "city": [None, "Boston"],
    }
    assert {r.db_user for r in rows} == {who}
    # a laptop that loses the territory loses its history too
    world.admin("unassign", "mgr", "EAST")
    mgr.sync()
    with mgr.store.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM change_history")).scalar() == 0


def test_a_leads_activities_follow_the_lead_between_laptops(world: World) -> None:
    ann, bob, mgr = world.laptop("ann"), world.laptop("bob"), world.laptop("mgr")
    lead = ann.create(
        "leads", {"last_name": "Moreau", "company": "Globex", "territory_id": ann.territory("NE")}
    )
    call = ann.create("activities", {"kind": "call", "subject": "Intro call", "lead_id": lead})
    ann.sync()
    assert ann.row("activities", call)["territory_id"] == ann.territory("NE")  # type: ignore[index]
    mgr.sync()
    mgr.update("leads", lead, {"territory_id": mgr.territory("SE")})
    mgr.sync()
    ann.sync()
    bob.sync()
    assert ann.row("activities", call) is None
    assert bob.row("activities", call) is not None
    for lap in (ann, bob, mgr):
        assert_replica_matches(world, lap)


def test_managers_author_knowledge_and_rules_reps_do_not(world: World) -> None:
    mgr, ann, bob = world.laptop("mgr"), world.laptop("ann"), world.laptop("bob")
    article = mgr.create("kb_articles", {"title": "Objection: too expensive", "body": "Talk about *value*."})
    template = mgr.create("sequence_templates", {"name": "New lead outreach", "target": "lead"})
    rule = mgr.create(
        "territory_rules", {"territory_id": mgr.territory("NE"), "name": "Greater Boston", "city": "Boston"}
    )
    report = mgr.sync()
    assert report.conflicts == 0
    ann.sync()
    bob.sync()
    for lap in (ann, bob):
        assert lap.row("kb_articles", article) is not None  # reference data: everyone gets it
        assert lap.row("sequence_templates", template) is not None
        assert lap.row("territory_rules", rule) is not None
    with pytest.raises(NotPermitted, match="Only managers and administrators change articles"):
        ann.create("kb_articles", {"title": "My notes", "body": "..."})
    mine = ann.create("kb_articles", {"title": "My notes", "body": "..."}, unchecked=True)
    assert ann.sync().conflicts == 1  # a rep cannot publish to the knowledge base
    assert world.central_row("kb_articles", mine) is None
    with pytest.raises(NotPermitted):
        mgr.create("territories", {"code": "W", "name": "West"})  # not below the manager's EAST
    outside = mgr.create("territories", {"code": "W", "name": "West"}, unchecked=True)
    assert mgr.sync().conflicts == 1
    assert world.central_row("territories", outside) is None
