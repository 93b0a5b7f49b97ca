"""The Requests page's table: one row per request (``core.requests.listing.RequestRow``), with its service
level flag; the page filters in SQL and hands the rows over (:meth:`RequestsModel.set_rows`)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from sfa_desktop.core.requests.listing import RequestRow
from sfa_desktop.core.requests.sla import span

Index = QModelIndex | QPersistentModelIndex
ID_ROLE = Qt.ItemDataRole.UserRole + 1
#: (title, how a row shows it)
COLUMNS: tuple[str, ...] = (
    "Raised",
    "Account",
    "Subject",
    "Category",
    "Severity",
    "Status",
    "Assigned to",
    "SLA",
)
_SEVERITY_COLORS = {"critical": "#b91c1c", "high": "#c2410c", "normal": "#334155", "low": "#64748b"}
_OVERDUE = QColor("#b91c1c")
_DONE = QColor("#15803d")


def sla_text(row: RequestRow) -> str:
    level = row.level
    if level.done:
        return "done"
    if level.answer_overdue:
        return f"answer {span(level.to_answer - level.answer_hours)} late"
    if level.resolve_overdue:
        return f"{span(level.to_resolve - level.resolve_hours)} overdue"
    if not level.answered:
        return f"answer in {span(level.answer_hours - level.to_answer)}"
    return f"due in {span(level.resolve_hours - level.to_resolve)}"


class RequestsModel(QAbstractTableModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.rows: list[RequestRow] = []

    def set_rows(self, rows: list[RequestRow]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def row_of(self, request_id: str) -> int:
        return next((n for n, r in enumerate(self.rows) if r.id == request_id), -1)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(COLUMNS)
        ):
            return COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        row = self.rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, column)
        if role == ID_ROLE:
            return row.id
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == 7:
                return row.level.describe()
            if column == 0:
                return row.raised_at.astimezone().strftime("Raised %Y-%m-%d %H:%M")
            if column in (1, 2):
                return row.account if column == 1 else row.subject
            return None
        if role == Qt.ItemDataRole.ForegroundRole:
            if column == 7:
                return QBrush(_OVERDUE if row.overdue else _DONE if row.level.done else QColor("#475569"))
            if column == 4:
                return QBrush(QColor(_SEVERITY_COLORS.get(row.severity, "#334155")))
            return None
        if role == Qt.ItemDataRole.FontRole and (
            (column == 7 and row.overdue) or (column == 2 and row.status == "new")
        ):
            font = QFont()
            font.setBold(True)
            return font
        return None

    def _text(self, row: RequestRow, column: int) -> str:
        if column == 0:
            return row.raised_at.astimezone().strftime("%d %b %H:%M")
        values = (
            "",
            row.account,
            row.subject,
            row.category,
            row.severity,
            row.status,
            row.assigned_to or "—",
            sla_text(row),
        )
        return values[column]
