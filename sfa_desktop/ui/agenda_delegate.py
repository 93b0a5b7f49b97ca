"""How the agenda paints its rows: bucket headings (Overdue, Today, Upcoming), account headings, and item
cards with the kind's icon, who, where the step stands in its sequence, when it is due, and a one-click
"Log outcome" button (``logRequested(row)``)."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPersistentModelIndex, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QMouseEvent, QPainter, QPen
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from sfa_desktop.core.records.validation import format_phone
from sfa_desktop.core.sequences.agenda import Detail, Row
from sfa_desktop.ui.agenda_model import DETAIL_ROLE, ROW_ROLE
from sfa_desktop.ui.icons import icon

Index = QModelIndex | QPersistentModelIndex
ACCENT = {"overdue": "#dc2626", "today": "#2563eb", "upcoming": "#64748b"}
KIND_COLOR = {
    "call": "#2563eb",
    "email": "#7c3aed",
    "visit": "#059669",
    "meeting": "#d97706",
    "task": "#475569",
}
HEIGHTS = {"bucket": 44, "group": 30, "item": 66}
BUTTON_TEXT = "Log outcome"


def due_text(detail: Detail, bucket: str, now: dt.datetime | None = None) -> str:
    """'10:30', 'Thu 26 Nov, 10:30' or 'Mon 23 Nov · 2 days late'."""
    local = detail.due_at.astimezone()
    if bucket == "today":
        return local.strftime("%H:%M")
    if bucket == "overdue":
        today = (now or dt.datetime.now(dt.UTC)).astimezone().date()
        late = (today - local.date()).days
        return f"{local.strftime('%a %d %b')} · {late} day{'s' if late != 1 else ''} late"
    return local.strftime("%a %d %b, %H:%M")


def fit_line(metrics: QFontMetrics, line: str, phone: str, width: int) -> tuple[str, str]:
    """The card's second line and its phone number in ``width`` pixels: the number is what a rep dials, so
    it stays whole and the sequence's name is shortened first ('Fleet onb…  ·  +1 617-555-0143')."""
    if not phone:
        return metrics.elidedText(line, Qt.TextElideMode.ElideRight, width), ""
    tail = f"  ·  {phone}"
    room = width - metrics.horizontalAdvance(tail)
    if room < metrics.horizontalAdvance("Tas…"):
        return "", metrics.elidedText(phone, Qt.TextElideMode.ElideRight, width)
    return metrics.elidedText(line, Qt.TextElideMode.ElideRight, room), tail


