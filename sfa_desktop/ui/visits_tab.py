"""The Visits tab of an account (issue 16): its segment, the service level that applies (and where its
visit frequency comes from), its last visit, when the next one is due and whether it is overdue."""

from __future__ import annotations

from PySide6.QtWidgets import QFormLayout, QFrame, QLabel, QVBoxLayout, QWidget

from sfa_desktop.core import service_levels
from sfa_desktop.ops import planning as plan_ops
from sfa_desktop.store.database import LocalStore
from sfa_desktop.ui.tasks import Task, TaskRunner
from sfa_desktop.ui.widgets import named

_STATE = {
    service_levels.OVERDUE: "Overdue for a visit",
    service_levels.DUE: "Due for a visit",
    service_levels.LATER: "Not due yet",
}


class VisitsTab(QWidget):
    def __init__(
        self, store: LocalStore, runner: TaskRunner, kind: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("visitsTab")
        self.store = store
        self.runner = runner
        self._task: Task | None = None
        outer = QVBoxLayout(self)
        outer.setContentsMargins(20, 16, 20, 16)
        self.state = named(QLabel("Loading…"), "formTitle")
        outer.addWidget(self.state)
        self.form_frame = QFrame()
        form = QFormLayout(self.form_frame)
        self.values: dict[str, QLabel] = {}
        for key, label in (
            ("segment", "Segment"),
            ("frequency", "Visit every"),
            ("length", "Visit length"),
            ("answer", "Answer / resolve"),
            ("last", "Last visit"),
            ("next", "Next visit due"),
            ("hours", "Visiting hours"),
        ):
            value = QLabel()
            value.setWordWrap(True)
            self.values[key] = value
            form.addRow(label, value)
        outer.addWidget(self.form_frame)
        note = named(
            QLabel("Managers set segments and service levels (Service levels page); reps plan by them."),
            "formSubtitle",
        )
        note.setWordWrap(True)
        outer.addWidget(note)
        outer.addStretch(1)

    def show_record(self, record_id: str) -> None:
        if self._task is not None:
            self._task.discard()
        self._task = self.runner.submit(plan_ops.account_visits, self.store, record_id)
        self._task.finished.connect(self._show)
        self._task.failed.connect(lambda exc: self.state.setText(f"Not shown: {exc}"))

    def clear(self) -> None:
        self.state.setText("Save the account to see its visits.")
        for value in self.values.values():
            value.clear()

    def _show(self, result: object) -> None:
        assert isinstance(result, plan_ops.AccountVisits)
        self._task = None
        due, level = result.due, result.level
        self.state.setText(_STATE.get(due.state, due.state))
        self.values["segment"].setText(
            due.segment + ("" if due.segment != "C" else " (or none: served as C)")
        )
        own = " (this account's own)" if result.own_frequency else ""
        self.values["frequency"].setText(f"{level.visit_min_days} to {level.visit_max_days} days{own}")
        self.values["length"].setText(f"{level.visit_minutes} min")
        self.values["answer"].setText(f"{level.answer_hours:g} h / {level.resolve_hours:g} h")
        self.values["last"].setText(due.last_visit.isoformat() if due.last_visit else "never")
        after = f"; overdue after {due.due_by.isoformat()}" if due.due_by else ""
        self.values["next"].setText(f"{due.due_from.isoformat()}{after}")
        self.values["hours"].setText(result.visiting_hours or "the working day")
