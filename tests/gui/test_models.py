"""The lazy record list models: Qt's model contract, SQL sorting and filtering, paging."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import text

from sfa_desktop.core.records.validation import format_money
from sfa_desktop.store import lists
from sfa_desktop.ui.models import ID_ROLE, MAX_PAGES, PAGE_SIZE, RecordTableModel
from sfa_desktop.ui.tasks import TaskRunner


def loaded_model(qtbot, store, runner, kind: str) -> RecordTableModel:
    model = RecordTableModel(store, runner, kind)
    with qtbot.waitSignal(model.loaded, timeout=5000):
        model.reload()
    return model


@pytest.mark.usefixtures("seeded")
@pytest.mark.parametrize("kind", ["accounts", "contacts", "leads", "opportunities"])
def test_models_pass_qt_model_tester(qtbot, qtmodeltester, store, runner, kind):
    model = loaded_model(qtbot, store, runner, kind)
    assert model.rowCount() > 0
    qtmodeltester.check(model)


def test_sorting_by_a_column_orders_as_sql(qtbot, store, seeded, runner):
    model = loaded_model(qtbot, store, runner, "contacts")
    column = model.column_of("email")
    with qtbot.waitSignal(model.loaded):
        model.sort(column, Qt.SortOrder.DescendingOrder)
    with store.engine.connect() as conn:
        emails = [
            row[0]
            for row in conn.execute(
                text(
                    "SELECT email FROM contacts WHERE deleted_at IS NULL "
                    "ORDER BY email COLLATE NOCASE DESC, id"
                )
            )
        ]
    shown = [model.index(row, column).data() for row in range(model.rowCount())]
    assert shown == emails
    assert shown != sorted(shown)  # the descending order, not the default one

    with qtbot.waitSignal(model.loaded):
        model.sort(column, Qt.SortOrder.AscendingOrder)
    assert [model.index(row, column).data() for row in range(model.rowCount())] == emails[::-1]


def test_filter_text_narrows_rows(qtbot, store, seeded, runner):
    model = loaded_model(qtbot, store, runner, "contacts")
    everyone = model.rowCount()
    with qtbot.waitSignal(model.loaded):
        model.set_filter_text("Coho")
    assert 0 < model.rowCount() < everyone
    account_column = model.column_of("account")
    assert {model.index(r, account_column).data() for r in range(model.rowCount())} == {"Coho Winery"}
    with store.engine.connect() as conn:
        assert model.rowCount() == lists.count(conn, "contacts", filter_text="Coho")


def test_opportunity_money_and_dates_are_formatted(qtbot, store, seeded, runner):
    model = loaded_model(qtbot, store, runner, "opportunities")
    amount = model.column_of("amount")
    with store.engine.connect() as conn:
        cents = conn.execute(
            text("SELECT amount_cents FROM opportunities WHERE id = :i"), {"i": model.ids[0]}
        ).scalar()
    assert model.index(0, amount).data() == format_money(cents)
    assert model.index(0, amount).data().startswith("$")
    alignment = Qt.AlignmentFlag(model.index(0, amount).data(Qt.ItemDataRole.TextAlignmentRole))
    assert alignment & Qt.AlignmentFlag.AlignRight
    close = model.index(0, model.column_of("close_date")).data()
    assert close.endswith("2026")
    assert len(close.split()) == 3


def test_rows_are_fetched_a_page_at_a_time(qtbot, store, runner):
    from tests.gui.conftest import seed_store

    seed_store(store, contacts=PAGE_SIZE * 3 + 20)
    model = loaded_model(qtbot, store, runner, "contacts")
    assert model.rowCount() == PAGE_SIZE * 3 + 20
    assert model.pages_fetched == 0  # nothing fetched before a view asks
    first = model.index(0, 0).data()
    assert first
    assert model.pages_fetched == 1
    model.index(PAGE_SIZE - 1, 2).data()
    assert model.pages_fetched == 1  # same page: served from the cache
    model.index(PAGE_SIZE * 3 + 5, 0).data()
    assert model.pages_fetched == 2
    assert model.cached_pages() == [0, 3]
    assert model.index(PAGE_SIZE * 3 + 5, 0).data(ID_ROLE) == model.ids[PAGE_SIZE * 3 + 5]


def test_page_cache_is_bounded(qtbot, store, seeded, runner, monkeypatch):
    import sfa_desktop.ui.models as models_module

    monkeypatch.setattr(models_module, "PAGE_SIZE", 2)
    model = loaded_model(qtbot, store, runner, "contacts")
    for row in range(0, 2 * (MAX_PAGES + 10), 2):
        model.index(row, 0).data()
    assert len(model.cached_pages()) == MAX_PAGES
    assert model.cached_pages()[0] == 10  # the least recently used pages went first


def test_a_stale_reload_is_dropped(qtbot, store, seeded, runner: TaskRunner):
    model = loaded_model(qtbot, store, runner, "contacts")
    model.set_filter_text("Coho")
    with qtbot.waitSignal(model.loaded) as blocker:
        model.set_filter_text("Wingtip")  # supersedes the query above before it reports
    runner.wait_idle()
    qtbot.wait_until(lambda: not runner.busy)
    assert blocker.signal_triggered
    account_column = model.column_of("account")
    assert {model.index(r, account_column).data() for r in range(model.rowCount())} == {"Wingtip Hotels"}


def test_fast_phone_formatting_matches_phonenumbers():
    from sfa_desktop.core.records.validation import format_phone
    from sfa_desktop.ui.models import format_cell

    for number in ("+12125550143", "+14165550199", "+18762345678", "+442079460958", "+4930123456"):
        assert format_cell("phone", number) == format_phone(number)
