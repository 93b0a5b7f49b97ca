"""Tools > Pipeline stages…: the pipeline's stages in order, with name, default probability, category and
whether they are in use.  Administrators edit them here (add, rename, reorder, retire) and save them in one
go; everyone else sees them read-only, as the central store only takes administrators' changes.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from sfa_desktop.core.records.fields import STAGE_CATEGORIES
from sfa_desktop.core.records.pipeline import StageEdit, key_for
from sfa_desktop.core.records.stages import CATEGORY_LABELS
from sfa_desktop.core.records.validation import ValidationError
from sfa_desktop.ops import pipeline as pipeline_ops
from sfa_desktop.store.database import LocalStore
from sfa_desktop.ui.icons import icon
from sfa_desktop.ui.tasks import TaskRunner
from sfa_desktop.ui.widgets import named

Index = QModelIndex | QPersistentModelIndex
COLUMNS = ("Stage", "Key", "Probability", "Category", "In use")
NAME, KEY, PROBABILITY, CATEGORY, ACTIVE = range(5)


class StagesModel(QAbstractTableModel):
    """The edited pipeline: one row per stage, in order.  Editable unless ``read_only``."""

    changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.rows: list[StageEdit] = []
        self.read_only = True
        self.dirty = False

    def set_stages(self, rows: list[StageEdit], *, read_only: bool) -> None:
        self.beginResetModel()
        self.rows = rows
        self.read_only = read_only
        self.dirty = False
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section] if 0 <= section < len(COLUMNS) else None
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Vertical:
            return str(section + 1) if 0 <= section < len(self.rows) else None
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren
        if self.read_only or index.column() == KEY:
            return flags
        if index.column() == ACTIVE:
            return flags | Qt.ItemFlag.ItemIsUserCheckable
        return flags | Qt.ItemFlag.ItemIsEditable

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        row, column = self.rows[index.row()], index.column()
        if role == Qt.ItemDataRole.CheckStateRole and column == ACTIVE:
            return Qt.CheckState.Checked if row.active else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.ForegroundRole and not row.active:
            from PySide6.QtGui import QColor

            return QColor("#94a3b8")
        if role == Qt.ItemDataRole.TextAlignmentRole and column == PROBABILITY:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.EditRole:
            return {NAME: row.name, PROBABILITY: row.probability, CATEGORY: row.category}.get(column)
        if role == Qt.ItemDataRole.DisplayRole:
            if column == NAME:
                return row.name
            if column == KEY:
                return row.key or key_for(row.name) + " (new)"
            if column == PROBABILITY:
                return f"{row.probability}%"
            if column == CATEGORY:
                return CATEGORY_LABELS.get(row.category, row.category)
            if column == ACTIVE:
                return "in use" if row.active else "retired"
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid() or self.read_only or not 0 <= index.row() < len(self.rows):
            return False
        row, column = self.rows[index.row()], index.column()
        if column == ACTIVE and role == Qt.ItemDataRole.CheckStateRole:
            row.active = Qt.CheckState(value) == Qt.CheckState.Checked
        elif role != Qt.ItemDataRole.EditRole:
            return False
        elif column == NAME:
            row.name = str(value).strip()
        elif column == PROBABILITY:
            try:
                number = int(str(value).strip().rstrip("%"))
            except ValueError:
                return False
            if not 0 <= number <= 100:
                return False
            row.probability = number
        elif column == CATEGORY:
            if value not in STAGE_CATEGORIES:
                return False
            row.category = str(value)
        else:
            return False
        self.dirty = True
        self.dataChanged.emit(self.index(index.row(), 0), self.index(index.row(), len(COLUMNS) - 1))
        self.changed.emit()
        return True

    def add(self) -> int:
        """A new open stage before the closed ones; returns its row."""
        at = next((n for n, r in enumerate(self.rows) if r.category != "open"), len(self.rows))
        self.beginInsertRows(QModelIndex(), at, at)
        self.rows.insert(at, StageEdit("New stage", 50, "open"))
        self.endInsertRows()
        self.dirty = True
        self.changed.emit()
        return at

    def move(self, row: int, step: int) -> int:
        target = row + step
        if self.read_only or not (0 <= row < len(self.rows) and 0 <= target < len(self.rows)):
            return row
        destination = target + 1 if step > 0 else target
        self.beginMoveRows(QModelIndex(), row, row, QModelIndex(), destination)
        self.rows.insert(target, self.rows.pop(row))
        self.endMoveRows()
        self.dirty = True
        self.changed.emit()
        return target


class _CategoryDelegate(QStyledItemDelegate):
    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: Index) -> QWidget:
        combo = QComboBox(parent)
        for category in STAGE_CATEGORIES:
            combo.addItem(CATEGORY_LABELS[category], category)
        return combo

    def setEditorData(self, editor: QWidget, index: Index) -> None:
        assert isinstance(editor, QComboBox)
        editor.setCurrentIndex(max(editor.findData(index.data(Qt.ItemDataRole.EditRole)), 0))

    def setModelData(self, editor: QWidget, model: Any, index: Index) -> None:
        assert isinstance(editor, QComboBox)
        model.setData(index, editor.currentData(), Qt.ItemDataRole.EditRole)


class StagesDialog(QDialog):
    """``saved()`` fires after the stages were saved."""

    saved = Signal()

    def __init__(self, store: LocalStore, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("stagesDialog")
        self.setWindowTitle("Pipeline stages")
        self.setMinimumSize(620, 380)  # explicit: the layout never re-sends size hints while shown
        self.resize(720, 470)
        self.store = store
        self.runner = runner
        layout = QVBoxLayout(self)
        layout.setContentsMargins(22, 18, 22, 14)
        layout.setSpacing(8)
        layout.addWidget(named(QLabel("Pipeline stages"), "dialogTitle"))
        self.intro = named(QLabel("Loading…"), "dialogHint")
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)
        self.model = StagesModel(self)
        self.table = named(QTableView(), "stagesTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setItemDelegateForColumn(CATEGORY, _CategoryDelegate(self.table))
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setDefaultSectionSize(30)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(NAME, QHeaderView.ResizeMode.Stretch)
        for column, width in ((KEY, 150), (PROBABILITY, 110), (CATEGORY, 90), (ACTIVE, 90)):
            header.resizeSection(column, width)
        layout.addWidget(self.table, 1)
        tools = QHBoxLayout()
        self.add_button = QPushButton(icon("add"), "Add stage")
        self.up_button = QPushButton("Move up")
        self.down_button = QPushButton("Move down")
        for button in (self.add_button, self.up_button, self.down_button):
            tools.addWidget(button)
        tools.addStretch(1)
        layout.addLayout(tools)
        self.banner = named(QLabel(), "formBanner")
        self.banner.setWordWrap(True)
        self.banner.hide()
        layout.addWidget(self.banner)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.save_button = self.buttons.addButton("Save", QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_button.setObjectName("primaryButton")
        self.save_button.setIcon(icon("save", "#ffffff"))
        self.save_button.setEnabled(False)
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        self.add_button.clicked.connect(self._add)
        self.up_button.clicked.connect(lambda: self._move(-1))
        self.down_button.clicked.connect(lambda: self._move(1))
        self.model.changed.connect(lambda: self.save_button.setEnabled(not self.model.read_only))
        for button in (self.add_button, self.up_button, self.down_button):
            button.setEnabled(False)
        task = runner.submit(pipeline_ops.load_stages, store)
        task.finished.connect(self._loaded)
        task.failed.connect(lambda exc: self.intro.setText(f"The stages could not be loaded: {exc}"))

    def _loaded(self, state: object) -> None:
        assert isinstance(state, pipeline_ops.StagesState)
        edits = [StageEdit(s.name, s.probability, s.category, s.active, s.id, s.key) for s in state.stages]
        self.model.set_stages(edits, read_only=not state.editable)
        if state.editable:
            self.intro.setText(
                "Stages in pipeline order. Double-click a name, probability or category to change it; "
                "untick In use to retire a stage. A stage's key never changes (opportunities store it). "
                "Changes reach every laptop at its next sync."
            )
            for button in (self.add_button, self.up_button, self.down_button):
                button.setEnabled(True)
            self.table.setEditTriggers(
                QAbstractItemView.EditTrigger.DoubleClicked
                | QAbstractItemView.EditTrigger.EditKeyPressed
                | QAbstractItemView.EditTrigger.AnyKeyPressed
            )
        else:
            who = f"{state.user.login} ({state.user.role})" if state.user else "?"
            self.intro.setText(
                f"Only administrators change the pipeline; you are signed in as {who}, so you see it "
                "read-only."
            )
            self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
            self.save_button.hide()
            for button in (self.add_button, self.up_button, self.down_button):
                button.hide()

    def _add(self) -> None:
        row = self.model.add()
        index = self.model.index(row, NAME)
        self.table.setCurrentIndex(index)
        self.table.edit(index)

    def _move(self, step: int) -> None:
        current = self.table.currentIndex()
        if not current.isValid():
            return
        row = self.model.move(current.row(), step)
        self.table.setCurrentIndex(self.model.index(row, current.column()))

    def save(self) -> None:
        self.banner.hide()
        self.save_button.setEnabled(False)
        task = self.runner.submit(pipeline_ops.save_stages, self.store, list(self.model.rows))
        task.finished.connect(self._saved)
        task.failed.connect(self._failed)

    def _saved(self, _stages: object) -> None:
        self.model.dirty = False
        self.saved.emit()
        self.accept()

    def _failed(self, exc: object) -> None:
        self.save_button.setEnabled(True)
        if isinstance(exc, ValidationError):
            problems = list(dict.fromkeys(exc.errors.values()))
            self.banner.setText("Not saved: " + " ".join(problems))
        else:
            self.banner.setText(f"Not saved: {exc}")
        self.banner.show()


def open_stages(window: Any) -> StagesDialog:
    """The window action (Tools > Pipeline stages…)."""
    dialog = StagesDialog(window.store, window.runner, window)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def saved() -> None:
        window.show_message("Pipeline stages saved; they reach everyone at the next sync.")
        page = window.pages_by_key.get("pipeline")
        if page is not None and hasattr(page, "reload"):
            page.reload()

    dialog.saved.connect(saved)
    dialog.open()
    return dialog
