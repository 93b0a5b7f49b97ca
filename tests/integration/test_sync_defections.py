"""Defections travel with their account (issue 15, item 5): one recorded offline on a rep's laptop reaches
the manager's laptop and the manager's territory report, never another territory's rep; on PostgreSQL, row-
level security keeps another territory's rep from reading or writing it on the central store."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from sfa_desktop.core.records.models import new_id
from sfa_desktop.core.reports.base import Period
from sfa_desktop.core.reports.territory import build
from sfa_desktop.core.retention.defections import Given
from sfa_desktop.ops import retention as retention_ops
from sfa_desktop.protocol.errors import CentralError
from tests.integration.sync_harness import Laptop, World, world_fixture

TODAY = dt.date.today()


@pytest.fixture(params=["sqlite", "postgresql"])
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    pg = request.getfixturevalue("pg_url") if request.param == "postgresql" else None
    yield from world_fixture(request.param, tmp_path, pg)


def _lost_customer(ann: Laptop) -> tuple[str, str]:
    """ann's NE customer, synced; then, offline, ann records it lost for price.  (account, defection)"""
    account = ann.create("accounts", {"name": "Harbor Freight Co", "territory_id": ann.territory("NE")})
    ann.sync()
    waiting = ann.outbox()
    recorded = retention_ops.record_defection(
        ann.store, Given(account, "lost", "price", "Moved to a cheaper supplier", TODAY)
    )
    assert ann.outbox() == waiting + 1  # written offline, waiting for the next sync
    return account, recorded.defection_id


def test_a_defection_recorded_offline_reaches_the_manager_and_no_other_rep(world: World) -> None:
    ann, bob, mgr = world.laptop("ann"), world.laptop("bob"), world.laptop("mgr")
    account, defection = _lost_customer(ann)
    assert world.count("defections") == 0
    ann.sync()
    central = world.central_row("defections", defection)
    assert central is not None
    assert (central["territory_id"], central["status"], central["defection_type"]) == (
        world.territory("NE"),
        "lost",
        "price",
    )
    mgr.sync()
    bob.sync()
    assert [(d.account, d.defection_type, d.status) for d in retention_ops.list_defections(mgr.store)] == [
        ("Harbor Freight Co", "price", "lost")
    ]
    assert mgr.row("defections", defection) is not None
    assert bob.row("defections", defection) is None
    assert retention_ops.list_defections(bob.store) == []
    with mgr.store.reading() as session:
        report = build(session, mgr.territory("EAST"), Period.last_days(30, TODAY))
    assert [(d.name, d.status, d.defection_type) for d in report.retention.defections] == [
        ("Harbor Freight Co", "lost", "price")
    ]
    # the manager moves the account to SE: its defection goes with it, to bob, and leaves ann
    mgr.update("accounts", account, {"territory_id": mgr.territory("SE")})
    mgr.sync()
    bob.sync()
    ann.sync()
    assert bob.row("defections", defection) is not None
    assert ann.row("defections", defection) is None


@pytest.mark.postgres
def test_row_level_security_keeps_another_territorys_rep_out(pg_url: str, tmp_path: Path) -> None:
    for world in world_fixture("postgresql", tmp_path, pg_url):
        ann = world.laptop("ann")
        account, defection = _lost_customer(ann)
        ann.sync()
        with world.acting_as("bob") as cc:  # SE's rep
            assert cc.execute(text("SELECT count(*) FROM defections")).scalar() == 0
            changed = cc.execute(
                text("UPDATE defections SET reason = 'x', seq = sfa_allocate_seq(1) WHERE id = :i"),
                {"i": defection},
            )
            assert changed.rowcount == 0  # cannot see it, so cannot change it
        with pytest.raises(CentralError, match="row-level security"), world.acting_as("bob") as cc:
            cc.execute(
                text(
                    "INSERT INTO defections (id, account_id, status, defection_type, reason, "
                    "defected_on, territory_id, created_at, updated_at, seq) VALUES (:i, :a, 'lost', "
                    "'price', 'forged', :d, :t, now(), now(), sfa_allocate_seq(1))"
                ),
                {"i": new_id(), "a": account, "d": TODAY, "t": world.territory("NE")},
            )
        with world.acting_as("mgr") as cc:  # the manager of EAST reads it
            assert cc.execute(text("SELECT count(*) FROM defections")).scalar() == 1
        with world.acting_as("ann") as cc:
            assert cc.execute(text("SELECT reason FROM defections")).scalar() == "Moved to a cheaper supplier"
