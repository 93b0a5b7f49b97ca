"""Sync in the status bar: state, progress, last success, changes waiting; a 'Password refused' link.

:class:`SyncController` owns the :class:`~sfa_desktop.sync.scheduler.SyncRunner`.  The runner works on the
scheduler's thread; its reports cross to the GUI thread through a queued signal.  Periodic syncs are
postponed while a modal dialog is open.
"""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QWidget,
)

from sfa_desktop.ops import sync as sync_ops
from sfa_desktop.store.database import LocalStore
from sfa_desktop.sync import credentials
from sfa_desktop.sync.engine import Progress, SyncReport
from sfa_desktop.sync.scheduler import SyncRunner, SyncStatus
from sfa_desktop.ui.failures import is_bug, report_bug

#: How often the relative time of the last sync is said again.
TICK_MS = 20_000


def ago(then: datetime, now: datetime | None = None) -> str:
    minutes = int(((now or datetime.now(UTC)) - then).total_seconds() // 60)
    if minutes < 1:
        return "just now"
    if minutes < 120:
        return f"{minutes} min ago"
    if minutes < 48 * 60:
        return f"{minutes // 60} h ago"
    return f"{minutes // (24 * 60)} days ago"


def _changes(n: int) -> str:
    return f"{n:,} change{'s' if n != 1 else ''} waiting"


def describe(status: SyncStatus, now: datetime | None = None, *, server: bool = False) -> str:
    """What the status bar says for a status (``server``: the laptop syncs through sfa-server, where a
    device signs in rather than giving a password each time)."""
    if server and status.state == "password_refused":
        return f"Sign-in needed — {_changes(status.waiting)}"
    if server and status.state == "password_needed":
        return f"Not signed in — {_changes(status.waiting)}"
    if status.state == "syncing":
        if status.total:
            return f"Syncing… {status.stage} {status.done:,} of {status.total:,}"
        return "Syncing…"
    if status.state == "offline":
        return f"Offline — central store unreachable, {_changes(status.waiting)}"
    if status.state == "password_refused":
        return f"Password refused — {_changes(status.waiting)}"
    if status.state == "password_needed":
        return f"Password needed to sync — {_changes(status.waiting)}"
    if status.state == "revoked":
        return "Access to the central store was revoked"
    if status.state == "error":
        return f"Sync failed — {_changes(status.waiting)}"
    if status.state == "not_connected":
        return "Not connected — working offline"
    parts = []
    if status.last_success is not None:
        parts.append(f"Synced {ago(status.last_success, now)}")
    if status.waiting:
        parts.append(_changes(status.waiting))
    return ", ".join(parts) if parts else "Not synced yet"


class SyncStatusWidget(QWidget):
    """Shows a :class:`SyncStatus`; ``passwordRequested`` when the person clicks 'Enter password',
    ``conflictsRequested`` when they click the notice of new conflicts."""

    passwordRequested = Signal()
    conflictsRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("syncStatus")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.label = QLabel()
        self.label.setObjectName("syncStatusText")
        self.progress = QProgressBar()
        self.progress.setFixedWidth(120)
        self.progress.setTextVisible(False)
        self.progress.hide()
        self.link = QLabel("<a href='#password'>Enter password…</a>")
        self.link.setObjectName("syncPasswordLink")
        self.link.setTextInteractionFlags(Qt.TextInteractionFlag.LinksAccessibleByMouse)
        self.link.linkActivated.connect(lambda _href: self.passwordRequested.emit())
        self.link.hide()
        self.conflicts_notice = QLabel()
        self.conflicts_notice.setObjectName("conflictsNotice")
        self.conflicts_notice.setTextInteractionFlags(Qt.TextInteractionFlag.LinksAccessibleByMouse)
        self.conflicts_notice.linkActivated.connect(lambda _href: self.conflictsRequested.emit())
        self.conflicts_notice.hide()
        layout.addWidget(self.conflicts_notice)
        layout.addWidget(self.progress)
        layout.addWidget(self.label)
        layout.addWidget(self.link)
        self.status = SyncStatus(state="not_connected")
        #: the laptop syncs through sfa-server: the link signs in again instead of asking a password
        self.server = False
        self.show_status(self.status)
        #: "Synced 3 min ago" moves on by itself.
        self._ticker = QTimer(self)
        self._ticker.setInterval(TICK_MS)
        self._ticker.timeout.connect(lambda: self.label.setText(describe(self.status, server=self.server)))
        self._ticker.start()

    def use_server(self, server: bool) -> None:
        """Say "Sign in…" (sfa-server) or "Enter password…" (a database reached directly) on the link."""
        self.server = server
        self.link.setText(
            "<a href='#password'>Sign in…</a>" if server else "<a href='#password'>Enter password…</a>"
        )
        self.show_status(self.status)

    def show_status(self, status: SyncStatus) -> None:
        self.status = status
        self.label.setText(describe(status, server=self.server))
        self.label.setToolTip(status.message)
        syncing = status.state == "syncing"
        self.progress.setVisible(syncing)
        if syncing:
            self.progress.setRange(0, status.total or 0)  # 0..0: busy indicator
            self.progress.setValue(status.done)
        self.link.setVisible(status.state in ("password_refused", "password_needed"))

    def show_new_conflicts(self, count: int) -> None:
        """Say that the last sync archived ``count`` new conflicts, with a link to them (0: say nothing)."""
        noun = "conflict" if count == 1 else "conflicts"
        self.conflicts_notice.setText(f"<a href='#conflicts'>{count:,} new {noun}: review…</a>")
        self.conflicts_notice.setToolTip(
            "Someone changed the same field at the same time; the later change won and the other "
            "value was kept. Click to see them."
        )
        self.conflicts_notice.setVisible(count > 0)


class PasswordDialog(QDialog):
    """Asks for the central store password; stores it in the keyring when there is one."""

    def __init__(self, url: str, login: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Central store password")
        self.url, self.login = url, login
        form = QFormLayout(self)
        form.addRow(QLabel(f"Password for <b>{login}</b> at {url}:"))
        self.password = QLineEdit()
        self.password.setObjectName("password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow("Password", self.password)
        self.note = QLabel()
        self.note.setWordWrap(True)
        form.addRow(self.note)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.remembered = False

    def accept(self) -> None:
        if not self.password.text():
            self.note.setText("Enter the password, or Cancel.")
            return
        try:
            credentials.store_password(self.url, self.login, self.password.text())
            self.remembered = True
        except credentials.NoKeyring as exc:
            self.note.setText(str(exc))
        super().accept()


class SyncController(QObject):
    """Runs syncs off the GUI thread and publishes their status on it (``statusChanged``, queued)."""

    statusChanged = Signal(object)  # emitted from the sync thread
    statusShown = Signal(object)  # the same status, on the GUI thread
    synced = Signal()
    #: after a sync that archived conflicts: how many are new
    conflictsArrived = Signal(int)

    def __init__(
        self, store: LocalStore, interval_minutes: float = 15, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.store = store
        self._password: str | None = None  # only when the keyring cannot keep it; in memory
        self.statusChanged.connect(self._delivered, Qt.ConnectionType.QueuedConnection)
        self.runner = SyncRunner(
            self._sync,
            listener=self.statusChanged.emit,
            interval_seconds=interval_minutes * 60,
            pending=self.pending,
            may_run=lambda: QApplication.activeModalWidget() is None,
        )
        self.status = self.initial_status()
        #: conflicts open when the running sync started (a sync that ends with more made new ones)
        self._conflicts_before = 0

    def pending(self) -> int:
        return sync_ops.pending_changes(self.store)

    def connected(self) -> bool:
        return sync_ops.sync_state(self.store).connected

    def initial_status(self) -> SyncStatus:
        now = sync_ops.standing(self.store)
        st, waiting = now.state, now.pending
        if not st.connected:
            return SyncStatus(state="not_connected", waiting=waiting)
        last = datetime.fromisoformat(st.last_sync_at) if st.last_sync_at else None
        if last is not None and last.tzinfo is None:
            last = last.replace(tzinfo=UTC)
        return SyncStatus(state="idle", last_success=last, waiting=waiting)

    def _sync(self, progress: Progress) -> SyncReport:
        try:
            return sync_ops.sync_now(self.store, progress, password=self._password)
        except Exception as exc:
            # The runner turns any failure into the status bar's "Sync failed"; a bug is reported too.
            if is_bug(exc):
                report_bug(exc, context="syncing with the central store")
            raise

    def _delivered(self, status: object) -> None:
        assert isinstance(status, SyncStatus)
        previous = self.status.state
        self.status = status
        if status.state == "syncing" and previous != "syncing":
            self._conflicts_before = sync_ops.open_conflicts(self.store)
        self.statusShown.emit(status)
        if previous == "syncing" and status.state == "idle":
            self.synced.emit()
            new = sync_ops.open_conflicts(self.store) - self._conflicts_before
            if new > 0:
                self.conflictsArrived.emit(new)

    def use_password(self, password: str) -> None:
        """Keep a password for this session only (no keyring on this machine)."""
        self._password = password

    def start(self) -> None:
        if self.connected():
            self.runner.start()

    def sync_now(self) -> None:
        if not self.connected():
            self.statusChanged.emit(SyncStatus(state="not_connected", waiting=self.pending()))
            return
        self.runner.request()

    def stop(self) -> None:
        self.runner.shutdown()
