"""The Today page: overdue, today's and upcoming sequence steps and tasks, grouped by account, with one-click
"Log outcome" that advances the sequence, and the selected step's call script beside the list.  A visit is
checked in, out and reported from its buttons beside the list and from its context menu
(``ui.visit_actions``).

A manager chooses whose agenda to see (themselves and the people under them).  The page refreshes when it
comes on screen, after a sync, and after an outcome is logged; all database work runs on the task runner.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QPersistentModelIndex, QPoint, Qt, Signal
from PySide6.QtGui import QAction, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListView,
    QMenu,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from sfa_desktop.core.records.validation import ValidationError, format_phone
from sfa_desktop.core.sequences.agenda import Detail
from sfa_desktop.ops import agenda as agenda_ops
from sfa_desktop.store.database import LocalStore
from sfa_desktop.ui import visit_actions
from sfa_desktop.ui.agenda_delegate import AgendaDelegate
from sfa_desktop.ui.agenda_model import KIND_ROLE, AgendaModel
from sfa_desktop.ui.failures import show_problem
from sfa_desktop.ui.icons import icon
from sfa_desktop.ui.log_outcome import LogOutcomeDialog
from sfa_desktop.ui.markdown_view import MarkdownView
from sfa_desktop.ui.tasks import Task, TaskRunner
from sfa_desktop.ui.visits_block import VisitsBlock
from sfa_desktop.ui.visits_block import attach as attach_visits
from sfa_desktop.ui.widgets import named

DAYS = 7
_KIND_SECTION = {"lead_id": "leads", "contact_id": "contacts", "opportunity_id": "opportunities"}


def exec_dialog(dialog: LogOutcomeDialog) -> bool:
    """Show the Log outcome dialog (tests replace this to answer without a person)."""
    return dialog.exec() == LogOutcomeDialog.DialogCode.Accepted


def problem_text(exc: object) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.errors.values())
    return str(exc)


class AgendaList(QListView):
    """The agenda's list: the arrow keys, Page Up/Down, Home and End walk the items (headings are passed
    over, so the detail pane always shows an item), and Enter or Space logs the current item's outcome
    (``logRequested(row)``), as the card's button and Ctrl+L do."""

    logRequested = Signal(int)

    def _item_rows(self) -> list[int]:
        model = self.model()
        return [n for n in range(model.rowCount()) if model.index(n, 0).data(KIND_ROLE) == "item"]

    def moveCursor(
        self, cursorAction: QAbstractItemView.CursorAction, modifiers: Qt.KeyboardModifier
    ) -> QModelIndex:
        action = QAbstractItemView.CursorAction
        model = self.model()
        current = self.currentIndex().row() if self.currentIndex().isValid() else -1
        target = super().moveCursor(cursorAction, modifiers).row()
        if cursorAction in (action.MoveHome, action.MoveEnd):
            rows = self._item_rows()
            target = (rows[0] if cursorAction == action.MoveHome else rows[-1]) if rows else -1
            return model.index(target, 0) if target >= 0 else QModelIndex()
        step = -1 if cursorAction in (action.MoveUp, action.MovePageUp, action.MovePrevious) else 1
        if cursorAction in (action.MoveUp, action.MoveDown, action.MovePrevious, action.MoveNext):
            target = current + step if current >= 0 else 0
        row = target
        while 0 <= row < model.rowCount() and model.index(row, 0).data(KIND_ROLE) != "item":
            row += step
        if not 0 <= row < model.rowCount():  # past the first or last item: stay where we are
            row = current
        return model.index(row, 0) if row >= 0 else QModelIndex()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if (
            event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space)
            and event.modifiers() in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.KeypadModifier)
            and self.currentIndex().isValid()
        ):
            self.logRequested.emit(self.currentIndex().row())
            event.accept()
            return
        super().keyPressEvent(event)


