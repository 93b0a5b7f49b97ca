"""Visit checklists… (issue 16, item 4): the checklist templates by segment, edited by managers and
administrators, read by reps.  Opened from the Service levels page, where the segments are set.

A template is edited whole in the dialog (its name, segment, whether it is offered, and its items: label,
answer yes/no, number within an optional range, text or photo, required or not; added, removed and moved
with the buttons or the keyboard) and saved whole through ``ops.visits.save_template``, the function
``sfa visit template-save`` uses: what is wrong is said in the dialog, the item at fault is selected, and
nothing is written.  A template whose items change gets a new version, so the reports already made keep
showing the items they were answered with.

Delete… (or the Delete key on the list) removes the chosen checklist through ``ops.visits.remove_template``
(what ``sfa visit template-delete`` does): deleted when no visit report used it, else retired (made
inactive, kept for those reports); the question says which of the two and why.  Choosing another
checklist, New checklist, or closing with unsaved changes asks Save, Discard or Cancel.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import astuple
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from sfa_desktop.core.records.validation import ValidationError
from sfa_desktop.core.visits import templates
from sfa_desktop.core.visits.templates import TYPES, Template
from sfa_desktop.ops import visits
from sfa_desktop.store.database import LocalStore
from sfa_desktop.ui import template_panes
from sfa_desktop.ui.checklist_items import KIND_NAMES, SEGMENT_CHOICES, Draft, ItemList, items_of
from sfa_desktop.ui.failures import problem_text
from sfa_desktop.ui.form_parts import ask_unsaved, confirm_delete
from sfa_desktop.ui.icons import icon
from sfa_desktop.ui.tasks import Task, TaskRunner
from sfa_desktop.ui.widgets import named


class ChecklistsDialog(QDialog):
    """``saved(template)`` after a checklist was saved; ``removed(removal)`` after one was deleted or
    retired (``core.visits.templates.Removal``); ``loaded()`` when the list is on screen."""

    saved = Signal(object)
    removed = Signal(object)
    loaded = Signal()

    def __init__(self, store: LocalStore, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("checklistsDialog")
        self.setWindowTitle("Visit checklists")
        self.setMinimumSize(900, 560)
        self.store = store
        self.runner = runner
        self.templates: list[Template] = []
        self.template_id: str | None = None
        self.drafts: list[Draft] = []
        self.item_index = -1
        self.editable = False
        self._filling = False
        #: what the form held when last shown or saved (unsaved changes are what differs from it)
        self._clean: tuple[Any, ...] | None = None
        self._build()
        screen = self.screen().availableGeometry() if self.screen() is not None else None
        if screen is not None:
            self.resize(min(1180, screen.width() - 60), min(760, screen.height() - 80))
        self.reload()

    # -- building -----------------------------------------------------------------------------------------

    def _build(self) -> None:
        left, self.template_list, self.new_button = template_panes.template_column(
            "Checklists",
            "New checklist",
            "A visit uses the checklist of its account's segment, else the default.",
        )
        self.template_list.currentRowChanged.connect(self._template_chosen)
        self.new_button.clicked.connect(lambda: self.confirm_leave(self.new_template))
        remove_key = QShortcut(QKeySequence(QKeySequence.StandardKey.Delete), self.template_list)
        remove_key.setContext(Qt.ShortcutContext.WidgetShortcut)
        remove_key.activated.connect(self.delete_template)
        right, body, self.note = template_panes.detail_column()
        form = QFormLayout()
        form.setHorizontalSpacing(12)
        self.name = QLineEdit()
        self.name.setMaxLength(200)
        self.name.setPlaceholderText("e.g. Key account visit")
        self.segment = QComboBox()
        for value, text in SEGMENT_CHOICES:
            self.segment.addItem(text, value)
        self.segment.setToolTip(
            "The segment whose visits use this checklist; the default serves the accounts of a segment "
            "without a checklist of its own"
        )
        self.active = QCheckBox("Active (used for new visits)")
        row = QHBoxLayout()
        row.addWidget(self.name, 2)
        row.addSpacing(8)
        row.addWidget(QLabel("For"))
        row.addWidget(self.segment)
        row.addWidget(self.active)
        form.addRow("Name", row)
        body.addLayout(form)

        split = QSplitter(Qt.Orientation.Horizontal)
        items_column = QWidget()
        items_layout = QVBoxLayout(items_column)
        items_layout.setContentsMargins(0, 0, 0, 0)
        items_layout.addWidget(named(QLabel("ITEMS"), "formSection"))
        self.item_list = named(ItemList(), "stepList")
        self.item_list.setAccessibleName("Checklist items")
        self.item_list.setToolTip("Ctrl+Up / Ctrl+Down move the item, Delete removes it, Insert adds one")
        self.item_list.currentRowChanged.connect(self._item_chosen)
        self.item_list.moveRequested.connect(self.move_item)
        self.item_list.removeRequested.connect(self.remove_item)
        self.item_list.addRequested.connect(self.add_item)
        items_layout.addWidget(self.item_list, 1)
        buttons = QHBoxLayout()
        self.add_button = QPushButton(icon("add"), "Item")
        self.add_button.setToolTip("Add an item after the current one (Insert)")
        self.add_button.clicked.connect(self.add_item)
        self.remove_button = QPushButton(icon("delete"), "")
        self.remove_button.setToolTip("Remove the item (Delete)")
        self.remove_button.setAccessibleName("Remove the item")
        self.remove_button.clicked.connect(self.remove_item)
        self.up_button = QPushButton("↑")
        self.up_button.setToolTip("Move the item up (Ctrl+Up)")
        self.up_button.setAccessibleName("Move the item up")
        self.up_button.clicked.connect(lambda: self.move_item(-1))
        self.down_button = QPushButton("↓")
        self.down_button.setToolTip("Move the item down (Ctrl+Down)")
        self.down_button.setAccessibleName("Move the item down")
        self.down_button.clicked.connect(lambda: self.move_item(1))
        for button in (self.add_button, self.remove_button, self.up_button, self.down_button):
            buttons.addWidget(button)
        items_layout.addLayout(buttons)
        split.addWidget(items_column)
        split.addWidget(self._build_item_editor())
        split.setSizes([330, 520])
        split.setChildrenCollapsible(False)
        body.addWidget(split, 1)

        self.delete_button = QPushButton(icon("delete"), "Delete…")
        self.delete_button.setToolTip(
            "Delete the checklist (Delete on the list); one that visit reports used is retired instead"
        )
        self.delete_button.clicked.connect(self.delete_template)
        self.error, self.status, self.close_button, self.save_button = template_panes.editor_footer(
            body, "Save the checklist (Ctrl+S); laptops get it at their next sync", self.delete_button
        )
        self.close_button.clicked.connect(lambda: self.confirm_leave(self.accept))
        self.save_button.clicked.connect(self.save)
        template_panes.side_by_side(self, left, right, [270, 900])
        for keys, delta in (("Ctrl+Up", -1), ("Ctrl+Down", 1)):  # also from the item's fields
            shortcut = QShortcut(QKeySequence(keys), right)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(lambda d=delta: self.move_item(d))
        self._set_editable(False)

    def _build_item_editor(self) -> QWidget:
        pane = named(QFrame(), "checklistItemEditor")
        form = QFormLayout(pane)
        form.setContentsMargins(12, 22, 4, 4)
        form.setHorizontalSpacing(12)
        form.setVerticalSpacing(10)
        self.label = QLineEdit()
        self.label.setMaxLength(200)
        self.label.setPlaceholderText("What the rep answers, e.g. Shelf share checked")
        self.label.textEdited.connect(lambda _t: self._item_changed())
        form.addRow("Label", self.label)
        self.kind = QComboBox()
        for kind in TYPES:
            self.kind.addItem(KIND_NAMES[kind], kind)
        self.kind.currentIndexChanged.connect(lambda _i: self._item_changed())
        form.addRow("Answer", self.kind)
        self.required = QCheckBox("Required: the report is not submitted without it")
        self.required.toggled.connect(lambda _on: self._item_changed())
        form.addRow("", self.required)
        self.range_row = QWidget()
        line = QHBoxLayout(self.range_row)
        line.setContentsMargins(0, 0, 0, 0)
        self.minimum, self.maximum = QLineEdit(), QLineEdit()
        for box, what in ((self.minimum, "no minimum"), (self.maximum, "no maximum")):
            box.setPlaceholderText(what)
            box.setMaximumWidth(130)
            box.textEdited.connect(lambda _t: self._item_changed())
        self.minimum.setAccessibleName("Minimum")
        self.maximum.setAccessibleName("Maximum")
        line.addWidget(QLabel("from"))
        line.addWidget(self.minimum)
        line.addWidget(QLabel("to"))
        line.addWidget(self.maximum)
        line.addStretch(1)
        form.addRow("Range", self.range_row)
        self.kind_hint = named(QLabel(), "formHint")
        self.kind_hint.setWordWrap(True)
        form.addRow("", self.kind_hint)
        self._item_form = form
        return pane

    def _set_editable(self, editable: bool) -> None:
        self.editable = editable
        for widget in (
            self.name, self.segment, self.active, self.new_button, self.label, self.kind, self.required,
            self.minimum, self.maximum, self.add_button, self.remove_button, self.up_button, self.down_button,
        ):  # fmt: skip
            widget.setEnabled(editable)
        self.save_button.setVisible(editable)
        self.new_button.setVisible(editable)
        self.delete_button.setVisible(editable)
        self.note.setVisible(not editable)
        self.note.setText(
            "Visit checklists are set by managers and administrators; you can read them here. "
            "Your visit report shows the checklist of the account's segment."
        )

    # -- templates ----------------------------------------------------------------------------------------

    def reload(self, select: str | None = None) -> Task:
        task = self.runner.submit(_load, self.store)
        task.finished.connect(lambda loaded: self._fill(loaded, select or self.template_id))
        task.failed.connect(lambda exc: self.show_error(problem_text(exc)))
        return task

    def _fill(self, loaded: object, select: str | None) -> None:
        assert isinstance(loaded, tuple)
        rows, may_edit = loaded
        self._set_editable(bool(may_edit))
        self.templates = list(rows)
        self.template_list.blockSignals(True)
        self.template_list.clear()
        for row in self.templates:
            segment = f"Segment {row.segment}" if row.segment else "Default"
            state = "" if row.active else " · inactive"
            self.template_list.addItem(f"{row.name}\n{segment} · {len(row.items)} items{state}")
        self.template_list.blockSignals(False)
        index = next((n for n, r in enumerate(self.templates) if r.template_id == select), 0)
        keep = self.item_index if select is not None and select == self.template_id else 0
        if self.templates:
            self.template_list.blockSignals(True)
            self.template_list.setCurrentRow(index)
            self.template_list.blockSignals(False)
            self._show_index(index)
            if 0 < keep < len(self.drafts):  # saved: the item edited stays selected
                self.item_list.setCurrentRow(keep)
        elif self.editable:
            self.new_template()
        else:
            self._show_template(templates.BUILT_IN)
            self.status.setText("No checklist set: every visit uses the built-in one shown here.")
        self.loaded.emit()

    def _template_chosen(self, index: int) -> None:
        """Another checklist chosen in the list: shown, once unsaved changes are saved or discarded."""
        if not 0 <= index < len(self.templates):
            return
        if self.dirty():
            target = self.templates[index].template_id
            self._select_row(self.template_id)  # the one edited stays chosen until answered
            self.confirm_leave(lambda: self._select(target))
            return
        self._show_index(index)

    def _show_index(self, index: int) -> None:
        if 0 <= index < len(self.templates):
            self._show_template(self.templates[index])
            self.status.setText("")

    def _select_row(self, template_id: str | None) -> int:
        row = next((n for n, t in enumerate(self.templates) if t.template_id == template_id), -1)
        self.template_list.blockSignals(True)
        if row < 0:
            self.template_list.clearSelection()
        self.template_list.setCurrentRow(row)
        self.template_list.blockSignals(False)
        return row

    def _select(self, template_id: str | None) -> None:
        row = self._select_row(template_id)
        if row >= 0:
            self._show_index(row)

    # -- unsaved changes ----------------------------------------------------------------------------------

    def _snapshot(self) -> tuple[Any, ...]:
        return (
            " ".join(self.name.text().split()),
            self.segment.currentData(),
            self.active.isChecked(),
            tuple(astuple(d) for d in self.drafts),
        )

    def dirty(self) -> bool:
        """Has the checklist shown been changed since it was shown or saved?"""
        return self.editable and self._clean is not None and self._snapshot() != self._clean

    def confirm_leave(self, proceed: Callable[[], None]) -> None:
        """Run ``proceed`` once unsaved changes are saved or knowingly discarded (at once when none);
        Cancel (or a save refused) leaves everything as it is."""
        if not self.dirty():
            proceed()
            return
        name = " ".join(self.name.text().split())
        what = f"the checklist “{name}”" if self.template_id and name else "a new checklist"
        answer = ask_unsaved(self, what)
        if answer == QMessageBox.StandardButton.Save:
            self.save(then=proceed)
        elif answer == QMessageBox.StandardButton.Discard:
            self._clean = self._snapshot()
            proceed()

    def reject(self) -> None:  # Esc and the window's close button
        self.confirm_leave(super().reject)

    def _show_template(self, template: Template) -> None:
        self.template_id = template.template_id
        self.name.setText(template.name)
        self.segment.setCurrentIndex(max(self.segment.findData(template.segment or ""), 0))
        self.active.setChecked(template.active)
        self.drafts = [Draft.of(item) for item in template.items]
        self.error.hide()
        self._show_items(0)
        self._clean = self._snapshot()
        self.delete_button.setEnabled(self.template_id is not None)

    def new_template(self) -> None:
        self.template_id = None
        self.template_list.clearSelection()
        self.template_list.setCurrentRow(-1)
        self.name.setText("")
        self.segment.setCurrentIndex(0)
        self.active.setChecked(True)
        self.drafts = [Draft.of(item) for item in templates.BUILT_IN.items]
        self.error.hide()
        self._show_items(0)
        self._clean = self._snapshot()
        self.delete_button.setEnabled(self.template_id is not None)
        self.status.setText("New checklist (starting from the built-in one): not saved yet")
        self.name.setFocus()

    # -- items --------------------------------------------------------------------------------------------

    def _show_items(self, select: int) -> None:
        self.item_list.blockSignals(True)
        self.item_list.clear()
        for number, draft in enumerate(self.drafts, start=1):
            self.item_list.addItem(self._item_text(number, draft))
        self.item_list.blockSignals(False)
        self.item_index = -1
        if 0 <= select < len(self.drafts):
            self.item_list.setCurrentRow(select)
            self._item_chosen(select)
        else:
            self._load_item(None)
        self._update_buttons()

    @staticmethod
    def _item_text(number: int, draft: Draft) -> str:
        return f"{number}. {draft.label.strip() or '(no label)'}\n{draft.summary()}"

    def _item_chosen(self, index: int) -> None:
        self.item_index = index
        self._load_item(self.drafts[index] if 0 <= index < len(self.drafts) else None)
        self._update_buttons()

    def _load_item(self, draft: Draft | None) -> None:
        self._filling = True
        self.label.setText(draft.label if draft else "")
        self.kind.setCurrentIndex(max(self.kind.findData(draft.type if draft else "yesno"), 0))
        self.required.setChecked(bool(draft and draft.required))
        self.minimum.setText(draft.min if draft else "")
        self.maximum.setText(draft.max if draft else "")
        self._filling = False
        self._show_kind()

    def _show_kind(self) -> None:
        kind = str(self.kind.currentData())
        self._item_form.setRowVisible(self.range_row, kind == "number")
        self.kind_hint.setText(
            {
                "yesno": "Answered Yes or No.",
                "number": "Answered with a number; leave a bound empty for none.",
                "text": "Answered in a few lines of text.",
                "photo": "Answered with one or more photos taken on site.",
            }[kind]
        )

    def _item_changed(self) -> None:
        """Keep what the item's fields show in the current item (and its line in the list)."""
        if self._filling or not 0 <= self.item_index < len(self.drafts):
            return
        draft = self.drafts[self.item_index]
        draft.label = self.label.text()
        draft.type = str(self.kind.currentData())
        draft.required = self.required.isChecked()
        draft.min, draft.max = self.minimum.text(), self.maximum.text()
        line = self.item_list.item(self.item_index)
        if line is not None:
            line.setText(self._item_text(self.item_index + 1, draft))
        self._show_kind()

    def _update_buttons(self) -> None:
        if not self.editable:
            return
        index, count = self.item_index, len(self.drafts)
        self.remove_button.setEnabled(0 <= index < count and count > 1)
        self.up_button.setEnabled(index > 0)
        self.down_button.setEnabled(0 <= index < count - 1)
        for widget in (self.label, self.kind, self.required, self.minimum, self.maximum):
            widget.setEnabled(0 <= index < count)

    def add_item(self) -> None:
        if not self.editable:
            return
        at = self.item_index + 1 if 0 <= self.item_index < len(self.drafts) else len(self.drafts)
        self.drafts.insert(at, Draft("", "", "yesno", False))
        self._show_items(at)
        self.label.setFocus()

    def remove_item(self) -> None:
        if not self.editable or not 0 <= self.item_index < len(self.drafts) or len(self.drafts) == 1:
            return
        del self.drafts[self.item_index]
        self._show_items(min(self.item_index, len(self.drafts) - 1))
        self.item_list.setFocus()

    def move_item(self, delta: int) -> None:
        index, target = self.item_index, self.item_index + delta
        if not self.editable or not (0 <= index < len(self.drafts) and 0 <= target < len(self.drafts)):
            return
        self.drafts[index], self.drafts[target] = self.drafts[target], self.drafts[index]
        focus = self.focusWidget()
        self._show_items(target)
        if focus is not None:
            focus.setFocus()

    # -- saving -------------------------------------------------------------------------------------------

    def save(self, then: Callable[[], None] | None = None) -> Task | None:
        """Save the checklist; ``then`` runs once it is saved and the list reloaded (not when refused)."""
        if not self.editable:
            return None
        self.error.hide()
        name = " ".join(self.name.text().split())
        try:
            if not name:
                raise ValidationError({"name": "Give the checklist a name."})
            items = items_of(self.drafts)
            templates.check_labels(templates.parse_items(items))  # the core's own check, before the job
        except ValidationError as exc:
            self.show_error(problem_text(exc), exc.errors)
            return None
        self.save_button.setEnabled(False)
        segment = str(self.segment.currentData()) or None
        task = self.runner.submit(
            visits.save_template,
            self.store,
            name,
            segment,
            items,
            active=self.active.isChecked(),
            template_id=self.template_id,
        )
        task.finished.connect(lambda saved: self._saved(saved, then))
        task.failed.connect(self._save_failed)
        return task

    def show_error(
        self, message: str, errors: dict[str, str] | None = None, prefix: str = "Not saved"
    ) -> None:
        self.error.setText(f"{prefix}: {message[:1].upper()}{message[1:]}")
        self.error.show()
        for where in errors or {}:
            if where == "name":
                self.name.setFocus()
            elif where.startswith("item "):
                number = where.split()[1]
                if number.isdigit() and 0 < int(number) <= len(self.drafts):
                    self.item_list.setCurrentRow(int(number) - 1)

    def _saved(self, template: object, then: Callable[[], None] | None = None) -> None:
        assert isinstance(template, Template)
        self.save_button.setEnabled(True)
        self.template_id = template.template_id
        self._clean = self._snapshot()
        note = f"Saved “{template.name}”. Laptops get it at their next sync."
        self.status.setText(note)
        self.saved.emit(template)

        def done(_loaded: object) -> None:
            self.status.setText(note)
            if then is not None:
                then()

        self.reload(template.template_id).finished.connect(done)

    # -- deleting -----------------------------------------------------------------------------------------

    def delete_template(self) -> Task | None:
        """Ask, saying whether the chosen checklist will be deleted or retired (and why), then do it."""
        if not self.editable or self.template_id is None:
            return None
        template_id = self.template_id
        task = self.runner.submit(visits.template_removal, self.store, template_id)
        task.finished.connect(lambda removal: self._confirm_removal(template_id, removal))
        task.failed.connect(lambda exc: self.show_error(problem_text(exc), prefix="Not removed"))
        return task

    def _confirm_removal(self, template_id: str, removal: object) -> None:
        assert isinstance(removal, templates.Removal)
        question = removal.question()
        if self.dirty():
            question += "\n\nThe changes you have not saved are dropped."
        action = "Retire" if removal.retires else "Delete"
        if template_id != self.template_id or not confirm_delete(self, question, action):
            return
        self.delete_button.setEnabled(False)
        task = self.runner.submit(visits.remove_template, self.store, template_id)
        task.finished.connect(self._removed)
        task.failed.connect(self._remove_failed)

    def _removed(self, removal: object) -> None:
        assert isinstance(removal, templates.Removal)
        self.delete_button.setEnabled(True)
        self._clean = None  # what was typed into it went with it
        note = f"{removal.done()} Laptops get it at their next sync."
        self.status.setText(note)
        self.removed.emit(removal)
        keep = removal.template.template_id if removal.retires else None
        if keep is None:
            self.template_id = None
        self.reload(keep).finished.connect(lambda _r: self.status.setText(note))

    def _remove_failed(self, exc: object) -> None:
        self.delete_button.setEnabled(True)
        self.show_error(problem_text(exc), prefix="Not removed")

    def _save_failed(self, exc: object) -> None:
        self.save_button.setEnabled(True)
        errors = exc.errors if isinstance(exc, ValidationError) else None
        self.show_error(problem_text(exc), errors)


def _load(store: LocalStore) -> tuple[list[Template], bool]:
    return visits.list_templates(store), visits.may_edit_templates(store)


def open_checklists(parent: QWidget, store: LocalStore, runner: TaskRunner) -> ChecklistsDialog:
    dialog = ChecklistsDialog(store, runner, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog
