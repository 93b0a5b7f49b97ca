"""The Announcements page: bulletins from managers and the office, read offline.

The list shows pinned announcements first, then the newest; unread ones (addressed to this user and not
opened yet) in bold with a dot; expired ones only when "Show expired" is ticked.  Opening one shows it on
the right, rendered as safely as a knowledge-base article (``kb_view.SafeTextBrowser``), and marks it read:
a receipt that syncs up to its writer.  Writers (managers, the office) get "New announcement…" and, on
their announcements, "Read by" (who has read it, who has not, who has not after N days), Pin and Withdraw.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    QUrl,
    Signal,
)
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListView,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from sfa_desktop.ops import announcements as ann_ops
from sfa_desktop.store.database import LocalStore
from sfa_desktop.ui import kb_view
from sfa_desktop.ui.failures import show_problem
from sfa_desktop.ui.icons import icon
from sfa_desktop.ui.tasks import Task, TaskRunner
from sfa_desktop.ui.widgets import named

SUMMARY_ROLE = Qt.ItemDataRole.UserRole + 1
UNREAD_ROLE = Qt.ItemDataRole.UserRole + 2


def when_text(summary: ann_ops.Summary) -> str:
    local = summary.published_at.astimezone()
    this_year = local.year == dt.date.today().year
    return f"{local.day} {local:%b}" if this_year else f"{local.day} {local:%b %Y}"


def meta_text(summary: ann_ops.Summary) -> str:
    facts = [summary.audience, summary.author, when_text(summary)]
    if summary.expires_on is not None:
        word = "Expired" if summary.expired else "Until"
        facts.append(f"{word} {summary.expires_on.day} {summary.expires_on:%b}")
    return "  ·  ".join(facts)


class AnnouncementModel(QAbstractListModel):
    """The announcements shown, as loaded (``set_items``); few enough to hold whole."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.items: list[ann_ops.Summary] = []

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.items)

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.items):
            return None
        item = self.items[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return item.title
        if role == Qt.ItemDataRole.ToolTipRole:
            return meta_text(item)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            state = "unread" if item.unread else "read"
            return f"{item.title}, {'pinned, ' if item.pinned else ''}{state}, {meta_text(item)}"
        if role == SUMMARY_ROLE:
            return item
        if role == UNREAD_ROLE:
            return item.unread
        return None

    def set_items(self, items: list[ann_ops.Summary]) -> None:
        self.beginResetModel()
        self.items = list(items)
        self.endResetModel()

    def row_of(self, announcement_id: str) -> int | None:
        return next((n for n, item in enumerate(self.items) if item.id == announcement_id), None)


class AnnouncementDelegate(QStyledItemDelegate):
    """A card per announcement: a pin for pinned ones, the title (bold and dotted while unread), and the
    audience, writer and date below."""

    HEIGHT = 64

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        return QSize(option.rect.width(), self.HEIGHT)

    def paint(
        self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        item = index.data(SUMMARY_ROLE)
        if not isinstance(item, ann_ops.Summary):
            return
        painter.save()
        rect = option.rect.adjusted(10, 5, -10, -5)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QColor("#93c5fd" if selected else "#e2e8f0"))
        painter.setBrush(QColor("#eff6ff" if selected else "#ffffff"))
        painter.drawRoundedRect(rect, 8, 8)
        if item.pinned and not item.expired:
            painter.fillRect(QRect(rect.left(), rect.top() + 8, 3, rect.height() - 16), QColor("#f59e0b"))
        left = rect.left() + 16
        if item.unread:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor("#2563eb"))
            painter.drawEllipse(left, rect.top() + 15, 8, 8)
        left += 16
        right = rect.right() - 12
        if item.pinned:
            pin = icon("pin", "#b45309" if not item.expired else "#94a3b8")
            pin.paint(painter, QRect(right - 18, rect.top() + 9, 18, 18))
            right -= 24
        title_font = QFont(option.font)
        title_font.setPixelSize(14)
        title_font.setWeight(QFont.Weight.Bold if item.unread else QFont.Weight.Normal)
        painter.setFont(title_font)
        painter.setPen(QColor("#94a3b8" if item.expired else "#0f172a"))
        title = QFontMetrics(title_font).elidedText(item.title, Qt.TextElideMode.ElideRight, right - left)
        painter.drawText(QRect(left, rect.top() + 8, right - left, 22), Qt.AlignmentFlag.AlignVCenter, title)
        meta_font = QFont(option.font)
        meta_font.setPixelSize(12)
        painter.setFont(meta_font)
        painter.setPen(QColor("#94a3b8" if item.expired else "#64748b"))
        meta = QFontMetrics(meta_font).elidedText(
            meta_text(item), Qt.TextElideMode.ElideRight, rect.right() - 12 - left
        )
        painter.drawText(QRect(left, rect.top() + 30, rect.right() - 12 - left, 20), 0, meta)
        painter.restore()


