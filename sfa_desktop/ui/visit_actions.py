"""Check in, Check out and Visit report… under a visit on the Today page (issue 16): the row of buttons, shown
for visits only, and what they do (``ops.visits``, the Visit report dialog).  The visit's outcome is logged
by the report as the page's Log outcome does, and the page refreshes."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from sfa_desktop.core.errors import UserError
from sfa_desktop.core.sequences.agenda import Detail
from sfa_desktop.core.visits.location import LocationSource
from sfa_desktop.ops import visits
from sfa_desktop.ui.failures import show_problem
from sfa_desktop.ui.positioning import system_source
from sfa_desktop.ui.visit_report import VisitReportDialog
from sfa_desktop.ui.widgets import named


def open_report(dialog: VisitReportDialog) -> bool:
    """Show the dialog (tests replace this); True when the visit was submitted."""
    dialog.exec()
    return dialog.logged


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
        try:
            view = visits.show(self.page.store, self.detail.activity_id)
        except UserError:
            self.hide()
            return
        self.checkin_button.setEnabled(view.checkin_at is None)
        self.checkout_button.setEnabled(view.checkin_at is not None and view.checkout_at is None)
        parts = []
        if view.checkin_at is not None:
            parts.append(f"Checked in {view.checkin_at.astimezone():%H:%M}")
        if view.checkout_at is not None:
            parts.append(f"out {view.checkout_at.astimezone():%H:%M}")
        if view.submitted_at is not None:
            parts.append("report submitted")
        self.state.setText(" · ".join(parts))

    def check_in(self) -> None:
        if self.detail is None:
            return
        try:
            view = visits.check_in(self.page.store, self.detail.activity_id, self._source().last_known())
        except UserError as exc:
            show_problem(self, "Not checked in", exc)
            return
        where = " (no position from this computer)" if view.checkin_place is None else ""
        self.page.reported.emit(f"Checked in to {view.subject}{where}.")
        self._show_state()

    def check_out(self) -> None:
        if self.detail is None:
            return
        try:
            view = visits.check_out(self.page.store, self.detail.activity_id, self._source().last_known())
        except UserError as exc:
            show_problem(self, "Not checked out", exc)
            return
        self.page.reported.emit(f"Checked out of {view.subject}.")
        self._show_state()

    def open_report(self) -> None:
        if self.detail is None:
            return
        detail = self.detail
        dialog = VisitReportDialog(self.page.store, detail.activity_id, detail.outcomes, self._source(), self)
        if open_report(dialog):
            self.page.reported.emit(f"Visit report submitted; {detail.subject} logged.")
            self.page.refresh()
        elif self.detail is not None:
            self._show_state()
