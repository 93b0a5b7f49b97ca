"""The detail form: inline validation, saving through the services, unsaved changes, deleting."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from sqlalchemy import text

from sfa_desktop.store import capture
from sfa_desktop.ui import forms
from sfa_desktop.ui.fieldwidgets import RefPicker
from sfa_desktop.ui.forms import RecordForm
from sfa_desktop.ui.mainwindow import MainWindow


def open_form(qtbot, store, runner, kind: str, record_id: str) -> RecordForm:
    form = RecordForm(store, runner, kind)
    qtbot.addWidget(form)
    with qtbot.waitSignal(form.loaded):
        form.show_record(record_id)
    return form


def type_into(qtbot, editor, value: str) -> None:
    editor.widget.clear()
    qtbot.keyClicks(editor.widget, value)
    qtbot.keyClick(editor.widget, Qt.Key.Key_Return)  # Enter finishes the edit like leaving the field


def column(store, kind: str, name: str, record_id: str):
    with store.engine.connect() as conn:
        return conn.execute(text(f"SELECT {name} FROM {kind} WHERE id = :i"), {"i": record_id}).scalar()


def outbox_size(store) -> int:
    with store.engine.connect() as conn:
        return capture.pending_count(conn)


def test_bad_email_shows_inline_error_and_nothing_is_saved(qtbot, store, seeded, runner):
    contact = seeded.contacts[0]
    before_email, before_outbox = column(store, "contacts", "email", contact), outbox_size(store)
    form = open_form(qtbot, store, runner, "contacts", contact)
    assert not form.save_button.isEnabled()

    type_into(qtbot, form.editors["email"], "anna at example")
    message = form._error_labels["email"]
    assert message.isVisibleTo(form)
    assert "@-sign" in message.text()
    assert form.editors["email"].widget.property("invalid") == "true"
    assert not form.save_button.isEnabled()
    assert form.dirty
    assert form.save() is None  # refused before anything is sent
    runner.wait_idle()
    assert column(store, "contacts", "email", contact) == before_email
    assert outbox_size(store) == before_outbox

    type_into(qtbot, form.editors["email"], "anna@example.org")  # fixed: the message goes away
    assert not message.isVisibleTo(form)
    assert form.save_button.isEnabled()


def test_required_field_and_bad_phone_named(qtbot, store, seeded, runner):
    form = open_form(qtbot, store, runner, "contacts", seeded.contacts[1])
    type_into(qtbot, form.editors["last_name"], "")
    type_into(qtbot, form.editors["phone"], "12")
    assert form.errors["last_name"] == "Last name is required."
    assert "phone number" in form.errors["phone"]
    assert not form.save_button.isEnabled()


def test_valid_edit_is_saved_listed_and_captured(qtbot, store, seeded, runner):
    window = MainWindow(store, runner, initial="contacts")
    qtbot.addWidget(window)
    page = window.section("contacts")
    with qtbot.waitSignal(page.settled):
        window.show()
    contact = page.form.record_id
    assert contact is not None
    assert contact == page.model.id_at(0)
    before = outbox_size(store)

    type_into(qtbot, page.form.editors["title"], "Chief Buyer")
    assert page.form.changes() == {"title": "Chief Buyer"}
    assert page.form.save_button.isEnabled()
    with qtbot.waitSignals([page.form.saved, page.model.loaded]):
        qtbot.mouseClick(page.form.save_button, Qt.MouseButton.LeftButton)

    assert column(store, "contacts", "title", contact) == "Chief Buyer"
    assert outbox_size(store) == before + 1
    row = page.model.row_of(contact)
    assert row is not None
    assert page.model.index(row, page.model.column_of("title")).data() == "Chief Buyer"
    assert page.table.currentIndex().row() == row  # the selection stayed on the record
    qtbot.waitUntil(lambda: window.pending_label.text() == f"{before + 1:,} changes waiting to sync")
    assert not page.form.dirty


def test_account_picker_finds_and_sets_the_account(qtbot, store, seeded, runner):
    contact = seeded.contacts[0]
    form = open_form(qtbot, store, runner, "contacts", contact)
    picker = form.editors["account_id"]
    assert isinstance(picker, RefPicker)
    picker.edit.clear()
    picker.edit.setFocus()
    with qtbot.waitSignal(picker.edited):  # the suggestions arrive and the exact name is taken
        qtbot.keyClicks(picker.widget, "wingtip hotels")
    qtbot.waitUntil(lambda: picker.record_id is not None)
    wingtip = seeded.accounts[9]
    assert picker.record_id == wingtip
    with qtbot.waitSignal(form.saved):
        form.save()
    assert column(store, "contacts", "account_id", contact) == wingtip

    picker.edit.clear()
    qtbot.keyClicks(picker.widget, "no such company")
    qtbot.keyClick(picker.widget, Qt.Key.Key_Return)
    assert "choose one of the suggestions" in form.errors["account_id"]


def test_switching_record_with_unsaved_changes_asks(qtbot, store, seeded, runner, monkeypatch):
    window = MainWindow(store, runner, initial="contacts")
    qtbot.addWidget(window)
    page = window.section("contacts")
    with qtbot.waitSignal(page.settled):
        window.show()
    first = page.form.record_id
    assert first is not None
    type_into(qtbot, page.form.editors["title"], "Typed but not saved")

    asked: list[str] = []

    def cancel(_parent, what: str) -> QMessageBox.StandardButton:
        asked.append(what)
        return QMessageBox.StandardButton.Cancel

    monkeypatch.setattr(forms, "ask_unsaved", cancel)
    page.table.selectRow(1)
    assert asked == ["this contact"]
    assert page.form.record_id == first
    assert page.form.editors["title"].raw() == "Typed but not saved"
    assert page.table.currentIndex().row() == 0

    monkeypatch.setattr(forms, "ask_unsaved", lambda *_a: QMessageBox.StandardButton.Discard)
    with qtbot.waitSignal(page.form.loaded):
        page.table.selectRow(1)
    assert page.form.record_id == page.model.id_at(1)
    assert column(store, "contacts", "title", first) != "Typed but not saved"


def test_new_record_is_created(qtbot, store, seeded, runner):
    window = MainWindow(store, runner, initial="leads")
    qtbot.addWidget(window)
    page = window.section("leads")
    with qtbot.waitSignal(page.settled):
        window.show()
    count = page.model.rowCount()
    window.new_action.trigger()
    assert page.form.title.text() == "New lead"
    assert not page.form.delete_button.isEnabled()
    type_into(qtbot, page.form.editors["last_name"], "Zeller")
    type_into(qtbot, page.form.editors["company"], "Zeller Freight")
    with qtbot.waitSignals([page.form.saved, page.model.loaded]):
        page.form.save_button.click()
    assert page.model.rowCount() == count + 1
    new_id = page.form.record_id
    assert new_id is not None
    assert column(store, "leads", "company", new_id) == "Zeller Freight"
    assert page.table.currentIndex().row() == page.model.row_of(new_id)


def test_deleting_an_account_says_what_goes_with_it(qtbot, store, seeded, runner, monkeypatch):
    account = seeded.accounts[0]
    form = open_form(qtbot, store, runner, "accounts", account)
    asked: list[str] = []

    def agree(_parent, message: str) -> bool:
        asked.append(message)
        return True

    monkeypatch.setattr(forms, "confirm_delete", agree)
    with qtbot.waitSignal(form.deleted):
        form.delete_button.click()
    assert "Northwind Traders" in asked[0]
    assert "25 contacts" in asked[0]
    assert "3 opportunities" in asked[0]
    assert column(store, "accounts", "deleted_at", account) is not None
    with store.engine.connect() as conn:
        alive = conn.execute(
            text("SELECT count(*) FROM contacts WHERE account_id = :a AND deleted_at IS NULL"), {"a": account}
        ).scalar()
    assert alive == 0


def test_closing_the_window_with_unsaved_changes_asks(qtbot, store, seeded, runner, monkeypatch):
    window = MainWindow(store, runner, initial="contacts")
    qtbot.addWidget(window)
    page = window.section("contacts")
    with qtbot.waitSignal(page.settled):
        window.show()
    contact = page.form.record_id
    assert contact is not None
    type_into(qtbot, page.form.editors["title"], "Regional Buyer")

    monkeypatch.setattr(forms, "ask_unsaved", lambda *_a: QMessageBox.StandardButton.Cancel)
    window.close()
    assert window.isVisible()

    monkeypatch.setattr(forms, "ask_unsaved", lambda *_a: QMessageBox.StandardButton.Save)
    window.close()  # saves first, then closes
    qtbot.waitUntil(lambda: not window.isVisible())
    assert column(store, "contacts", "title", contact) == "Regional Buyer"


def test_a_national_phone_is_read_in_the_records_country(qtbot, store, seeded, runner):
    """Issue 13, item 6: on a US laptop, a French contact's national number is accepted in the form."""
    form = open_form(qtbot, store, runner, "contacts", seeded.contacts[1])
    type_into(qtbot, form.editors["country"], "")
    type_into(qtbot, form.editors["phone"], "01 42 68 53 00")
    assert "phone number" in form.errors["phone"]  # read in the laptop's region (US): not a number there
    type_into(qtbot, form.editors["country"], "FR")
    assert form.validate_field("phone")
    assert form._current["phone"] == "+33142685300"
    type_into(qtbot, form.editors["phone"], "+1 418 656 9254 ext. 102")  # item 3: the extension is kept
    assert form._current["phone"] == "+14186569254;ext=102"


