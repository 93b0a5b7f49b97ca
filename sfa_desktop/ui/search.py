"""The global search box (Ctrl+K): results as you type in a list under the box.

Typing restarts a short timer (120 ms); when it fires the query runs on the task runner and the previous
query, if still pending, is discarded, so a slow result never replaces a newer one.  Up/Down move in the
list, Enter or a click opens the record (``recordChosen(kind, id)``), Esc closes the list.
"""

from __future__ import annotations

from PySide6.QtCore import (
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QFont, QKeyEvent, QPainter
from PySide6.QtWidgets import (
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from sfa_desktop.core.records.fields import ENTITIES
from sfa_desktop.ops import records as record_ops
from sfa_desktop.store.database import LocalStore
from sfa_desktop.store.search import Hit
from sfa_desktop.ui.icons import icon
from sfa_desktop.ui.tasks import Task, TaskRunner

DEBOUNCE_MS = 120
_KIND_ROLE = Qt.ItemDataRole.UserRole + 1
_ID_ROLE = Qt.ItemDataRole.UserRole + 2
_DETAIL_ROLE = Qt.ItemDataRole.UserRole + 3


def search_job(store: LocalStore, typed: str) -> list[Hit]:
    """Background job: full-text hits over accounts, contacts and leads, then opportunities by name."""
    hits = record_ops.run_search(store, typed, limit=12)
    if len(typed.strip()) >= 2:
        hits += record_ops.find_opportunities(store, typed, limit=4)
    return hits


class _HitDelegate(QStyledItemDelegate):
    """Two lines per hit: the name in bold, the detail (company, email, city) in grey."""

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        return QSize(option.rect.width(), 2 * option.fontMetrics.height() + 14)

    def paint(
        self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        painter.save()
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        rect: QRect = option.rect
        if selected:
            painter.fillRect(rect, option.palette.highlight())
        kind = index.data(_KIND_ROLE)
        color = "#ffffff" if selected else "#2563eb"
        icon(kind, color).paint(
            painter, QRect(rect.left() + 10, rect.top() + (rect.height() - 20) // 2, 20, 20)
        )
        line = option.fontMetrics.height()
        text_left = rect.left() + 42
        width = rect.width() - 52
        bold = QFont(option.font)
        bold.setBold(True)
        painter.setFont(bold)
        painter.setPen(
            option.palette.highlightedText().color() if selected else option.palette.text().color()
        )
        title = f"{index.data(Qt.ItemDataRole.DisplayRole)}"
        painter.drawText(QRect(text_left, rect.top() + 6, width, line), Qt.AlignmentFlag.AlignLeft, title)
        painter.setFont(option.font)
        painter.setPen(Qt.GlobalColor.white if selected else Qt.GlobalColor.darkGray)
        singular = ENTITIES[kind].singular.capitalize()
        detail = index.data(_DETAIL_ROLE)
        detail_text = f"{singular} · {detail}" if detail else singular
        elided = option.fontMetrics.elidedText(detail_text, Qt.TextElideMode.ElideRight, width)
        painter.drawText(
            QRect(text_left, rect.top() + 8 + line, width, line), Qt.AlignmentFlag.AlignLeft, elided
        )
        painter.restore()


class SearchBox(QLineEdit):
    """Find any account, contact, lead or opportunity in a keystroke."""

    recordChosen = Signal(str, str)
    resultsChanged = Signal(int)

    def __init__(self, store: LocalStore, runner: TaskRunner, popup_parent: QWidget) -> None:
        super().__init__()
        self.setObjectName("globalSearch")
        self._store = store
        self._runner = runner
        self._task: Task | None = None
        self.setPlaceholderText("Search accounts, contacts, leads…   Ctrl+K")
        self.addAction(icon("search", "#94a3b8"), QLineEdit.ActionPosition.LeadingPosition)
        self.setClearButtonEnabled(True)
        self.popup = QListWidget(popup_parent)
        self.popup.setObjectName("searchPopup")
        self.popup.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.popup.setItemDelegate(_HitDelegate(self.popup))
        self.popup.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.popup.setUniformItemSizes(True)
        self.popup.hide()
        self.popup.itemClicked.connect(self._open_item)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self._query)
        self.textEdited.connect(self._typed)
        self.textChanged.connect(lambda text: None if text else self.close_popup())
        popup_parent.installEventFilter(self)

    # -- querying -------------------------------------------------------------------------------

    def _typed(self, _text: str) -> None:
        self._timer.start()

    def _query(self) -> None:
        if self._task is not None:
            self._task.discard()
            self._task = None
        typed = self.text()
        if not typed.strip():
            self.close_popup()
            return
        self._task = self._runner.submit(search_job, self._store, typed)
        self._task.finished.connect(lambda hits, typed=typed: self._show_hits(typed, hits))

    def _show_hits(self, typed: str, hits: object) -> None:
        assert isinstance(hits, list)
        self._task = None
        if typed != self.text():  # typing went on meanwhile; a newer query is on its way
            return
        self.popup.clear()
        for hit in hits:
            item = QListWidgetItem(hit.title or "(no name)")
            item.setData(_KIND_ROLE, hit.kind)
            item.setData(_ID_ROLE, hit.record_id)
            item.setData(_DETAIL_ROLE, hit.detail)
            item.setToolTip(f"{hit.title}\n{hit.detail}")
            self.popup.addItem(item)
        if not hits:
            item = QListWidgetItem(f"No accounts, contacts or leads match “{typed.strip()}”")
            item.setFlags(Qt.ItemFlag.NoItemFlags)
            self.popup.addItem(item)
            self.popup.setItemDelegate(QStyledItemDelegate(self.popup))
        else:
            self.popup.setItemDelegate(_HitDelegate(self.popup))
            self.popup.setCurrentRow(0)
        self._place_popup()
        self.resultsChanged.emit(len(hits))

    def _place_popup(self) -> None:
        parent = self.popup.parentWidget()
        if parent is None:
            return
        top_left = self.mapTo(parent, self.rect().bottomLeft())
        width = max(self.width(), 420)
        rows = max(1, min(self.popup.count(), 8))
        row_height = self.popup.sizeHintForRow(0) if self.popup.count() else 40
        self.popup.setGeometry(top_left.x(), top_left.y() + 4, width, rows * row_height + 8)
        self.popup.show()
        self.popup.raise_()

    # -- choosing -------------------------------------------------------------------------------

    def results(self) -> list[tuple[str, str, str]]:
        """(kind, id, title) of the hits shown."""
        out = []
        for row in range(self.popup.count()):
            item = self.popup.item(row)
            if item.data(_ID_ROLE):
                out.append((item.data(_KIND_ROLE), item.data(_ID_ROLE), item.text()))
        return out

    def _open_item(self, item: QListWidgetItem) -> None:
        record_id = item.data(_ID_ROLE)
        if not record_id:
            return
        self.close_popup()
        self.clearFocus()
        self.recordChosen.emit(item.data(_KIND_ROLE), record_id)

    def close_popup(self) -> None:
        self.popup.hide()

    def focus_search(self) -> None:
        self.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.selectAll()
        if self.text().strip() and self.popup.count():
            self._place_popup()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        visible = self.popup.isVisible()
        if key == Qt.Key.Key_Escape:
            if visible:
                self.close_popup()
            else:
                self.clear()
                self.clearFocus()
            return
        if visible and key in (Qt.Key.Key_Down, Qt.Key.Key_Up):
            step = 1 if key == Qt.Key.Key_Down else -1
            row = max(0, min(self.popup.count() - 1, self.popup.currentRow() + step))
            self.popup.setCurrentRow(row)
            return
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if self._timer.isActive() or self._task is not None:
                self._timer.stop()
                self._query()  # Enter before the results arrived: open the first one when they do
                if self._task is not None:
                    self._task.finished.connect(lambda _hits: self._open_current())
                return
            self._open_current()
            return
        super().keyPressEvent(event)

    def _open_current(self) -> None:
        item = self.popup.currentItem()
        if item is not None and self.popup.isVisible():
            self._open_item(item)

    def focusOutEvent(self, event: object) -> None:
        super().focusOutEvent(event)  # type: ignore[arg-type]
        self.close_popup()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and self.popup.isVisible():
            self._place_popup()
        return False
