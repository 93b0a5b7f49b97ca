"""Column filters of a record list: an editor per column (text contains, choice is, dates in a range or
relative to today, numbers, is empty), the active filters as chips, and saved filters chosen and saved from
the section header.  The filtering itself is SQL (``store.filters``), run by the list's model."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QFrame,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from sfa_desktop.store.filters import ME, OPS, ColumnFilter, describe, filter_kind
from sfa_desktop.store.list_spec import Column
from sfa_desktop.ui.icons import icon
from sfa_desktop.ui.widgets import named

OP_LABELS = {
    "contains": "contains",
    "is": "is",
    "empty": "is empty",
    "not_empty": "is not empty",
    "between": "is between",
    "in_last_days": "is in the last … days",
    "not_in_last_days": "is not in the last … days (or never)",
}


class ColumnFilterEditor(QDialog):
    """A small popup to filter one column.  ``applied(filter or None)``: None removes the column's filter."""

    applied = Signal(object)

    def __init__(
        self,
        column: Column,
        current: ColumnFilter | None,
        options: Sequence[tuple[str, str]] = (),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent, Qt.WindowType.Popup)
        self.setObjectName("filterPopup")
        self.column = column
        self.kind = filter_kind(column)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 12, 14, 12)
        layout.addWidget(named(QLabel(f"Filter by {column.label.lower()}"), "fieldLabel"))
        self.op = QComboBox()
        for op in OPS[self.kind]:
            self.op.addItem(OP_LABELS[op], op)
        layout.addWidget(self.op)
        self.stack = QStackedWidget()
        self.text = QLineEdit()
        self.text.setPlaceholderText("Letters anywhere in the value")
        self.days = QSpinBox()
        self.days.setRange(0, 36_500)
        self.days.setValue(14)
        self.days.setSuffix(" days")
        self.low, self.high = self._range_editor()
        self.checks: list[QCheckBox] = []
        self.stack.addWidget(QWidget())  # empty / not empty
        self.stack.addWidget(self.text)
        self.stack.addWidget(self._choices(options))
        self.stack.addWidget(self.days)
        self.stack.addWidget(self._range_box)
        layout.addWidget(self.stack)
        buttons = QHBoxLayout()
        remove = QPushButton("Remove")
        remove.setEnabled(current is not None)
        apply = named(QPushButton("Apply"), "primaryButton")
        apply.setDefault(True)
        remove.clicked.connect(lambda: self._finish(None))
        apply.clicked.connect(lambda: self._finish(self.value()))
        buttons.addWidget(remove)
        buttons.addStretch(1)
        buttons.addWidget(apply)
        layout.addLayout(buttons)
        self.op.currentIndexChanged.connect(self._show_editor)
        if current is not None:
            self.set_filter(current)
        self._show_editor()

    def _range_editor(self) -> tuple[QWidget, QWidget]:
        self._range_box = QWidget()
        row = QHBoxLayout(self._range_box)
        row.setContentsMargins(0, 0, 0, 0)
        low: QWidget
        high: QWidget
        if self.column.kind in ("date", "datetime"):
            today = QDate.currentDate()
            low, high = QDateEdit(today.addDays(-30)), QDateEdit(today)
            for edit in (low, high):
                assert isinstance(edit, QDateEdit)
                edit.setCalendarPopup(True)
                edit.setDisplayFormat("yyyy-MM-dd")
        else:
            low_edit, high_edit = QLineEdit(), QLineEdit()
            low_edit.setPlaceholderText("from")
            high_edit.setPlaceholderText("to")
            low, high = low_edit, high_edit
        row.addWidget(low)
        row.addWidget(QLabel("and"))
        row.addWidget(high)
        return low, high

    def _choices(self, options: Sequence[tuple[str, str]]) -> QWidget:
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        values = list(options) or [(c, c[:1].upper() + c[1:]) for c in self.column.choices]
        if self.kind == "ref" and self.column.ref == "users":
            values.insert(0, (ME, "Me"))
        for value, label in values:
            check = QCheckBox(label)
            check.setProperty("value", value)
            layout.addWidget(check)
            self.checks.append(check)
        if len(values) <= 8:
            return box
        scroll = QScrollArea()
        scroll.setWidget(box)
        scroll.setWidgetResizable(True)
        scroll.setMinimumHeight(220)
        return scroll

    def _show_editor(self) -> None:
        op = self.op.currentData()
        page = {"contains": 1, "is": 2, "in_last_days": 3, "not_in_last_days": 3, "between": 4}.get(op, 0)
        self.stack.setCurrentIndex(page)
        self.adjustSize()

    def set_filter(self, f: ColumnFilter) -> None:
        self.op.setCurrentIndex(max(self.op.findData(f.op), 0))
        if f.op == "contains":
            self.text.setText(str(f.value or ""))
        elif f.op == "is":
            wanted = set(f.value if isinstance(f.value, list | tuple) else [f.value])
            for check in self.checks:
                check.setChecked(check.property("value") in wanted)
        elif f.op in ("in_last_days", "not_in_last_days"):
            self.days.setValue(int(f.value or 0))
        elif f.op == "between":
            low, high = (*tuple(f.value or ()), None, None)[:2]
            for edit, value in ((self.low, low), (self.high, high)):
                if isinstance(edit, QDateEdit) and value:
                    edit.setDate(QDate.fromString(str(value), "yyyy-MM-dd"))
                elif isinstance(edit, QLineEdit):
                    edit.setText("" if value is None else self._number_text(value))

    def _number_text(self, value: Any) -> str:
        return f"{int(value) / 100:g}" if self.column.kind == "money" else str(value)

    def _number(self, text: str) -> int | None:
        text = text.strip().replace(",", "").replace("$", "")
        if not text:
            return None
        try:
            number = float(text)
        except ValueError:
            return None
        return round(number * 100) if self.column.kind == "money" else int(number)

    def value(self) -> ColumnFilter | None:
        op = str(self.op.currentData())
        key = self.column.key
        if op == "contains":
            typed = self.text.text().strip()
            return ColumnFilter(key, op, typed) if typed else None
        if op == "is":
            chosen = tuple(str(c.property("value")) for c in self.checks if c.isChecked())
            return ColumnFilter(key, op, chosen) if chosen else None
        if op in ("in_last_days", "not_in_last_days"):
            return ColumnFilter(key, op, self.days.value())
        if op == "between":
            if isinstance(self.low, QDateEdit) and isinstance(self.high, QDateEdit):
                low_date, high_date = sorted((self.low.date(), self.high.date()))
                return ColumnFilter(
                    key, op, (low_date.toString("yyyy-MM-dd"), high_date.toString("yyyy-MM-dd"))
                )
            assert isinstance(self.low, QLineEdit)
            assert isinstance(self.high, QLineEdit)
            low, high = self._number(self.low.text()), self._number(self.high.text())
            return ColumnFilter(key, op, (low, high)) if low is not None or high is not None else None
        return ColumnFilter(key, op)

    def _finish(self, value: ColumnFilter | None) -> None:
        self.applied.emit(value)
        self.accept()