def test_the_wheel_over_a_choice_scrolls_the_form_and_changes_nothing_until_it_has_the_focus(
    qtbot, store, seeded, runner
):
    from PySide6.QtCore import QPoint, QPointF
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QApplication

    window = MainWindow(store, runner, initial="accounts")
    qtbot.addWidget(window)
    page = window.section("accounts")
    with qtbot.waitSignal(page.settled):
        window.show()
    form = page.form
    from PySide6.QtWidgets import QComboBox

    combo = form.editors["industry"].widget
    assert isinstance(combo, QComboBox)
    before = combo.currentIndex()

    def wheel() -> None:
        centre = QPointF(combo.rect().center())
        event = QWheelEvent(
            centre,
            QPointF(combo.mapToGlobal(centre.toPoint())),
            QPoint(0, 0),
            QPoint(0, -120),  # one notch down
            Qt.MouseButton.NoButton,
            Qt.KeyboardModifier.NoModifier,
            Qt.ScrollPhase.NoScrollPhase,
            False,
        )
        QApplication.sendEvent(combo, event)

    wheel()
    assert combo.currentIndex() == before
    assert not form.dirty
    combo.setFocus()
    qtbot.waitUntil(combo.hasFocus)
    wheel()
    assert combo.currentIndex() != before  # focused: the wheel turns it, as the user asked
    assert "industry" in form.changes()
    form.revert()  # the window closes without asking
