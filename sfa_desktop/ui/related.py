"""The Related tab of an account: its contacts, open opportunities, open tasks and next steps, and recent
orders, read on the task runner by :func:`sfa_desktop.ops.related.related_of` (what ``sfa accounts show``
prints).  Double-click or Enter on a row opens its record in its section, the list selecting it; an order
opens the account's Sales tab."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QKeyEvent, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHeaderView,
    QLabel,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from sfa_desktop.ops.related import RelatedSection, related_of
from sfa_desktop.store.database import LocalStore
from sfa_desktop.ui.tasks import Task, TaskRunner
from sfa_desktop.ui.widgets import BodyOrState, named

_FIT = ("Phone", "Amount", "Close date", "Date", "Total", "Due")
#: Columns left out, in this order, while the card is too narrow for every name to show in full enough:
#: the tooltip and the record itself still have them.
_DROP_FIRST = ("Email", "Title", "Stage")
#: The least a stretching column (names, subjects) is given before a column is left out.
_MIN_STRETCH = 150
_KIND_ROLE = Qt.ItemDataRole.UserRole + 1
_ID_ROLE = Qt.ItemDataRole.UserRole + 2
_EMPTY = {
    "contacts": "No contacts at this account yet.",
    "opportunities": "No open opportunities.",
    "tasks": "Nothing planned: log a call with Ctrl+L and add a follow-up.",
    "orders": "No orders from this account yet.",
}


class _Rows(QTreeWidget):
    """A section's rows; Enter opens the current one (double-click too)."""

    chosen = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("relatedRows")
        self.setRootIsDecorated(False)
        self.setUniformRowHeights(True)
        self.setAlternatingRowColors(True)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.itemActivated.connect(lambda item, _column: self.chosen.emit(item))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        item = self.currentItem()
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and item is not None:
            self.chosen.emit(item)
            return
        super().keyPressEvent(event)

    def row_height(self) -> int:
        return self.fontMetrics().height() + 10

    def fit(self) -> None:
        """As tall as its rows: the tab scrolls as a whole, never a box inside a box."""
        rows = self.topLevelItemCount()
        header = self.header().sizeHint().height()
        height = header + rows * self.row_height() + 2 * self.frameWidth() + 2
        self.setFixedHeight(height if rows else 0)
        self.setVisible(bool(rows))


class _Card(QFrame):
    def __init__(self, key: str) -> None:
        super().__init__()
        self.setObjectName("salesCard")
        self.key = key
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 14)
        layout.setSpacing(8)
        self.title = named(QLabel(), "cardTitle")
        self.rows = _Rows()
        self.empty = named(QLabel(_EMPTY[key]), "tabCount")
        layout.addWidget(self.title)
        layout.addWidget(self.rows)
        layout.addWidget(self.empty)

    def show_section(self, section: RelatedSection) -> None:
        shown = len(section.rows)
        more = f" — the first {shown:,}" if section.total > shown else ""
        self.title.setText(section.heading + more)
        self.rows.clear()
        self.rows.setColumnCount(len(section.columns))
        self.rows.setHeaderLabels(list(section.columns))
        header = self.rows.header()
        header.setStretchLastSection(False)
        # names, titles and emails share the width (elided; the tooltip has all); figures and dates fit
        for column, title in enumerate(section.columns):
            mode = (
                QHeaderView.ResizeMode.ResizeToContents if title in _FIT else QHeaderView.ResizeMode.Stretch
            )
            header.setSectionResizeMode(column, mode)
        size = QSize(0, self.rows.row_height())
        for row in section.rows:
            item = QTreeWidgetItem(list(row.cells))
            item.setSizeHint(0, size)
            item.setData(0, _KIND_ROLE, row.kind)
            item.setData(0, _ID_ROLE, row.record_id)
            item.setToolTip(0, "  ·  ".join(c for c in row.cells if c) + "\nDouble-click or Enter to open")
            self.rows.addTopLevelItem(item)
        self.rows.fit()
        self.empty.setVisible(not section.rows)
        self._fit_columns()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_columns()

    def _fit_columns(self) -> None:
        """Leave out the least needed columns (email, title, stage) while the stretching ones would get
        less than ``_MIN_STRETCH`` pixels each: 'Ethan E…' is no use to a rep, 'Ethan Evans' is."""
        titles = [self.rows.headerItem().text(c) for c in range(self.rows.columnCount())]
        for column in range(len(titles)):
            self.rows.setColumnHidden(column, False)
        width = self.rows.viewport().width() or self.width() - 34
        fixed = sum(self.rows.sizeHintForColumn(c) + 12 for c, title in enumerate(titles) if title in _FIT)
        stretching = [c for c, title in enumerate(titles) if title not in _FIT]
        for title in _DROP_FIRST:
            if len(stretching) <= 1 or (width - fixed) >= _MIN_STRETCH * len(stretching):
                break
            if title in titles and titles.index(title) in stretching:
                column = titles.index(title)
                self.rows.setColumnHidden(column, True)
                stretching.remove(column)


