"""One section of the window (Accounts, Contacts...): a filter box, the lazy list and the detail form."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QPersistentModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QFocusEvent, QIcon, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from sfa_desktop.core.records.fields import ENTITIES
from sfa_desktop.store.database import LocalStore
from sfa_desktop.store.lists import DEFAULT_FILTERS
from sfa_desktop.ui import extensions
from sfa_desktop.ui.forms import RecordForm
from sfa_desktop.ui.icons import icon
from sfa_desktop.ui.models import RecordTableModel
from sfa_desktop.ui.tasks import TaskRunner
from sfa_desktop.ui.widgets import named

FILTER_DELAY_MS = 200
_WIDTHS = {"name": 180, "account": 170, "company": 180, "email": 250, "title": 165, "phone": 150, "city": 120}


class RecordTable(QTableView):
    """The section's list.  Qt makes the first row current when a list with no current row gets the
    keyboard focus (without selecting it): here the focus alone changes nothing, so the list never marks a
    row the form does not show; the arrow keys then start from the top as before."""

    def __init__(self) -> None:
        super().__init__()
        #: True while the focus comes in (the page ignores the current row Qt moves meanwhile)
        self.entering = False

    def focusInEvent(self, event: QFocusEvent) -> None:
        had_current = self.currentIndex().isValid()
        self.entering = True
        try:
            super().focusInEvent(event)
            selection = self.selectionModel()
            if not had_current and selection is not None and not selection.hasSelection():
                selection.setCurrentIndex(QModelIndex(), QItemSelectionModel.SelectionFlag.NoUpdate)
        finally:
            self.entering = False


class SectionPage(QWidget):
    """``countChanged(int)``: records in the list; ``settled()``: the list is loaded and the detail pane
    shows the selected record (or there is nothing to show); ``recordsChanged()``: a save or delete."""

    countChanged = Signal(int)
    settled = Signal()
    recordsChanged = Signal()

    def __init__(
        self, store: LocalStore, runner: TaskRunner, kind: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.kind = kind
        self.store = store
        self.runner = runner
        self.entity = ENTITIES[kind]
        #: True while the window moves the highlight itself (not the person choosing a row).
        self._moving_highlight = False
        self._reveal: str | None = None  # opened from elsewhere: filters hiding it are cleared
        self.record_actions: list[QAction] = []
        self.model = RecordTableModel(store, runner, kind, self)
        self.model.column_filters = list(DEFAULT_FILTERS.get(kind, ()))  # open deals, not closed ones
        # Start the first (SQL) load now, so that it runs while the widgets are being built.
        self.model.sort(self.model.column_of(self.model.sort_key), Qt.SortOrder.AscendingOrder)
        self.form = RecordForm(store, runner, kind)
        if kind in ("accounts", "contacts", "leads"):
            from sfa_desktop.ui.duplicate_warning import check_new_record

            self.form.before_create = lambda values, save: check_new_record(self, values, save)
        self._build()
        self._extend(store, runner)
        self.model.loaded.connect(self._on_loaded)
        self.form.loaded.connect(lambda _id: self.settled.emit())
        self.form.saved.connect(self._on_saved)
        self.form.deleted.connect(self._on_deleted)
        self.table.selectionModel().currentRowChanged.connect(self._current_changed)
        # Enabling sorting asks the model to sort by the indicator: the load started above.
        header = self.table.horizontalHeader()
        header.setSortIndicator(self.model.column_of(self.model.sort_key), Qt.SortOrder.AscendingOrder)
        self.table.setSortingEnabled(True)

    def _build(self) -> None:
        top = named(QFrame(), "sectionHeader")
        bar = QHBoxLayout(top)
        bar.setContentsMargins(20, 14, 20, 14)
        title = named(QLabel(self.entity.plural.capitalize()), "sectionTitle")
        self.count_label = named(QLabel("Loading…"), "sectionCount")
        self.filter = named(QLineEdit(), "filterBox")
        self.filter.setPlaceholderText(f"Filter {self.entity.plural}…")
        self.filter.setClearButtonEnabled(True)
        self.filter.addAction(icon("search", "#94a3b8"), QLineEdit.ActionPosition.LeadingPosition)
        self.filter.setMinimumWidth(200)
        self.new_button = named(
            QPushButton(icon("add", "#ffffff"), f"New {self.entity.singular}"), "primaryButton"
        )
        bar.addWidget(title)
        bar.addSpacing(10)
        bar.addWidget(self.count_label, 0, Qt.AlignmentFlag.AlignBottom)
        bar.addStretch(1)
        self._filter_slot = bar.count()  # the saved filters and the Filters button go here
        bar.addWidget(self.filter)
        bar.addSpacing(8)
        bar.addWidget(self.new_button)

        self.table = named(RecordTable(), "recordTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        # Several rows may be selected (for actions on many, such as Enroll in sequence…); the current row
        # is the one in the form.
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(30)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setStretchLastSection(True)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        for number, column in enumerate(self.model.spec.columns):
            header.resizeSection(number, _WIDTHS.get(column.key, 130))

        splitter = named(QSplitter(Qt.Orientation.Horizontal), "sectionSplitter")
        splitter.addWidget(self.table)
        splitter.addWidget(self.form)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([760, 480])
        splitter.setChildrenCollapsible(False)
        self.form.setMinimumWidth(380)

        from sfa_desktop.ui.filter_controls import FilterControls

        self.column_filters = FilterControls(self)
        self.column_filters.changed.connect(self._on_filters_changed)
        bar.insertWidget(self._filter_slot, self.column_filters.saved_box)
        bar.insertWidget(self._filter_slot + 1, self.column_filters.button)
        bar.insertSpacing(self._filter_slot + 2, 8)
        self.model.loadFailed.connect(self._on_load_failed)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(top)
        layout.addWidget(self.column_filters.bar)
        if self.model.column_filters:  # the list's default filters, as chips a person can remove
            self.column_filters.show_active()
        layout.addWidget(splitter, 1)
        self._add_list_actions()

        self._filter_timer = QTimer(self)
        self._filter_timer.setSingleShot(True)
        self._filter_timer.setInterval(FILTER_DELAY_MS)
        self._filter_timer.timeout.connect(lambda: self.model.set_filter_text(self.filter.text()))
        self.filter.textChanged.connect(lambda _t: self._filter_timer.start())
        self.new_button.clicked.connect(self.new_record)

    def _add_list_actions(self) -> None:
        """Keyboard shortcuts of the list (shown in the window's shortcut overlay, like every action)."""
        entries = (
            ("Filter the list", "Ctrl+F", self._focus_filter),
            ("Filter by a column", "Ctrl+Shift+F", self.column_filters.button.showMenu),
            ("Clear the filters", "Ctrl+Shift+X", self.clear_filters),
            ("Next record", "Alt+Down", lambda: self._step(1)),
            ("Previous record", "Alt+Up", lambda: self._step(-1)),
            ("Delete the record", "Ctrl+Delete", self.form.delete),
        )
        for text, keys, slot in entries:
            action = QAction(text, self)
            action.setShortcut(QKeySequence(keys))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.setProperty("group", "In a list")
            action.triggered.connect(lambda _checked=False, run=slot: run())
            self.addAction(action)

    def _focus_filter(self) -> None:
        self.filter.setFocus()
        self.filter.selectAll()

    def _step(self, delta: int) -> None:
        row = self.table.currentIndex().row()
        target = self.model.id_at(max(row + delta, 0) if row >= 0 else 0)
        if target is not None:
            self.table.setFocus()
            self.table.setCurrentIndex(self.model.index(self.model.row_of(target) or 0, 0))

    def clear_filters(self) -> None:
        self.set_search_text("")
        self.column_filters.clear()

    def set_search_text(self, text: str) -> None:
        """Put words in the filter box and filter by them now."""
        self.filter.blockSignals(True)
        self.filter.setText(text)
        self.filter.blockSignals(False)
        self._filter_timer.stop()
        self.model.set_filter_text(text)

    def sort_by(self, key: str, descending: bool) -> None:
        order = Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder
        self.table.horizontalHeader().setSortIndicator(self.model.column_of(key), order)

    def _on_filters_changed(self) -> None:
        self.count_label.setText("Loading…")

    def _on_load_failed(self, message: str) -> None:
        self.count_label.setText("Not filtered")
        self.form.reported.emit(message)

    def _extend(self, store: LocalStore, runner: TaskRunner) -> None:
        """The record's other tabs and its actions, as declared in ``extensions``."""
        for tab in extensions.DETAIL_TABS:
            if self.kind in tab.kinds:
                widget = extensions.resolve(tab.factory)(store, runner, self.kind)
                self.form.add_tab(tab.title, widget, widget)
                reported = getattr(widget, "reported", None)  # a tab's message for the status bar
                if reported is not None:
                    reported.connect(self.form.reported)
        for entry in extensions.RECORD_ACTIONS:
            if self.kind not in entry.kinds:
                continue
            action = QAction(icon(entry.icon) if entry.icon else QIcon(), entry.text, self)
            if entry.shortcut:
                action.setShortcut(QKeySequence(entry.shortcut))
                action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            tip = entry.tooltip or entry.text
            action.setToolTip(f"{tip} ({entry.shortcut})" if entry.shortcut else tip)
            action.triggered.connect(lambda _checked=False, path=entry.handler: self._run_action(path))
            self.addAction(action)
            button = self._action_button(action, entry.label or entry.text)
            self.form.add_action_button(button)
            self.record_actions.append(action)

    def _action_button(self, action: QAction, label: str) -> QToolButton:
        """A header button for the action with its own (short) label; it follows the action's enabled state
        (a default action would put the action's long text back on every change)."""
        button = QToolButton()
        button.setObjectName("recordAction")
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        button.setIcon(action.icon())
        button.setText(label)
        button.setToolTip(action.toolTip())
        button.setEnabled(action.isEnabled())
        action.changed.connect(lambda: button.setEnabled(action.isEnabled()))
        button.clicked.connect(action.trigger)
        return button

    def _run_action(self, handler: str) -> None:
        record_id = self.form.record_id
        if record_id is None:
            self.form.reported.emit(f"Select {self.entity.singular} first (or save the new one).")
            return
        extensions.resolve(handler)(self, record_id)

    # -- selection ------------------------------------------------------------------------------
    #
    # One truth: the record in the form (``form.shown_id``, the one on screen or loading).  The list's
    # highlight follows it (``_sync_highlight``) after every reload, sort, filter, save, delete, sync and
    # refused switch; a row the person moves to opens in the form, or, when the form has unsaved changes
    # that are not let go, the highlight goes back to the form's record.

    def _current_changed(
        self, current: QModelIndex | QPersistentModelIndex, _previous: QModelIndex | QPersistentModelIndex
    ) -> None:
        if self._moving_highlight or self.table.entering:
            return
        record_id = self.model.id_at(current.row())
        if record_id is None or record_id == self.form.shown_id:
            return
        if not self.form.dirty:
            self._show(record_id)
            return
        # Stay on the record being edited while the person decides what happens to the changes.
        self._sync_highlight()
        self.form.confirm_leave(lambda: self.open_record(record_id))
        # A click goes on selecting the row under the pointer after this: put the highlight back on the
        # form's record once it is done (the form's record is the clicked one if the switch went ahead).
        QTimer.singleShot(0, self, self._sync_highlight)

    def _show(self, record_id: str) -> None:
        self.form.show_record(record_id)
        self._sync_highlight()

    def _sync_highlight(self) -> bool:
        """Highlight the form's record in the list; when the list does not hold it, highlight nothing and
        let the form say so.  True when it is highlighted."""
        record_id = self.form.shown_id
        listed = self._select_row(record_id)
        if listed or record_id is None:
            self.form.set_notice(None)
        else:
            filtered = self.model.filter_text.strip() or self.model.column_filters
            why = "the filters hide it" if filtered else "it was removed, merged or reassigned"
            self.form.set_notice(
                f"This {self.entity.singular} is not in the list: {why}. Nothing is selected there."
            )
        return listed

    def _select_row(self, record_id: str | None) -> bool:
        row = self.model.row_of(record_id) if record_id else None
        selection = self.table.selectionModel()
        self._moving_highlight = True
        try:
            if row is None:
                selection.clear()
                selection.setCurrentIndex(QModelIndex(), QItemSelectionModel.SelectionFlag.NoUpdate)
                self.table.viewport().update()
                return False
            index = self.model.index(row, 0)
            selection.setCurrentIndex(
                index,
                QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
            )
        finally:
            self._moving_highlight = False
        self.table.viewport().update()
        self.table.scrollTo(index, QAbstractItemView.ScrollHint.EnsureVisible)
        # a list shown for the first time has no height yet: scroll again once it is laid out
        QTimer.singleShot(0, lambda: self._scroll_to(record_id))
        return True

    def _scroll_to(self, record_id: str | None) -> None:
        row = self.model.row_of(record_id) if record_id else None
        if row is not None and row == self.table.currentIndex().row():
            self.table.scrollTo(self.model.index(row, 0), QAbstractItemView.ScrollHint.EnsureVisible)

    def open_record(self, record_id: str) -> None:
        """Show a record in the form and select it in the list (clearing a filter that hides it)."""
        if record_id != self.form.shown_id or not self.form.dirty:
            self.form.show_record(record_id)
        if not self._sync_highlight():
            self._reveal = record_id  # selected when the list (re)loads
            if self.model.is_loaded:
                self._show_hidden()

    def _show_hidden(self) -> None:
        """The record opened from elsewhere is not in the list: clear the filters that hide it."""
        self.form.set_notice(None)  # the list is loading without the filters: selected once it is in
        if self.filter.text():
            self.filter.blockSignals(True)
            self.filter.clear()
            self.filter.blockSignals(False)
            self._filter_timer.stop()
        self.model.filter_text = ""
        self.column_filters.set_filters([])  # queries again; the record is selected when it arrives

    def current_id(self) -> str | None:
        return self.form.record_id

    def selected_ids(self) -> list[str]:
        """The records selected in the list, in list order."""
        rows = sorted(index.row() for index in self.table.selectionModel().selectedRows())
        return [record_id for row in rows if (record_id := self.model.id_at(row)) is not None]

    def new_record(self) -> None:
        def start() -> None:
            self.form.new_record()
            self._sync_highlight()

        self.form.confirm_leave(start)

    # -- list updates ---------------------------------------------------------------------------

    def _on_loaded(self) -> None:
        count = self.model.rowCount()
        noun = self.entity.singular if count == 1 else self.entity.plural
        shown = f"{count:,} {noun}"
        filtered = self.model.filter_text.strip() or self.model.column_filters
        self.count_label.setText(shown + (" match the filters" if filtered else ""))
        self.countChanged.emit(count)
        reveal, self._reveal = self._reveal, None
        if self.form.shown_id is not None:
            highlighted = self._sync_highlight()
            if not highlighted and self.form.shown_id == reveal and (filtered or self.filter.text()):
                self._reveal = reveal
                self._show_hidden()
            return
        if self.form.dirty:  # a new record being typed in: leave it alone
            self._sync_highlight()
            return
        if count:
            self._show(self.model.id_at(0) or "")
        else:
            self.form.clear()
            self._sync_highlight()
            self.settled.emit()

    def _on_saved(self, _record_id: str) -> None:
        self.model.reload()
        self.recordsChanged.emit()

    def _on_deleted(self, _record_id: str) -> None:
        self.model.reload()
        self.recordsChanged.emit()
