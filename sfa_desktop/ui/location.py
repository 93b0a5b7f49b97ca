"""The map position of an address (latitude and longitude) kept out of the way: one quiet line under the
address ("Map position 42.13309, -72.54435"), a click away from its two fields.  The fields open by
themselves when one of them has a problem, so an error is never hidden."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QToolButton, QVBoxLayout, QWidget

from sfa_desktop.ui.widgets import named

#: The fields that go behind the line, in the order shown.
FIELDS = ("latitude", "longitude")


class LocationGroup(QWidget):
    """The line (a flat toggle button) and, when open, the fields' cells side by side."""

    def __init__(self, cells: list[QWidget], read: Callable[[str], Any]) -> None:
        super().__init__()
        self.setObjectName("locationGroup")
        self._read = read
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.setSpacing(2)
        self.toggle = named(QToolButton(), "locationToggle")
        self.toggle.setCheckable(True)
        self.toggle.setAutoRaise(True)
        self.toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.toggle.setArrowType(Qt.ArrowType.RightArrow)
        self.toggle.setCursor(Qt.CursorShape.PointingHandCursor)
        self.toggle.setToolTip("Latitude and longitude of the address (for routes and the call sheet)")
        self.toggle.toggled.connect(self._toggled)
        layout.addWidget(self.toggle, 0, Qt.AlignmentFlag.AlignLeft)
        self.fields = QWidget()
        grid = QGridLayout(self.fields)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(14)
        for column, cell in enumerate(cells):
            grid.addWidget(cell, 0, column, Qt.AlignmentFlag.AlignTop)
            grid.setColumnStretch(column, 1)
        layout.addWidget(self.fields)
        self.fields.hide()
        self.refresh()

    @property
    def expanded(self) -> bool:
        return self.toggle.isChecked()

    def expand(self) -> None:
        self.toggle.setChecked(True)

    def refresh(self) -> None:
        """Update the line from the fields' current text."""
        values = [str(self._read(name) or "").strip() for name in FIELDS]
        where = ", ".join(values) if all(values) else "not set"
        self.toggle.setText(f"Map position  {where}")

    def _toggled(self, on: bool) -> None:
        self.fields.setVisible(on)
        self.toggle.setArrowType(Qt.ArrowType.DownArrow if on else Qt.ArrowType.RightArrow)
