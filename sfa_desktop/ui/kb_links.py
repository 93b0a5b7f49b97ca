"""A list of linked knowledge-base articles that opens one on a click: what the sequence views show
beside a step (its ``article_ids``), and what any other view can reuse.

``ArticleLinks(store, runner)``; ``set_article_ids(ids)`` shows the live ones in the order given (loaded
on the task runner); activating one emits ``articleOpened(id)`` and opens it: on the window's Knowledge
page when the widget lives in the main window, else in an :class:`ArticleDialog`.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QDialog, QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from sfa_desktop.core.kb import articles as kb
from sfa_desktop.ops import kb as kb_ops
from sfa_desktop.store.database import LocalStore
from sfa_desktop.ui.icons import icon
from sfa_desktop.ui.kb_view import ArticleView
from sfa_desktop.ui.tasks import Task, TaskRunner
from sfa_desktop.ui.widgets import named

KNOWLEDGE_PAGE = "knowledge"


class ArticleDialog(QDialog):
    """One article in a window of its own, read-only; links to other articles open here too."""

    def __init__(self, store: LocalStore, runner: TaskRunner, article_id: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.store = store
        self.runner = runner
        self.setWindowTitle("Article")
        self.resize(760, 680)
        self.setMinimumSize(520, 420)
        self.view = ArticleView()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        self.view.articleLinked.connect(self.show_article)
        self.show_article(article_id)

    def show_article(self, article_id: str) -> None:
        task = self.runner.submit(kb_ops.load, self.store, article_id)
        task.finished.connect(self._show)

    def _show(self, article: object) -> None:
        assert isinstance(article, kb.Article)
        self.setWindowTitle(article.title)
        self.view.show_article(article, may_edit=False)


class ArticleLinks(QWidget):
    """``articleOpened(id)`` when one is activated; ``loaded(count)`` when the list is on screen."""

    articleOpened = Signal(str)
    loaded = Signal(int)

    def __init__(
        self, store: LocalStore, runner: TaskRunner, parent: QWidget | None = None, *, title: str = "Articles"
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.runner = runner
        self._task: Task | None = None
        self.dialog: ArticleDialog | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.heading = named(QLabel(title.upper()), "formSection")
        self.list = named(QListWidget(), "articleLinks")
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.empty = named(QLabel("No articles linked."), "formStamp")
        layout.addWidget(self.heading)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.empty)
        # a click opens (a link list); Enter too; on styles where a click also activates, once
        self.list.itemClicked.connect(self._activated)
        self.list.itemActivated.connect(self._activated)
        self._last_opened: tuple[str | None, float] = (None, 0.0)
        self.set_article_ids(())

    def set_article_ids(self, ids: Sequence[str]) -> None:
        if self._task is not None:
            self._task.discard()
        self._task = self.runner.submit(kb_ops.summaries, self.store, list(ids))
        self._task.finished.connect(self._show)

    def _show(self, found: object) -> None:
        assert isinstance(found, list)
        self._task = None
        self.list.clear()
        for summary in found:
            item = QListWidgetItem(icon("article", "#2563eb"), summary.title)
            item.setData(Qt.ItemDataRole.UserRole, summary.id)
            item.setToolTip(" · ".join(p for p in (summary.category, ", ".join(summary.tags)) if p))
            self.list.addItem(item)
        self.list.setVisible(bool(found))
        self.empty.setVisible(not found)
        self.loaded.emit(len(found))

    def ids(self) -> list[str]:
        return [str(self.list.item(r).data(Qt.ItemDataRole.UserRole)) for r in range(self.list.count())]

    def _activated(self, item: QListWidgetItem) -> None:
        article_id = str(item.data(Qt.ItemDataRole.UserRole))
        now = time.monotonic()
        if self._last_opened[0] == article_id and now - self._last_opened[1] < 0.5:
            return
        self._last_opened = (article_id, now)
        self.open(article_id)

    def open(self, article_id: str) -> None:
        self.articleOpened.emit(article_id)
        window = self.window()
        show_page = getattr(window, "show_page", None)
        if callable(show_page) and any(key == KNOWLEDGE_PAGE for key, *_ in getattr(window, "nav", ())):
            page = show_page(KNOWLEDGE_PAGE)
            page.open_article(article_id)
            return
        self.dialog = ArticleDialog(self.store, self.runner, article_id, self)
        self.dialog.show()
