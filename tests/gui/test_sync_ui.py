"""Sync in the GUI: status bar states, sync now against a SQLite central store, the conflicts view."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine, text

from sfa_desktop.core.records import services
from sfa_desktop.server import admin, central
from sfa_desktop.server.service import SyncService
from sfa_desktop.store import capture
from sfa_desktop.store.database import LocalStore
from sfa_desktop.sync.engine import SyncEngine
from sfa_desktop.sync.scheduler import SyncStatus
from sfa_desktop.ui.conflicts import ConflictsView
from sfa_desktop.ui.sync_status import SyncController, SyncStatusWidget, describe
from tests.memory_keyring import MemoryKeyring, memory_keyring

SHOTS = Path("/tmp/sync_ui_shots")


@pytest.fixture
def keys() -> Iterator[MemoryKeyring]:
    with memory_keyring() as backend:
        yield backend


def test_status_texts() -> None:
    now = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    five = now - timedelta(minutes=5)
    assert describe(SyncStatus(state="idle", last_success=five), now) == "Synced 5 min ago"
    assert (
        describe(SyncStatus(state="idle", last_success=five, waiting=3), now)
        == "Synced 5 min ago, 3 changes waiting"
    )
    assert (
        describe(SyncStatus(state="offline", waiting=2), now)
        == "Offline — central store unreachable, 2 changes waiting"
    )
    assert (
        describe(SyncStatus(state="syncing", stage="pull", done=50, total=200)) == "Syncing… pull 50 of 200"
    )
    assert describe(SyncStatus(state="password_refused", waiting=1)).startswith("Password refused")
    assert describe(SyncStatus(state="not_connected")) == "Not connected — working offline"


def test_status_widget_states(qtbot: QtBot) -> None:
    widget = SyncStatusWidget()
    qtbot.addWidget(widget)
    widget.setFixedSize(560, 30)
    widget.show()
    SHOTS.mkdir(exist_ok=True)
    states = {
        "syncing": SyncStatus(state="syncing", stage="pull", done=40, total=100),
        "synced": SyncStatus(state="idle", last_success=datetime.now(UTC) - timedelta(minutes=5), waiting=2),
        "offline": SyncStatus(state="offline", waiting=7),
        "refused": SyncStatus(state="password_refused", waiting=1),
    }
    for name, status in states.items():
        widget.show_status(status)
        assert widget.progress.isVisible() == (name == "syncing")
        assert widget.link.isVisible() == (name == "refused")
        widget.grab().save(str(SHOTS / f"status_{name}.png"))
    widget.show_status(states["synced"])
    assert widget.label.text() == "Synced 5 min ago, 2 changes waiting"
    widget.show_status(states["refused"])
    with qtbot.waitSignal(widget.passwordRequested, timeout=1000):
        widget.link.linkActivated.emit("#password")


def _central(tmp_path: Path) -> Engine:
    engine = central.make_central_engine(str(tmp_path / "central.sqlite3"))
    central.init_central(engine)
    with central.central_transaction(engine) as cc:
        w = central.Writer(cc, login="admin")
        admin.add_user(w, "admin", role="admin")
        admin.add_territory(w, "NE", "New England")
        admin.add_user(w, "ann", territories=("NE",))
    return engine


def test_sync_now_updates_status_and_pending(qtbot: QtBot, store: LocalStore, tmp_path: Path) -> None:
    engine = _central(tmp_path)
    SyncEngine(store, SyncService(engine, "ann")).connect(central.safe_url(engine.url))
    engine.dispose()
    controller = SyncController(store)
    widget = SyncStatusWidget()
    qtbot.addWidget(widget)
    controller.statusShown.connect(widget.show_status)
    assert controller.status.state == "idle"
    assert controller.status.last_success is None
    with store.engine.connect() as conn:
        ne = conn.execute(text("SELECT id FROM territories WHERE code = 'NE'")).scalar()
    assert ne is None  # nothing pulled yet
    with qtbot.waitSignal(controller.synced, timeout=10000):
        controller.sync_now()
    assert widget.status.state == "idle"
    assert widget.label.text().startswith("Synced just now")
    with store.engine.connect() as conn:
        ne = conn.execute(text("SELECT id FROM territories WHERE code = 'NE'")).scalar()
    with store.transaction() as session:
        services.create(session, "accounts", {"name": "Acme", "territory_id": ne})
    assert controller.pending() == 1
    with qtbot.waitSignal(controller.synced, timeout=10000):
        controller.sync_now()
    assert controller.status.waiting == 0
    assert widget.label.text() == "Synced just now"
    # the central store goes away: offline, with the change waiting
    (tmp_path / "central.sqlite3").unlink()
    (tmp_path / "gone").mkdir()
    with store.engine.begin() as conn:
        conn.execute(
            text("UPDATE sync_state SET value = :v WHERE key = 'url'"),
            {"v": f"sqlite:///{tmp_path / 'missing' / 'central.sqlite3'}"},
        )
    with store.transaction() as session:
        services.create(session, "leads", {"last_name": "Doe"})
    with qtbot.waitSignal(
        controller.statusShown, timeout=10000, check_params_cb=lambda s: s.state == "offline"
    ):
        controller.sync_now()
    assert widget.label.text() == "Offline — central store unreachable, 1 change waiting"
    controller.stop()


def _conflict(store: LocalStore) -> str:
    with store.transaction() as session:
        acme = services.create(session, "accounts", {"name": "Acme", "phone": "+1 617 555 0100"}).id
    with store.engine.begin() as conn:
        conn.execute(text("DELETE FROM outbox"))
        conn.execute(
            text(
                "INSERT INTO conflicts (id, seq, table_name, record_id, territory_id, field, lost_value,"
                " won_value, lost_by, won_by, reason, created_at, dismissed) VALUES ('c1', 5, 'accounts', :r,"
                " NULL, 'phone', :lost, :won, 'bob', 'ann', 'same-field', '2026-01-02 10:00:00', 0)"
            ),
            {"r": acme, "lost": json.dumps("+16175550199"), "won": json.dumps("+16175550100")},
        )
    return acme


def test_conflicts_view_use_and_dismiss(qtbot: QtBot, store: LocalStore) -> None:
    acme = _conflict(store)
    view = ConflictsView(store)
    qtbot.addWidget(view)
    view.setFixedSize(900, 400)
    view.show()
    assert view.table.rowCount() == 1
    cells = [item.text() for c in range(6) if (item := view.table.item(0, c)) is not None]
    assert cells[0] == "Account Acme"
    assert cells[1] == "Phone"
    assert "617" in cells[2]
    assert "0199" in cells[2]
    assert "bob lost" in cells[4]
    SHOTS.mkdir(exist_ok=True)
    view.table.selectRow(0)
    view.grab().save(str(SHOTS / "conflicts.png"))
    assert view.use_button.isEnabled()
    with qtbot.waitSignal(view.changed, timeout=1000):
        view.use_button.click()
    with store.engine.connect() as conn:
        assert (
            conn.execute(text("SELECT phone FROM accounts WHERE id = :i"), {"i": acme}).scalar()
            == "+16175550199"
        )
        (change,) = capture.read_outbox(conn)
    assert change.record_id == acme
    assert change.new_values()["phone"] == "+16175550199"
    assert view.table.rowCount() == 0
    # a second conflict, dismissed
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE conflicts SET dismissed = 0, id = 'c2' WHERE id = 'c1'"))
    view.refresh()
    view.table.selectRow(0)
    with qtbot.waitSignal(view.changed, timeout=1000):
        view.dismiss_button.click()
    assert view.table.rowCount() == 0
    assert ConflictsView(store).table.rowCount() == 0


def test_settings_dialog_connects_and_saves_password_to_keyring(
    qtbot: QtBot, store: LocalStore, tmp_path: Path, keys: MemoryKeyring
) -> None:
    from sfa_desktop.core import settings
    from sfa_desktop.sync import state
    from sfa_desktop.ui.settings_dialog import SettingsDialog

    _central(tmp_path).dispose()
    dialog = SettingsDialog(store, first_run=True)
    qtbot.addWidget(dialog)
    dialog.login.setText("ann")
    dialog.accept()  # no URL: settings only, still offline
    assert dialog.result() == dialog.DialogCode.Accepted
    dialog = SettingsDialog(store)
    qtbot.addWidget(dialog)
    dialog.url.setText(str(tmp_path / "central.sqlite3"))
    dialog.login.setText("nobody")
    dialog.accept()
    assert "nobody" in dialog.message.text()
    dialog.login.setText("ann")
    dialog.password.setText("pw-1")
    dialog.interval.setValue(30)
    dialog.region.setCurrentIndex(dialog.region.findData("GB"))
    dialog.accept()
    assert dialog.message.text() == ""
    with store.engine.connect() as conn:
        st = state.load(conn)
    assert st.login == "ann"
    assert st.connected
    assert list(keys.items.values()) == ["pw-1"]
    with store.reading() as session:
        assert settings.get(session, "sync_interval_minutes") == "30"
        assert settings.get(session, "phone_region") == "GB"
    for file in Path(store.path).parent.iterdir():
        if file.is_file():
            assert b"pw-1" not in file.read_bytes()


def test_a_sync_that_makes_a_conflict_says_so_and_the_page_opens_its_record(
    qtbot: QtBot, store: LocalStore, runner: object, tmp_path: Path
) -> None:
    """Issue 14, item 9: no notice came after a sync that made a conflict, the page had no way to the
    record, and the sidebar kept the previous page highlighted."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from sfa_desktop.ui.mainwindow import MainWindow

    engine = _central(tmp_path)
    with central.central_transaction(engine) as cc:
        admin.add_user(central.Writer(cc, login="admin"), "bob", territories=("NE",))
    bob = LocalStore.open(tmp_path / "bob")
    try:
        SyncEngine(store, SyncService(engine, "ann")).connect(central.safe_url(engine.url))
        SyncEngine(bob, SyncService(engine, "bob")).connect(central.safe_url(engine.url))
        SyncEngine(bob, SyncService(engine, "bob")).sync()
        with bob.engine.connect() as conn:
            ne = conn.execute(text("SELECT id FROM territories WHERE code = 'NE'")).scalar()
        with bob.transaction() as session:
            acme = services.create(session, "accounts", {"name": "Acme", "territory_id": ne}).id
        SyncEngine(bob, SyncService(engine, "bob")).sync()
        SyncEngine(store, SyncService(engine, "ann")).sync()
        with bob.transaction() as session:
            services.update(session, "accounts", acme, {"phone": "+1 617 555 0199"})
        SyncEngine(bob, SyncService(engine, "bob")).sync()
        with store.transaction() as session:  # ann's edit of the same field reaches the store later
            services.update(session, "accounts", acme, {"phone": "+1 617 555 0100"})
    finally:
        bob.close()
        engine.dispose()
    window: Any = MainWindow(store, runner, initial="contacts")  # type: ignore[arg-type]
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.section("contacts").settled):
        window.show()
    notice = window.sync_status.conflicts_notice
    assert not notice.isVisible()
    with qtbot.waitSignal(window.sync.conflictsArrived, timeout=10000) as arrived:
        window.sync.sync_now()
    assert arrived.args == [1]
    assert notice.isVisible()
    assert "1 new conflict" in notice.text()
    assert "Conflicts" in window.statusBar().currentMessage()
    notice.linkActivated.emit("#conflicts")  # the person clicks the notice
    page: ConflictsView = window.conflicts_view
    assert page is not None
    assert window.pages.currentWidget() is page
    assert window.sidebar.currentRow() == -1  # Contacts no longer looks like the page on screen
    assert not window.sidebar.selectedItems()
    assert window.windowTitle().startswith("Conflicts")
    assert not notice.isVisible()
    assert page.table.rowCount() == 1
    assert page.table.item(0, 0).text() == "Account Acme"
    assert page.open_button.isEnabled()
    cell = page.table.visualRect(page.table.model().index(0, 1)).center()
    no_keys = Qt.KeyboardModifier.NoModifier
    QTest.mouseClick(page.table.viewport(), Qt.MouseButton.LeftButton, no_keys, cell)
    QTest.mouseDClick(page.table.viewport(), Qt.MouseButton.LeftButton, no_keys, cell)
    accounts = window.section("accounts")
    assert window.pages.currentWidget() is accounts
    assert window.current_key() == "accounts"
    qtbot.waitUntil(lambda: accounts.form.record_id == acme, timeout=5000)
    window.sync.stop()


