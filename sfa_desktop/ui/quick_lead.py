"""Quick lead (Ctrl+Shift+L, from anywhere): a lead in ten seconds.

Name, company, email, phone and source; Enter saves, Escape cancels.  Each field is checked as it is left
(the same checks as everywhere: ``fields.clean_value``) and the lead is created by the services, owned by
this laptop's user; it then opens in the Leads section.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from sfa_desktop.core.records.fields import LEADS, clean_value
from sfa_desktop.core.records.leads import QUICK_FIELDS
from sfa_desktop.core.records.validation import FieldError, ValidationError
from sfa_desktop.ops import leads as lead_ops
from sfa_desktop.store.database import LocalStore
from sfa_desktop.ui.fieldwidgets import FieldEditor, make_editor
from sfa_desktop.ui.icons import icon
from sfa_desktop.ui.tasks import TaskRunner
from sfa_desktop.ui.widgets import named

_WIDE = ("company",)


class QuickLeadDialog(QDialog):
    """``captured(lead_id)`` fires when the lead is saved (then the dialog closes)."""

    captured = Signal(str)

    def __init__(self, store: LocalStore, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("quickLeadDialog")
        self.setWindowTitle("Quick lead")
        self.setMinimumSize(540, 320)  # explicit: the layout never re-sends size hints while shown
        self.store = store
        self.runner = runner
        self.saving = False
        self.editors: dict[str, FieldEditor] = {}
        self.errors: dict[str, QLabel] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(22, 18, 22, 14)
        layout.setSpacing(8)
        title = named(QLabel("New lead"), "dialogTitle")
        layout.addWidget(title)
        grid = QGridLayout()
        grid.setHorizontalSpacing(14)
        grid.setVerticalSpacing(2)
        row = column = 0
        for name in QUICK_FIELDS:
            spec = LEADS.by_name[name]
            editor = make_editor(spec, store, runner)
            self.editors[name] = editor
            label = named(QLabel(spec.label + (" *" if spec.required else "")), "fieldLabel")
            label.setBuddy(editor.widget)
            error = named(QLabel(), "fieldError")
            error.hide()
            self.errors[name] = error
            cell = QWidget()
            cell_layout = QVBoxLayout(cell)
            cell_layout.setContentsMargins(0, 4, 0, 0)
            cell_layout.setSpacing(3)
            for widget in (label, editor.widget, error):
                cell_layout.addWidget(widget)
            wide = name in _WIDE
            if wide and column == 1:
                row, column = row + 1, 0
            grid.addWidget(cell, row, column, 1, 2 if wide else 1, Qt.AlignmentFlag.AlignTop)
            if wide or column == 1:
                row, column = row + 1, 0
            else:
                column = 1
            editor.committed.connect(lambda n=name: self.check(n))
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        layout.addLayout(grid)
        self.banner = named(QLabel(), "formBanner")
        self.banner.setWordWrap(True)
        self.banner.hide()
        layout.addWidget(self.banner)
        hint = named(QLabel("Enter saves · Esc cancels"), "quickHint")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.save_button = buttons.addButton("Save lead", QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_button.setObjectName("primaryButton")
        self.save_button.setIcon(icon("save", "#ffffff"))
        self.save_button.setDefault(True)
        self.save_button.setAutoDefault(True)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        footer = QGridLayout()
        footer.addWidget(hint, 0, 0, Qt.AlignmentFlag.AlignVCenter)
        footer.addWidget(buttons, 0, 1)
        footer.setColumnStretch(0, 1)
        layout.addLayout(footer)
        self.editors["first_name"].widget.setFocus()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Enter saves from any field (a choice box would pass it on to whichever button is default)."""
        if (
            event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        ):
            event.accept()
            self.save()
            return
        super().keyPressEvent(event)

    def check(self, name: str) -> Any:
        """Check one field now; returns its cleaned value (raises FieldError after showing it)."""
        editor = self.editors[name]
        spec = editor.spec
        try:
            editor.check()
            value = clean_value(spec, editor.raw())
        except FieldError as exc:
            message = str(exc)
            self._show_error(name, f"{spec.label} {message}" if message[:1].islower() else message)
            raise
        self._show_error(name, None)
        return value

    def _show_error(self, name: str, message: str | None) -> None:
        label = self.errors[name]
        label.setText(message or "")
        label.setVisible(message is not None)
        self.editors[name].set_invalid(message is not None)

    def values(self) -> dict[str, Any] | None:
        """Every field cleaned, or None when one is wrong (its message is shown)."""
        values: dict[str, Any] = {}
        ok = True
        for name in QUICK_FIELDS:
            try:
                values[name] = self.check(name)
            except FieldError:
                ok = False
        return values if ok else None

    def save(self) -> None:
        if self.saving:
            return
        values = self.values()
        if values is None:
            self.banner.setText("Some fields need attention before saving.")
            self.banner.show()
            return
        self.saving = True
        self.save_button.setEnabled(False)
        task = self.runner.submit(lead_ops.quick_capture, self.store, values)
        task.finished.connect(self._saved)
        task.failed.connect(self._failed)

    def _saved(self, lead_id: object) -> None:
        assert isinstance(lead_id, str)
        self.saving = False
        self.captured.emit(lead_id)
        self.accept()

    def _failed(self, exc: object) -> None:
        self.saving = False
        self.save_button.setEnabled(True)
        if isinstance(exc, ValidationError):
            for name, message in exc.errors.items():
                if name in self.errors:
                    self._show_error(name, message)
            self.banner.setText("Not saved: " + " ".join(exc.errors.values()))
        else:
            self.banner.setText(f"Not saved: {exc}")
        self.banner.show()


def quick_lead(window: Any) -> QuickLeadDialog:
    """The window action: the dialog; the saved lead opens in the Leads section."""
    dialog = QuickLeadDialog(window.store, window.runner, window)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def captured(lead_id: str) -> None:
        window.open_record("leads", lead_id)
        page = window.sections.get("leads")
        if page is not None:
            page.model.reload()
            page.recordsChanged.emit()
        window.show_message("Lead saved.")

    dialog.captured.connect(captured)
    dialog.open()
    return dialog
