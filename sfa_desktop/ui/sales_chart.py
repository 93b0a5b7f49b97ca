"""Two small charts drawn with QPainter (PySide6-Essentials has no QtCharts): monthly sales as bars with
money and month axes, and the top products as share bars."""

from __future__ import annotations

import math
from collections.abc import Sequence

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QMouseEvent, QPainter, QPainterPath, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from sfa_desktop.core.records.validation import format_money
from sfa_desktop.core.sales.history import MonthTotal, ProductTotal

CURRENT = QColor("#2563eb")
EARLIER = QColor("#93c5fd")
GRID = QColor("#eef2f7")
AXIS = QColor("#cbd5e1")
LABEL = QColor("#64748b")
_MARGINS = (62, 14, 12, 36)  # left, top, right, bottom
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def nice_step(top: float, ticks: int = 4) -> float:
    """A round step (1, 2, 2.5 or 5 times a power of ten) giving about ``ticks`` intervals up to ``top``."""
    if top <= 0:
        return 1.0
    raw = top / ticks
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if factor * power >= raw:
            return float(factor * power)
    return float(10 * power)


def compact_money(cents: float, currency: str = "USD") -> str:
    """$0, $950, $12k, $1.2M: axis labels."""
    symbol = {"USD": "$", "EUR": "€", "GBP": "£"}.get(currency, "")
    amount = cents / 100
    for limit, suffix in ((1e6, "M"), (1e3, "k")):
        if abs(amount) >= limit:
            value = amount / limit
            text = f"{value:.1f}".rstrip("0").rstrip(".") if value < 10 else f"{value:.0f}"
            return f"{symbol}{text}{suffix}"
    return f"{symbol}{amount:.0f}"


class MonthlyChart(QWidget):
    """Bars of monthly totals, the current year's months in the accent colour, with a dashed average."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("monthlyChart")
        self.months: Sequence[MonthTotal] = ()
        self.currency = "USD"
        self.current_year = 0
        self.setMinimumHeight(200)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMouseTracking(True)

    def sizeHint(self) -> QSize:
        return QSize(440, 220)

    def set_data(self, months: Sequence[MonthTotal], currency: str, current_year: int) -> None:
        self.months, self.currency, self.current_year = months, currency, current_year
        self.update()

    def _plot(self) -> QRectF:
        left, top, right, bottom = _MARGINS
        return QRectF(left, top, max(10, self.width() - left - right), max(10, self.height() - top - bottom))

    def bar_rects(self) -> list[QRectF]:
        """Where each month's bar is (for painting, tooltips and tests)."""
        plot = self._plot()
        if not self.months:
            return []
        top = self._axis_top()
        slot = plot.width() / len(self.months)
        width = max(2.0, slot * 0.62)
        rects = []
        for number, month in enumerate(self.months):
            height = plot.height() * month.cents / top if top else 0
            x = plot.left() + slot * number + (slot - width) / 2
            rects.append(QRectF(x, plot.bottom() - height, width, height))
        return rects

    def _axis_top(self) -> float:
        peak = max((m.cents for m in self.months), default=0)
        step = nice_step(peak)
        return step * max(1, math.ceil(peak / step)) if peak else 0.0

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        font = QFont(self.font())
        font.setPixelSize(11)
        painter.setFont(font)
        plot = self._plot()
        top = self._axis_top()
        if not self.months or top <= 0:
            painter.setPen(LABEL)
            painter.drawText(self.rect(), int(Qt.AlignmentFlag.AlignCenter), "No orders in these 24 months")
            painter.end()
            return
        step = nice_step(top)
        value = 0.0
        while value <= top + 0.5:
            y = plot.bottom() - plot.height() * value / top
            painter.setPen(QPen(AXIS if value == 0 else GRID, 1))
            painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            painter.setPen(LABEL)
            label_rect = QRectF(0, y - 8, plot.left() - 8, 16)
            align = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
            painter.drawText(label_rect, int(align), compact_money(value, self.currency))
            value += step
        rects = self.bar_rects()
        for month, rect in zip(self.months, rects, strict=True):
            if rect.height() <= 0:
                continue
            radius = min(3.0, rect.width() / 2, rect.height())
            path = QPainterPath()
            path.addRoundedRect(rect.adjusted(0, 0, 0, radius), radius, radius)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(CURRENT if month.year == self.current_year else EARLIER)
            painter.setClipRect(QRectF(plot.left(), plot.top() - 2, plot.width(), plot.height() + 2))
            painter.drawPath(path)
            painter.setClipping(False)
        average = self.average()
        if average > 0:
            y = plot.bottom() - plot.height() * average / top
            painter.setPen(QPen(QColor("#f59e0b"), 1.2, Qt.PenStyle.DashLine))
            painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
        painter.setPen(LABEL)
        slot = plot.width() / len(self.months)
        labelled = [n for n, m in enumerate(self.months) if m.month in (1, 4, 7, 10)]
        for number in labelled:
            month = self.months[number]
            centre = plot.left() + slot * (number + 0.5)
            year = str(month.year) if month.month == 1 or number == labelled[0] else ""
            for line, text in enumerate((_MONTHS[month.month - 1], year)):
                if text:
                    box = QRectF(centre - 30, plot.bottom() + 5 + line * 13, 60, 14)
                    painter.drawText(
                        box, int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop), text
                    )
        painter.end()

    def average(self) -> float:
        """The monthly average over the months shown (cents)."""
        return sum(m.cents for m in self.months) / len(self.months) if self.months else 0.0

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        position = event.position()
        plot = self._plot()
        for month, rect in zip(self.months, self.bar_rects(), strict=True):
            column = QRectF(rect.left() - 2, plot.top(), rect.width() + 4, plot.height())
            if column.contains(position):
                orders = f"{month.orders} order{'s' if month.orders != 1 else ''}"
                text = f"{month.label}: {format_money(month.cents, self.currency)} ({orders})"
                QToolTip.showText(event.globalPosition().toPoint(), text, self)
                return
        QToolTip.hideText()


