"""The Calendar page: the agenda by day or by week, as a calendar (issue 16, item 2).

The header says which days are shown and offers the previous and next day or week, Today, and Day or Week
(PgUp, PgDown, Home, D and W).  The grid (:mod:`sfa_desktop.ui.calendar_view`) shows the activities of this
laptop's user with a due time, done ones greyed; dragging one (or Alt+arrows) reschedules it through
``ops.calendar.move_activity``: undoable with Edit > Undo, sent at the next sync.  Double-click or Enter
opens the activity: Log outcome for an open one, its record for a done one.  The pane on the right shows
the selected activity.  The page reloads when it comes on screen and whenever a job (a move, an undo, a
sync) wrote to the store.
"""

from __future__ import annotations

import datetime as dt
from html import escape
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from sfa_desktop.core.calendar import layout
from sfa_desktop.core.calendar.events import Event
from sfa_desktop.core.sequences.agenda import Detail
from sfa_desktop.ops import agenda as agenda_ops
from sfa_desktop.ops import calendar as calendar_ops
from sfa_desktop.store.database import LocalStore
from sfa_desktop.ui import agenda_page
from sfa_desktop.ui.calendar_view import CalendarGrid, DayHeader
from sfa_desktop.ui.failures import show_problem
from sfa_desktop.ui.icons import icon
from sfa_desktop.ui.log_outcome import LogOutcomeDialog
from sfa_desktop.ui.tasks import Task, TaskRunner
from sfa_desktop.ui.widgets import named

#: Hours of the working day the grid fits in its height (the day's band and a half hour around it).
FIT_HOURS = 11


