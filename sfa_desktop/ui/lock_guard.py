"""Offline expiry while the window is open: a window left open past the company's limit locks.

The start-up path (``app._unlocked``) checks once; a rep may keep the window open for weeks.  The guard checks
again every few minutes and whenever the application becomes active (back from sleep, switched to): past the
first limit the window's data is hidden and the locked screen (``ui.unlock.LockedDialog``) asks for a sync;
past the second the synced data is wiped, as at start.  Quit on the locked screen closes the window.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QMainWindow, QMessageBox, QWidget

from sfa_desktop.core.records.models import utcnow
from sfa_desktop.ops import expiry as expiry_ops
from sfa_desktop.store.database import LocalStore

#: How often the window checks the offline limits while it is open.
CHECK_EVERY_MS = 5 * 60 * 1000


class LockGuard(QObject):
    """Locks ``window`` (hides its data, shows the locked screen) once the laptop has been offline longer
    than the company allows.  ``clock``: the time now (UTC), a parameter for the tests."""

    def __init__(
        self,
        window: QMainWindow,
        store: LocalStore,
        *,
        on_locked: Callable[[], None] | None = None,
        on_unlocked: Callable[[], None] | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        super().__init__(window)
        self.window = window
        self.store = store
        self.clock = clock
        self.on_locked = on_locked
        self.on_unlocked = on_unlocked
        #: The locked screen while the window is locked.
        self.dialog: QDialog | None = None
        #: What was hidden while locked, to show again when unlocked.
        self._hidden: list[QWidget] = []
        self.timer = QTimer(self)
        self.timer.setObjectName("lockGuardTimer")
        self.timer.setInterval(CHECK_EVERY_MS)
        self.timer.timeout.connect(self.check)
        self.timer.start()
        app = QApplication.instance()
        self._listening = isinstance(app, QApplication)
        if isinstance(app, QApplication):
            app.applicationStateChanged.connect(self._on_state)

    @property
    def locked(self) -> bool:
        return self.dialog is not None

    def _on_state(self, state: Qt.ApplicationState) -> None:
        if state == Qt.ApplicationState.ApplicationActive:
            self.check()

    def stop(self) -> None:
        """No more checks (the window closes; closing may run more than once)."""
        self.timer.stop()
        app = QApplication.instance()
        if self._listening and isinstance(app, QApplication):
            app.applicationStateChanged.disconnect(self._on_state)
        self._listening = False

    def check(self) -> None:
        """Apply the limits now: lock the window past the first, wipe past the second."""
        if self.locked:
            return
        enforced = expiry_ops.enforce(self.store, self.clock())
        if enforced.wiped:
            self.lock(enforced.expiry.wiped_message, wiped=True)
        elif enforced.locked:
            self.lock(enforced.expiry.locked_message)

    def lock(self, message: str, *, wiped: bool = False) -> None:
        """Hide the window's data (its pages, search, menus) and show the locked screen over it (past the
        second limit, ``wiped``: say that the synced data is gone, then show what is left)."""
        from sfa_desktop.ui.unlock import LockedDialog

        for widget in (self.window.centralWidget(), self.window.menuBar(), *self._toolbars()):
            if widget is not None and not widget.isHidden():
                widget.hide()
                self._hidden.append(widget)
        if self.on_locked is not None:
            self.on_locked()  # popups that float over the window (the search's results)
        if wiped:
            # wiped just now: nothing left to protect; say so, then show what is left (nothing synced)
            self._hidden, hidden = [], self._hidden
            QMessageBox.warning(self.window, "SFA Desktop: data wiped", message)
            for widget in hidden:
                widget.show()
            self._unlocked()
            return
        dialog = LockedDialog(self.store, message, self.window)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.finished.connect(self._finished)
        self.dialog = dialog
        dialog.open()

    def _toolbars(self) -> list[QWidget]:
        from PySide6.QtWidgets import QToolBar

        return list(self.window.findChildren(QToolBar))

    def _finished(self, result: int) -> None:
        dialog, self.dialog = self.dialog, None
        if dialog is not None:
            dialog.deleteLater()
        if result != QDialog.DialogCode.Accepted.value:
            self.window.close()  # Quit: the data stays locked
            return
        for widget in self._hidden:
            widget.show()
        self._hidden = []
        self._unlocked()

    def _unlocked(self) -> None:
        if self.on_unlocked is not None:
            self.on_unlocked()
