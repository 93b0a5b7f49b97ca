"""Showing articles safely: Markdown as rich text with no scripts, no remote loads and no surprise links.

:class:`SafeTextBrowser` renders Markdown with Qt's own importer, HTML switched off (embedded HTML, a
``<script>`` included, shows as the text it is; Qt runs no scripts in any case).  It never fetches
anything: :meth:`SafeTextBrowser.loadResource` answers every image, style sheet or other resource itself,
decoding only ``data:`` images embedded in the article and drawing a placeholder for anything else (a
remote or local image is never read).  It never navigates on its own: a link to another article
(``name.md`` or ``kb:ID``) opens that article; ``http``, ``https`` and ``mailto`` links open in the system
browser or mail program when clicked; anything else (``javascript:``, ``file:``...) is refused.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QByteArray, QRect, Qt, QUrl, Signal
from PySide6.QtGui import (
    QColor,
    QDesktopServices,
    QFont,
    QImage,
    QPainter,
    QPalette,
    QTextBlockFormat,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
    QTextFormat,
)
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedLayout,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from sfa_desktop.core.kb import articles as kb
from sfa_desktop.ui.icons import icon
from sfa_desktop.ui.widgets import named

FEATURES = QTextDocument.MarkdownFeature(
    QTextDocument.MarkdownFeature.MarkdownDialectGitHub.value
    | QTextDocument.MarkdownFeature.MarkdownNoHTML.value
)
EXTERNAL_SCHEMES = ("http", "https", "mailto")
MAX_DATA_IMAGE = 2_000_000


def open_external(url: QUrl) -> bool:
    """Open a web or mail link with the system's program (tests replace this)."""
    return QDesktopServices.openUrl(url)


def _placeholder(text: str) -> QImage:
    image = QImage(260, 34, QImage.Format.Format_ARGB32)
    image.fill(QColor("#f1f5f9"))
    painter = QPainter(image)
    painter.setPen(QColor("#cbd5e1"))
    painter.drawRect(0, 0, 259, 33)
    painter.setPen(QColor("#64748b"))
    font = QFont()
    font.setPixelSize(12)
    painter.setFont(font)
    painter.drawText(QRect(10, 0, 240, 34), Qt.AlignmentFlag.AlignVCenter, text)
    painter.end()
    return image


LINK = "#2563eb"
#: Heading level -> pixel size: calmer than Qt's defaults, in step with the window's 13-14 px text.
HEADING_PIXELS = {1: 21, 2: 17, 3: 15, 4: 14, 5: 13, 6: 13}


def _polish(document: QTextDocument) -> None:
    """Room around headings and paragraphs, and heading sizes that suit a reading pane."""
    cursor = QTextCursor(document)
    block = document.begin()
    while block.isValid():
        level = block.blockFormat().headingLevel()
        layout = QTextBlockFormat()
        if level:
            layout.setTopMargin(16 if block.previous().isValid() else 0)
            layout.setBottomMargin(6)
            cursor.setPosition(block.position())
            cursor.setPosition(block.position() + block.length() - 1, QTextCursor.MoveMode.KeepAnchor)
            size = QTextCharFormat()
            size.setProperty(QTextFormat.Property.FontPixelSize, HEADING_PIXELS.get(level, 13))
            size.setForeground(QColor("#0f172a"))
            cursor.mergeCharFormat(size)
        elif block.textList() is None:
            layout.setBottomMargin(8)
        else:
            layout.setBottomMargin(3)
        cursor.setPosition(block.position())
        cursor.mergeBlockFormat(layout)
        fragments = block.begin()
        while not fragments.atEnd():
            fragment = fragments.fragment()
            if fragment.isValid() and fragment.charFormat().isAnchor():
                cursor.setPosition(fragment.position())
                cursor.setPosition(fragment.position() + fragment.length(), QTextCursor.MoveMode.KeepAnchor)
                link = QTextCharFormat()
                link.setForeground(QColor(LINK))
                cursor.mergeCharFormat(link)
            fragments += 1
        block = block.next()


class SafeTextBrowser(QTextBrowser):
    """Read-only rich text from Markdown that loads nothing from anywhere.

    ``articleLinked(id)``: a link to another article was clicked; ``linkRefused(message)``: a link was not
    opened.  ``refused`` lists every resource the document asked for and did not get."""

    articleLinked = Signal(str)
    linkRefused = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.refused: list[str] = []
        self.document().setDocumentMargin(18)
        palette = self.palette()
        palette.setColor(QPalette.ColorRole.Link, QColor(LINK))
        self.setPalette(palette)
        self.anchorClicked.connect(self._follow)

    def set_markdown(self, markdown: str) -> None:
        document = self.document()
        document.setMarkdown(markdown, FEATURES)
        _polish(document)

    def loadResource(self, kind: int, url: QUrl | str) -> Any:
        """Only images embedded in the article (data: URLs) are loaded; nothing is read or fetched."""
        address = url if isinstance(url, QUrl) else QUrl(url)
        if kind == QTextDocument.ResourceType.ImageResource.value:
            if address.scheme() == "data":
                image = self._data_image(address)
                if image is not None:
                    return image
            self.refused.append(address.toString())
            return _placeholder("Image not loaded: articles show no outside images")
        self.refused.append(address.toString())
        return None

    @staticmethod
    def _data_image(url: QUrl) -> QImage | None:
        encoded = url.toString(QUrl.ComponentFormattingOption.FullyEncoded)
        header, _, payload = encoded.partition(",")
        if not header.startswith("data:image/") or len(payload) > MAX_DATA_IMAGE:
            return None
        data = QByteArray.fromBase64(payload.encode("ascii")) if header.endswith(";base64") else None
        if data is None:
            return None
        image = QImage.fromData(data)
        return None if image.isNull() else image

    def _follow(self, url: QUrl) -> None:
        scheme = url.scheme().lower()
        if scheme in EXTERNAL_SCHEMES:
            open_external(url)
            return
        if scheme == "kb":
            self.articleLinked.emit(url.path())
            return
        if not scheme and url.path().lower().endswith(".md"):
            self.articleLinked.emit(kb.article_id(url.path().rsplit("/", 1)[-1]))
            return
        shown = f"{scheme}:" if scheme else url.toString()[:60]
        self.linkRefused.emit(f"This link was not opened: {shown} links are not allowed in articles.")


