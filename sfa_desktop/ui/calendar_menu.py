"""The Calendar page's context menu of an event (Open on the account's timeline, Log outcome…, the visit's
Check in / Check out / Visit report… from ``ui.visit_actions``, Move to…, Mark done), the Move to… dialog
(its time in 15-minute steps, as a drag snaps), the legends, and opening an activity on its account's
timeline."""

from __future__ import annotations

import datetime as dt
from html import escape
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QDate, QModelIndex, QPoint, QTime
from PySide6.QtWidgets import (
    QDateEdit,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QMenu,
    QTimeEdit,
    QWidget,
)

from sfa_desktop.core.calendar import layout
from sfa_desktop.core.calendar.people import Person
from sfa_desktop.ops import agenda as agenda_ops
from sfa_desktop.ui.calendar_view import DONE_COLORS, KIND_COLORS
from sfa_desktop.ui.failures import show_problem

if TYPE_CHECKING:
    from sfa_desktop.ui.tasks import Task

#: The Calendar page (``ui.calendar_page.CalendarPage``, which imports this module: named, not imported).
CalendarPage = Any


def exec_menu(menu: QMenu, where: QPoint) -> None:
    """Show an event's context menu (tests replace this to pick an action without a person)."""
    menu.exec(where)


class QuarterTimeEdit(QTimeEdit):
    """A time of day on the calendar's 15-minute grid (``layout.snap``): the arrows and the wheel move the
    minutes a quarter of an hour (the hours an hour), and a time typed is rounded to the nearest quarter."""

    def __init__(self, time: QTime, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setDisplayFormat("HH:mm")
        self.setTime(_quarter(time))
        self.editingFinished.connect(lambda: self.setTime(_quarter(self.time())))

    def minutes(self) -> int:
        """The time shown, rounded to the quarter hour, in minutes after midnight."""
        return layout.snap(self.time().hour() * 60 + self.time().minute())

    def stepBy(self, steps: int) -> None:
        if self.currentSection() != QDateTimeEdit.Section.MinuteSection:
            super().stepBy(steps)
            return
        now = self.time().hour() * 60 + self.time().minute()
        start = layout.snap(now)
        if (steps > 0 and start > now) or (steps < 0 and start < now):  # 10:07 up: 10:15 (not 10:30)
            steps -= 1 if steps > 0 else -1
        minutes = max(0, min(layout.DAY_MINUTES - layout.SNAP_MINUTES, start + steps * layout.SNAP_MINUTES))
        self.setTime(QTime(minutes // 60, minutes % 60))


def _quarter(time: QTime) -> QTime:
    minutes = layout.snap(time.hour() * 60 + time.minute())
    return QTime(minutes // 60, minutes % 60)


class MoveDialog(QDialog):
    """Move to…: a day and a time (local, in 15-minute steps), for an activity of the calendar."""

    def __init__(self, subject: str, start: dt.datetime, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("moveDialog")
        self.setWindowTitle("Move to")
        self.setMinimumWidth(340)
        form = QFormLayout(self)
        note = QLabel(f"When should “{subject}” happen?")
        note.setWordWrap(True)
        form.addRow(note)
        self.day = QDateEdit(QDate(start.year, start.month, start.day))
        self.day.setCalendarPopup(True)
        self.day.setDisplayFormat("ddd d MMM yyyy")
        self.time = QuarterTimeEdit(QTime(start.hour, start.minute))
        self.time.setToolTip("In steps of 15 minutes, as a drag snaps; a time typed is rounded")
        form.addRow("Day", self.day)
        form.addRow("Time", self.time)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Move")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def chosen(self) -> tuple[dt.date, int]:
        """The local day and the minutes after its midnight (rounded to the quarter hour)."""
        day = self.day.date()
        return dt.date(day.year(), day.month(), day.day()), self.time.minutes()


def ask_move(dialog: MoveDialog) -> tuple[dt.date, int] | None:
    """Show Move to… (tests replace this); the day and minutes chosen, None when cancelled."""
    return dialog.chosen() if dialog.exec() == QDialog.DialogCode.Accepted else None


def event_menu(page: CalendarPage, activity_id: str) -> QMenu | None:
    """The context menu of an event: Open, the visit's Check in / Check out / Visit report…, Move to…,
    Mark done (each enabled where it applies; the visit's as the pane's buttons are)."""
    event = page.event_of(activity_id)
    if event is None:
        return None
    page.grid.select(activity_id)  # the pane (and its visit bar) shows it
    movable = page.grid.movable(event)
    menu = QMenu(page)
    menu.setObjectName("calendarEventMenu")
    where = "Open on the account\u2019s timeline" if event.account_id else "Open record"
    opened = menu.addAction(where, lambda: page.open_on_timeline(event))
    opened.setEnabled(event.account_id is not None or bool(event.party))
    if not event.done and movable:
        menu.addAction("Log outcome…", lambda: page.open_activity(activity_id))
    if event.kind == "visit" and page.visit_bar.detail is not None:
        menu.addSeparator()
        bar = page.visit_bar
        for text, button, slot in (
            ("Check in", bar.checkin_button, bar.check_in),
            ("Check out", bar.checkout_button, bar.check_out),
            ("Visit report…", bar.report_button, bar.open_report),
        ):
            action = menu.addAction(text, slot)
            action.setEnabled(button.isEnabled())
    menu.addSeparator()
    move = menu.addAction("Move to…", lambda: page.move_to(activity_id))
    done = menu.addAction(
        "Mark done" if not event.is_step else "Mark done…", lambda: page.mark_done(activity_id)
    )
    why = page.grid.locked.get(activity_id)
    for action in (move, done):
        action.setEnabled(movable)
        if why is not None:
            action.setToolTip(why)
    menu.setToolTipsVisible(True)
    return menu


def move_to(page: CalendarPage, activity_id: str) -> Task | None:
    """Move to…: a day and time asked for, then the same move as a drag."""
    event = page.event_of(activity_id)
    if event is None or not page.grid.movable(event):
        return None
    chosen = ask_move(MoveDialog(event.subject, event.start.astimezone(page.tz), page))
    if chosen is None:
        return None
    task: Task = page.reschedule(activity_id, chosen[0], chosen[1])
    return task


def mark_done(page: CalendarPage, activity_id: str) -> Task | None:
    """Log it as completed; a sequence step asks its outcome (Log outcome), which says what comes next."""
    event = page.event_of(activity_id)
    if event is None or not page.grid.movable(event):
        return None
    detail = page.detail_of(event)
    if detail is None:
        return None
    if event.is_step or "completed" not in detail.outcomes:
        logged: Task | None = page.log_detail(detail)
        return logged
    task: Task = page.runner.submit(agenda_ops.log_outcome, page.store, activity_id, "completed", None, None)
    task.finished.connect(lambda _advanced: page.reported.emit(f"Marked “{event.subject}” done."))
    task.failed.connect(lambda exc: show_problem(page, "Not marked done", exc))
    return task


def legend_html() -> str:
    chips = [
        f"<span style='color:{edge}'>■</span> {kind.capitalize()}"
        for kind, (_f, edge, _t) in KIND_COLORS.items()
    ]
    chips.append(f"<span style='color:{DONE_COLORS[1]}'>■</span> Done")
    rows = "".join(f"<tr><td>{chip}</td></tr>" for chip in chips)
    return f"<table cellspacing='2'>{rows}</table>"


def people_legend_html(people: list[Person], colors: dict[str, tuple[str, str, str]]) -> str:
    chips = [
        f"<span style='color:{colors[p.user_id][1]}'>■</span> {escape(p.name)}{' (you)' if p.me else ''}"
        for p in people
    ]
    chips.append(f"<span style='color:{DONE_COLORS[1]}'>■</span> Done (greyed)")
    chips.append("<span style='color:#64748b'>┆</span> Dashed: not yours to move")
    rows = "".join(f"<tr><td>{chip}</td></tr>" for chip in chips)
    return f"<table cellspacing='2'>{rows}</table>"


def open_on_timeline(window: Any, account_id: str, activity_id: str) -> None:
    """Open the account, on its Timeline tab, with the activity selected once the timeline has loaded."""
    from sfa_desktop.ui.timeline import TimelineTab

    window.open_record("accounts", account_id)
    section = getattr(window, "sections", {}).get("accounts")
    form = getattr(section, "form", None)
    if form is None:
        return
    tab = next(
        (
            form.tabs.widget(n)
            for n in range(form.tabs.count())
            if isinstance(form.tabs.widget(n), TimelineTab)
        ),
        None,
    )
    if not isinstance(tab, TimelineTab):
        return

    def select() -> None:
        tab.loaded.disconnect(select)
        model = tab.model
        found = next(
            (
                n
                for n, item in enumerate(model.items)
                if item.kind == "activities" and item.record_id == activity_id
            ),
            None,
        )
        if found is None:
            return
        while model.rowCount() <= found and model.canFetchMore(QModelIndex()):
            model.fetchMore(QModelIndex())
        index = model.index(found, 0)
        tab.view.setCurrentIndex(index)
        tab.view.scrollTo(index)

    tab.loaded.connect(select)
    form.tabs.setCurrentWidget(tab)