class AnnouncementView(QWidget):
    """One announcement: title, facts, body, links; the writer's buttons.  ``articleRequested(id)``,
    ``readByRequested(id)``, ``pinRequested(id, pinned)``, ``withdrawRequested(id)``, ``reported(text)``."""

    articleRequested = Signal(str)
    readByRequested = Signal(str)
    pinRequested = Signal(str, bool)
    withdrawRequested = Signal(str)
    reported = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("articleView")
        self.detail: ann_ops.Detail | None = None
        self.stack = QStackedWidget(self)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.stack)
        self.empty = named(QLabel("Choose an announcement on the left."), "emptyState")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stack.addWidget(self.empty)
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        header = named(QFrame(), "formHeader")
        top = QVBoxLayout(header)
        top.setContentsMargins(22, 16, 22, 12)
        top.setSpacing(4)
        self.badge = named(QLabel(), "announcementBadge")
        self.title = named(QLabel(), "formTitle")
        self.title.setWordWrap(True)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.meta = named(QLabel(), "formSubtitle")
        self.meta.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.setSpacing(6)
        self.read_by_button = QPushButton(icon("contacts"), "Read by…")
        self.read_by_button.setToolTip("Who of the audience has read it, and who has not")
        self.pin_button = QPushButton(icon("pin"), "Pin")
        self.withdraw_button = named(QPushButton(icon("delete", "#b91c1c"), "Withdraw"), "dangerButton")
        self.withdraw_button.setToolTip(
            "Take the announcement back: it leaves every laptop with the next sync"
        )
        for button in (self.read_by_button, self.pin_button, self.withdraw_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        top.addWidget(self.badge, 0, Qt.AlignmentFlag.AlignLeft)
        top.addWidget(self.title)
        top.addWidget(self.meta)
        top.addSpacing(4)
        top.addLayout(buttons)
        self.browser = named(kb_view.SafeTextBrowser(), "articleBody")
        self.browser.setFrameShape(QFrame.Shape.NoFrame)
        self.links_box = named(QFrame(), "announcementLinks")
        self.links = QVBoxLayout(self.links_box)
        self.links.setContentsMargins(22, 10, 22, 14)
        self.links.setSpacing(4)
        layout.addWidget(header)
        layout.addWidget(self.browser, 1)
        layout.addWidget(self.links_box)
        self.stack.addWidget(page)
        self.browser.articleLinked.connect(self.articleRequested)
        self.browser.linkRefused.connect(self.reported)
        self.read_by_button.clicked.connect(lambda: self._emit(self.readByRequested))
        self.withdraw_button.clicked.connect(lambda: self._emit(self.withdrawRequested))
        self.pin_button.clicked.connect(self._toggle_pin)

    def _emit(self, signal: Any) -> None:
        if self.detail is not None:
            signal.emit(self.detail.id)

    def _toggle_pin(self) -> None:
        if self.detail is not None:
            self.pinRequested.emit(self.detail.id, not self.detail.pinned)

    def show_detail(self, detail: ann_ops.Detail, *, may_write: bool) -> None:
        self.detail = detail
        badges = []
        if detail.pinned:
            badges.append("PINNED")
        if detail.expired:
            badges.append("EXPIRED")
        badges.append("FOR " + detail.audience.upper())
        self.badge.setText("  ·  ".join(badges))
        self.title.setText(detail.title)
        facts = [f"From {detail.author}", when_text(detail)]
        if detail.expires_on is not None:
            facts.append(f"{'expired' if detail.expired else 'until'} {detail.expires_on:%d %b %Y}")
        if detail.read_at is not None:
            facts.append(f"you read it {detail.read_at.astimezone():%d %b, %H:%M}")
        self.meta.setText("  ·  ".join(facts))
        self.browser.set_markdown(detail.body)
        self.read_by_button.setVisible(detail.may_see_receipts)
        self.pin_button.setVisible(may_write)
        self.pin_button.setText("Unpin" if detail.pinned else "Pin")
        self.withdraw_button.setVisible(may_write)
        self._show_links(detail)
        self.stack.setCurrentIndex(1)

    def _show_links(self, detail: ann_ops.Detail) -> None:
        while self.links.count():
            item = self.links.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.links_box.setVisible(bool(detail.links))
        if not detail.links:
            return
        self.links.addWidget(named(QLabel("LINKS"), "formSection"))
        for link in detail.links:
            article = link.article_id
            button = named(
                QPushButton(icon("article" if article else "export"), link.label), "announcementLink"
            )
            button.setCursor(Qt.CursorShape.PointingHandCursor)
            button.setToolTip("Open the article" if article else link.target)
            if article:
                button.clicked.connect(lambda _c=False, a=article: self.articleRequested.emit(a))
            else:
                button.clicked.connect(lambda _c=False, t=link.target: kb_view.open_external(QUrl(t)))
            self.links.addWidget(button, 0, Qt.AlignmentFlag.AlignLeft)

    def clear(self) -> None:
        self.detail = None
        self.stack.setCurrentIndex(0)


class AnnouncementsPage(QWidget):
    """``settled()`` after each load; ``articleRequested(id)``: open a knowledge-base article;
    ``reported(text)``: a message for the status bar; ``readChanged()``: an announcement was marked read."""

    settled = Signal()
    articleRequested = Signal(str)
    reported = Signal(str)
    readChanged = Signal()

    def __init__(self, store: LocalStore, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("announcementsPage")
        self.store = store
        self.runner = runner
        self.choices: ann_ops.WriterChoices | None = None
        self._task: Task | None = None
        self._keep: str | None = None
        self.model = AnnouncementModel(self)
        self._build()
        choices = self.runner.submit(ann_ops.writer_choices, store)
        choices.finished.connect(self._set_choices)
        self.refresh()

    def _build(self) -> None:
        header = named(QFrame(), "sectionHeader")
        bar = QHBoxLayout(header)
        bar.setContentsMargins(20, 14, 20, 14)
        titles = QVBoxLayout()
        titles.setSpacing(0)
        titles.addWidget(named(QLabel("Announcements"), "sectionTitle"))
        self.count_label = named(QLabel(), "sectionCount")
        titles.addWidget(self.count_label)
        bar.addLayout(titles)
        bar.addStretch(1)
        self.expired_box = QCheckBox("Show expired")
        self.expired_box.toggled.connect(lambda _on: self.refresh())
        bar.addWidget(self.expired_box)
        bar.addSpacing(12)
        self.new_button = named(QPushButton(icon("add", "#ffffff"), "New announcement…"), "primaryButton")
        self.new_button.setShortcut("Ctrl+Shift+N")
        self.new_button.setToolTip("Write a bulletin for your territories (the office: for anyone)")
        self.new_button.hide()
        self.new_button.clicked.connect(self.new_announcement)
        bar.addWidget(self.new_button)

        self.list = named(QListView(), "announcementList")
        self.list.setModel(self.model)
        self.list.setItemDelegate(AnnouncementDelegate(self.list))
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.list.selectionModel().currentRowChanged.connect(self._current_changed)
        self.empty = named(QLabel(), "emptyState")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.left = QStackedWidget()
        self.left.addWidget(self.list)
        self.left.addWidget(self.empty)
        self.left.setMinimumWidth(340)
        self.view = AnnouncementView()
        self.view.articleRequested.connect(self.articleRequested)
        self.view.reported.connect(self.reported)
        self.view.readByRequested.connect(self.show_read_by)
        self.view.pinRequested.connect(self._pin)
        self.view.withdrawRequested.connect(self._withdraw)
        splitter = named(QSplitter(Qt.Orientation.Horizontal), "sectionSplitter")
        splitter.addWidget(self.left)
        splitter.addWidget(self.view)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([480, 720])
        splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(header)
        layout.addWidget(splitter, 1)

    def _set_choices(self, choices: object) -> None:
        assert isinstance(choices, ann_ops.WriterChoices)
        self.choices = choices
        self.new_button.setVisible(choices.may_post)

    # -- loading ------------------------------------------------------------------------------------------

    def page_shown(self) -> None:
        self.refresh()

    def refresh(self, keep: str | None = None) -> Task:
        if self._task is not None:
            self._task.discard()
        current = self.current()
        self._keep = keep or (current.id if current is not None else self._keep)
        task = self.runner.submit(ann_ops.listing, self.store, include_expired=self.expired_box.isChecked())
        task.finished.connect(self._fill)
        task.failed.connect(lambda exc: show_problem(self, "Announcements not loaded", exc))
        task.failed.connect(lambda _exc: self.settled.emit())
        self._task = task
        return task

    def _fill(self, items: object) -> None:
        assert isinstance(items, list)
        self._task = None
        self.list.selectionModel().blockSignals(True)
        self.model.set_items(items)
        self.list.selectionModel().blockSignals(False)
        unread = sum(1 for item in items if item.unread)
        self.count_label.setText(
            f"{len(items)} announcement{'s' if len(items) != 1 else ''}, {unread} unread"
            if items
            else "Nothing from the office yet"
        )
        self.empty.setText(
            "No announcements here.\nManagers and the office post them; they arrive with a sync."
        )
        self.left.setCurrentIndex(0 if items else 1)
        row = self.model.row_of(self._keep) if self._keep else None
        if row is not None:
            self.list.selectionModel().blockSignals(True)
            self.list.setCurrentIndex(self.model.index(row))
            self.list.selectionModel().blockSignals(False)
        elif self.view.detail is not None and self.model.row_of(self.view.detail.id) is None:
            self.view.clear()
        self.settled.emit()

    def current(self) -> ann_ops.Summary | None:
        item = self.list.currentIndex().data(SUMMARY_ROLE)
        return item if isinstance(item, ann_ops.Summary) else None

    def select(self, announcement_id: str) -> bool:
        """Select (and open) an announcement of the list; False when it is not there."""
        row = self.model.row_of(announcement_id)
        if row is None:
            return False
        self.list.selectionModel().blockSignals(True)
        self.list.setCurrentIndex(self.model.index(row))
        self.list.selectionModel().blockSignals(False)
        self.open(announcement_id)
        return True

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        item = current.data(SUMMARY_ROLE)
        if isinstance(item, ann_ops.Summary):
            self.open(item.id)

    def open(self, announcement_id: str) -> Task:
        """Show the announcement, marking it read (its receipt syncs up to the writer)."""
        self._keep = announcement_id
        task = self.runner.submit(ann_ops.open_announcement, self.store, announcement_id)
        task.finished.connect(self._opened)
        task.failed.connect(lambda exc: show_problem(self, "Announcement not opened", exc))
        return task

    def _opened(self, detail: object) -> None:
        assert isinstance(detail, ann_ops.Detail)
        row = self.model.row_of(detail.id)
        was_unread = row is not None and self.model.items[row].unread
        self.view.show_detail(detail, may_write=detail.may_change)
        if row is not None:
            self.model.items[row] = ann_ops.Summary(
                **{f: getattr(detail, f) for f in ann_ops.Summary.__dataclass_fields__}
            )
            index = self.model.index(row)
            self.model.dataChanged.emit(index, index)
        if was_unread:
            unread = sum(1 for item in self.model.items if item.unread)
            total = len(self.model.items)
            self.count_label.setText(f"{total} announcement{'s' if total != 1 else ''}, {unread} unread")
            self.readChanged.emit()

    # -- writing ------------------------------------------------------------------------------------------

    def new_announcement(self) -> None:
        from sfa_desktop.ui.announcement_editor import AnnouncementEditor

        if self.choices is None or not self.choices.may_post:
            return
        editor = AnnouncementEditor(self.store, self.runner, self.choices, self)
        editor.posted.connect(self._posted)
        editor.posted.connect(
            lambda _id: self.reported.emit("Announcement posted; it goes out with the next sync.")
        )
        editor.open()

    def _posted(self, new_id: str) -> None:
        self.refresh(keep=new_id).finished.connect(lambda _r: self.select(new_id))

    def show_read_by(self, announcement_id: str) -> None:
        from sfa_desktop.ui.announcement_editor import ReadByDialog

        dialog = ReadByDialog(self.store, self.runner, announcement_id, self)
        dialog.open()

    def _pin(self, announcement_id: str, pinned: bool) -> None:
        task = self.runner.submit(ann_ops.set_pinned, self.store, announcement_id, pinned)
        task.finished.connect(lambda _r: self.refresh(keep=announcement_id))
        task.finished.connect(lambda _r: self.open(announcement_id))
        task.failed.connect(lambda exc: show_problem(self, "Not changed", exc))

    def _withdraw(self, announcement_id: str) -> None:
        answer = QMessageBox.question(
            self,
            "Withdraw the announcement?",
            "It leaves every laptop with the next sync, and who has read it is no longer shown.",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        task = self.runner.submit(ann_ops.withdraw, self.store, announcement_id)
        task.finished.connect(lambda _r: self.view.clear())
        task.finished.connect(lambda _r: self.refresh())
        task.failed.connect(lambda exc: show_problem(self, "Not withdrawn", exc))


# -- extension entry point -----------------------------------------------------------------------------


def announcements_page(window: Any) -> AnnouncementsPage:
    page = AnnouncementsPage(window.store, window.runner)
    page.reported.connect(window.show_message)
    page.articleRequested.connect(lambda article: open_article(window, article))
    sync = getattr(window, "sync", None)
    if sync is not None:  # new announcements and receipts arrive with a sync
        sync.statusShown.connect(lambda status: page.refresh() if status.state == "idle" else None)
    return page


def open_article(window: Any, article_id: str) -> None:
    """Show a linked knowledge-base article on the Knowledge page."""
    page = window.show_page("knowledge")
    show = getattr(page, "open_article", None)
    if callable(show):
        show(article_id)
