"""Report charts drawn with QPainter (PySide6-Essentials has no QtCharts): grouped, stacked and horizontal
bars, lines and a donut, with a legend, value axes in round steps, and the value under the mouse as a
tooltip."""

from __future__ import annotations

import math
from collections.abc import Callable

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QMouseEvent, QPainter, QPainterPath, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from sfa_desktop.core.reports.view import PALETTE, Chart, money

AXIS = QColor("#94a3b8")
GRID = QColor("#eef2f7")
TEXT = QColor("#475569")
DARK = QColor("#0f172a")


def nice_ticks(low: float, high: float, count: int = 5, *, whole: bool = False) -> list[float]:
    """Round axis steps (1, 2, 2.5, 5 x 10^n) covering [low, high], zero included; ``whole``: steps of 1
    at least (counts: no half steps, whose labels would read 0, 0, 1, 1, 2)."""
    low, high = min(low, 0.0), max(high, 0.0)
    if high == low:
        high = low + 1
    raw = (high - low) / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    if whole:
        step = max(1.0, math.ceil(step))
    start = math.floor(low / step) * step
    ticks = []
    value = start
    while value < high + step * 0.999:
        ticks.append(round(value, 10))
        value += step
    return ticks


class ChartWidget(QWidget):
    """Draws one :class:`~sfa_desktop.core.reports.view.Chart`."""

    def __init__(self, chart: Chart, currency: str = "USD", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reportChart")
        self.chart = chart
        self.currency = currency
        self.series = chart.colored()
        self._hits: list[tuple[QRectF, str]] = []
        self.setMouseTracking(True)
        self.setMinimumSize(280, 200)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)

    def sizeHint(self) -> QSize:
        if self.chart.kind == "hbar":
            return QSize(460, max(200, 40 + 30 * len(self.chart.categories)))
        return QSize(460, 240)

    # -- values ------------------------------------------------------------------------------------------

    def label(self, value: float) -> str:
        if self.chart.unit == "money":
            return money(value, self.currency, short=True)
        if self.chart.unit == "percent":
            return f"{value * 100:.0f}%"
        return f"{value:,.0f}"

    def _color(self, series: int, category: int) -> QColor:
        if self.chart.category_colors and len(self.series) == 1:
            return QColor(self.chart.category_colors[category % len(self.chart.category_colors)])
        return QColor(self.series[series].color or PALETTE[series % len(PALETTE)])

    # -- painting ----------------------------------------------------------------------------------------

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        font = QFont(self.font())
        font.setPixelSize(11)
        painter.setFont(font)
        self._hits = []
        area = QRectF(self.rect()).adjusted(4, 4, -4, -4)
        if self.chart.is_empty:
            painter.setPen(AXIS)
            painter.drawText(area, Qt.AlignmentFlag.AlignCenter, "Nothing to show for this period")
            return
        if self.chart.kind == "pie":
            self._pie(painter, area)
        else:
            area = self._legend(painter, area)
            if self.chart.kind == "hbar":
                self._hbars(painter, area)
            else:
                self._plot(painter, area)
        painter.end()

    def _legend(self, painter: QPainter, area: QRectF) -> QRectF:
        if len(self.series) < 2:
            return area
        metrics = QFontMetrics(painter.font())
        x, y = area.left(), area.top()
        for i, series in enumerate(self.series):
            width = 14 + metrics.horizontalAdvance(series.name) + 14
            if x + width > area.right() and x > area.left():
                x, y = area.left(), y + 16
            painter.fillRect(QRectF(x, y + 3, 9, 9), self._color(i, 0))
            painter.setPen(TEXT)
            painter.drawText(QPointF(x + 13, y + 11), series.name)
            x += width
        return area.adjusted(0, y - area.top() + 22, 0, 0)

    def _value_range(self) -> tuple[float, float]:
        if self.chart.kind == "stacked":
            n = len(self.chart.categories)
            highs = [sum(max(s.values[j], 0) for s in self.series) for j in range(n)]
            lows = [sum(min(s.values[j], 0) for s in self.series) for j in range(n)]
            return min(lows, default=0), max(highs, default=0)
        values = [v for s in self.series for v in s.values]
        return min(values, default=0), max(values, default=0)

    def _plot(self, painter: QPainter, area: QRectF) -> None:
        """Vertical bars (grouped or stacked) or lines over categories."""
        metrics = QFontMetrics(painter.font())
        ticks = nice_ticks(*self._value_range(), whole=self.chart.unit == "count")
        left = max(metrics.horizontalAdvance(self.label(t)) for t in ticks) + 10
        plot = QRectF(area.left() + left, area.top() + 4, area.width() - left - 6, area.height() - 26)
        low, high = ticks[0], ticks[-1]

        def y_of(value: float) -> float:
            return plot.bottom() - (value - low) / (high - low) * plot.height()

        for tick in ticks:
            y = y_of(tick)
            painter.setPen(QPen(AXIS if tick == 0 else GRID, 1))
            painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            painter.setPen(TEXT)
            painter.drawText(
                QRectF(area.left(), y - 8, left - 6, 16),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                self.label(tick),
            )
        categories = self.chart.categories
        slot = plot.width() / max(len(categories), 1)
        longest = max((metrics.horizontalAdvance(c) for c in categories), default=1)
        every = max(1, math.ceil((longest + 8) / slot))
        painter.setPen(TEXT)
        for j, name in enumerate(categories):
            if j % every == 0:
                painter.drawText(
                    QRectF(
                        plot.left() + j * slot - slot * (every - 1) / 2, plot.bottom() + 4, slot * every, 16
                    ),
                    Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop,
                    name,
                )
        if self.chart.kind == "line":
            self._lines(painter, plot, slot, y_of)
            return
        stacked = self.chart.kind == "stacked"
        groups = 1 if stacked else len(self.series)
        bar = min(slot * 0.7 / groups, 46)
        for j, name in enumerate(categories):
            start = plot.left() + j * slot + (slot - bar * groups) / 2
            base_pos = base_neg = 0.0
            for i, series in enumerate(self.series):
                value = series.values[j]
                if stacked:
                    bottom = base_pos if value >= 0 else base_neg
                    top = bottom + value
                    if value >= 0:
                        base_pos = top
                    else:
                        base_neg = top
                    x = start
                else:
                    bottom, top, x = 0.0, value, start + i * bar
                rect = QRectF(
                    x, y_of(max(top, bottom)), bar - (0 if stacked else 2), abs(y_of(top) - y_of(bottom))
                )
                painter.fillRect(rect, self._color(i, j))
                self._hits.append((rect, f"{name} · {series.name}: {self.label(value)}"))

    def _lines(self, painter: QPainter, plot: QRectF, slot: float, y_of: Callable[[float], float]) -> None:
        for j, name in enumerate(self.chart.categories):  # one tooltip per category, with every series
            values = " · ".join(f"{s.name}: {self.label(s.values[j])}" for s in self.series)
            self._hits.append(
                (QRectF(plot.left() + j * slot, plot.top(), slot, plot.height()), f"{name} · {values}")
            )
        for index in reversed(range(len(self.series))):  # the first series on top
            series = self.series[index]
            color = self._color(index, 0)
            points = [QPointF(plot.left() + (j + 0.5) * slot, y_of(v)) for j, v in enumerate(series.values)]
            path = QPainterPath()
            for k, point in enumerate(points):
                if k == 0:
                    path.moveTo(point)
                else:
                    path.lineTo(point)
            painter.setPen(QPen(color, 2.4 if index == 0 else 1.6))
            painter.drawPath(path)
            if len(points) <= 30:
                painter.setBrush(color)
                for point in points:
                    painter.drawEllipse(point, 2.6, 2.6)
                painter.setBrush(Qt.BrushStyle.NoBrush)

    def _hbars(self, painter: QPainter, area: QRectF) -> None:
        metrics = QFontMetrics(painter.font())
        categories = self.chart.categories
        left = min(max((metrics.horizontalAdvance(c) for c in categories), default=40) + 12, area.width() / 3)
        ticks = nice_ticks(*self._value_range(), count=4, whole=self.chart.unit == "count")
        plot = QRectF(area.left() + left, area.top(), area.width() - left - 10, area.height() - 20)
        low, high = ticks[0], ticks[-1]

        def x_of(value: float) -> float:
            return plot.left() + (value - low) / (high - low) * plot.width()

        for tick in ticks:
            x = x_of(tick)
            painter.setPen(QPen(AXIS if tick == 0 else GRID, 1))
            painter.drawLine(QPointF(x, plot.top()), QPointF(x, plot.bottom()))
            painter.setPen(TEXT)
            painter.drawText(
                QRectF(x - 40, plot.bottom() + 3, 80, 16), Qt.AlignmentFlag.AlignHCenter, self.label(tick)
            )
        slot = plot.height() / max(len(categories), 1)
        bar = min(slot * 0.75 / len(self.series), 16)
        for j, name in enumerate(categories):
            top = plot.top() + j * slot + (slot - bar * len(self.series)) / 2
            painter.setPen(DARK)
            painter.drawText(
                QRectF(area.left(), plot.top() + j * slot, left - 8, slot),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                metrics.elidedText(name, Qt.TextElideMode.ElideRight, int(left - 8)),
            )
            for i, series in enumerate(self.series):
                value = series.values[j]
                rect = QRectF(min(x_of(0), x_of(value)), top + i * bar, abs(x_of(value) - x_of(0)), bar - 2)
                painter.fillRect(rect, self._color(i, j))
                self._hits.append((rect, f"{name} · {series.name}: {self.label(value)}"))

    def _pie(self, painter: QPainter, area: QRectF) -> None:
        values = [max(v, 0) for v in self.chart.series[0].values]
        total = sum(values) or 1
        size = min(area.height(), area.width() * 0.5) - 8
        ring = QRectF(area.left() + 4, area.top() + (area.height() - size) / 2, size, size)
        angle = 90 * 16
        for j, value in enumerate(values):
            span = -round(value / total * 360 * 16)
            painter.setPen(QPen(QColor("#ffffff"), 2))
            painter.setBrush(
                self._color(0, j) if self.chart.category_colors else QColor(PALETTE[j % len(PALETTE)])
            )
            painter.drawPie(ring, angle, span)
            angle += span
        hole = ring.adjusted(size * 0.28, size * 0.28, -size * 0.28, -size * 0.28)
        painter.setBrush(self.palette().base())
        painter.setPen(Qt.PenStyle.NoPen)
        painter.drawEllipse(hole)
        painter.setPen(DARK)
        bold = QFont(painter.font())
        bold.setBold(True)
        bold.setPixelSize(15)
        painter.setFont(bold)
        painter.drawText(hole, Qt.AlignmentFlag.AlignCenter, f"{sum(values):,.0f}")
        painter.setFont(self.font())
        x = ring.right() + 16
        y = area.top() + (area.height() - 20 * len(values)) / 2
        for j, (name, value) in enumerate(zip(self.chart.categories, values, strict=True)):
            color = self._color(0, j) if self.chart.category_colors else QColor(PALETTE[j % len(PALETTE)])
            painter.fillRect(QRectF(x, y + j * 20 + 4, 10, 10), color)
            painter.setPen(TEXT)
            painter.drawText(QPointF(x + 16, y + j * 20 + 13), f"{name}: {value:,.0f} ({value / total:.0%})")
            self._hits.append((QRectF(x, y + j * 20, area.right() - x, 20), f"{name}: {value:,.0f}"))

    # -- tooltips ----------------------------------------------------------------------------------------

    def value_at(self, point: QPointF) -> str | None:
        """What the chart shows at this point (for the tooltip), if anything."""
        for rect, text in reversed(self._hits):
            if rect.adjusted(-1, -1, 1, 1).contains(point):
                return text
        return None

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        text = self.value_at(event.position())
        if text:
            QToolTip.showText(event.globalPosition().toPoint(), text, self)
        else:
            QToolTip.hideText()
