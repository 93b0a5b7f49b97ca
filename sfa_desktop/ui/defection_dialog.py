"""Record a defection: the account's Defection… action and the at-risk list's "Record defection…" open a
small dialog that asks whether the customer is lost or declining, the defection type (each with what it
means), the reason and the day; it checks them as the services do before anything is saved and says what to
change, and lists the account's earlier defections (its history)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from sfa_desktop.core.records.vocabularies import DEFECTION_TYPES
from sfa_desktop.core.retention import defections
from sfa_desktop.core.retention.defections import DefectionError, DefectionRow, Given
from sfa_desktop.ops import retention as retention_ops
from sfa_desktop.ui.failures import show_problem
from sfa_desktop.ui.icons import icon
from sfa_desktop.ui.widgets import named

#: Earlier defections listed in the dialog.
HISTORY_ROWS = 4


class DefectionDialog(QDialog):
    """Asks lost or declining, the type, the reason and the day; :meth:`given` is what was entered, checked
    (the dialog stays open and says what to change until it passes)."""

    def __init__(
        self,
        account_id: str,
        name: str,
        history: list[DefectionRow],
        parent: QWidget | None = None,
        *,
        declining: bool = False,
        today: dt.date | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("defectionDialog")
        self.account_id = account_id
        self.today = today or dt.date.today()
        self.setWindowTitle("Record a defection")
        self.setMinimumSize(540, 460)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(22, 20, 22, 16)
        layout.setSpacing(10)
        title = named(QLabel(f"Why is “{name}” leaving?"), "dialogTitle")
        title.setWordWrap(True)
        layout.addWidget(title)
        hint = named(
            QLabel(
                "Kept with the account (its earlier defections stay), synced to your manager and counted in "
                "the territory report's Retention section."
            ),
            "dialogHint",
        )
        hint.setWordWrap(True)
        layout.addWidget(hint)

        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        status_row = QHBoxLayout()
        self.lost = named(QRadioButton("Lost: the customer has gone"), "defectionLost")
        self.declining = named(QRadioButton("Declining: buying less"), "defectionDeclining")
        self.status_group = QButtonGroup(self)
        for button in (self.lost, self.declining):
            self.status_group.addButton(button)
            status_row.addWidget(button)
        status_row.addStretch(1)
        (self.declining if declining else self.lost).setChecked(True)
        form.addRow("Status", status_row)
        self.kind = named(QComboBox(), "defectionType")
        for kind in DEFECTION_TYPES:
            self.kind.addItem(f"{kind.capitalize()} \u2013 {defections.TYPE_HINTS[kind]}", kind)
        self.kind.setCurrentIndex(-1)
        self.kind.setPlaceholderText("Choose the defection type")
        form.addRow("Type", self.kind)
        self.reason = named(QPlainTextEdit(), "defectionReason")
        self.reason.setPlaceholderText("In a few words: what the customer said, what happened")
        self.reason.setTabChangesFocus(True)
        self.reason.setFixedHeight(90)
        form.addRow("Reason", self.reason)
        self.day = named(QDateEdit(QDate(self.today.year, self.today.month, self.today.day)), "defectionDate")
        self.day.setCalendarPopup(True)
        self.day.setDisplayFormat("yyyy-MM-dd")
        form.addRow("Since", self.day)
        layout.addLayout(form)

        self.error = named(QLabel(""), "dialogError")
        self.error.setWordWrap(True)
        self.error.hide()
        layout.addWidget(self.error)
        if history:
            earlier = "\n".join(
                f"{h.defected_on.isoformat()}  {h.status}, {h.defection_type}: {h.reason}"
                for h in history[:HISTORY_ROWS]
            )
            more = f"\n… and {len(history) - HISTORY_ROWS} more" if len(history) > HISTORY_ROWS else ""
            label = named(QLabel(f"Recorded before:\n{earlier}{more}"), "dialogHint")
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            layout.addWidget(label)
        layout.addStretch(1)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.ok = self.buttons.addButton("Record defection", QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok.setObjectName("dangerButton")
        self.ok.setIcon(icon("lost", "#b91c1c"))
        self.ok.setDefault(True)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.kind.setFocus(Qt.FocusReason.OtherFocusReason)

    def given(self) -> Given:
        """What was entered, checked (DefectionError says what to change)."""
        kind = self.kind.currentData()
        if not kind:
            raise DefectionError(f"Choose the defection type: {', '.join(DEFECTION_TYPES)}.")
        chosen = self.day.date()
        day = dt.date(chosen.year(), chosen.month(), chosen.day())
        defections.check_date(day, self.today)
        reason = defections.check_reason(self.reason.toPlainText())
        status = "declining" if self.declining.isChecked() else "lost"
        return Given(self.account_id, status, str(kind), reason, day)

    def accept(self) -> None:
        try:
            self.given()
        except DefectionError as exc:
            self.error.setText(str(exc))
            self.error.show()
            return
        super().accept()


def ask_defection(
    parent: QWidget, account_id: str, name: str, history: list[DefectionRow], *, declining: bool = False
) -> Given | None:
    """The defection entered, or None when cancelled (tests replace this to answer without a dialog)."""
    dialog = DefectionDialog(account_id, name, history, parent, declining=declining)
    return dialog.given() if dialog.exec() == QDialog.DialogCode.Accepted else None


def open_dialog(
    parent: QWidget, store: Any, runner: Any, account_id: str, *, declining: bool = False, done: Any = None
) -> None:
    """Read the account's history, ask, save in the background; ``done(Recorded)`` after it is saved."""

    def ask(history: object) -> None:
        assert isinstance(history, list)
        name = retention_ops.account_name(store, account_id)
        given = ask_defection(parent, account_id, name, history, declining=declining)
        if given is None:
            return
        task = runner.submit(retention_ops.record_defection, store, given)
        task.failed.connect(lambda exc: show_problem(parent, "Defection not recorded", exc))
        if done is not None:
            task.finished.connect(done)

    runner.submit(retention_ops.account_defections, store, account_id).finished.connect(ask)


def record_defection(page: Any, record_id: str) -> None:
    """The account record's Defection… action."""
    from sfa_desktop.ui.won_lost import store_and_runner

    store, runner = store_and_runner(page)

    def done(recorded: object) -> None:
        assert isinstance(recorded, retention_ops.Recorded)
        page.form.reported.emit(
            f"“{recorded.account}” recorded as {recorded.status} ({recorded.defection_type})."
        )
        page.recordsChanged.emit()

    page.form.confirm_leave(lambda: open_dialog(page, store, runner, record_id, done=done))
