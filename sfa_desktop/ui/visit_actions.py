"""Check in, Check out and Visit report… wherever a rep meets a visit (issue 16): one piece of code for the
Today page's row of buttons (:class:`VisitBar`), the context menus of the list of Today, of an account's
timeline (and the calendar's), and the functions behind them:

- ``check_in(parent, store, activity_id, location=None) -> VisitView | None``
- ``check_out(parent, store, activity_id, location=None) -> VisitView | None``
- ``open_visit_report(parent, store, activity_id, location=None, outcomes=None) -> bool`` (True: submitted
  and logged)
- ``add_visit_actions(menu, parent, store, activity_id, *, location=None, changed=None) -> list[QAction]``
  (``changed(message)`` after an action changed the visit)

Problems are shown over ``parent`` (``ui.failures``); ``location`` defaults to the operating system's
position source.  The visit's outcome is logged by the report as Log outcome does."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMenu, QPushButton, QVBoxLayout, QWidget

from sfa_desktop.core.errors import UserError
from sfa_desktop.core.sequences.agenda import TASK_OUTCOMES, Detail
from sfa_desktop.core.visits.location import LocationSource
from sfa_desktop.ops import agenda as agenda_ops
from sfa_desktop.ops import visits
from sfa_desktop.ops.visits import VisitView
from sfa_desktop.store.database import LocalStore
from sfa_desktop.ui.failures import show_problem
from sfa_desktop.ui.positioning import system_source
from sfa_desktop.ui.visit_report import VisitReportDialog
from sfa_desktop.ui.widgets import named


def open_report(dialog: VisitReportDialog) -> bool:
    """Show the dialog (tests replace this); True when the visit was submitted."""
    dialog.exec()
    return dialog.logged


def visit_state(store: LocalStore, activity_id: str) -> VisitView | None:
    """The visit with its on-site state; None when the activity is not a visit (or is gone)."""
    try:
        return visits.show(store, activity_id)
    except UserError:
        return None


def state_text(view: VisitView) -> str:
    """ "Checked in 09:41 · out 10:20 · report submitted" ('' before the check-in)."""
    parts = []
    if view.checkin_at is not None:
        parts.append(f"Checked in {view.checkin_at.astimezone():%H:%M}")
    if view.checkout_at is not None:
        parts.append(f"out {view.checkout_at.astimezone():%H:%M}")
    if view.submitted_at is not None:
        parts.append("report submitted")
    return " · ".join(parts)


def check_in(
    parent: QWidget, store: LocalStore, activity_id: str, location: LocationSource | None = None
) -> VisitView | None:
    """Check in to the visit now (and where the computer says it is); a problem is shown over ``parent``.
    The visit, or None when it was not checked in."""
    try:
        return visits.check_in(store, activity_id, (location or system_source()).last_known())
    except UserError as exc:
        show_problem(parent, "Not checked in", exc)
        return None


def check_out(
    parent: QWidget, store: LocalStore, activity_id: str, location: LocationSource | None = None
) -> VisitView | None:
    """Check out of the visit now; a problem is shown over ``parent``.  The visit, or None."""
    try:
        return visits.check_out(store, activity_id, (location or system_source()).last_known())
    except UserError as exc:
        show_problem(parent, "Not checked out", exc)
        return None


def open_visit_report(
    parent: QWidget,
    store: LocalStore,
    activity_id: str,
    location: LocationSource | None = None,
    outcomes: tuple[str, ...] | None = None,
) -> bool:
    """The Visit report dialog for this visit (``outcomes``: those its Submit offers; None: the activity's
    own, as the agenda shows them).  True when the report was submitted and the visit logged."""
    if outcomes is None:
        found = agenda_ops.load_details(store, [activity_id]).get(activity_id)
        outcomes = found.outcomes if found is not None else TASK_OUTCOMES
    try:
        dialog = VisitReportDialog(store, activity_id, outcomes, location or system_source(), parent)
    except UserError as exc:
        show_problem(parent, "No visit report", exc)
        return False
    return open_report(dialog)


def checked_in_message(view: VisitView) -> str:
    where = " (no position from this computer)" if view.checkin_place is None else ""
    return f"Checked in to {view.subject}{where}."


def add_visit_actions(
    menu: QMenu,
    parent: QWidget,
    store: LocalStore,
    activity_id: str,
    *,
    location: LocationSource | None = None,
    changed: Callable[[str], None] | None = None,
) -> list[QAction]:
    """Add Check in, Check out and Visit report… for this visit to a context menu (each enabled as the
    visit's state allows; nothing for an activity that is not a visit).  ``changed(message)`` runs after
    one of them changed the visit (a message for the status bar; '' when the report was closed without
    submitting: its answers or check-in may have changed).  The actions added."""
    view = visit_state(store, activity_id)
    if view is None:
        return []
    done = changed or (lambda _message: None)

    def do_check_in() -> None:
        found = check_in(parent, store, activity_id, location)
        if found is not None:
            done(checked_in_message(found))

    def do_check_out() -> None:
        found = check_out(parent, store, activity_id, location)
        if found is not None:
            done(f"Checked out of {found.subject}.")

    def do_report() -> None:
        if open_visit_report(parent, store, activity_id, location):
            done(f"Visit report submitted; {view.subject} logged.")
        else:
            done("")

    actions = [
        menu.addAction("Check in", do_check_in),
        menu.addAction("Check out", do_check_out),
        menu.addAction("Visit report…", do_report),
    ]
    actions[0].setEnabled(view.checkin_at is None)
    actions[1].setEnabled(view.checkin_at is not None and view.checkout_at is None)
    return actions


class VisitBar(QWidget):
    """The visit's buttons and its on-site state ("Checked in 09:41"), for the page's current activity."""

    def __init__(self, page: Any, location: LocationSource | None = None) -> None:
        super().__init__()
        self.page = page
        self.location = location
        self.detail: Detail | None = None
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 4, 0, 0)
        column.setSpacing(4)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        self.checkin_button = QPushButton("Check in")
        self.checkin_button.setToolTip("You are at the customer's: note the time (and place, when known)")
        self.checkin_button.clicked.connect(self.check_in)
        self.checkout_button = QPushButton("Check out")
        self.checkout_button.clicked.connect(self.check_out)
        self.report_button = QPushButton("Visit report…")
        self.report_button.setToolTip("Answer the visit's checklist, add photos, have the customer sign")
        self.report_button.clicked.connect(self.open_report)
        self.state = named(QLabel(), "agendaMeta")
        self.state.setWordWrap(True)
        for widget in (self.checkin_button, self.checkout_button, self.report_button):
            row.addWidget(widget)
        row.addStretch(1)
        column.addLayout(row)
        column.addWidget(self.state)
        self.hide()

    def _source(self) -> LocationSource:
        if self.location is None:
            self.location = system_source()
        return self.location

    def show_for(self, detail: Detail | None) -> None:
        self.detail = detail if detail is not None and detail.kind == "visit" else None
        self.setVisible(self.detail is not None)
        if self.detail is not None:
            self._show_state()

    def _show_state(self) -> None:
        assert self.detail is not None
        view = visit_state(self.page.store, self.detail.activity_id)
        if view is None:
            self.hide()
            return
        self.checkin_button.setEnabled(view.checkin_at is None)
        self.checkout_button.setEnabled(view.checkin_at is not None and view.checkout_at is None)
        self.state.setText(state_text(view))

    def check_in(self) -> None:
        if self.detail is None:
            return
        view = check_in(self, self.page.store, self.detail.activity_id, self._source())
        if view is not None:
            self.page.reported.emit(checked_in_message(view))
            self._show_state()

    def check_out(self) -> None:
        if self.detail is None:
            return
        view = check_out(self, self.page.store, self.detail.activity_id, self._source())
        if view is not None:
            self.page.reported.emit(f"Checked out of {view.subject}.")
            self._show_state()

    def open_report(self) -> None:
        if self.detail is None:
            return
        detail = self.detail
        if open_visit_report(self, self.page.store, detail.activity_id, self._source(), detail.outcomes):
            self.page.reported.emit(f"Visit report submitted; {detail.subject} logged.")
            self.page.refresh()
        elif self.detail is not None:
            self._show_state()