def test_settings_dialog_sets_the_distance_unit_of_call_sheets(qtbot: QtBot, store: LocalStore) -> None:
    """Issue 14: distance_unit (auto, km, mi) could be set with 'sfa settings set' only."""
    from sfa_desktop.core import settings
    from sfa_desktop.ui.settings_dialog import SettingsDialog

    dialog = SettingsDialog(store)
    qtbot.addWidget(dialog)
    assert dialog.distance.currentData() == "auto"  # the default
    dialog.region.setCurrentIndex(dialog.region.findData("US"))
    assert dialog.distance.itemText(0) == "Automatic (miles, from the phone region)"
    dialog.region.setCurrentIndex(dialog.region.findData("DE"))
    assert dialog.distance.itemText(0) == "Automatic (kilometres, from the phone region)"
    assert [dialog.distance.itemText(n) for n in (1, 2)] == ["Kilometres", "Miles"]
    dialog.distance.setCurrentIndex(dialog.distance.findData("mi"))
    dialog.accept()
    assert dialog.message.text() == ""
    with store.reading() as session:
        assert settings.get(session, "distance_unit") == "mi"
        assert settings.distance_unit(session) == "mi"  # miles though the region drives in km
    again = SettingsDialog(store)  # shows what is saved
    qtbot.addWidget(again)
    assert again.distance.currentText() == "Miles"
    again.distance.setCurrentIndex(again.distance.findData("auto"))
    again.accept()
    with store.reading() as session:
        assert settings.get(session, "distance_unit") == "auto"
        assert settings.distance_unit(session) == "km"  # region DE
