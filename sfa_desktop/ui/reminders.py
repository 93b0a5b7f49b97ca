"""Reminders at due times: a system-tray notification when a step or task falls due, with snooze.

An APScheduler job wakes up at the next reminder's time (and every few minutes, to notice what a sync or
an edit brought); the check itself runs on the task runner (``agenda_ops.plan_reminders``: what is due
now, marked as reminded, and when the next one is).  Snoozing (15 minutes, 1 hour, tomorrow morning) is
kept in the local ``reminders`` table, so it survives a restart.  Without a system tray (offscreen, some
desktops) nothing is shown, but the same checks run.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Protocol

from apscheduler.schedulers.background import BackgroundScheduler
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from sfa_desktop.core.records.models import utcnow
from sfa_desktop.core.sequences.agenda import Detail
from sfa_desktop.core.sequences.reminders import SNOOZES
from sfa_desktop.ops import agenda as agenda_ops
from sfa_desktop.store.database import LocalStore
from sfa_desktop.ui.icons import icon
from sfa_desktop.ui.tasks import Task, TaskRunner

RECHECK_MINUTES = 5


class Tray(Protocol):
    def showMessage(self, title: str, message: str, *args: Any) -> None: ...

    def isVisible(self) -> bool: ...


def message_for(details: list[Detail]) -> tuple[str, str]:
    """The notification's title and text."""
    if len(details) == 1:
        d = details[0]
        who = ", ".join(p for p in (d.person, d.account) if p)
        when = d.due_at.astimezone().strftime("%H:%M")
        return f"{d.kind.capitalize()}: {d.subject}", f"{who} — due {when}" if who else f"Due {when}"
    lines = [
        f"• {d.kind.capitalize()}: {d.subject}" + (f" ({d.person})" if d.person else "") for d in details[:4]
    ]
    more = f"\n… and {len(details) - 4} more" if len(details) > 4 else ""
    return f"{len(details)} activities are due", "\n".join(lines) + more


class ReminderController(QObject):
    """``notified(list[Detail])`` after a reminder was shown (or would have been, without a tray);
    ``snoozed(datetime)`` after a snooze; ``showRequested()`` when the person clicks the notification."""

    notified = Signal(list)
    snoozed = Signal(object)
    showRequested = Signal()
    _wake = Signal()

    def __init__(
        self,
        store: LocalStore,
        runner: TaskRunner,
        parent: QObject | None = None,
        *,
        tray: Tray | None = None,
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.runner = runner
        self.owners: list[str] | None = None
        self.last: list[str] = []
        self.next_at: dt.datetime | None = None
        self.tray: Tray = tray if tray is not None else self._make_tray()
        self._scheduler: Any = None
        self._wake.connect(self.check, Qt.ConnectionType.QueuedConnection)

    def _make_tray(self) -> QSystemTrayIcon:
        tray = QSystemTrayIcon(icon("bell", "#2563eb"), self)
        tray.setToolTip("SFA Desktop reminders")
        menu = QMenu()
        show = QAction("Show Today", menu)
        show.triggered.connect(self.showRequested.emit)
        menu.addAction(show)
        menu.addSeparator()
        for label, key in SNOOZES.items():
            action = QAction(f"Snooze: {label}", menu)
            action.triggered.connect(lambda _checked=False, choice=key: self.snooze(choice))
            menu.addAction(action)
        tray.setContextMenu(menu)
        self._menu = menu
        tray.messageClicked.connect(self.showRequested.emit)
        if QSystemTrayIcon.isSystemTrayAvailable():
            tray.show()
        return tray

    # -- running ------------------------------------------------------------------------------------------

    def start(self) -> Task:
        scheduler = BackgroundScheduler(daemon=True)
        scheduler.add_job(self._wake.emit, "interval", minutes=RECHECK_MINUTES, id="recheck", coalesce=True)
        scheduler.start()
        self._scheduler = scheduler
        task = self.runner.submit(agenda_ops.who_am_i, self.store)
        task.finished.connect(self._set_me)
        return task

    def _set_me(self, me: object) -> None:
        assert isinstance(me, agenda_ops.Me)
        self.owners = [me.user_id] if me.user_id else None
        self.check()

    def stop(self) -> None:
        scheduler, self._scheduler = self._scheduler, None
        if scheduler is not None:
            scheduler.shutdown(wait=True)

    def check(self, now: dt.datetime | None = None) -> Task:
        """What is due now is reminded of; the next reminder is scheduled."""
        task = self.runner.submit(agenda_ops.plan_reminders, self.store, self.owners, now or utcnow())
        task.finished.connect(self._planned)
        return task

    def _planned(self, plan: object) -> None:
        assert isinstance(plan, agenda_ops.ReminderPlan)
        if plan.due:
            self.notify(plan.due)
        self.schedule(plan.next_at)

    def schedule(self, when: dt.datetime | None) -> None:
        self.next_at = when
        if self._scheduler is None or when is None:
            return
        self._scheduler.add_job(self._wake.emit, "date", run_date=when, id="reminder", replace_existing=True)

    def notify(self, details: list[Detail]) -> None:
        self.last = [d.activity_id for d in details]
        title, text = message_for(details)
        if self.tray.isVisible():
            self.tray.showMessage(title, text, QSystemTrayIcon.MessageIcon.Information, 15_000)
        self.notified.emit(details)

    def snooze(self, choice: str, activity_ids: list[str] | None = None) -> Task | None:
        """Remind of the last reminded activities (or these) again later: ``15m``, ``1h`` or ``tomorrow``."""
        ids = list(activity_ids if activity_ids is not None else self.last)
        if not ids:
            return None
        task = self.runner.submit(agenda_ops.snooze, self.store, ids, choice)
        task.finished.connect(self._snoozed)
        return task

    def _snoozed(self, until: object) -> None:
        self.snoozed.emit(until)
        self.check()


def install_reminders(window: Any) -> ReminderController:
    """Started with the window (see ``extensions.SERVICES``); a click on a reminder shows Today."""
    controller = ReminderController(window.store, window.runner, window)
    controller.showRequested.connect(
        lambda: (window.showNormal(), window.raise_(), window.show_page("today"))
    )
    controller.start()
    return controller
