"""The visits block of the Today page (issue 16): how many accounts are overdue for a visit and how many
come due this week, each a link to the Accounts list filtered so, and Plan my week."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from sfa_desktop.ops import planning as plan_ops
from sfa_desktop.store.database import LocalStore
from sfa_desktop.store.filters import ColumnFilter
from sfa_desktop.ui.tasks import Task, TaskRunner
from sfa_desktop.ui.widgets import named

OVERDUE_FILTER = (ColumnFilter("visit", "is", ("overdue",)),)
DUE_FILTER = (ColumnFilter("visit", "is", ("overdue", "due")),)


class VisitsBlock(QFrame):
    """``listRequested(filters)``: show the Accounts list with these column filters; ``planRequested()``."""

    listRequested = Signal(object)
    planRequested = Signal()

    def __init__(self, store: LocalStore, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("visitsBlock")
        self.store = store
        self.runner = runner
        self._task: Task | None = None
        row = QHBoxLayout(self)
        row.setContentsMargins(20, 6, 20, 6)
        row.addWidget(named(QLabel("Visits"), "formSection"))
        self.overdue = QPushButton("… overdue")
        self.overdue.setFlat(True)
        self.overdue.setToolTip("The accounts overdue for a visit by their service level")
        self.overdue.clicked.connect(lambda _c=False: self.listRequested.emit(OVERDUE_FILTER))
        self.due = QPushButton("… due this week")
        self.due.setFlat(True)
        self.due.setToolTip("The accounts due or overdue for a visit")
        self.due.clicked.connect(lambda _c=False: self.listRequested.emit(DUE_FILTER))
        self.plan = QPushButton("Plan my week…")
        self.plan.clicked.connect(lambda _c=False: self.planRequested.emit())
        row.addWidget(self.overdue)
        row.addWidget(self.due)
        row.addStretch(1)
        row.addWidget(self.plan)

    def refresh(self) -> None:
        if self._task is not None:
            self._task.discard()
        self._task = self.runner.submit(plan_ops.visit_counts, self.store)
        self._task.finished.connect(self._show)

    def _show(self, counts: object) -> None:
        assert isinstance(counts, plan_ops.VisitCounts)
        self._task = None
        self.overdue.setText(f"{counts.overdue} overdue")
        self.due.setText(f"{counts.due_this_week} due this week")


def attach(block: VisitsBlock, window: Any) -> None:
    """Wire the block's links to the window: the Accounts list filtered, the Week plan page."""

    def show_list(filters: object) -> None:
        page = window.show_section("accounts")
        page.column_filters.set_filters(list(filters))  # type: ignore[call-overload, unused-ignore]

    block.listRequested.connect(show_list)
    block.planRequested.connect(lambda: window.show_page("weekplan"))