class CalendarPage(QWidget):
    """``settled()``: the page shows what it will show (after each load); ``reported(str)``: a message for
    the status bar; ``recordRequested(kind, id)``: open a record."""

    settled = Signal()
    reported = Signal(str)
    recordRequested = Signal(str, str)

    def __init__(self, store: LocalStore, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("calendarPage")
        self.store = store
        self.runner = runner
        self.tz: dt.tzinfo = layout.local_zone()
        self.mode = "week"
        self.anchor = dt.date.today()
        self.owners: list[str] | None = None
        self.events: list[Event] = []
        self._me_known = False
        self._task: Task | None = None
        self._scrolled = False
        self._writes_seen = store.writes
        self._build()
        who = runner.submit(agenda_ops.who_am_i, store)
        who.finished.connect(self._set_me)
        who.failed.connect(lambda _exc: self.settled.emit())
        runner.busyChanged.connect(self._after_jobs)

    # -- building -----------------------------------------------------------------------------------------

    def _build(self) -> None:
        header = named(QFrame(), "sectionHeader")
        bar = QHBoxLayout(header)
        bar.setContentsMargins(20, 14, 20, 14)
        titles = QVBoxLayout()
        titles.setSpacing(0)
        titles.addWidget(named(QLabel("Calendar"), "sectionTitle"))
        self.range_label = named(QLabel(), "sectionCount")
        titles.addWidget(self.range_label)
        bar.addLayout(titles)
        bar.addSpacing(24)
        self.today_button = named(QToolButton(), "repsButton")
        self.today_button.setText("Today")
        self.today_button.setToolTip("Go to today (Home)")
        self.today_button.clicked.connect(self.go_today)
        self.prev_button = named(QToolButton(), "repsButton")
        self.prev_button.setArrowType(Qt.ArrowType.LeftArrow)
        self.prev_button.clicked.connect(lambda: self.step(-1))
        self.next_button = named(QToolButton(), "repsButton")
        self.next_button.setArrowType(Qt.ArrowType.RightArrow)
        self.next_button.clicked.connect(lambda: self.step(1))
        for button in (self.today_button, self.prev_button, self.next_button):
            bar.addWidget(button)
        bar.addStretch(1)
        self.mode_group = QButtonGroup(self)
        self.mode_buttons: dict[str, QToolButton] = {}
        for mode, text, key in (("day", "Day", "D"), ("week", "Week", "W")):
            button = named(QToolButton(), "kindButton")
            button.setText(text)
            button.setCheckable(True)
            button.setToolTip(f"{text} view ({key})")
            button.clicked.connect(lambda _checked=False, m=mode: self.set_mode(m))
            self.mode_group.addButton(button)
            self.mode_buttons[mode] = button
            bar.addWidget(button)
        self.mode_buttons[self.mode].setChecked(True)
        bar.addSpacing(12)
        self.refresh_button = QPushButton(icon("sync"), "Refresh")
        self.refresh_button.clicked.connect(lambda _checked=False: self.reload())
        bar.addWidget(self.refresh_button)

        self.day_header = DayHeader()
        self.grid = CalendarGrid()
        self.grid.moveRequested.connect(self.reschedule)
        self.grid.openRequested.connect(self.open_activity)
        self.grid.selectionChanged.connect(self._show_event)
        self.scroller = named(QScrollArea(), "calendarScroll")
        self.scroller.setWidget(self.grid)
        self.scroller.setWidgetResizable(True)
        self.scroller.setFrameShape(QFrame.Shape.NoFrame)
        self.scroller.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroller.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        self.scroller.viewport().installEventFilter(self)
        calendar = QWidget()
        column = QVBoxLayout(calendar)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.day_header)
        column.addWidget(self.scroller, 1)

        splitter = named(QSplitter(Qt.Orientation.Horizontal), "sectionSplitter")
        splitter.addWidget(calendar)
        splitter.addWidget(self._build_detail())
        splitter.setStretchFactor(0, 4)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([1000, 300])
        splitter.setChildrenCollapsible(False)
        layout_ = QVBoxLayout(self)
        layout_.setContentsMargins(0, 0, 0, 0)
        layout_.setSpacing(0)
        layout_.addWidget(header)
        layout_.addWidget(splitter, 1)

        for keys, slot in (
            ("PgUp", lambda: self.step(-1)),
            ("PgDown", lambda: self.step(1)),
            ("Home", self.go_today),
            ("D", lambda: self.set_mode("day")),
            ("W", lambda: self.set_mode("week")),
        ):
            action = QAction(self)
            action.setShortcut(QKeySequence(keys))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.triggered.connect(lambda _checked=False, s=slot: s())
            self.addAction(action)
        self._label_steps()

    def _build_detail(self) -> QWidget:
        pane = named(QFrame(), "agendaDetail")
        pane.setMinimumWidth(290)
        pane.setMaximumWidth(380)
        box = QVBoxLayout(pane)
        box.setContentsMargins(18, 18, 18, 16)
        box.setSpacing(6)
        self.detail_kind = named(QLabel(), "formSection")
        self.detail_title = named(QLabel(), "formTitle")
        self.detail_title.setWordWrap(True)
        self.detail_meta = named(QLabel(), "agendaMeta")
        self.detail_meta.setWordWrap(True)
        self.detail_meta.setTextFormat(Qt.TextFormat.RichText)
        for widget in (self.detail_kind, self.detail_title, self.detail_meta):
            box.addWidget(widget)
        buttons = QHBoxLayout()
        self.open_button = named(QPushButton(icon("task", "#ffffff"), "Log outcome"), "primaryButton")
        self.open_button.clicked.connect(self._open_selected)
        self.record_button = QPushButton("Open record")
        self.record_button.clicked.connect(lambda: self._open_record(self.grid.selected_event()))
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.record_button)
        buttons.addStretch(1)
        box.addSpacing(6)
        box.addLayout(buttons)
        box.addSpacing(14)
        self.legend = named(QLabel(), "agendaMeta")
        self.legend.setWordWrap(True)
        self.legend.setText(_legend_html())
        box.addStretch(1)
        box.addWidget(self.legend)
        self._show_event(None)
        return pane

    # -- who, when ----------------------------------------------------------------------------------------

    def _set_me(self, me: object) -> None:
        assert isinstance(me, agenda_ops.Me)
        self.owners = [me.user_id] if me.user_id else None
        self._me_known = True
        self.reload()

    def days(self) -> list[dt.date]:
        if self.mode == "day":
            return [self.anchor]
        return layout.days_from(layout.week_start(self.anchor), 7)

    def set_mode(self, mode: str) -> None:
        if mode == self.mode:
            return
        self.mode = mode
        self.mode_buttons[mode].setChecked(True)
        selected = self.grid.selected_event()
        if mode == "day" and selected is not None:
            self.anchor = selected.start.astimezone(self.tz).date()
        self._label_steps()
        self.reload()

    def step(self, direction: int) -> None:
        self.anchor += dt.timedelta(days=direction * (1 if self.mode == "day" else 7))
        self.reload()

    def go_today(self) -> None:
        self.anchor = dt.date.today()
        self.reload()

    def _label_steps(self) -> None:
        unit = "day" if self.mode == "day" else "week"
        self.prev_button.setToolTip(f"Previous {unit} (PgUp)")
        self.next_button.setToolTip(f"Next {unit} (PgDown)")
        self.prev_button.setAccessibleName(f"Previous {unit}")
        self.next_button.setAccessibleName(f"Next {unit}")

    # -- loading ------------------------------------------------------------------------------------------

    def page_shown(self) -> None:
        if self._me_known:
            self.reload()

    def _after_jobs(self, busy: bool) -> None:
        """A job wrote to the store (a move here, an undo, a sync): show what is there now."""
        if busy or self.store.writes == self._writes_seen:
            return
        self._writes_seen = self.store.writes
        if self._me_known and self.isVisible():
            self.reload()

    def reload(self) -> Task | None:
        if not self._me_known:
            return None
        if self._task is not None:
            self._task.discard()
        days = self.days()
        self._writes_seen = self.store.writes
        task = self.runner.submit(
            calendar_ops.load_days, self.store, self.owners, days[0], len(days), self.tz
        )
        task.finished.connect(self._fill)
        task.failed.connect(lambda exc: show_problem(self, "Calendar not loaded", exc))
        task.failed.connect(lambda _exc: self.settled.emit())
        self._task = task
        return task

    def _fill(self, loaded: object) -> None:
        assert isinstance(loaded, calendar_ops.CalendarLoad)
        self._task = None
        self.events = loaded.events
        self.grid.set_events(loaded.days, loaded.events, loaded.tz)
        counts = [0] * len(loaded.days)
        for block in self.grid.blocks:
            counts[block.day] += 1
        today = dt.datetime.now(loaded.tz).date()
        self.day_header.set_days(loaded.days, counts, today)
        self.range_label.setText(_range_text(loaded.days) + f" · {len(self.grid.blocks)} activities")
        if not self._scrolled:
            self._scrolled = True
            self.scroller.verticalScrollBar().setValue(
                int(self.grid.y_of(self.grid.ensure_visible_minutes()))
            )
        self.settled.emit()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.scroller.viewport() and event.type() == QEvent.Type.Resize:
            self.grid.set_hour_height(self.scroller.viewport().height() / FIT_HOURS)
            self.day_header.right_margin = self.scroller.verticalScrollBar().sizeHint().width()
            self.day_header.update()
        return super().eventFilter(watched, event)

    # -- moving -------------------------------------------------------------------------------------------

    def reschedule(self, activity_id: str, day: object, minutes: int) -> Task:
        assert isinstance(day, dt.date)
        start = layout.at_local(day, minutes, self.tz)
        task = self.runner.submit(calendar_ops.move_activity, self.store, activity_id, start, self.tz)
        task.finished.connect(self._moved)
        task.failed.connect(lambda exc: show_problem(self, "Not moved", exc))
        task.failed.connect(lambda _exc: self.reload())
        return task

    def _moved(self, moved: object) -> None:
        assert isinstance(moved, calendar_ops.Moved)
        self.reported.emit(moved.message(self.tz) + " Edit > Undo puts it back; it is sent at the next sync.")
        if self.mode == "day":
            self.anchor = moved.after.astimezone(self.tz).date()
        self.reload()

    # -- the selected activity ----------------------------------------------------------------------------

    def _show_event(self, event: object) -> None:
        chosen = event if isinstance(event, Event) else None
        self.open_button.setEnabled(chosen is not None and not chosen.done)
        self.record_button.setEnabled(
            chosen is not None and (chosen.account_id is not None or bool(chosen.party))
        )
        if chosen is None:
            self.detail_kind.setText("")
            self.detail_title.setText("Choose an activity")
            self.detail_meta.setText(
                "Click a block to see it here. Drag it to another time or day to reschedule it "
                "(Alt+arrows with the keyboard); double-click to log its outcome."
            )
            return
        local = chosen.start.astimezone(self.tz)
        end = chosen.end.astimezone(self.tz)
        self.detail_kind.setText(f"{chosen.kind.upper()} · {'DONE' if chosen.done else 'PLANNED'}")
        self.detail_title.setText(chosen.subject)
        lines = [
            f"<b>{local:%A} {local.day} {local:%B}</b>, "
            f"{local:%H:%M}\u2013{end:%H:%M} ({chosen.minutes} min)",
        ]
        if chosen.party:
            lines.append(escape(chosen.party))
        if chosen.done:
            lines.append(f"Outcome: {escape(chosen.outcome or 'logged')}")
        elif chosen.is_step:
            lines.append("A step of a sequence")
        self.detail_meta.setText("<br>".join(lines))
        self.grid.setAccessibleDescription(f"{chosen.subject}, {local:%A %H:%M}")

    def _open_selected(self) -> None:
        chosen = self.grid.selected_event()
        if chosen is not None:
            self.open_activity(chosen.activity_id)

    def open_activity(self, activity_id: str) -> Task | None:
        """Log the outcome of an open activity (the dialog of the Today page); a done one: its record."""
        event = next((e for e in self.events if e.activity_id == activity_id), None)
        if event is None:
            return None
        if event.done:
            self._open_record(event)
            return None
        details = agenda_ops.load_details(self.store, [activity_id])
        detail = details.get(activity_id)
        if detail is None:
            return None
        return self._log(detail)

    def _log(self, detail: Detail) -> Task | None:
        dialog = LogOutcomeDialog(detail, self)
        if not agenda_page.exec_dialog(dialog):
            return None
        outcome, notes, minutes = dialog.values()
        task = self.runner.submit(
            agenda_ops.log_outcome, self.store, detail.activity_id, outcome, notes, minutes
        )
        task.finished.connect(
            lambda _advanced: self.reported.emit(f"Logged “{outcome}” for {detail.subject}.")
        )
        task.failed.connect(lambda exc: show_problem(self, "Not logged", exc))
        return task

    def _open_record(self, event: Event | None) -> None:
        if event is None:
            return
        if event.account_id:
            self.recordRequested.emit("accounts", event.account_id)
            return
        details = agenda_ops.load_details(self.store, [event.activity_id])
        detail = details.get(event.activity_id)
        if detail is None:
            return
        for column in ("lead_id", "contact_id", "opportunity_id"):
            record_id = getattr(detail, column)
            if record_id:
                self.recordRequested.emit(
                    {"lead_id": "leads", "contact_id": "contacts", "opportunity_id": "opportunities"}[column],
                    record_id,
                )
                return


