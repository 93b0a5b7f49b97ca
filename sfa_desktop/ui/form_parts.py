"""The pieces of the record form that stand on their own: how fields are grouped, the line kept under each
field for its inline message, the created/updated stamp, and the two questions the form asks (unsaved
changes, delete)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QLabel, QMessageBox, QSizePolicy, QWidget

from sfa_desktop.core.records.fields import Field

ADDRESS = ("street", "city", "region", "postcode", "country", "latitude", "longitude")
WIDE_KINDS = ("longtext", "email", "url")


def group_of(spec: Field) -> str:
    if spec.name in ADDRESS:
        return "Address"
    if spec.kind == "bool":
        return "Contact preferences"
    if spec.name in ("territory_id", "owner_id"):
        return "Assignment"
    if spec.kind == "longtext":
        return "Notes"
    return "Details"


GROUPS = ("Details", "Address", "Contact preferences", "Assignment", "Notes")


def ask_unsaved(parent: QWidget, what: str) -> QMessageBox.StandardButton:
    """Save, Discard or Cancel for unsaved changes (tests replace this to answer without a dialog)."""
    return QMessageBox.question(
        parent,
        "Unsaved changes",
        f"You changed {what} but did not save.\n\nSave the changes before leaving?",
        QMessageBox.StandardButton.Save
        | QMessageBox.StandardButton.Discard
        | QMessageBox.StandardButton.Cancel,
        QMessageBox.StandardButton.Save,
    )


def confirm_delete(parent: QWidget, text: str, action: str = "Delete") -> bool:
    """Ask before a removal; the button says what happens (``action``: "Delete", "Retire"), Cancel is the
    default."""
    box = QMessageBox(QMessageBox.Icon.Warning, action, text, QMessageBox.StandardButton.Cancel, parent)
    go = box.addButton(action, QMessageBox.ButtonRole.DestructiveRole)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.exec()
    return box.clickedButton() is go


class ErrorLine(QLabel):
    """A field's inline message on the one line kept for it under the field even while there is none (a
    message appearing as the person leaves a field would otherwise push every field below it down, under
    the pointer): shortened with … when longer than the field, in full in its tooltip."""

    def __init__(self) -> None:
        super().__init__()
        self.message = ""
        size = self.sizePolicy()
        size.setRetainSizeWhenHidden(True)
        size.setHorizontalPolicy(QSizePolicy.Policy.Ignored)  # as wide as the field, whatever the text
        self.setSizePolicy(size)

    def set_message(self, message: str) -> None:
        self.message = message
        self.setToolTip(message)
        self._fit()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        text = self.fontMetrics().elidedText(self.message, Qt.TextElideMode.ElideRight, self.width())
        if text != self.text():
            self.setText(text)


def stamp(created: Any, updated: Any) -> str:
    moment = updated or created
    if not isinstance(moment, dt.datetime):
        return ""
    verb = "Created" if updated == created else "Updated"
    return f"{verb} {moment.astimezone().strftime('%d %b %Y, %H:%M')}"
