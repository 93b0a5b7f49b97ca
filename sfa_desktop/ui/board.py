"""The Pipeline page: the open opportunities as cards in one column per stage, with what each stage and
the whole pipeline are worth (amount and weighted amount).

Drag a card to another column to move the deal to that stage, or onto Won… or Lost… (which ask why).  The
selected card can also be moved with Ctrl+Alt+Left/Right, opened with Enter or a double click, and closed
with the Won… and Lost… buttons.  Every change goes through the services on the task runner; the board
then reloads, so it shows what was saved.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPoint, Qt, Signal
from PySide6.QtGui import QAction, QDragEnterEvent, QDragMoveEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListView,
    QMenu,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from sfa_desktop.core.records.pipeline import BoardColumn, Card
from sfa_desktop.ops import pipeline as pipeline_ops
from sfa_desktop.store.database import LocalStore
from sfa_desktop.ui import won_lost
from sfa_desktop.ui.board_model import (
    CARD_ROLE,
    CardDelegate,
    StageCardsModel,
    compact_money,
    dropped_card,
    money,
)
from sfa_desktop.ui.icons import icon
from sfa_desktop.ui.tasks import Task, TaskRunner
from sfa_desktop.ui.widgets import named

COLUMN_WIDTH = 250
MAX_COLUMN_WIDTH = 340


class StageColumn(QFrame):
    """One stage: its name and probability, count and totals, and its cards."""

    def __init__(self, column: BoardColumn, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("boardColumn")
        self.setMinimumWidth(COLUMN_WIDTH)
        self.setMaximumWidth(MAX_COLUMN_WIDTH)
        self.stage = column.stage
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 10, 6)
        layout.setSpacing(6)
        top = QHBoxLayout()
        title = named(
            QLabel(column.stage.name + ("" if column.stage.active else " (retired)")), "columnTitle"
        )
        badge = named(QLabel(f"{column.stage.probability}%"), "columnBadge")
        badge.setToolTip("The stage's default win probability")
        self.count = named(QLabel(), "columnCount")
        top.addWidget(title, 1)
        top.addWidget(self.count)
        layout.addLayout(top)
        # the probability on the line of the totals it weighs (beside the name it cut "Needs analysis")
        second = QHBoxLayout()
        second.setSpacing(6)
        self.totals = named(QLabel(), "columnTotals")
        second.addWidget(badge)
        second.addWidget(self.totals, 1)
        layout.addLayout(second)
        self.model = StageCardsModel(column.stage.key, self)
        self.view = named(QListView(), "cardList")
        self.view.setModel(self.model)
        self.view.setItemDelegate(CardDelegate(self.view))
        self.view.setUniformItemSizes(True)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.view.setDragEnabled(True)
        self.view.setAcceptDrops(True)
        self.view.setDropIndicatorShown(True)
        self.view.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.view.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.empty = named(QLabel("No deals here.\nDrag a card in to move it."), "columnEmpty")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.empty, 1)
        self.show_column(column)

    def show_column(self, column: BoardColumn) -> None:
        self.model.set_cards(column.cards)
        n = len(column.cards)
        self.count.setText(f"{n:,}")
        self.totals.setText(
            f"{compact_money(column.amount_cents)}  ·  weighted {compact_money(column.weighted_cents)}"
        )
        self.totals.setToolTip(
            f"{n:,} deal{'s' if n != 1 else ''}: {money(column.amount_cents)}; weighted by each deal's "
            f"probability: {money(column.weighted_cents)}"
        )
        self.view.setVisible(bool(n))
        self.empty.setVisible(not n)


class DropButton(QPushButton):
    """Won… or Lost… in the header: click it to close the selected deal, or drop a card on it."""

    dropped = Signal(str)

    def __init__(self, outcome: str, parent: QWidget | None = None) -> None:
        color = "#15803d" if outcome == "won" else "#b91c1c"
        super().__init__(icon(outcome, color), "Won…" if outcome == "won" else "Lost…", parent)
        self.outcome = outcome
        self.setObjectName(f"{outcome}Button")
        self.setProperty("hover", "false")
        self.setAcceptDrops(True)
        self.setToolTip(f"Mark the selected deal {outcome} (or drop a card here); you are asked why")

    def _hover(self, on: bool) -> None:
        self.setProperty("hover", "true" if on else "false")
        self.style().unpolish(self)
        self.style().polish(self)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if dropped_card(event.mimeData()) is not None:
            event.acceptProposedAction()
            self._hover(True)

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if dropped_card(event.mimeData()) is not None:
            event.acceptProposedAction()

    def dragLeaveEvent(self, _event: Any) -> None:
        self._hover(False)

    def dropEvent(self, event: QDropEvent) -> None:
        self._hover(False)
        card = dropped_card(event.mimeData())
        if card is None:
            return
        event.acceptProposedAction()
        self.dropped.emit(card[0])


class PipelinePage(QWidget):
    """``loaded()``: the board shows fresh data; ``reported(str)``: a message for the status bar."""

    loaded = Signal()
    reported = Signal(str)

    def __init__(
        self, store: LocalStore, runner: TaskRunner, window: Any = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("pipelinePage")
        self.store = store
        self.runner = runner
        self.window_ = window
        self.columns: list[StageColumn] = []
        self.selected: Card | None = None
        self._task: Task | None = None
        self._owner_id: str | None = None
        self._build()

    @classmethod
    def for_window(cls, window: Any) -> PipelinePage:
        """The sidebar page (``extensions.PAGES``)."""
        page = cls(window.store, window.runner, window)
        page.reported.connect(window.show_message)
        return page

    # -- building -------------------------------------------------------------------------------

    def _build(self) -> None:
        header = named(QFrame(), "sectionHeader")
        bar = QHBoxLayout(header)
        bar.setContentsMargins(20, 14, 20, 14)
        title = named(QLabel("Pipeline"), "sectionTitle")
        self.summary = named(QLabel("Loading…"), "sectionCount")
        self.owner = named(QComboBox(), "ownerFilter")
        self.owner.addItem("Everyone", None)
        self.owner.setMinimumWidth(180)
        self.owner.setToolTip("Whose deals the board shows")
        self.owner.activated.connect(lambda _i: self._owner_chosen())
        self.won_button = DropButton("won")
        self.lost_button = DropButton("lost")
        for button in (self.won_button, self.lost_button):
            button.clicked.connect(lambda _c=False, o=button.outcome: self._close_selected(o))
            button.dropped.connect(lambda card_id, o=button.outcome: self.close_card(card_id, o))
        bar.addWidget(title)
        bar.addSpacing(10)
        bar.addWidget(self.summary, 0, Qt.AlignmentFlag.AlignBottom)
        bar.addStretch(1)
        bar.addWidget(QLabel("Owner"))
        bar.addWidget(self.owner)
        bar.addSpacing(12)
        bar.addWidget(self.won_button)
        bar.addWidget(self.lost_button)

        self.banner = named(QLabel(), "formBanner")
        self.banner.setWordWrap(True)
        self.banner.hide()

        self.strip = named(QWidget(), "boardStrip")
        self.strip_layout = QHBoxLayout(self.strip)
        self.strip_layout.setContentsMargins(16, 14, 16, 14)
        self.strip_layout.setSpacing(12)
        scroll = named(QScrollArea(), "boardScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self.strip)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(header)
        layout.addWidget(self.banner)
        layout.addWidget(scroll, 1)

        for text_, shortcut, step in (
            ("Move to the next stage", "Ctrl+Alt+Right", 1),
            ("Move to the previous stage", "Ctrl+Alt+Left", -1),
        ):
            action = QAction(text_, self)
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.triggered.connect(lambda _c=False, s=step: self.move_selected(s))
            self.addAction(action)

    # -- loading --------------------------------------------------------------------------------

    def page_shown(self) -> None:
        self.reload()

    def reload(self) -> Task:
        if self._task is not None:
            self._task.discard()
        self._task = self.runner.submit(pipeline_ops.load_board, self.store, self._owner_id)
        self._task.finished.connect(self._show)
        self._task.failed.connect(lambda exc: self._show_banner(f"The pipeline could not be loaded: {exc}"))
        return self._task

    def _owner_chosen(self) -> None:
        self._owner_id = self.owner.currentData()
        self.reload()

    def _show(self, loaded: object) -> None:
        assert isinstance(loaded, pipeline_ops.Board)
        self._task = None
        self._fill_owners(loaded)
        keep = self.selected.id if self.selected else None
        old = {c.stage.key: c for c in self.columns}
        self.columns = []
        for column in loaded.columns:
            widget = old.pop(column.stage.key, None)
            if widget is None or widget.stage != column.stage:
                if widget is not None:
                    widget.deleteLater()
                widget = StageColumn(column, self.strip)
                self._wire(widget)
            else:
                widget.show_column(column)
            self.columns.append(widget)
        for widget in old.values():
            widget.deleteLater()
        for position, widget in enumerate(self.columns):
            self.strip_layout.insertWidget(position, widget, 1)
        totals = loaded.totals
        self.summary.setText(
            f"{totals.open_count:,} open deal{'s' if totals.open_count != 1 else ''}  ·  "
            f"{money(totals.open_amount_cents)}  ·  weighted {money(totals.weighted_cents)}"
        )
        self.summary.setToolTip(
            "Weighted: each deal's amount times its probability, summed over the open stages."
        )
        self.selected = None
        if keep is not None:
            self.select(keep)
        self._update_buttons()
        self.loaded.emit()

    def _fill_owners(self, loaded: pipeline_ops.Board) -> None:
        current = self.owner.currentData()
        self.owner.clear()
        self.owner.addItem("Everyone", None)
        for user_id, name in loaded.owners:
            label = f"{name} (me)" if user_id == loaded.me else name
            self.owner.addItem(label, user_id)
        index = self.owner.findData(current) if current is not None else 0
        self.owner.setCurrentIndex(max(index, 0))

    def _wire(self, column: StageColumn) -> None:
        column.model.cardDropped.connect(self.move_card)
        column.view.selectionModel().currentChanged.connect(
            lambda current, _previous, c=column: self._card_selected(c, current)
        )
        column.view.doubleClicked.connect(lambda index: self.open_card(index.data(CARD_ROLE)))
        column.view.activated.connect(lambda index: self.open_card(index.data(CARD_ROLE)))
        column.view.customContextMenuRequested.connect(lambda point, c=column: self._menu(c, point))

    # -- selection ------------------------------------------------------------------------------

    def _card_selected(self, column: StageColumn, current: QModelIndex) -> None:
        card = current.data(CARD_ROLE) if current.isValid() else None
        if isinstance(card, Card):
            self.selected = card
            for other in self.columns:
                if other is not column:
                    other.view.selectionModel().clear()
        self._update_buttons()

    def select(self, opportunity_id: str) -> bool:
        for column in self.columns:
            row = column.model.row_of(opportunity_id)
            if row is not None:
                index = column.model.index(row, 0)
                column.view.setCurrentIndex(index)
                column.view.scrollTo(index)
                column.view.setFocus()
                return True
        return False

    def _update_buttons(self) -> None:
        for button in (self.won_button, self.lost_button):  # still a drop target without a selection
            button.setProperty("idle", "false" if self.selected is not None else "true")
            button.style().unpolish(button)
            button.style().polish(button)

    # -- actions --------------------------------------------------------------------------------

    def move_card(self, opportunity_id: str, stage_key: str) -> Task:
        self.banner.hide()
        task = self.runner.submit(pipeline_ops.move_card, self.store, opportunity_id, stage_key)
        task.finished.connect(lambda name: self._moved(opportunity_id, str(name)))
        task.failed.connect(lambda exc: self._show_banner(f"Not moved: {exc}"))
        return task

    def _moved(self, opportunity_id: str, stage_name: str) -> None:
        self.reported.emit(f"Moved to {stage_name}.")
        self.selected = None
        task = self.reload()
        task.finished.connect(lambda _r: self.select(opportunity_id))

    def move_selected(self, step: int) -> None:
        if self.selected is None:
            return
        keys = [c.stage.key for c in self.columns if c.stage.active]
        if self.selected.stage not in keys:
            return
        target = keys.index(self.selected.stage) + step
        if 0 <= target < len(keys):
            self.move_card(self.selected.id, keys[target])

    def _close_selected(self, outcome: str) -> None:
        if self.selected is not None:
            self.close_card(self.selected.id, outcome)

    def close_card(self, opportunity_id: str, outcome: str) -> None:
        """Ask why the deal was won or lost, then close it."""
        task = self.runner.submit(pipeline_ops.reason_suggestions, self.store, outcome)
        name = next(
            (c.name for col in self.columns for c in col.model.cards if c.id == opportunity_id), "this deal"
        )
        task.finished.connect(lambda suggestions: self._ask(opportunity_id, name, outcome, suggestions))

    def _ask(self, opportunity_id: str, name: str, outcome: str, suggestions: object) -> None:
        assert isinstance(suggestions, list)
        reason = won_lost.ask_reason(self, outcome, name, suggestions)
        if reason is None:
            return
        task = self.runner.submit(pipeline_ops.close_opportunity, self.store, opportunity_id, outcome, reason)
        task.finished.connect(lambda _n: self._closed(name, outcome))
        task.failed.connect(lambda exc: self._show_banner(f"Not marked {outcome}: {exc}"))

    def _closed(self, name: str, outcome: str) -> None:
        self.reported.emit(f"“{name}” marked {outcome}.")
        self.selected = None
        self.reload()

    def open_card(self, card: object) -> None:
        if isinstance(card, Card) and self.window_ is not None:
            self.window_.open_record("opportunities", card.id)

    def _menu(self, column: StageColumn, point: QPoint) -> None:
        index = column.view.indexAt(point)
        card = index.data(CARD_ROLE) if index.isValid() else None
        if not isinstance(card, Card):
            return
        menu = QMenu(self)
        menu.addAction("Open", lambda: self.open_card(card))
        move = menu.addMenu("Move to")
        for other in self.columns:
            if other.stage.key != card.stage and other.stage.active:
                action = move.addAction(other.stage.name)
                action.triggered.connect(lambda _c=False, key=other.stage.key: self.move_card(card.id, key))
        menu.addSeparator()
        menu.addAction(icon("won", "#15803d"), "Won…", lambda: self.close_card(card.id, "won"))
        menu.addAction(icon("lost", "#b91c1c"), "Lost…", lambda: self.close_card(card.id, "lost"))
        menu.exec(column.view.viewport().mapToGlobal(point))

    def _show_banner(self, text_: str) -> None:
        self.banner.setText(text_)
        self.banner.show()


def pipeline_page(window: Any) -> PipelinePage:
    """The sidebar page (``extensions.PAGES``)."""
    return PipelinePage.for_window(window)