class FilterBar(QFrame):
    """The active column filters as chips (click one to change it, its close button removes it), Clear all
    and Save as…"""

    removed = Signal(str)  # column key
    editRequested = Signal(str)  # column key
    cleared = Signal()
    saveRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("filterBar")
        self.row = QHBoxLayout(self)
        self.row.setContentsMargins(20, 6, 20, 6)
        self.row.setSpacing(6)
        self.chips: list[QFrame] = []
        self.hide()

    def show_filters(
        self, columns: dict[str, Column], filters: Sequence[ColumnFilter], labels: dict[str, str]
    ) -> None:
        while self.row.count():
            item = self.row.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.chips = []
        self.row.addWidget(named(QLabel("Showing"), "sectionCount"))
        for f in filters:
            column = columns.get(f.column)
            if column is None:
                continue
            chip = named(QFrame(), "filterChip")
            inside = QHBoxLayout(chip)
            inside.setContentsMargins(10, 2, 4, 2)
            inside.setSpacing(2)
            text = named(QToolButton(), "filterChipText")
            text.setText(describe(column, f, labels))
            text.setToolTip("Change this filter")
            text.clicked.connect(lambda _c=False, k=f.column: self.editRequested.emit(k))
            close = named(QToolButton(), "filterChipClose")
            close.setIcon(icon("close", "#1e3a8a"))
            close.setToolTip("Remove this filter")
            close.clicked.connect(lambda _c=False, k=f.column: self.removed.emit(k))
            inside.addWidget(text)
            inside.addWidget(close)
            self.row.addWidget(chip)
            self.chips.append(chip)
        self.row.addStretch(1)
        save = named(QPushButton("Save as…"), "linkButton")
        clear = named(QPushButton("Clear all"), "linkButton")
        save.clicked.connect(self.saveRequested.emit)
        clear.clicked.connect(self.cleared.emit)
        self.row.addWidget(save)
        self.row.addWidget(clear)
        self.setVisible(bool(self.chips))


def ask_filter_name(parent: QWidget, suggested: str) -> str | None:
    """The name of a filter to save (tests replace this)."""
    name, ok = QInputDialog.getText(parent, "Save the filter", "Name of the filter:", text=suggested)
    return name if ok else None
