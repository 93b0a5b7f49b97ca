"""The Knowledge page: search the knowledge base as you type, browse it by category and tag, read an
article; managers and admins also write, edit and delete articles.

Three panes: what to browse (all articles, the categories, the tags), the articles found (with the
passage that matches, its words highlighted), and the article.  Typing restarts a short timer; the search
runs on the task runner and a result that arrives after newer typing is dropped.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAbstractTextDocumentLayout, QColor, QPainter, QPalette, QTextDocument
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from sfa_desktop.core.kb import articles as kb
from sfa_desktop.ops import kb as kb_ops
from sfa_desktop.store import kb_search
from sfa_desktop.store.database import LocalStore
from sfa_desktop.ui.failures import show_problem
from sfa_desktop.ui.icons import icon
from sfa_desktop.ui.kb_view import ArticleView, updated_text
from sfa_desktop.ui.tasks import Task, TaskRunner
from sfa_desktop.ui.widgets import named

SEARCH_DELAY_MS = 150
ID_ROLE = Qt.ItemDataRole.UserRole + 1
HTML_ROLE = Qt.ItemDataRole.UserRole + 2
FILTER_ROLE = Qt.ItemDataRole.UserRole + 3
ALL = "*"
#: Tags shown under "Tags"; the others wait under "More tags" (folded).
POPULAR_TAGS = 12


def _escape(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class _ResultDelegate(QStyledItemDelegate):
    """A result as rich text: the title (matched words highlighted), category and tags, the passage."""

    def _document(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QTextDocument:
        document = QTextDocument()
        document.setDefaultFont(option.font)
        document.setDocumentMargin(0)
        document.setHtml(str(index.data(HTML_ROLE) or ""))
        document.setTextWidth(max(60, option.rect.width() - 28))
        return document

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        document = self._document(option, index)
        return QSize(option.rect.width(), int(document.size().height()) + 20)

    def paint(
        self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        painter.save()
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        if selected:
            painter.fillRect(option.rect, QColor("#dbeafe"))
        painter.setPen(QColor("#eef2f7"))
        painter.drawLine(option.rect.bottomLeft(), option.rect.bottomRight())
        document = self._document(option, index)
        painter.translate(option.rect.left() + 14, option.rect.top() + 10)
        context = QAbstractTextDocumentLayout.PaintContext()
        context.palette.setColor(QPalette.ColorRole.Text, QColor("#1e293b"))
        context.clip = QRectF(0, 0, option.rect.width() - 28, option.rect.height() - 20)
        document.documentLayout().draw(painter, context)
        painter.restore()


def hit_html(hit: kb_search.KbHit) -> str:
    where = " · ".join(p for p in (hit.category, hit.tags) if p)
    draft = " <span style='color:#b45309'>Draft</span>" if not hit.published else ""
    title = kb_search.highlight_html(hit.title_marked)
    return (
        f"<div style='font-weight:600; font-size:14px'>{title}{draft}</div>"
        f"<div style='color:#64748b; font-size:12px'>{_escape(where)}</div>"
        f"<div style='color:#334155; margin-top:3px'>{kb_search.highlight_html(hit.snippet)}</div>"
    )


def summary_html(article: kb.ArticleSummary) -> str:
    facts = " · ".join(p for p in (article.category, ", ".join(article.tags)) if p)
    draft = " <span style='color:#b45309'>Draft</span>" if not article.published else ""
    return (
        f"<div style='font-weight:600; font-size:14px'>{_escape(article.title)}{draft}</div>"
        f"<div style='color:#64748b; font-size:12px'>{_escape(facts)}</div>"
        f"<div style='color:#94a3b8; font-size:11px; margin-top:2px'>{_escape(updated_text(article))}</div>"
    )


class KnowledgePage(QWidget):
    """``resultsChanged(count)`` after each search or browse; ``articleShown(id)`` when an article is on
    screen; ``overviewLoaded()`` when the user and what to browse are known."""

    resultsChanged = Signal(int)
    articleShown = Signal(str)
    overviewLoaded = Signal()

    def __init__(self, store: LocalStore, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.runner = runner
        self.overview: kb_ops.Overview | None = None
        self.filter: tuple[str, str] | None = None  # ("category" | "tag", name); None: all articles
        self._query: Task | None = None
        self._loading: Task | None = None
        self._pending_open: str | None = None
        self._build()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self.refresh_results)
        self.search.textChanged.connect(lambda _t: self._timer.start())

    # -- building -------------------------------------------------------------------------------

    def _build(self) -> None:
        top = named(QFrame(), "sectionHeader")
        bar = QHBoxLayout(top)
        bar.setContentsMargins(20, 14, 20, 14)
        title = named(QLabel("Knowledge"), "sectionTitle")
        self.count_label = named(QLabel("Loading…"), "sectionCount")
        self.search = named(QLineEdit(), "filterBox")
        self.search.setPlaceholderText("Search articles: products, objections, pricing…")
        self.search.setClearButtonEnabled(True)
        self.search.addAction(icon("search", "#94a3b8"), QLineEdit.ActionPosition.LeadingPosition)
        self.search.setMinimumWidth(380)
        self.new_button = named(QPushButton(icon("add", "#ffffff"), "New article"), "primaryButton")
        self.new_button.hide()
        bar.addWidget(title)
        bar.addSpacing(10)
        bar.addWidget(self.count_label, 0, Qt.AlignmentFlag.AlignBottom)
        bar.addStretch(1)
        bar.addWidget(self.search)
        bar.addSpacing(8)
        bar.addWidget(self.new_button)

        self.browse = named(QTreeWidget(), "kbBrowse")
        self.browse.setHeaderHidden(True)
        self.browse.setRootIsDecorated(True)
        self.browse.setIndentation(14)
        self.browse.setExpandsOnDoubleClick(True)
        self.browse.setMinimumWidth(230)
        self.results = named(QListWidget(), "kbResults")
        self.results.setItemDelegate(_ResultDelegate(self.results))
        self.results.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.results.setVerticalScrollMode(QListWidget.ScrollMode.ScrollPerPixel)
        self.results.setMinimumWidth(300)
        self.view = ArticleView()
        splitter = named(QSplitter(Qt.Orientation.Horizontal), "sectionSplitter")
        for widget in (self.browse, self.results, self.view):
            splitter.addWidget(widget)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 2)
        splitter.setStretchFactor(2, 3)
        splitter.setSizes([240, 380, 560])
        splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(top)
        layout.addWidget(splitter, 1)

        self.browse.currentItemChanged.connect(self._browse_changed)
        self.results.currentItemChanged.connect(self._result_changed)
        self.view.tagClicked.connect(lambda tag: self.set_filter(("tag", tag)))
        self.view.articleLinked.connect(self.open_article)
        self.view.editRequested.connect(self.edit_article)
        self.view.deleteRequested.connect(self.delete_article)
        self.view.reported.connect(self._report)
        self.new_button.clicked.connect(lambda: self.edit_article(None))

    def _report(self, message: str) -> None:
        window = self.window()
        show = getattr(window, "show_message", None)
        if callable(show):
            show(message)

    # -- overview -------------------------------------------------------------------------------

    def page_shown(self) -> None:
        """Refresh what may have changed elsewhere (a sync brings articles): the browse tree and the list."""
        self.runner.submit(kb_ops.overview, self.store).finished.connect(self._show_overview)

    def _show_overview(self, result: object) -> None:
        assert isinstance(result, kb_ops.Overview)
        self.overview = result
        self.new_button.setVisible(result.may_author)
        noun = "article" if result.count == 1 else "articles"
        self.count_label.setText(f"{result.count:,} {noun}")
        self.browse.blockSignals(True)
        self.browse.clear()
        everything = QTreeWidgetItem([f"All articles  ({result.count})"])
        everything.setIcon(0, icon("knowledge", "#2563eb"))
        everything.setData(0, FILTER_ROLE, ALL)
        self.browse.addTopLevelItem(everything)
        current: QTreeWidgetItem | None = everything
        popular = result.tags[:POPULAR_TAGS]
        for heading, kind, entries, unfolded in (
            ("Categories", "category", result.categories, True),
            ("Tags", "tag", popular, True),
            ("More tags", "tag", result.tags[POPULAR_TAGS:], False),
        ):
            if not entries:
                continue
            section = QTreeWidgetItem([heading.upper()])
            section.setFlags(Qt.ItemFlag.ItemIsEnabled)
            section.setForeground(0, QColor("#2563eb"))
            font = section.font(0)
            font.setBold(True)
            font.setPixelSize(11)
            section.setFont(0, font)
            self.browse.addTopLevelItem(section)
            expanded = unfolded
            for name, number in entries:
                item = QTreeWidgetItem([f"{name}  ({number})"])
                item.setData(0, FILTER_ROLE, f"{kind}\x1f{name}")
                section.addChild(item)
                if self.filter == (kind, name):
                    current = item
                    expanded = True
            section.setExpanded(expanded)
        if current is not None:
            self.browse.setCurrentItem(current)
        self.browse.blockSignals(False)
        self.overviewLoaded.emit()
        self.refresh_results()

    def _browse_changed(self, item: QTreeWidgetItem | None, _previous: QTreeWidgetItem | None) -> None:
        if item is None or not item.data(0, FILTER_ROLE):
            return  # a section heading
        raw = str(item.data(0, FILTER_ROLE) or ALL)
        kind, _, name = raw.partition("\x1f")
        self.filter = (kind, name) if raw != ALL else None
        self.refresh_results()

    def _items(self) -> list[QTreeWidgetItem]:
        items = []
        for row in range(self.browse.topLevelItemCount()):
            top = self.browse.topLevelItem(row)
            if top is None:
                continue
            items.append(top)
            items += [child for n in range(top.childCount()) if (child := top.child(n)) is not None]
        return items

    def set_filter(self, chosen: tuple[str, str] | None) -> None:
        """Browse one category or tag (None: every article), selecting it in the tree."""
        for item in self._items():
            raw = str(item.data(0, FILTER_ROLE) or "")
            if chosen is None and raw == ALL:
                self.browse.setCurrentItem(item)
                return
            kind, _, name = raw.partition("\x1f")
            if chosen is not None and kind == chosen[0] and kb.tag_key(name) == kb.tag_key(chosen[1]):
                parent = item.parent()
                if parent is not None:
                    parent.setExpanded(True)
                self.browse.setCurrentItem(item)
                return
        self.filter = chosen
        self.refresh_results()

    # -- results --------------------------------------------------------------------------------

    @property
    def drafts(self) -> bool:
        return self.overview.may_author if self.overview is not None else False

    def refresh_results(self) -> None:
        if self._query is not None:
            self._query.discard()
        typed = self.search.text()
        category = self.filter[1] if self.filter and self.filter[0] == "category" else None
        tag = self.filter[1] if self.filter and self.filter[0] == "tag" else None
        if typed.strip():
            self._query = self.runner.submit(kb_ops.find, self.store, typed, category, tag, self.drafts)
        else:
            self._query = self.runner.submit(kb_ops.browse, self.store, category, tag, self.drafts)
        self._query.finished.connect(lambda found, typed=typed: self._show_results(typed, found))

    def _show_results(self, typed: str, found: object) -> None:
        assert isinstance(found, list)
        self._query = None
        if typed != self.search.text():
            return
        keep = self.view.article.id if self.view.article is not None else None
        self.results.blockSignals(True)
        self.results.clear()
        for entry in found:
            if isinstance(entry, kb_search.KbHit):
                item = QListWidgetItem(entry.title)
                item.setData(ID_ROLE, entry.article_id)
                item.setData(HTML_ROLE, hit_html(entry))
            else:
                item = QListWidgetItem(entry.title)
                item.setData(ID_ROLE, entry.id)
                item.setData(HTML_ROLE, summary_html(entry))
            self.results.addItem(item)
        if not found:
            what = f"“{typed.strip()}”" if typed.strip() else "this"
            empty = QListWidgetItem()
            empty.setData(HTML_ROLE, f"<div style='color:#64748b'>No article matches {_escape(what)}.</div>")
            empty.setFlags(Qt.ItemFlag.NoItemFlags)
            self.results.addItem(empty)
        self.results.blockSignals(False)
        ids = [e.article_id if isinstance(e, kb_search.KbHit) else e.id for e in found]
        self._show_count(len(ids), searching=bool(typed.strip()))
        target = self._pending_open or (ids[0] if typed.strip() and ids else keep)
        self._pending_open = None
        if target in ids:
            self.results.setCurrentRow(ids.index(target))  # shows it
        elif target is not None and target != keep:
            self._load(target)
        elif ids and keep is None:
            self.results.setCurrentRow(0)
        self.resultsChanged.emit(len(found))

    def _show_count(self, shown: int, *, searching: bool) -> None:
        total = self.overview.count if self.overview is not None else shown
        noun = "article" if total == 1 else "articles"
        if searching:
            limit = f"best {shown}" if shown >= kb_ops.SEARCH_LIMIT else f"{shown}"
            self.count_label.setText(f"{limit} of {total:,} {noun} match")
        elif self.filter is not None:
            self.count_label.setText(f"{shown} of {total:,} {noun}")
        else:
            self.count_label.setText(f"{total:,} {noun}")

    def result_ids(self) -> list[str]:
        return [
            str(self.results.item(r).data(ID_ROLE))
            for r in range(self.results.count())
            if self.results.item(r).data(ID_ROLE)
        ]

    def _result_changed(self, item: QListWidgetItem | None, _previous: QListWidgetItem | None) -> None:
        if item is not None and item.data(ID_ROLE):
            self._load(str(item.data(ID_ROLE)))

    # -- the article ----------------------------------------------------------------------------

    def open_article(self, article_id: str) -> None:
        """Show an article (from a link, another page, or ArticleLinks), selecting it when listed."""
        ids = self.result_ids()
        if article_id in ids:
            self.results.setCurrentRow(ids.index(article_id))
            if self.view.article is None or self.view.article.id != article_id:
                self._load(article_id)
            return
        self._load(article_id)

    def _load(self, article_id: str) -> None:
        if self._loading is not None:
            self._loading.discard()
        self._loading = self.runner.submit(kb_ops.load, self.store, article_id)
        self._loading.finished.connect(self._show_article)
        self._loading.failed.connect(lambda exc: show_problem(self, "Article not shown", exc))

    def _show_article(self, article: object) -> None:
        assert isinstance(article, kb.Article)
        self._loading = None
        self.view.show_article(article, may_edit=self.drafts)
        self.articleShown.emit(article.id)

    def edit_article(self, article_id: str | None) -> None:
        from sfa_desktop.ui.kb_editor import ArticleEditor

        if not self.drafts:
            return
        article = self.view.article if article_id is not None else None
        user = self.overview.user if self.overview is not None else None
        categories = [name for name, _ in self.overview.categories] if self.overview else []
        author = user.user_id if user else None
        editor = ArticleEditor(self.store, self.runner, article, categories, author, self)
        editor.saved.connect(self._saved)
        editor.open()
        self.editor = editor

    def _saved(self, article_id: str) -> None:
        self._pending_open = article_id
        self._report("Article saved; it goes to everyone with the next sync.")
        self.page_shown()

    def delete_article(self, article_id: str) -> None:
        from sfa_desktop.ui.form_parts import confirm_delete

        if not self.drafts or self.view.article is None:
            return
        if not confirm_delete(self, f"Delete the article “{self.view.article.title}” for everyone?"):
            return
        task = self.runner.submit(kb_ops.delete, self.store, article_id)
        task.finished.connect(lambda _r: self._deleted())
        task.failed.connect(lambda exc: show_problem(self, "Article not deleted", exc))

    def _deleted(self) -> None:
        self.view.clear()
        self._report("Article deleted.")
        self.page_shown()


def knowledge_page(window: Any) -> KnowledgePage:
    """The page factory for ``extensions.PAGES``; a sync that brings articles refreshes it when shown."""
    page = KnowledgePage(window.store, window.runner)
    sync = getattr(window, "sync", None)
    synced = getattr(sync, "synced", None)
    if synced is not None:
        synced.connect(lambda: page.page_shown() if page.isVisible() else None)
    return page
