"""Small widget helpers shared by the window's modules."""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtWidgets import QWidget

W = TypeVar("W", bound=QWidget)


def named(widget: W, name: str) -> W:
    """Give a widget the object name the style sheet (resources/style.qss) selects it by."""
    widget.setObjectName(name)
    return widget
