"""One column of the pipeline board as an item model, and the card each opportunity is drawn as.

:class:`StageCardsModel` lists a stage's open opportunities; cards drag out of it (as the opportunity id)
and drop into another column's model, which reports ``cardDropped(id, stage key)``: the board then moves
the opportunity through the services and reloads.  Nothing moves in the models themselves, so what is on
screen is always what was saved.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QMimeData,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPen
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from sfa_desktop.core.records.pipeline import Card

MIME_TYPE = "application/x-sfa-opportunity"
CARD_ROLE = Qt.ItemDataRole.UserRole + 1
ID_ROLE = Qt.ItemDataRole.UserRole + 2
CARD_HEIGHT = 104

Index = QModelIndex | QPersistentModelIndex


def money(cents: int | None) -> str:
    """$125,000 (cents only when there are some)."""
    if cents is None:
        return "no amount"
    return f"${cents / 100:,.2f}" if cents % 100 else f"${cents // 100:,}"


def compact_money(cents: int) -> str:
    """$9,500 / $526k / $5.3M: totals that fit a column header."""
    dollars = cents / 100
    if dollars >= 999_500:
        return f"${dollars / 1_000_000:,.1f}M"
    if dollars >= 10_000:
        return f"${dollars / 1000:,.0f}k"
    return f"${dollars:,.0f}"


def short_name(card: Card) -> str:
    """The deal's name without its account's name in front ('Acme: Fleet renewal' -> 'Fleet renewal'):
    the card shows the account on its own line."""
    prefix = f"{card.account}: "
    if card.account and card.name.startswith(prefix) and len(card.name) > len(prefix):
        return card.name[len(prefix) :]
    return card.name


def initials(name: str) -> str:
    words = [w for w in name.split() if w[:1].isalpha()]
    return "".join(w[0].upper() for w in (words[:1] + words[-1:] if len(words) > 1 else words)) or "?"


def card_text(card: Card) -> str:
    parts = [card.name, card.account, money(card.amount_cents)]
    if card.close_date is not None:
        parts.append(f"closes {card.close_date:%d %b %Y}")
    if card.next_step:
        parts.append(f"next: {card.next_step}")
    if card.owner:
        parts.append(card.owner)
    return " · ".join(p for p in parts if p)


class StageCardsModel(QAbstractListModel):
    """The cards of one stage.  ``cardDropped(opportunity_id, stage_key)``: a card of another column was
    dropped here."""

    cardDropped = Signal(str, str)

    def __init__(self, stage_key: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.stage_key = stage_key
        self.cards: list[Card] = []

    def set_cards(self, cards: Sequence[Card]) -> None:
        self.beginResetModel()
        self.cards = list(cards)
        self.endResetModel()

    def row_of(self, opportunity_id: str) -> int | None:
        return next((n for n, c in enumerate(self.cards) if c.id == opportunity_id), None)

    # -- QAbstractListModel -------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.cards)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.cards):
            return None
        card = self.cards[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return card.name
        if role == Qt.ItemDataRole.ToolTipRole:
            return card_text(card)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return card_text(card)
        if role == CARD_ROLE:
            return card
        if role == ID_ROLE:
            return card.id
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.ItemIsDropEnabled
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemIsDragEnabled
            | Qt.ItemFlag.ItemNeverHasChildren
        )

    # -- drag and drop ------------------------------------------------------------------------------

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def mimeTypes(self) -> list[str]:
        return [MIME_TYPE]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        data = QMimeData()
        rows = [i.row() for i in indexes if i.isValid() and 0 <= i.row() < len(self.cards)]
        if rows:
            card = self.cards[rows[0]]
            data.setData(MIME_TYPE, f"{card.id}\n{card.stage}".encode())
            data.setText(card.name)
        return data

    def canDropMimeData(
        self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: Index
    ) -> bool:
        dropped = dropped_card(data)
        return dropped is not None and dropped[1] != self.stage_key

    def dropMimeData(
        self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: Index
    ) -> bool:
        if action == Qt.DropAction.IgnoreAction:
            return True
        if not self.canDropMimeData(data, action, row, column, parent):
            return False
        dropped = dropped_card(data)
        assert dropped is not None
        self.cardDropped.emit(dropped[0], self.stage_key)
        return True


def dropped_card(data: QMimeData | None) -> tuple[str, str] | None:
    """(opportunity id, its stage) carried by a drag, or None for anything else."""
    if data is None or not data.hasFormat(MIME_TYPE):
        return None
    payload = bytes(data.data(MIME_TYPE).data()).decode(errors="replace").split("\n")
    return (payload[0], payload[1]) if len(payload) == 2 and payload[0] else None


class CardDelegate(QStyledItemDelegate):
    """Draws an opportunity as a card: name, account, amount, close date, next step and owner."""

    def __init__(self, parent: QObject | None = None, today: dt.date | None = None) -> None:
        super().__init__(parent)
        self.today = today

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        return QSize(max(option.rect.width(), 200), CARD_HEIGHT)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        card = index.data(CARD_ROLE)
        if not isinstance(card, Card):
            return
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = option.rect.adjusted(2, 3, -2, -5)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        painter.setPen(QPen(QColor("#2563eb" if selected else "#dbe2ea"), 1.6 if selected else 1))
        painter.setBrush(QColor("#eff6ff" if selected else "#ffffff"))
        painter.drawRoundedRect(rect, 8, 8)
        inner = rect.adjusted(12, 9, -12, -8)
        base = QFont(option.font)
        base.setPixelSize(13)
        bold = QFont(base)
        bold.setBold(True)
        small = QFont(base)
        small.setPixelSize(12)

        painter.setFont(bold)
        painter.setPen(QColor("#0f172a"))
        name = QFontMetrics(bold).elidedText(short_name(card), Qt.TextElideMode.ElideRight, inner.width())
        painter.drawText(
            QRect(inner.left(), inner.top(), inner.width(), 18),
            int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
            name,
        )
        painter.setFont(small)
        metrics = QFontMetrics(small)
        painter.setPen(QColor("#475569"))
        line = QRect(inner.left(), inner.top() + 21, inner.width(), 16)
        painter.drawText(
            line,
            int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
            metrics.elidedText(card.account, Qt.TextElideMode.ElideRight, line.width()),
        )
        step = f"Next: {card.next_step}" if card.next_step else "No next step"
        painter.setPen(QColor("#64748b" if card.next_step else "#b45309"))
        line = line.translated(0, 18)
        painter.drawText(
            line,
            int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
            metrics.elidedText(step, Qt.TextElideMode.ElideRight, line.width()),
        )
        bottom = QRect(inner.left(), inner.bottom() - 16, inner.width(), 16)
        amount = money(card.amount_cents)
        painter.setFont(bold)
        painter.setPen(QColor("#0f172a"))
        painter.drawText(bottom, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), amount)
        # the close date in what is left of the line: shorter forms when a large amount leaves little room
        room = bottom.width() - QFontMetrics(bold).horizontalAdvance(amount) - 8 - (30 if card.owner else 0)
        today = self.today or dt.date.today()
        if card.close_date is None:
            forms, color = ["no close date", "no date"], "#94a3b8"
        else:
            overdue = card.close_date < today
            short = card.close_date.strftime("%d %b")
            full = short if card.close_date.year == today.year else card.close_date.strftime("%d %b %Y")
            forms = [f"late: {full}", full, short] if overdue else [full, short]
            color = "#dc2626" if overdue else "#475569"  # red says late when the word does not fit
        when = next((f for f in forms if metrics.horizontalAdvance(f) <= room), forms[-1])
        painter.setFont(small)
        painter.setPen(QColor(color))
        painter.drawText(
            bottom.adjusted(0, 0, -30 if card.owner else 0, 0),
            int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
            metrics.elidedText(when, Qt.TextElideMode.ElideLeft, max(room, 0)),
        )
        if card.owner:  # the owner's initials in a small round badge (the name is in the tooltip)
            badge = QRect(bottom.right() - 22, bottom.center().y() - 11, 22, 22)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor("#e0e7ff"))
            painter.drawEllipse(badge)
            tiny = QFont(small)
            tiny.setPixelSize(10)
            tiny.setBold(True)
            painter.setFont(tiny)
            painter.setPen(QColor("#3730a3"))
            painter.drawText(badge, int(Qt.AlignmentFlag.AlignCenter), initials(card.owner))
        painter.restore()