class AgendaDelegate(QStyledItemDelegate):
    logRequested = Signal(int)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.hover_row = -1

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        entry = index.data(ROW_ROLE)
        kind = entry.kind if isinstance(entry, Row) else "item"
        return QSize(400, HEIGHTS[kind])

    def button_rect(self, rect: QRect) -> QRect:
        width = 112
        return QRect(rect.right() - width - 34, rect.center().y() - 15, width, 30)

    def editorEvent(self, event: QEvent, model: object, option: QStyleOptionViewItem, index: Index) -> bool:
        entry = index.data(ROW_ROLE)
        if (
            isinstance(entry, Row)
            and entry.kind == "item"
            and event.type() == QEvent.Type.MouseButtonRelease
            and isinstance(event, QMouseEvent)
            and self.button_rect(option.rect).contains(event.position().toPoint())
        ):
            self.logRequested.emit(index.row())
            return True
        return False

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        entry = index.data(ROW_ROLE)
        if not isinstance(entry, Row):
            return
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = option.rect
        if entry.kind == "bucket":
            self._bucket(painter, rect, entry, option.font)
        elif entry.kind == "group":
            self._group(painter, rect, entry, option.font)
        else:
            selected = bool(option.state & QStyle.StateFlag.State_Selected)
            self._item(painter, rect, entry, index.data(DETAIL_ROLE), selected, option.font)
        painter.restore()

    def _bucket(self, painter: QPainter, rect: QRect, entry: Row, base: QFont) -> None:
        font = QFont(base)
        font.setPixelSize(12)
        font.setBold(True)
        font.setLetterSpacing(QFont.SpacingType.AbsoluteSpacing, 1.2)
        painter.setFont(font)
        painter.setPen(QColor(ACCENT[entry.bucket]))
        text_rect = rect.adjusted(24, 16, -24, -4)
        label = entry.label.upper()
        painter.drawText(text_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, label)
        width = QFontMetrics(font).horizontalAdvance(label)
        badge = QRect(text_rect.left() + width + 10, text_rect.center().y() - 9, 28, 18)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(ACCENT[entry.bucket]))
        painter.drawRoundedRect(badge, 9, 9)
        painter.setPen(QColor("#ffffff"))
        font.setLetterSpacing(QFont.SpacingType.AbsoluteSpacing, 0)
        font.setPixelSize(11)
        painter.setFont(font)
        painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, str(entry.size))

    def _group(self, painter: QPainter, rect: QRect, entry: Row, base: QFont) -> None:
        font = QFont(base)
        font.setPixelSize(13)
        font.setBold(True)
        painter.setFont(font)
        painter.setPen(QColor("#334155"))
        area = rect.adjusted(26, 4, -24, 0)
        painter.drawText(area, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, entry.label)
        width = QFontMetrics(font).horizontalAdvance(entry.label)
        font.setBold(False)
        font.setPixelSize(12)
        painter.setFont(font)
        painter.setPen(QColor("#94a3b8"))
        noun = "activity" if entry.size == 1 else "activities"
        painter.drawText(
            area.adjusted(width + 10, 0, 0, 0),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            f"{entry.size} {noun}",
        )
        if entry.day:  # Overdue and Upcoming: the day these items are due
            font.setBold(True)
            painter.setFont(font)
            painter.setPen(QColor(ACCENT[entry.bucket] if entry.bucket == "overdue" else "#475569"))
            painter.drawText(area, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, entry.day)

    def _item(
        self, painter: QPainter, rect: QRect, entry: Row, detail: object, selected: bool, base: QFont
    ) -> None:
        card = rect.adjusted(20, 3, -20, -3)
        painter.setPen(QPen(QColor("#93c5fd" if selected else "#e2e8f0"), 1))
        painter.setBrush(QColor("#eff6ff" if selected else "#ffffff"))
        painter.drawRoundedRect(card, 8, 8)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(ACCENT[entry.bucket]))
        painter.drawRoundedRect(QRect(card.left(), card.top() + 8, 3, card.height() - 16), 1.5, 1.5)
        if not isinstance(detail, Detail):
            painter.setPen(QColor("#94a3b8"))
            painter.drawText(card.adjusted(56, 0, 0, 0), Qt.AlignmentFlag.AlignVCenter, "(done or deleted)")
            return
        color = KIND_COLOR.get(detail.kind, "#475569")
        disc = QRect(card.left() + 16, card.center().y() - 16, 32, 32)
        tint = QColor(color)
        tint.setAlpha(28)
        painter.setBrush(tint)
        painter.drawEllipse(disc)
        name = detail.kind if detail.kind in KIND_COLOR else "task"
        icon(name, color).paint(painter, disc.adjusted(7, 7, -7, -7))

        button = self.button_rect(rect)
        # the due text as wide as it is ("Mon 23 Nov · 12 days late" is wider than a time): the title and
        # the sequence line take the rest
        when = due_text(detail, entry.bucket)
        due_font = QFont(base)
        due_font.setPixelSize(13)
        due_font.setBold(entry.bucket != "upcoming")
        due_width = min(max(QFontMetrics(due_font).horizontalAdvance(when) + 4, 120), 240)
        text_left = disc.right() + 14
        text_right = button.left() - due_width - 12
        font = QFont(base)
        font.setPixelSize(14)
        font.setBold(True)
        painter.setFont(font)
        painter.setPen(QColor("#0f172a"))
        metrics = QFontMetrics(font)
        top = QRect(text_left, card.top() + 10, max(text_right - text_left, 50), 22)
        title = metrics.elidedText(detail.subject, Qt.TextElideMode.ElideRight, top.width())
        painter.drawText(top, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, title)
        used = metrics.horizontalAdvance(title)
        font.setBold(False)
        font.setPixelSize(13)
        painter.setFont(font)
        who = detail.person or detail.opportunity
        if who and used + 20 < top.width():
            painter.setPen(QColor("#475569"))
            rest = top.adjusted(used + 8, 0, 0, 0)
            text = QFontMetrics(font).elidedText(f"— {who}", Qt.TextElideMode.ElideRight, rest.width())
            painter.drawText(rest, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, text)
        font.setPixelSize(12)
        painter.setFont(font)
        painter.setPen(QColor("#64748b"))
        bottom = QRect(text_left, card.top() + 33, top.width(), 20)
        if detail.is_step:
            line = f"{detail.sequence}  ·  {detail.progress}"
        else:
            line = "Task" if detail.kind == "task" else f"{detail.kind.capitalize()} (no sequence)"
        phone = format_phone(detail.phone) if detail.phone else ""
        line, phone = fit_line(QFontMetrics(font), line, phone, bottom.width())
        painter.drawText(bottom, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, line)
        if phone:
            painter.setPen(QColor("#334155"))
            used = QFontMetrics(font).horizontalAdvance(line)
            painter.drawText(
                bottom.adjusted(used, 0, 0, 0),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                phone,
            )

        due = QRect(button.left() - due_width - 8, card.top(), due_width, card.height())
        painter.setFont(due_font)
        painter.setPen(QColor(ACCENT[entry.bucket] if entry.bucket != "upcoming" else "#334155"))
        painter.drawText(due, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, when)

        painter.setPen(QPen(QColor("#2563eb"), 1))
        painter.setBrush(QColor("#2563eb" if selected else "#ffffff"))
        painter.drawRoundedRect(button, 6, 6)
        font.setBold(True)
        font.setPixelSize(12)
        painter.setFont(font)
        painter.setPen(QColor("#ffffff" if selected else "#1d4ed8"))
        painter.drawText(button, Qt.AlignmentFlag.AlignCenter, BUTTON_TEXT)
