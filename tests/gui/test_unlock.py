"""The window's side of issue 17: the passphrase dialog, the locked screen unlocked by a sync, the warning
in the status bar days ahead, and Help > About naming what protects the data."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialog, QMessageBox
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from sfa_desktop import app
from sfa_desktop.core.records.models import utcnow
from sfa_desktop.ops import expiry as expiry_ops
from sfa_desktop.server import admin, central
from sfa_desktop.server.service import SyncService
from sfa_desktop.store import cipher
from sfa_desktop.store.database import LocalStore
from sfa_desktop.sync import state
from sfa_desktop.sync.engine import SyncEngine
from sfa_desktop.ui import unlock
from sfa_desktop.ui.mainwindow import MainWindow


def _central(tmp_path: Path) -> Engine:
    engine = central.make_central_engine(str(tmp_path / "central.sqlite3"))
    central.init_central(engine)
    with central.central_transaction(engine) as cc:
        w = central.Writer(cc, login="admin")
        admin.add_user(w, "admin", role="admin")
        admin.add_territory(w, "NE", "New England")
        admin.add_user(w, "ann", territories=("NE",))
    return engine


def _connected(store: LocalStore, tmp_path: Path, days_ago: float) -> None:
    engine = _central(tmp_path)
    SyncEngine(store, SyncService(engine, "ann")).connect(central.safe_url(engine.url))
    engine.dispose()
    with store.engine.begin() as conn:
        st = state.load(conn)
        st.last_sync_at = (utcnow() - timedelta(days=days_ago)).isoformat(timespec="seconds")
        state.save(conn, st, "last_sync_at")


def test_locked_screen_unlocks_after_a_sync(qtbot: QtBot, store: LocalStore, tmp_path: Path) -> None:
    _connected(store, tmp_path, 33)
    expiry = expiry_ops.assess(store)
    assert expiry.locked
    dialog = unlock.LockedDialog(store, expiry.locked_message)
    qtbot.addWidget(dialog)
    assert "Not synced for 33 days" in dialog.message.text()
    dialog.sync_button.click()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert not expiry_ops.assess(store).locked


def test_start_up_refuses_a_locked_laptop_without_a_window(
    store: LocalStore, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _connected(store, tmp_path, 31)
    assert not app._unlocked(store, interactive=False)
    assert "Not synced for 31 days" in capsys.readouterr().err


def test_status_bar_warns_days_ahead_and_about_names_the_protection(
    qtbot: QtBot, store: LocalStore, runner: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _connected(store, tmp_path, 27)
    window = MainWindow(store, runner, initial="contacts")  # type: ignore[arg-type]
    qtbot.addWidget(window)
    assert window.expiry_label.text().startswith("Sync within 3 days or this laptop's data locks")
    assert not window.expiry_label.isHidden()
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "about", lambda _parent, _title, text: shown.append(text))
    window.about()
    (text,) = shown
    assert "Encryption:&nbsp;</td><td>on (SQLCipher 4." in text
    assert "Key kept in:" in text
    assert "Locks:&nbsp;</td><td>in 3 days" in text


def test_no_warning_long_before_the_limit(qtbot: QtBot, store: LocalStore, runner: object) -> None:
    window = MainWindow(store, runner, initial="contacts")  # type: ignore[arg-type]
    qtbot.addWidget(window)
    assert window.expiry_label.text() == ""
    assert window.expiry_label.isHidden()


def test_passphrase_dialog(qtbot: QtBot) -> None:
    dialog = unlock.PassphraseDialog(new=True)
    qtbot.addWidget(dialog)
    dialog.accept()
    assert dialog.note.text() == "Enter the passphrase, or Quit."
    dialog.passphrase.setText("one thing")
    dialog.again.setText("another")
    dialog.accept()
    assert "differ" in dialog.note.text()
    assert dialog.result() != QDialog.DialogCode.Accepted
    dialog.again.setText("one thing")
    dialog.accept()
    assert dialog.result() == QDialog.DialogCode.Accepted


def test_the_window_asks_again_while_the_passphrase_is_wrong(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import keyring
    from keyring.backends import fail

    monkeypatch.delenv(cipher.ENV_KEY)
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())  # type: ignore[no-untyped-call]
    try:
        LocalStore.open(tmp_path / "d", passphrase=lambda new: "right one").close()
        answers = iter(["wrong one", "right one"])
        problems: list[str] = []

        def ask(problem: str = "") -> object:
            problems.append(problem)
            return lambda new: next(answers)

        monkeypatch.setattr(unlock, "ask_passphrase", ask)
        store = app._open_store(tmp_path / "d", ask=True)
        assert store is not None
        store.close()
        assert problems[0] == ""
        assert problems[1].startswith("The passphrase is wrong")
        monkeypatch.setattr(unlock, "ask_passphrase", lambda problem="": lambda new: None)
        assert app._open_store(tmp_path / "d", ask=True) is None  # Quit
    finally:
        keyring.set_keyring(previous)
