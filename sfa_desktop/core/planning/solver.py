"""A week of routes with PyVRP: a vehicle routing problem with time windows, prize-collecting.

One vehicle per working day, from home and back home within the day's working hours; each candidate
account is a group of alternative clients (one per window it may be visited in: a day, less lunch and
the appointments without a place), at most one of which is visited, worth its prize (overdue accounts are
worth far more than due ones, so they come first); each appointment with a place is a required client at
its fixed time.  Travel is in whole minutes, and the cost is the minutes driven.  The search is
deterministic for a seed and stops after a number of iterations or a time limit, whichever comes first.
"""

from __future__ import annotations

import time

from sfa_desktop.core.planning.problem import DayPlan, Plan, Problem, schedule

try:  # the bundle always has it; a checkout without it plans with the fallback
    import pyvrp
    from pyvrp.stop import MaxIterations, MaxRuntime, MultipleCriteria

    #: False: PyVRP is missing (or turned off, as the tests of the fallback do) and the fallback plans.
    USE_PYVRP = True
except ImportError:  # pragma: no cover - the tests turn USE_PYVRP off instead
    USE_PYVRP = False

NAME = "PyVRP (vehicle routing with time windows)"


def solve_data(
    data: pyvrp.ProblemData,
    *,
    seed: int,
    seconds: float,
    iterations: int,
    initial: pyvrp.Solution | None = None,
) -> pyvrp.Result:
    """Solve PyVRP problem data with the planner's settings (the benchmark uses this too), from an initial
    solution when one is given."""
    stop = MultipleCriteria([MaxIterations(iterations), MaxRuntime(seconds)])
    return pyvrp.solve(data, stop=stop, seed=seed, display=False, initial_solution=initial)


def _initial(data: pyvrp.ProblemData, keys: list[str], start: Plan) -> pyvrp.Solution | None:
    """A plan (the fallback's) as a PyVRP solution to start the search from: each stop as the client
    copy whose window holds its start."""
    windows: dict[str, list[tuple[int, int, int]]] = {}
    clients = data.clients()
    for index, key in enumerate(keys):
        windows.setdefault(key, []).append((clients[index].tw_early, clients[index].tw_late, index))
    routes = []
    for n, day in enumerate(start.days):
        visits = []
        for stop in day.stops:
            found = [i for lo, hi, i in windows.get(stop.key, []) if lo <= stop.start <= hi]
            if not found:
                return None
            visits.append(found[0])
        if visits:
            routes.append(pyvrp.Route(data, visits, n))
    return pyvrp.Solution(data, routes)


def _model(problem: Problem) -> tuple[pyvrp.Model, list[str]]:
    """The PyVRP model and, per client index, the key of what it visits."""
    model = pyvrp.Model()
    locations = [model.add_location(x=lon * 1e4, y=lat * 1e4) for lat, lon in problem.positions]
    horizon = max(d.end for d in problem.days) if problem.days else 0
    home = model.add_depot(locations[0], tw_early=0, tw_late=horizon)
    for n, day in enumerate(problem.days):
        model.add_vehicle_type(
            num_available=1,
            start_depot=home,
            end_depot=home,
            tw_early=day.start,
            tw_late=day.end,
            name=f"day{n}",
        )
    keys: list[str] = []
    for c in problem.candidates:
        if not c.windows:
            continue
        group = model.add_client_group(required=False) if len(c.windows) > 1 else None
        for lo, hi in c.windows:
            model.add_client(
                locations[c.place],
                service_duration=c.minutes,
                tw_early=lo,
                tw_late=hi,
                prize=c.prize,
                required=False,
                group=group,
                name=c.key,
            )
            keys.append(c.key)
    for f in problem.fixed:
        model.add_client(
            locations[f.place], service_duration=f.minutes, tw_early=f.start, tw_late=f.start, name=f.key
        )
        keys.append(f.key)
    for i, frm in enumerate(locations):
        row = problem.minutes[i]
        for j, to in enumerate(locations):
            model.add_edge(frm, to, distance=row[j], duration=row[j])
    return model, keys


def solve(problem: Problem, start: Plan | None = None) -> Plan | None:
    """The plan PyVRP finds (searching from ``start``, a feasible plan, when given), or None when it finds
    no feasible one (the caller falls back)."""
    if not USE_PYVRP:
        return None
    began = time.perf_counter()
    model, keys = _model(problem)
    if not keys:
        return Plan([DayPlan(d) for d in problem.days], list(problem.candidates), NAME, 0.0)
    data = model.data()
    initial = _initial(data, keys, start) if start is not None else None
    result = solve_data(
        data, seed=problem.seed, seconds=problem.seconds, iterations=problem.iterations, initial=initial
    )
    best = result.best
    if not best.is_feasible():
        return None
    days = [DayPlan(d) for d in problem.days]
    planned: set[str] = set()
    for route in best.routes():
        day = days[route.vehicle_type()]
        order = [keys[s.idx] for s in route.schedule() if s.is_client()]
        timed = schedule(problem, day.day, order)
        if timed is None:  # PyVRP's schedule kept what ours cannot: trust neither
            return None
        day.stops, day.home_minutes, day.home_km = timed
        planned.update(order)
    fixed = {f.key for f in problem.fixed}
    if not fixed <= planned and problem.fixed:
        return None
    left = [c for c in problem.candidates if c.key not in planned]
    return Plan(days, left, NAME, time.perf_counter() - began)