def updated_text(article: kb.ArticleSummary) -> str:
    if article.updated_at is None:
        return ""
    local = article.updated_at.astimezone()
    today = dt.datetime.now().astimezone().date()
    return "Updated today" if local.date() == today else f"Updated {local.day} {local:%b %Y}"


class ArticleView(QWidget):
    """One article: title, facts, tags and products, and the body.  Edit and Delete show only when the
    user may write articles.  ``tagClicked(tag)``, ``articleLinked(id)``, ``editRequested(id)``,
    ``deleteRequested(id)``, ``reported(message)``."""

    tagClicked = Signal(str)
    articleLinked = Signal(str)
    editRequested = Signal(str)
    deleteRequested = Signal(str)
    reported = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("articleView")
        self.article: kb.Article | None = None
        self._stack = QStackedLayout(self)
        self.empty = named(QLabel("Choose an article on the left,\nor search for one."), "emptyState")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._stack.addWidget(self.empty)
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        header = named(QFrame(), "formHeader")
        top = QVBoxLayout(header)
        top.setContentsMargins(22, 16, 22, 12)
        top.setSpacing(4)
        row = QHBoxLayout()
        self.title = named(QLabel(), "formTitle")
        self.title.setWordWrap(True)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.edit_button = QPushButton(icon("edit"), "Edit")
        self.delete_button = named(QPushButton(icon("delete", "#b91c1c"), "Delete"), "dangerButton")
        row.addWidget(self.title, 1)
        row.addWidget(self.edit_button, 0, Qt.AlignmentFlag.AlignTop)
        row.addWidget(self.delete_button, 0, Qt.AlignmentFlag.AlignTop)
        self.meta = named(QLabel(), "formSubtitle")
        self.meta.setWordWrap(True)
        self.chips = QHBoxLayout()
        self.chips.setSpacing(6)
        self.chips.setContentsMargins(0, 4, 0, 0)
        top.addLayout(row)
        top.addWidget(self.meta)
        top.addLayout(self.chips)
        self.browser = named(SafeTextBrowser(), "articleBody")
        self.browser.setFrameShape(QFrame.Shape.NoFrame)
        layout.addWidget(header)
        layout.addWidget(self.browser, 1)
        self._stack.addWidget(page)
        self.browser.articleLinked.connect(self.articleLinked)
        self.browser.linkRefused.connect(self.reported)
        self.browser.highlighted.connect(
            lambda url: self.reported.emit(url.toString()) if url.toString() else None
        )
        self.edit_button.clicked.connect(lambda: self._request(self.editRequested))
        self.delete_button.clicked.connect(lambda: self._request(self.deleteRequested))

    def _request(self, signal: Any) -> None:
        if self.article is not None:
            signal.emit(self.article.id)

    def show_article(self, article: kb.Article, *, may_edit: bool) -> None:
        self.article = article
        self.title.setText(article.title)
        facts = [article.category or "No category", updated_text(article)]
        if article.author:
            facts.append(f"by {article.author}")
        if not article.published:
            facts.insert(0, "Draft")
        self.meta.setText("  ·  ".join(f for f in facts if f))
        while self.chips.count():
            item = self.chips.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        for tag in article.tags:
            chip = named(QPushButton(tag), "kbChip")
            chip.setCursor(Qt.CursorShape.PointingHandCursor)
            chip.setToolTip(f"All articles tagged “{tag}”")
            chip.clicked.connect(lambda _checked=False, t=tag: self.tagClicked.emit(t))
            self.chips.addWidget(chip)
        for sku, name in article.products:
            product = named(QLabel(f"{sku} · {name}"), "kbProduct")
            product.setToolTip("A product this article is about")
            self.chips.addWidget(product)
        self.chips.addStretch(1)
        self.edit_button.setVisible(may_edit)
        self.delete_button.setVisible(may_edit)
        self.browser.set_markdown(article.body)
        self._stack.setCurrentIndex(1)

    def chip_texts(self) -> list[str]:
        """The tags and products shown under the title."""
        texts = []
        for index in range(self.chips.count()):
            item = self.chips.itemAt(index)
            widget = item.widget() if item is not None else None
            if isinstance(widget, QPushButton | QLabel):
                texts.append(widget.text())
        return texts

    def clear(self) -> None:
        self.article = None
        self._stack.setCurrentIndex(0)
