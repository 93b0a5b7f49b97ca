"""The Conflicts section: values that lost when two people edited the same field; use one or dismiss it."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
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

COLUMNS = ("Record", "Field", "Lost value", "Won value", "Who", "When")


class ConflictsView(QWidget):
    """``changed`` fires after a value was used (a new edit waits to sync) or a conflict dismissed."""

    changed = Signal()

    def __init__(self, store: LocalStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("conflictsView")
        self.store = store
        self.conflicts: list[Conflict] = []
        layout = QVBoxLayout(self)
        title = QLabel("<h2>Conflicts</h2>")
        self.explanation = QLabel(
            "When two people changed the same field at the same time, the later change won. "
            "The value that lost is kept here: use it after all, or dismiss it."
        )
        self.explanation.setWordWrap(True)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("conflictsTable")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.empty = QLabel("No conflicts. Everything you and others changed was merged.")
        self.message = QLabel()
        self.message.setObjectName("conflictsMessage")
        self.message.setWordWrap(True)
        self.use_button = QPushButton("Use this value")
        self.use_button.setObjectName("useValue")
        self.use_button.clicked.connect(self.use_selected)
        self.dismiss_button = QPushButton("Dismiss")
        self.dismiss_button.setObjectName("dismissConflict")
        self.dismiss_button.clicked.connect(self.dismiss_selected)
        buttons = QHBoxLayout()
        buttons.addWidget(self.message, 1)
        buttons.addWidget(self.use_button)
        buttons.addWidget(self.dismiss_button)
        layout.addWidget(title)
        layout.addWidget(self.explanation)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty)
        layout.addLayout(buttons)
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
        self._update_buttons()

    def selected(self) -> Conflict | None:
        rows = self.table.selectionModel().selectedRows()
        return self.conflicts[rows[0].row()] if rows else None

    def _update_buttons(self) -> None:
        chosen = self.selected()
        self.use_button.setEnabled(chosen is not None and chosen.usable)
        self.dismiss_button.setEnabled(chosen is not None)

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
