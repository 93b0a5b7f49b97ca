"""The two panes the template editors share (sequences, visit checklists): the list of templates with its
New button on the left, and the detail's column with its read-only note on the right; under the detail its
error line and footer (status, Close, Save), and the two side by side in the dialog."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QListWidget, QPushButton, QSplitter, QVBoxLayout, QWidget

from sfa_desktop.ui.icons import icon
from sfa_desktop.ui.widgets import named


def template_column(title: str, new_text: str, hint: str = "") -> tuple[QWidget, QListWidget, QPushButton]:
    """The left pane: a title, an optional hint, the list of templates and the button making a new one."""
    left = QWidget()
    column = QVBoxLayout(left)
    column.setContentsMargins(16, 16, 8, 16)
    column.addWidget(named(QLabel(title), "sectionTitle"))
    if hint:
        label = named(QLabel(hint), "formHint")
        label.setWordWrap(True)
        column.addWidget(label)
    templates = named(QListWidget(), "templateList")
    column.addWidget(templates, 1)
    new_button = QPushButton(icon("add"), new_text)
    column.addWidget(new_button)
    return left, templates, new_button


def detail_column() -> tuple[QWidget, QVBoxLayout, QLabel]:
    """The right pane and its layout, opened by the note shown to who may only read (hidden until then)."""
    right = QWidget()
    body = QVBoxLayout(right)
    body.setContentsMargins(8, 16, 16, 12)
    body.setSpacing(8)
    note = named(QLabel(), "readOnlyNote")
    note.setWordWrap(True)
    note.hide()
    body.addWidget(note)
    return right, body, note


def editor_footer(
    body: QVBoxLayout, save_tip: str, leading: QWidget | None = None
) -> tuple[QLabel, QLabel, QPushButton, QPushButton]:
    """Under the detail column: the error line (hidden until there is one), then ``leading`` (a Delete
    button), the status, Close and Save (Ctrl+S); (error, status, close, save), the buttons for the caller
    to connect."""
    error = named(QLabel(), "editorError")
    error.setWordWrap(True)
    error.hide()
    body.addWidget(error)
    footer = QHBoxLayout()
    if leading is not None:
        footer.addWidget(leading)
    status = named(QLabel(), "formStamp")
    status.setWordWrap(True)
    footer.addWidget(status, 1)
    close = QPushButton("Close")
    save = named(QPushButton(icon("save", "#ffffff"), "Save"), "primaryButton")
    save.setShortcut("Ctrl+S")
    save.setToolTip(save_tip)
    footer.addWidget(close)
    footer.addWidget(save)
    body.addLayout(footer)
    return error, status, close, save


def side_by_side(owner: QWidget, left: QWidget, right: QWidget, sizes: list[int]) -> QSplitter:
    """The template list and the detail, side by side, filling ``owner`` (neither folds away)."""
    splitter = QSplitter(Qt.Orientation.Horizontal)
    splitter.addWidget(left)
    splitter.addWidget(right)
    splitter.setSizes(sizes)
    splitter.setChildrenCollapsible(False)
    layout = QVBoxLayout(owner)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(splitter)
    return splitter
