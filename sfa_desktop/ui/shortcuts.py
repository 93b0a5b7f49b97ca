"""Help > Keyboard shortcuts (F1 or ?): an overlay listing every shortcut of the window.

Nothing here is a hard-coded list: the shortcuts are read from the window's menus (including the entries
features add through ``extensions.WINDOW_ACTIONS``), from the actions of the section on screen (record
actions from ``extensions.RECORD_ACTIONS``) and from buttons that have a shortcut (Save).  Escape, a click
or F1 again closes it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QEvent, QObject, QRect, Qt
from PySide6.QtGui import QAction, QColor, QKeyEvent, QKeySequence, QMouseEvent, QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QFrame,
    QGridLayout,
    QLabel,
    QMainWindow,
    QMenu,
    QVBoxLayout,
    QWidget,
)

from sfa_desktop.ui.widgets import named


@dataclass(frozen=True)
class Shortcut:
    group: str  # the menu, or "On a record"
    text: str
    keys: str  # as shown: "Ctrl+Shift+S"


def _clean(text: str) -> str:
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&").rstrip(".…").strip()


def _keys(action: QAction) -> str:
    sequences = [s for s in action.shortcuts() if not s.isEmpty()]
    return "  or  ".join(s.toString(QKeySequence.SequenceFormat.NativeText) for s in sequences)


def _menu_actions(menu: QMenu, group: str) -> Iterable[Shortcut]:
    for action in menu.actions():
        sub = action.menu()
        if isinstance(sub, QMenu):
            yield from _menu_actions(sub, group)
        elif not action.isSeparator() and _keys(action):
            yield Shortcut(group, _clean(action.text()), _keys(action))


def collect(window: QMainWindow) -> list[Shortcut]:
    """Every shortcut the window offers now, by menu, without repeats."""
    found: list[Shortcut] = []
    for top in window.menuBar().actions():
        menu = top.menu()
        if isinstance(menu, QMenu):
            found += _menu_actions(menu, _clean(menu.title()))
    page = getattr(window, "pages", None)
    current = page.currentWidget() if page is not None else None
    if current is not None:
        for action in current.actions():
            if _keys(action):
                group = action.property("group") or "On a record"
                found.append(Shortcut(str(group), _clean(action.text()), _keys(action)))
        for button in current.findChildren(QAbstractButton):
            sequence = button.shortcut()
            if not sequence.isEmpty():
                keys = sequence.toString(QKeySequence.SequenceFormat.NativeText)
                found.append(Shortcut("On a record", _clean(button.text()), keys))
    for action in window.actions():  # window-wide actions outside the menus
        if _keys(action) and action.text():
            found.append(Shortcut("Window", _clean(action.text()), _keys(action)))
    seen: set[tuple[str, str]] = set()
    unique = []
    for shortcut in found:
        if (shortcut.text, shortcut.keys) not in seen:
            seen.add((shortcut.text, shortcut.keys))
            unique.append(shortcut)
    return unique


class ShortcutOverlay(QWidget):
    """A dimmed layer over the window with a card of the shortcuts, grouped in columns."""

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.setObjectName("shortcutOverlay")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, False)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.window_ = window
        self.shortcuts = collect(window)
        self.card = named(QFrame(self), "shortcutCard")
        layout = QVBoxLayout(self.card)
        layout.setContentsMargins(28, 22, 28, 22)
        layout.setSpacing(12)
        title = named(QLabel("Keyboard shortcuts"), "dialogTitle")
        hint = named(QLabel("Press Esc or F1 to close"), "formSubtitle")
        layout.addWidget(title)
        layout.addWidget(hint)
        grid = QGridLayout()
        grid.setHorizontalSpacing(36)
        grid.setVerticalSpacing(4)
        groups: dict[str, list[Shortcut]] = {}
        for shortcut in self.shortcuts:
            groups.setdefault(shortcut.group, []).append(shortcut)
        columns = 3 if len(groups) > 2 else max(len(groups), 1)
        heights = [0] * columns
        for group, items in groups.items():
            column = heights.index(min(heights))
            row = heights[column]
            grid.addWidget(named(QLabel(group.upper()), "formSection"), row, column * 2, 1, 2)
            for offset, shortcut in enumerate(items, start=1):
                grid.addWidget(named(QLabel(shortcut.text), "shortcutText"), row + offset, column * 2)
                keys = named(QLabel(shortcut.keys), "shortcutKeys")
                grid.addWidget(keys, row + offset, column * 2 + 1, Qt.AlignmentFlag.AlignLeft)
            heights[column] = row + len(items) + 1
        layout.addLayout(grid)
        window.installEventFilter(self)
        self._fit()

    def _fit(self) -> None:
        self.setGeometry(self.window_.rect())
        self.card.adjustSize()
        size = self.card.sizeHint()
        area = QRect(0, 0, self.width(), self.height())
        self.card.setGeometry(
            area.center().x() - size.width() // 2,
            area.center().y() - size.height() // 2,
            size.width(),
            size.height(),
        )

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.window_ and event.type() == QEvent.Type.Resize:
            self._fit()
        return False

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(15, 23, 42, 150))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Escape, Qt.Key.Key_F1, Qt.Key.Key_Question):
            self.close_overlay()
            return
        super().keyPressEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if not self.card.geometry().contains(event.position().toPoint()):
            self.close_overlay()

    def close_overlay(self) -> None:
        self.window_.removeEventFilter(self)
        self.hide()
        self.deleteLater()
        if getattr(self.window_, "shortcut_overlay", None) is self:
            self.window_.shortcut_overlay = None


def show_shortcuts(window: Any) -> ShortcutOverlay:
    """Show the overlay (or close it when it is open)."""
    current = getattr(window, "shortcut_overlay", None)
    if isinstance(current, ShortcutOverlay):
        current.close_overlay()
        return current
    overlay = ShortcutOverlay(window)
    window.shortcut_overlay = overlay
    overlay.show()
    overlay.raise_()
    overlay.setFocus()
    return overlay
