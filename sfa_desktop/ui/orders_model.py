"""An account's orders as a tree: each order, and under it its lines.  Read-only: orders come from the
company's systems."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QFont

from sfa_desktop.core.records.validation import format_money
from sfa_desktop.core.sales.history import OrderRow

Index = QModelIndex | QPersistentModelIndex
COLUMNS = ("Order / product", "Date / qty", "Total")
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
_TOP = 0  # internal id of an order row; a line's is its order's row + 1


class OrdersModel(QAbstractItemModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.orders: list[OrderRow] = []

    def set_orders(self, orders: list[OrderRow]) -> None:
        self.beginResetModel()
        self.orders = orders
        self.endResetModel()

    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        if not self.hasIndex(row, column, parent):
            return QModelIndex()
        if not parent.isValid():
            return self.createIndex(row, column, _TOP)
        if parent.internalId() != _TOP:
            return QModelIndex()
        return self.createIndex(row, column, parent.row() + 1)

    def parent(self, index: Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        if not index.isValid() or index.internalId() == _TOP:
            return QModelIndex()
        return self.createIndex(index.internalId() - 1, 0, _TOP)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        if not parent.isValid():
            return len(self.orders)
        if parent.internalId() == _TOP and parent.column() == 0 and 0 <= parent.row() < len(self.orders):
            return len(self.orders[parent.row()].lines)
        return 0

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return len(COLUMNS)

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        return flags | Qt.ItemFlag.ItemNeverHasChildren if index.internalId() != _TOP else flags

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _RIGHT if section >= 1 else _LEFT
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if index.internalId() == _TOP:
            if not 0 <= index.row() < len(self.orders):
                return None
            return self._order_data(self.orders[index.row()], index.column(), role)
        order_row = index.internalId() - 1
        if not 0 <= order_row < len(self.orders):
            return None
        order = self.orders[order_row]
        if not 0 <= index.row() < len(order.lines):
            return None
        return self._line_data(order, index.row(), index.column(), role)

    def _order_data(self, order: OrderRow, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                order.number
                if order.status == "invoiced"
                else f"{order.number} · {order.status.capitalize()}",
                f"{order.order_date.day} {order.order_date.strftime('%b %Y')}",
                format_money(order.total_cents, order.currency),
            )[column]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _RIGHT if column >= 1 else _LEFT
        if role == Qt.ItemDataRole.FontRole and column == 2:
            font = QFont()
            font.setWeight(QFont.Weight.DemiBold)
            return font
        if role == Qt.ItemDataRole.ForegroundRole and not order.counted:
            return QColor("#94a3b8")
        if role == Qt.ItemDataRole.ToolTipRole:
            count = len(order.lines)
            lines = f"{order.number} ({order.status}): {count} line{'s' if count != 1 else ''}"
            return lines + ("" if order.counted else "; not counted in the sales figures.")
        return None

    def _line_data(self, order: OrderRow, row: int, column: int, role: int) -> Any:
        line = order.lines[row]
        if role == Qt.ItemDataRole.DisplayRole:
            price = format_money(line.unit_price_cents, order.currency)
            return (
                line.product,
                f"{line.quantity:,} \N{MULTIPLICATION SIGN} {price}",
                format_money(line.line_total_cents, order.currency),
            )[column]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _RIGHT if column >= 1 else _LEFT
        if role == Qt.ItemDataRole.ForegroundRole:
            return QColor("#94a3b8") if not order.counted else QColor("#475569")
        if role == Qt.ItemDataRole.ToolTipRole and column == 0:
            return f"{line.sku} {line.product}".strip()
        return None
