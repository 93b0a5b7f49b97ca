"""Won and lost: a small dialog that asks why, and the opportunity record's Won… and Lost… actions."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from sfa_desktop.ops import pipeline as pipeline_ops
from sfa_desktop.ui.failures import show_problem
from sfa_desktop.ui.icons import icon
from sfa_desktop.ui.widgets import named


class ReasonDialog(QDialog):
    """Asks why a deal was won or lost: usual reasons to pick from, or any text."""

    def __init__(
        self, outcome: str, name: str, suggestions: list[str], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("reasonDialog")
        self.outcome = outcome
        self.setWindowTitle("Mark won" if outcome == "won" else "Mark lost")
        self.setMinimumSize(480, 210)  # explicit: the layout never re-sends size hints while shown
        layout = QVBoxLayout(self)
        layout.setContentsMargins(22, 20, 22, 16)
        layout.setSpacing(10)
        title = named(QLabel(f"Why was “{name}” {outcome}?"), "dialogTitle")
        title.setWordWrap(True)
        layout.addWidget(title)
        hint = QLabel(
            "The reason is kept with the opportunity and shows up in the pipeline reports. "
            + (
                "The deal moves to the won stage."
                if outcome == "won"
                else "The deal moves to the lost stage."
            )
        )
        hint.setObjectName("dialogHint")
        hint.setWordWrap(True)
        layout.addWidget(hint)
        self.reason = named(QComboBox(), "reasonBox")
        self.reason.setEditable(True)
        self.reason.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.reason.addItems(suggestions)
        self.reason.setCurrentIndex(-1)
        line = self.reason.lineEdit()
        assert line is not None
        line.setPlaceholderText("Pick a reason or type your own")
        line.setMaxLength(200)
        layout.addWidget(self.reason)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.ok = self.buttons.addButton(
            "Mark won" if outcome == "won" else "Mark lost", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.ok.setObjectName("primaryButton" if outcome == "won" else "dangerButton")
        self.ok.setIcon(icon(outcome, "#ffffff" if outcome == "won" else "#b91c1c"))
        self.ok.setDefault(True)
        self.ok.setEnabled(False)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.reason.editTextChanged.connect(lambda text: self.ok.setEnabled(bool(text.strip())))
        self.reason.setFocus(Qt.FocusReason.OtherFocusReason)

    def text(self) -> str:
        return self.reason.currentText().strip()


def ask_reason(parent: QWidget, outcome: str, name: str, suggestions: list[str]) -> str | None:
    """The reason typed or picked, or None when cancelled (tests replace this to answer without a dialog)."""
    dialog = ReasonDialog(outcome, name, suggestions, parent)
    return dialog.text() if dialog.exec() == QDialog.DialogCode.Accepted and dialog.text() else None


def store_and_runner(page: Any) -> tuple[Any, Any]:
    """The store and task runner a record action works with: the main window's (a section page on its
    own, as in tests, has its form's)."""
    window = page.window()
    if hasattr(window, "store") and hasattr(window, "runner"):
        return window.store, window.runner
    return page.form._store, page.form._runner


def _close(page: Any, record_id: str, outcome: str) -> None:
    """Ask why, mark the opportunity, and show the result in the record section."""
    store, runner = store_and_runner(page)

    def ask(suggestions: object) -> None:
        assert isinstance(suggestions, list)
        name = page.form.title.text()
        reason = ask_reason(page, outcome, name, suggestions)
        if reason is None:
            return
        task = runner.submit(pipeline_ops.close_opportunity, store, record_id, outcome, reason)
        task.finished.connect(lambda _name: done())
        task.failed.connect(lambda exc: show_problem(page, f"Not marked {outcome}", exc))

    def done() -> None:
        page.form.reported.emit(f"“{page.form.title.text()}” marked {outcome}.")
        page.form.show_record(record_id)
        page.model.reload()
        page.recordsChanged.emit()

    def start() -> None:
        runner.submit(pipeline_ops.reason_suggestions, store, outcome).finished.connect(ask)

    page.form.confirm_leave(start)  # unsaved edits first: saved or knowingly dropped


def mark_won(page: Any, record_id: str) -> None:
    _close(page, record_id, "won")


def mark_lost(page: Any, record_id: str) -> None:
    _close(page, record_id, "lost")
