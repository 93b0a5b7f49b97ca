"""The pipeline and lead conversion across laptops (real central stores, SQLite and PostgreSQL): only an
administrator's stage edits reach the central store, won and lost travel with their reasons, a conversion
arrives whole, and scores follow what sync brings."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from sfa_desktop.core import access
from sfa_desktop.core.access import NotPermitted, require_reference_writer
from sfa_desktop.core.records import conversion, pipeline, stages
from sfa_desktop.core.records.pipeline import StageEdit
from sfa_desktop.core.scoring import scores as scoring
from tests.integration.sync_harness import Laptop, World, assert_replica_matches, world_fixture


@pytest.fixture(params=["sqlite", "postgresql"])
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    pg = request.getfixturevalue("pg_url") if request.param == "postgresql" else None
    yield from world_fixture(request.param, tmp_path, pg)


def add_stage(lap: Laptop, name: str, probability: int, *, unchecked: bool = False) -> None:
    with lap.store.transaction() as s:
        if unchecked:
            access.check_as(s, None)  # a laptop that writes behind its services' back
        rows = [
            StageEdit(x.name, x.probability, x.category, x.active, x.id, x.key)
            for x in stages.all_stages(s, include_inactive=True)
        ]
        rows.insert(2, StageEdit(name, probability, "open"))
        pipeline.save_stages(s, rows)


def stage_names(lap: Laptop) -> list[str]:
    with lap.store.reading() as s:
        return [x.name for x in stages.all_stages(s)]


def test_only_an_administrators_stage_edits_reach_the_central_store(world: World) -> None:
    admin, ann, mgr = world.laptop("admin"), world.laptop("ann"), world.laptop("mgr")
    for lap, allowed in ((admin, True), (ann, False), (mgr, False)):
        with lap.store.engine.connect() as conn:
            if allowed:
                require_reference_writer(conn, "pipeline_stages", "the pipeline stages")
            else:
                with pytest.raises(NotPermitted, match="Only administrators change the pipeline stages"):
                    require_reference_writer(conn, "pipeline_stages", "the pipeline stages")
    add_stage(admin, "Demo scheduled", 35)
    assert admin.sync().conflicts == 0
    ann.sync()
    assert stage_names(ann)[2] == "Demo scheduled"
    # a rep's laptop that edits the pipeline anyway (behind the window's back) is refused by the central store
    with pytest.raises(NotPermitted, match="Only administrators change pipeline stages"):
        add_stage(ann, "Shortcut", 90)
    add_stage(ann, "Shortcut", 90, unchecked=True)
    report = ann.sync()
    assert report.conflicts >= 1
    with ann.store.engine.connect() as conn:
        reasons = set(
            conn.execute(text("SELECT reason FROM conflicts WHERE table_name = 'pipeline_stages'")).scalars()
        )
    assert reasons == {"not-permitted"}
    assert world.count("pipeline_stages", key="shortcut") == 0
    mgr.sync()
    assert "Shortcut" not in stage_names(mgr)
    assert stage_names(mgr)[2] == "Demo scheduled"
    assert_replica_matches(world, mgr)


def test_won_and_lost_travel_with_their_reasons(world: World) -> None:
    ann, mgr = world.laptop("ann"), world.laptop("mgr")
    account = ann.create("accounts", {"name": "Acme Tools", "territory_id": ann.territory("NE")})
    won = ann.create("opportunities", {"name": "Fleet", "account_id": account, "amount_cents": 500_000})
    lost = ann.create("opportunities", {"name": "Pilot", "account_id": account})
    with ann.store.transaction() as s:
        pipeline.mark_won(s, won, "Best value for money")
        pipeline.mark_lost(s, lost, "Chose a competitor")
    assert ann.sync().conflicts == 0
    mgr.sync()
    assert mgr.row("opportunities", won)["won_reason"] == "Best value for money"  # type: ignore[index]
    assert mgr.row("opportunities", lost)["lost_reason"] == "Chose a competitor"  # type: ignore[index]
    with mgr.store.reading() as s:
        totals = pipeline.totals(s)
    assert totals.closed("won") == (1, 500_000)
    assert_replica_matches(world, mgr)


def test_a_conversion_arrives_whole_and_scores_follow_sync(world: World) -> None:
    ann, mgr = world.laptop("ann"), world.laptop("mgr")
    ne = ann.territory("NE")
    with ann.store.engine.connect() as conn:
        ann_id = conn.execute(text("SELECT id FROM users WHERE login = 'ann'")).scalar()
    lead = ann.create(
        "leads",
        {
            "last_name": "Moreau",
            "company": "Globex",
            "industry": "Energy",
            "territory_id": ne,
            "owner_id": ann_id,
        },
    )
    ann.sync()
    mgr.sync()
    with mgr.store.transaction() as s:
        before = scoring.score_of(s, lead)
    assert before is not None
    ann.create(
        "activities",
        {
            "kind": "call",
            "subject": "Intro",
            "lead_id": lead,
            "done_at": f"{dt.date.today() - dt.timedelta(days=2)} 10:00",
            "outcome": "meeting booked",
        },
    )
    ann.sync()
    mgr.sync()
    with mgr.store.transaction() as s:
        after = scoring.score_of(s, lead)
    assert after is not None
    assert after.engagement > before.engagement  # the pulled activity dropped the cached score
    with ann.store.transaction() as s:
        result = conversion.convert(s, lead, conversion.Plan(opportunity={"name": "Globex pilot"}))
    assert ann.sync().conflicts == 0
    mgr.sync()
    converted = mgr.row("leads", lead)
    assert converted is not None
    assert (converted["status"], converted["converted_account_id"], converted["converted_contact_id"]) == (
        "converted",
        result.account_id,
        result.contact_id,
    )
    assert mgr.row("accounts", result.account_id)["territory_id"] == ne  # type: ignore[index]
    with mgr.store.engine.connect() as conn:
        activity = conn.execute(
            text("SELECT account_id, contact_id FROM activities WHERE lead_id = :l"), {"l": lead}
        ).one()
    assert tuple(activity) == (result.account_id, result.contact_id)
    for lap in (ann, mgr):
        assert_replica_matches(world, lap)
