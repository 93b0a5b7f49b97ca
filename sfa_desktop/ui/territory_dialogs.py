"""Dialogs of the Territories page: a territory, an assignment rule, a member.  Each saves through its job
on the task runner and stays open with the problems under the fields when the services refuse."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
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

from sfa_desktop.core.records.fields import ENTITIES, INDUSTRIES, RULE_SCOPES
from sfa_desktop.core.records.validation import ValidationError
from sfa_desktop.ui.tasks import TaskRunner
from sfa_desktop.ui.widgets import named

NONE = ""
W = TypeVar("W", bound=QWidget)


class FormDialog(QDialog):
    """A small form: ``save(values)`` runs on the runner; ``saved(id)`` fires when it succeeded."""

    saved = Signal(str)

    def __init__(
        self, title: str, runner: TaskRunner, save: Callable[[dict[str, Any]], Any], parent: QWidget | None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("territoryDialog")
        self.setWindowTitle(title)
        self.runner = runner
        self._save = save
        outer = QVBoxLayout(self)
        self.form = QFormLayout()
        self.form.setVerticalSpacing(4)
        outer.addLayout(self.form)
        self.errors: dict[str, QLabel] = {}
        self.banner = named(QLabel(), "fieldError")
        self.banner.setWordWrap(True)
        self.banner.hide()
        outer.addWidget(self.banner)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        outer.addWidget(self.buttons)

    def add(self, name: str, label: str, widget: W, hint: str = "") -> W:
        widget.setObjectName(f"field_{name}")
        if hint:
            widget.setToolTip(hint)
        self.form.addRow(label, widget)
        error = named(QLabel(), "fieldError")
        error.setWordWrap(True)
        error.hide()
        self.form.addRow("", error)
        self.errors[name] = error
        return widget

    def values(self) -> dict[str, Any]:
        raise NotImplementedError

    def setVisible(self, visible: bool) -> None:
        # An explicit minimum size (with room for the messages under the fields) before the window exists:
        # the layout then never changes the window's size constraints as messages come and go.
        if visible and not self.property("sized"):
            fixed_size(self, 480, 60)
            self.setProperty("sized", "true")
        super().setVisible(visible)

    def submit(self) -> None:
        for label in self.errors.values():
            label.hide()
        self.banner.hide()
        self.buttons.setEnabled(False)
        task = self.runner.submit(self._save, self.values())
        task.finished.connect(self._done)
        task.failed.connect(self._refused)

    def _done(self, record_id: object) -> None:
        self.saved.emit(str(record_id))
        self.accept()

    def _refused(self, exc: object) -> None:
        self.buttons.setEnabled(True)
        if isinstance(exc, ValidationError):
            for name, message in exc.errors.items():
                label = self.errors.get(name)
                if label is None:
                    self.banner.setText(message)
                    self.banner.show()
                else:
                    label.setText(message)
                    label.show()
        else:
            self.banner.setText(str(exc))
            self.banner.show()


def fixed_size(dialog: QDialog, width: int, room: int = 0) -> None:
    hint = dialog.sizeHint()
    dialog.setMinimumSize(max(width, hint.width()), hint.height() + room)


def _combo(options: Sequence[tuple[str, str]], current: str | None) -> QComboBox:
    box = QComboBox()
    for value, label in options:
        box.addItem(label, value)
    index = box.findData(current if current is not None else NONE)
    box.setCurrentIndex(max(index, 0))
    return box


def _line(value: Any, placeholder: str = "") -> QLineEdit:
    edit = QLineEdit("" if value is None else str(value))
    edit.setPlaceholderText(placeholder)
    return edit


def _data(box: QComboBox) -> str | None:
    data = box.currentData()
    return None if data in (None, NONE) else str(data)


class TerritoryDialog(FormDialog):
    """A new territory (``current`` None) or an existing one; ``parents``: where it may be put."""

    def __init__(
        self,
        runner: TaskRunner,
        save: Callable[[dict[str, Any]], Any],
        parents: Sequence[tuple[str, str]],
        current: dict[str, Any] | None = None,
        parent_id: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("Edit territory" if current else "New territory", runner, save, parent)
        values = current or {}
        self.code = self.add("code", "Code", _line(values.get("code"), "e.g. EAST-NE"))
        self.name = self.add("name", "Name", _line(values.get("name"), "e.g. New England"))
        self.parent_box = self.add(
            "parent_id",
            "Part of",
            _combo(parents, values.get("parent_id", parent_id)),
            "The territory above this one: its managers see this one too",
        )
        self.description = QPlainTextEdit(values.get("description") or "")
        self.description.setFixedHeight(70)
        self.add("description", "Description", self.description)

    def values(self) -> dict[str, Any]:
        return {
            "code": self.code.text(),
            "name": self.name.text(),
            "parent_id": _data(self.parent_box),
            "description": self.description.toPlainText(),
        }


_RULE_TEXT = (
    ("name", "Rule name", "e.g. Greater Boston"),
    ("priority", "Priority", "100; lower numbers are tried first"),
    ("country", "Country", "e.g. US"),
    ("region", "State / region", "e.g. MA"),
    ("postcode_prefixes", "Postcode prefixes", "e.g. 021, 022"),
    ("postcode_from", "Postcodes from", "e.g. 01000"),
    ("postcode_to", "Postcodes to", "e.g. 06999"),
    ("city", "City", ""),
    ("min_employees", "Employees at least", ""),
    ("max_employees", "Employees at most", ""),
)


class RuleDialog(FormDialog):
    """A new assignment rule for a territory, or an existing rule; ``territories``: where it may go."""

    def __init__(
        self,
        runner: TaskRunner,
        save: Callable[[dict[str, Any]], Any],
        territories: Sequence[tuple[str, str]],
        territory_id: str,
        current: dict[str, Any] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("Edit assignment rule" if current else "New assignment rule", runner, save, parent)
        values = current or {"priority": 100, "applies_to": "both", "active": True}
        intro = QLabel(
            "Accounts and leads that meet every condition you fill in belong to the territory. When several "
            "rules match, the lowest priority number wins, then the rule with more conditions."
        )
        intro.setWordWrap(True)
        self.form.addRow(intro)
        self.territory = self.add(
            "territory_id", "Territory", _combo(territories, values.get("territory_id", territory_id))
        )
        self.edits: dict[str, QLineEdit] = {}
        for name, label, placeholder in _RULE_TEXT:
            edit = _line(values.get(name), placeholder)
            self.edits[name] = edit
            self.add(name, label, edit)
            if name == "priority":
                scopes = [
                    (s, {"both": "Accounts and leads", "accounts": "Accounts", "leads": "Leads"}[s])
                    for s in RULE_SCOPES
                ]
                self.applies = self.add("applies_to", "Applies to", _combo(scopes, values.get("applies_to")))
        industries = [(NONE, "Any industry"), *((i, i) for i in INDUSTRIES)]
        self.industry = self.add("industry", "Industry", _combo(industries, values.get("industry") or NONE))
        self.active = QCheckBox("Active: used by Run assignment")
        self.active.setChecked(bool(values.get("active", True)))
        self.add("active", "", self.active)

    def values(self) -> dict[str, Any]:
        result: dict[str, Any] = {name: edit.text() for name, edit in self.edits.items()}
        result.update(
            territory_id=_data(self.territory),
            applies_to=_data(self.applies),
            industry=_data(self.industry),
            active=self.active.isChecked(),
        )
        return result


class MemberDialog(FormDialog):
    """Add a user to a territory as a rep or a manager."""

    def __init__(
        self,
        runner: TaskRunner,
        save: Callable[[dict[str, Any]], Any],
        users: Sequence[tuple[str, str]],
        territory: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(f"Add a member to {territory}", runner, save, parent)
        self.user = self.add("user_id", "User", _combo(users, None))
        roles = ENTITIES["territory_memberships"].by_name["role"].choices
        self.role = self.add("role", "Role", _combo([(r, r.capitalize()) for r in roles], "rep"))

    def values(self) -> dict[str, Any]:
        return {"user_id": _data(self.user), "role": _data(self.role)}
