"""The two panes the template editors share (sequences, visit checklists): the list of templates with its
New button on the left, and the detail's column with its read-only note on the right."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QListWidget, QPushButton, QVBoxLayout, QWidget

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
