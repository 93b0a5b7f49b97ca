"""Convert… on a lead: choose the account and contact it becomes (new ones, or existing records it matches,
so nothing is duplicated), optionally an opportunity, and convert in one transaction.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QGridLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from sfa_desktop.core.records.conversion import Match, Plan, Result
from sfa_desktop.core.records.fields import Field
from sfa_desktop.core.records.validation import FieldError, ValidationError, parse_date, parse_money_cents
from sfa_desktop.ops import leads as lead_ops
from sfa_desktop.store.database import LocalStore
from sfa_desktop.ui.fieldwidgets import RefPicker
from sfa_desktop.ui.icons import icon
from sfa_desktop.ui.tasks import TaskRunner
from sfa_desktop.ui.widgets import named

NEW = "new"
OTHER = "other"


class _Choice(QWidget):
    """New record, one of the matches, or another record found by name."""

    def __init__(self, kind: str, new_label: str, matches: list[Match], picker: RefPicker) -> None:
        super().__init__()
        self.kind = kind
        self.group = QButtonGroup(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.buttons: dict[str, QRadioButton] = {}
        self._add(layout, NEW, new_label, "")
        for match in matches:
            detail = "\n".join(x for x in (match.detail, *match.reasons) if x)
            self._add(layout, match.id, f"Use the existing {kind[:-1]} {match.label}", detail)
        self._add(layout, OTHER, f"Another existing {kind[:-1]}:", "")
        self.picker = picker
        picker.widget.setEnabled(False)
        layout.addWidget(picker.widget)
        self.buttons[OTHER].toggled.connect(picker.widget.setEnabled)
        picker.edited.connect(lambda: self.buttons[OTHER].setChecked(True))
        (self.buttons[matches[0].id] if matches else self.buttons[NEW]).setChecked(True)

    def _add(self, layout: QVBoxLayout, key: str, text: str, detail: str) -> None:
        button = QRadioButton(text)
        button.setObjectName(f"{self.kind}_{'new' if key == NEW else 'other' if key == OTHER else 'match'}")
        self.group.addButton(button)
        self.buttons[key] = button
        layout.addWidget(button)
        for line in detail.split("\n") if detail else ():
            note = named(QLabel(line), "matchReason")
            note.setContentsMargins(26, 0, 0, 0)
            layout.addWidget(note)

    def choose(self, key: str) -> None:
        self.buttons[key].setChecked(True)

    def chosen(self) -> str | None:
        """None: a new record; else the id of the existing one.  FieldError when 'another' has none."""
        for key, button in self.buttons.items():
            if button.isChecked():
                if key == NEW:
                    return None
                if key == OTHER:
                    self.picker.check()
                    record_id = self.picker.record_id
                    if record_id is None:
                        raise FieldError(f"Find the {self.kind[:-1]} by name and pick it from the list.")
                    return record_id
                return key
        return None


class ConvertDialog(QDialog):
    """``converted(result, sentence)`` fires when the lead was converted (then the dialog closes)."""

    converted = Signal(object, str)

    def __init__(
        self, store: LocalStore, runner: TaskRunner, lead_id: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("convertDialog")
        self.setWindowTitle("Convert lead")
        self.setMinimumSize(620, 320)  # explicit: the layout never re-sends size hints while shown
        self.store = store
        self.runner = runner
        self.lead_id = lead_id
        self.account: _Choice | None = None
        self.contact: _Choice | None = None
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(22, 18, 22, 14)
        self.layout_.setSpacing(8)
        self.loading = named(QLabel("Looking for matching accounts and contacts…"), "dialogHint")
        self.layout_.addWidget(self.loading)
        task = runner.submit(lead_ops.conversion_start, store, lead_id)
        task.finished.connect(self._build)
        task.failed.connect(lambda exc: self.loading.setText(f"The lead cannot be converted: {exc}"))

    def _section(self, text: str) -> None:
        self.layout_.addWidget(named(QLabel(text.upper()), "formSection"))

    def _build(self, start: object) -> None:
        assert isinstance(start, lead_ops.ConversionStart)
        self.loading.hide()
        lead = start.lead
        person = f"{lead.get('first_name') or ''} {lead.get('last_name') or ''}".strip()
        company = lead.get("company") or ""
        title = named(QLabel(f"Convert {person}" + (f" of {company}" if company else "")), "dialogTitle")
        self.layout_.addWidget(title)
        count = lead.get("activities", 0)
        carried = f"its {count} activit{'y' if count == 1 else 'ies'} and its notes" if count else "its notes"
        hint = named(
            QLabel(
                f"The lead becomes an account and a contact; {carried} go with them. One step: it all "
                "happens, or nothing does."
            ),
            "dialogHint",
        )
        hint.setWordWrap(True)
        self.layout_.addWidget(hint)
        if start.lead.get("status") == "converted":
            hint.setText("This lead was already converted.")
        self._section("Account")
        picker = RefPicker(Field("account_id", "Account", "ref", ref="accounts"), self.store, self.runner)
        self.account = _Choice(
            "accounts", f"Create a new account “{company or person}”", start.matches.accounts, picker
        )
        self.layout_.addWidget(self.account)
        self._section("Contact")
        picker = RefPicker(Field("contact_id", "Contact", "ref", ref="contacts"), self.store, self.runner)
        self.contact = _Choice("contacts", f"Create a new contact “{person}”", start.matches.contacts, picker)
        self.layout_.addWidget(self.contact)
        self._section("Opportunity")
        self.with_opportunity = QCheckBox("Also create an opportunity")
        self.with_opportunity.setObjectName("withOpportunity")
        self.layout_.addWidget(self.with_opportunity)
        self.opportunity = QFrame()
        grid = QGridLayout(self.opportunity)
        grid.setContentsMargins(26, 0, 0, 0)
        self.opp_name = QLineEdit(f"{company or person}: new business")
        self.opp_name.setObjectName("opportunityName")
        self.opp_name.setCursorPosition(0)
        self.opp_amount = QLineEdit()
        self.opp_amount.setObjectName("opportunityAmount")
        self.opp_amount.setPlaceholderText("0.00")
        self.opp_amount.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.opp_close = QLineEdit()
        self.opp_close.setObjectName("opportunityCloseDate")
        self.opp_close.setPlaceholderText("YYYY-MM-DD")
        self.opp_stage = QComboBox()
        self.opp_stage.setObjectName("opportunityStage")
        for stage in start.stages:
            self.opp_stage.addItem(f"{stage.name} ({stage.probability}%)", stage.key)
        for column, (label, widget) in enumerate(
            (
                ("Name", self.opp_name),
                ("Amount", self.opp_amount),
                ("Close date", self.opp_close),
                ("Stage", self.opp_stage),
            )
        ):
            row, col = divmod(column, 2)
            grid.addWidget(named(QLabel(label), "fieldLabel"), row * 2, col)
            grid.addWidget(widget, row * 2 + 1, col)
        self.opportunity.setEnabled(False)
        self.with_opportunity.toggled.connect(self.opportunity.setEnabled)
        self.layout_.addWidget(self.opportunity)
        self.banner = named(QLabel(), "formBanner")
        self.banner.setWordWrap(True)
        self.banner.hide()
        self.layout_.addWidget(self.banner)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.convert_button = buttons.addButton("Convert", QDialogButtonBox.ButtonRole.AcceptRole)
        self.convert_button.setObjectName("primaryButton")
        self.convert_button.setIcon(icon("convert", "#ffffff"))
        self.convert_button.setEnabled(start.lead.get("status") != "converted")
        buttons.accepted.connect(self.convert)
        buttons.rejected.connect(self.reject)
        self.layout_.addWidget(buttons)
        QTimer.singleShot(0, self._fit)  # once the new widgets are polished (style sheet fonts)

    def _fit(self) -> None:
        self.layout_.activate()
        self.resize(max(self.width(), 620), max(self.height(), self.sizeHint().height()))

    def plan(self) -> Plan:
        """The choices as a conversion plan; FieldError names what to fix."""
        assert self.account is not None
        assert self.contact is not None
        plan = Plan(account_id=self.account.chosen(), contact_id=self.contact.chosen())
        if self.with_opportunity.isChecked():
            opportunity: dict[str, Any] = {"name": self.opp_name.text().strip()}
            if self.opp_amount.text().strip():
                try:
                    opportunity["amount_cents"] = parse_money_cents(self.opp_amount.text())
                except FieldError as exc:
                    raise FieldError(f"Amount: {exc}") from None
            if self.opp_close.text().strip():
                try:
                    opportunity["close_date"] = parse_date(self.opp_close.text())
                except FieldError as exc:
                    raise FieldError(f"Close date: {exc}") from None
            if self.opp_stage.currentData():
                opportunity["stage"] = self.opp_stage.currentData()
            plan.opportunity = opportunity
        return plan

    def convert(self) -> None:
        try:
            plan = self.plan()
        except FieldError as exc:
            self._banner(str(exc))
            return
        self.convert_button.setEnabled(False)
        task = self.runner.submit(lead_ops.convert, self.store, self.lead_id, plan)
        task.finished.connect(self._done)
        task.failed.connect(self._failed)

    def _done(self, outcome: object) -> None:
        assert isinstance(outcome, tuple)
        result, sentence = outcome
        self.converted.emit(result, sentence)
        self.accept()

    def _failed(self, exc: object) -> None:
        self.convert_button.setEnabled(True)
        if isinstance(exc, ValidationError):
            self._banner("Not converted: " + " ".join(exc.errors.values()))
        else:
            self._banner(f"Not converted: {exc}")

    def _banner(self, text: str) -> None:
        self.banner.setText(text)
        self.banner.show()


def convert_lead(page: Any, record_id: str) -> ConvertDialog:
    """The lead's Convert… action: the dialog; then the lead shows as converted and the account opens."""
    from sfa_desktop.ui.won_lost import store_and_runner

    store, runner = store_and_runner(page)
    dialog = ConvertDialog(store, runner, record_id, page)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def converted(result: object, sentence: str) -> None:
        assert isinstance(result, Result)
        page.form.reported.emit(sentence)
        page.form.show_record(record_id)
        page.model.reload()
        page.recordsChanged.emit()
        window = page.window()
        if hasattr(window, "open_record"):
            window.open_record("accounts", result.account_id)
            window.show_message(sentence)

    dialog.converted.connect(converted)
    page.form.confirm_leave(dialog.open)
    return dialog