class TodayPage(QWidget):
    """``refreshed()``: the agenda's model is filled; ``settled()``: the page shows what it will show (after
    each load, failed or not); ``reported(str)``: a message for the status bar; ``recordRequested(kind,
    id)``: the person wants to open a record."""

    refreshed = Signal()
    settled = Signal()
    reported = Signal(str)
    recordRequested = Signal(str, str)

    def __init__(self, store: LocalStore, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("todayPage")
        self.store = store
        self.runner = runner
        self.me: agenda_ops.Me | None = None
        self.owners: list[str] | None = None
        self.counts: dict[str, int] = {}
        self._task: Task | None = None
        self._keep: str | None = None
        self.model = AgendaModel(store, self)
        self._build()
        who = self.runner.submit(agenda_ops.who_am_i, store)
        who.finished.connect(self._set_me)
        who.failed.connect(lambda _exc: self.settled.emit())  # nothing will load: the page is as it stays

    # -- building ---------------------------------------------------------------------------------------

    def _build(self) -> None:
        header = named(QFrame(), "sectionHeader")
        bar = QHBoxLayout(header)
        bar.setContentsMargins(20, 14, 20, 14)
        titles = QVBoxLayout()
        titles.setSpacing(0)
        titles.addWidget(named(QLabel("Today"), "sectionTitle"))
        self.date_label = named(QLabel(), "sectionCount")
        titles.addWidget(self.date_label)
        bar.addLayout(titles)
        bar.addSpacing(24)
        self.chips: dict[str, QLabel] = {}
        for bucket in ("overdue", "today", "upcoming"):
            chip = named(QLabel(), "agendaChip")
            chip.setProperty("bucket", bucket)
            self.chips[bucket] = chip
            bar.addWidget(chip)
        bar.addStretch(1)
        self.reps_button = QToolButton()
        self.reps_button.setText("People")
        self.reps_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.reps_button.setObjectName("repsButton")
        self.reps_button.hide()
        self.reps_menu = QMenu(self.reps_button)
        self.reps_button.setMenu(self.reps_menu)
        bar.addWidget(self.reps_button)
        self.export_button = QPushButton(icon("export"), "Export…")
        self.export_button.setToolTip("Save the agenda as an iCalendar file for your calendar")
        self.export_button.clicked.connect(self.export)
        self.refresh_button = QPushButton(icon("sync"), "Refresh")
        self.refresh_button.clicked.connect(lambda _checked=False: self.refresh())
        bar.addWidget(self.export_button)
        bar.addWidget(self.refresh_button)

        self.list = named(AgendaList(), "agendaList")
        self.list.setModel(self.model)
        self.delegate = AgendaDelegate(self.list)
        self.list.setItemDelegate(self.delegate)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.list.setUniformItemSizes(False)
        # thousands of rows of three heights: laid out a batch at a time, from the event loop
        self.list.setLayoutMode(QListView.LayoutMode.Batched)
        self.list.setBatchSize(200)
        self.list.setMouseTracking(True)
        self.delegate.logRequested.connect(self.log_outcome_at)
        self.list.logRequested.connect(self.log_outcome_at)
        self.list.selectionModel().currentRowChanged.connect(self._current_changed)
        self.list.doubleClicked.connect(lambda index: self.log_outcome_at(index.row()))
        # Log outcome, Open record and, for a visit, Check in / Check out / Visit report… (issue 16)
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.customContextMenuRequested.connect(self._context_menu)

        self.empty = named(QLabel(), "emptyState")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.list)
        self.stack.addWidget(self.empty)

        splitter = named(QSplitter(Qt.Orientation.Horizontal), "sectionSplitter")
        splitter.addWidget(self.stack)
        splitter.addWidget(self._build_detail())
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([760, 440])
        splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(header)
        self.visits = VisitsBlock(self.store, self.runner)  # issue 16: visits overdue and due this week
        layout.addWidget(self.visits)
        layout.addWidget(splitter, 1)

    def _build_detail(self) -> QWidget:
        pane = named(QFrame(), "agendaDetail")
        pane.setMinimumWidth(360)
        layout = QVBoxLayout(pane)
        layout.setContentsMargins(20, 18, 20, 16)
        layout.setSpacing(6)
        self.detail_kind = named(QLabel(), "formSection")
        self.detail_title = named(QLabel("Choose an activity on the left."), "formTitle")
        self.detail_title.setWordWrap(True)
        self.detail_who = named(QLabel(), "formSubtitle")
        self.detail_who.setWordWrap(True)
        self.detail_who.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.detail_meta = named(QLabel(), "agendaMeta")
        self.detail_meta.setWordWrap(True)
        for widget in (self.detail_kind, self.detail_title, self.detail_who, self.detail_meta):
            layout.addWidget(widget)
        buttons = QHBoxLayout()
        self.log_button = named(QPushButton(icon("task", "#ffffff"), "Log outcome"), "primaryButton")
        self.log_button.setShortcut("Ctrl+L")
        self.log_button.setToolTip("Log what happened and go on with the sequence (Enter, Space or Ctrl+L)")
        self.log_button.clicked.connect(lambda: self.log_outcome_at(self.list.currentIndex().row()))
        self.open_button = QPushButton("Open record")
        self.open_button.clicked.connect(self._open_record)
        buttons.addWidget(self.log_button)
        buttons.addWidget(self.open_button)
        buttons.addStretch(1)
        layout.addSpacing(6)
        layout.addLayout(buttons)
        # a visit: on site (issue 16)
        self.visit_bar = visit_actions.VisitBar(self)
        layout.addWidget(self.visit_bar)
        layout.addSpacing(8)
        self.script_heading = named(QLabel("SCRIPT AND INSTRUCTIONS"), "formSection")
        layout.addWidget(self.script_heading)
        self.script = MarkdownView()
        layout.addWidget(self.script, 1)
        # without a script the free room goes below the buttons, not between the lines above them
        layout.addStretch(0)
        self._detail_layout = layout
        self._show_detail(None)
        return pane

    # -- who ----------------------------------------------------------------------------------------------

    def _set_me(self, me: object) -> None:
        assert isinstance(me, agenda_ops.Me)
        self.me = me
        self.owners = [me.user_id] if me.user_id else None
        self.reps_menu.clear()
        if len(me.reps) > 1:
            for user_id, name in me.reps:
                action = QAction(name + (" (you)" if user_id == me.user_id else ""), self.reps_menu)
                action.setCheckable(True)
                action.setChecked(user_id == me.user_id)
                action.setData(user_id)
                action.toggled.connect(lambda _on: self._reps_changed())
                self.reps_menu.addAction(action)
            self.reps_button.show()
            self._label_reps()
        self.refresh()

    def choose_reps(self, user_ids: list[str]) -> None:
        for action in self.reps_menu.actions():
            action.blockSignals(True)
            action.setChecked(action.data() in user_ids)
            action.blockSignals(False)
        self._reps_changed()

    def _reps_changed(self) -> None:
        self.owners = [a.data() for a in self.reps_menu.actions() if a.isChecked()]
        self._label_reps()
        self.refresh(mend=False)

    def _label_reps(self) -> None:
        chosen = [a.text().replace(" (you)", "") for a in self.reps_menu.actions() if a.isChecked()]
        text = chosen[0] if len(chosen) == 1 else f"{len(chosen)} people" if chosen else "Nobody"
        self.reps_button.setText(f"Agenda of: {text}")

    # -- loading ------------------------------------------------------------------------------------------

    def page_shown(self) -> None:
        if self.me is not None:  # else the agenda loads once it is known whose it is (``_set_me``)
            self.refresh()

    def refresh(self, keep: str | None = None, *, mend: bool = True) -> Task:
        """Load the agenda again; ``keep``: the activity to select (else the one selected now); ``mend``:
        first mend enrollments (records deleted, syncs merged), as when the page is shown or after a sync;
        not needed after this page's own changes."""
        if self._task is not None:
            self._task.discard()
        current = self.current_detail()
        self._keep = keep or (current.activity_id if current is not None else self._keep)
        self.visits.refresh()
        task = self.runner.submit(agenda_ops.load_agenda, self.store, self.owners, DAYS, mend=mend)
        task.finished.connect(self._fill)
        task.failed.connect(lambda exc: show_problem(self, "Agenda not loaded", exc))
        task.failed.connect(lambda _exc: self.settled.emit())
        self._task = task
        return task

    def _fill(self, loaded: object) -> None:
        assert isinstance(loaded, agenda_ops.AgendaLoad)
        self._task = None
        self.counts = loaded.counts
        self.model.set_rows(loaded.rows)
        self.date_label.setText(dt.date.today().strftime("%A %d %B %Y"))
        for bucket, chip in self.chips.items():
            label = {"overdue": "overdue", "today": "due today", "upcoming": f"next {DAYS} days"}[bucket]
            chip.setText(f"{loaded.counts.get(bucket, 0)} {label}")
        if loaded.rows:
            self.stack.setCurrentWidget(self.list)
            # the first batch of cards laid out now, not on a later timer event (the batched layout's), so
            # the page is whole when it says it has settled
            self.list.doItemsLayout()
            row = self.model.row_of(self._keep) if self._keep else None
            first = next((n for n, r in enumerate(loaded.rows) if r.kind == "item"), None)
            self.select_row(row if row is not None else first)
        else:
            self.empty.setText(
                "Nothing due — no overdue, today's or upcoming activities.\n\n"
                "Enroll leads or contacts in a sequence (Enroll in sequence… on a record) "
                "to plan your next steps."
            )
            self.stack.setCurrentWidget(self.empty)
            self._show_detail(None)
        self.refreshed.emit()
        self.settled.emit()

    def select_row(self, row: int | None) -> None:
        selection = self.list.selectionModel()
        if row is None:
            selection.clear()
            self._show_detail(None)
            return
        index = self.model.index(row)
        selection.setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        self.list.scrollTo(index)
        self._show_detail(self.model.detail(row))

    def current_detail(self) -> Detail | None:
        return (
            self.model.detail(self.list.currentIndex().row()) if self.list.currentIndex().isValid() else None
        )

    def _current_changed(self, current: QModelIndex | QPersistentModelIndex, _previous: Any) -> None:
        if current.isValid() and current.data(KIND_ROLE) != "item":
            return  # a heading clicked: the pane keeps the item it shows
        detail = self.model.detail(current.row())
        self._keep = detail.activity_id if detail is not None else None
        self._show_detail(detail)

    def _show_detail(self, detail: Detail | None) -> None:
        self.log_button.setEnabled(detail is not None)
        self.open_button.setEnabled(detail is not None)
        self.visit_bar.show_for(detail)
        if detail is None:
            self.detail_kind.setText("")
            self.detail_title.setText("Choose an activity on the left.")
            for label in (self.detail_who, self.detail_meta):
                label.setText("")
            self.script.set_markdown("")
            self.script_heading.hide()
            self.script.hide()
            self._detail_layout.setStretch(self._detail_layout.count() - 1, 1)
            return
        due = detail.due_at.astimezone().strftime("%A %d %B, %H:%M")
        self.detail_kind.setText(f"{detail.kind.upper()} · DUE {due.upper()}")
        self.detail_title.setText(detail.subject)
        who = ", ".join(p for p in (detail.person, detail.person_title) if p)
        self.detail_who.setText(" · ".join(p for p in (who, detail.account or detail.opportunity) if p))
        meta = []
        if detail.is_step:
            meta.append(f"<b>{detail.sequence}</b> — {detail.progress}")
        phone = format_phone(detail.phone) if detail.phone else ""
        for name, value in (("Phone", phone), ("Email", detail.email), ("Where", detail.location)):
            if value:
                meta.append(f"{name}: {value}")
        if detail.notes:
            meta.append(f"Notes: {detail.notes}")
        from html import escape

        self.detail_meta.setText("<br>".join(m if m.startswith("<b>") else escape(m) for m in meta))
        text = detail.instructions.strip()
        self.script.set_markdown(text)
        self.script_heading.setVisible(bool(text))
        self.script.setVisible(bool(text))
        self._detail_layout.setStretch(self._detail_layout.count() - 1, 0 if text else 1)

    def _open_record(self) -> None:
        detail = self.current_detail()
        if detail is None:
            return
        for column, kind in _KIND_SECTION.items():
            record_id = getattr(detail, column)
            if record_id:
                self.recordRequested.emit(kind, record_id)
                return
        if detail.account_id:
            self.recordRequested.emit("accounts", detail.account_id)

    def _context_menu(self, pos: QPoint) -> None:
        index = self.list.indexAt(pos)
        menu = self.context_menu(index.row()) if index.isValid() else None
        if menu is not None:
            menu.exec(self.list.viewport().mapToGlobal(pos))

    def context_menu(self, row: int) -> QMenu | None:
        """The menu of an item of the list (selected first): Log outcome…, Open record and, for a visit,
        Check in, Check out and Visit report… (None for a heading)."""
        detail = self.model.detail(row)
        if detail is None:
            return None
        self.select_row(row)
        menu = QMenu(self)
        if detail.kind == "visit" and visit_actions.add_visit_actions(
            menu,
            self,
            self.store,
            detail.activity_id,
            location=self.visit_bar.location,
            changed=self._visit_changed,
        ):
            menu.addSeparator()
        menu.addAction(icon("task"), "Log outcome…", lambda: self.log_outcome_at(row))
        menu.addAction("Open record", self._open_record)
        return menu

    def _visit_changed(self, message: str) -> None:
        if message:
            self.reported.emit(message)
        self.refresh(mend=False)

    # -- logging ------------------------------------------------------------------------------------------

    def log_outcome_at(self, row: int) -> Task | None:
        detail = self.model.detail(row)
        if detail is None:
            return None
        self.select_row(row)
        dialog = LogOutcomeDialog(detail, self)
        if not exec_dialog(dialog):
            return None
        outcome, notes, minutes = dialog.values()
        task = self.runner.submit(
            agenda_ops.log_outcome, self.store, detail.activity_id, outcome, notes, minutes
        )
        task.finished.connect(lambda advanced: self._logged(detail, outcome, advanced))
        task.failed.connect(self._log_failed)
        return task

    def _logged(self, detail: Detail, outcome: str, advanced: object) -> None:
        decision = getattr(advanced, "decision", None)
        message = f"Logged “{outcome}” for {detail.subject}."
        if decision is not None and decision.step_key and decision.due_at is not None:
            message += f" Next step due {decision.due_at.astimezone().strftime('%a %d %b, %H:%M')}."
        elif decision is not None:
            message += f" The sequence is {decision.status} ({decision.result})."
        self.reported.emit(message)
        self.refresh(keep=getattr(advanced, "next_activity_id", None), mend=False)

    def _log_failed(self, exc: object) -> None:
        QMessageBox.warning(self, "Not logged", problem_text(exc))
        self.refresh()

    # -- export -------------------------------------------------------------------------------------------

    def export(self) -> None:
        export_agenda(self)


