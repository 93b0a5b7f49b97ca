"""A window left open past the offline limit locks (issue 17, item 3): the guard checks every few minutes
and when the application becomes active, with a clock the tests move forward."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QMessageBox
from pytestqt.qtbot import QtBot
from sqlalchemy import text

from sfa_desktop.core.records import services
from sfa_desktop.core.records.models import utcnow
from sfa_desktop.store.database import LocalStore
from sfa_desktop.ui import lock_guard
from sfa_desktop.ui.mainwindow import MainWindow
from sfa_desktop.ui.unlock import LockedDialog
from tests.gui.test_unlock import _connected

#: the offscreen platform cannot size the shown locked screen (a real window system can)
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


class Clock:
    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> datetime:
        return self.now


def locked(guard: lock_guard.LockGuard) -> bool:
    return guard.locked


def data_shown(window: MainWindow) -> bool:
    central = window.centralWidget()
    assert central is not None
    return central.isVisible()


@pytest.fixture
def window(qtbot: QtBot, store: LocalStore, runner: object, tmp_path: Path) -> MainWindow:
    _connected(store, tmp_path, 1)  # synced yesterday: far from the limit
    with store.transaction() as session:
        services.create(session, "accounts", {"name": "Quillfeather Holdings"})
    win = MainWindow(store, runner, initial="accounts")  # type: ignore[arg-type]
    qtbot.addWidget(win)
    win.show()
    return win


def test_checked_every_few_minutes(window: MainWindow) -> None:
    guard = window.lock_guard
    assert guard.timer.isActive()
    assert guard.timer.interval() == lock_guard.CHECK_EVERY_MS <= 5 * 60 * 1000
    window.close()
    window.close()  # closing twice stops the checks once
    assert not guard.timer.isActive()


def test_a_window_left_open_past_the_limit_locks_then_a_sync_unlocks_it(
    qtbot: QtBot, window: MainWindow
) -> None:
    guard = window.lock_guard
    clock = Clock()
    guard.clock = clock
    guard.timer.timeout.emit()  # a check today: nothing to do
    assert not locked(guard)
    assert data_shown(window)

    clock.now += timedelta(days=28, hours=23)  # the window stayed open: 29 days 23 hours since the sync
    guard.timer.timeout.emit()
    assert not locked(guard)
    clock.now += timedelta(hours=2)  # past 30 days
    guard.timer.timeout.emit()
    assert locked(guard)
    assert not data_shown(window)  # the data is hidden
    assert not window.menuBar().isVisible()
    dialog = guard.dialog
    assert isinstance(dialog, LockedDialog)
    assert dialog.isVisible()
    assert dialog.windowModality() == Qt.WindowModality.WindowModal
    assert "Not synced for 30 days" in dialog.message.text()

    guard.check()  # checked again while locked: one locked screen
    assert guard.dialog is dialog

    dialog.sync_button.click()  # the sync succeeds (the store is reachable): unlocked
    qtbot.waitUntil(lambda: not locked(guard))
    assert data_shown(window)
    assert window.menuBar().isVisible()
    assert not window.isHidden()


def test_activation_checks_and_quit_closes_the_window(window: MainWindow) -> None:
    guard = window.lock_guard
    clock = Clock()
    clock.now += timedelta(days=45)  # back from a long sleep
    guard.clock = clock
    guard._on_state(Qt.ApplicationState.ApplicationActive)
    assert locked(guard)
    assert guard.dialog is not None
    guard.dialog.reject()  # Quit
    assert not locked(guard)
    assert not window.isVisible()  # closed: the data stays locked


def test_past_the_second_limit_the_open_window_wipes(
    window: MainWindow, store: LocalStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, _title, message: shown.append(message))
    guard = window.lock_guard
    clock = Clock()
    clock.now += timedelta(days=61)
    guard.clock = clock
    guard.check()
    (message,) = shown
    assert "was wiped" in message
    assert not locked(guard)
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM accounts")).scalar() == 0
    assert data_shown(window)  # nothing synced is left to hide


def test_the_locked_screen_is_a_dialog_of_the_window(window: MainWindow) -> None:
    guard = window.lock_guard
    guard.lock("locked for a test")
    assert guard.dialog is not None
    assert guard.dialog.parent() is window
    guard.dialog.done(QDialog.DialogCode.Rejected.value)


def test_today_warns_days_ahead_with_sync_now(
    qtbot: QtBot, store: LocalStore, runner: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtWidgets import QFrame

    from sfa_desktop.ui.expiry_banner import ExpiryBanner

    _connected(store, tmp_path, 26)
    win = MainWindow(store, runner, initial="today")  # type: ignore[arg-type]
    qtbot.addWidget(win)
    win.show()
    page = win.pages_by_key["today"]
    banner = page.findChild(QFrame, "expiryBanner")
    assert isinstance(banner, ExpiryBanner)
    assert not banner.isHidden()
    assert banner.text.text().startswith("Sync within 4 days or this laptop's data locks")
    asked: list[bool] = []
    monkeypatch.setattr(win.sync, "sync_now", lambda: asked.append(True))
    banner.sync_button.click()
    assert asked == [True]
    win.sync.synced.emit()
    assert not banner.isHidden()
    _connected_now(store)  # a sync succeeded (the last contact is now): the warning goes
    win.sync.synced.emit()
    assert banner.isHidden()


def _connected_now(store: LocalStore) -> None:
    from sfa_desktop.sync import state

    with store.engine.begin() as conn:
        st = state.load(conn)
        st.last_sync_at = utcnow().isoformat(timespec="seconds")
        state.save(conn, st, "last_sync_at")


def test_no_banner_on_today_far_from_the_limit(qtbot: QtBot, window: MainWindow) -> None:
    from PySide6.QtWidgets import QFrame

    page = window.show_page("today")
    banner = page.findChild(QFrame, "expiryBanner")
    assert banner is not None
    assert banner.isHidden()
