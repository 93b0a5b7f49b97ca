"""Sequences across laptops, on SQLite and PostgreSQL central stores: a manager's template reaches the reps;
two laptops that advance the same enrollment offline end with one next-step activity and one consistent
enrollment, their disagreement in the conflict archive; a record deleted on another laptop ends its
enrollment cleanly once the tombstone arrives."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from sfa_desktop.core import access
from sfa_desktop.core.access import NotPermitted
from sfa_desktop.core.sequences import enrollments
from sfa_desktop.core.sequences import upkeep as enrollment_upkeep
from sfa_desktop.core.sequences.enrollments import step_activity_id
from sfa_desktop.server import schema
from tests.integration.sync_harness import Laptop, World, assert_replica_matches, world_fixture
from tests.unit.test_sequences import outreach

START = dt.datetime(2026, 11, 23, 15, 0, tzinfo=dt.UTC)  # a Monday


@pytest.fixture(params=["sqlite", "postgresql"])
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    pg = request.getfixturevalue("pg_url") if request.param == "postgresql" else None
    yield from world_fixture(request.param, tmp_path, pg)


def enrolled_lead(world: World) -> tuple[Laptop, Laptop, str, str]:
    """The manager publishes a template; ann enrolls a lead of NE; both laptops have the enrollment."""
    mgr = world.laptop("mgr")
    with mgr.store.transaction() as s:
        template = enrollments.save_template(
            s, None, {"name": "Outreach", "target": "lead", "steps": outreach()}
        ).id
    mgr.sync()
    ann = world.laptop("ann")
    assert ann.row("sequence_templates", template) is not None  # reference data: everyone gets it
    lead = ann.create(
        "leads", {"last_name": "Lee", "territory_id": ann.territory("NE"), "owner_id": ann_id(ann)}
    )
    with ann.store.transaction() as s:
        [enrollment] = enrollments.enroll(s, template, "leads", [lead], now=START, tz=dt.UTC).enrollment_ids
    ann.sync()
    mgr.sync()
    assert mgr.row("sequence_enrollments", enrollment) is not None
    return ann, mgr, lead, enrollment


def ann_id(lap: Laptop) -> str:
    return str(lap.scalar("SELECT id FROM users WHERE login = 'ann'"))


def log(lap: Laptop, activity_id: str, outcome: str, when: dt.datetime) -> Any:
    with lap.store.transaction() as s:
        return enrollments.record_outcome(s, activity_id, outcome, now=when, tz=dt.UTC)


def settle(*laps: Laptop) -> None:
    """Every laptop syncs; then, as the app does after a sync, makes its enrollments agree with their
    current steps; and syncs again until nothing is left to send."""
    for lap in laps:
        lap.sync()
    for lap in laps:
        with lap.store.transaction() as s:
            enrollment_upkeep.reconcile(s)
    for _round in range(2):
        for lap in laps:
            lap.sync()
    assert all(lap.outbox() == 0 for lap in laps)


def central_steps(world: World, enrollment: str) -> list[dict[str, Any]]:
    t = schema.SYNCED["activities"]
    with world.central.connect() as cc:
        rows = cc.execute(
            select(t).where(t.c.enrollment_id == enrollment).order_by(t.c.created_at)
        ).mappings()
        return [dict(r) for r in rows]


def test_two_laptops_advancing_one_enrollment_offline_make_one_next_step(world: World) -> None:
    ann, mgr, _lead, enrollment = enrolled_lead(world)
    first = step_activity_id(enrollment, 1)
    # both offline: ann gets no answer, the manager (on the same lead) hears it is interested
    by_ann = log(ann, first, "no answer", START + dt.timedelta(hours=1))
    by_mgr = log(mgr, first, "interested", START + dt.timedelta(hours=2))
    second = step_activity_id(enrollment, 2)
    assert by_ann.next_activity_id == by_mgr.next_activity_id == second  # the same record on both
    settle(ann, mgr)

    steps = central_steps(world, enrollment)
    assert [s["id"] for s in steps] == [first, second]  # one next step, not two
    central = world.central_row("sequence_enrollments", enrollment)
    assert central is not None
    nxt = {s["id"]: s for s in steps}[second]
    # consistent: the later arrival (the manager's "interested") wins everywhere
    assert (central["step_key"], central["attempt"], central["step_no"], central["activity_id"]) == (
        "book_demo",
        0,
        2,
        second,
    )
    assert (nxt["step_key"], nxt["kind"], nxt["done_at"]) == ("book_demo", "meeting", None)
    assert nxt["due_at"] == central["due_at"]
    assert {s["id"]: s["outcome"] for s in steps}[first] == "interested"
    for lap in (ann, mgr):
        assert_replica_matches(world, lap)
        assert (
            lap.scalar(
                "SELECT count(*) FROM activities WHERE enrollment_id = :e AND done_at IS NULL", e=enrollment
            )
            == 1
        )
    # ... and what lost is kept in the conflict archive, on the laptops too
    with ann.store.engine.connect() as conn:
        archived = {
            (r.table_name, r.field): (r.lost_value, r.won_value)
            for r in conn.execute(text("SELECT table_name, field, lost_value, won_value FROM conflicts"))
        }
    assert archived[("activities", "outcome")] == ('"no answer"', '"interested"')
    assert ("sequence_enrollments", "due_at") in archived  # ann's retry time


def test_both_laptops_logging_the_same_outcome_agree(world: World) -> None:
    ann, mgr, _lead, enrollment = enrolled_lead(world)
    first = step_activity_id(enrollment, 1)
    log(ann, first, "interested", START + dt.timedelta(hours=1))
    log(mgr, first, "interested", START + dt.timedelta(hours=1))
    settle(ann, mgr)
    assert [s["id"] for s in central_steps(world, enrollment)] == [first, step_activity_id(enrollment, 2)]
    for lap in (ann, mgr):
        assert_replica_matches(world, lap)
    assert world.count("conflicts") == 0  # nothing differed
    with ann.store.transaction() as s:
        assert enrollment_upkeep.reconcile(s) == 0  # nothing to mend


def test_one_laptop_ends_the_sequence_while_the_other_goes_on(world: World) -> None:
    ann, mgr, _lead, enrollment = enrolled_lead(world)
    first = step_activity_id(enrollment, 1)
    log(ann, first, "not interested", START + dt.timedelta(hours=1))  # ann: exit, lead disqualified
    log(mgr, first, "interested", START + dt.timedelta(hours=2))  # the manager, later: book a demo
    settle(ann, mgr)
    central = world.central_row("sequence_enrollments", enrollment)
    assert central is not None
    second = step_activity_id(enrollment, 2)
    assert (central["status"], central["step_key"], central["activity_id"], central["ended_at"]) == (
        "active",
        "book_demo",
        second,
        None,
    )
    assert [s["done_at"] is None for s in central_steps(world, enrollment)] == [False, True]
    for lap in (ann, mgr):
        assert_replica_matches(world, lap)


def test_a_lead_deleted_on_another_laptop_ends_the_enrollment(world: World) -> None:
    ann, mgr, lead, enrollment = enrolled_lead(world)
    mgr.delete("leads", lead)
    mgr.sync()
    ann.sync()
    assert ann.row("leads", lead)["deleted_at"] is not None  # type: ignore[index]
    with ann.store.transaction() as s:
        assert enrollment_upkeep.exit_orphans(s, [ann_id(ann)]) == 1
    ann.sync()
    central = world.central_row("sequence_enrollments", enrollment)
    assert central is not None
    assert (central["status"], central["result"]) == ("exited", "record deleted")
    assert "deleted" in central["reason"]
    step = {s["id"]: s for s in central_steps(world, enrollment)}[step_activity_id(enrollment, 1)]
    assert step["outcome"] == "cancelled"
    mgr.sync()
    assert_replica_matches(world, mgr)


def test_a_rep_cannot_change_a_template(world: World) -> None:
    mgr = world.laptop("mgr")
    with mgr.store.transaction() as s:
        template = enrollments.save_template(s, None, {"name": "Outreach", "steps": outreach()}).id
    mgr.sync()
    bob = world.laptop("bob")
    with bob.store.transaction() as s, pytest.raises(NotPermitted, match="Only managers and administrators"):
        enrollments.save_template(s, template, {"description": "mine now"})
    with bob.store.transaction() as s:
        access.check_as(s, None)  # a laptop that writes behind its services' back
        enrollments.save_template(s, template, {"description": "mine now"})
    assert bob.sync().conflicts == 1  # not permitted: the central store keeps the manager's template
    assert world.central_row("sequence_templates", template)["description"] is None  # type: ignore[index]
