"""The Map page (issue 16, item 3): the schematic when tiles are off or failing (never a blank panel),
tiles from a local server (never the real OpenStreetMap) with the attribution, the day's route numbered in
order, accounts coloured by due state, pan and zoom with the mouse and the keys."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QColor, QImage, QMouseEvent
from PySide6.QtWidgets import QApplication

from sfa_desktop.core.records import services
from sfa_desktop.ops import maps as map_ops
from sfa_desktop.ops import tiles
from sfa_desktop.store.database import LocalStore
from sfa_desktop.ui.map_page import MapPage
from sfa_desktop.ui.map_view import ATTRIBUTION, DUE_COLORS, MapView, TileLoader
from tests import tile_server

NY = ZoneInfo("America/New_York")
DAY = dt.date(2026, 12, 8)


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
        for hour, name in ((9, "Far"), (11, "Near"), (14, "Middle")):
            services.create(
                s, "activities",
                {"kind": "visit", "subject": f"Visit {name}", "account_id": ids[name], "owner_id": ids["ann"],
                 "due_at": dt.datetime.combine(DAY, dt.time(hour), NY)},
            )  # fmt: skip
    return ids


def _mouse(view: MapView, kind: QEvent.Type, at: QPointF) -> None:
    """A mouse event at exactly this point of the view (QTest's moves go through the screen's cursor)."""
    left = Qt.MouseButton.LeftButton
    button = Qt.MouseButton.NoButton if kind == QEvent.Type.MouseMove else left
    buttons = Qt.MouseButton.NoButton if kind == QEvent.Type.MouseButtonRelease else left
    event = QMouseEvent(kind, at, view.mapToGlobal(at), button, buttons, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(view, event)


def _tiles_shown(page: MapPage) -> bool:
    return page.map.tiles_on


def _image(view: MapView) -> QImage:
    return view.grab().toImage()


def _colours(image: QImage) -> set[int]:
    return {image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)}


def _has(image: QImage, colour: str) -> bool:
    wanted = QColor(colour).rgb()
    return any(
        image.pixel(x, y) == wanted for x in range(0, image.width(), 2) for y in range(0, image.height(), 2)
    )


@pytest.fixture
def server() -> Iterator[tile_server.TileServer]:
    running = tile_server.start()
    yield running
    running.stop()


def _loader(tmp_path: Path, qtbot: Any) -> TileLoader:
    loader = TileLoader(lambda url: tiles.TileSource(url, tiles.TileCache(tmp_path, tiles.server_name(url))))
    return loader


def _view(qtbot: Any, loader: TileLoader | None = None) -> MapView:
    view = MapView(loader)
    qtbot.addWidget(view)
    view.setFixedSize(900, 600)
    view.show()
    return view


def test_the_schematic_shows_the_route_and_accounts_without_tiles(qtbot, store) -> None:
    ids = _world(store)
    due = {ids["Far"]: "overdue", ids["Near"]: "due"}
    data = map_ops.load_day(store, DAY, NY, ids["ann"], due_state=lambda _s, a: due.get(a, "ok"))
    view = _view(qtbot)
    view.set_data(data)
    image = _image(view)
    assert len(_colours(image)) > 8  # a grid, markers, a route, a legend: never a blank panel
    assert _has(image, "#1d4ed8")  # numbered stops
    assert _has(image, DUE_COLORS["overdue"])
    assert _has(image, DUE_COLORS["due"])
    for stop in data.stops:  # every stop inside the view after fitting
        point = view.screen_of(stop.position)
        assert 0 <= point.x() <= view.width()
        assert 0 <= point.y() <= view.height()
    assert view.stop_at(view.screen_of(data.stops[0].position)) == 1


def test_tiles_from_a_local_server_with_the_attribution(qtbot, store, tmp_path, server) -> None:
    ids = _world(store)
    loader = _loader(tmp_path, qtbot)
    view = _view(qtbot, loader)
    view.set_data(map_ops.load_day(store, DAY, NY, ids["ann"]))
    view.set_tiles(server.url)
    view.repaint()
    qtbot.waitUntil(lambda: len(view._pixmaps) >= 4, timeout=10000)
    image = _image(view)
    assert _has(image, "#f2efe9") or _has(image, "#ece9e3")  # the generated tiles' land colour
    assert view.attribution_rect().width() > 100
    assert all(headers["User-Agent"] == tiles.USER_AGENT for _path, headers in server.requests)
    assert len(server.requests) <= 2 * len(view._pixmaps) + 4  # only the tiles in view, no prefetch
    assert ATTRIBUTION.startswith("©")
    loader.shutdown()


def test_failing_tiles_fall_back_to_the_schematic(qtbot, store, tmp_path, server) -> None:
    ids = _world(store)
    server.status = 500
    loader = _loader(tmp_path, qtbot)
    view = _view(qtbot, loader)
    view.set_data(map_ops.load_day(store, DAY, NY, ids["ann"]))
    view.set_tiles(server.url)
    view.repaint()
    qtbot.waitUntil(lambda: len(view._failed) >= 4, timeout=10000)
    image = _image(view)
    assert len(_colours(image)) > 8
    assert _has(image, "#1d4ed8")
    assert view._pixmaps == {}
    loader.shutdown()


def test_pan_and_zoom_with_mouse_and_keys(qtbot, store) -> None:
    ids = _world(store)
    view = _view(qtbot)
    view.set_data(map_ops.load_day(store, DAY, NY, ids["ann"]))
    zoom, center = view.zoom, view.center
    under = view.position_at(QPointF(200, 150))
    view.zoom_at(QPointF(200, 150), 1)
    assert view.zoom == zoom + 1
    assert view.position_at(QPointF(200, 150)) == pytest.approx(under, abs=1e-9)  # zoomed at the pointer
    qtbot.keyClick(view, Qt.Key.Key_Minus)
    assert view.zoom == zoom
    before = view.center
    qtbot.keyClick(view, Qt.Key.Key_Right)
    assert view.center == pytest.approx((before[0] + 120, before[1]))
    qtbot.keyClick(view, Qt.Key.Key_0)
    assert view.zoom == zoom
    assert view.center == pytest.approx(center)
    _mouse(view, QEvent.Type.MouseButtonPress, QPointF(450, 300))
    _mouse(view, QEvent.Type.MouseMove, QPointF(470, 320))
    _mouse(view, QEvent.Type.MouseMove, QPointF(500, 340))
    _mouse(view, QEvent.Type.MouseButtonRelease, QPointF(500, 340))
    assert view.center == pytest.approx((center[0] - 50, center[1] - 40))
    place = next(p for p in view.data.places if p.name == "Far") if view.data else None
    assert place is not None
    view.show_route = False  # the stop sits on the account: click the account itself
    with qtbot.waitSignal(view.placeClicked) as clicked:
        qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=view.screen_of(place.position).toPoint())
    assert clicked.args == [place.account_id]


def test_the_page_lists_the_day_and_turns_tiles_off(qtbot, store, runner, tmp_path) -> None:
    _world(store)
    map_ops.set_tiles(store, False)
    page = MapPage(store, runner, _loader(tmp_path, qtbot))
    qtbot.addWidget(page)
    page.setFixedSize(1300, 800)
    with qtbot.waitSignal(page.settled, timeout=5000):
        page.show()
    assert page.tiles_box.isChecked() is False
    assert _tiles_shown(page) is False
    assert page.data is not None
    assert {p.name for p in page.data.places} == {"Far", "Near", "Middle"}
    assert page.stops.count() == 0  # no user on this laptop: no route, the accounts only
    assert "Connect" in page.summary.text()
    page.tiles_box.setChecked(True)
    qtbot.waitUntil(lambda: map_ops.tile_settings(store).enabled, timeout=5000)
    assert _tiles_shown(page) is True
    with qtbot.waitSignal(page.settled, timeout=5000):
        page.next_button.click()
    assert page.day == dt.date.today() + dt.timedelta(days=1)
    page.shutdown()
