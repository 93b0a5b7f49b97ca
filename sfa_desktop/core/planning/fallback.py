"""The fallback planner, when PyVRP is missing or finds nothing in time: nearest neighbour, then 2-opt.

Day by day, from home: the next stop is the nearest candidate (overdue ones first) that can still be
visited in one of its windows and leave time to reach the day's next appointment and home; appointments
are kept at their times.  Then each stretch between appointments is improved by 2-opt (reversing a run of
stops when that shortens the day and keeps every window).  Deterministic: ties go to the candidate given
first.
"""

from __future__ import annotations

import itertools
import time

from sfa_desktop.core.planning.problem import DayPlan, Fixed, Plan, Problem, schedule

NAME = "nearest neighbour + 2-opt (fallback)"


def _travel(problem: Problem, keys: list[str], places: dict[str, int]) -> int:
    route = [0, *(places[k] for k in keys), 0]
    return sum(problem.minutes[a][b] for a, b in itertools.pairwise(route))


def _two_opt(
    problem: Problem, day: DayPlan, keys: list[str], places: dict[str, int], fixed: set[str]
) -> list[str]:
    best = list(keys)
    best_cost = _travel(problem, best, places)
    improved = True
    while improved:
        improved = False
        for i in range(len(best) - 1):
            for j in range(i + 1, len(best)):
                if any(k in fixed for k in best[i : j + 1]):
                    continue
                trial = best[:i] + best[i : j + 1][::-1] + best[j + 1 :]
                cost = _travel(problem, trial, places)
                if cost < best_cost and schedule(problem, day.day, trial) is not None:
                    best, best_cost, improved = trial, cost, True
    return best


def solve(problem: Problem) -> Plan:
    began = time.perf_counter()
    places = {c.key: c.place for c in problem.candidates} | {f.key: f.place for f in problem.fixed}
    left = sorted(problem.candidates, key=lambda c: (not c.overdue, -c.prize))
    days: list[DayPlan] = []
    for day in problem.days:
        plan = DayPlan(day)
        appointments: list[Fixed] = sorted(
            (f for f in problem.fixed if day.start <= f.start < day.end), key=lambda f: f.start
        )
        keys: list[str] = [f.key for f in appointments]
        if schedule(problem, day, keys) is None:
            keys = []  # appointments that cannot all be kept: leave the day to them, unplanned
        else:
            position = 0  # insert before appointments[position]
            while True:
                at = keys.index(appointments[position].key) if position < len(appointments) else len(keys)
                here = places[keys[at - 1]] if at else 0
                best = None
                for n, c in enumerate(left):
                    trial = [*keys[:at], c.key, *keys[at:]]
                    if schedule(problem, day, trial) is None:
                        continue
                    rank = (not c.overdue, problem.minutes[here][c.place], n)
                    if best is None or rank < best[0]:
                        best = (rank, c)
                if best is None:
                    if position >= len(appointments):
                        break
                    position += 1
                    continue
                keys.insert(at, best[1].key)
                left.remove(best[1])
            keys = _two_opt(problem, plan, keys, places, {f.key for f in appointments})
        timed = schedule(problem, day, keys)
        if timed is not None:
            plan.stops, plan.home_minutes, plan.home_km = timed
        days.append(plan)
    return Plan(days, left, NAME, time.perf_counter() - began)
