"""Markdown shown as rich text, safely: raw HTML in the text is shown as text (no scripts, no styles, no
frames), and nothing is ever loaded, from the network or from files (images stay empty, links do not
open)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QUrl
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QTextBrowser, QWidget

FEATURES = QTextDocument.MarkdownFeature(
    QTextDocument.MarkdownFeature.MarkdownDialectGitHub.value
    | QTextDocument.MarkdownFeature.MarkdownNoHTML.value
)


class MarkdownView(QTextBrowser):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("markdownView")
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.setReadOnly(True)
        self.document().setDocumentMargin(10)

    def set_markdown(self, text: str) -> None:
        self.document().setMarkdown(text, FEATURES)

    def loadResource(self, kind: int, name: QUrl | str) -> Any:
        return None  # no remote (or local) loads