def choose_export_path(parent: QWidget) -> str:
    """Where to save the iCalendar file ('' when cancelled; tests replace this)."""
    name = f"agenda-{dt.date.today().isoformat()}.ics"
    path, _filter = QFileDialog.getSaveFileName(parent, "Export agenda", name, "iCalendar files (*.ics)")
    return path


def export_agenda(page: TodayPage) -> Task | None:
    path = choose_export_path(page)
    if not path:
        return None
    if not path.lower().endswith(".ics"):
        path += ".ics"
    task = page.runner.submit(agenda_ops.export_agenda, page.store, page.owners, DAYS, path)
    task.finished.connect(lambda count: page.reported.emit(f"Saved {count} activities to {path}."))
    task.failed.connect(
        lambda exc: QMessageBox.warning(page, "Not exported", f"The agenda was not saved: {exc}")
    )
    return task


# -- extension entry points ----------------------------------------------------------------------------


def today_page(window: Any) -> TodayPage:
    from sfa_desktop.ui import expiry_banner

    page = TodayPage(window.store, window.runner)
    from sfa_desktop.ui import announcements_today

    announcements_today.install(page, window)  # the pinned announcements not read yet
    # "Sync within N days or this laptop's data locks" with Sync now, days ahead of the offline lock
    expiry_banner.install(page, window)
    attach_visits(page.visits, window)
    page.reported.connect(window.show_message)
    page.recordRequested.connect(window.open_record)
    sync = getattr(window, "sync", None)
    if sync is not None:  # the agenda may change with what a sync brought
        sync.statusShown.connect(
            lambda status: page.refresh() if status.state == "idle" and page.me else None
        )
    return page


def export_from_window(window: Any) -> None:
    """File > Export agenda…: the Today page's agenda (built if it was not shown yet)."""
    page = window.pages_by_key.get("today")
    if page is None:
        page = window.show_page("today")
    assert isinstance(page, TodayPage)
    export_agenda(page)
