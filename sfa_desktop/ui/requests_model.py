"""The Requests page's table: one row per request (``core.requests.listing.RequestRow``), with its service
level flag; the page filters in SQL and hands the rows over (:meth:`RequestsModel.set_rows`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from sfa_desktop.core.requests import listing
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
_OVERDUE = QBrush(QColor("#b91c1c"))
_DONE = QBrush(QColor("#15803d"))
_PLAIN = QBrush(QColor("#475569"))
_SEVERITY = {name: QBrush(QColor(color)) for name, color in _SEVERITY_COLORS.items()}
_BOLD = QFont()
_BOLD.setBold(True)
_ROLES = frozenset(
    {
        Qt.ItemDataRole.DisplayRole,
        Qt.ItemDataRole.ToolTipRole,
        Qt.ItemDataRole.ForegroundRole,
        Qt.ItemDataRole.FontRole,
        ID_ROLE,
    }
)


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
    """Holds the ids the filters found (and which are overdue); reads rows a page at a time, as they come
    on screen (``fetch(ids) -> {id: row}``)."""

    PAGE = 100

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ids: list[str] = []
        self.overdue: frozenset[str] = frozenset()
        self._positions: dict[str, int] = {}
        self._cache: dict[str, RequestRow] = {}
        self._texts: dict[str, tuple[str, ...]] = {}
        self._fetch: Callable[[list[str]], dict[str, RequestRow]] = lambda _ids: {}

    def set_found(self, found: listing.Found, fetch: Callable[[list[str]], dict[str, RequestRow]]) -> None:
        self.beginResetModel()
        self.ids = found.ids
        self.overdue = found.overdue
        self._positions = {request_id: n for n, request_id in enumerate(found.ids)}
        self._cache = {}
        self._texts = {}
        self._fetch = fetch
        self.endResetModel()

    def set_rows(self, rows: list[RequestRow]) -> None:
        """Rows read already (every one)."""
        found = listing.Found([r.id for r in rows], frozenset(r.id for r in rows if r.overdue))
        by_id = {r.id: r for r in rows}
        self.set_found(found, lambda ids: {i: by_id[i] for i in ids if i in by_id})

    def row(self, number: int) -> RequestRow | None:
        request_id = self.ids[number]
        found = self._cache.get(request_id)
        if found is None:
            start = number - number % self.PAGE
            self._cache.update(self._fetch(self.ids[start : start + self.PAGE]))
            found = self._cache.get(request_id)
        return found

    @property
    def rows(self) -> list[RequestRow]:
        """Every row (reads them all: for tests and small lists)."""
        found = (self.row(n) for n in range(len(self.ids)))
        return [r for r in found if r is not None]

    def row_of(self, request_id: str) -> int:
        return self._positions.get(request_id, -1)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.ids)

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
        if role not in _ROLES or not index.isValid() or not 0 <= index.row() < len(self.ids):
            return None
        if role == ID_ROLE:
            return self.ids[index.row()]
        row = self.row(index.row())
        if row is None:  # gone since it was found (a sync removed it)
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            texts = self._texts.get(row.id)
            if texts is None:
                texts = self._texts[row.id] = tuple(self._text(row, c) for c in range(len(COLUMNS)))
            return texts[column]
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
                return _OVERDUE if row.overdue else _DONE if row.level.done else _PLAIN
            if column == 4:
                return _SEVERITY.get(row.severity, _PLAIN)
            return None
        if role == Qt.ItemDataRole.FontRole and (
            (column == 7 and row.overdue) or (column == 2 and row.status == "new")
        ):
            return _BOLD
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