def _range_text(days: list[dt.date]) -> str:
    first, last = days[0], days[-1]
    if first == last:
        return f"{first:%A} {first.day} {first:%B %Y}"
    if first.month == last.month:
        return f"{first.day}\u2013{last.day} {last:%B %Y}"
    if first.year == last.year:
        return f"{first.day} {first:%b} \u2013 {last.day} {last:%b %Y}"
    return f"{first.day} {first:%b %Y} \u2013 {last.day} {last:%b %Y}"


def _legend_html() -> str:
    from sfa_desktop.ui.calendar_view import DONE_COLORS, KIND_COLORS

    chips = [
        f"<span style='color:{edge}'>■</span> {kind.capitalize()}"
        for kind, (_f, edge, _t) in KIND_COLORS.items()
    ]
    chips.append(f"<span style='color:{DONE_COLORS[1]}'>■</span> Done")
    rows = "".join(f"<tr><td>{chip}</td></tr>" for chip in chips)
    return f"<table cellspacing='2'>{rows}</table>"


# -- extension entry point ------------------------------------------------------------------------------


def calendar_page(window: Any) -> CalendarPage:
    page = CalendarPage(window.store, window.runner)
    page.reported.connect(window.show_message)
    page.recordRequested.connect(window.open_record)
    sync = getattr(window, "sync", None)
    if sync is not None:  # what a sync brought (it runs beside the task runner)
        sync.statusShown.connect(
            lambda status: page.page_shown() if status.state == "idle" and page.isVisible() else None
        )
    return page
