"""Lazy, id-backed table models for the record lists (accounts, contacts, leads, opportunities).

The model holds only the ordered list of matching ids, computed in SQL by :func:`store.lists.list_ids`
(filter text and sort order included) on the background task runner.  Display rows are fetched by id a
page at a time when the view first asks for one, and a bounded number of pages is kept (least recently
used first out), so a list of 50,000 contacts costs a list of ids and a few hundred formatted rows.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from sfa_desktop.core.records.validation import format_money, format_phone
from sfa_desktop.store import lists
from sfa_desktop.store.database import LocalStore
from sfa_desktop.store.filters import ColumnFilter
from sfa_desktop.ui.tasks import Task, TaskRunner

ID_ROLE = Qt.ItemDataRole.UserRole + 1
PAGE_SIZE = 100
MAX_PAGES = 50
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter

Index = QModelIndex | QPersistentModelIndex


def load_ids(
    store: LocalStore,
    kind: str,
    *,
    filter_text: str,
    filters: Mapping[str, Any],
    sort: str,
    descending: bool,
    column_filters: Sequence[ColumnFilter] = (),
) -> list[str]:
    """Background job: the ids of the matching records in display order."""
    with store.engine.connect() as conn:
        return lists.list_ids(
            conn,
            kind,
            filter_text=filter_text,
            filters=filters,
            sort=sort,
            descending=descending,
            column_filters=column_filters,
        )


def _format_date(value: Any) -> str:
    try:
        day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return str(value)
    return day.strftime("%d %b %Y")


def _format_datetime(value: Any) -> str:
    try:
        moment = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if moment.tzinfo is None:  # stored as naive UTC
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone().strftime("%d %b %Y %H:%M")


def _format_phone(value: Any) -> str:
    """format_phone, with a fast path for North American numbers (most of the data): phonenumbers takes
    ~0.15 ms a number, which would be most of the cost of a page of 100 contacts."""
    text = str(value)
    if len(text) == 12 and text.startswith("+1") and text[2:].isdigit():
        return f"+1 {text[2:5]}-{text[5:8]}-{text[8:]}"
    return format_phone(text)


_FORMATTERS: dict[str, Callable[[Any], str]] = {
    "money": lambda v: format_money(int(v)),
    "phone": _format_phone,
    "date": _format_date,
    "datetime": _format_datetime,
    "int": lambda v: f"{int(v):,}",
}


#: Columns holding a lower-case vocabulary word ("closed won"), shown capitalised like the form shows them.
VOCABULARY_COLUMNS = frozenset({"stage", "status", "source"})


def format_cell(kind: str, value: Any, key: str = "") -> str:
    if value is None or value == "":
        return ""
    formatter = _FORMATTERS.get(kind)
    text = formatter(value) if formatter else str(value)
    return text[:1].upper() + text[1:] if key in VOCABULARY_COLUMNS else text


class RecordTableModel(QAbstractTableModel):
    """The live records of one kind matching a filter, in an SQL-computed order.

    ``loaded`` fires each time a new id list is in place (after a filter, a sort or a refresh);
    ``loadFailed(message)`` when the query was refused (a column filter that cannot apply).
    """

    loaded = Signal()
    loadFailed = Signal(str)

    def __init__(
        self, store: LocalStore, runner: TaskRunner, kind: str, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._store = store
        self._runner = runner
        self.kind = kind
        self.spec = lists.LISTS[kind]
        self._kinds = [c.kind for c in self.spec.columns]
        self._keys = [c.key for c in self.spec.columns]
        self._ids: list[str] = []
        self._rows_of: dict[str, int] | None = None
        self._pages: OrderedDict[int, list[tuple[str, ...] | None]] = OrderedDict()
        self._task: Task | None = None
        self.filter_text = ""
        self.filters: dict[str, Any] = {}
        #: Column filters (``store.filters``), all of which must hold.
        self.column_filters: list[ColumnFilter] = []
        self.sort_key = self.spec.default_sort
        self.descending = False
        self.pages_fetched = 0  # how many page queries ran (lazy loading is observable in tests)
        self.is_loaded = False

    # -- querying -------------------------------------------------------------------------------

    def reload(self) -> Task:
        """Re-run the id query (after a write, a filter or a sort); an earlier pending query is dropped."""
        if self._task is not None:
            self._task.discard()
        task = self._runner.submit(
            load_ids,
            self._store,
            self.kind,
            filter_text=self.filter_text,
            filters=dict(self.filters),
            sort=self.sort_key,
            descending=self.descending,
            column_filters=list(self.column_filters),
        )
        task.finished.connect(self._set_ids)
        task.failed.connect(self._on_failed)
        self._task = task
        return task

    def _on_failed(self, exc: object) -> None:
        self._task = None
        self.loadFailed.emit(str(exc))

    def set_column_filters(self, filters: Sequence[ColumnFilter]) -> None:
        """Filter by these columns (replacing the column filters in place) and query again."""
        self.column_filters = list(filters)
        self.reload()

    def sort_by(self, key: str, descending: bool) -> None:
        self.sort(
            self.column_of(key), Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder
        )

    def set_filter_text(self, text: str) -> None:
        if text != self.filter_text:
            self.filter_text = text
            self.reload()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sorting happens in SQL: remember the column and direction and query the ids again."""
        columns = self.spec.columns
        key = columns[column].key if 0 <= column < len(columns) else self.spec.default_sort
        descending = order == Qt.SortOrder.DescendingOrder
        if self._task is not None and (key, descending) == (self.sort_key, self.descending):
            return  # the query for exactly this order is already on its way
        self.sort_key, self.descending = key, descending
        self.reload()

    def column_of(self, key: str) -> int:
        return [c.key for c in self.spec.columns].index(key)

    def _set_ids(self, ids: object) -> None:
        assert isinstance(ids, list)
        self._task = None
        self.beginResetModel()
        self._ids = ids
        self._rows_of = None
        self._pages.clear()
        self.endResetModel()
        self.is_loaded = True
        self.loaded.emit()

    def refresh_rows(self, record_ids: Sequence[str]) -> None:
        """Forget cached display values of these records (after an edit) so the view re-reads them."""
        for record_id in record_ids:
            row = self.row_of(record_id)
            if row is None:
                continue
            self._pages.pop(row // PAGE_SIZE, None)
            self.dataChanged.emit(self.index(row, 0), self.index(row, self.columnCount() - 1))

    # -- ids ------------------------------------------------------------------------------------

    @property
    def ids(self) -> Sequence[str]:
        return self._ids

    def id_at(self, row: int) -> str | None:
        return self._ids[row] if 0 <= row < len(self._ids) else None

    def row_of(self, record_id: str) -> int | None:
        if self._rows_of is None:
            self._rows_of = {record_id: row for row, record_id in enumerate(self._ids)}
        return self._rows_of.get(record_id)

    # -- lazy rows ------------------------------------------------------------------------------

    def _page(self, number: int) -> list[tuple[str, ...] | None]:
        page = self._pages.get(number)
        if page is not None:
            self._pages.move_to_end(number)
            return page
        # Synchronous on the GUI thread, like Anki's browser: a page is at most PAGE_SIZE rows looked up
        # by primary key (a few milliseconds even with 50,000 contacts), and the view needs the values
        # now to paint.  The short read connection comes from the pool and goes straight back.
        ids = self._ids[number * PAGE_SIZE : (number + 1) * PAGE_SIZE]
        with self._store.engine.connect() as conn:
            raw = lists.fetch_rows(conn, self.kind, ids)
        self.pages_fetched += 1
        page = [
            tuple(format_cell(k, v, c) for k, v, c in zip(self._kinds, values, self._keys, strict=True))
            if (values := raw.get(record_id)) is not None
            else None
            for record_id in ids
        ]
        self._pages[number] = page
        while len(self._pages) > MAX_PAGES:
            self._pages.popitem(last=False)
        return page

    def cached_pages(self) -> list[int]:
        return list(self._pages)

    # -- QAbstractTableModel --------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.spec.columns)

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row, column = index.row(), index.column()
        if not (0 <= row < len(self._ids) and 0 <= column < len(self._kinds)):
            return None
        if role == ID_ROLE:
            return self._ids[row]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int((_RIGHT if self._kinds[column] in ("money", "int") else _LEFT).value)
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        values = self._page(row // PAGE_SIZE)[row % PAGE_SIZE]
        if values is None:  # deleted since the id list was made
            return "(deleted)" if column == 0 and role == Qt.ItemDataRole.DisplayRole else None
        text = values[column]
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{self.spec.columns[column].label}: {text}" if text else None
        return text

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.spec.columns):
            return None
        column = self.spec.columns[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.label
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int((_RIGHT if column.kind in ("money", "int") else _LEFT).value)
        return None
