"""A large data file is only checked cheaply at open; the window checks every page in the background."""

from __future__ import annotations

import random

import pytest
from PySide6.QtWidgets import QMessageBox

from sfa_desktop.store import database
from sfa_desktop.store.database import LocalStore
from sfa_desktop.ui.mainwindow import MainWindow
from tests import local_files

from .conftest import seed_store


def _damage_contacts_page(store: LocalStore) -> None:
    with local_files.connect(store.path) as conn:
        page_size = int(conn.execute("PRAGMA page_size").fetchone()[0])
        root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'contacts'").fetchone()[0]
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    with store.path.open("r+b") as fh:
        fh.seek((root - 1) * page_size)
        fh.write(random.Random(3).randbytes(page_size))


@pytest.mark.parametrize("damaged", [False, True])
def test_background_check_reports_a_damaged_large_file(qtbot, data_dir, runner, monkeypatch, damaged):
    store = LocalStore.open(data_dir)
    seed_store(store, contacts=60)
    store.close()
    if damaged:
        _damage_contacts_page(store)
    monkeypatch.setattr(database, "FULL_CHECK_MAX_BYTES", 0)  # treat the file as large
    warnings: list[str] = []
    monkeypatch.setattr(
        QMessageBox, "warning", lambda _parent, title, text: warnings.append(f"{title}: {text}")
    )
    reopened = LocalStore.open(data_dir)
    window = MainWindow(reopened, runner, initial="accounts")
    qtbot.addWidget(window)
    calls: list[object] = []
    original = reopened.verify

    def counted_verify() -> str | None:
        calls.append(1)
        return original()

    monkeypatch.setattr(reopened, "verify", counted_verify)
    window.verify_store()
    qtbot.waitUntil(lambda: bool(calls), timeout=5000)
    runner.wait_idle()
    qtbot.wait(50)
    if damaged:
        assert warnings
        assert "damaged" in warnings[0]
    else:
        assert warnings == []
    window.close()
    reopened.close()


def test_a_stopped_check_gives_up_and_reports_nothing(data_dir, monkeypatch):
    store = LocalStore.open(data_dir)
    seed_store(store, contacts=60)
    store.close()
    _damage_contacts_page(store)
    monkeypatch.setattr(database, "FULL_CHECK_MAX_BYTES", 0)  # opened with the cheap check only
    reopened = LocalStore.open(data_dir)
    assert reopened.verify()  # the damage is found
    reopened.stop_verify()  # as the window does when it closes
    assert reopened.verify() is None  # a stopped check does not start again
    reopened.close()
