"""The slippy-map maths: OpenStreetMap's tiles are 256-pixel squares of the Web Mercator projection, 2^z
by 2^z of them at zoom z (https://wiki.openstreetmap.org/wiki/Slippy_map_tilenames).  A point is kept as
"world pixels" at a zoom: x from 0 at 180°W to 256 * 2^z at 180°E, y from 0 at 85.0511°N down.

Also what a map draws over its tiles, or instead of them when there are none (the schematic): the zoom
that fits a set of points, the tiles covering a view (nearest the centre first, so the middle fills
first), a scale bar of a round length and the lines of a latitude/longitude grid.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

#: OpenStreetMap's standard tile layer.
DEFAULT_TILE_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
TILE = 256
MIN_ZOOM = 2
MAX_ZOOM = 18
#: Web Mercator stops at this latitude (the map is square).
MAX_LATITUDE = 85.0511287798
EARTH_RADIUS_M = 6378137.0
METRES_PER_MILE = 1609.344


def world_size(zoom: int) -> int:
    return TILE * (1 << zoom)


def to_world(lat: float, lon: float, zoom: int) -> tuple[float, float]:
    """World pixels of a point (latitude and longitude in degrees) at ``zoom``."""
    lat = max(-MAX_LATITUDE, min(MAX_LATITUDE, lat))
    size = world_size(zoom)
    x = (lon + 180.0) / 360.0 * size
    sin = math.sin(math.radians(lat))
    y = (0.5 - math.log((1 + sin) / (1 - sin)) / (4 * math.pi)) * size
    return x, y


def to_latlon(x: float, y: float, zoom: int) -> tuple[float, float]:
    """The point at world pixels (x, y) at ``zoom``."""
    size = world_size(zoom)
    lon = x / size * 360.0 - 180.0
    n = math.pi - 2 * math.pi * y / size
    lat = math.degrees(math.atan(math.sinh(n)))
    return lat, lon


def tile_of(lat: float, lon: float, zoom: int) -> tuple[int, int]:
    """The tile (x, y) holding a point, as the wiki's ``deg2num``."""
    x, y = to_world(lat, lon, zoom)
    last = (1 << zoom) - 1
    return max(0, min(last, int(x // TILE))), max(0, min(last, int(y // TILE)))


def tiles_covering(
    center: tuple[float, float], width: int, height: int, zoom: int
) -> list[tuple[int, int, int]]:
    """The tiles (x, y as drawn, x wrapped) that a view of ``width`` x ``height`` pixels centred on world
    pixels ``center`` shows, as (column, row, tile x): nearest the centre first.  Rows off the map (above
    85°N or below 85°S) are left out; columns wrap around the date line."""
    count = 1 << zoom
    left = center[0] - width / 2
    top = center[1] - height / 2
    first_col, last_col = math.floor(left / TILE), math.floor((left + width - 1) / TILE)
    first_row, last_row = (
        max(0, math.floor(top / TILE)),
        min(count - 1, math.floor((top + height - 1) / TILE)),
    )
    found = [
        (col, row, col % count)
        for row in range(first_row, last_row + 1)
        for col in range(first_col, last_col + 1)
    ]
    cx, cy = center[0] / TILE - 0.5, center[1] / TILE - 0.5
    found.sort(key=lambda t: ((t[0] - cx) ** 2 + (t[1] - cy) ** 2, t[1], t[0]))
    return found


@dataclass(frozen=True)
class View:
    zoom: int
    #: World pixels at ``zoom`` of the view's centre.
    center: tuple[float, float]


def fit(
    points: Sequence[tuple[float, float]],
    width: int,
    height: int,
    *,
    padding: int = 48,
    max_zoom: int = 15,
    default: tuple[float, float] = (39.8, -98.6),
) -> View:
    """The closest view (an integer zoom) that shows every point (lat, lon) with ``padding`` pixels to
    spare; one point: at ``max_zoom``; none: the ``default`` place at a country's zoom."""
    if not points:
        return View(4, to_world(*default, 4))
    room_w, room_h = max(1, width - 2 * padding), max(1, height - 2 * padding)
    for zoom in range(max_zoom, MIN_ZOOM - 1, -1):
        xs, ys = zip(*(to_world(lat, lon, zoom) for lat, lon in points), strict=True)
        if max(xs) - min(xs) <= room_w and max(ys) - min(ys) <= room_h:
            return View(zoom, ((max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2))
    xs, ys = zip(*(to_world(lat, lon, MIN_ZOOM) for lat, lon in points), strict=True)
    return View(MIN_ZOOM, ((max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2))


def metres_per_pixel(lat: float, zoom: int) -> float:
    """Ground distance of one pixel at this latitude and zoom."""
    return math.cos(math.radians(lat)) * 2 * math.pi * EARTH_RADIUS_M / world_size(zoom)


def scale_bar(lat: float, zoom: int, max_pixels: int, unit: str = "km") -> tuple[float, str]:
    """The longest round length (1, 2 or 5 times a power of ten, in metres/kilometres or feet/miles) that
    fits in ``max_pixels``: (its length in pixels, its label such as '5 km' or '500 m')."""
    per_pixel = metres_per_pixel(lat, zoom)
    longest = per_pixel * max_pixels
    if unit == "mi":
        big, small, big_name, small_name = METRES_PER_MILE, 0.3048, "mi", "ft"
        small_limit = 1000 * small
    else:
        big, small, big_name, small_name = 1000.0, 1.0, "km", "m"
        small_limit = 1000.0
    step_unit, name = (big, big_name) if longest >= big else (small, small_name)
    if name == small_name and longest >= small_limit:
        step_unit, name = big, big_name
    value = _round_down(longest / step_unit)
    label = f"{value:g} {name}"
    return value * step_unit / per_pixel, label


def _round_down(value: float) -> float:
    """The largest 1, 2 or 5 times a power of ten not above ``value`` (at least 0.1)."""
    if value <= 0.1:
        return 0.1
    power = 10 ** math.floor(math.log10(value))
    for factor in (5, 2, 1):
        if factor * power <= value:
            return float(factor * power)
    return float(power)


def grid_step(span_degrees: float, lines: int = 6) -> float:
    """A round step in degrees (…, 0.01, 0.02, 0.05, 0.1, …, 10, 20, 45) giving about ``lines`` lines over a
    span of ``span_degrees``."""
    wanted = max(span_degrees / max(1, lines), 1e-4)
    for step in (
        0.0001,
        0.0002,
        0.0005,
        0.001,
        0.002,
        0.005,
        0.01,
        0.02,
        0.05,
        0.1,
        0.2,
        0.5,
        1,
        2,
        5,
        10,
        20,
        45,
    ):
        if step >= wanted:
            return float(step)
    return 90.0


def grid_lines(low: float, high: float, step: float) -> list[float]:
    """The multiples of ``step`` from ``low`` to ``high`` (inclusive)."""
    first = math.ceil(low / step)
    last = math.floor(high / step)
    return [round(n * step, 6) for n in range(first, last + 1)]


def check_tile_url(url: str) -> str:
    """A tile URL template: https (plain http only for this computer), with {z}, {x} and {y}; ValueError
    with a message for a person otherwise."""
    value = url.strip()
    missing = [p for p in ("{z}", "{x}", "{y}") if p not in value]
    parts = urlsplit(value)
    local = parts.hostname in ("localhost", "127.0.0.1", "::1")
    if missing or not parts.hostname or not (parts.scheme == "https" or (parts.scheme == "http" and local)):
        raise ValueError(
            f"'{url}' is not a tile address; give an https address with {{z}}, {{x}} and {{y}}, such as "
            f"{DEFAULT_TILE_URL} (plain http only for localhost)."
        )
    return value
