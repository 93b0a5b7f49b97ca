"""The agenda as a lazy list model: bucket headings, account headings and items (see ``core.agenda``).

The model holds the rows of the layout (ids and headings only, computed in SQL on the task runner); what
an item shows is read by id a page at a time when the view first paints it, and a bounded number of pages
is kept, like the record lists' models.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, QPersistentModelIndex, Qt, Signal

from sfa_desktop.core.sequences.agenda import Detail, Row
from sfa_desktop.ops import agenda as agenda_ops
from sfa_desktop.store.database import LocalStore

KIND_ROLE = Qt.ItemDataRole.UserRole + 1
DETAIL_ROLE = Qt.ItemDataRole.UserRole + 2
ROW_ROLE = Qt.ItemDataRole.UserRole + 3
ID_ROLE = Qt.ItemDataRole.UserRole + 4
PAGE_SIZE = 60
MAX_PAGES = 40

Index = QModelIndex | QPersistentModelIndex


class AgendaModel(QAbstractListModel):
    """``filled`` fires when a new layout is in place."""

    filled = Signal()

    def __init__(self, store: LocalStore, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self._rows: list[Row] = []
        self._pages: OrderedDict[int, dict[str, Detail]] = OrderedDict()
        self.pages_fetched = 0

    def set_rows(self, rows: list[Row]) -> None:
        self.beginResetModel()
        self._rows = rows
        self._pages.clear()
        self.endResetModel()
        self.filled.emit()

    def row_at(self, row: int) -> Row | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, activity_id: str) -> int | None:
        return next((n for n, r in enumerate(self._rows) if r.activity_id == activity_id), None)

    def detail(self, row: int) -> Detail | None:
        entry = self.row_at(row)
        if entry is None or entry.kind != "item":
            return None
        page = self._page(row // PAGE_SIZE)
        return page.get(entry.activity_id)

    def _page(self, number: int) -> dict[str, Detail]:
        page = self._pages.get(number)
        if page is not None:
            self._pages.move_to_end(number)
            return page
        # On the GUI thread, like the record lists: a page is a few dozen primary-key lookups, needed now
        # to paint; the connection comes from the pool and goes straight back.
        ids = [
            r.activity_id for r in self._rows[number * PAGE_SIZE : (number + 1) * PAGE_SIZE] if r.activity_id
        ]
        page = agenda_ops.load_details(self._store, ids)
        self.pages_fetched += 1
        self._pages[number] = page
        while len(self._pages) > MAX_PAGES:
            self._pages.popitem(last=False)
        return page

    def forget(self) -> None:
        """Drop cached details (after an outcome was logged) so the view reads them again."""
        self._pages.clear()
        if self._rows:
            self.dataChanged.emit(self.index(0), self.index(len(self._rows) - 1))

    # -- QAbstractListModel ---------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def flags(self, index: Index) -> Qt.ItemFlag:
        entry = self.row_at(index.row()) if index.isValid() else None
        if entry is None:
            return Qt.ItemFlag.NoItemFlags
        if entry.kind == "item":
            return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemNeverHasChildren

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        entry = self.row_at(index.row()) if index.isValid() else None
        if entry is None:
            return None
        if role == KIND_ROLE:
            return entry.kind
        if role == ROW_ROLE:
            return entry
        if role == ID_ROLE:
            return entry.activity_id or None
        if role == DETAIL_ROLE:
            return self.detail(index.row())
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            if entry.kind != "item":
                return f"{entry.label} ({entry.size})"
            detail = self.detail(index.row())
            if detail is None:
                return "(done or deleted)"
            who = f" — {detail.person}" if detail.person else ""
            return f"{detail.kind.capitalize()}: {detail.subject}{who}"
        if role == Qt.ItemDataRole.ToolTipRole and entry.kind == "item":
            detail = self.detail(index.row())
            return f"{detail.sequence} · {detail.progress}" if detail is not None and detail.is_step else None
        return None
