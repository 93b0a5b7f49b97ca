"""The names above the calendar's grid, which stay put while it scrolls: the days of a week ('MON 7', today
in blue, how many items each holds), or, on a team's day, the people side by side (each name on its colour,
the colour of their blocks, with how many items they have that day).  The gutter's width is left free on the
left and the grid's scroll bar's on the right, so each name sits over its column."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPaintEvent
from PySide6.QtWidgets import QWidget

from sfa_desktop.ui.calendar_view import GUTTER


class DayHeader(QWidget):
    """The days of the grid's columns (:meth:`set_days`) or its people (:meth:`set_people`)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("calendarHeader")
        self.days: list[dt.date] = [dt.date.today()]
        self.counts: list[int] = [0]
        self.today = dt.date.today()
        #: One (name, colour of the edge) per column when the columns are people; empty: days.
        self.people: list[tuple[str, str]] = []
        self.shares: list[float] = [0.0, 1.0]
        self.right_margin = 0
        self.setFixedHeight(46)

    def set_days(self, days: Sequence[dt.date], counts: Sequence[int], today: dt.date) -> None:
        self.days, self.counts, self.today = list(days), list(counts), today
        self.people = []
        self.update()

    def set_people(
        self,
        day: dt.date,
        people: Sequence[tuple[str, str]],
        counts: Sequence[int],
        shares: Sequence[float] | None = None,
    ) -> None:
        """One column per person (name, colour) on ``day``; ``shares``: where each starts, as a share of the
        width (the grid's ``shares``; None: alike)."""
        self.days, self.counts, self.people = [day], list(counts), list(people)
        self.shares = list(shares) if shares else [n / len(people) for n in range(len(people) + 1)]
        self.update()

    def column_width(self) -> float:
        columns = len(self.people) if self.people else len(self.days)
        return max(1.0, (self.width() - GUTTER - self.right_margin) / max(1, columns))

    def _edge(self, n: int) -> float:
        return GUTTER + self.shares[n] * max(1.0, self.width() - GUTTER - self.right_margin)

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor("#ffffff"))
        if self.people:
            self._paint_people(painter)
        else:
            self._paint_days(painter)
        painter.setPen(QColor("#e2e8f0"))
        painter.drawLine(0, self.height() - 1, self.width(), self.height() - 1)
        painter.end()

    def _fonts(self) -> tuple[QFont, QFont]:
        small = QFont(self.font())
        small.setPixelSize(11)
        big = QFont(self.font())
        big.setPixelSize(17)
        big.setWeight(QFont.Weight.DemiBold)
        return small, big

    def _paint_days(self, painter: QPainter) -> None:
        width = self.column_width()
        name_font, number_font = self._fonts()
        for n, day in enumerate(self.days):
            x = GUTTER + n * width
            today = day == self.today
            painter.setFont(name_font)
            painter.setPen(QColor("#2563eb" if today else "#64748b"))
            name = f"{day:%a}".upper()
            count = self.counts[n] if n < len(self.counts) else 0
            painter.drawText(QRectF(x, 4, width, 16), Qt.AlignmentFlag.AlignCenter, name)
            number_rect = QRectF(x + width / 2 - 15, 20, 30, 24)
            if today:
                painter.setBrush(QColor("#2563eb"))
                painter.setPen(Qt.PenStyle.NoPen)
                painter.drawRoundedRect(number_rect, 12, 12)
                painter.setPen(QColor("#ffffff"))
            else:
                painter.setPen(QColor("#1e293b"))
            painter.setFont(number_font)
            painter.drawText(number_rect, Qt.AlignmentFlag.AlignCenter, str(day.day))
            if count:
                painter.setFont(name_font)
                painter.setPen(QColor("#94a3b8"))
                words = f"{count} item{'s' if count != 1 else ''}" if width > 120 else str(count)
                painter.drawText(
                    QRectF(x + 4, 4, width - 10, 16),
                    Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                    words,
                )

    def _paint_people(self, painter: QPainter) -> None:
        small, _big = self._fonts()
        name_font = QFont(small)
        name_font.setPixelSize(13)
        name_font.setWeight(QFont.Weight.DemiBold)
        names = QFontMetrics(name_font)
        small_metrics = QFontMetrics(small)
        for n, (name, color) in enumerate(self.people):
            x, width = self._edge(n), self._edge(n + 1) - self._edge(n)
            count = self.counts[n] if n < len(self.counts) else 0
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(color))  # the person's colour: a bar over their column
            painter.drawRoundedRect(QRectF(x + 3, 6, width - 6, 4), 2, 2)
            painter.setPen(QColor("#1e293b"))
            text_rect = QRectF(x + 4, 13, width - 8, 18)
            first = name.split()[0] if name.split() else name
            fits = names.horizontalAdvance(first) <= text_rect.width()  # else the smaller type
            painter.setFont(name_font if fits else small)
            shown = _fitted(name, names if fits else small_metrics, text_rect.width())
            painter.drawText(text_rect, Qt.AlignmentFlag.AlignCenter, shown)
            painter.setFont(small)
            painter.setPen(QColor("#94a3b8"))
            words = f"{count} item{'s' if count != 1 else ''}" if count else "nothing planned"
            if small_metrics.horizontalAdvance(words) > width - 8:
                words = str(count) if count else "free"
            painter.drawText(QRectF(x + 4, 29, width - 8, 14), Qt.AlignmentFlag.AlignCenter, words)
        painter.setPen(QColor("#e2e8f0"))
        for n in range(1, len(self.people)):
            x = round(self._edge(n))
            painter.drawLine(x, 6, x, self.height() - 2)


def _fitted(name: str, metrics: QFontMetrics, width: float) -> str:
    """The name as it fits: whole, else without "(you)", else the first name, else cut short."""
    plain = name.removesuffix(" (you)")
    first = plain.split()[0] if plain.split() else plain
    for text in (name, plain, f"{first} (you)" if plain != name else first, first):
        if metrics.horizontalAdvance(text) <= width:
            return text
    return metrics.elidedText(first, Qt.TextElideMode.ElideRight, int(width))
