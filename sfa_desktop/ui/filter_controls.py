"""The filtering controls of a section: the Filters button (a menu of the columns), the header's context menu,
the chips of the active filters and the saved filters box.  They change the list model's column filters,
search text and sort; the model queries SQL again."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, QPoint, Qt, Signal
from PySide6.QtWidgets import QComboBox, QHeaderView, QMenu, QToolButton

from sfa_desktop.ops import data as data_ops
from sfa_desktop.ops import records as record_ops
from sfa_desktop.store.filters import ColumnFilter
from sfa_desktop.store.lists import DEFAULT_FILTERS
from sfa_desktop.store.saved_filters import SavedFilter
from sfa_desktop.ui.failures import show_problem
from sfa_desktop.ui.icons import icon
from sfa_desktop.ui.list_filters import ColumnFilterEditor, FilterBar
from sfa_desktop.ui.widgets import named

_ALL = ""
_SAVE = "\x00save"
_DELETE = "\x00delete"
_DEFAULT = "\x00default"


class FilterControls(QObject):
    """``changed()`` fires whenever the filters change (the section updates its count line)."""

    changed = Signal()

    def __init__(self, page: Any) -> None:
        super().__init__(page)
        self.page = page
        self.model = page.model
        self.store, self.runner = page.form._store, page.form._runner
        self.kind: str = page.kind
        #: the columns shown and those the list is only filtered by (a report's territories)
        self.columns = {c.key: c for c in (*self.model.spec.columns, *self.model.spec.filter_only)}
        self.ref_labels: dict[str, str] = {}
        self.saved: list[SavedFilter] = []
        self.current_saved: str | None = None
        self.editor: ColumnFilterEditor | None = None

        self.button = named(QToolButton(), "filterButton")
        self.button.setText("Filters")
        self.button.setIcon(icon("filter"))
        self.button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.button.setToolTip("Filter the list by a column (Ctrl+Shift+F)")
        self.menu = QMenu(self.button)
        for column in self.model.spec.columns:
            action = self.menu.addAction(f"{column.label}…")
            action.triggered.connect(lambda _c=False, key=column.key: self.edit(key))
        self.button.setMenu(self.menu)

        self.saved_box = named(QComboBox(), "savedFilters")
        self.saved_box.setMinimumWidth(180)
        self.saved_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.saved_box.setToolTip("Saved filters of this list")
        self.saved_box.activated.connect(self._on_saved_chosen)

        self.bar = FilterBar()
        self.bar.removed.connect(self.remove)
        self.bar.editRequested.connect(self.edit)
        self.bar.cleared.connect(self.clear)
        self.bar.saveRequested.connect(self.save_current)

        header: QHeaderView = page.table.horizontalHeader()
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._header_menu)
        self._load_labels()
        self.refresh_saved()

    # -- applying -------------------------------------------------------------------------------------

    @property
    def filters(self) -> list[ColumnFilter]:
        return list(self.model.column_filters)

    def set_filters(self, filters: list[ColumnFilter], *, keep_saved: bool = False) -> None:
        self.model.set_column_filters(filters)
        if not keep_saved:
            self.current_saved = None
        self._show()

    def apply(self, f: ColumnFilter | None, key: str) -> None:
        """Set (or with None, remove) the filter of one column."""
        others = [x for x in self.filters if x.column != key]
        self.set_filters([*others, f] if f is not None else others)

    def remove(self, key: str) -> None:
        self.apply(None, key)

    def clear(self) -> None:
        self.set_filters([])

    def show_active(self) -> None:
        """Show the filters the list has now (its default filters, once the bar is in the section)."""
        self._show()

    def _show(self) -> None:
        self.bar.show_filters(self.columns, self.filters, self.ref_labels)
        active = bool(self.filters)
        self.button.setText(f"Filters · {len(self.filters)}" if active else "Filters")
        self.button.setProperty("active", "true" if active else "false")
        self.button.style().unpolish(self.button)
        self.button.style().polish(self.button)
        self._fill_saved_box()
        self.changed.emit()

    # -- editing one column ---------------------------------------------------------------------------

    def edit(self, key: str) -> ColumnFilterEditor:
        column = self.columns[key]
        current = next((f for f in self.filters if f.column == key), None)
        options = []
        if column.ref:
            options = [(i, label) for i, label in self._ref_options(column.ref)]
        editor = ColumnFilterEditor(column, current, options, self.page)
        editor.applied.connect(lambda value, k=key: self.apply(value, k))
        where = self.button.mapToGlobal(QPoint(0, self.button.height() + 2))
        editor.move(where)
        editor.show()
        self.editor = editor
        return editor

    def _ref_options(self, ref: str) -> list[tuple[str, str]]:
        prefix = f"{ref}:"
        return [(k[len(prefix) :], v) for k, v in self.ref_labels.items() if k.startswith(prefix)]

    def _load_labels(self) -> None:
        for ref in {c.ref for c in self.columns.values() if c.ref}:
            task = self.runner.submit(record_ops.ref_choices, self.store, ref)
            task.finished.connect(lambda rows, r=ref: self._set_labels(r, rows))

    def _set_labels(self, ref: str, rows: object) -> None:
        assert isinstance(rows, list)
        for record_id, label in rows:
            self.ref_labels[f"{ref}:{record_id}"] = label
            self.ref_labels[record_id] = label
        if self.filters:  # the chips name the ids now; the list itself has not changed
            self.bar.show_filters(self.columns, self.filters, self.ref_labels)

    def _header_menu(self, pos: QPoint) -> None:
        header = self.page.table.horizontalHeader()
        column = self.model.spec.columns[header.logicalIndexAt(pos)]
        menu = QMenu(self.page)
        menu.addAction(f"Filter by {column.label.lower()}…", lambda: self.edit(column.key))
        if any(f.column == column.key for f in self.filters):
            menu.addAction("Remove this filter", lambda: self.remove(column.key))
        menu.addSeparator()
        menu.addAction("Sort ascending", lambda: self.page.sort_by(column.key, False))
        menu.addAction("Sort descending", lambda: self.page.sort_by(column.key, True))
        menu.popup(header.mapToGlobal(pos))

    # -- saved filters --------------------------------------------------------------------------------

    def refresh_saved(self) -> None:
        task = self.runner.submit(data_ops.saved_filters_of, self.store, self.kind)
        task.finished.connect(self._set_saved)

    def _set_saved(self, saved: object) -> None:
        assert isinstance(saved, list)
        self.saved = saved
        self._fill_saved_box()

    def _fill_saved_box(self) -> None:
        box = self.saved_box
        box.blockSignals(True)
        box.clear()
        box.addItem(f"All {self.page.entity.plural}", _ALL)
        defaults = DEFAULT_FILTERS.get(self.kind)
        if defaults:
            box.addItem(icon("filter"), f"Open {self.page.entity.plural}", _DEFAULT)
        for item in self.saved:
            box.addItem(icon("filter"), item.name, item.name)
        box.insertSeparator(box.count())
        box.addItem("Save these filters…", _SAVE)
        if self.current_saved:
            box.addItem(f"Delete “{self.current_saved}”", _DELETE)
        shown = self.current_saved or (_DEFAULT if defaults and self.filters == list(defaults) else _ALL)
        box.setCurrentIndex(max(box.findData(shown), 0))
        box.blockSignals(False)

    def _on_saved_chosen(self, index: int) -> None:
        value = self.saved_box.itemData(index)
        if value == _SAVE:
            self.save_current()
        elif value == _DELETE:
            self.delete_current()
        elif value == _ALL:
            self.page.set_search_text("")
            self.clear()
        elif value == _DEFAULT:
            self.page.set_search_text("")
            self.set_filters(list(DEFAULT_FILTERS.get(self.kind, ())))
        else:
            self.use_saved(str(value))

    def use_saved(self, name: str) -> None:
        item = next(s for s in self.saved if s.name == name)
        self.current_saved = item.name
        self.page.set_search_text(item.text)
        if item.sort and item.sort in self.columns:
            self.page.sort_by(item.sort, item.descending)
        self.set_filters(list(item.filters), keep_saved=True)

    def save_current(self) -> None:
        import sfa_desktop.ui.list_filters as dialogs  # looked up at call time: tests answer for the person

        name = dialogs.ask_filter_name(self.page, self.current_saved or "")
        self._fill_saved_box()
        if not name or not name.strip():
            return
        item = SavedFilter(
            self.kind,
            name,
            tuple(self.filters),
            self.page.filter.text(),
            self.model.sort_key,
            self.model.descending,
        )
        task = self.runner.submit(data_ops.save_filter, self.store, item)
        task.finished.connect(self._saved)
        task.failed.connect(lambda exc: show_problem(self.page, "Filter not saved", exc))

    def _saved(self, item: object) -> None:
        assert isinstance(item, SavedFilter)
        self.current_saved = item.name
        self.page.form.reported.emit(f"Filter “{item.name}” saved.")
        self.refresh_saved()

    def delete_current(self) -> None:
        name = self.current_saved
        if name is None:
            return
        task = self.runner.submit(data_ops.delete_filter, self.store, self.kind, name)
        task.finished.connect(lambda _r: self._deleted(name))

    def _deleted(self, name: str) -> None:
        self.current_saved = None
        self.page.form.reported.emit(f"Filter “{name}” deleted.")
        self.refresh_saved()
