"""The pinned announcements the user has not read yet, as a slim strip at the top of Today: each one's
title (a click opens it on the Announcements page, which marks it read); hidden when there are none."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from sfa_desktop.ops import announcements as ann_ops
from sfa_desktop.store.database import LocalStore
from sfa_desktop.ui.icons import icon
from sfa_desktop.ui.tasks import TaskRunner
from sfa_desktop.ui.widgets import named

SHOWN = 3


class PinnedStrip(QFrame):
    """``openRequested(id)``: the person clicked an announcement."""

    openRequested = Signal(str)

    def __init__(self, store: LocalStore, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pinnedStrip")
        self.store = store
        self.runner = runner
        self.items: list[ann_ops.Summary] = []
        layout = QHBoxLayout(self)
        layout.setContentsMargins(20, 8, 20, 8)
        layout.setSpacing(12)
        badge = QLabel()
        badge.setPixmap(icon("announcements", "#b45309").pixmap(20, 20))
        layout.addWidget(badge, 0, Qt.AlignmentFlag.AlignTop)
        self.rows = QVBoxLayout()
        self.rows.setSpacing(2)
        layout.addLayout(self.rows, 1)
        self.hide()

    def refresh(self) -> None:
        task = self.runner.submit(ann_ops.pinned_unread, self.store, SHOWN)
        task.finished.connect(self._fill)

    def _fill(self, items: object) -> None:
        assert isinstance(items, list)
        self.items = items
        while self.rows.count():
            item = self.rows.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        for summary in items:
            button = named(QPushButton(summary.title), "pinnedLink")
            button.setCursor(Qt.CursorShape.PointingHandCursor)
            button.setToolTip(f"Pinned announcement for {summary.audience}, from {summary.author}: open it")
            button.clicked.connect(lambda _c=False, i=summary.id: self.openRequested.emit(i))
            row = QHBoxLayout()
            row.setSpacing(8)
            row.addWidget(named(QLabel("PINNED"), "pinnedTag"))
            row.addWidget(button, 0)
            row.addWidget(named(QLabel(f"{summary.author} · {summary.audience}"), "pinnedMeta"), 1)
            holder = QWidget()
            holder.setLayout(row)
            row.setContentsMargins(0, 0, 0, 0)
            self.rows.addWidget(holder)
        self.setVisible(bool(items))


def install(page: Any, window: Any) -> PinnedStrip:
    """Put the strip under the Today page's header; it refreshes with the agenda."""
    strip = PinnedStrip(window.store, window.runner, page)
    page.layout().insertWidget(1, strip)
    page.refreshed.connect(strip.refresh)
    page.settled.connect(strip.refresh)

    def open_it(announcement_id: str) -> None:
        shown = window.show_page("announcements")
        task = shown.refresh(keep=announcement_id)
        task.finished.connect(lambda _r: shown.select(announcement_id))
        task.finished.connect(lambda _r: strip.refresh())

    strip.openRequested.connect(open_it)
    return strip
