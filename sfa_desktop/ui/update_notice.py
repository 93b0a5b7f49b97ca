"""The window's notice of a newer version (issue 18): a line in the status bar's permanent area, "SFA
Desktop 0.2.0 is available: <link> (you have 0.1.0)", the link opening in the browser.  Nothing is
downloaded or installed here.

A service (``extensions.SERVICES``): a few seconds after the window is on screen, and again every few hours
while it stays open, it asks :func:`sfa_desktop.ops.updates.check_daily`, which fetches the company's
document at most once a day and otherwise answers with what the last check found.  The check runs on a
worker of its own, not the window's database worker: a slow network must never hold up the lists and saves
queued behind it.  A check that fails says nothing (it is logged at INFO).
"""

from __future__ import annotations

from html import escape
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QLabel

from sfa_desktop import __version__
from sfa_desktop.ops import updates
from sfa_desktop.ops.updates import Offer
from sfa_desktop.ui.tasks import TaskRunner
from sfa_desktop.ui.widgets import named

#: The first check this long after the services start (not on the start-up path, nor in its rush).
FIRST_CHECK_MS = 8000
#: Asked again this often while the window is open (a fetch still happens at most once a day).
RECHECK_MS = 3 * 3600 * 1000
#: Longer download addresses are shortened in the status bar (in full in the tooltip).
LINK_CHARS = 48


class UpdateNotice(QObject):
    """``offered(offer or None)`` after each check, once the notice shows it (or hides)."""

    offered = Signal(object)

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.store = window.store
        self.runner = TaskRunner(self)  # the network's own worker: see the module's docstring
        self.label = named(QLabel(), "updateNotice")
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.label.setOpenExternalLinks(True)
        self.label.hide()
        window.statusBar().insertPermanentWidget(0, self.label)
        self.timer = QTimer(self)
        self.timer.setInterval(RECHECK_MS)
        self.timer.timeout.connect(self.check)

    def start(self, delay_ms: int = FIRST_CHECK_MS) -> None:
        QTimer.singleShot(delay_ms, self, self.check)
        self.timer.start()

    def check(self) -> None:
        self.runner.submit(updates.check_daily, self.store).finished.connect(self.show_offer)

    def show_offer(self, offer: object) -> None:
        if isinstance(offer, Offer):
            url = escape(offer.url, quote=True)
            shown = offer.url if len(offer.url) <= LINK_CHARS else offer.url[: LINK_CHARS - 1] + "…"
            self.label.setText(
                f"SFA Desktop {escape(offer.version)} is available: "
                f'<a href="{url}">{escape(shown)}</a> (you have {escape(__version__)})'
            )
            tip = f"Download the new version from {offer.url}; your data stays as it is."
            self.label.setToolTip(f"{offer.notes}\n\n{tip}" if offer.notes else tip)
            self.label.show()
        else:
            self.label.hide()
        self.offered.emit(offer)

    def stop(self) -> None:
        self.timer.stop()
        self.runner.shutdown()


def install_update_notice(window: Any) -> UpdateNotice:
    """Started with the window (see ``extensions.SERVICES``)."""
    notice = UpdateNotice(window)
    notice.start()
    return notice
