"""Visit checklists… (issue 16, item 4): managers edit the checklist templates in the window (items added,
removed, moved with the buttons and the keyboard), a wrong item is explained and nothing is saved, the
template is saved whole through the command line's function, reports made before keep their version, and a
rep reads the templates without editing them; Delete… deletes an unused checklist and retires a used one
after a question saying which, and unsaved edits are not dropped when another checklist is chosen."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QComboBox, QMessageBox
from sqlalchemy import text

from sfa_desktop.core.records import services
from sfa_desktop.core.visits.location import NoLocation
from sfa_desktop.ops import visits
from sfa_desktop.store.database import LocalStore
from sfa_desktop.ui import checklist_editor
from sfa_desktop.ui.checklist_editor import ChecklistsDialog
from sfa_desktop.ui.service_levels_page import ServiceLevelsPage
from sfa_desktop.ui.visit_report import VisitReportDialog

ITEMS = [
    {"key": "met", "label": "Met the buyer", "type": "yesno", "required": True},
    {"key": "facings", "label": "Facings", "type": "number", "min": 0, "max": 40},
    {"key": "notes", "label": "Notes", "type": "text"},
]


@pytest.fixture(autouse=True)
def answers(monkeypatch):
    """The unsaved-changes question answered without a dialog (Discard unless a test says otherwise: a
    dialog left with edits is closed at the end of each test); what was asked is kept."""
    asked: list[str] = []
    reply = {"unsaved": QMessageBox.StandardButton.Discard, "delete": True}

    def unsaved(_parent, what):
        asked.append(f"unsaved: {what}")
        return reply["unsaved"]

    def delete(_parent, text_, action="Delete"):
        asked.append(f"{action.lower()}: {text_}")
        return reply["delete"]

    monkeypatch.setattr(checklist_editor, "ask_unsaved", unsaved)
    monkeypatch.setattr(checklist_editor, "confirm_delete", delete)
    return asked, reply


def _open(qtbot, store, runner) -> ChecklistsDialog:
    dialog = ChecklistsDialog(store, runner)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.loaded, timeout=5000):
        dialog.show()
    return dialog


def _type(widget, text: str) -> None:
    widget.selectAll()
    QTest.keyClick(widget, Qt.Key.Key_Backspace)
    QTest.keyClicks(widget, text)


def _visit(store: LocalStore, segment: str | None = "A") -> str:
    with store.transaction() as session:
        account = services.create(session, "accounts", {"name": "Acme Tools", "segment": segment})
        activity = services.create(
            session, "activities", {"kind": "visit", "subject": "Visit Acme", "account_id": account.id}
        )
        return str(activity.id)


def test_a_manager_builds_a_checklist_and_a_wrong_range_is_explained(qtbot, store, runner):
    dialog = _open(qtbot, store, runner)
    assert dialog.editable
    assert dialog.template_id is None  # none yet: a new one, starting from the built-in items
    assert dialog.item_list.count() == 4
    _type(dialog.name, "Key account visit")
    dialog.segment.setCurrentIndex(dialog.segment.findData("A"))
    # remove the built-in photo item with the Delete key, add a number item after "Order taken"
    dialog.item_list.setFocus()
    dialog.item_list.setCurrentRow(3)
    QTest.keyClick(dialog.item_list, Qt.Key.Key_Delete)
    assert dialog.item_list.count() == 3
    dialog.item_list.setCurrentRow(1)
    dialog.add_button.click()
    assert dialog.item_index == 2
    _type(dialog.label, "Facings on the shelf")
    dialog.kind.setCurrentIndex(dialog.kind.findData("number"))
    assert dialog.range_row.isVisibleTo(dialog)
    dialog.required.setChecked(True)
    _type(dialog.minimum, "12")
    _type(dialog.maximum, "4")
    assert dialog.item_list.item(2).text().startswith("3. Facings on the shelf\nnumber · required · 12 to 4")

    dialog.item_list.setCurrentRow(0)
    assert dialog.save() is None  # refused in the dialog: the item is named and selected, nothing written
    assert dialog.error.isVisibleTo(dialog)
    wrong = "Item 3 (Facings on the shelf): the minimum 12 is above the maximum 4; swap them."
    assert wrong in dialog.error.text()
    assert dialog.item_index == 2
    assert visits.list_templates(store) == []

    _type(dialog.maximum, "40")
    dialog.item_list.setFocus()
    QTest.keyClick(dialog.item_list, Qt.Key.Key_Up, Qt.KeyboardModifier.ControlModifier)  # move it up
    assert dialog.item_index == 1
    with qtbot.waitSignal(dialog.saved, timeout=5000) as saved:
        dialog.save()
    with qtbot.waitSignal(dialog.loaded, timeout=5000):
        pass
    assert not dialog.error.isVisibleTo(dialog)
    assert "Saved “Key account visit”" in dialog.status.text()
    (found,) = visits.list_templates(store)
    assert found.template_id == saved.args[0].template_id
    assert (found.name, found.segment) == ("Key account visit", "A")
    assert [(i.key, i.label, i.type, i.required, i.min, i.max) for i in found.items] == [
        ("met_customer", "Met the customer", "yesno", True, None, None),
        ("facings_on_the_shelf", "Facings on the shelf", "number", True, 12.0, 40.0),
        ("order_taken", "Order taken", "yesno", True, None, None),
        ("notes", "What was discussed", "text", False, None, None),
    ]
    assert dialog.template_list.count() == 1
    assert dialog.template_id == found.template_id


def test_empty_and_twice_used_labels_are_refused(qtbot, store, runner):
    visits.save_template(store, "Shop", "B", json.dumps(ITEMS))
    dialog = _open(qtbot, store, runner)
    assert dialog.name.text() == "Shop"
    dialog.item_list.setCurrentRow(2)
    _type(dialog.label, "")
    dialog.save()
    assert dialog.error.text() == "Not saved: Item 3: give it a label."
    _type(dialog.label, "facings")
    dialog.save()
    assert "the label 'facings' is also item 2's" in dialog.error.text()
    assert [i.label for i in visits.list_templates(store)[0].items] == ["Met the buyer", "Facings", "Notes"]
    dialog.move_item(-1)  # the down and up buttons
    assert dialog.item_index == 1
    assert dialog.down_button.isEnabled()
    dialog.down_button.click()
    assert [d.label for d in dialog.drafts] == ["Met the buyer", "Facings", "facings"]


def test_a_report_made_before_a_change_keeps_its_items(qtbot, store, runner):
    visits.save_template(store, "Shop", "A", json.dumps(ITEMS))
    before = _visit(store)
    visits.save_report(store, before, {"met": True, "facings": 30})
    dialog = _open(qtbot, store, runner)
    dialog.item_list.setCurrentRow(1)
    dialog.remove_button.click()  # facings go; the notes become required
    dialog.item_list.setCurrentRow(1)
    dialog.required.setChecked(True)
    with qtbot.waitSignal(dialog.saved, timeout=5000):
        dialog.save()
    report = VisitReportDialog(store, before, ("completed",), NoLocation())
    qtbot.addWidget(report)
    assert list(report.inputs) == ["met", "facings", "notes"]  # the version it was answered with
    assert report.inputs["facings"].text() == "30"  # type: ignore[attr-defined]
    assert isinstance(report.inputs["met"], QComboBox)
    assert report.inputs["met"].currentData() is True
    after = VisitReportDialog(store, _visit(store), ("completed",), NoLocation())
    qtbot.addWidget(after)
    assert list(after.inputs) == ["met", "notes"]


def test_a_rep_reads_the_checklists_without_editing_them(qtbot, store, runner):
    visits.save_template(store, "Shop", "A", json.dumps(ITEMS))
    with store.transaction() as session:
        rep = services.create(session, "users", {"login": "rena", "full_name": "Rena Rep", "role": "rep"}).id
    with store.engine.begin() as conn:
        conn.execute(text("INSERT INTO sync_state (key, value) VALUES ('user_id', :u)"), {"u": rep})
    dialog = _open(qtbot, store, runner)
    assert not dialog.editable
    assert dialog.note.isVisibleTo(dialog)
    assert "set by managers and administrators" in dialog.note.text()
    assert not dialog.save_button.isVisibleTo(dialog)
    assert not dialog.new_button.isVisibleTo(dialog)
    for widget in (dialog.name, dialog.label, dialog.kind, dialog.add_button, dialog.remove_button):
        assert not widget.isEnabled()
    assert dialog.item_list.count() == 3  # the items are there to read
    dialog.item_list.setCurrentRow(1)
    assert dialog.label.text() == "Facings"
    assert (dialog.minimum.text(), dialog.maximum.text()) == ("0", "40")
    dialog.item_list.setFocus()
    QTest.keyClick(dialog.item_list, Qt.Key.Key_Delete)
    assert dialog.item_list.count() == 3
    assert dialog.save() is None


def test_the_service_levels_page_opens_the_checklists(qtbot, store, runner):
    page = ServiceLevelsPage(store, runner)
    qtbot.addWidget(page)
    assert page.checklists_button.text() == "Visit checklists…"
    dialog = page.open_checklists()
    assert isinstance(dialog, ChecklistsDialog)
    qtbot.waitUntil(lambda: dialog.template_list.count() == 0 and dialog.item_list.count() == 4)
    dialog.close()


def _names(dialog: ChecklistsDialog) -> list[str]:
    return [dialog.template_list.item(n).text() for n in range(dialog.template_list.count())]


def test_delete_removes_an_unused_checklist_and_retires_a_used_one(qtbot, store, runner, answers):
    asked, reply = answers
    visits.save_template(store, "Shop", "A", json.dumps(ITEMS))
    visits.save_report(store, _visit(store), {"met": True})
    visits.save_template(store, "Spare", "B", json.dumps(ITEMS[:1]))
    dialog = _open(qtbot, store, runner)
    assert dialog.delete_button.isVisibleTo(dialog)
    dialog.template_list.setCurrentRow(1)
    assert dialog.name.text() == "Spare"
    reply["delete"] = False  # Cancel: nothing happens
    asking = dialog.delete_template()
    assert asking is not None
    qtbot.waitUntil(lambda: len(asked) == 1, timeout=5000)
    unused = "No visit report used the checklist “Spare”: it will be deleted for everyone at the next sync."
    assert asked == [f"delete: {unused}"]
    assert [t.name for t in visits.list_templates(store)] == ["Shop", "Spare"]
    reply["delete"] = True
    dialog.template_list.setFocus()
    with qtbot.waitSignal(dialog.removed, timeout=5000):
        QTest.keyClick(dialog.template_list, Qt.Key.Key_Delete)  # the Delete key on the list
    qtbot.waitUntil(lambda: dialog.template_list.count() == 1)
    assert [t.name for t in visits.list_templates(store)] == ["Shop"]
    assert "Deleted the checklist “Spare”." in dialog.status.text()
    assert dialog.name.text() == "Shop"
    with qtbot.waitSignal(dialog.removed, timeout=5000):
        dialog.delete_button.click()
    assert asked[-1].startswith("retire: 1 visit report was made with the checklist “Shop”, so it cannot be")
    qtbot.waitUntil(lambda: "inactive" in _names(dialog)[0])
    assert [(t.name, t.active) for t in visits.list_templates(store)] == [("Shop", False)]
    assert "Retired the checklist “Shop”" in dialog.status.text()
    assert not dialog.active.isChecked()


def test_unsaved_edits_are_not_dropped_when_another_checklist_is_chosen(qtbot, store, runner, answers):
    asked, reply = answers
    visits.save_template(store, "Shop", "A", json.dumps(ITEMS))
    visits.save_template(store, "Spare", "B", json.dumps(ITEMS[:1]))
    dialog = _open(qtbot, store, runner)
    assert dialog.name.text() == "Shop"
    dialog.template_list.setCurrentRow(1)  # nothing changed: no question
    assert dialog.name.text() == "Spare"
    assert asked == []
    dialog.template_list.setCurrentRow(0)
    _type(dialog.name, "Shop floor")
    assert dialog.dirty()
    reply["unsaved"] = QMessageBox.StandardButton.Cancel
    dialog.template_list.setCurrentRow(1)
    assert asked == ["unsaved: the checklist “Shop floor”"]
    assert dialog.name.text() == "Shop floor"  # still there, and still the one chosen
    assert dialog.template_list.currentRow() == 0
    reply["unsaved"] = QMessageBox.StandardButton.Save
    dialog.template_list.setCurrentRow(1)
    qtbot.waitUntil(lambda: dialog.name.text() == "Spare", timeout=5000)
    assert sorted(t.name for t in visits.list_templates(store)) == ["Shop floor", "Spare"]
    assert dialog.template_list.currentRow() == 1
    dialog.item_list.setCurrentRow(0)
    _type(dialog.label, "Changed label")
    reply["unsaved"] = QMessageBox.StandardButton.Discard
    dialog.new_button.click()
    assert asked[-1] == "unsaved: the checklist “Spare”"
    assert dialog.template_id is None
    assert [i.label for t in visits.list_templates(store) if t.name == "Spare" for i in t.items] == [
        "Met the buyer"
    ]
    assert not dialog.dirty()  # a new checklist not typed into yet
