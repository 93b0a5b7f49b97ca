"""The sign-in dialog, the first-start offer and Settings' connection, against a real sfa-server: the app on
uvicorn on 127.0.0.1 (in a thread of the test), real widgets offscreen, the in-memory keyring."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from sfa_desktop.core.demo import generator as demo
from sfa_desktop.ops import settings as settings_ops
from sfa_desktop.ops import sync as sync_ops
from sfa_desktop.server import auth, central
from sfa_desktop.server.app import build_app
from sfa_desktop.store.database import LocalStore
from sfa_desktop.sync import credentials
from sfa_desktop.sync.scheduler import SyncStatus
from sfa_desktop.ui import settings_dialog
from sfa_desktop.ui.mainwindow import MainWindow
from sfa_desktop.ui.settings_dialog import SettingsDialog
from sfa_desktop.ui.signin_dialog import SignInDialog, open_sign_in, server_address, sign_in_at_first_start
from sfa_desktop.ui.tasks import TaskRunner
from tests.integration.sync_harness import World, world_fixture
from tests.memory_keyring import MemoryKeyring, memory_keyring


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def keys() -> Iterator[MemoryKeyring]:
    with memory_keyring() as backend:
        yield backend


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    yield from world_fixture("sqlite", tmp_path, None)


@pytest.fixture
def server(world: World) -> Iterator[str]:
    """sfa-server's app on uvicorn at http://127.0.0.1:PORT over the world's central store; ann's password
    is "ann-password"."""
    with central.central_transaction(world.central) as cc:
        auth.set_password(cc, "ann", "ann-password")
    port = _free_port()
    config = uvicorn.Config(build_app(world.central), host="127.0.0.1", port=port, log_level="warning")
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not running.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    running.should_exit = True
    thread.join(10)


def _window(qtbot: QtBot, store: LocalStore, runner: TaskRunner) -> Any:
    window = MainWindow(store, runner, initial="contacts")
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.section("contacts").settled):
        window.show()
    return window


def _answer(qtbot: QtBot, dialog: SignInDialog, action: object) -> None:
    with qtbot.waitSignal(dialog.finishedWork, timeout=20000):
        action()  # type: ignore[operator]


def test_first_start_signs_in_and_the_window_syncs(
    qtbot: QtBot, store: LocalStore, runner: TaskRunner, server: str, keys: MemoryKeyring
) -> None:
    window = _window(qtbot, store, runner)
    dialog = sign_in_at_first_start(window)
    assert isinstance(dialog, SignInDialog)
    assert dialog.isVisible()
    assert dialog.isModal()
    assert dialog.sign_in_button.isDefault()
    assert dialog.password.echoMode() == dialog.password.EchoMode.Password
    dialog.address.setText(server)
    dialog.login.setText("ann")
    dialog.password.setText("not-her-password")
    # a wrong password: said on the message line, the login kept, the password cleared; nothing connected
    _answer(qtbot, dialog, lambda: QTest.keyClick(dialog.password, Qt.Key.Key_Return))
    assert "password is wrong" in dialog.message.text()
    assert dialog.message.property("tone") == "problem"
    assert dialog.login.text() == "ann"
    assert dialog.password.text() == ""
    assert dialog.password.property("invalid") is True
    assert dialog.isVisible()
    assert not sync_ops.sync_state(store).connected
    assert keys.items == {}
    # the address typed is remembered, even though the sign-in failed
    assert settings_ops.get(store, "sync_server") == server
    # the right one, with Enter: signed in, the dialog closes, and the window's first sync runs
    dialog.password.setText("ann-password")
    with qtbot.waitSignal(window.sync.synced, timeout=30000):
        QTest.keyClick(dialog.password, Qt.Key.Key_Return)
        assert not dialog.sign_in_button.isEnabled()  # busy while the server is asked
        assert not dialog.offline_button.isEnabled()
        assert not dialog.busy.isHidden()
    assert dialog.result() == dialog.DialogCode.Accepted
    assert not dialog.isVisible()
    st = sync_ops.sync_state(store)
    assert (st.connected, st.url, st.login) == (True, server, "ann")
    assert list(keys.items) == [(credentials.TOKEN_SERVICE, f"ann@{server}")]
    assert "ann-password" not in keys.items.values()
    assert st.last_sync_at is not None
    assert window.sync_status.link.text() == "<a href='#password'>Sign in…</a>"
    assert "Signed in to" in window.statusBar().currentMessage()
    # the window now holds data and is connected: no sign-in offered at the next start
    assert not sync_ops.first_start(store)
    assert sign_in_at_first_start(window) is None


def test_test_connection_says_the_server_or_what_is_wrong(
    qtbot: QtBot, store: LocalStore, runner: TaskRunner, server: str
) -> None:
    dialog = SignInDialog(store, runner)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.test_connection()  # nothing typed: said at once, nothing asked
    assert "Enter the sync server's address" in dialog.message.text()
    assert dialog.address.property("invalid") is True
    dialog.address.setText(server)
    _answer(qtbot, dialog, dialog.test_connection)
    assert dialog.message.property("tone") == "good"
    assert "protocol 1" in dialog.message.text()
    assert server in dialog.message.text()
    assert not sync_ops.sync_state(store).connected  # testing signs nothing in
    dialog.address.setText(f"http://127.0.0.1:{_free_port()}")  # nothing listens there
    _answer(qtbot, dialog, lambda: QTest.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton))
    assert dialog.message.property("tone") == "problem"
    assert "Traceback" not in dialog.message.text()
    assert "cannot be reached" in dialog.message.text()
    assert dialog.message.text().endswith("Check the address, and that this computer is online.")
    assert dialog.address.property("invalid") is True
    dialog.address.setText("http://sync.example.com:8443")  # clear text over a network: refused
    _answer(qtbot, dialog, dialog.test_connection)
    assert "Refusing clear-text http://" in dialog.message.text()
    assert server_address("sync.example.com:8443") == "https://sync.example.com:8443"


def test_work_offline_closes_and_keeps_the_laptop_local(
    qtbot: QtBot, store: LocalStore, runner: TaskRunner, server: str, keys: MemoryKeyring
) -> None:
    dialog = SignInDialog(store, runner)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.address.setText(server)
    dialog.login.setText("ann")
    dialog.password.setText("ann-password")
    QTest.keyClick(dialog, Qt.Key.Key_Escape)
    assert dialog.result() == dialog.DialogCode.Rejected
    assert not dialog.isVisible()
    assert not sync_ops.sync_state(store).connected
    assert keys.items == {}
    # Work offline is a button too; while the server is asked, Esc does not close the dialog
    dialog = SignInDialog(store, runner)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.address.text() == ""  # nothing was tried: nothing remembered
    dialog.address.setText(server)
    dialog.login.setText("ann")
    dialog.password.setText("ann-password")
    with qtbot.waitSignal(dialog.signedIn, timeout=20000):
        dialog.sign_in()
        QTest.keyClick(dialog, Qt.Key.Key_Escape)
        assert dialog.isVisible()
    dialog = SignInDialog(store, runner)
    qtbot.addWidget(dialog)
    assert (dialog.address.text(), dialog.login.text()) == (server, "ann")  # the connection, remembered
    dialog.show()
    QTest.mouseClick(dialog.offline_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == dialog.DialogCode.Rejected


def test_first_start_is_offered_only_to_an_empty_unconnected_laptop(
    qtbot: QtBot, runner: TaskRunner, world: World, tmp_path: Path
) -> None:
    empty = LocalStore.open(tmp_path / "empty")
    on_demo = LocalStore.open(tmp_path / "demo")
    try:
        assert sync_ops.first_start(empty)
        with on_demo.transaction() as session:
            demo.seed(session, accounts=3)
        assert not sync_ops.first_start(on_demo)
        window = _window(qtbot, on_demo, runner)
        assert sign_in_at_first_start(window) is None
        assert QApplication.activeModalWidget() is None
        window.close()
    finally:
        empty.close()
        on_demo.close()
    connected = world.laptop("cat", sync=False)  # connected, nothing pulled yet
    assert not sync_ops.first_start(connected.store)


def test_settings_show_the_connection_and_sign_out(
    qtbot: QtBot,
    store: LocalStore,
    runner: TaskRunner,
    server: str,
    keys: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    dialog = SettingsDialog(store, runner=runner)
    qtbot.addWidget(dialog)
    assert dialog.server_value.text() == "Not connected — working offline"
    assert dialog.device_value.text() == socket.gethostname()
    assert dialog.sign_out_button.isHidden()
    assert dialog.database_shown  # a database can still be given directly
    sync_ops.sign_in(store, server, "ann", "ann-password")
    sync_ops.sync_now(store)
    dialog = SettingsDialog(store, runner=runner)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.server_value.text() == server
    user = sync_ops.local_user(store)
    assert user is not None
    assert (
        dialog.user_value.text().startswith(f"{user.full_name} (ann)")
        or dialog.user_value.text() == "ann, sales rep"
    )
    assert "sales rep" in dialog.user_value.text()
    assert dialog.device_value.text() == socket.gethostname()
    assert "just now" in dialog.last_sync_value.text()
    assert not dialog.database_shown  # Sign in… and Sign out manage a sync server
    assert dialog.sign_out_button.isEnabled()
    # asked first: Cancel changes nothing
    asked: list[str] = []

    def cancel(_parent: object, url: str, _waiting: int) -> bool:
        asked.append(url)
        return False

    monkeypatch.setattr(settings_dialog, "confirm_sign_out", cancel)
    dialog.sign_out()
    assert asked == [server]
    assert keys.items
    monkeypatch.setattr(settings_dialog, "confirm_sign_out", lambda _p, _url, _n: True)
    with qtbot.waitSignal(dialog.signedOut, timeout=20000):
        dialog.sign_out()
    assert keys.items == {}  # the token is forgotten here, and the server forgot it too
    assert not sync_ops.signed_in(store)
    assert "signed out" in dialog.connection_note.text()
    assert not dialog.sign_out_button.isEnabled()
    assert dialog.sign_in_button.text() == "Sign in again…"
    # the data stays on the laptop
    assert sync_ops.local_user(store) is not None
    assert sync_ops.standing(store).state.last_sync_at is not None


def test_the_status_bar_link_signs_in_again_on_a_sync_server(
    qtbot: QtBot, store: LocalStore, runner: TaskRunner, server: str, keys: MemoryKeyring
) -> None:
    sync_ops.sign_in(store, server, "ann", "ann-password")
    window = _window(qtbot, store, runner)
    assert window.sync_status.server
    expired = "This device's sign-in has expired. Sign in again with your password."
    window.sync.status = SyncStatus(state="password_refused", message=expired)
    window.sync_status.show_status(window.sync.status)
    assert window.sync_status.label.text().startswith("Sign-in needed")
    assert window.sync_status.link.isVisible()
    window.sync_status.passwordRequested.emit()
    dialogs = [d for d in window.findChildren(SignInDialog) if d.isVisible()]
    assert len(dialogs) == 1
    subtitle = dialogs[0].findChild(type(dialogs[0].message), "dialogSubtitle")
    assert subtitle is not None
    assert expired in subtitle.text()
    assert (dialogs[0].address.text(), dialogs[0].login.text()) == (server, "ann")
    assert dialogs[0].focusWidget() is dialogs[0].password
    dialogs[0].reject()
    # Sync > Sign in… opens it too
    action = next(a for a in window.findChildren(type(window.sync_now_action)) if a.objectName() == "signIn")
    action.trigger()
    assert len([d for d in window.findChildren(SignInDialog) if d.isVisible()]) == 1
    open_sign_in(window).reject()
