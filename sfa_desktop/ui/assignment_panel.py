"""Run assignment's preview, under the territory tree: which accounts and leads would move, from where to
where, by which rule, and (where rules overlap) which won and why; then Move applies the moves the user
may make, in one transaction.  The log of runs shows what each run moved; the last run can be undone."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from sfa_desktop.core.territories.assignment import KIND_LABEL, Move, Preview, StalePreview
from sfa_desktop.ops import territories as territory_ops
from sfa_desktop.store.assignment_log import Run
from sfa_desktop.store.database import LocalStore
from sfa_desktop.ui.failures import problem_text
from sfa_desktop.ui.tasks import TaskRunner
from sfa_desktop.ui.widgets import named

COLUMNS = ("Record", "Kind", "From", "To", "Rule", "Decided by")
#: ``load_runs(show_run=NEWEST)``: show what the newest run moved.
NEWEST = -1
_Index = QModelIndex | QPersistentModelIndex


def explanation(move: Move) -> str:
    text = f"{move.name}: {move.from_label} \u2192 {move.to_label}. {move.why}"
    if not move.permitted:
        text += " You may not move it (it is outside your territories): ask your manager or an administrator."
    return text


class MoveModel(QAbstractTableModel):
    """The moves of a preview; moves the user may not make are greyed and say so."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.moves: list[Move] = []

    def set_moves(self, moves: list[Move]) -> None:
        self.beginResetModel()
        self.moves = list(moves)
        self.endResetModel()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.moves)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self.moves) or index.column() >= len(COLUMNS):
            return None
        move = self.moves[index.row()]
        if role == Qt.ItemDataRole.ToolTipRole:
            return explanation(move)
        if role == Qt.ItemDataRole.DisplayRole:
            values = (
                move.name,
                KIND_LABEL[move.kind],
                move.from_label,
                move.to_label,
                move.rule_name,
                move.decided_by if move.permitted else "not yours to move",
            )
            return values[index.column()]
        if role == Qt.ItemDataRole.ForegroundRole:
            if not move.permitted:
                return QColor("#94a3b8")
            if index.column() == 5 and move.overlap:
                return QColor("#1d4ed8")
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            role == Qt.ItemDataRole.DisplayRole
            and orientation == Qt.Orientation.Horizontal
            and 0 <= section < len(COLUMNS)
        ):
            return COLUMNS[section]
        return None