class ProductBars(QWidget):
    """The top products: name, revenue and share, each over a thin bar of its share."""

    ROW = 34

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("productBars")
        self.products: Sequence[ProductTotal] = ()
        self.currency = "USD"
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def set_data(self, products: Sequence[ProductTotal], currency: str) -> None:
        self.products, self.currency = products, currency
        self.setFixedHeight(max(1, len(products)) * self.ROW + 4)
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        font = QFont(self.font())
        font.setPixelSize(12)
        small = QFont(font)
        small.setPixelSize(11)
        width = self.width()
        if not self.products:
            painter.setPen(LABEL)
            painter.setFont(font)
            painter.drawText(
                self.rect(), int(Qt.AlignmentFlag.AlignCenter), "No products sold in these months"
            )
            painter.end()
            return
        top_share = max(p.share for p in self.products) or 1.0
        for number, product in enumerate(self.products):
            y = number * self.ROW
            right = f"{format_money(product.cents, self.currency)}  ·  {product.share:.0%}"
            painter.setFont(small)
            right_width = QFontMetrics(small).horizontalAdvance(right)
            painter.setPen(LABEL)
            painter.drawText(QPointF(width - right_width, y + 14), right)
            painter.setFont(font)
            painter.setPen(QColor("#1e293b"))
            name = f"{product.name}" + (f"  ({product.quantity:,})" if product.quantity else "")
            elided = QFontMetrics(font).elidedText(
                name, Qt.TextElideMode.ElideRight, width - right_width - 12
            )
            painter.drawText(QPointF(0, y + 14), elided)
            track = QRectF(0, y + 20, width, 6)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor("#eef2f7"))
            painter.drawRoundedRect(track, 3, 3)
            painter.setBrush(CURRENT if number == 0 else EARLIER)
            painter.drawRoundedRect(QRectF(0, y + 20, max(6.0, width * product.share / top_share), 6), 3, 3)
        painter.end()
