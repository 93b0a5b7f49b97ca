"""Tools > Lead scoring rules…: the rules of the ``lead_scoring_rules`` setting, one by one (or as JSON).

The list shows every rule with its points; the panel beside it edits the selected rule's conditions.  Save
checks the whole set with :func:`core.scoring_rules.parse` (nothing is saved while a rule is wrong) and
the scores are computed again.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from sfa_desktop.core.records.fields import ACTIVITY_OUTCOMES, INDUSTRIES, LEAD_SOURCES
from sfa_desktop.core.scoring import rules as scoring_rules
from sfa_desktop.core.scoring.rules import FIT_KINDS, KIND_LABELS, KINDS, RulesError
from sfa_desktop.ops import leads as lead_ops
from sfa_desktop.store.database import LocalStore
from sfa_desktop.ui.icons import icon
from sfa_desktop.ui.tasks import TaskRunner
from sfa_desktop.ui.widgets import named

#: What a new rule of each kind starts as.
STARTERS: dict[str, dict[str, Any]] = {
    "industry": {"kind": "industry", "industries": ["Manufacturing"], "points": 10},
    "company_size": {"kind": "company_size", "min": 100, "points": 10},
    "territory": {"kind": "territory", "points": 10, "outside_points": -10},
    "source": {"kind": "source", "sources": ["referral"], "points": 10},
    "activities": {"kind": "activities", "days": 30, "points_each": 3, "max_points": 15},
    "outcome": {"kind": "outcome", "outcomes": ["meeting booked"], "days": 60, "points": 15},
    "recency": {"kind": "recency", "days": 14, "points": 10},
    "no_contact": {"kind": "no_contact", "days": 60, "points": -10},
}
_VOCABULARY = {"industries": INDUSTRIES, "sources": LEAD_SOURCES, "outcomes": ACTIVITY_OUTCOMES}


def describe(rule: dict[str, Any]) -> tuple[str, str, str]:
    """A rule as (points, label, when): ('+15', 'Target industry', 'Manufacturing, Logistics +2')."""
    kind = rule.get("kind", "?")
    label = rule.get("label") or KIND_LABELS.get(kind, kind)
    if kind == "activities":
        points = f"+{rule.get('points_each', 0)} each"
    else:
        value = int(rule.get("points", 0) or 0)
        points = f"+{value}" if value > 0 else str(value)
    detail = ""
    for name in ("industries", "sources", "outcomes"):
        if name in rule:
            words = list(rule[name])
            detail = ", ".join(words[:3]) + (f" +{len(words) - 3}" if len(words) > 3 else "")
    if kind == "company_size":
        low, high = rule.get("min"), rule.get("max")
        detail = f"{low or 0:,} to {high:,}" if high is not None else f"{low or 0:,} or more"
        detail += " employees"
    elif kind == "territory":
        outside = int(rule.get("outside_points") or 0)
        detail = "its owner's territories" + (f" (outside: {outside:+d})" if outside else "")
    elif kind == "activities":
        cap = rule.get("max_points")
        detail = f"in the last {rule.get('days')} days" + (f", at most {cap}" if cap is not None else "")
    elif kind == "outcome":
        detail += f" in {rule.get('days')} days"
    elif kind == "recency":
        detail = f"contact within {rule.get('days')} days"
    elif kind == "no_contact":
        detail = f"no contact for over {rule.get('days')} days"
    return points, label, detail


class RulesDialog(QDialog):
    """``saved()`` fires after the rules were saved."""

    saved = Signal()

    def __init__(self, store: LocalStore, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("rulesDialog")
        self.setWindowTitle("Lead scoring rules")
        self.setMinimumSize(820, 500)  # explicit: the layout never re-sends size hints while shown
        self.resize(900, 560)
        self.store = store
        self.runner = runner
        self.rules: list[dict[str, Any]] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(22, 18, 22, 14)
        layout.setSpacing(8)
        layout.addWidget(named(QLabel("Lead scoring rules"), "dialogTitle"))
        intro = named(
            QLabel(
                "A lead's score is the sum of the points of the rules that apply to it. Fit rules look at "
                "who the lead is; engagement rules at its done activities. Negative points count against it."
            ),
            "dialogHint",
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.tabs = named(QTabWidget(), "rulesTabs")
        self.tabs.setDocumentMode(True)
        layout.addWidget(self.tabs, 1)

        rules_page = QWidget()
        row = QHBoxLayout(rules_page)
        row.setContentsMargins(0, 8, 0, 0)
        left = QVBoxLayout()
        self.list = named(QTableWidget(0, 3), "rulesList")
        self.list.setHorizontalHeaderLabels(["Points", "Rule", "When"])
        self.list.setMinimumWidth(500)
        self.list.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.list.setShowGrid(False)
        self.list.setWordWrap(False)
        self.list.verticalHeader().hide()
        self.list.verticalHeader().setDefaultSectionSize(28)
        header = self.list.horizontalHeader()
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.resizeSection(0, 74)
        header.resizeSection(1, 170)
        header.setStretchLastSection(True)
        self.list.currentCellChanged.connect(lambda row, _c, _pr, _pc: self._show_rule(row))
        left.addWidget(self.list, 1)
        tools = QHBoxLayout()
        self.add_button = QPushButton(icon("add"), "Add rule")
        menu = QMenu(self.add_button)
        for kind in KINDS:
            group = "Fit" if kind in FIT_KINDS else "Engagement"
            action = menu.addAction(f"{group}: {KIND_LABELS[kind]}")
            action.triggered.connect(lambda _checked=False, k=kind: self.add_rule(k))
        self.add_button.setMenu(menu)
        self.remove_button = QPushButton(icon("delete"), "Remove")
        self.remove_button.clicked.connect(self.remove_rule)
        tools.addWidget(self.add_button)
        tools.addWidget(self.remove_button)
        tools.addStretch(1)
        left.addLayout(tools)
        row.addLayout(left, 3)
        self.panel = named(QWidget(), "rulePanel")
        self.form = QFormLayout(self.panel)
        self.form.setContentsMargins(14, 0, 0, 0)
        row.addWidget(self.panel, 2)
        self.tabs.addTab(rules_page, "Rules")

        self.json = named(QPlainTextEdit(), "rulesJson")
        self.json.setTabChangesFocus(True)
        self.tabs.addTab(self.json, "As JSON")
        self.tabs.currentChanged.connect(self._tab_changed)

        self.banner = named(QLabel(), "formBanner")
        self.banner.setWordWrap(True)
        self.banner.hide()
        layout.addWidget(self.banner)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.reset_button = buttons.addButton("Reset to defaults", QDialogButtonBox.ButtonRole.ResetRole)
        self.save_button = buttons.addButton("Save", QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_button.setObjectName("primaryButton")
        self.save_button.setIcon(icon("save", "#ffffff"))
        self.reset_button.clicked.connect(self.reset)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        task = runner.submit(lead_ops.load_rules, store)
        task.finished.connect(lambda raw: self.set_rules(json.loads(str(raw))["rules"]))

    # -- the rules ------------------------------------------------------------------------------------

    def set_rules(self, rules: list[dict[str, Any]]) -> None:
        self.rules = copy.deepcopy(rules)
        self.list.setRowCount(len(self.rules))
        for row in range(len(self.rules)):
            self._refresh_item(row)
        if self.rules:
            self.list.setCurrentCell(0, 0)
            self._show_rule(0)
        else:
            self._show_rule(-1)

    def _refresh_item(self, row: int) -> None:
        rule = self.rules[row]
        fit = rule.get("kind") in FIT_KINDS
        points, label, detail = describe(rule)
        negative = points.startswith("-")
        for column, text in enumerate((points, label, detail)):
            item = QTableWidgetItem(text)
            item.setToolTip(("Fit rule: " if fit else "Engagement rule: ") + f"{label} {detail}".strip())
            if column == 0:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                item.setForeground(QColor("#b91c1c" if negative else "#15803d"))
                font = item.font()
                font.setBold(True)
                item.setFont(font)
            if column == 1:
                item.setIcon(icon("accounts" if fit else "sync", "#64748b"))
            self.list.setItem(row, column, item)

    def current_row(self) -> int:
        return self.list.currentRow()

    def add_rule(self, kind: str) -> None:
        self.rules.append(copy.deepcopy(STARTERS[kind]))
        row = len(self.rules) - 1
        self.list.setRowCount(len(self.rules))
        self._refresh_item(row)
        self.list.setCurrentCell(row, 0)
        self._show_rule(row)

    def remove_rule(self) -> None:
        row = self.list.currentRow()
        if 0 <= row < len(self.rules):
            del self.rules[row]
            self.list.removeRow(row)
            self._show_rule(self.list.currentRow())

    def reset(self) -> None:
        self.set_rules(scoring_rules.DEFAULT_RULES)
        self.json.setPlainText(scoring_rules.dumps(self.rules))

    # -- the panel ------------------------------------------------------------------------------------

    def _clear_panel(self) -> None:
        while self.form.rowCount():
            self.form.removeRow(0)

    def _show_rule(self, row: int) -> None:
        self._clear_panel()
        if not 0 <= row < len(self.rules):
            self.form.addRow(named(QLabel("Select a rule, or add one."), "dialogHint"))
            return
        rule = self.rules[row]
        kind = rule["kind"]
        group = "Fit" if kind in FIT_KINDS else "Engagement"
        self.form.addRow(named(QLabel(f"{group.upper()}: {KIND_LABELS[kind].upper()}"), "formSection"))
        label = QLineEdit(rule.get("label", ""))
        label.setObjectName("ruleLabel")
        label.setPlaceholderText(KIND_LABELS[kind])
        label.textEdited.connect(lambda text: self._set(row, "label", text.strip() or None))
        self.form.addRow("Label", label)
        if kind == "activities":
            self._number(row, "points_each", "Points per activity", -100, 100)
            self._number(row, "max_points", "At most (points)", 0, 100, optional=True)
        else:
            self._number(row, "points", "Points", -100, 100)
        if kind == "territory":
            self._number(row, "outside_points", "Points when outside", -100, 100)
            note = QLabel(
                "The lead's territory is one of its owner's, or its address matches an assignment "
                "rule of one of them."
            )
            note.setWordWrap(True)
            note.setObjectName("dialogHint")
            self.form.addRow(note)
        if kind == "company_size":
            self._number(row, "min", "At least (employees)", 0, 10_000_000, optional=True)
            self._number(row, "max", "At most (employees)", 0, 10_000_000, optional=True)
        if "days" in STARTERS[kind]:
            self._number(row, "days", "Days", 1, 3650)
        for name in ("industries", "sources", "outcomes"):
            if name in STARTERS[kind]:
                self._words(row, name)

    def _set(self, row: int, name: str, value: Any) -> None:
        if value is None:
            self.rules[row].pop(name, None)
        else:
            self.rules[row][name] = value
        self.list.blockSignals(True)  # re-filling the row must not re-build the panel being typed in
        self._refresh_item(row)
        self.list.blockSignals(False)

    def _number(
        self, row: int, name: str, label: str, low: int, high: int, *, optional: bool = False
    ) -> None:
        box = QSpinBox()
        box.setObjectName(f"rule_{name}")
        box.setRange(low - 1 if optional else low, high)
        if optional:
            box.setSpecialValueText("no limit")
        value = self.rules[row].get(name)
        box.setValue(int(value) if value is not None else box.minimum())
        box.valueChanged.connect(
            lambda v: self._set(row, name, None if optional and v == box.minimum() else int(v))
        )
        self.form.addRow(label, box)

    def _words(self, row: int, name: str) -> None:
        words = QListWidget()
        words.setObjectName(f"rule_{name}")
        words.setMinimumHeight(150)
        chosen = set(self.rules[row].get(name, []))
        for word in _VOCABULARY[name]:
            item = QListWidgetItem(word[:1].upper() + word[1:])
            item.setData(Qt.ItemDataRole.UserRole, word)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if word in chosen else Qt.CheckState.Unchecked)
            words.addItem(item)

        def changed(_item: QListWidgetItem) -> None:
            picked = [
                words.item(i).data(Qt.ItemDataRole.UserRole)
                for i in range(words.count())
                if words.item(i).checkState() == Qt.CheckState.Checked
            ]
            self._set(row, name, picked)

        words.itemChanged.connect(changed)
        self.form.addRow(name.capitalize(), words)

    # -- JSON, saving ---------------------------------------------------------------------------------

    def _tab_changed(self, index: int) -> None:
        if index == 1:
            self.json.setPlainText(scoring_rules.dumps(self.rules))
            return
        try:
            rules = scoring_rules.parse(self.json.toPlainText())
        except RulesError as exc:
            self._banner("The JSON has problems: " + " ".join(exc.problems))
            self.tabs.blockSignals(True)
            self.tabs.setCurrentIndex(1)
            self.tabs.blockSignals(False)
            return
        self.banner.hide()
        self.set_rules([scoring_rules.to_json(r) for r in rules])

    def current_text(self) -> str:
        if self.tabs.currentIndex() == 1:
            return self.json.toPlainText()
        return scoring_rules.dumps(self.rules)

    def save(self) -> None:
        text = self.current_text()
        try:
            scoring_rules.parse(text)
        except RulesError as exc:
            self._banner("Not saved: " + " ".join(exc.problems))
            return
        self.save_button.setEnabled(False)
        task = self.runner.submit(lead_ops.save_rules, self.store, text)
        task.finished.connect(self._saved)
        task.failed.connect(self._failed)

    def _saved(self, _count: object) -> None:
        self.saved.emit()
        self.accept()

    def _failed(self, exc: object) -> None:
        self.save_button.setEnabled(True)
        problems = exc.problems if isinstance(exc, RulesError) else [str(exc)]
        self._banner("Not saved: " + " ".join(problems))

    def _banner(self, text: str) -> None:
        self.banner.setText(text)
        self.banner.show()


def edit_rules(window: Any) -> RulesDialog:
    """The window action (Tools > Lead scoring rules…)."""
    dialog = RulesDialog(window.store, window.runner, window)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def saved() -> None:
        window.show_message("Scoring rules saved; the scores were computed again.")
        page = window.sections.get("leads")
        if page is not None:
            page.model.reload()
            # The lead's Score tab (ui.score_tab, which opens this dialog too) shows the new reasons.
            for tab in page.findChildren(QWidget, "scoreTab"):
                lead_id = getattr(tab, "lead_id", None)
                if lead_id is not None and tab.isVisible():
                    tab.show_record(lead_id)

    dialog.saved.connect(saved)
    dialog.open()
    return dialog