class RelatedTab(QWidget):
    """``loaded`` fires when a record's related records are on screen; ``recordOpened(kind, id)`` when a row
    is opened (the window shows it in its section)."""

    loaded = Signal()
    recordOpened = Signal(str, str)

    def __init__(
        self, store: LocalStore, runner: TaskRunner, kind: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("relatedTab")
        self._store = store
        self._runner = runner
        self.kind = kind
        self.record_id: str | None = None
        self._task: Task | None = None
        self.sections: list[RelatedSection] = []
        body = named(QWidget(), "salesBody")
        column = QVBoxLayout(body)
        column.setContentsMargins(16, 14, 16, 16)
        column.setSpacing(12)
        self.cards = {key: _Card(key) for key in _EMPTY}
        for card in self.cards.values():
            card.rows.chosen.connect(self._open)
            column.addWidget(card)
        column.addStretch(1)
        self._faces = BodyOrState(self, body, "relatedScroll")
        self.state = self._faces.state

    # -- the record tab protocol ------------------------------------------------------------------

    def show_record(self, record_id: str) -> None:
        if self._task is not None:
            self._task.discard()
        if record_id != self.record_id:
            self._show_state("Loading the related records…")
        self.record_id = record_id
        self._task = self._runner.submit(related_of, self._store, record_id)
        self._task.finished.connect(self._on_loaded)
        self._task.failed.connect(
            lambda exc: self._show_state(f"The related records could not be read: {exc}")
        )

    def clear(self) -> None:
        if self._task is not None:
            self._task.discard()
            self._task = None
        self.record_id = None
        self.sections = []
        self._show_state("")

    def _show_state(self, message: str) -> None:
        self._faces.show_state(message)

    def _on_loaded(self, result: object) -> None:
        assert isinstance(result, list)
        self._task = None
        self.sections = result
        for section in result:
            self.cards[section.key].show_section(section)
        self._faces.show_body()
        self.loaded.emit()

    # -- opening a row --------------------------------------------------------------------------------

    def _open(self, item: object) -> None:
        assert isinstance(item, QTreeWidgetItem)
        kind, record_id = str(item.data(0, _KIND_ROLE)), str(item.data(0, _ID_ROLE))
        self.recordOpened.emit(kind, record_id)
        if kind == "orders":  # orders have no section: they are on the account's Sales tab
            self._show_sales()
            return
        window = self.window()
        opener = getattr(window, "open_record", None)
        if callable(opener):
            opener(kind, record_id)

    def _show_sales(self) -> None:
        parent = self.parentWidget()
        while parent is not None and not isinstance(parent, QTabWidget):
            parent = parent.parentWidget()
        if parent is None:
            return
        for index in range(parent.count()):
            if parent.tabText(index) == "Sales":
                parent.setCurrentIndex(index)
                return
