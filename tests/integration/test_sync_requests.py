"""Service requests and complaints travel with the sync (issue 15): raised offline on a rep's laptop, they
reach the territory's manager; the manager's assignment, status change and comment come back to the rep; a
rep of another territory never receives them, and what a laptop or a rep's role forges is refused by the
central store (the rules in ``server.apply``, row-level security and the guards of revision c0701)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from sfa_desktop.core import access
from sfa_desktop.core.records.models import new_id
from sfa_desktop.core.requests import listing, workflow
from sfa_desktop.ops import requests as ops
from sfa_desktop.protocol.errors import CentralError
from sfa_desktop.server import central
from tests.integration.sync_harness import Laptop, World, assert_replica_matches, world_fixture

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_world(pg_url: str, tmp_path: Path) -> Iterator[World]:
    yield from world_fixture("postgresql", tmp_path, pg_url)


def conflicts(lap: Laptop) -> list[tuple[str, str]]:
    with lap.store.engine.connect() as conn:
        return [(r[0], r[1]) for r in conn.execute(text("SELECT table_name, reason FROM conflicts"))]


def test_a_request_raised_offline_goes_to_the_queue_and_its_answers_come_back(pg_world: World) -> None:
    world = pg_world
    ann, mgr, bob = world.laptop("ann"), world.laptop("mgr"), world.laptop("bob")
    account = ann.create("accounts", {"name": "Harbor Foods", "territory_id": ann.territory("NE")})
    ann.sync()
    # offline: raised and commented on ann's laptop, nothing sent yet
    made = ops.raise_request(
        ann.store, account=account, category="delivery", severity="high", subject="Two pallets crushed"
    )
    ops.comment(ann.store, made, "Photos taken at the dock.")
    assert world.central_row("service_requests", made) is None
    ann.sync()
    mgr.sync()
    bob.sync()
    queue = ops.list_requests(mgr.store, listing.Filters())
    assert [(r.id, r.status, r.raised_by, r.territory) for r in queue] == [(made, "new", "ann", "NE")]
    assert [e.key for e in ops.notification_events(mgr.store)] == [f"request-raised:{made}"]
    # the manager works it
    ann_id = str(mgr.scalar("SELECT id FROM users WHERE login = 'ann'"))
    ops.assign(mgr.store, made, ann_id)
    ops.comment(mgr.store, made, "Credit note on its way; please confirm the count.")
    ops.set_status(mgr.store, made, "waiting on customer")
    mgr.sync()
    ann.sync()
    back = ops.detail(ann.store, made)
    assert (back.row.status, back.row.assigned_to) == ("waiting on customer", "ann")
    assert back.row.first_answered_at is not None
    assert [(c.author, c.body) for c in back.thread] == [
        ("ann", "Photos taken at the dock."),
        ("mgr", "Credit note on its way; please confirm the count."),
    ]
    told = {e.key.split(":")[0] for e in ops.notification_events(ann.store)}
    assert told == {"request-status", "request-assigned", "request-comment"}
    # as its assignee ann may put it back in progress (and not resolve it)
    ops.set_status(ann.store, made, "in progress")
    with pytest.raises(access.NotPermitted):
        ops.resolve(ann.store, made)
    ann.sync()
    mgr.sync()
    ops.resolve(mgr.store, made, "Credit note 8812 issued")
    mgr.sync()
    ann.sync()
    assert ops.detail(ann.store, made).row.status == "resolved"
    assert conflicts(ann) == []
    # bob (SE) never receives it, nor its comments
    bob.sync()
    assert bob.scalar("SELECT count(*) FROM service_requests") == 0
    assert bob.scalar("SELECT count(*) FROM request_comments") == 0
    for lap in (ann, mgr, bob):
        assert_replica_matches(world, lap)


def test_forged_requests_are_refused_by_the_store(pg_world: World) -> None:
    world = pg_world
    ann, bob = world.laptop("ann"), world.laptop("bob")
    account = ann.create("accounts", {"name": "Harbor Foods", "territory_id": ann.territory("NE")})
    ann.sync()
    made = ops.raise_request(
        ann.store, account=account, category="billing", severity="normal", subject="Invoice twice"
    )
    ann.sync()
    ne = world.territory("NE")
    # bob's laptop writes a request into NE behind its services' back: the store refuses the push
    forged = new_id()
    bob_id = str(bob.scalar("SELECT id FROM users WHERE login = 'bob'"))
    with bob.store.engine.begin() as conn:
        conn.exec_driver_sql("PRAGMA foreign_keys = OFF")
        conn.execute(
            text(
                "INSERT INTO service_requests (id, account_id, category, severity, subject, status, "
                "raised_by_id, territory_id, created_at, updated_at) VALUES (:id, :a, 'price', 'low', "
                "'Forged', 'new', :u, :t, '2026-11-02 09:00:00', '2026-11-02 09:00:00')"
            ),
            {"id": forged, "a": account, "u": bob_id, "t": ne},
        )
    bob.sync()
    assert world.central_row("service_requests", forged) is None
    assert conflicts(bob) == [("service_requests", "not-permitted")]
    # ann's laptop resolving her own request behind its services' back: refused as well
    with ann.store.transaction() as session:
        access.check_as(session, None)
        workflow.current(session, made).status = "resolved"
    ann.sync()
    assert world.central_row("service_requests", made)["status"] == "new"  # type: ignore[index]
    assert conflicts(ann) == [("service_requests", "not-permitted")]
    # and straight into the database as their roles (the second line of defence)
    row: dict[str, Any] = {
        "id": new_id(),
        "account_id": account,
        "category": "price",
        "severity": "low",
        "subject": "Forged",
        "status": "new",
        "raised_by_id": bob_id,
        "territory_id": ne,
    }
    with pytest.raises(CentralError, match="row-level security"), world.acting_as("bob") as cc:
        central.Writer(cc, login="bob").insert("service_requests", row)
    with pytest.raises(CentralError, match="row-level security"), world.acting_as("ann") as cc:
        cc.execute(
            text("UPDATE service_requests SET status = 'closed', seq = sfa_allocate_seq(1) WHERE id = :i"),
            {"i": made},
        )
    ann_row = {**row, "id": new_id(), "raised_by_id": bob_id}  # ann raising one as bob
    with pytest.raises(CentralError, match="row-level security"), world.acting_as("ann") as cc:
        central.Writer(cc, login="ann").insert("service_requests", ann_row)
