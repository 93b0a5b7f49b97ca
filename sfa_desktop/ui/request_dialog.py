""" "New request…": raise a customer request or complaint about an account, or from a visit (issue 15).

Works offline: the request is saved on this laptop and reaches the territory's queue with the next sync.
Problems a person can fix (no subject, a link that is not one, an account not theirs) are shown in the
dialog, which stays open with everything typed.
"""

from __future__ import annotations

import re
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from sfa_desktop.core.errors import UserError
from sfa_desktop.core.records.fields import REQUEST_CATEGORIES, REQUEST_SEVERITIES
from sfa_desktop.core.records.validation import ValidationError
from sfa_desktop.ops import records as record_ops
from sfa_desktop.ops import requests as ops
from sfa_desktop.store.database import LocalStore
from sfa_desktop.ui.widgets import named

_LABELS = {
    "account_id": "Account",
    "category": "Category",
    "severity": "Severity",
    "subject": "Subject",
    "links": "Links",
    "activity_id": "Visit",
    "contact_id": "Contact",
}


def _line(field: str, message: str) -> str:
    """'Label: message', the label said once."""
    label = _LABELS.get(field, field)
    return message if message.startswith(f"{label}: ") else f"{label}: {message}"


class NewRequestDialog(QDialog):
    """``raised(request_id)`` fires once the request is saved."""

    raised = Signal(str)

    def __init__(
        self,
        store: LocalStore,
        parent: QWidget | None = None,
        *,
        account_id: str | None = None,
        activity_id: str | None = None,
        activity_label: str = "",
    ) -> None:
        super().__init__(parent)
        self.setObjectName("newRequestDialog")
        self.setWindowTitle("New request or complaint")
        self.store = store
        self.activity_id = activity_id
        self.account = named(QComboBox(), "requestAccount")
        self.account.setEditable(True)
        self.account.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.account.setMinimumWidth(380)
        for value, label in record_ops.ref_choices(store, "accounts"):
            self.account.addItem(label, value)
        self.account.setCurrentIndex(self.account.findData(account_id) if account_id else -1)
        self.account.setEnabled(account_id is None)
        self.category = named(QComboBox(), "requestCategory")
        for name in REQUEST_CATEGORIES:
            self.category.addItem(name.capitalize(), name)
        self.category.setCurrentIndex(-1)
        self.severity = named(QComboBox(), "requestSeverity")
        for name in REQUEST_SEVERITIES:
            self.severity.addItem(name.capitalize(), name)
        self.severity.setCurrentIndex(REQUEST_SEVERITIES.index("normal"))
        self.subject = named(QLineEdit(), "requestSubject")
        self.subject.setPlaceholderText("What the customer asks for or complains about, in a few words")
        self.subject.setMaxLength(200)
        self.description = named(QPlainTextEdit(), "requestDescription")
        self.description.setPlaceholderText("Details: order numbers, quantities, what was promised…")
        self.description.setMinimumHeight(110)
        self.links = named(QLineEdit(), "requestLinks")
        self.links.setPlaceholderText("Optional: web addresses or kb:<article id>, separated by spaces")
        self.error = named(QLabel(), "formError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b91c1c;")
        self.error.hide()
        form = QFormLayout()
        form.addRow("Account", self.account)
        if activity_id is not None:
            form.addRow("Raised at", QLabel(activity_label or "the visit"))
        form.addRow("Category", self.category)
        form.addRow("Severity", self.severity)
        form.addRow("Subject", self.subject)
        form.addRow("Description", self.description)
        form.addRow("Links", self.links)
        hint = QLabel("Saved on this laptop; it reaches the territory's queue with the next sync.")
        hint.setStyleSheet("color: #64748b;")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("Raise request")
        ok.setObjectName("raiseButton")
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(hint)
        layout.addWidget(self.buttons)
        (self.subject if account_id else self.account).setFocus()

    def _account_id(self) -> str | None:
        index = self.account.currentIndex()
        if index >= 0 and self.account.currentText() == self.account.itemText(index):
            return str(self.account.itemData(index))
        typed = self.account.currentText().strip()
        found = self.account.findText(typed, Qt.MatchFlag.MatchFixedString)
        return str(self.account.itemData(found)) if found >= 0 else None

    def problems(self) -> list[str]:
        """What stops the request from being raised, as the dialog says it."""
        found = []
        if self._account_id() is None:
            found.append("Account: choose the customer's account from the list.")
        if self.category.currentIndex() < 0:
            found.append(
                "Category: choose what it is about (delivery, billing, quality, service, price, other)."
            )
        if not self.subject.text().strip():
            found.append("Subject: say in a few words what the customer asks or complains about.")
        return found

    def show_error(self, lines: list[str]) -> None:
        self.error.setText("\n".join(lines))
        self.error.setVisible(bool(lines))

    def save(self) -> None:
        problems = self.problems()
        if problems:
            self.show_error(problems)
            return
        values: dict[str, Any] = {
            "account": self._account_id(),
            "category": self.category.currentData(),
            "severity": self.severity.currentData(),
            "subject": self.subject.text(),
            "description": self.description.toPlainText(),
            "activity_id": self.activity_id,
            "links": [p for p in re.split(r"[\s,]+", self.links.text()) if p],
        }
        try:
            made = ops.raise_request(self.store, **values)
        except ValidationError as exc:
            self.show_error([_line(k, m) for k, m in exc.errors.items()])
            return
        except UserError as exc:
            self.show_error([str(exc)])
            return
        self.raised.emit(made)
        self.accept()


def _context(page: Any) -> LocalStore:
    window = page.window()
    store = getattr(window, "store", None)
    if isinstance(store, LocalStore):
        return store
    found: LocalStore = page.form._store  # a section page shown on its own
    return found


def _announce(page: Any, message: str) -> None:
    show = getattr(page.window(), "show_message", None)
    if callable(show):
        show(message)
    refresh = getattr(page.window(), "refresh_pending", None)
    if callable(refresh):
        refresh()


def new_request_for_account(page: Any, record_id: str) -> NewRequestDialog:
    """The record action on an account (``extensions.RECORD_ACTIONS``)."""
    dialog = NewRequestDialog(_context(page), page, account_id=record_id)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.raised.connect(
        lambda _id: _announce(page, "Request raised; it goes to the territory's queue with the next sync.")
    )
    dialog.open()
    return dialog


def new_request_from_activity(
    store: LocalStore, parent: QWidget, activity_id: str, account_id: str, label: str
) -> NewRequestDialog:
    """Raise a request from a visit (or another activity about an account)."""
    dialog = NewRequestDialog(
        store, parent, account_id=account_id, activity_id=activity_id, activity_label=label
    )
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog
