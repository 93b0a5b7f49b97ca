"""The highlighted row and the record in the form are always the same record (issue 14, item 1): after a
filter, a sort, a delete, a sync that brings or removes rows, a merge and a refused switch."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QLineEdit, QMessageBox

from sfa_desktop.core.records import services
from sfa_desktop.ops import data as data_ops
from sfa_desktop.ui import forms
from sfa_desktop.ui.duplicates_view import _after_merge
from sfa_desktop.ui.mainwindow import MainWindow
from sfa_desktop.ui.sections import SectionPage


def accounts_window(qtbot, store, runner) -> tuple[MainWindow, SectionPage]:
    window = MainWindow(store, runner, initial="accounts")
    qtbot.addWidget(window)
    page = window.section("accounts")
    with qtbot.waitSignal(page.settled):
        window.show()
    return window, page


def highlighted(page: SectionPage) -> list[str]:
    """The records drawn highlighted in the list."""
    return page.selected_ids()


def assert_one_truth(page: SectionPage) -> None:
    """The form's record is the one highlighted (and the current row), or, when the list does not hold it,
    nothing is highlighted and the form says so."""
    shown = page.form.record_id
    current = page.model.id_at(page.table.currentIndex().row())
    if shown is not None and page.model.row_of(shown) is not None:
        assert highlighted(page) == [shown]
        assert current == shown
        assert not page.form.notice.isVisible()
    else:
        assert highlighted(page) == []
        assert current is None
        if shown is not None:
            assert page.form.notice.isVisible()
            assert "not in the list" in page.form.notice.text()


def click_row(qtbot, page: SectionPage, row: int) -> None:
    rect = page.table.visualRect(page.model.index(row, 0))
    qtbot.mouseClick(page.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def filter_by(qtbot, page: SectionPage, text: str) -> None:
    with qtbot.waitSignal(page.model.loaded):
        page.filter.setText(text)


def test_a_filter_that_hides_the_record_clears_the_highlight_and_says_so(qtbot, store, seeded, runner):
    _window, page = accounts_window(qtbot, store, runner)
    page.table.setFocus()
    with qtbot.waitSignal(page.form.loaded):
        qtbot.keyClick(page.table, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
    last = page.model.id_at(page.model.rowCount() - 1)
    assert last is not None
    assert page.form.record_id == last
    assert_one_truth(page)
    first_name = str(page.model.index(0, 0).data())
    filter_by(qtbot, page, first_name)  # matches the first account, not the last
    assert page.model.row_of(last) is None
    assert page.form.record_id == last  # not switched under the person's hands...
    assert_one_truth(page)  # ...but not shown as if it were selected either
    with qtbot.waitSignal(page.form.loaded):
        click_row(qtbot, page, 0)  # the row under the pointer opens
    assert page.form.record_id == page.model.id_at(0)
    assert_one_truth(page)


def test_a_filter_that_keeps_the_record_keeps_it_highlighted(qtbot, store, seeded, runner):
    _window, page = accounts_window(qtbot, store, runner)
    with qtbot.waitSignal(page.form.loaded):
        click_row(qtbot, page, 5)
    chosen = page.form.record_id
    name = str(page.model.index(5, 0).data())
    filter_by(qtbot, page, name)
    assert page.model.row_of(chosen or "") is not None
    assert_one_truth(page)
    filter_by(qtbot, page, "")
    assert page.form.record_id == chosen
    assert_one_truth(page)


def test_sorting_moves_the_highlight_with_the_record(qtbot, store, seeded, runner):
    _window, page = accounts_window(qtbot, store, runner)
    with qtbot.waitSignal(page.form.loaded):
        click_row(qtbot, page, 3)
    chosen = page.form.record_id
    header = page.table.horizontalHeader()
    with qtbot.waitSignal(page.model.loaded):
        where = QPoint(header.sectionViewportPosition(0) + 20, header.height() // 2)
        qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=where)
    assert page.model.row_of(chosen or "") != 3
    assert page.form.record_id == chosen
    assert_one_truth(page)


def test_deleting_shows_and_highlights_the_same_next_record(qtbot, store, seeded, runner, monkeypatch):
    _window, page = accounts_window(qtbot, store, runner)
    with qtbot.waitSignal(page.form.loaded):
        click_row(qtbot, page, 2)
    doomed = page.form.record_id
    monkeypatch.setattr(forms, "confirm_delete", lambda *_a: True)
    with qtbot.waitSignal(page.form.loaded, timeout=5000):
        page.form.delete()
    assert page.form.record_id != doomed
    assert page.model.row_of(doomed or "") is None
    assert_one_truth(page)


def test_a_sync_that_brings_rows_keeps_the_record_highlighted(qtbot, store, seeded, runner):
    window, page = accounts_window(qtbot, store, runner)
    with qtbot.waitSignal(page.form.loaded):
        click_row(qtbot, page, 4)
    chosen = page.form.record_id
    with store.transaction() as session:  # what a sync writes: rows the list has not seen
        for name in ("Aaa First Co", "Aab Second Co"):
            services.create(session, "accounts", {"name": name, "territory_id": seeded.territory})
    with qtbot.waitSignal(page.model.loaded):
        window.sync.synced.emit()
    assert page.model.rowCount() == len(seeded.accounts) + 2
    assert page.model.row_of(chosen or "") == 6
    assert page.form.record_id == chosen
    assert_one_truth(page)


def test_a_sync_that_removes_the_record_clears_the_highlight_and_says_so(qtbot, store, seeded, runner):
    window, page = accounts_window(qtbot, store, runner)
    with qtbot.waitSignal(page.form.loaded):
        click_row(qtbot, page, 4)
    gone = page.form.record_id
    assert gone is not None
    with store.transaction() as session:
        services.delete(session, "accounts", gone)
    with qtbot.waitSignal(page.model.loaded):
        window.sync.synced.emit()
    assert page.model.row_of(gone) is None
    assert_one_truth(page)
    with qtbot.waitSignal(page.form.loaded):
        click_row(qtbot, page, 4)
    assert_one_truth(page)


def test_a_merge_shows_and_highlights_the_survivor(qtbot, store, seeded, runner):
    window, page = accounts_window(qtbot, store, runner)
    with qtbot.waitSignal(page.form.loaded):
        click_row(qtbot, page, 1)
    merged_away = page.form.record_id
    survivor = page.model.id_at(7)
    assert merged_away
    assert survivor
    data_ops.merge_records(store, "accounts", survivor, [merged_away], {})
    with qtbot.waitSignal(page.form.loaded):
        _after_merge(window, "accounts", survivor)
    qtbot.waitUntil(lambda: page.model.row_of(merged_away) is None)
    assert page.form.record_id == survivor
    assert_one_truth(page)


def test_a_refused_switch_puts_the_highlight_back(qtbot, store, seeded, runner, monkeypatch):
    """An invalid value, a click on another row, Save in the prompt: the save cannot happen, so the form
    stays on its record, and so does the highlight."""
    _window, page = accounts_window(qtbot, store, runner)
    first = page.form.record_id
    editor = page.form.editors["email"]
    assert isinstance(editor.widget, QLineEdit)
    editor.widget.clear()
    qtbot.keyClicks(editor.widget, "not an address")
    qtbot.keyClick(editor.widget, Qt.Key.Key_Return)
    assert "email" in page.form.errors
    monkeypatch.setattr(forms, "ask_unsaved", lambda *_a: QMessageBox.StandardButton.Save)
    click_row(qtbot, page, 3)
    qtbot.wait(50)  # the click's own selection is done; the highlight goes back after it
    assert page.form.record_id == first
    assert "email" in page.form.errors
    assert_one_truth(page)
    monkeypatch.setattr(forms, "ask_unsaved", lambda *_a: QMessageBox.StandardButton.Cancel)
    click_row(qtbot, page, 5)
    qtbot.wait(50)
    assert page.form.record_id == first
    assert_one_truth(page)


def test_focus_alone_marks_no_row_the_form_does_not_show(qtbot, store, seeded, runner):
    """Qt makes the first row current when a list without a current row gets the focus: that must neither
    open the first record nor mark it while the form shows another one (the filter hides it)."""
    _window, page = accounts_window(qtbot, store, runner)
    page.table.setFocus()
    with qtbot.waitSignal(page.form.loaded):
        qtbot.keyClick(page.table, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
    last = page.form.record_id
    assert last is not None
    filter_by(qtbot, page, str(page.model.index(0, 0).data()))
    assert page.model.row_of(last) is None
    assert not page.table.currentIndex().isValid()
    page.filter.setFocus()
    page.table.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.wait(50)
    assert page.table.hasFocus()
    assert page.form.record_id == last  # nothing opened by the focus alone
    assert_one_truth(page)
    with qtbot.waitSignal(page.form.loaded):
        qtbot.keyClick(page.table, Qt.Key.Key_Down)  # the keys start from the top
    assert page.form.record_id == page.model.id_at(0)
    assert_one_truth(page)
