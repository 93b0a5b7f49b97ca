"""Small widget helpers shared by the window's modules."""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QStackedLayout, QWidget

W = TypeVar("W", bound=QWidget)


def named(widget: W, name: str) -> W:
    """Give a widget the object name the style sheet (resources/style.qss) selects it by."""
    widget.setObjectName(name)
    return widget


class BodyOrState:
    """A record tab's two faces in one stacked layout on ``owner``: its body in a vertical scroll area, or
    one centred line saying why there is nothing to show yet (loading, empty, could not be read)."""

    def __init__(self, owner: QWidget, body: QWidget, scroll_name: str) -> None:
        self.scroll = named(QScrollArea(), scroll_name)
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.setWidget(body)
        self.state = named(QLabel(), "emptyState")
        self.state.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.state.setWordWrap(True)
        self._stack = QStackedLayout(owner)
        self._stack.addWidget(self.scroll)
        self._stack.addWidget(self.state)

    def show_state(self, message: str) -> None:
        self.state.setText(message)
        self._stack.setCurrentWidget(self.state)

    def show_body(self) -> None:
        self._stack.setCurrentWidget(self.scroll)
