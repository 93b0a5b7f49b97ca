"""Service levels and planned visits travel through the real sync, on PostgreSQL with row-level security:
a manager's service levels and account segments reach the rep's laptop and change what is due there; a
rep may set neither (refused on the laptop, and by the central store for a laptop that writes behind its
services' back); the visits a rep accepts from the week planner reach the central store."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from sfa_desktop.core import service_levels
from sfa_desktop.core.access import NotPermitted
from sfa_desktop.core.planning import week
from sfa_desktop.core.planning.settings import PlanSettings
from tests.integration.sync_harness import World, assert_replica_matches, world_fixture

LEVEL = {
    "segment": "A",
    "visit_min_days": 7,
    "visit_max_days": 10,
    "visit_minutes": 50,
    "answer_hours": 2,
    "resolve_hours": 24,
}


@pytest.fixture
def pg_world(pg_url: str, tmp_path: Path) -> Iterator[World]:
    yield from world_fixture("postgresql", tmp_path, pg_url)


def test_a_managers_levels_and_segments_reach_the_rep(pg_world: World) -> None:
    world = pg_world
    mgr, ann = world.laptop("mgr"), world.laptop("ann")
    ne = mgr.territory("NE")
    account = ann.create(
        "accounts", {"name": "Harbor Foods", "territory_id": ne, "latitude": 42.36, "longitude": -71.05}
    )
    ann.sync()
    mgr.sync()
    level = mgr.create("service_levels", {**LEVEL, "territory_id": mgr.territory("EAST")})
    mgr.update("accounts", account, {"segment": "A"})
    mgr.sync()
    assert world.central_row("service_levels", level)["visit_min_days"] == 7  # type: ignore[index]
    ann.sync()
    with ann.store.reading() as s:
        assert service_levels.level_for(s, account) == service_levels.ServiceLevel("A", 7, 10, 50, 2.0, 24.0)
    assert_replica_matches(world, ann)
    # the rep may set neither: the laptop refuses ...
    with pytest.raises(NotPermitted):
        ann.update("accounts", account, {"segment": "C"})
    with pytest.raises(NotPermitted):
        ann.create("service_levels", {**LEVEL, "territory_id": ne})
    # ... and so does the central store, for a laptop that writes behind its services' back
    ann.update("accounts", account, {"segment": "C"}, unchecked=True)
    mine = ann.create("service_levels", {**LEVEL, "segment": "B", "territory_id": ne}, unchecked=True)
    assert ann.sync().conflicts == 2
    assert world.central_row("accounts", account)["segment"] == "A"  # type: ignore[index]
    assert world.central_row("service_levels", mine) is None
    reasons = ann.scalar(
        "SELECT group_concat(DISTINCT reason) FROM conflicts WHERE record_id IN (:a, :b)", a=account, b=mine
    )
    assert reasons == "not-permitted"


def test_accepted_visits_reach_the_central_store(pg_world: World) -> None:
    world = pg_world
    admin = world.laptop("admin")
    ann_id = admin.scalar("SELECT id FROM users WHERE login = 'ann'")
    admin.update("users", ann_id, {"home_latitude": 42.35, "home_longitude": -71.06})
    admin.sync()
    ann = world.laptop("ann")
    ne = ann.territory("NE")
    for n in range(3):
        ann.create(
            "accounts",
            {
                "name": f"Shop {n}",
                "territory_id": ne,
                "owner_id": ann_id,
                "latitude": 42.3 + n / 50,
                "longitude": -71.1,
            },
        )
    monday = dt.date.today() + dt.timedelta(days=7 - dt.date.today().weekday())
    with ann.store.transaction() as s:
        planned = week.plan_week(
            s, week.WeekRequest(ann_id, monday, iterations=300), plan_settings=PlanSettings()
        )
        made = week.accept(s, planned)
    assert len(made) == 3
    ann.sync()
    for activity in made:
        row = world.central_row("activities", activity)
        assert row is not None
        assert (row["kind"], row["territory_id"], row["owner_id"]) == ("visit", ne, ann_id)
    assert_replica_matches(world, ann)
    # each visit's stop on its day's route travels as a column (its notes stay empty for the rep)
    stops = {a: world.central_row("activities", a) for a in made}
    assert all(r is not None and r["plan_stop"] is not None and r["notes"] is None for r in stops.values())
    by_day = {
        (s.key, number) for d in planned.plan.days for number, s in enumerate(d.stops, start=1) if not s.fixed
    }
    assert {(r["account_id"], r["plan_stop"]) for r in stops.values() if r is not None} == by_day
    other, mgr = world.laptop("ann", "ann-tablet"), world.laptop("mgr")
    other.sync()
    mgr.sync()
    for lap in (other, mgr):
        assert {a: lap.scalar("SELECT plan_stop FROM activities WHERE id = :i", i=a) for a in made} == {
            a: r["plan_stop"] for a, r in stops.items() if r is not None
        }
