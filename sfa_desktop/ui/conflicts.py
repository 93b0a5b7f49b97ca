"""The Conflicts page: values that lost when two people edited the same field; open the record, use the value
that lost, or dismiss it."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from sfa_desktop.ops import sync as sync_ops
from sfa_desktop.store.database import LocalStore
from sfa_desktop.sync import conflicts
from sfa_desktop.sync.conflicts import Conflict
from sfa_desktop.ui.widgets import named

COLUMNS = ("Record", "Field", "Lost value", "Won value", "Who", "When")
#: The record sections a conflict can open (another table's record has no page of its own).
OPENABLE = ("accounts", "contacts", "leads", "opportunities")


class ConflictsView(QWidget):
    """``changed`` fires after a value was used (a new edit waits to sync) or a conflict dismissed;
    ``recordRequested(table, record_id)`` when the person opens a conflict's record (double-click, Open)."""

    changed = Signal()
    recordRequested = Signal(str, str)

    def __init__(self, store: LocalStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("conflictsView")
        self.store = store
        self.conflicts: list[Conflict] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        header = named(QFrame(), "sectionHeader")
        bar = QVBoxLayout(header)
        bar.setContentsMargins(20, 14, 20, 14)
        bar.setSpacing(2)
        bar.addWidget(named(QLabel("Conflicts"), "sectionTitle"))
        self.explanation = named(
            QLabel(
                "When two people changed the same field at the same time, the later change won. "
                "The value that lost is kept here: open the record, use the value after all, or dismiss it."
            ),
            "sectionCount",
        )
        self.explanation.setWordWrap(True)
        bar.addWidget(self.explanation)
        body = QVBoxLayout()
        body.setContentsMargins(20, 14, 20, 14)
        body.setSpacing(10)
        self.table = named(QTableWidget(0, len(COLUMNS)), "conflictsTable")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(34)
        columns = self.table.horizontalHeader()
        columns.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        columns.setHighlightSections(False)
        columns.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        columns.setStretchLastSection(True)
        for column, width in enumerate((230, 110, 160, 160, 210)):
            columns.resizeSection(column, width)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.table.cellDoubleClicked.connect(lambda _row, _column: self.open_selected())
        self.empty = named(
            QLabel("No conflicts. Everything you and others changed was merged."), "emptyState"
        )
        self.message = named(QLabel(), "conflictsMessage")
        self.message.setWordWrap(True)
        self.open_button = QPushButton("Open record")
        self.open_button.setObjectName("openConflictRecord")
        self.open_button.setToolTip("Show the record this conflict is about (double-click a row)")
        self.open_button.clicked.connect(self.open_selected)
        self.use_button = named(QPushButton("Use this value"), "primaryButton")
        self.use_button.setToolTip("Set the field to the value that lost; it goes out with the next sync")
        self.use_button.clicked.connect(self.use_selected)
        self.dismiss_button = QPushButton("Dismiss")
        self.dismiss_button.setToolTip("Keep the value that won and hide this conflict")
        self.dismiss_button.clicked.connect(self.dismiss_selected)
        buttons = QHBoxLayout()
        buttons.addWidget(self.message, 1)
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.use_button)
        buttons.addWidget(self.dismiss_button)
        body.addWidget(self.table, 1)
        body.addWidget(self.empty)
        body.addStretch(0)
        body.addLayout(buttons)
        layout.addWidget(header)
        layout.addLayout(body, 1)
        self.refresh()

    def refresh(self) -> None:
        self.conflicts = sync_ops.list_conflicts(self.store)
        self.table.setRowCount(len(self.conflicts))
        for row, c in enumerate(self.conflicts):
            lost_by = f"{c.lost_by} lost, " if c.lost_by else ""
            values = (c.record, c.field, c.lost, c.won, f"{lost_by}{c.won_by} won", c.when)
            for column, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setToolTip(f"{value}\n{c.reason}")
                self.table.setItem(row, column, item)
        self.empty.setVisible(not self.conflicts)
        self.table.setVisible(bool(self.conflicts))
        if self.conflicts and not self.table.selectionModel().selectedRows():
            self.table.selectRow(0)
        self._update_buttons()

    def selected(self) -> Conflict | None:
        rows = self.table.selectionModel().selectedRows()
        return self.conflicts[rows[0].row()] if rows else None

    def _update_buttons(self) -> None:
        chosen = self.selected()
        self.open_button.setEnabled(chosen is not None and chosen.table in OPENABLE)
        self.use_button.setEnabled(chosen is not None and chosen.usable)
        self.dismiss_button.setEnabled(chosen is not None)

    def open_selected(self) -> None:
        chosen = self.selected()
        if chosen is not None and chosen.table in OPENABLE:
            self.recordRequested.emit(chosen.table, chosen.record_id)

    def use_selected(self) -> None:
        chosen = self.selected()
        if chosen is None:
            return
        try:
            used = sync_ops.use_conflict(self.store, chosen.id)
        except conflicts.ConflictError as exc:
            self.message.setText(str(exc))
            return
        self.message.setText(
            f"{used.record}: {used.field} set to “{used.lost}”; it goes out with the next sync."
        )
        self.refresh()
        self.changed.emit()

    def dismiss_selected(self) -> None:
        chosen = self.selected()
        if chosen is None:
            return
        try:
            sync_ops.dismiss_conflict(self.store, chosen.id)
        except conflicts.ConflictError as exc:
            self.message.setText(str(exc))
            return
        self.message.setText("Conflict dismissed.")
        self.refresh()
        self.changed.emit()


__all__ = ["ConflictsView"]
