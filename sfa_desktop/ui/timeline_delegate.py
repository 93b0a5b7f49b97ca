"""How one timeline item looks: an icon in a tinted circle on a vertical rule, the title, a one-line detail,
when (relative) and who, badges for planned, overdue and not-synced-yet items, and a month heading above
the first item of each month."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPen
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from sfa_desktop.core.timeline.feed import TimelineItem, relative_time
from sfa_desktop.ui.icons import icon

ITEM_ROLE = Qt.ItemDataRole.UserRole + 10
HEADER_ROLE = Qt.ItemDataRole.UserRole + 11
ROW_HEIGHT = 58
HEADER_HEIGHT = 34
GUTTER = 64
RIGHT = 120
_CIRCLE = 30
_CENTRE = 28

#: (icon, colour) per kind of item; activities and opportunity events by their event.
_LOOK: dict[str, tuple[str, str]] = {
    "call": ("call", "#2563eb"),
    "visit": ("visit", "#0891b2"),
    "email": ("email", "#7c3aed"),
    "meeting": ("meeting", "#db2777"),
    "task": ("task", "#059669"),
    "note": ("note", "#64748b"),
    "created": ("opportunities", "#7c3aed"),
    "stage": ("stage", "#d97706"),
    "won": ("won", "#16a34a"),
    "lost": ("lost", "#dc2626"),
    "order": ("order", "#0d9488"),
    "insert": ("created", "#475569"),
    "update": ("change", "#475569"),
    "delete": ("delete", "#b91c1c"),
    "restore": ("created", "#475569"),
}


def look(item: TimelineItem) -> tuple[str, str]:
    return _LOOK.get(item.event, ("change", "#475569"))


def _tint(color: str, alpha: int = 28) -> QColor:
    tinted = QColor(color)
    tinted.setAlpha(alpha)
    return tinted


class TimelineDelegate(QStyledItemDelegate):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        #: "Now" for relative times; fixed by the tab when items arrive (tests can set it).
        self.now = dt.datetime.now(dt.UTC)

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        header = HEADER_HEIGHT if index.data(HEADER_ROLE) else 0
        return QSize(400, ROW_HEIGHT + header)

    def paint(
        self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        item = index.data(ITEM_ROLE)
        if not isinstance(item, TimelineItem):
            return
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect: QRect = option.rect
        header = index.data(HEADER_ROLE)
        top = rect.top()
        if header:
            self._paint_header(painter, QRect(rect.left(), top, rect.width(), HEADER_HEIGHT), str(header))
            top += HEADER_HEIGHT
        body = QRect(rect.left(), top, rect.width(), ROW_HEIGHT)
        state = option.state
        if state & QStyle.StateFlag.State_Selected:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor("#e8f0fe"))
            painter.drawRoundedRect(QRectF(body.adjusted(6, 2, -6, -2)), 8, 8)
        elif state & QStyle.StateFlag.State_MouseOver:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor("#f8fafc"))
            painter.drawRoundedRect(QRectF(body.adjusted(6, 2, -6, -2)), 8, 8)
        model = index.model()
        last = index.row() == model.rowCount() - 1 and not model.canFetchMore(QModelIndex())
        self._paint_rule(painter, rect, body, first=index.row() == 0 and not header, last=last)
        self._paint_marker(painter, body, item)
        self._paint_text(painter, body, item, QFont(option.font))
        painter.restore()

    # -- pieces ---------------------------------------------------------------------------------

    def _paint_header(self, painter: QPainter, rect: QRect, text: str) -> None:
        font = QFont(painter.font())
        font.setPixelSize(11)
        font.setBold(True)
        font.setLetterSpacing(QFont.SpacingType.AbsoluteSpacing, 1.0)
        painter.setFont(font)
        painter.setPen(QColor("#2563eb"))
        painter.drawText(
            rect.adjusted(GUTTER - 8, 12, -16, 0),
            int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop),
            text.upper(),
        )

    def _paint_rule(self, painter: QPainter, rect: QRect, body: QRect, *, first: bool, last: bool) -> None:
        x = rect.left() + GUTTER // 2
        centre = body.top() + _CENTRE
        painter.setPen(QPen(QColor("#e2e8f0"), 2))
        start = centre if first else rect.top()
        end = centre if last else rect.bottom() + 1
        if end > start:
            painter.drawLine(x, start, x, end)

    def _paint_marker(self, painter: QPainter, body: QRect, item: TimelineItem) -> None:
        name, color = look(item)
        centre_x = body.left() + GUTTER // 2
        circle = QRectF(centre_x - _CIRCLE / 2, body.top() + _CENTRE - _CIRCLE / 2, _CIRCLE, _CIRCLE)
        if item.planned:
            painter.setBrush(QColor("#ffffff"))
            pen = QPen(QColor(color), 1.6, Qt.PenStyle.DashLine)
            painter.setPen(pen)
        else:
            painter.setBrush(QColor("#ffffff"))
            painter.setPen(Qt.PenStyle.NoPen)
            painter.drawEllipse(circle)
            painter.setBrush(_tint(color, 36))
            painter.setPen(QPen(_tint(color, 90), 1))
        painter.drawEllipse(circle)
        pixmap = icon(name, color).pixmap(16, 16)
        painter.drawPixmap(int(circle.center().x()) - 8, int(circle.center().y()) - 8, pixmap)

    def _paint_text(self, painter: QPainter, body: QRect, item: TimelineItem, base: QFont) -> None:
        left = body.left() + GUTTER
        right_edge = body.right() - 16
        title_font = QFont(base)
        title_font.setPixelSize(13)
        title_font.setWeight(QFont.Weight.DemiBold)
        small = QFont(base)
        small.setPixelSize(12)
        tiny = QFont(base)
        tiny.setPixelSize(11)
        small_metrics, tiny_metrics = QFontMetrics(small), QFontMetrics(tiny)

        when = relative_time(item, self.now)
        when_width = min(RIGHT, small_metrics.horizontalAdvance(when))
        who = tiny_metrics.elidedText(item.who, Qt.TextElideMode.ElideRight, RIGHT)
        who_width = tiny_metrics.horizontalAdvance(who)
        painter.setFont(small)
        painter.setPen(QColor("#dc2626") if item.overdue else QColor("#475569"))
        align = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        painter.drawText(QRect(right_edge - RIGHT, body.top() + 10, RIGHT, 18), align, when)
        painter.setFont(tiny)
        painter.setPen(QColor("#94a3b8"))
        painter.drawText(QRect(right_edge - RIGHT, body.top() + 31, RIGHT, 16), align, who)

        second = self.second_line(item)
        title_y = body.top() + (24 if second else _CENTRE + 5)
        badges = self._badges(item)
        badge_width = sum(tiny_metrics.horizontalAdvance(b[0]) + 18 for b in badges)
        painter.setFont(title_font)
        painter.setPen(QColor("#0f172a"))
        metrics = QFontMetrics(title_font)
        room = max(40, right_edge - left - when_width - 16 - badge_width)
        title = metrics.elidedText(item.title, Qt.TextElideMode.ElideRight, room)
        painter.drawText(left, title_y, title)
        x = left + metrics.horizontalAdvance(title) + 8
        for text, fg, bg in badges:
            x = self._badge(painter, tiny, x, title_y - 12, text, fg, bg) + 6
        if second:
            painter.setFont(small)
            painter.setPen(QColor("#64748b"))
            room = max(40, right_edge - left - who_width - 16)
            painter.drawText(
                left, body.top() + 43, small_metrics.elidedText(second, Qt.TextElideMode.ElideRight, room)
            )

    @staticmethod
    def second_line(item: TimelineItem) -> str:
        """The line under the title: the kind of event and the detail (a change's or an order's title
        says what it is)."""
        if item.kind in ("changes", "orders"):
            return item.detail
        return f"{item.label} · {item.detail}" if item.detail else item.label

    @staticmethod
    def _badges(item: TimelineItem) -> list[tuple[str, str, str]]:
        badges = []
        if item.overdue:
            badges.append(("Overdue", "#b91c1c", "#fee2e2"))
        elif item.planned:
            badges.append(("Planned", "#1d4ed8", "#dbeafe"))
        if item.pending:
            badges.append(("Not synced yet", "#b45309", "#fef3c7"))
        return badges

    @staticmethod
    def _badge(painter: QPainter, font: QFont, x: int, top: int, text: str, fg: str, bg: str) -> int:
        metrics = QFontMetrics(font)
        width = metrics.horizontalAdvance(text) + 12
        rect = QRectF(x, top, width, 15)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(bg))
        painter.drawRoundedRect(rect, 7.5, 7.5)
        painter.setFont(font)
        painter.setPen(QColor(fg))
        painter.drawText(rect, int(Qt.AlignmentFlag.AlignCenter), text)
        return x + width
