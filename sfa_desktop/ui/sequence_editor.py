"""Tools > Sequences…: the sequence templates, edited by managers and administrators, read by reps.

A template is saved only when :func:`core.sequences.validate` accepts it (the check the import and the
services use); otherwise the message names the step at fault and that step is selected.  Saving writes
through the services on the task runner; the template reaches every laptop at the next sync.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from sfa_desktop.core.records.fields import SEQUENCE_TARGETS
from sfa_desktop.core.sequences import templates as sequences
from sfa_desktop.ops import agenda as agenda_ops
from sfa_desktop.ops import sequences as sequence_ops
from sfa_desktop.store.database import LocalStore
from sfa_desktop.ui import template_panes
from sfa_desktop.ui.agenda_page import problem_text
from sfa_desktop.ui.icons import icon
from sfa_desktop.ui.step_editor import StepEditor
from sfa_desktop.ui.tasks import Task, TaskRunner
from sfa_desktop.ui.widgets import named

NEW_STEP: dict[str, Any] = {
    "key": "",
    "kind": "call",
    "title": "",
    "wait_days": 0,
    "business_days": True,
    "instructions": "",
    "article_ids": [],
    "outcomes": {"completed": {"next": True}},
}


def _slug(title: str, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "_", title.lower()).strip("_")[:34] or "step"
    key, number = base, 2
    while key in taken:
        key, number = f"{base}_{number}", number + 1
    return key


class SequencesDialog(QDialog):
    """``saved(id)`` after a template was saved; ``loaded()`` when the list is on screen."""

    saved = Signal(str)
    loaded = Signal()

    def __init__(self, store: LocalStore, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sequencesDialog")
        self.setWindowTitle("Sequences")
        self.resize(1320, 800)
        self.setMinimumSize(1100, 640)  # fixed bounds: no size hints sent to the window system as it fills
        self.store = store
        self.runner = runner
        self.templates: list[sequence_ops.TemplateRow] = []
        self.template_id: str | None = None
        self.steps: list[dict[str, Any]] = []
        self.step_index = -1
        self.editable = False
        self._build()
        self.runner.submit(agenda_ops.who_am_i, store).finished.connect(self._set_me)
        self.runner.submit(sequence_ops.articles, store).finished.connect(
            lambda found: self.step_editor.set_articles(found if isinstance(found, list) else [])
        )
        self.reload()

    # -- building -----------------------------------------------------------------------------------------

    def _build(self) -> None:
        left, self.template_list, self.new_button = template_panes.template_column(
            "Sequences", "New sequence"
        )
        self.template_list.currentRowChanged.connect(self._template_chosen)
        self.new_button.clicked.connect(self.new_template)
        right, body, self.note = template_panes.detail_column()
        form = QFormLayout()
        form.setHorizontalSpacing(12)
        self.name = QLineEdit()
        self.name.setMaxLength(200)
        self.target = QComboBox()
        for target in SEQUENCE_TARGETS:
            self.target.addItem("Anything" if target == "any" else f"{target.capitalize()}s", target)
        self.active = QCheckBox("Active (offered for new enrollments)")
        self.description = QPlainTextEdit()
        self.description.setFixedHeight(52)
        row = QHBoxLayout()
        row.addWidget(self.name, 1)
        row.addWidget(QLabel("For"))
        row.addWidget(self.target)
        row.addWidget(self.active)
        form.addRow("Name", row)
        form.addRow("Description", self.description)
        body.addLayout(form)

        steps_box = QSplitter(Qt.Orientation.Horizontal)
        step_column = QWidget()
        steps_layout = QVBoxLayout(step_column)
        steps_layout.setContentsMargins(0, 0, 0, 0)
        steps_layout.addWidget(named(QLabel("STEPS"), "formSection"))
        self.step_list = named(QListWidget(), "stepList")
        self.step_list.currentRowChanged.connect(self._step_chosen)
        steps_layout.addWidget(self.step_list, 1)
        buttons = QHBoxLayout()
        self.add_step_button = QPushButton(icon("add"), "Step")
        self.add_step_button.clicked.connect(self.add_step)
        self.remove_step_button = QPushButton(icon("delete"), "")
        self.remove_step_button.setToolTip("Remove the step")
        self.remove_step_button.clicked.connect(self.remove_step)
        self.up_button = QPushButton("↑")
        self.up_button.setToolTip("Move the step up")
        self.up_button.clicked.connect(lambda: self.move_step(-1))
        self.down_button = QPushButton("↓")
        self.down_button.setToolTip("Move the step down")
        self.down_button.clicked.connect(lambda: self.move_step(1))
        for button in (self.add_step_button, self.remove_step_button, self.up_button, self.down_button):
            buttons.addWidget(button)
        steps_layout.addLayout(buttons)
        self.step_editor = StepEditor()
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(self.step_editor)
        steps_box.addWidget(step_column)
        steps_box.addWidget(scroll)
        steps_box.setSizes([185, 760])
        body.addWidget(steps_box, 1)

        self.error, self.status, self.close_button, self.save_button = template_panes.editor_footer(
            body, "Save the sequence (Ctrl+S); laptops get it at their next sync"
        )
        self.close_button.clicked.connect(self.accept)
        self.save_button.clicked.connect(self.save)
        template_panes.side_by_side(self, left, right, [230, 950])
        self._set_editable(False)

    def _set_me(self, me: object) -> None:
        assert isinstance(me, agenda_ops.Me)
        self._set_editable(me.edits_templates)
        if not me.edits_templates:
            self.note.setText(
                "Sequences are defined by managers and administrators; you can read them here. "
                "Enroll your leads and contacts from their record (Enroll in sequence…)."
            )
            self.note.show()

    def _set_editable(self, editable: bool) -> None:
        self.editable = editable
        for widget in (
            self.name, self.target, self.active, self.description, self.step_editor, self.new_button,
            self.add_step_button, self.remove_step_button, self.up_button, self.down_button,
        ):  # fmt: skip
            widget.setEnabled(editable)
        self.save_button.setVisible(editable)

    # -- templates ----------------------------------------------------------------------------------------

    def reload(self, select: str | None = None) -> Task:
        task = self.runner.submit(sequence_ops.list_templates, self.store)
        task.finished.connect(lambda rows: self._fill(rows, select or self.template_id))
        return task

    def _fill(self, rows: object, select: str | None) -> None:
        assert isinstance(rows, list)
        self.templates = rows
        self.template_list.blockSignals(True)
        self.template_list.clear()
        for row in rows:
            state = "" if row.active else " (inactive)"
            self.template_list.addItem(f"{row.name}{state}\n{len(row.steps)} steps · {row.enrolled} enrolled")
        self.template_list.blockSignals(False)
        index = next((n for n, r in enumerate(rows) if r.template_id == select), 0 if rows else -1)
        if index >= 0:
            self.template_list.setCurrentRow(index)
            self._template_chosen(index)
        else:
            self.new_template()
        self.loaded.emit()

    def _template_chosen(self, index: int) -> None:
        if not 0 <= index < len(self.templates):
            return
        row = self.templates[index]
        self.template_id = row.template_id
        self.name.setText(row.name)
        self.target.setCurrentIndex(max(self.target.findData(row.target), 0))
        self.active.setChecked(row.active)
        self.description.setPlainText(row.description)
        self._load_steps(copy.deepcopy(row.steps))
        self.status.setText(f"{row.enrolled} active enrollments")

    def new_template(self) -> None:
        self.template_id = None
        self.template_list.clearSelection()
        self.name.setText("")
        self.target.setCurrentIndex(self.target.findData("lead"))
        self.active.setChecked(True)
        self.description.setPlainText("")
        self._load_steps([{**copy.deepcopy(NEW_STEP), "key": "first_call", "title": "First call"}])
        self.status.setText("New sequence: not saved yet")
        self.name.setFocus()

    # -- steps --------------------------------------------------------------------------------------------

    def _load_steps(self, steps: list[dict[str, Any]]) -> None:
        self.steps = steps
        self.step_index = -1
        self._show_steps(0 if steps else -1)
        self.error.hide()

    def _show_steps(self, select: int) -> None:
        self.step_list.blockSignals(True)
        self.step_list.clear()
        for number, step in enumerate(self.steps, start=1):
            wait = int(step.get("wait_days") or 0)
            when = (
                f"after {wait} {'business ' if step.get('business_days') else ''}days" if wait else "at once"
            )
            self.step_list.addItem(
                f"{number}. {step.get('title') or '(no title)'}\n{step.get('kind', '')} · {when}"
            )
        self.step_list.blockSignals(False)
        self.step_editor.set_keys([str(s.get("key") or "") for s in self.steps])
        if 0 <= select < len(self.steps):
            self.step_list.setCurrentRow(select)
            self._step_chosen(select, commit=False)

    def commit_step(self) -> None:
        """Take what the step editor shows back into the step list."""
        if 0 <= self.step_index < len(self.steps):
            self.steps[self.step_index] = self.step_editor.step()

    def _step_chosen(self, index: int, commit: bool = True) -> None:
        if commit:
            self.commit_step()
        self.step_index = index
        if 0 <= index < len(self.steps):
            self.step_editor.load(self.steps[index])
            if not self.editable:  # a reader sees the script as it reads
                self.step_editor.script_tabs.setCurrentIndex(1)

    def add_step(self) -> None:
        self.commit_step()
        taken = {str(s.get("key")) for s in self.steps}
        title = f"Step {len(self.steps) + 1}"
        self.steps.append({**copy.deepcopy(NEW_STEP), "key": _slug(title, taken), "title": title})
        if len(self.steps) > 1:  # reachable: the step before goes on to it
            previous = self.steps[-2].setdefault("outcomes", {})
            if not any("next" in r or "goto" in r for r in previous.values() if isinstance(r, dict)):
                previous["completed"] = {"next": True}
        self.step_index = -1
        self._show_steps(len(self.steps) - 1)

    def remove_step(self) -> None:
        if not 0 <= self.step_index < len(self.steps) or len(self.steps) == 1:
            return
        del self.steps[self.step_index]
        index = min(self.step_index, len(self.steps) - 1)
        self.step_index = -1
        self._show_steps(index)

    def move_step(self, delta: int) -> None:
        self.commit_step()
        index, target = self.step_index, self.step_index + delta
        if not (0 <= index < len(self.steps) and 0 <= target < len(self.steps)):
            return
        self.steps[index], self.steps[target] = self.steps[target], self.steps[index]
        self.step_index = -1
        self._show_steps(target)

    # -- saving -------------------------------------------------------------------------------------------

    def values(self) -> dict[str, Any]:
        self.commit_step()
        return {
            "name": self.name.text().strip(),
            "target": self.target.currentData(),
            "active": self.active.isChecked(),
            "description": self.description.toPlainText().strip() or None,
            "steps": copy.deepcopy(self.steps),
        }

    def save(self) -> Task | None:
        values = self.values()
        if not values["name"]:
            self.show_error("Give the sequence a name.")
            return None
        try:
            sequences.validate(values["steps"])
        except sequences.TemplateError as exc:
            self.show_error(exc.message, exc.step)
            return None
        self.error.hide()
        self.save_button.setEnabled(False)
        task = self.runner.submit(sequence_ops.save_template, self.store, self.template_id, values)
        task.finished.connect(self._saved)
        task.failed.connect(self._save_failed)
        return task

    def show_error(self, message: str, step: str | None = None) -> None:
        self.error.setText(f"Not saved: {message}")
        self.error.show()
        index = next((n for n, s in enumerate(self.steps) if s.get("key") == step), None)
        if index is not None:
            self.step_list.setCurrentRow(index)

    def _saved(self, template_id: object) -> None:
        assert isinstance(template_id, str)
        self.save_button.setEnabled(True)
        self.template_id = template_id
        self.status.setText("Saved. Laptops get it at their next sync.")
        self.saved.emit(template_id)
        self.reload(template_id)

    def _save_failed(self, exc: object) -> None:
        self.save_button.setEnabled(True)
        self.show_error(problem_text(exc), getattr(exc, "step", None))


def open_editor(window: Any) -> SequencesDialog:
    dialog = SequencesDialog(window.store, window.runner, window)
    dialog.saved.connect(lambda _id: window.show_message("Sequence saved."))
    dialog.open()
    return dialog
