"""The notification centre (issue 15, item 4): a bell in the main toolbar with the number of unread
notifications, and a popup listing them newest first (unread in bold), filtered by kind, with "Mark all
read"; activating one marks it read and opens its record.  Urgent ones are shown by the system tray too,
once each.

The sources run after every sync (successful or not) and when the window starts, on the task runner; the
list is read on the runner as well and the popup shows the last one read at once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, QPoint, Qt, Signal
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSystemTrayIcon,
    QTableView,
    QTabWidget,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from sfa_desktop.core.notifications.events import KIND_LABELS, KINDS
from sfa_desktop.core.notifications.inbox import Item
from sfa_desktop.ops import notifications as notification_ops
from sfa_desktop.store.database import LocalStore
from sfa_desktop.ui.failures import show_problem
from sfa_desktop.ui.icons import icon
from sfa_desktop.ui.tasks import Task, TaskRunner
from sfa_desktop.ui.widgets import named

Index = QModelIndex | QPersistentModelIndex
HEADERS = ("When", "Kind", "What")
KIND_WORDS = {
    "announcement": "Announcement",
    "request": "Request",
    "mention": "Mention",
    "conflict": "Conflict",
    "territory": "Territory",
    "sync": "Sync",
}
#: The role that gives a row's :class:`Item`.
ITEM_ROLE = Qt.ItemDataRole.UserRole + 1


def when_text(at: dt.datetime, now: dt.datetime | None = None) -> str:
    """'14:05' today, 'Tue 14:05' this week, '2026-11-28' before."""
    local = at.astimezone()
    today = (now or dt.datetime.now(dt.UTC)).astimezone()
    if local.date() == today.date():
        return local.strftime("%H:%M")
    if (today.date() - local.date()).days < 7:
        return local.strftime("%a %H:%M")
    return local.strftime("%Y-%m-%d")


#: Rows the centre reads at a time: the first page when it opens, the next ones as the list scrolls.
PAGE = 200
Fetch = Callable[[int, int], list[Item]]


class NotificationModel(QAbstractTableModel):
    """The notifications as a table: when, kind, what (unread rows in bold).  Loaded a page at a time:
    ``set_page(total, first, fetch)``, and ``fetch(offset, limit)`` reads the next pages on demand."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.items: list[Item] = []
        self.total = 0
        self._fetch: Fetch | None = None
        self._bold = QFont()
        self._bold.setBold(True)
        self._grey = QColor("#64748b")
        self._now = dt.datetime.now(dt.UTC)

    def set_items(self, items: list[Item]) -> None:
        """Every notification at once."""
        self.set_page(len(items), items, None)

    def set_page(self, total: int, first: list[Item], fetch: Fetch | None) -> None:
        self.beginResetModel()
        self.items = list(first)
        self.total = max(total, len(self.items))
        self._fetch = fetch
        self._now = dt.datetime.now(dt.UTC)
        self.endResetModel()

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and self._fetch is not None and len(self.items) < self.total

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if not self.canFetchMore(parent):
            return
        assert self._fetch is not None
        more = self._fetch(len(self.items), PAGE)
        if not more:  # fewer than counted (some went meanwhile)
            self.total = len(self.items)
            return
        self.beginInsertRows(QModelIndex(), len(self.items), len(self.items) + len(more) - 1)
        self.items.extend(more)
        self.endInsertRows()

    def mark_read(self, keys: set[str]) -> None:
        """Show these as read (the store was told already)."""
        for row, item in enumerate(self.items):
            if item.key in keys and not item.read:
                self.items[row] = Item(**{**item.__dict__, "read": True})
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(HEADERS) - 1))

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.items)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section] if 0 <= section < len(HEADERS) else None
        return None

    def data(self, index: Index, role: int = 0) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.items):
            return None
        item = self.items[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return when_text(item.at, self._now)
            if column == 1:
                return KIND_WORDS.get(item.kind, item.kind) + (" !" if item.urgent else "")
            return item.title
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{item.title}\n\n{item.body}" if item.body else item.title
        if role == Qt.ItemDataRole.FontRole and not item.read:
            return self._bold
        if role == Qt.ItemDataRole.ForegroundRole and item.read:
            return self._grey
        if role == ITEM_ROLE:
            return item
        return None


class NotificationCentre(QFrame):
    """The popup list.  ``recordRequested(table, record_id)`` when a notification with a record is
    activated; ``changed()`` after notifications were marked read."""

    recordRequested = Signal(str, str)
    changed = Signal()

    def __init__(self, store: LocalStore, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Popup)
        self.setObjectName("notificationCentre")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.store = store
        self.runner = runner
        self._task: Task | None = None
        #: The notification last activated (what ``recordRequested`` came from).
        self.activated: Item | None = None
        self.resize(720, 480)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 12)
        header = QHBoxLayout()
        title = named(QLabel("Notifications"), "centreTitle")
        title.setStyleSheet("font-size: 15px; font-weight: 600;")
        header.addWidget(title)
        header.addStretch(1)
        self.kind_box = named(QComboBox(), "notificationKind")
        self.kind_box.addItem("All kinds", None)
        for kind in KINDS:
            self.kind_box.addItem(KIND_LABELS[kind], kind)
        self.kind_box.currentIndexChanged.connect(lambda _i: self.reload())
        header.addWidget(self.kind_box)
        self.mark_all = named(QPushButton("Mark all read"), "markAllRead")
        self.mark_all.clicked.connect(self.mark_all_read)
        header.addWidget(self.mark_all)
        layout.addLayout(header)
        self.model = NotificationModel(self)
        self.view = named(QTableView(), "notificationList")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setShowGrid(False)
        self.view.setWordWrap(False)
        self.view.verticalHeader().hide()
        self.view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.view.verticalHeader().setDefaultSectionSize(30)
        horizontal = self.view.horizontalHeader()
        horizontal.setSectionResizeMode(0, QHeaderView.ResizeMode.Fixed)
        horizontal.setSectionResizeMode(1, QHeaderView.ResizeMode.Fixed)
        horizontal.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        horizontal.resizeSection(0, 92)
        horizontal.resizeSection(1, 104)
        self.view.activated.connect(self.activate)
        layout.addWidget(self.view, 1)
        self.empty = named(QLabel("Nothing to tell you yet."), "emptyState")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.hide()
        layout.addWidget(self.empty, 1)

    @property
    def kind(self) -> str | None:
        value = self.kind_box.currentData()
        return str(value) if value else None

    def show_page(self, total: int, first: list[Item]) -> None:
        """The first page of the list (``total`` in all); further pages are read as the list scrolls."""
        kind = self.kind
        store = self.store

        def fetch(offset: int, limit: int) -> list[Item]:
            return notification_ops.listing(store, kind=kind, limit=limit, offset=offset)

        self.model.set_page(total, first, fetch)
        self.empty.setText(
            "Nothing to tell you yet." if self.kind is None else f"No {KIND_LABELS[self.kind].lower()}."
        )
        self.empty.setVisible(not first)
        self.view.setVisible(bool(first))
        self.mark_all.setEnabled(any(not i.read for i in first) or total > len(first))

    def load_now(self) -> None:
        """Read the first page on this thread (what opening the centre does when nothing was read yet)."""
        self.show_page(*notification_ops.first_page(self.store, self.kind, PAGE))

    def reload(self) -> Task:
        if self._task is not None:
            self._task.discard()
        self._task = self.runner.submit(notification_ops.first_page, self.store, self.kind, PAGE)
        self._task.finished.connect(lambda found: self.show_page(*found))
        return self._task

    def popup_at(self, where: QPoint) -> None:
        self.move(where)
        self.show()
        self.view.setFocus()

    def activate(self, index: QModelIndex) -> None:
        item = self.model.data(index, ITEM_ROLE)
        if not isinstance(item, Item):
            return
        self.activated = item
        if not item.read:
            self._mark([item.key])
        if item.table and item.record_id:
            self.hide()
            self.recordRequested.emit(item.table, item.record_id)

    def _mark(self, keys: list[str]) -> None:
        self.model.mark_read(set(keys))
        task = self.runner.submit(notification_ops.mark_read, self.store, keys)
        task.finished.connect(lambda _n: self.changed.emit())
        task.failed.connect(lambda exc: show_problem(self, "Marking read", exc))

    def mark_all_read(self) -> None:
        self.model.mark_read({i.key for i in self.model.items})
        self.mark_all.setEnabled(False)
        task = self.runner.submit(notification_ops.mark_all_read, self.store, self.kind)
        task.finished.connect(self._all_marked)
        task.failed.connect(lambda exc: show_problem(self, "Marking read", exc))

    def _all_marked(self, _count: object) -> None:
        self.changed.emit()
        self.reload()  # the pages not read yet show as read too


