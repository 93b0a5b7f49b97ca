"""The compact "Log outcome" dialog: what happened (with what it leads to), notes, how long it took.

``LogOutcomeDialog(detail)``; on OK the caller runs :func:`agenda_ops.log_outcome` with
:meth:`values`.  For a sequence step the outcomes offered are the step's, each shown with where it leads.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from sfa_desktop.core.sequences.agenda import Detail
from sfa_desktop.ui.icons import icon
from sfa_desktop.ui.widgets import named

DEFAULT_MINUTES = {"call": 10, "visit": 45, "meeting": 30, "email": 5, "task": 15}


class LogOutcomeDialog(QDialog):
    def __init__(self, detail: Detail, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.detail = detail
        self.setObjectName("logOutcomeDialog")
        self.setWindowTitle("Log outcome")
        self.setMinimumWidth(460)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 16)
        layout.setSpacing(10)
        title = named(QLabel(f"{detail.kind.capitalize()} · {detail.subject}"), "dialogTitle")
        title.setWordWrap(True)
        layout.addWidget(title)
        who = ", ".join(p for p in (detail.person, detail.account or detail.opportunity) if p)
        context = " · ".join(
            p for p in (who, f"{detail.sequence} — {detail.progress}" if detail.is_step else "") if p
        )
        if context:
            sub = named(QLabel(context), "dialogSubtitle")
            sub.setWordWrap(True)
            layout.addWidget(sub)

        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        form.setHorizontalSpacing(12)
        form.setVerticalSpacing(8)
        self.outcome = QComboBox()
        for name in detail.outcomes:
            self.outcome.addItem(name.capitalize(), name)
        self.hint = named(QLabel(), "outcomeHint")
        self.hint.setWordWrap(True)
        self.notes = QPlainTextEdit()
        self.notes.setPlaceholderText("What was said, what to remember next time…")
        self.notes.setFixedHeight(90)
        self.minutes = QSpinBox()
        self.minutes.setRange(0, 24 * 60)
        self.minutes.setSuffix(" min")
        self.minutes.setValue(DEFAULT_MINUTES.get(detail.kind, 10))
        form.addRow("Outcome", self.outcome)
        form.addRow("", self.hint)
        form.addRow("Notes", self.notes)
        form.addRow("Duration", self.minutes)
        layout.addLayout(form)

        self.problem = named(QLabel(), "dialogError")
        self.problem.setWordWrap(True)
        self.problem.hide()
        layout.addWidget(self.problem)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("Log outcome")
        self.ok.setIcon(icon("task", "#ffffff"))
        self.ok.setObjectName("primaryButton")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.outcome.currentIndexChanged.connect(self._show_hint)
        self._show_hint()
        self.outcome.setFocus()

    def _show_hint(self) -> None:
        index = self.outcome.currentIndex()
        hints = self.detail.outcome_hints
        text = f"Then: {hints[index]}." if 0 <= index < len(hints) else ""
        self.hint.setText(text)
        self.hint.setVisible(bool(text))

    def choose(self, outcome: str) -> None:
        index = self.outcome.findData(outcome)
        if index < 0:
            raise ValueError(f"{outcome!r} is not offered; offered: {self.detail.outcomes}")
        self.outcome.setCurrentIndex(index)

    def values(self) -> tuple[str, str, int | None]:
        """(outcome, notes, minutes or None)."""
        minutes = self.minutes.value()
        return str(self.outcome.currentData()), self.notes.toPlainText().strip(), minutes or None

    def show_problem(self, text: str) -> None:
        self.problem.setText(text)
        self.problem.show()
