"""What a week plan is made from and what it is, as plain data (no database, no solver).

Times are minutes from midnight of the plan's first day (day ``d`` starts at ``d * 1440``); places are
indexes into ``Problem.positions`` (0 is the rep's home).  A visit may be planned in any of its windows
(its visiting hours on a working day, less lunch and the appointments without a place); an appointment
with a place is a fixed stop of its day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

DAY = 24 * 60


@dataclass(frozen=True)
class Candidate:
    """An account that could be visited this week."""

    key: str  # the account id
    name: str
    place: int
    minutes: int  # the visit's length
    #: Where its visit may START (start, latest start), in plan minutes, day by day.
    windows: tuple[tuple[int, int], ...]
    overdue: bool
    #: How much visiting it is worth (more for overdue and for long-due accounts).
    prize: int
    segment: str = "C"
    state: str = "due"


@dataclass(frozen=True)
class Fixed:
    """An appointment already in the agenda with a place: the route passes by it at its time."""

    key: str  # the activity id
    name: str
    place: int
    start: int
    minutes: int


@dataclass(frozen=True)
class Day:
    date: dt.date
    start: int  # the working day, in plan minutes
    end: int


@dataclass
class Problem:
    positions: list[tuple[float, float]]  # (latitude, longitude); 0 is home
    days: list[Day]
    candidates: list[Candidate]
    fixed: list[Fixed]
    #: travel minutes and km between places (square, same indexes as positions)
    minutes: list[list[int]]
    km: list[list[float]]
    seed: int = 1
    seconds: float = 3.0
    iterations: int = 4000


@dataclass(frozen=True)
class Stop:
    key: str
    name: str
    start: int  # plan minutes
    minutes: int
    travel_minutes: int  # from the previous stop (or home)
    travel_km: float
    fixed: bool = False  # an appointment already in the agenda

    def starts_at(self, first_day: dt.date) -> dt.datetime:
        """The stop's start as a naive local datetime."""
        return dt.datetime.combine(first_day, dt.time()) + dt.timedelta(minutes=self.start)


@dataclass
class DayPlan:
    day: Day
    stops: list[Stop] = field(default_factory=list)
    home_minutes: int = 0  # the drive back home
    home_km: float = 0.0

    @property
    def visits(self) -> list[Stop]:
        return [s for s in self.stops if not s.fixed]

    @property
    def travel_minutes(self) -> int:
        return sum(s.travel_minutes for s in self.stops) + (self.home_minutes if self.stops else 0)

    @property
    def travel_km(self) -> float:
        return sum(s.travel_km for s in self.stops) + (self.home_km if self.stops else 0.0)


@dataclass
class Plan:
    days: list[DayPlan]
    left_out: list[Candidate]
    solver: str  # "pyvrp" or "nearest neighbour + 2-opt"
    seconds: float = 0.0

    @property
    def visits(self) -> list[Stop]:
        return [s for d in self.days for s in d.visits]


def schedule(problem: Problem, day: Day, keys: Sequence[str]) -> tuple[list[Stop], int, float] | None:
    """The day's stops (candidates and fixed appointments, by key, in this order) each at its earliest
    feasible start, and the drive home; None when the order cannot be kept (a window missed, the day
    overrun)."""
    by_key = {c.key: c for c in problem.candidates}
    fixed = {f.key: f for f in problem.fixed}
    here, now = 0, day.start
    stops: list[Stop] = []
    for key in keys:
        if key in fixed:
            f = fixed[key]
            arrive = now + problem.minutes[here][f.place]
            if arrive > f.start:
                return None
            stops.append(
                Stop(
                    f.key,
                    f.name,
                    f.start,
                    f.minutes,
                    problem.minutes[here][f.place],
                    problem.km[here][f.place],
                    True,
                )
            )
            here, now = f.place, f.start + f.minutes
            continue
        c = by_key[key]
        arrive = now + problem.minutes[here][c.place]
        start = next(
            (max(arrive, lo) for lo, hi in c.windows if hi >= arrive and day.start <= lo < day.end), None
        )
        if start is None:
            return None
        stops.append(
            Stop(c.key, c.name, start, c.minutes, problem.minutes[here][c.place], problem.km[here][c.place])
        )
        here, now = c.place, start + c.minutes
    back = problem.minutes[here][0]
    if now + back > day.end:
        return None
    return stops, back, problem.km[here][0]
