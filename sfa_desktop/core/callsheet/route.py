"""A day's route: the order to visit places in, nearest first, and the distance of each leg.

Distances are great-circle distances (haversine) on a sphere of the Earth's mean radius: what a rep plans
with, not a road distance.  The route is the nearest-neighbour tour from the start: from where you are, go
to the closest place not visited yet.  Ties go to the place given first, so a route is deterministic.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

EARTH_RADIUS_KM = 6371.0088
KM_PER_MILE = 1.609344
T = TypeVar("T")


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance between two (latitude, longitude) points in degrees."""
    lat1, lon1 = map(math.radians, a)
    lat2, lon2 = map(math.radians, b)
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


@dataclass(frozen=True)
class Stop(Generic[T]):
    item: T
    position: tuple[float, float]
    #: Distance from the previous stop (or the start), km; None for the first stop of a route without start.
    leg_km: float | None


def nearest_neighbour(
    start: tuple[float, float] | None, places: Sequence[tuple[T, tuple[float, float]]]
) -> list[Stop[T]]:
    """The places in nearest-neighbour order from ``start``; without a start, from the first place given."""
    left = list(places)
    route: list[Stop[T]] = []
    here = start
    if here is None and left:
        item, position = left.pop(0)
        route.append(Stop(item, position, None))
        here = position
    while left:
        assert here is not None
        origin = here
        best = min(range(len(left)), key=lambda i: (distance_km(origin, left[i][1]), i))
        item, position = left.pop(best)
        route.append(Stop(item, position, distance_km(here, position)))
        here = position
    return route


def total_km(route: Sequence[Stop[T]]) -> float:
    return sum(stop.leg_km or 0.0 for stop in route)


def format_distance(km: float, unit: str) -> str:
    """'12.3 km' or '7.6 mi' (``unit`` is "km" or "mi"); whole numbers from 100 on."""
    value = km / KM_PER_MILE if unit == "mi" else km
    return f"{value:.0f} {unit}" if value >= 100 else f"{value:.1f} {unit}"


def in_order(
    start: tuple[float, float] | None, places: Sequence[tuple[T, tuple[float, float]]]
) -> list[Stop[T]]:
    """The places in the order given (a route someone planned), with the distance of each leg."""
    route: list[Stop[T]] = []
    here = start
    for item, position in places:
        route.append(Stop(item, position, None if here is None else distance_km(here, position)))
        here = position
    return route
