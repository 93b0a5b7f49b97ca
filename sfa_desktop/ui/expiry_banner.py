"""The offline-expiry warning on the Today page: "Sync within N days or this laptop's data locks", with a
Sync now button, shown days ahead of the lock (the status bar says it too; ``sfa status`` prints it)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QBoxLayout, QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from sfa_desktop.ops import expiry as expiry_ops
from sfa_desktop.store.database import LocalStore
from sfa_desktop.ui.icons import icon
from sfa_desktop.ui.widgets import named


class ExpiryBanner(QFrame):
    """Hidden until the warning applies; ``sync_now`` is what the button does."""

    def __init__(
        self, store: LocalStore, sync_now: Callable[[], None], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("expiryBanner")
        self.store = store
        self.setStyleSheet(
            "#expiryBanner { background: #fef3c7; border-bottom: 1px solid #f59e0b; }"
            "#expiryText { color: #92400e; font-weight: bold; }"
        )
        row = QHBoxLayout(self)
        row.setContentsMargins(20, 8, 20, 8)
        self.text = named(QLabel(), "expiryText")
        self.text.setWordWrap(True)
        row.addWidget(self.text, 1)
        self.sync_button = named(QPushButton(icon("sync"), "Sync now"), "expirySync")
        self.sync_button.clicked.connect(lambda _checked=False: sync_now())
        row.addWidget(self.sync_button)
        self.refresh()

    def refresh(self) -> None:
        warning = expiry_ops.assess(self.store).warning or ""
        self.text.setText(warning)
        self.setVisible(bool(warning))


def install(page: QWidget, window: Any) -> ExpiryBanner | None:
    """The banner at the top of ``page`` (under its header), kept up to date after every sync and every
    check of the window's lock guard.  None where the window has no sync (a test's bare window)."""
    sync = getattr(window, "sync", None)
    layout = page.layout()
    if sync is None or not isinstance(layout, QBoxLayout):
        return None

    def sync_now() -> None:  # looked up when clicked
        sync.sync_now()

    banner = ExpiryBanner(window.store, sync_now, page)
    layout.insertWidget(1, banner)
    sync.synced.connect(banner.refresh)
    guard = getattr(window, "lock_guard", None)
    if guard is not None:
        guard.timer.timeout.connect(banner.refresh)
    return banner
