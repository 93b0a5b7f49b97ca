"""Week planner benchmarks (issue 16).  Not a test: run ``python tests/perf/bench_planner.py``.

Budgets, each measured in this run:
- planning a week (reading what is due, the appointments, the travel matrix, PyVRP from the fallback's
  start) for a rep with 2,000 accounts in their territory: under 5 s, with the planner's own settings;
- the route PyVRP finds for Solomon's RC208 (``tests/perf/data``, best known 776.1) with the same solver
  settings as the planner (its seed, iterations and time limit, ``core.planning.solver.solve_data``): within
  5% of the best known; also reported against the best this reading of the instance reaches in a long run.

Prints a table and exits 1 when a budget is missed.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run as a script: tests is importable
os.environ.setdefault("SFA_DATABASE_KEY", "5fa0" * 16)

import pyvrp

from sfa_desktop.core.planning import solver, week
from sfa_desktop.core.planning.settings import PlanSettings
from sfa_desktop.core.records import services
from sfa_desktop.store.database import LocalStore
from tests.perf.benchlib import Result, print_results

DATA = Path(__file__).with_name("data") / "RC208.vrp"
BEST_KNOWN = 7761  # 776.1, in tenths (see data/README.md)
LONG_RUN_BEST = 7620  # the best of three seeds of 30,000 iterations of this reading
MONDAY = dt.date(2026, 12, 7)
NOW = dt.datetime(2026, 12, 6, 18, tzinfo=dt.UTC)


def seed_rep(store: LocalStore, accounts: int) -> str:
    rng = random.Random(16)
    with store.transaction() as s:
        territory = services.create(s, "territories", {"code": "NE", "name": "New England"}).id
        rep = services.create(
            s, "users", {"login": "ann", "full_name": "Ann", "home_latitude": 42.35, "home_longitude": -71.06}
        ).id
        services.create(s, "territory_memberships", {"territory_id": territory, "user_id": rep})
        rows = [
            {
                "name": f"Account {n:04d}",
                "latitude": round(42.35 + rng.uniform(-0.45, 0.45), 6),
                "longitude": round(-71.06 + rng.uniform(-0.6, 0.6), 6),
                "territory_id": territory,
                "owner_id": rep,
                "segment": rng.choice("ABBCCC"),
                "visiting_hours": rng.choice(
                    (None, None, None, "Mon-Fri 08:00-12:00", "Tue-Thu 13:00-17:00")
                ),
            }
            for n in range(accounts)
        ]
        ids = services.create_many(s, "accounts", rows)
        visits = [
            {
                "kind": "visit",
                "subject": "Visit",
                "account_id": account,
                "owner_id": rep,
                "done_at": NOW - dt.timedelta(days=rng.randint(1, 160)),
            }
            for account in ids
            if rng.random() < 0.8
        ]
        services.create_many(s, "activities", visits)
    return rep


def bench_week(accounts: int = 2000) -> tuple[float, week.WeekPlan]:
    with tempfile.TemporaryDirectory() as folder:
        store = LocalStore.open(Path(folder))
        try:
            rep = seed_rep(store, accounts)
            settings = PlanSettings()
            began = time.perf_counter()
            with store.reading() as s:
                planned = week.plan_week(s, week.WeekRequest(rep, MONDAY), plan_settings=settings, now=NOW)
            return time.perf_counter() - began, planned
        finally:
            store.close()


def bench_rc208() -> tuple[int, float, bool]:
    data = pyvrp.read(str(DATA), round_func="dimacs")
    request = week.WeekRequest("", MONDAY)
    began = time.perf_counter()
    result = solver.solve_data(
        data, seed=request.seed, seconds=PlanSettings().seconds, iterations=request.iterations
    )
    return result.best.distance(), time.perf_counter() - began, result.best.is_feasible()


def main() -> int:
    took, planned = bench_week()
    plan = planned.plan
    distance, seconds, feasible = bench_rc208()
    gap = (distance - BEST_KNOWN) / BEST_KNOWN
    long_gap = (distance - LONG_RUN_BEST) / LONG_RUN_BEST
    results: list[Result] = [
        (
            "plan a week, 2,000 accounts",
            f"{took:.2f} s ({len(plan.visits)} visits, {len(plan.left_out)} due left out, {plan.solver})",
            "< 5 s",
            took < 5.0,
        ),
        (
            "RC208 with the planner's settings",
            f"{distance / 10:.1f} in {seconds:.1f} s, gap {gap:+.2%} to 776.1, {long_gap:+.2%} to the long "
            f"run's {LONG_RUN_BEST / 10:.1f}{'' if feasible else ' (INFEASIBLE)'}",
            "gap <= 5%",
            feasible and gap <= 0.05,
        ),
    ]
    return print_results(results)


if __name__ == "__main__":
    sys.exit(main())
