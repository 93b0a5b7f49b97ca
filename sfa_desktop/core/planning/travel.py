"""Travel between places: the straight line (great circle) times a road factor, at an average speed, in
whole minutes (the solver works in integers)."""

from __future__ import annotations

import math
from collections.abc import Sequence

from sfa_desktop.core.callsheet.route import distance_km


def matrices(
    positions: Sequence[tuple[float, float]], road_factor: float, speed_kmh: float
) -> tuple[list[list[int]], list[list[float]]]:
    """(minutes, km) between every two places; a trip between two different places takes a minute at least."""
    n = len(positions)
    minutes = [[0] * n for _ in range(n)]
    km = [[0.0] * n for _ in range(n)]
    for i in range(n):
        for j in range(i + 1, n):
            road = distance_km(positions[i], positions[j]) * road_factor
            time = max(1, math.ceil(road / speed_kmh * 60)) if road > 0 else 0
            minutes[i][j] = minutes[j][i] = time
            km[i][j] = km[j][i] = road
    return minutes, km
