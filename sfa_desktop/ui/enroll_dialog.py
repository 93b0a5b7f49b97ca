"""Enroll in sequence…: the record on screen, or every record selected in the list, into a sequence chosen
from those meant for its kind, with a preview of the steps."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from sfa_desktop.core.records.fields import ENTITIES
from sfa_desktop.core.sequences.enrollments import TARGETS
from sfa_desktop.ops import sequences as sequence_ops
from sfa_desktop.ui.agenda_page import problem_text
from sfa_desktop.ui.tasks import Task
from sfa_desktop.ui.widgets import named


class EnrollDialog(QDialog):
    def __init__(
        self, kind: str, count: int, templates: list[sequence_ops.TemplateRow], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("enrollDialog")
        self.setWindowTitle("Enroll in sequence")
        self.setMinimumWidth(480)
        target = TARGETS[kind][1]
        self.templates = [t for t in templates if t.active and t.target in ("any", target)]
        ent = ENTITIES[kind]
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 16)
        layout.setSpacing(10)
        noun = ent.singular if count == 1 else ent.plural
        layout.addWidget(named(QLabel(f"Enroll {count} {noun} in a sequence"), "dialogTitle"))
        layout.addWidget(
            named(
                QLabel("Each gets the sequence's first step as a due activity on your agenda."),
                "dialogSubtitle",
            )
        )
        self.combo = QComboBox()
        for template in self.templates:
            self.combo.addItem(template.name, template.template_id)
        layout.addWidget(self.combo)
        self.description = named(QLabel(), "dialogSubtitle")
        self.description.setWordWrap(True)
        layout.addWidget(self.description)
        self.steps = named(QListWidget(), "stepList")
        self.steps.setFixedHeight(150)
        layout.addWidget(self.steps)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("Enroll")
        self.ok.setObjectName("primaryButton")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.combo.currentIndexChanged.connect(self._preview)
        self._preview()
        if not self.templates:
            self.description.setText(
                f"There is no active sequence for {ent.plural} yet; a manager adds them."
            )
            self.ok.setEnabled(False)

    def _preview(self) -> None:
        self.steps.clear()
        index = self.combo.currentIndex()
        if not 0 <= index < len(self.templates):
            return
        template = self.templates[index]
        self.description.setText(template.description)
        for number, step in enumerate(template.steps, start=1):
            wait = int(step.get("wait_days") or 0)
            unit = "business days" if step.get("business_days") else "days"
            when = f"after {wait} {unit}" if wait else "at once"
            self.steps.addItem(f"{number}. {step.get('title', '')}  ·  {step.get('kind', '')}, {when}")

    def choose(self, name: str) -> None:
        index = self.combo.findText(name)
        if index < 0:
            raise ValueError(f"no sequence {name!r} offered")
        self.combo.setCurrentIndex(index)

    def template_id(self) -> str | None:
        data = self.combo.currentData()
        return str(data) if data else None


def exec_dialog(dialog: EnrollDialog) -> bool:
    """Show the dialog (tests replace this to answer without a person)."""
    return dialog.exec() == QDialog.DialogCode.Accepted


def enroll_from_section(page: Any, record_id: str) -> Task:
    """The record action: enroll the records selected in the list when the record on screen is one of them,
    else the record on screen.  Returns the task listing the sequences (the dialog opens when it is done)."""
    selected = list(page.selected_ids())
    ids = selected if record_id in selected else [record_id]
    task: Task = page.runner.submit(sequence_ops.list_templates, page.store)
    task.finished.connect(lambda templates: _ask(page, ids, templates))
    return task


def _ask(page: Any, ids: list[str], templates: object) -> None:
    assert isinstance(templates, list)
    dialog = EnrollDialog(page.kind, len(ids), templates, page)
    if not exec_dialog(dialog):
        return
    template_id = dialog.template_id()
    if template_id is None:
        return
    name = dialog.combo.currentText()
    task = page.runner.submit(sequence_ops.enroll, page.store, template_id, page.kind, ids)
    task.finished.connect(lambda result: _enrolled(page, name, result))
    task.failed.connect(lambda exc: QMessageBox.warning(page, "Not enrolled", problem_text(exc)))


def _enrolled(page: Any, name: str, result: object) -> None:
    enrolled = getattr(result, "enrollment_ids", [])
    skipped = getattr(result, "skipped", [])
    ent = ENTITIES[page.kind]
    noun = ent.singular if len(enrolled) == 1 else ent.plural
    message = f"Enrolled {len(enrolled)} {noun} in “{name}”."
    if skipped:
        message += f" {len(skipped)} skipped: " + "; ".join(why for _id, why in skipped[:3]) + "."
    page.form.reported.emit(message)
    if page.form.record_id:
        page.form.show_record(page.form.record_id)  # the Sequence tab shows the new enrollment