class AssignmentPanel(QFrame):
    """``applied(count)`` fires after the moves were made or undone; ``closed()`` when the person closes
    the panel; ``previewShown()`` when a preview is on screen; ``runsShown()`` when the log of runs is."""

    applied = Signal(int)
    closed = Signal()
    previewShown = Signal()
    runsShown = Signal()

    def __init__(self, store: LocalStore, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("assignmentPanel")
        self.store = store
        self.runner = runner
        self.territory_id: str | None = None
        self.preview: Preview | None = None
        self.runs: list[Run] = []
        self._notice = ""
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 12, 20, 14)
        top = QHBoxLayout()
        self.title = named(QLabel("Assignment preview"), "panelTitle")
        top.addWidget(self.title)
        top.addStretch(1)
        # what the table shows: this preview, or what an earlier run moved
        self.shown = named(QComboBox(), "assignmentRuns")
        self.shown.setToolTip("The preview, or the log of assignment runs on this laptop: what each moved")
        self.shown.setMinimumWidth(340)
        self.shown.activated.connect(lambda _i: self._show_chosen())
        self.undo_button = QPushButton("Undo last run")
        self.undo_button.setObjectName("undoAssignment")
        self.undo_button.setToolTip("Move the records of the last run back where they were (they sync)")
        self.undo_button.setEnabled(False)
        self.apply_button = named(QPushButton("Move"), "primaryButton")
        self.close_button = QPushButton("Close")
        top.addWidget(self.apply_button)
        top.addWidget(self.close_button)
        layout.addLayout(top)
        self.summary = named(QLabel("Working out what the rules would move…"), "panelSummary")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        showing = QHBoxLayout()
        showing.addWidget(QLabel("Showing"))
        showing.addWidget(self.shown)
        showing.addWidget(self.undo_button)
        showing.addStretch(1)
        layout.addLayout(showing)
        self.model = MoveModel(self)
        self.table = named(QTableView(), "recordTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(28)
        header = self.table.horizontalHeader()
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setHighlightSections(False)
        for column, width in enumerate((230, 86, 195, 195, 230)):
            header.resizeSection(column, width)
        header.setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table, 1)
        self.why = named(QLabel(), "panelWhy")
        self.why.setWordWrap(True)
        self.why.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.why)
        self.table.selectionModel().currentRowChanged.connect(
            lambda current, _p: self._explain(current.row())
        )
        self.apply_button.clicked.connect(self.apply)
        self.undo_button.clicked.connect(self.undo_last)
        self.close_button.clicked.connect(self._close)
        self.apply_button.setEnabled(False)

    def run(self, territory_id: str | None, label: str) -> None:
        """Preview assignment for a territory (and those below it), or everything (None)."""
        self.territory_id = territory_id
        self.title.setText(f"Assignment preview: {label}")
        self.summary.setText("Working out what the rules would move…")
        self.apply_button.setEnabled(False)
        self.model.set_moves([])
        self.show()
        self.runner.submit(territory_ops.preview, self.store, territory_id).finished.connect(self._show)
        self.load_runs()

    # -- the log of runs --------------------------------------------------------------------------

    def load_runs(self, show_run: int | None = None) -> None:
        """Reload the log; with ``show_run``, show what that run moved."""
        task = self.runner.submit(territory_ops.assignment_runs, self.store)
        task.finished.connect(lambda runs: self._set_runs(runs, show_run))

    def _set_runs(self, runs: object, show_run: int | None) -> None:
        assert isinstance(runs, list)
        self.runs = runs
        self.shown.blockSignals(True)
        self.shown.clear()
        self.shown.addItem("This preview", None)
        for run in runs:
            when = run.ran_at.astimezone()
            undone = ", undone" if run.undone else ""
            self.shown.addItem(f"Run of {when:%d %b %H:%M} · {len(run.moves):,} moved{undone}", run.id)
            self.shown.setItemData(self.shown.count() - 1, run.describe(), Qt.ItemDataRole.ToolTipRole)
        if show_run == NEWEST and runs:
            show_run = runs[0].id
        if show_run is not None:
            self.shown.setCurrentIndex(max(self.shown.findData(show_run), 0))
        self.shown.blockSignals(False)
        last: Run | None = runs[0] if runs else None
        if last is not None and not last.undone:
            self.undo_button.setEnabled(True)
            self.undo_button.setText(f"Undo last run ({len(last.moves):,})")
        else:
            self.undo_button.setEnabled(False)
            self.undo_button.setText("Undo last run")
        if show_run is not None:
            self._show_chosen()
        self.runsShown.emit()

    def chosen_run(self) -> Run | None:
        run_id = self.shown.currentData()
        return next((r for r in self.runs if r.id == run_id), None)

    def _show_chosen(self) -> None:
        run = self.chosen_run()
        if run is None:  # back to the preview
            moves = self.preview.moves if self.preview else []
            self.model.set_moves(moves)
            self.summary.setText(self.preview.summary() if self.preview else "")
            self.apply_button.setEnabled(bool(self.preview and self.preview.permitted))
        else:
            self.model.set_moves(list(run.moves))
            when = run.ran_at.astimezone()
            n = len(run.moves)
            what = f"{when:%d %b %Y at %H:%M}: {n:,} record{'s' if n != 1 else ''} moved {run.scope}."
            if run.undone_at is not None:
                what += (
                    f" Undone on {run.undone_at.astimezone():%d %b at %H:%M}: they are back where they were."
                )
            self.summary.setText(f"{self._notice} {what}".strip())
            self._notice = ""
            self.apply_button.setEnabled(False)
        self._explain(0 if self.model.moves else -1)
        if self.model.moves:
            self.table.selectRow(0)

    def _preview_again(self) -> None:
        """After a run or an undo: a fresh preview behind "This preview" (the table keeps the run)."""
        task = self.runner.submit(territory_ops.preview, self.store, self.territory_id)
        task.finished.connect(self._keep_preview)

    def _keep_preview(self, preview: object) -> None:
        assert isinstance(preview, Preview)
        self.preview = preview
        count = len(preview.permitted)
        self.apply_button.setText(f"Move {count:,} record{'s' if count != 1 else ''}")
        if self.chosen_run() is None:
            self._show_chosen()

    def undo_last(self) -> None:
        self.undo_button.setEnabled(False)
        task = self.runner.submit(territory_ops.undo_last_run, self.store)
        task.finished.connect(self._undone)
        task.failed.connect(self._undo_failed)

    def _undone(self, run: object) -> None:
        assert isinstance(run, Run)
        n = len(run.moves)
        self._notice = f"Moved {n:,} record{'s' if n != 1 else ''} back; they go out with the next sync."
        self.load_runs(show_run=run.id)
        self._preview_again()
        self.applied.emit(n)

    def _undo_failed(self, exc: object) -> None:
        self.summary.setText(problem_text(exc))
        self.load_runs()

    def _show(self, preview: object) -> None:
        assert isinstance(preview, Preview)
        self.preview = preview
        self.model.set_moves(preview.moves)
        self.summary.setText(f"{self._notice} {preview.summary()}".strip())
        self._notice = ""
        count = len(preview.permitted)
        self.apply_button.setText(f"Move {count:,} record{'s' if count != 1 else ''}")
        self.apply_button.setEnabled(count > 0)
        first = next((i for i, m in enumerate(preview.moves) if m.overlap), 0 if preview.moves else -1)
        if first >= 0:
            self.table.selectRow(first)
        self._explain(first)
        self.previewShown.emit()

    def _explain(self, row: int) -> None:
        moves = self.model.moves
        self.why.setText(explanation(moves[row]) if 0 <= row < len(moves) else "")

    def apply(self) -> None:
        if self.preview is None or not self.preview.permitted:
            return
        self.apply_button.setEnabled(False)
        task = self.runner.submit(
            territory_ops.apply_moves, self.store, self.preview.permitted, self.preview.scope
        )
        task.finished.connect(self._applied)
        task.failed.connect(self._failed)

    def _applied(self, count: object) -> None:
        assert isinstance(count, int)
        self.preview = None
        self.apply_button.setText("Move")
        self.apply_button.setEnabled(False)
        self._notice = (
            f"Moved {count:,} record{'s' if count != 1 else ''} with their contacts, opportunities and "
            "activities. They go to the central store with the next sync, and from there to the right "
            "laptops. Undo last run moves them back."
        )
        self.summary.setText(self._notice)
        self.load_runs(show_run=NEWEST)
        self._preview_again()
        self.applied.emit(count)

    def _failed(self, exc: object) -> None:
        if isinstance(exc, StalePreview):
            self._notice = str(exc)
            self.summary.setText(self._notice)
            self.runner.submit(territory_ops.preview, self.store, self.territory_id).finished.connect(
                self._show
            )
        else:
            self.summary.setText(f"Nothing was moved: {exc}")
            self.apply_button.setEnabled(True)

    def _close(self) -> None:
        self.hide()
        self.closed.emit()