class Bell(QToolButton):
    """The toolbar's bell: the unread count beside it; a click opens the centre below it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("notificationBell")
        self.setIcon(icon("bell"))
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.setAutoRaise(True)
        self.set_count(0)

    def set_count(self, count: int) -> None:
        self.count = count
        self.setText(f"{count:,}" if count else "")
        self.setIcon(icon("bell", "#b91c1c" if count else "#475569"))
        self.setStyleSheet(
            "QToolButton#notificationBell { font-weight: 700; color: #b91c1c; }" if count else ""
        )
        noun = "notification" if count == 1 else "notifications"
        self.setToolTip(f"{count:,} unread {noun}" if count else "Notifications: all read")
        self.setAccessibleName(self.toolTip())


class NotificationService:
    """The bell, the centre and the tray, wired to the window (``extensions.SERVICES``)."""

    def __init__(self, window: Any, tray: QSystemTrayIcon | None = None) -> None:
        self.window = window
        self.store: LocalStore = window.store
        self.runner: TaskRunner = window.runner
        self.bell = Bell(window)
        self.centre = NotificationCentre(self.store, self.runner, window)
        self.centre.recordRequested.connect(self.open_record)
        self.centre.changed.connect(self.count)
        self.bell.clicked.connect(self.open_centre)
        self.tray = tray if tray is not None else self._find_tray(window)
        self.shown_in_tray: list[str] = []
        toolbar = window.findChild(QToolBar, "mainToolbar")
        if toolbar is not None:
            toolbar.addWidget(self.bell)
        sync = getattr(window, "sync", None)
        if sync is not None:
            sync.statusShown.connect(self._after_sync_status)
        self._syncing = False
        self.refresh()

    @staticmethod
    def _find_tray(window: Any) -> QSystemTrayIcon | None:
        found = window.findChild(QSystemTrayIcon)
        if found is not None:
            return found  # type: ignore[no-any-return]
        if not QSystemTrayIcon.isSystemTrayAvailable():
            return None
        tray = QSystemTrayIcon(icon("bell", "#2563eb"), window)
        tray.setToolTip("SFA Desktop")
        tray.show()
        return tray

    def _after_sync_status(self, status: object) -> None:
        state = getattr(status, "state", "")
        if state == "syncing":
            self._syncing = True
        elif self._syncing:  # a sync ended, well or not: its sources ran with it (ops.sync.sync_now)
            self._syncing = False
            self.count()
            self.show_urgent()

    def refresh(self) -> Task:
        """Run the sources (at start), then count and tell the tray."""
        task = self.runner.submit(notification_ops.refresh, self.store)
        task.finished.connect(lambda _keys: (self.count(), self.show_urgent()))
        return task

    def count(self) -> Task:
        task = self.runner.submit(notification_ops.unread_count, self.store)
        task.finished.connect(lambda n: self.bell.set_count(int(n)))
        if self.centre.isVisible():
            self.centre.reload()
        return task

    def show_urgent(self) -> Task:
        task = self.runner.submit(notification_ops.to_show_in_tray, self.store)
        task.finished.connect(self._tray)
        return task

    def _tray(self, items: object) -> None:
        assert isinstance(items, list)
        for item in items:
            self.shown_in_tray.append(item.key)
            if self.tray is not None and self.tray.isVisible():
                self.tray.showMessage(item.title, item.body, QSystemTrayIcon.MessageIcon.Warning, 15_000)

    def open_centre(self) -> None:
        if not self.centre.model.items:
            self.centre.load_now()
        else:
            self.centre.reload()
        below = self.bell.mapToGlobal(QPoint(self.bell.width() - self.centre.width(), self.bell.height() + 4))
        self.centre.popup_at(below)

    def open_record(self, table: str, record_id: str) -> None:
        """Open the record; a mention opens its Comments tab."""
        self.window.open_record(table, record_id)
        item = self.centre.activated
        page = getattr(self.window, "sections", {}).get(table)
        tabs = getattr(getattr(page, "form", None), "tabs", None)
        if item is not None and item.kind == "mention" and isinstance(tabs, QTabWidget):
            for index in range(tabs.count()):
                if tabs.tabText(index) == "Comments":
                    tabs.setCurrentIndex(index)

    def stop(self) -> None:
        self.centre.hide()


def install_notifications(window: Any) -> NotificationService:
    """Started with the window (see ``extensions.SERVICES``)."""
    return NotificationService(window)
