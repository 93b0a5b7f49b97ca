"""The week planner: every plan keeps the working hours, lunch, the visiting hours, the appointments
already in the agenda, and runs home to home; overdue accounts come first; the same seed gives the same
plan; without PyVRP the fallback plans; an accepted plan becomes agenda activities."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from pathlib import Path

import pytest
import pyvrp
from sqlalchemy import text

from sfa_desktop.core.planning import solver, week
from sfa_desktop.core.planning.problem import DAY, Plan, Problem
from sfa_desktop.core.planning.settings import PlanSettings
from sfa_desktop.core.records import services
from sfa_desktop.store.database import LocalStore

MONDAY = dt.date(2026, 12, 7)
NOW = dt.datetime(2026, 12, 6, 18, tzinfo=dt.UTC)
HOME = (42.3541, -71.0595)  # Boston
SETTINGS = PlanSettings(
    day_start=8 * 60, day_end=17 * 60, working_days=(1, 2, 3), lunch=(12 * 60 + 30, 13 * 60 + 30)
)


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), dt.UTC)


@pytest.fixture
def world(store: LocalStore) -> dict[str, str]:
    ids: dict[str, str] = {}
    with store.transaction() as s:
        territory = services.create(s, "territories", {"code": "NE", "name": "New England"}).id
        rep = services.create(
            s,
            "users",
            {"login": "ann", "full_name": "Ann", "home_latitude": HOME[0], "home_longitude": HOME[1]},
        ).id
        services.create(s, "territory_memberships", {"territory_id": territory, "user_id": rep})
        ids["rep"] = rep
        for n, (lat, lon) in enumerate(itertools.product((42.30, 42.40, 42.50), (-71.30, -71.10, -70.95))):
            values = {
                "name": f"Account {n}",
                "latitude": lat,
                "longitude": lon,
                "territory_id": territory,
                "owner_id": rep,
                "segment": "B",
            }
            if n == 4:
                values["visiting_hours"] = "Tue 14:00-16:00"
            ids[f"a{n}"] = services.create(s, "accounts", values).id
        ids["far"] = services.create(
            s, "accounts", {"name": "No place", "territory_id": territory, "owner_id": rep}
        ).id
        # a visit 60 days ago: B is overdue after 45 days
        services.create(
            s,
            "activities",
            {
                "kind": "visit",
                "subject": "old",
                "account_id": ids["a8"],
                "done_at": _at(MONDAY, 10) - dt.timedelta(days=60),
            },
        )
        # visited last week: not due
        services.create(
            s,
            "activities",
            {
                "kind": "visit",
                "subject": "recent",
                "account_id": ids["a7"],
                "done_at": _at(MONDAY, 10) - dt.timedelta(days=3),
            },
        )
        # the agenda: a meeting at Account 0 on Monday 10:00-11:00, a call with no place on Tuesday 9-10
        ids["meeting"] = services.create(
            s,
            "activities",
            {
                "kind": "meeting",
                "subject": "Meeting",
                "account_id": ids["a0"],
                "owner_id": rep,
                "due_at": _at(MONDAY, 10),
                "duration_minutes": 60,
            },
        ).id
        ids["call"] = services.create(
            s,
            "activities",
            {
                "kind": "call",
                "subject": "Call",
                "owner_id": rep,
                "due_at": _at(MONDAY + dt.timedelta(days=1), 9),
                "duration_minutes": 60,
            },
        ).id
    return ids


def _request(world: dict[str, str], **extra: object) -> week.WeekRequest:
    return week.WeekRequest(world["rep"], MONDAY, iterations=800, **extra)  # type: ignore[arg-type]


def check_feasible(problem: Problem, plan: Plan) -> None:
    """Every stop in its window, within the working day, outside lunch; travel home to home adds up."""
    by_key = {c.key: c for c in problem.candidates}
    fixed = {f.key: f for f in problem.fixed}
    seen: set[str] = set()
    for day in plan.days:
        here, now = 0, day.day.start
        offset = (day.day.date - MONDAY).days * DAY
        for stop in day.stops:
            assert stop.key not in seen
            seen.add(stop.key)
            place = fixed[stop.key].place if stop.fixed else by_key[stop.key].place
            assert stop.travel_minutes == problem.minutes[here][place]
            assert now + stop.travel_minutes <= stop.start
            if stop.fixed:
                assert stop.start == fixed[stop.key].start
            else:
                assert any(lo <= stop.start <= hi for lo, hi in by_key[stop.key].windows)
                lunch = (offset + SETTINGS.lunch[0], offset + SETTINGS.lunch[1])  # type: ignore[index]
                assert stop.start + stop.minutes <= lunch[0] or stop.start >= lunch[1]
            assert day.day.start <= stop.start
            assert stop.start + stop.minutes <= day.day.end
            here, now = place, stop.start + stop.minutes
        assert day.home_minutes == problem.minutes[here][0]
        assert now + day.home_minutes <= day.day.end
    assert set(fixed) <= seen  # every appointment with a place is kept


@pytest.mark.parametrize("use_solver", [True, False])
def test_a_week_plan_keeps_every_rule(store: LocalStore, world: dict[str, str], use_solver: bool) -> None:
    with store.transaction() as s:
        problem, no_place = week.build(s, _request(world), SETTINGS, now=NOW, tz=dt.UTC)
        plan = week.solve(problem, use_solver=use_solver)
    assert no_place == {world["far"]: "No place"}
    assert [d.date.isoweekday() for d in problem.days] == [1, 2, 3]  # working days only
    keys = {c.key for c in problem.candidates}
    assert world["a7"] not in keys  # visited three days ago
    assert {world["a8"]} == {c.key for c in problem.candidates if c.overdue}
    assert [f.key for f in problem.fixed] == [world["meeting"]]  # the call has no place: blocked time
    check_feasible(problem, plan)
    planned = {s.key for s in plan.visits}
    assert world["a8"] in planned  # overdue first
    assert len(planned) == len(keys)  # room for all of them this week
    tuesday = plan.days[1]
    assert all(not (DAY + 9 * 60 <= st.start < DAY + 10 * 60) for st in tuesday.stops)  # the call's hour
    a4 = next(st for st in plan.visits if st.key == world["a4"])
    assert a4.start >= DAY + 14 * 60
    assert a4.start + a4.minutes <= DAY + 16 * 60
    assert plan.solver == (solver.NAME if use_solver else "nearest neighbour + 2-opt (fallback)")


def test_the_same_seed_gives_the_same_plan(store: LocalStore, world: dict[str, str]) -> None:
    with store.transaction() as s:
        plans = [
            week.plan_week(s, _request(world), plan_settings=SETTINGS, now=NOW, tz=dt.UTC).plan
            for _ in range(2)
        ]
    assert [[(st.key, st.start) for st in d.stops] for d in plans[0].days] == [
        [(st.key, st.start) for st in d.stops] for d in plans[1].days
    ]


def test_without_pyvrp_the_fallback_plans(
    store: LocalStore, world: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(solver, "USE_PYVRP", False)
    with store.transaction() as s:
        problem, _ = week.build(s, _request(world), SETTINGS, now=NOW, tz=dt.UTC)
        plan = week.solve(problem)
    assert plan.solver == "nearest neighbour + 2-opt (fallback)"
    check_feasible(problem, plan)
    assert len(plan.visits) == len(problem.candidates)


def test_a_short_week_plans_the_overdue_first(store: LocalStore, world: dict[str, str]) -> None:
    short = PlanSettings(day_start=14 * 60, day_end=16 * 60, working_days=(3,), lunch=None)
    with store.transaction() as s:
        for use_solver in (True, False):
            problem, _ = week.build(s, _request(world), short, now=NOW, tz=dt.UTC)
            plan = week.solve(problem, use_solver=use_solver)
            check_feasible(problem, plan)
            assert world["a8"] in {st.key for st in plan.visits}
            assert plan.left_out  # not everyone fits in two hours


def test_removing_and_adding_accounts(store: LocalStore, world: dict[str, str]) -> None:
    with store.transaction() as s:
        plan = week.plan_week(
            s,
            _request(world, exclude=frozenset({world["a8"]}), include=frozenset({world["a7"]})),
            plan_settings=SETTINGS,
            now=NOW,
            tz=dt.UTC,
        ).plan
    planned = {st.key for st in plan.visits}
    assert world["a8"] not in planned
    assert world["a7"] in planned


def test_accepting_writes_visits_into_the_agenda(store: LocalStore, world: dict[str, str]) -> None:
    with store.transaction() as s:
        planned = week.plan_week(s, _request(world), plan_settings=SETTINGS, now=NOW, tz=dt.UTC)
        made = week.accept(s, planned, tz=dt.UTC)
    assert len(made) == len(planned.plan.visits) > 0
    with store.transaction() as s:
        rows = s.execute(
            text(
                "SELECT account_id, due_at, duration_minutes, owner_id, kind FROM activities "
                "WHERE id IN (SELECT value FROM json_each(:ids))"
            ),
            {"ids": json.dumps(made)},
        ).all()
        first = planned.plan.visits[0]
        row = next(r for r in rows if r.account_id == first.key)
        assert row.kind == "visit"
        assert row.owner_id == world["rep"]
        assert row.duration_minutes == first.minutes
        assert dt.datetime.fromisoformat(str(row.due_at)) == first.starts_at(MONDAY)
        # planned visits are not proposed again, and they block their time in the next plan
        again, _ = week.build(s, _request(world), SETTINGS, now=NOW, tz=dt.UTC)
    assert not {c.key for c in again.candidates} & {r.account_id for r in rows}
    assert len(again.fixed) == 1 + len(rows)


def test_no_home_base_says_what_to_do(store: LocalStore, world: dict[str, str]) -> None:
    with store.transaction() as s:
        services.update(s, "users", world["rep"], {"home_latitude": None})
        with pytest.raises(week.PlanError, match="home base"):
            week.build(s, _request(world), SETTINGS, now=NOW, tz=dt.UTC)


def test_the_benchmark_instance_is_solved_feasibly_within_its_windows() -> None:
    """The quick version of tests/perf/bench_planner.py: Solomon's RC208 through the planner's solver
    settings (few iterations): every customer visited once, each in its time window, nothing late."""
    data = pyvrp.read(str(Path(__file__).parents[1] / "perf" / "data" / "RC208.vrp"), round_func="dimacs")
    result = solver.solve_data(data, seed=1, seconds=10, iterations=150)
    best = result.best
    assert best.is_feasible()
    visited = []
    for route in best.routes():
        assert route.time_warp() == 0
        for step in route.schedule():
            if step.is_client():
                client = data.client(step.idx)
                assert client.tw_early <= step.start_time <= client.tw_late
                visited.append(step.idx)
    assert sorted(visited) == list(range(data.num_clients))
    assert best.distance() < 7761 * 1.25  # a sane route even after a few iterations


def test_the_call_sheet_follows_an_accepted_plans_route(store: LocalStore, world: dict[str, str]) -> None:
    """Issue 16, item 6: the visits accepted from a plan carry their stop on the day's route
    (``activities.plan_stop``, their notes left empty), and the call sheet of that day lists them in the
    plan's order."""
    from sfa_desktop.core.callsheet import sheet as callsheet

    with store.transaction() as s:
        planned = week.plan_week(s, _request(world), plan_settings=SETTINGS, now=NOW, tz=dt.UTC)
        made = week.accept(s, planned, tz=dt.UTC)
    day = next(d for d in planned.plan.days if d.visits)
    first = MONDAY + dt.timedelta(days=next(i for i, d in enumerate(planned.plan.days) if d is day))
    with store.reading() as s:
        stop_of: dict[str, int] = dict(
            s.execute(text("SELECT account_id, plan_stop FROM activities WHERE plan_stop IS NOT NULL")).all()
        )
        unplanned_notes = s.execute(
            text(
                "SELECT count(*) FROM activities WHERE id IN (SELECT value FROM json_each(:ids)) "
                "AND notes IS NOT NULL"
            ),
            {"ids": json.dumps(made)},
        ).scalar()
        sheet_day = next(
            d for d in callsheet.build(s, [world["rep"]], first, tz=dt.UTC).reps[0].days if d.date == first
        )
    assert unplanned_notes == 0
    stops = list(day.stops)
    for number, stop in enumerate(stops, start=1):
        if not stop.fixed:
            assert stop_of[stop.key] == number
    assert sheet_day.planned
    # the plan's stops in its order, the appointment already in the agenda in its place among them
    on_route = [c.info.plan_stop for c in sheet_day.route]
    assert on_route == [None if st.fixed else n for n, st in enumerate(stops, start=1)]
