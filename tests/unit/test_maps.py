"""The map (issue 16, item 3) without a screen: the slippy-map maths, the tile cache (expiry, damaged files,
trimming), fetching tiles from a local server (never the real OpenStreetMap) as OSM's policy asks, and what
the map of a rep's day shows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from sfa_desktop.core import settings
from sfa_desktop.core.maps import day as day_map
from sfa_desktop.core.maps import slippy
from sfa_desktop.core.records import services
from sfa_desktop.ops import maps as map_ops
from sfa_desktop.ops import tiles
from sfa_desktop.store.database import LocalStore
from tests import tile_server

NY = ZoneInfo("America/New_York")

# -- slippy maths ------------------------------------------------------------------------------------------


def test_tile_numbers_match_the_openstreetmap_wiki() -> None:
    assert slippy.tile_of(51.5074, -0.1278, 10) == (511, 340)  # London
    assert slippy.tile_of(0.0, 0.0, 1) == (1, 1)
    assert slippy.tile_of(85.1, -180.0, 3) == (0, 0)  # clamped at the map's corner
    assert slippy.tile_of(-89.0, 179.999, 3) == (7, 7)


def test_world_pixels_go_there_and_back() -> None:
    for lat, lon in ((42.3541, -71.0595), (-33.86, 151.21), (0.0, 0.0), (64.1, -21.9)):
        x, y = slippy.to_world(lat, lon, 12)
        back = slippy.to_latlon(x, y, 12)
        assert back == pytest.approx((lat, lon), abs=1e-9)
    assert slippy.to_world(0.0, 0.0, 0) == pytest.approx((128.0, 128.0))


def test_tiles_covering_a_view_start_at_the_centre_and_wrap_the_date_line() -> None:
    center = (2 * 256 + 128, 2 * 256 + 128)  # the middle of tile (2, 2) at zoom 3
    found = slippy.tiles_covering(center, 600, 300, 3)
    assert found[0] == (2, 2, 2)
    rows = {row for _col, row, _x in found}
    assert rows == {1, 2, 3}
    assert len(found) == len(set(found)) == 3 * 3  # columns 1 to 3 (x 340 to 939), rows 1 to 3
    edge = slippy.tiles_covering((10.0, 300.0), 256, 256, 2)
    assert {(col, x) for col, _row, x in edge} == {(-1, 3), (0, 0)}  # left of the date line: the last column
    top = slippy.tiles_covering((512.0, 10.0), 256, 256, 2)
    assert {row for _c, row, _x in top} == {0}  # nothing above the map


def test_fit_takes_the_closest_zoom_that_shows_every_point() -> None:
    points = [(42.36, -71.06), (41.76, -72.67), (42.27, -71.80)]  # Boston, Hartford, Worcester
    view = slippy.fit(points, 1000, 700)
    xs, ys = zip(*(slippy.to_world(lat, lon, view.zoom) for lat, lon in points), strict=True)
    assert max(xs) - min(xs) <= 1000 - 96
    assert max(ys) - min(ys) <= 700 - 96
    closer = [slippy.to_world(lat, lon, view.zoom + 1) for lat, lon in points]
    assert max(p[0] for p in closer) - min(p[0] for p in closer) > 1000 - 96 or (
        max(p[1] for p in closer) - min(p[1] for p in closer) > 700 - 96
    )
    assert slippy.fit([(42.0, -71.0)], 800, 600).zoom == 15
    assert slippy.fit([], 800, 600).zoom == 4


def test_scale_bar_is_a_round_length_that_fits() -> None:
    pixels, label = slippy.scale_bar(42.36, 12, 120)
    assert label == "2 km"
    assert 0 < pixels <= 120
    assert pixels == pytest.approx(2000 / slippy.metres_per_pixel(42.36, 12))
    _p, small = slippy.scale_bar(42.36, 17, 120)
    assert small.endswith(" m")
    _p, miles = slippy.scale_bar(42.36, 10, 150, "mi")
    assert miles.endswith(" mi")
    _p, feet = slippy.scale_bar(42.36, 18, 100, "mi")
    assert feet.endswith(" ft")


def test_grid_steps_are_round() -> None:
    assert slippy.grid_step(1.0) == 0.2
    assert slippy.grid_step(30.0) == 5
    assert slippy.grid_lines(-71.3, -70.7, 0.2) == [-71.2, -71.0, -70.8]


def test_tile_url_setting_is_checked() -> None:
    assert (
        slippy.check_tile_url(" http://localhost:8000/{z}/{x}/{y}.png ")
        == "http://localhost:8000/{z}/{x}/{y}.png"
    )
    with pytest.raises(ValueError, match="not a tile address"):
        slippy.check_tile_url("http://tiles.example.com/{z}/{x}/{y}.png")  # plain http elsewhere
    with pytest.raises(ValueError, match="not a tile address"):
        slippy.check_tile_url("https://tiles.example.com/{z}/{x}.png")


# -- the cache -----------------------------------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def test_cache_keeps_tiles_until_they_expire(tmp_path: Path) -> None:
    clock = Clock()
    cache = tiles.TileCache(tmp_path, "tile.example.org", clock)
    data = tile_server.tile_png(3, 1, 2)
    cache.put(3, 1, 2, data, 3600, '"e1"', None)
    found = cache.get(3, 1, 2)
    assert found is not None
    assert (found.data, found.etag, found.fresh(clock.now)) == (data, '"e1"', True)
    clock.now += 3601
    stale = cache.get(3, 1, 2)
    assert stale is not None
    assert not stale.fresh(clock.now)
    assert cache.get(3, 1, 3) is None
    with pytest.raises(tiles.TileUnavailable):
        cache.put(3, 1, 4, b"<html>", 3600, None, None)


def test_a_damaged_tile_file_is_removed_and_a_lost_expiry_makes_it_stale(tmp_path: Path) -> None:
    clock = Clock()
    cache = tiles.TileCache(tmp_path, "tile.example.org", clock)
    cache.put(5, 9, 12, tile_server.tile_png(5, 9, 12), 3600, None, None)
    png_path = tmp_path / "tile.example.org" / "5" / "9" / "12.png"
    meta_path = png_path.with_suffix(".json")
    meta_path.write_text("{not json", encoding="utf-8")
    stale = cache.get(5, 9, 12)
    assert stale is not None
    assert not stale.fresh(clock.now)
    png_path.write_bytes(b"\x89PNG\r\n\x1a\ntorn")  # cut short
    assert cache.get(5, 9, 12) is None
    assert not png_path.exists()
    assert not meta_path.exists()


def test_trim_removes_the_oldest_tiles_first(tmp_path: Path) -> None:
    import os

    cache = tiles.TileCache(tmp_path, "t", Clock())
    for n in range(4):
        cache.put(4, n, 0, tile_server.tile_png(4, n, 0), 3600, None, None)
        path = tmp_path / "t" / "4" / str(n) / "0.png"
        os.utime(path, (1000 + n, 1000 + n))
    newest = len(tile_server.tile_png(4, 2, 0)) + len(tile_server.tile_png(4, 3, 0))
    assert cache.trim(newest + 10) == 2
    assert cache.get(4, 0, 0) is None
    assert cache.get(4, 1, 0) is None
    assert cache.get(4, 3, 0) is not None


# -- fetching from a local server -------------------------------------------------------------------------


@pytest.fixture
def server() -> Iterator[tile_server.TileServer]:
    running = tile_server.start()
    yield running
    running.stop()


def test_fetch_names_the_app_caches_and_revalidates(tmp_path: Path, server: tile_server.TileServer) -> None:
    clock = Clock()
    source = tiles.TileSource(server.url, tiles.TileCache(tmp_path, tiles.server_name(server.url), clock))
    try:
        data = source.fetch(6, 19, 23)
        assert data == tile_server.tile_png(6, 19, 23)
        path, headers = server.requests[0]
        assert path == "/6/19/23.png"
        assert headers["User-Agent"] == tiles.USER_AGENT
        assert "SFA-Desktop" in headers["User-Agent"]
        assert source.fetch(6, 19, 23) == data  # fresh in the cache: no request
        assert len(server.requests) == 1
        clock.now += 2 * tiles.MIN_TTL  # max-age=3600 was raised to a day: now stale
        assert source.fetch(6, 19, 23) == data
        assert server.requests[1][1].get("If-None-Match") == '"t6-19-23"'  # answered 304
        assert source.fetch(6, 19, 23) == data  # the 304 made it fresh again
        assert len(server.requests) == 2
    finally:
        source.close()


def test_a_failing_server_gives_the_stale_tile_or_unavailable(
    tmp_path: Path, server: tile_server.TileServer
) -> None:
    clock = Clock()
    source = tiles.TileSource(server.url, tiles.TileCache(tmp_path, "local", clock))
    try:
        data = source.fetch(7, 1, 1)
        clock.now += tiles.MAX_TTL + 1
        server.status = 503
        assert source.fetch(7, 1, 1) == data  # expired, but better than nothing
        with pytest.raises(tiles.TileUnavailable, match="503"):
            source.fetch(7, 1, 2)
        server.status = 200
        server.garbage = True  # a proxy's error page is not a tile
        with pytest.raises(tiles.TileUnavailable):
            source.fetch(7, 1, 3)
        assert tiles.TileCache(tmp_path, "local", clock).get(7, 1, 3) is None
    finally:
        source.close()


def test_an_unreachable_server_gives_unavailable(tmp_path: Path) -> None:
    gone = tile_server.start()
    url = gone.url
    gone.stop()  # nothing listens there any more
    offline = tiles.TileSource(url, tiles.TileCache(tmp_path, "off", Clock()))
    try:
        with pytest.raises(tiles.TileUnavailable, match="could not be reached"):
            offline.fetch(7, 2, 2)
    finally:
        offline.close()


def test_lifetime_follows_the_headers_within_limits() -> None:
    now = 1_800_000_000.0
    assert tiles.lifetime(httpx.Headers({"Cache-Control": "max-age=604800"}), now) == 604800
    assert tiles.lifetime(httpx.Headers({"Cache-Control": "max-age=60"}), now) == tiles.MIN_TTL
    assert tiles.lifetime(httpx.Headers({"Cache-Control": "max-age=99999999"}), now) == tiles.MAX_TTL
    assert tiles.lifetime(httpx.Headers({}), now) == tiles.DEFAULT_TTL
    expires = "Mon, 25 Jan 2027 08:00:00 GMT"
    when = dt.datetime(2027, 1, 25, 8, tzinfo=dt.UTC).timestamp()
    assert tiles.lifetime(httpx.Headers({"Expires": expires}), when - 3 * 86400) == pytest.approx(3 * 86400)


# -- the day's map -------------------------------------------------------------------------------------------


def _world(store: LocalStore) -> dict[str, str]:
    ids: dict[str, str] = {}
    with store.transaction() as s:
        ids["ann"] = services.create(
            s, "users",
            {"login": "ann", "full_name": "Ann Rep", "home_base": "Boston office", "home_latitude": 42.3541,
             "home_longitude": -71.0595},
        ).id  # fmt: skip
        for name, lat, lon in (("Far", 42.60, -71.30), ("Near", 42.36, -71.07), ("Middle", 42.45, -71.20)):
            ids[name] = services.create(s, "accounts", {"name": name, "latitude": lat, "longitude": lon}).id
        ids["nowhere"] = services.create(s, "accounts", {"name": "Nowhere"}).id
        day = dt.date(2026, 12, 8)
        for hour, name in ((9, "Far"), (11, "Near"), (14, "Middle"), (16, "nowhere")):
            services.create(
                s, "activities",
                {"kind": "visit", "subject": f"Visit {name}", "account_id": ids[name], "owner_id": ids["ann"],
                 "due_at": dt.datetime.combine(day, dt.time(hour), NY)},
            )  # fmt: skip
        services.create(
            s, "activities",
            {"kind": "call", "subject": "A call", "account_id": ids["Far"], "owner_id": ids["ann"],
             "due_at": dt.datetime.combine(day, dt.time(10), NY)},
        )  # fmt: skip
        services.create(
            s,
            "orders",
            {
                "account_id": ids["Far"],
                "number": "1",
                "order_date": day - dt.timedelta(days=20),
                "total_cents": 900_000,
            },
        )
        services.create(
            s,
            "orders",
            {
                "account_id": ids["Near"],
                "number": "2",
                "order_date": day - dt.timedelta(days=20),
                "total_cents": 100_000,
            },
        )
    return ids


def test_the_days_map_has_the_call_sheets_route_and_every_placed_account(store: LocalStore) -> None:
    ids = _world(store)
    seen: list[str] = []

    def due(_session: object, account_id: str) -> str:
        seen.append(account_id)
        return {ids["Far"]: "overdue", ids["Near"]: "due"}.get(account_id, "whatever")

    result = map_ops.load_day(
        store, dt.date(2026, 12, 8), NY, ids["ann"], due_state=due, segments=day_map.revenue_segments
    )
    assert [s.party for s in result.stops] == ["Near", "Middle", "Far"]  # nearest first from home
    assert [s.number for s in result.stops] == [1, 2, 3]
    assert result.home == (42.3541, -71.0595)
    assert result.unrouted == ["Visit nowhere (Nowhere)"]  # what, and where
    assert result.home_km is not None
    assert result.drive_km == pytest.approx(sum(s.leg_km or 0 for s in result.stops) + result.home_km)
    places = {p.name: p for p in result.places}
    assert set(places) == {"Far", "Near", "Middle"}
    assert (places["Far"].due, places["Near"].due, places["Middle"].due) == ("overdue", "due", "unknown")
    assert sorted(seen) == sorted(ids[n] for n in ("Far", "Near", "Middle"))
    assert (places["Far"].segment, places["Near"].segment, places["Middle"].segment) == ("A", "B", "C")
    assert result.points()[0] == result.stops[0].position
    other_day = map_ops.load_day(store, dt.date(2026, 12, 9), NY, ids["ann"])
    assert other_day.stops == []
    assert {p.due for p in other_day.places} == {"due"}  # by default the service levels': never visited
    assert len(other_day.points()) == 4  # every place and home


def test_by_default_the_map_shows_the_service_levels_segment_and_due_state(store: LocalStore) -> None:
    """Without functions handed in, the map colours by the service levels (``core.service_levels``): the
    account's own segment (C when it has none) and its visit state (never visited: due; visited within the
    segment's minimum days: ok; past its maximum: overdue)."""
    ids = _world(store)
    today = dt.date.today()
    with store.transaction() as s:
        services.update(s, "accounts", ids["Far"], {"segment": "A"})
        services.update(s, "accounts", ids["Near"], {"segment": "B"})
        for name, days_ago in (("Far", 40), ("Near", 3)):  # A: overdue after 21 days; B: due after 30
            services.create(
                s, "activities",
                {"kind": "visit", "subject": f"Was at {name}", "account_id": ids[name],
                 "owner_id": ids["ann"],
                 "due_at": dt.datetime.combine(today - dt.timedelta(days=days_ago), dt.time(10), NY),
                 "done_at": dt.datetime.combine(today - dt.timedelta(days=days_ago), dt.time(11), NY)},
            )  # fmt: skip
    places = {p.name: p for p in map_ops.load_day(store, today, NY, ids["ann"]).places}
    assert (places["Far"].segment, places["Near"].segment, places["Middle"].segment) == ("A", "B", "C")
    assert (places["Far"].due, places["Near"].due, places["Middle"].due) == ("overdue", "ok", "due")


def test_revenue_segments_rank_by_the_last_years_orders(store: LocalStore) -> None:
    ids = _world(store)
    with store.reading() as session:
        found = day_map.revenue_segments(
            session, [ids["Far"], ids["Near"], ids["nowhere"]], today=dt.date(2026, 12, 8)
        )
        later = day_map.revenue_segments(session, [ids["Far"]], today=dt.date(2028, 1, 1))
    assert found == {ids["Far"]: "A", ids["Near"]: "B", ids["nowhere"]: "C"}
    assert later == {ids["Far"]: "C"}


def test_tiles_can_be_turned_off(store: LocalStore) -> None:
    assert map_ops.tile_settings(store) == map_ops.TileSettings(True, slippy.DEFAULT_TILE_URL)
    map_ops.set_tiles(store, False)
    assert map_ops.tile_settings(store).enabled is False
    with store.transaction() as session, pytest.raises(ValueError, match="not on or off"):
        settings.put(session, "map_tiles", "maybe")
