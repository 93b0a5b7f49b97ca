"""Edit > Undo (issue 14, item 12): the menu names what it would undo, Ctrl+Z undoes outside text fields
(inside one it stays the field's own undo), and the list and the form then show the restored record."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QMessageBox
from sqlalchemy import text

from sfa_desktop.store import capture
from sfa_desktop.ui import forms
from sfa_desktop.ui.mainwindow import MainWindow
from sfa_desktop.ui.sections import SectionPage
from sfa_desktop.ui.undo_action import NOTHING


def column(store, kind: str, name: str, record_id: str):
    with store.engine.connect() as conn:
        return conn.execute(text(f"SELECT {name} FROM {kind} WHERE id = :i"), {"i": record_id}).scalar()


def type_into(qtbot, editor, value: str) -> None:
    editor.widget.clear()
    qtbot.keyClicks(editor.widget, value)
    qtbot.keyClick(editor.widget, Qt.Key.Key_Return)


def accounts_window(qtbot: Any, store: Any, runner: Any) -> tuple[MainWindow, SectionPage]:
    window = MainWindow(store, runner, initial="accounts")
    qtbot.addWidget(window)
    page = window.section("accounts")
    with qtbot.waitSignal(page.settled):
        window.show()
    return window, page


def edit_city(qtbot: Any, window: MainWindow, page: SectionPage, city: str) -> str:
    record_id = page.form.record_id
    assert isinstance(record_id, str)
    type_into(qtbot, page.form.editors["city"], city)
    with qtbot.waitSignals([page.form.saved, page.model.loaded]):
        qtbot.mouseClick(page.form.save_button, Qt.MouseButton.LeftButton)
    return record_id


def test_edit_undo_names_the_edit_and_ctrl_z_undoes_outside_text_fields(
    qtbot, store, seeded, runner, monkeypatch
):
    window, page = accounts_window(qtbot, store, runner)
    action = window.undo_action
    runner.wait_idle()
    assert (action.text(), action.isEnabled()) == (NOTHING, False)
    assert action in window.menu("&Edit").actions()

    account = page.form.record_id
    assert account is not None
    city_before = column(store, "accounts", "city", account)
    name = column(store, "accounts", "name", account)
    edit_city(qtbot, window, page, "Undoville")
    qtbot.waitUntil(lambda: action.text() == f"&Undo edit of {name}")
    assert action.isEnabled()

    # in a text field Ctrl+Z is the field's own undo: nothing is undone in the data
    field = page.form.editors["phone"].widget
    assert isinstance(field, QLineEdit)
    field.setFocus()
    before_text = field.text()
    qtbot.keyClicks(field, "12")
    qtbot.keyClick(field, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    runner.wait_idle()
    assert field.text() != before_text + "12"  # the field undid its typing
    assert column(store, "accounts", "city", account) == "Undoville"
    assert action.text() == f"&Undo edit of {name}"

    # outside text fields Ctrl+Z undoes the edit
    page.table.setFocus()
    monkeypatch.setattr(forms, "ask_unsaved", lambda *_a: QMessageBox.StandardButton.Discard)
    with qtbot.waitSignal(page.form.loaded, timeout=5000):
        qtbot.keyClick(page.table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: column(store, "accounts", "city", account) == city_before)
    qtbot.waitUntil(lambda: page.form.editors["city"].raw() in (city_before, None, ""))
    assert page.form.record_id == account
    qtbot.waitUntil(lambda: page.selected_ids() == [account])
    assert window.statusBar().currentMessage() == (f"Undid the edit of {name.rstrip('.')}.")
    qtbot.waitUntil(lambda: action.text() == NOTHING)
    assert not action.isEnabled()
    with store.engine.connect() as conn:
        last = capture.read_outbox(conn)[-1]
    assert (last.record_id, last.changes["city"]) == (account, ["Undoville", city_before])


def test_edit_menu_undo_shows_the_merged_away_record_back(qtbot, store, seeded, runner):
    from sfa_desktop.ops import data as data_ops

    window, page = accounts_window(qtbot, store, runner)
    survivor, loser = page.model.id_at(0), page.model.id_at(1)
    assert survivor is not None
    assert loser is not None
    data_ops.merge_records(store, "accounts", survivor, [loser], {})
    window.refresh_lists()
    window.undo_action.refresh()
    loser_name = column(store, "accounts", "name", loser)
    qtbot.waitUntil(lambda: window.undo_action.text().startswith(f"&Undo merge of {loser_name} into "))
    window.undo_action.trigger()
    qtbot.waitUntil(lambda: page.form.record_id == loser)
    qtbot.waitUntil(lambda: page.selected_ids() == [loser])
    assert column(store, "accounts", "deleted_at", loser) is None
    assert page.form.editors["name"].raw() == loser_name


def test_a_refused_undo_says_why(qtbot, store, seeded, runner, monkeypatch):
    from sfa_desktop.ui import undo_action

    window, page = accounts_window(qtbot, store, runner)
    account = edit_city(qtbot, window, page, "Undoville")
    with store.engine.begin() as conn, capture.capture_suspended(conn):  # a sync brought another value
        conn.execute(text("UPDATE accounts SET city = 'Synced' WHERE id = :i"), {"i": account})
    shown: list[str] = []
    monkeypatch.setattr(undo_action, "show_problem", lambda _p, _t, exc: shown.append(str(exc)))
    qtbot.waitUntil(window.undo_action.isEnabled)
    window.undo_action.trigger()
    qtbot.waitUntil(lambda: bool(shown))
    assert "City is 'Synced' now, not 'Undoville'" in shown[0]
    assert "Nothing was undone" in shown[0]
    assert column(store, "accounts", "city", account) == "Synced"
    qtbot.waitUntil(lambda: window.undo_action.text() == NOTHING)


def test_a_delete_is_undone_from_the_edit_menu_and_the_record_is_back_on_screen(
    qtbot, store, seeded, runner, monkeypatch
):
    window, page = accounts_window(qtbot, store, runner)
    account = page.form.record_id
    assert isinstance(account, str)
    name = column(store, "accounts", "name", account)
    monkeypatch.setattr(forms, "confirm_delete", lambda *_a: True)
    with qtbot.waitSignal(page.form.deleted, timeout=5000):
        page.form.delete()
    qtbot.waitUntil(lambda: account not in page.model.ids)
    assert window.statusBar().currentMessage().endswith("(Ctrl+Z: undo).")
    qtbot.waitUntil(lambda: window.undo_action.text().startswith(f"&Undo delete of {name}"))
    window.undo_action.trigger()
    qtbot.waitUntil(lambda: page.form.record_id == account)
    qtbot.waitUntil(lambda: page.selected_ids() == [account])
    assert column(store, "accounts", "deleted_at", account) is None
    assert window.statusBar().currentMessage().startswith(f"Undid the delete of {name}")


def test_a_new_record_undone_leaves_the_list(qtbot, store, seeded, runner):
    from sfa_desktop.ops import records as record_ops

    window, page = accounts_window(qtbot, store, runner)
    made = record_ops.save_record(store, "accounts", None, {"name": "Zephyr Undo Ltd"})
    window.refresh_lists()
    qtbot.waitUntil(lambda: made in page.model.ids)
    window.undo_action.refresh()
    qtbot.waitUntil(lambda: window.undo_action.text() == "&Undo new account Zephyr Undo Ltd")
    window.undo_action.trigger()
    qtbot.waitUntil(lambda: made not in page.model.ids)
    assert column(store, "accounts", "deleted_at", made) is not None
    assert window.statusBar().currentMessage() == "Undid the new account Zephyr Undo Ltd."
