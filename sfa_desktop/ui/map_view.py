"""The map, painted by hand: OpenStreetMap tiles when online (or the schematic: the same projection on a
light latitude/longitude grid, when tiles are off, offline or failing; never a blank panel), the day's
route (home, numbered stops, home again, joined by a line) and the accounts as dots coloured by their due
state, sized and lettered by segment, with a legend, a scale bar and the tiles' attribution.

Drag to pan, the wheel (or + and -) to zoom at the pointer, double-click to zoom in, the arrow keys to pan,
0 or Home to fit everything.  ``placeClicked(account_id)`` and ``stopClicked(number)`` say what was
clicked.

Tiles come from :class:`sfa_desktop.ui.tile_loader.TileLoader` (off the GUI thread); a tile that failed is
tried again after :data:`RETRY_SECONDS`; decoded tiles are kept in memory (the :data:`MEMORY_TILES` most
recent).
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict

from PySide6.QtCore import QPointF, QRectF, QSizeF, Qt, QUrl, Signal
from PySide6.QtGui import (
    QColor,
    QDesktopServices,
    QFont,
    QFontMetrics,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
    QPixmap,
    QPolygonF,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QToolTip, QWidget

from sfa_desktop.core.maps import slippy
from sfa_desktop.core.maps.day import DUE_LABELS, DayMap, Place
from sfa_desktop.ui.tile_loader import TileLoader

__all__ = ["ATTRIBUTION", "DUE_COLORS", "MapView", "TileLoader"]

ATTRIBUTION = "© OpenStreetMap contributors"
COPYRIGHT_URL = "https://www.openstreetmap.org/copyright"
DUE_COLORS = {"overdue": "#dc2626", "due": "#f59e0b", "ok": "#16a34a", "unknown": "#64748b"}
SEGMENT_RADIUS = {"A": 9.0, "B": 7.5, "C": 6.0}
ROUTE_COLOR = "#2563eb"
MEMORY_TILES = 256
RETRY_SECONDS = 60.0
PAN_STEP = 120


class MapView(QWidget):
    placeClicked = Signal(str)
    stopClicked = Signal(int)

    def __init__(self, loader: TileLoader | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mapView")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.setMinimumSize(320, 240)
        self.loader = loader
        if loader is not None:
            loader.tileLoaded.connect(self._tile_loaded)
        self.data: DayMap | None = None
        self.zoom = 4
        self.center = slippy.to_world(39.8, -98.6, 4)
        self.tiles_on = False
        self.show_route = True
        self.show_places = True
        self._pixmaps: OrderedDict[tuple[str, int, int, int], QPixmap] = OrderedDict()
        self._failed: dict[tuple[str, int, int, int], float] = {}
        self._press: QPointF | None = None
        self._press_center = self.center
        self._dragged = False
        self._fitted = False
        self._font = QFont(self.font())
        self._font.setPixelSize(11)
        self._bold = QFont(self._font)
        self._bold.setWeight(QFont.Weight.Bold)

    # -- content ------------------------------------------------------------------------------------------

    def set_data(self, data: DayMap, *, fit: bool = True) -> None:
        self.data = data
        if fit or not self._fitted:
            self.fit()
        self.update()

    def set_tiles(self, url: str | None) -> None:
        """Draw tiles of ``url`` (None: the schematic only)."""
        self.tiles_on = url is not None and self.loader is not None
        if url is not None and self.loader is not None:
            self.loader.use(url)
        self.update()

    def fit(self) -> None:
        points = self.data.points() if self.data is not None else []
        view = slippy.fit(points, max(self.width(), 320), max(self.height(), 240), padding=56)
        self.zoom, self.center = view.zoom, view.center
        self._fitted = self.width() > 0
        self.update()

    def center_on(self, position: tuple[float, float], zoom: int | None = None) -> None:
        self.zoom = max(slippy.MIN_ZOOM, min(slippy.MAX_ZOOM, zoom or self.zoom))
        self.center = slippy.to_world(*position, self.zoom)
        self.update()

    # -- geometry -----------------------------------------------------------------------------------------

    def screen_of(self, position: tuple[float, float]) -> QPointF:
        x, y = slippy.to_world(position[0], position[1], self.zoom)
        return QPointF(x - self.center[0] + self.width() / 2, y - self.center[1] + self.height() / 2)

    def position_at(self, point: QPointF) -> tuple[float, float]:
        x = point.x() - self.width() / 2 + self.center[0]
        y = point.y() - self.height() / 2 + self.center[1]
        return slippy.to_latlon(x, y, self.zoom)

    def zoom_at(self, point: QPointF, steps: int) -> None:
        new = max(slippy.MIN_ZOOM, min(slippy.MAX_ZOOM, self.zoom + steps))
        if new == self.zoom:
            return
        factor = 2.0 ** (new - self.zoom)
        dx, dy = point.x() - self.width() / 2, point.y() - self.height() / 2
        world = (self.center[0] + dx, self.center[1] + dy)
        self.center = (world[0] * factor - dx, world[1] * factor - dy)
        self.zoom = new
        self.update()

    def pan(self, dx: float, dy: float) -> None:
        self.center = (self.center[0] + dx, self.center[1] + dy)
        self.update()

    def _radius(self, place: Place) -> float:
        return SEGMENT_RADIUS.get(place.segment or "", 6.0)

    def place_at(self, point: QPointF) -> Place | None:
        if self.data is None or not self.show_places:
            return None
        best: tuple[float, Place] | None = None
        for place in self.data.places:
            distance = math.dist((point.x(), point.y()), _xy(self.screen_of(place.position)))
            if distance <= self._radius(place) + 3 and (best is None or distance < best[0]):
                best = (distance, place)
        return best[1] if best else None

    def stop_at(self, point: QPointF) -> int | None:
        if self.data is None or not self.show_route:
            return None
        for stop in self.data.stops:
            if math.dist((point.x(), point.y()), _xy(self.screen_of(stop.position))) <= 13:
                return stop.number
        return None

    def attribution_rect(self) -> QRectF:
        width = QFontMetrics(self._font).horizontalAdvance(ATTRIBUTION) + 12
        return QRectF(self.width() - width, self.height() - 18, width, 18)

    # -- painting -----------------------------------------------------------------------------------------

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        try:
            self.paint(painter)
        finally:
            painter.end()

    def paint(self, painter: QPainter) -> None:
        painter.fillRect(self.rect(), QColor("#eef2f6"))
        self._paint_grid(painter)
        shown = self._paint_tiles(painter) if self.tiles_on else 0
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if self.data is not None:
            if self.show_places:
                self._paint_places(painter)
            if self.show_route:
                self._paint_route(painter)
        self._paint_scale(painter)
        self._paint_legend(painter)
        self._paint_status(painter, shown)
        if self.tiles_on and shown:
            self._paint_attribution(painter)

    def _paint_grid(self, painter: QPainter) -> None:
        """The schematic's base: a light graticule with its degrees at the edges."""
        top_left = self.position_at(QPointF(0, 0))
        bottom_right = self.position_at(QPointF(self.width(), self.height()))
        lat_lines = slippy.grid_lines(
            bottom_right[0], top_left[0], slippy.grid_step(top_left[0] - bottom_right[0])
        )
        lon_lines = slippy.grid_lines(
            top_left[1], bottom_right[1], slippy.grid_step(bottom_right[1] - top_left[1])
        )
        painter.setPen(QPen(QColor("#d5dde6"), 1))
        painter.setFont(self._font)
        for lat in lat_lines:
            y = self.screen_of((lat, top_left[1])).y()
            painter.drawLine(QPointF(0, y), QPointF(self.width(), y))
        for lon in lon_lines:
            x = self.screen_of((top_left[0], lon)).x()
            painter.drawLine(QPointF(x, 0), QPointF(x, self.height()))
        painter.setPen(QColor("#94a3b8"))
        for lat in lat_lines:
            y = self.screen_of((lat, top_left[1])).y()
            painter.drawText(QPointF(self.width() - 58, y - 3), _degrees(lat, "N", "S"))
        for lon in lon_lines:
            x = self.screen_of((top_left[0], lon)).x()
            painter.drawText(QPointF(x + 3, 14), _degrees(lon, "E", "W"))

    def _paint_tiles(self, painter: QPainter) -> int:
        """The tiles on hand (asking for the others); returns how many were drawn."""
        url = self.loader.url if self.loader is not None else None
        if url is None:
            return 0
        now = time.monotonic()
        left = self.center[0] - self.width() / 2
        top = self.center[1] - self.height() / 2
        drawn = 0
        for col, row, x in slippy.tiles_covering(self.center, self.width(), self.height(), self.zoom):
            key = (url, self.zoom, x, row)
            target = QRectF(col * slippy.TILE - left, row * slippy.TILE - top, slippy.TILE, slippy.TILE)
            pixmap = self._pixmaps.get(key)
            if pixmap is not None:
                self._pixmaps.move_to_end(key)
                painter.drawPixmap(target, pixmap, QRectF(pixmap.rect()))
                drawn += 1
                continue
            if now - self._failed.get(key, -RETRY_SECONDS) >= RETRY_SECONDS and self.loader is not None:
                self.loader.request(self.zoom, x, row)
            if self._paint_parent(painter, url, x, row, target):
                drawn += 1
        return drawn

    def _paint_parent(self, painter: QPainter, url: str, x: int, y: int, target: QRectF) -> bool:
        """While a tile loads, the part of a coarser tile on hand that covers it, scaled up."""
        for up in range(1, 4):
            z = self.zoom - up
            if z < 0:
                break
            parent = self._pixmaps.get((url, z, x >> up, y >> up))
            if parent is None:
                continue
            size = slippy.TILE / (1 << up)
            source = QRectF((x % (1 << up)) * size, (y % (1 << up)) * size, size, size)
            painter.drawPixmap(target, parent, source)
            return True
        return False

    def _tile_loaded(self, url: str, z: int, x: int, y: int, data: object) -> None:
        key = (url, z, x, y)
        if self.loader is not None:
            self.loader.forget(key)
        pixmap = QPixmap()
        if isinstance(data, bytes) and pixmap.loadFromData(data, "PNG"):
            self._pixmaps[key] = pixmap
            self._failed.pop(key, None)
            while len(self._pixmaps) > MEMORY_TILES:
                self._pixmaps.popitem(last=False)
        else:
            self._failed[key] = time.monotonic()
        self.update()

    def _paint_places(self, painter: QPainter) -> None:
        assert self.data is not None
        painter.setFont(self._bold)
        order = {"C": 0, None: 0, "B": 1, "A": 2}
        for place in sorted(self.data.places, key=lambda p: order.get(p.segment, 0)):
            point = self.screen_of(place.position)
            if not self.rect().adjusted(-20, -20, 20, 20).contains(point.toPoint()):
                continue
            radius = self._radius(place)
            painter.setPen(QPen(QColor("#ffffff"), 1.5))
            painter.setBrush(QColor(DUE_COLORS.get(place.due, DUE_COLORS["unknown"])))
            painter.drawEllipse(point, radius, radius)
            if place.segment and radius >= 7:
                painter.setPen(QColor("#ffffff"))
                painter.drawText(
                    QRectF(point.x() - radius, point.y() - radius, 2 * radius, 2 * radius),
                    Qt.AlignmentFlag.AlignCenter,
                    place.segment,
                )

    def _paint_route(self, painter: QPainter) -> None:
        assert self.data is not None
        data = self.data
        if not data.stops:
            if data.home is not None:
                self._paint_home(painter, self.screen_of(data.home))
            return
        points = [self.screen_of(s.position) for s in data.stops]
        if data.home is not None:
            home = self.screen_of(data.home)
            points = [home, *points, home]
        line = QPolygonF(points)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(
            QPen(
                QColor("#ffffff"),
                6,
                Qt.PenStyle.SolidLine,
                Qt.PenCapStyle.RoundCap,
                Qt.PenJoinStyle.RoundJoin,
            )
        )
        painter.drawPolyline(line)
        painter.setPen(
            QPen(
                QColor(ROUTE_COLOR),
                3,
                Qt.PenStyle.SolidLine,
                Qt.PenCapStyle.RoundCap,
                Qt.PenJoinStyle.RoundJoin,
            )
        )
        painter.drawPolyline(line)
        if data.home is not None:
            self._paint_home(painter, self.screen_of(data.home))
        painter.setFont(self._bold)
        metrics = QFontMetrics(self._bold)
        # the name beside each stop on a white tag: right of it, else left, above or below; none where
        # every place would cover another tag, a stop or home (the list beside the map names them all)
        taken = [QRectF(self.screen_of(s.position) - QPointF(13, 13), QSizeF(26, 26)) for s in data.stops]
        if data.home is not None:
            taken.append(QRectF(self.screen_of(data.home) - QPointF(12, 13), QSizeF(24, 24)))
        for stop in data.stops:
            point = self.screen_of(stop.position)
            name = metrics.elidedText(stop.party, Qt.TextElideMode.ElideRight, 180)
            width = metrics.horizontalAdvance(name) + 10
            for x, y in ((15, -10), (-15 - width, -10), (-width / 2, -36), (-width / 2, 16)):
                tag = QRectF(point.x() + x, point.y() + y, width, 20)
                if not any(tag.intersects(other) for other in taken):
                    break
            else:
                continue
            taken.append(tag)
            painter.setPen(QPen(QColor("#cbd5e1")))
            painter.setBrush(QColor(255, 255, 255, 230))
            painter.drawRoundedRect(tag, 4, 4)
            painter.setPen(QColor("#0f172a"))
            painter.drawText(tag, Qt.AlignmentFlag.AlignCenter, name)
        for stop in data.stops:
            point = self.screen_of(stop.position)
            painter.setPen(QPen(QColor("#ffffff"), 2))
            painter.setBrush(QColor("#1d4ed8"))
            painter.drawEllipse(point, 12, 12)
            painter.setPen(QColor("#ffffff"))
            painter.drawText(
                QRectF(point.x() - 12, point.y() - 12, 24, 24), Qt.AlignmentFlag.AlignCenter, str(stop.number)
            )

    def _paint_home(self, painter: QPainter, point: QPointF) -> None:
        house = QPainterPath()
        house.moveTo(point.x(), point.y() - 12)
        house.lineTo(point.x() + 11, point.y() - 2)
        house.lineTo(point.x() + 8, point.y() - 2)
        house.lineTo(point.x() + 8, point.y() + 9)
        house.lineTo(point.x() - 8, point.y() + 9)
        house.lineTo(point.x() - 8, point.y() - 2)
        house.lineTo(point.x() - 11, point.y() - 2)
        house.closeSubpath()
        painter.setPen(QPen(QColor("#ffffff"), 2))
        painter.setBrush(QColor("#0f172a"))
        painter.drawPath(house)

    def _paint_scale(self, painter: QPainter) -> None:
        lat = self.position_at(QPointF(self.width() / 2, self.height() / 2))[0]
        unit = self.data.unit if self.data is not None else "km"
        length, label = slippy.scale_bar(lat, self.zoom, 120, unit)
        x, y = 14.0, self.height() - 16.0
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(255, 255, 255, 215))
        painter.drawRoundedRect(QRectF(x - 6, y - 20, length + 12 + 48, 28), 4, 4)
        painter.setPen(QPen(QColor("#334155"), 2))
        painter.drawLine(QPointF(x, y), QPointF(x + length, y))
        painter.drawLine(QPointF(x, y - 5), QPointF(x, y))
        painter.drawLine(QPointF(x + length, y - 5), QPointF(x + length, y))
        painter.setFont(self._font)
        painter.drawText(QPointF(x + length + 6, y + 1), label)

    def _paint_legend(self, painter: QPainter) -> None:
        rows: list[tuple[str, str, str]] = []  # (kind, colour or letter, text)
        if self.show_places:
            rows += [
                ("due", DUE_COLORS[state], DUE_LABELS[state]) for state in ("overdue", "due", "ok", "unknown")
            ]
            rows += [("segment", "A", "Segment A · B · C (size)")]
        if self.show_route and self.data is not None and (self.data.stops or self.data.home):
            rows += [("route", ROUTE_COLOR, "The day's route, in order")]
        if not rows:
            return
        painter.setFont(self._font)
        metrics = QFontMetrics(self._font)
        width = max(metrics.horizontalAdvance(text) for _k, _c, text in rows) + 40
        box = QRectF(12, 12, width, 12 + 19 * len(rows))
        painter.setPen(QPen(QColor("#e2e8f0")))
        painter.setBrush(QColor(255, 255, 255, 235))
        painter.drawRoundedRect(box, 6, 6)
        for n, (kind, colour, text) in enumerate(rows):
            y = box.top() + 16 + 19 * n
            mark = QPointF(box.left() + 16, y)
            if kind == "due":
                painter.setPen(QPen(QColor("#ffffff"), 1))
                painter.setBrush(QColor(colour))
                painter.drawEllipse(mark, 6, 6)
            elif kind == "segment":
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(QColor("#64748b"))
                for dx, r in ((-5.0, 5.0), (2.0, 3.8), (7.5, 2.8)):
                    painter.drawEllipse(QPointF(mark.x() + dx, y), r, r)
            else:
                painter.setPen(QPen(QColor(colour), 3))
                painter.drawLine(QPointF(mark.x() - 8, y), QPointF(mark.x() + 8, y))
            painter.setPen(QColor("#334155"))
            painter.drawText(QPointF(box.left() + 32, y + 4), text)

    def _paint_status(self, painter: QPainter, shown: int) -> None:
        if self.tiles_on and shown:
            return
        if not self.tiles_on:
            text = "Schematic map · tiles are off"
        elif self._failed:
            text = "Schematic map · map tiles unavailable (offline?)"
        else:
            text = "Loading map tiles…"
        painter.setFont(self._font)
        width = QFontMetrics(self._font).horizontalAdvance(text) + 20
        box = QRectF(self.width() - width - 12, 12, width, 24)
        painter.setPen(QPen(QColor("#e2e8f0")))
        painter.setBrush(QColor(255, 255, 255, 235))
        painter.drawRoundedRect(box, 12, 12)
        painter.setPen(QColor("#475569"))
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)

    def _paint_attribution(self, painter: QPainter) -> None:
        box = self.attribution_rect()
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(255, 255, 255, 220))
        painter.drawRect(box)
        painter.setFont(self._font)
        painter.setPen(QColor("#1d4ed8"))
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, ATTRIBUTION)

    # -- mouse and keys -----------------------------------------------------------------------------------

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if not self._fitted and self.data is not None:
            self.fit()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.setFocus(Qt.FocusReason.MouseFocusReason)
            self._press = event.position()
            self._press_center = self.center
            self._dragged = False

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._press is not None:
            delta = event.position() - self._press
            if self._dragged or delta.manhattanLength() > 4:
                self._dragged = True
                self.setCursor(Qt.CursorShape.ClosedHandCursor)
                self.center = (self._press_center[0] - delta.x(), self._press_center[1] - delta.y())
                self.update()
            return
        place = self.place_at(event.position())
        if place is not None:
            segment = f"segment {place.segment}" if place.segment else "no segment"
            QToolTip.showText(
                event.globalPosition().toPoint(),
                f"<b>{place.name}</b><br>{place.city}<br>{segment} · {DUE_LABELS.get(place.due, place.due)}",
                self,
            )
        else:
            QToolTip.hideText()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        press, self._press = self._press, None
        self.unsetCursor()
        if press is None or self._dragged or event.button() != Qt.MouseButton.LeftButton:
            return
        if self.tiles_on and self.attribution_rect().contains(event.position()):
            QDesktopServices.openUrl(QUrl(COPYRIGHT_URL))
            return
        stop = self.stop_at(event.position())
        if stop is not None:
            self.stopClicked.emit(stop)
            return
        place = self.place_at(event.position())
        if place is not None:
            self.placeClicked.emit(place.account_id)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        self.zoom_at(event.position(), 1)

    def wheelEvent(self, event: QWheelEvent) -> None:
        steps = 1 if event.angleDelta().y() > 0 else -1 if event.angleDelta().y() < 0 else 0
        if steps:
            self.zoom_at(event.position(), steps)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        middle = QPointF(self.width() / 2, self.height() / 2)
        moves = {
            Qt.Key.Key_Left: (-PAN_STEP, 0),
            Qt.Key.Key_Right: (PAN_STEP, 0),
            Qt.Key.Key_Up: (0, -PAN_STEP),
            Qt.Key.Key_Down: (0, PAN_STEP),
        }
        if key in moves:
            self.pan(*moves[Qt.Key(key)])
        elif key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom_at(middle, 1)
        elif key in (Qt.Key.Key_Minus, Qt.Key.Key_Underscore):
            self.zoom_at(middle, -1)
        elif key in (Qt.Key.Key_0, Qt.Key.Key_Home):
            self.fit()
        else:
            super().keyPressEvent(event)


def _xy(point: QPointF) -> tuple[float, float]:
    return point.x(), point.y()


def _degrees(value: float, positive: str, negative: str) -> str:
    text = f"{abs(value):.4f}".rstrip("0").rstrip(".")
    return f"{text}°{positive if value >= 0 else negative}"
