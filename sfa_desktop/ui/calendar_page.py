"""The Calendar page: the agenda by day or by week, as a calendar (issue 16, item 2).

The header says which days are shown and offers the previous and next day or week, Today, Day or Week
(PgUp, PgDown, Home, D and W) and, for a manager, whose calendar: one person's week or several people's,
coloured by person (``ops.calendar.people``: the people under them and the members of their territories).
Several people's day is laid out a column per person (``day_people``; the header names each on their
colour), where a drag changes the time and never the owner.  The view chosen is remembered (the setting
``calendar_view``).  The grid (:mod:`sfa_desktop.ui.calendar_view`) shows their activities with a due
time, done ones greyed, on the planner's working week (its day, lunch and working days, read with each
load: a change of the settings shows at the next load); dragging one (or Alt+arrows, or Move to…)
reschedules it through ``ops.calendar.move_activity``: undoable with Edit > Undo, sent at the next sync.
An activity the user may not write (``core.calendar.people.refusal``) does not move; its tooltip says why.
Double-click or Enter opens the activity: Log outcome for an open one, its record for a done one;
right-click: Open on the account's timeline, Check in / Check out / Visit report for a visit
(``ui.visit_actions``), Move to…, Mark done.  The pane on the right (:mod:`sfa_desktop.ui.calendar_detail`)
shows the selected activity.  The page reloads when it comes on screen, when the application becomes
active again, and whenever a job (a move, an undo, a sync) wrote to the store.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QEvent, QObject, QPoint, Qt, Signal
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QScrollArea,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from sfa_desktop.core.calendar import layout
from sfa_desktop.core.calendar import people as calendar_people
from sfa_desktop.core.calendar.events import Event
from sfa_desktop.core.calendar.people import PERSON_COLORS, Person
from sfa_desktop.core.sequences.agenda import Detail
from sfa_desktop.ops import agenda as agenda_ops
from sfa_desktop.ops import calendar as calendar_ops
from sfa_desktop.ops import settings as settings_ops
from sfa_desktop.store.database import LocalStore
from sfa_desktop.ui import agenda_page, calendar_menu
from sfa_desktop.ui.calendar_detail import EventPane
from sfa_desktop.ui.calendar_header import DayHeader
from sfa_desktop.ui.calendar_view import CalendarGrid
from sfa_desktop.ui.failures import show_problem
from sfa_desktop.ui.icons import icon
from sfa_desktop.ui.log_outcome import LogOutcomeDialog
from sfa_desktop.ui.tasks import Task, TaskRunner
from sfa_desktop.ui.widgets import named

#: Hours the grid fits in its height beyond the working day (half an hour before it and after it).
FIT_MARGIN_HOURS = 1.0
#: The fewest hours the grid fits in its height (a short working day does not make hours huge).
FIT_MIN_HOURS = 8.0


class CalendarPage(QWidget):
    """``settled()``: the page shows what it will show (after each load); ``reported(str)``: a message for
    the status bar; ``recordRequested(kind, id)``: open a record."""

    settled = Signal()
    reported = Signal(str)
    recordRequested = Signal(str, str)
    #: (account id, activity id): the activity on its account's timeline
    activityRequested = Signal(str, str)

    def __init__(self, store: LocalStore, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("calendarPage")
        self.store = store
        self.runner = runner
        self.tz: dt.tzinfo = layout.local_zone()
        #: "day" or "week", as last chosen (the setting ``calendar_view``).
        self.mode = settings_ops.get(store, "calendar_view")
        self.anchor = dt.date.today()
        self.owners: list[str] | None = None
        #: Whose calendar the user may show (themselves first); empty when never connected.
        self.people: list[Person] = []
        self.events: list[Event] = []
        self._me_known = False
        self._task: Task | None = None
        self._scrolled = False
        self._writes_seen = store.writes
        self._build()
        who = runner.submit(calendar_ops.people, store)
        who.finished.connect(self._set_people)
        who.failed.connect(lambda _exc: self.settled.emit())
        runner.busyChanged.connect(self._after_jobs)
        application = QGuiApplication.instance()
        if isinstance(application, QGuiApplication):  # the settings may have changed meanwhile (sfa settings)
            application.applicationStateChanged.connect(self._application_state)

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
        bar.addSpacing(12)
        self.people_button = named(QToolButton(), "repsButton")
        self.people_button.setText("People")
        self.people_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.people_button.setToolTip("Whose calendar: one person's week, or several people's by colour")
        self.people_menu = QMenu(self.people_button)
        self.people_button.setMenu(self.people_menu)
        self.people_button.hide()
        bar.addWidget(self.people_button)
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
        self.grid.menuRequested.connect(self.show_menu)
        self.grid.selectionChanged.connect(self._show_event)
        self.grid.hinted.connect(self.reported)
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
        pane = self.detail = EventPane(self)
        self.detail_kind, self.detail_title, self.detail_meta = pane.kind, pane.title, pane.meta
        self.open_button, self.record_button = pane.open_button, pane.record_button
        self.visit_bar, self.legend = pane.visit_bar, pane.legend
        self.open_button.clicked.connect(self._open_selected)
        self.record_button.clicked.connect(lambda: self._open_record(self.grid.selected_event()))
        self._show_event(None)
        return pane

    # -- who, when ----------------------------------------------------------------------------------------

    def _set_people(self, found: object) -> None:
        assert isinstance(found, calendar_ops.People)
        self.people = found.people
        self.owners = [found.me] if found.me else None
        if len(self.people) > 1:  # a manager plans with the team: everyone's week first
            self.owners = [p.user_id for p in self.people]
        self.people_menu.clear()
        if len(self.people) > 1:
            everyone = QAction("Everyone", self.people_menu)
            everyone.triggered.connect(
                lambda _checked=False: self.choose_people([p.user_id for p in self.people])
            )
            self.people_menu.addAction(everyone)
            self.people_menu.addSeparator()
            for person in self.people:
                action = QAction(person.name + (" (you)" if person.me else ""), self.people_menu)
                action.setCheckable(True)
                action.setChecked(person.user_id in (self.owners or ()))
                action.setData(person.user_id)
                action.toggled.connect(lambda _on: self._people_changed())
                self.people_menu.addAction(action)
            self.people_button.show()
        self._label_people()
        self._me_known = True
        self.reload()

    def _person_actions(self) -> list[QAction]:
        return [a for a in self.people_menu.actions() if a.isCheckable()]

    def choose_people(self, user_ids: list[str]) -> None:
        """Show these people's calendars (the others' are unticked)."""
        for action in self._person_actions():
            action.blockSignals(True)
            action.setChecked(action.data() in user_ids)
            action.blockSignals(False)
        self._people_changed()

    def _people_changed(self) -> None:
        chosen = [a.data() for a in self._person_actions() if a.isChecked()]
        if not chosen and self.people:  # nobody is nobody's calendar: back to the user's own
            me = next(p.user_id for p in self.people if p.me)
            for action in self._person_actions():
                if action.data() == me:
                    action.blockSignals(True)
                    action.setChecked(True)
                    action.blockSignals(False)
            chosen = [me]
        self.owners = chosen
        self._label_people()
        self.reload()

    def several(self) -> bool:
        return self.owners is not None and len(self.owners) > 1

    def person_colors(self) -> dict[str, tuple[str, str, str]]:
        """owner id -> colours, by each person's place in the list (a person keeps theirs as others come
        and go)."""
        return {p.user_id: PERSON_COLORS[n % len(PERSON_COLORS)] for n, p in enumerate(self.people)}

    def _label_people(self) -> None:
        chosen = [p for p in self.people if self.owners and p.user_id in self.owners]
        if len(chosen) == len(self.people) and len(chosen) > 2:
            text = "Everyone"
        elif len(chosen) == 1:
            text = "Me" if chosen[0].me else chosen[0].name
        else:
            text = ", ".join(p.name.split()[0] if p.name else p.login for p in chosen)
        self.people_button.setText(f"Calendar of: {text}")
        colors = self.person_colors() if self.several() else {}
        self.grid.colour_by({p.user_id: colors[p.user_id] for p in chosen} if colors else {})
        self.legend.setText(
            calendar_menu.people_legend_html(chosen, colors) if colors else calendar_menu.legend_html()
        )

    def day_people(self) -> list[tuple[str, str]]:
        """(user id, name) of each person shown when the day is shown by person (several people's day);
        empty otherwise (a column per day)."""
        if self.mode != "day" or not self.several():
            return []
        return [(p.user_id, p.name or p.login) for p in self.people if p.user_id in (self.owners or ())]

    def days(self) -> list[dt.date]:
        if self.mode == "day":
            return [self.anchor]
        return layout.days_from(layout.week_start(self.anchor), 7)

    def set_mode(self, mode: str) -> None:
        if mode == self.mode:
            return
        self.mode = mode
        self.mode_buttons[mode].setChecked(True)
        settings_ops.put(self.store, {"calendar_view": mode})  # the next start opens on the same view
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

    def refresh(self) -> None:
        """Show what is there now (after a visit report, say)."""
        self.page_shown()

    def _application_state(self, state: Qt.ApplicationState) -> None:
        if state == Qt.ApplicationState.ApplicationActive and self._me_known and self.isVisible():
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
        new_hours = loaded.hours != self.grid.hours
        self.grid.set_hours(loaded.hours)
        self._fit()
        people = self.day_people()
        self.grid.set_events(loaded.days, loaded.events, loaded.tz, loaded.locked, people)
        counts = [0] * len(self.grid.lanes)
        for block in self.grid.blocks:
            counts[block.day] += 1
        today = dt.datetime.now(loaded.tz).date()
        summary = _range_text(loaded.days) + f" · {len(self.grid.blocks)} activities"
        if people:
            colors = self.person_colors()
            me = {p.user_id for p in self.people if p.me}
            names = [(name + (" (you)" if uid in me else ""), colors[uid][1]) for uid, name in people]
            self.day_header.set_people(loaded.days[0], names, counts, self.grid.shares)
            summary += f" · {len(people)} people"
        else:
            self.day_header.set_days(loaded.days, counts, today)
        self.range_label.setText(summary)
        if self.grid.selected is None:  # what the pane says to do depends on the columns
            self._show_event(None)
        if not self._scrolled or new_hours:  # opens on the working day (again when it changed)
            self._scrolled = True
            self.scroller.verticalScrollBar().setValue(  # the first hour's label shows whole
                max(0, int(self.grid.y_of(self.grid.ensure_visible_minutes())) - 10)
            )
        self.settled.emit()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.scroller.viewport() and event.type() == QEvent.Type.Resize:
            self._fit()
            self.day_header.right_margin = self.scroller.verticalScrollBar().sizeHint().width()
            self.day_header.update()
        return super().eventFilter(watched, event)

    def _fit(self) -> None:
        """Hours as tall as fits the working day (and half an hour around it) in the visible height."""
        hours = self.grid.hours
        span = max(FIT_MIN_HOURS, (hours.day_end - hours.day_start) / 60 + FIT_MARGIN_HOURS)
        height = self.scroller.viewport().height() / span
        if abs(height - self.grid.hour_height) < 0.5:
            return
        bar = self.scroller.verticalScrollBar()
        top = self.grid.minutes_at(bar.value())  # the same time stays at the top
        self.grid.set_hour_height(height)
        bar.setRange(0, max(0, self.grid.height() - self.scroller.viewport().height()))  # before the layout
        bar.setValue(int(self.grid.y_of(top)))

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
        if chosen is None:
            self.detail.show_event(None, self.tz, by_person=self.grid.by_person())
            return
        why = self.grid.locked.get(chosen.activity_id)
        # a visit's Check in, Check out, Visit report…; not on someone's visit the user may not write
        on_site = chosen.kind == "visit" and why in (None, calendar_people.DONE)
        owner = next((p for p in self.people if p.user_id == chosen.owner_id), None)
        self.detail.show_event(
            chosen,
            self.tz,
            movable=self.grid.movable(chosen),
            why=why,
            owner=owner.name if owner is not None and not owner.me else None,
            visit=self.detail_of(chosen) if on_site else None,
        )
        local = chosen.start.astimezone(self.tz)
        self.grid.setAccessibleDescription(f"{chosen.subject}, {local:%A %H:%M}")

    def _open_selected(self) -> None:
        chosen = self.grid.selected_event()
        if chosen is not None:
            self.open_activity(chosen.activity_id)

    def detail_of(self, event: Event) -> Detail | None:
        return agenda_ops.load_details(self.store, [event.activity_id]).get(event.activity_id)

    # -- the context menu ---------------------------------------------------------------------------------

    def event_menu(self, activity_id: str) -> QMenu | None:
        """The context menu of an event (:func:`calendar_menu.event_menu`)."""
        return calendar_menu.event_menu(self, activity_id)

    def show_menu(self, activity_id: str, where: QPoint) -> None:
        menu = self.event_menu(activity_id)
        if menu is not None:
            calendar_menu.exec_menu(menu, where)
            menu.deleteLater()

    def open_on_timeline(self, event: Event) -> None:
        """The activity on its account's timeline (the record's, for one without an account)."""
        if event.account_id:
            self.activityRequested.emit(event.account_id, event.activity_id)
        else:
            self._open_record(event)

    def move_to(self, activity_id: str) -> Task | None:
        return calendar_menu.move_to(self, activity_id)

    def mark_done(self, activity_id: str) -> Task | None:
        return calendar_menu.mark_done(self, activity_id)

    def event_of(self, activity_id: str) -> Event | None:
        return next((e for e in self.events if e.activity_id == activity_id), None)

    def open_activity(self, activity_id: str) -> Task | None:
        """Log the outcome of an open activity (the dialog of the Today page); a done one: its record."""
        event = self.event_of(activity_id)
        if event is None:
            return None
        if event.done:
            self._open_record(event)
            return None
        details = agenda_ops.load_details(self.store, [activity_id])
        detail = details.get(activity_id)
        if detail is None:
            return None
        return self.log_detail(detail)

    def log_detail(self, detail: Detail) -> Task | None:
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


# -- extension entry point ------------------------------------------------------------------------------


def calendar_page(window: Any) -> CalendarPage:
    page = CalendarPage(window.store, window.runner)
    page.reported.connect(window.show_message)
    page.recordRequested.connect(window.open_record)
    page.activityRequested.connect(
        lambda account_id, activity_id: calendar_menu.open_on_timeline(window, account_id, activity_id)
    )
    sync = getattr(window, "sync", None)
    if sync is not None:  # what a sync brought (it runs beside the task runner)
        sync.statusShown.connect(
            lambda status: page.page_shown() if status.state == "idle" and page.isVisible() else None
        )
    return page
