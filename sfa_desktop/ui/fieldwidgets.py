"""One editor widget per field kind, with a uniform interface for the record form.

Every editor shows a stored value (:meth:`FieldEditor.show_value`), hands back what the person typed in a
form that :func:`sfa_desktop.core.records.fields.clean_value` understands (:meth:`FieldEditor.raw`), and fires
``edited`` when the person changes it and ``committed`` when they leave it (focus out, Enter, a choice).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QObject, QStringListModel, Qt, QTimer, Signal
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)

from sfa_desktop.core.records.fields import Field, display_value
from sfa_desktop.core.records.validation import FieldError
from sfa_desktop.ops import records as record_ops
from sfa_desktop.store.database import LocalStore
from sfa_desktop.ui.tasks import Task, TaskRunner

_PLACEHOLDERS = {
    "email": "e.g. name@company.com",
    "phone": "e.g. +1 212 555 0143",
    "url": "e.g. www.company.com",
    "date": "YYYY-MM-DD",
    "datetime": "YYYY-MM-DD HH:MM",
    "money": "0.00",
    "country": "US",
}


class FieldEditor(QObject):
    edited = Signal()
    committed = Signal()

    def __init__(self, spec: Field, widget: QWidget) -> None:
        super().__init__(widget)
        self.spec = spec
        self.widget = widget
        widget.setObjectName(f"field_{spec.name}")
        # Qt properties as strings: PySide6 6.12 mishandles the refcount of Python bools in QVariants.
        widget.setProperty("invalid", "false")

    def raw(self) -> Any:
        raise NotImplementedError

    def show_value(self, value: Any, label: str = "") -> None:
        raise NotImplementedError

    def check(self) -> None:
        """Editor-specific problems clean_value cannot see (a picker with unmatched text)."""

    def set_invalid(self, invalid: bool) -> None:
        value = "true" if invalid else "false"
        if self.widget.property("invalid") != value:
            self.widget.setProperty("invalid", value)
            style = self.widget.style()
            style.unpolish(self.widget)
            style.polish(self.widget)


class LineEditor(FieldEditor):
    def __init__(self, spec: Field) -> None:
        edit = QLineEdit()
        super().__init__(spec, edit)
        self.edit = edit
        edit.setPlaceholderText(_PLACEHOLDERS.get(spec.kind, ""))
        if spec.max_length:
            edit.setMaxLength(max(spec.max_length, 1) + 50)  # let clean_value name the limit
        if spec.kind in ("money", "int", "float"):
            edit.setAlignment(Qt.AlignmentFlag.AlignRight)
        edit.textEdited.connect(self.edited)
        edit.editingFinished.connect(self.committed)

    def raw(self) -> Any:
        return self.edit.text()

    def show_value(self, value: Any, label: str = "") -> None:
        if self.spec.kind == "date" and isinstance(value, dt.date):
            self.edit.setText(value.isoformat())
        elif self.spec.kind == "money" and value is not None:
            self.edit.setText(f"{int(value) / 100:,.2f}")
        else:
            self.edit.setText(display_value(self.spec, value))
        self.edit.setCursorPosition(0)


class TextEditor(FieldEditor):
    def __init__(self, spec: Field) -> None:
        edit = QPlainTextEdit()
        super().__init__(spec, edit)
        self.edit = edit
        edit.setTabChangesFocus(True)
        edit.setFixedHeight(90)
        edit.textChanged.connect(self._changed)
        self._loading = False

    def _changed(self) -> None:
        if not self._loading:
            self.edited.emit()
            self.committed.emit()

    def raw(self) -> Any:
        return self.edit.toPlainText()

    def show_value(self, value: Any, label: str = "") -> None:
        self._loading = True
        self.edit.setPlainText(value or "")
        self._loading = False


class BoolEditor(FieldEditor):
    def __init__(self, spec: Field) -> None:
        box = QCheckBox(spec.label)
        super().__init__(spec, box)
        self.box = box
        box.clicked.connect(self.edited)
        box.clicked.connect(self.committed)

    def raw(self) -> Any:
        return self.box.isChecked()

    def show_value(self, value: Any, label: str = "") -> None:
        self.box.setChecked(bool(value))


class _Combo(QComboBox):
    """A combo box the mouse wheel turns only once it has the focus: a form scrolled with the wheel over it
    scrolls, and no value changes (nor does the record become unsaved) under the pointer."""

    def __init__(self) -> None:
        super().__init__()
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # not taken by the wheel

    def wheelEvent(self, event: QWheelEvent) -> None:
        if self.hasFocus():
            super().wheelEvent(event)
        else:
            event.ignore()  # to the scroll area around it


class ChoiceEditor(FieldEditor):
    """A fixed vocabulary (industries, stages...) or a small reference table (territories, users)."""

    def __init__(self, spec: Field, options: list[tuple[str, str]] | None = None) -> None:
        combo = _Combo()
        super().__init__(spec, combo)
        self.combo = combo
        combo.addItem("", None)
        for choice in spec.choices:
            combo.addItem(choice[:1].upper() + choice[1:], choice)
        if options:
            self.set_options(options)
        combo.activated.connect(self.edited)
        combo.activated.connect(self.committed)

    def set_options(self, options: list[tuple[str, str]]) -> None:
        current = self.raw()
        self.combo.clear()
        self.combo.addItem("", None)
        for value, label in options:
            self.combo.addItem(label, value)
        self.show_value(current)

    def raw(self) -> Any:
        return self.combo.currentData()

    def show_value(self, value: Any, label: str = "") -> None:
        index = self.combo.findData(value) if value is not None else 0
        if index < 0:  # a value the list does not know (yet): show it rather than hide it
            self.combo.addItem(label or str(value), value)
            index = self.combo.count() - 1
        self.combo.setCurrentIndex(index)


class RefPicker(FieldEditor):
    """A searchable reference (an account among thousands): type part of the name, pick from the list.

    Suggestions come from a LIKE query (at most 50) run on the task runner ~120 ms after the last key.
    """

    def __init__(self, spec: Field, store: LocalStore, runner: TaskRunner) -> None:
        edit = QLineEdit()
        super().__init__(spec, edit)
        self.edit = edit
        self._store = store
        self._runner = runner
        self._id: str | None = None
        self._label = ""
        self._by_text: dict[str, str] = {}
        self._task: Task | None = None
        edit.setPlaceholderText(f"Type to find {spec.ref or ''}…")
        edit.setClearButtonEnabled(True)
        self._model = QStringListModel(self)
        self.completer = QCompleter(self._model, self)
        self.completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.setMaxVisibleItems(12)
        self.completer.setWidget(edit)
        self.completer.activated.connect(self._chosen)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(120)
        self._timer.timeout.connect(self._lookup)
        edit.textEdited.connect(self._typed)
        edit.editingFinished.connect(self.committed)

    @property
    def record_id(self) -> str | None:
        return self._id

    def _typed(self, typed: str) -> None:
        if typed != self._label:
            self._id = None
        if not typed.strip():
            self._id = None
        self.edited.emit()
        self._timer.start()

    def _lookup(self) -> None:
        if self._task is not None:
            self._task.discard()
        typed = self.edit.text()
        if not typed.strip():
            return
        self._task = self._runner.submit(record_ops.lookup_refs, self._store, self.spec.ref or "", typed)
        self._task.finished.connect(self._suggest)

    def _suggest(self, rows: object) -> None:
        assert isinstance(rows, list)
        self._task = None
        self._by_text = {}
        for record_id, label, hint in rows:
            text = f"{label} — {hint}" if hint else label
            while text in self._by_text:  # two records with the same name and hint
                text += " ·"
            self._by_text[text] = record_id
        self._model.setStringList(list(self._by_text))
        typed = self.edit.text().strip().casefold()
        exact = [t for t, _ in self._by_text.items() if t.split(" — ")[0].casefold() == typed]
        if len(exact) == 1 and self._id is None:
            self._id = self._by_text[exact[0]]
            self._label = self.edit.text()
            self.edited.emit()
        if self.edit.hasFocus() and self._by_text:
            self.completer.complete()

    def _chosen(self, text: str) -> None:
        record_id = self._by_text.get(text)
        if record_id is None:
            return
        self._id = record_id
        self._label = text.split(" — ", maxsplit=1)[0].rstrip(" ·")
        self.edit.setText(self._label)
        self.edited.emit()
        self.committed.emit()

    def check(self) -> None:
        if self.edit.text().strip() and self._id is None:
            raise FieldError(f"'{self.edit.text().strip()}': choose one of the suggestions from the list.")

    def raw(self) -> Any:
        return self._id

    def show_value(self, value: Any, label: str = "") -> None:
        self._id = value
        self._label = label if value else ""
        self.edit.setText(self._label)
        self.edit.setCursorPosition(0)


def make_editor(
    spec: Field, store: LocalStore, runner: TaskRunner, options: list[tuple[str, str]] | None = None
) -> FieldEditor:
    if spec.kind == "longtext":
        return TextEditor(spec)
    if spec.kind == "bool":
        return BoolEditor(spec)
    if spec.kind == "choice":
        return ChoiceEditor(spec)
    if spec.kind == "ref" and spec.ref in record_ops.SMALL_REFS:
        return ChoiceEditor(spec, options)
    if spec.kind == "ref":
        return RefPicker(spec, store, runner)
    return LineEditor(spec)
