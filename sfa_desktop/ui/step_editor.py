"""Editing one step of a sequence template: kind, title, wait, the script (Markdown, with a preview), linked
articles, and for each outcome what happens (go to a step, the next step, repeat up to N times and then...,
complete or exit with a result).  Works on the step's JSON (see ``core.sequences``)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from sfa_desktop.core.records.fields import ACTIVITY_OUTCOMES, LEAD_STATUSES
from sfa_desktop.core.sequences.templates import MAX_REPEATS, MAX_WAIT_DAYS, STEP_KINDS
from sfa_desktop.ui.icons import icon
from sfa_desktop.ui.markdown_view import MarkdownView
from sfa_desktop.ui.widgets import named

ACTIONS = (
    ("goto", "Go to step"),
    ("next", "Next step"),
    ("repeat", "Repeat"),
    ("complete", "Complete"),
    ("exit", "Exit"),
)
THEN = tuple(a for a in ACTIONS if a[0] != "repeat")


def _combo(items: tuple[tuple[str, str], ...] | list[tuple[str, str]]) -> QComboBox:
    combo = QComboBox()
    for key, text in items:
        combo.addItem(text, key)
    return combo


def _select(combo: QComboBox, key: Any) -> None:
    index = combo.findData(key)
    combo.setCurrentIndex(max(index, 0))


class RuleEditor(QWidget):
    """One rule: the action and its parameters (``repeat`` nests a ``then`` rule editor)."""

    def __init__(self, steps: list[str], *, allow_repeat: bool = True, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.action = _combo(ACTIONS if allow_repeat else THEN)
        self.target = QComboBox()
        self.set_steps(steps)
        self.after = QSpinBox()
        self.after.setRange(0, MAX_WAIT_DAYS)
        self.after.setPrefix("in ")
        self.after.setSuffix(" days")
        self.after.setMaximumWidth(100)
        self.business = QCheckBox("workdays")
        self.business.setToolTip("Count business days only (Monday to Friday)")
        self.max = QSpinBox()
        self.max.setRange(1, MAX_REPEATS)
        self.max.setPrefix("up to ")
        self.max.setSuffix(" times")
        self.max.setMaximumWidth(110)
        self.then = RuleEditor(steps, allow_repeat=False) if allow_repeat else None
        self.result = QLineEdit()
        self.result.setPlaceholderText("result, e.g. not interested")
        self.result.setMaximumWidth(190)
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("reason (optional)")
        self.lead_status = _combo([("", "lead unchanged"), *((s, f"lead {s}") for s in LEAD_STATUSES)])
        self.params = QStackedWidget()
        pages: dict[str, list[QWidget]] = {
            "goto": [self.target],
            "next": [],
            "repeat": [self.after, self.business, self.max],
            "end": [self.result, self.lead_status],  # complete and exit (the reason goes below)
        }
        self._pages: dict[str, int] = {}
        for key, widgets in pages.items():
            page = QWidget()
            row = QHBoxLayout(page)
            row.setContentsMargins(0, 0, 0, 0)
            for widget in widgets:
                row.addWidget(widget)
            row.addStretch(1)
            self._pages[key] = self.params.addWidget(page)
        first = QHBoxLayout()
        first.setContentsMargins(0, 0, 0, 0)
        first.addWidget(self.action)
        first.addWidget(self.params, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(first)
        self.then_row = QWidget()
        then_layout = QHBoxLayout(self.then_row)
        then_layout.setContentsMargins(0, 0, 0, 0)
        if self.then is not None:
            then_layout.addWidget(named(QLabel("after the last try:"), "fieldLabel"))
            then_layout.addWidget(self.then, 1)
        layout.addWidget(self.then_row)
        layout.addWidget(self.reason)
        self.action.currentIndexChanged.connect(self._switch)
        self._switch()

    def set_steps(self, steps: list[str]) -> None:
        current = self.target.currentData()
        self.target.clear()
        for key in steps:
            self.target.addItem(key, key)
        if current is not None:
            _select(self.target, current)
        if getattr(self, "then", None) is not None:
            assert self.then is not None
            self.then.set_steps(steps)

    def _switch(self) -> None:
        key = str(self.action.currentData())
        self.params.setCurrentIndex(self._pages["end" if key in ("complete", "exit") else key])
        self.then_row.setVisible(key == "repeat" and self.then is not None)
        self.reason.setVisible(key in ("complete", "exit"))

    def load(self, rule: dict[str, Any]) -> None:
        kind = next((k for k, _t in ACTIONS if k in rule), "next")
        _select(self.action, kind)
        if kind == "goto":
            if self.target.findData(rule["goto"]) < 0:
                self.target.addItem(str(rule["goto"]), rule["goto"])
            _select(self.target, rule["goto"])
        elif kind == "repeat":
            spec = rule.get("repeat") or {}
            self.after.setValue(int(spec.get("after_days") or 0))
            self.business.setChecked(bool(spec.get("business_days")))
            self.max.setValue(int(spec.get("max") or 1))
            if self.then is not None:
                self.then.load(rule.get("then") or {"next": True})
        elif kind in ("complete", "exit"):
            self.result.setText(str(rule.get(kind) or ""))
            self.reason.setText(str(rule.get("reason") or ""))
            _select(self.lead_status, rule.get("lead_status") or "")

    def rule(self) -> dict[str, Any]:
        kind = self.action.currentData()
        if kind == "goto":
            return {"goto": self.target.currentData() or ""}
        if kind == "next":
            return {"next": True}
        if kind == "repeat":
            spec = {
                "after_days": self.after.value(),
                "business_days": self.business.isChecked(),
                "max": self.max.value(),
            }
            out: dict[str, Any] = {"repeat": spec}
            if self.then is not None:
                out["then"] = self.then.rule()
            return out
        out = {str(kind): self.result.text().strip()}
        if self.reason.text().strip():
            out["reason"] = self.reason.text().strip()
        if self.lead_status.currentData():
            out["lead_status"] = self.lead_status.currentData()
        return out


class OutcomeRow(QWidget):
    removed = Signal(object)

    def __init__(self, steps: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.outcome = _combo([(o, o.capitalize()) for o in ACTIVITY_OUTCOMES])
        self.outcome.setMinimumWidth(130)
        self.rule = RuleEditor(steps)
        remove = QPushButton(icon("delete"), "")
        remove.setToolTip("Remove this outcome")
        remove.setFixedWidth(32)
        remove.clicked.connect(lambda: self.removed.emit(self))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.outcome, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(QLabel("→"), 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.rule, 1)
        layout.addWidget(remove, 0, Qt.AlignmentFlag.AlignTop)


class StepEditor(QWidget):
    """Shows one step's JSON in widgets; :meth:`step` gives it back."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.keys: list[str] = []
        self.rows: list[OutcomeRow] = []
        form = QFormLayout()
        form.setHorizontalSpacing(12)
        form.setVerticalSpacing(8)
        self.key = QLineEdit()
        self.key.setMaxLength(40)
        self.kind = _combo([(k, k.capitalize()) for k in STEP_KINDS])
        self.title = QLineEdit()
        self.title.setMaxLength(200)
        self.wait = QSpinBox()
        self.wait.setRange(0, MAX_WAIT_DAYS)
        self.wait.setSuffix(" days")
        self.business = QCheckBox("count business days only (Monday to Friday)")
        wait_row = QHBoxLayout()
        wait_row.addWidget(self.wait)
        wait_row.addWidget(self.business)
        wait_row.addStretch(1)
        top = QHBoxLayout()
        top.addWidget(self.kind)
        top.addWidget(self.title, 1)
        form.addRow("Step", top)
        form.addRow("Key", self.key)
        form.addRow("Wait before it", wait_row)
        self.instructions = QPlainTextEdit()
        self.instructions.setPlaceholderText(
            "Instructions or a call script, in Markdown: ## headings, **bold**, lists…"
        )
        self.preview = MarkdownView()
        self.script_tabs = QTabWidget()
        self.script_tabs.setDocumentMode(True)
        self.script_tabs.addTab(self.instructions, "Script (Markdown)")
        self.script_tabs.addTab(self.preview, "Preview")
        self.script_tabs.currentChanged.connect(
            lambda i: self.preview.set_markdown(self.instructions.toPlainText()) if i == 1 else None
        )
        self.script_tabs.setMinimumHeight(170)
        self.articles = named(QListWidget(), "stepList")
        self.articles.setMaximumHeight(90)
        self.outcomes = QVBoxLayout()
        self.outcomes.setSpacing(6)
        add = QPushButton(icon("add"), "Add outcome")
        add.clicked.connect(lambda: self.add_outcome({"next": True}))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(form)
        layout.addWidget(named(QLabel("SCRIPT AND INSTRUCTIONS"), "formSection"))
        layout.addWidget(self.script_tabs, 1)
        layout.addWidget(named(QLabel("KNOWLEDGE-BASE ARTICLES SHOWN BESIDE THE STEP"), "formSection"))
        layout.addWidget(self.articles)
        layout.addWidget(named(QLabel("WHAT EACH OUTCOME DOES"), "formSection"))
        layout.addLayout(self.outcomes)
        row = QHBoxLayout()
        row.addWidget(add)
        row.addStretch(1)
        layout.addLayout(row)

    def set_articles(self, articles: list[tuple[str, str]]) -> None:
        self.articles.clear()
        for article_id, title in articles:
            item = QListWidgetItem(title)
            item.setData(Qt.ItemDataRole.UserRole, article_id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.articles.addItem(item)
        if not articles:
            self.articles.addItem("No knowledge-base articles on this laptop yet.")

    def set_keys(self, keys: list[str]) -> None:
        self.keys = keys
        for row in self.rows:
            row.rule.set_steps(keys)

    def add_outcome(self, rule: dict[str, Any], outcome: str | None = None) -> OutcomeRow:
        row = OutcomeRow(self.keys)
        if outcome is not None:
            _select(row.outcome, outcome)
        else:  # the first outcome not used yet
            used = {r.outcome.currentData() for r in self.rows}
            _select(row.outcome, next((o for o in ACTIVITY_OUTCOMES if o not in used), ACTIVITY_OUTCOMES[0]))
        row.rule.load(rule)
        row.removed.connect(self._remove)
        self.rows.append(row)
        self.outcomes.addWidget(row)
        return row

    def _remove(self, row: object) -> None:
        assert isinstance(row, OutcomeRow)
        self.rows.remove(row)
        row.deleteLater()

    def load(self, step: dict[str, Any]) -> None:
        self.key.setText(str(step.get("key") or ""))
        _select(self.kind, step.get("kind") or "call")
        self.title.setText(str(step.get("title") or ""))
        self.wait.setValue(int(step.get("wait_days") or 0))
        self.business.setChecked(bool(step.get("business_days")))
        self.instructions.setPlainText(str(step.get("instructions") or ""))
        self.script_tabs.setCurrentIndex(0)
        linked = set(step.get("article_ids") or [])
        for n in range(self.articles.count()):
            item = self.articles.item(n)
            if item.data(Qt.ItemDataRole.UserRole):
                checked = item.data(Qt.ItemDataRole.UserRole) in linked
                item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        for row in self.rows:
            row.deleteLater()
        self.rows = []
        for outcome, rule in (step.get("outcomes") or {}).items():
            self.add_outcome(rule if isinstance(rule, dict) else {}, outcome)

    def step(self) -> dict[str, Any]:
        articles = [
            self.articles.item(n).data(Qt.ItemDataRole.UserRole)
            for n in range(self.articles.count())
            if self.articles.item(n).checkState() == Qt.CheckState.Checked
        ]
        return {
            "key": self.key.text().strip(),
            "kind": self.kind.currentData(),
            "title": self.title.text().strip(),
            "wait_days": self.wait.value(),
            "business_days": self.business.isChecked(),
            "instructions": self.instructions.toPlainText(),
            "article_ids": [a for a in articles if a],
            "outcomes": {row.outcome.currentData(): row.rule.rule() for row in self.rows},
        }
