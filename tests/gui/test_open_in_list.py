"""Issue 14, item 5: the Opportunities list opens on open deals (a filter a person removes), and a record
opened from Ctrl+K is selected in its list even when a filter hid it."""

from __future__ import annotations

from PySide6.QtCore import Qt
from sqlalchemy import text

from sfa_desktop.store import lists
from sfa_desktop.store.filters import OPEN_STAGE, ColumnFilter
from sfa_desktop.ui.mainwindow import MainWindow
from tests.gui.conftest import Seeded


def _window(qtbot, store, runner, initial: str) -> MainWindow:
    window = MainWindow(store, runner, initial=initial)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.section(initial).settled, timeout=10_000):
        window.show()
    return window


def _stages(store, ids) -> set[str]:
    with store.engine.connect() as conn:
        return {
            conn.execute(text("SELECT stage FROM opportunities WHERE id = :i"), {"i": i}).scalar_one()
            for i in ids
        }


def test_the_opportunities_list_opens_on_open_deals(qtbot, store, seeded: Seeded, runner) -> None:
    window = _window(qtbot, store, runner, "opportunities")
    page = window.section("opportunities")
    assert page.model.rowCount() == 23  # 30 deals, 7 of them won
    assert "closed won" not in _stages(store, page.model.ids)
    assert window.count_label.text() == "23 opportunities shown"
    qtbot.wait(200)  # the owner names arrive for the chips: the count stays (it said "Loading…")
    assert page.count_label.text() == "23 opportunities match the filters"
    assert page.column_filters.button.text() == "Filters · 1"
    assert page.column_filters.saved_box.currentText() == "Open opportunities"
    assert not page.column_filters.bar.isHidden()
    # the first row is an open deal, and the form shows it
    assert page.form.record_id == page.model.id_at(page.table.currentIndex().row())

    with qtbot.waitSignal(page.model.loaded):
        page.column_filters.clear()  # a person removes it: every deal again
    assert page.model.rowCount() == 30
    assert page.column_filters.saved_box.currentText() == "All opportunities"
    with qtbot.waitSignal(page.model.loaded):
        page.column_filters.saved_box.activated.emit(
            page.column_filters.saved_box.findText("Open opportunities")
        )
    assert page.model.rowCount() == 23


def test_open_stage_filter_follows_the_pipeline(store, seeded: Seeded) -> None:
    with store.engine.begin() as conn:
        open_ids = lists.list_ids(
            conn, "opportunities", column_filters=[ColumnFilter("stage", "is", (OPEN_STAGE,))]
        )
        assert len(open_ids) == 23
        conn.execute(text("UPDATE pipeline_stages SET category = 'lost' WHERE key = 'prospecting'"))
        fewer = lists.list_ids(
            conn, "opportunities", column_filters=[ColumnFilter("stage", "is", (OPEN_STAGE,))]
        )
        assert len(fewer) == 23 - 8  # deals 0, 4, 8 ... 28 are prospecting
        both = lists.list_ids(
            conn, "opportunities", column_filters=[ColumnFilter("stage", "is", (OPEN_STAGE, "closed won"))]
        )
        assert len(both) == 15 + 7


def test_ctrl_k_selects_a_closed_deal_the_default_filter_hid(qtbot, store, seeded: Seeded, runner) -> None:
    window = _window(qtbot, store, runner, "opportunities")
    page = window.section("opportunities")
    won = seeded.opportunities[3]
    assert page.model.row_of(won) is None
    with store.engine.connect() as conn:
        name = conn.execute(text("SELECT name FROM opportunities WHERE id = :i"), {"i": won}).scalar_one()
    window.find_action.trigger()
    with qtbot.waitSignal(window.search.resultsChanged):
        window.search.insert(name)  # QTest cannot type the dash; insert it as an input method would
        window.search.textEdited.emit(window.search.text())
    results = window.search.results()
    window.search.popup.setCurrentRow([r[1] for r in results].index(won))
    qtbot.keyClick(window.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.model.row_of(won) is not None, timeout=10_000)
    qtbot.waitUntil(lambda: page.model.id_at(page.table.currentIndex().row()) == won)
    assert page.form.record_id == won
    assert page.column_filters.filters == []  # the filter that hid it is gone, and says so
    assert page.column_filters.button.text() == "Filters"


def test_ctrl_k_selects_an_account_a_column_filter_hid(qtbot, store, seeded: Seeded, runner) -> None:
    window = _window(qtbot, store, runner, "accounts")
    page = window.section("accounts")
    with qtbot.waitSignal(page.model.loaded):
        page.column_filters.set_filters([ColumnFilter("industry", "is", ("Logistics",))])
    target = seeded.accounts[9]  # Wingtip Hotels, Retail
    assert page.model.row_of(target) is None
    window.find_action.trigger()
    with qtbot.waitSignal(window.search.resultsChanged):
        qtbot.keyClicks(window.search, "wingtip hot")
    qtbot.keyClick(window.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.model.id_at(page.table.currentIndex().row()) == target, timeout=10_000)
    assert page.form.record_id == target
    assert page.table.selectionModel().isRowSelected(page.table.currentIndex().row())
