"""The customer's story in the window: the Timeline tab (lazy model, filters, delegate), the Sales tab
(figures, chart, orders tree) and the quick log (Ctrl+L), keyboard only and with bad input."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from PySide6.QtCore import QModelIndex, QPoint, Qt
from PySide6.QtGui import QColor
from sqlalchemy import text

from sfa_desktop.core.records import services
from sfa_desktop.core.timeline import feed as timeline
from sfa_desktop.store import capture
from sfa_desktop.ui.mainwindow import MainWindow
from sfa_desktop.ui.orders_model import OrdersModel
from sfa_desktop.ui.quick_log import QuickLogDialog
from sfa_desktop.ui.sales import SalesTab
from sfa_desktop.ui.sales_chart import CURRENT, EARLIER
from sfa_desktop.ui.timeline import BATCH, TimelineTab, tooltip
from tests.gui.conftest import Seeded

TODAY = dt.date(2026, 3, 15)


@pytest.fixture
def story(store, seeded: Seeded) -> str:
    """The first account, with 150 calls and visits, two orders and a change from the central store."""
    account = seeded.accounts[0]
    now = dt.datetime.now(dt.UTC)
    with store.transaction() as s:
        product = services.create(s, "products", {"sku": "TEL-1", "name": "Fleet tracker"}).id
        services.create_many(
            s,
            "activities",
            [
                {
                    "kind": "call" if n % 3 else "visit",
                    "subject": f"Check-in {n}",
                    "account_id": account,
                    "done_at": now - dt.timedelta(days=n + 1),
                    "outcome": "completed",
                }
                for n in range(150)
            ],
        )
        for number, day, quantity in (("SO-1", "2026-02-10", 4), ("SO-2", "2025-06-01", 2)):
            order = services.create(
                s,
                "orders",
                {
                    "account_id": account,
                    "number": number,
                    "order_date": day,
                    "total_cents": quantity * 120_000,
                },
            ).id
            services.create(
                s,
                "order_lines",
                {
                    "order_id": order,
                    "account_id": account,
                    "product_id": product,
                    "quantity": quantity,
                    "unit_price_cents": 120_000,
                    "line_total_cents": quantity * 120_000,
                },
            )
    with store.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO change_history (seq, table_name, record_id, op, changes, db_user, applied_at) "
                "VALUES (1, 'accounts', :a, 'update', :c, 'dokafor', :at)"
            ),
            {
                "a": account,
                "c": json.dumps({"city": ["Boston", "Cambridge"]}),
                "at": (now - dt.timedelta(hours=2)).strftime("%Y-%m-%d %H:%M:%S.%f"),
            },
        )
    return account


def open_tab(qtbot, store, runner, kind: str, record: str, factory):
    tab = factory(store, runner, kind)
    qtbot.addWidget(tab)
    tab.setMinimumSize(520, 700)  # explicit: the offscreen platform warns about size hints otherwise
    tab.show()
    with qtbot.waitSignal(tab.loaded, timeout=10_000):
        tab.show_record(record)
    return tab


def test_the_timeline_tab_shows_the_core_timeline_lazily(qtbot, qtmodeltester, store, runner, story):
    tab = open_tab(qtbot, store, runner, "accounts", story, TimelineTab)
    with store.engine.connect() as conn:
        expected = timeline.build(conn, "accounts", story, unsent=capture.Unsent(conn))
    model = tab.model
    assert model.items == expected
    assert len(expected) > BATCH
    assert model.rowCount() == BATCH  # handed to the view a batch at a time
    assert model.canFetchMore(QModelIndex())
    qtmodeltester.check(model)
    while model.canFetchMore(QModelIndex()):
        model.fetchMore(QModelIndex())
    assert model.rowCount() == len(expected)
    qtmodeltester.check(model)
    change = next(
        i
        for i in range(model.rowCount())
        if model.item_at(i).kind == "changes" and model.item_at(i).event == "update"
    )
    text_ = model.index(change, 0).data(Qt.ItemDataRole.ToolTipRole)
    assert "City: Boston → Cambridge" in text_
    assert model.index(0, 0).data(Qt.ItemDataRole.UserRole + 11)  # the first row carries a month heading
    assert "150" not in tab.count_label.text()
    assert tab.count_label.text().startswith(f"{len(expected)} items")
    image = tab.view.viewport().grab().toImage()
    assert image.width() > 0
    assert tooltip(expected[0]).startswith(expected[0].label)


def test_timeline_filters(qtbot, store, runner, story):
    tab = open_tab(qtbot, store, runner, "accounts", story, TimelineTab)
    assert set(tab.chips) == {"", "activities", "opportunities", "orders", "changes"}
    qtbot.mouseClick(tab.chips["orders"], Qt.MouseButton.LeftButton)
    assert [item.title for item in tab.model.items] == ["Order SO-1", "Order SO-2"]
    assert tab.count_label.text() == "2 items"
    tab.activity_kind.setCurrentIndex(tab.activity_kind.findData("visit"))
    assert tab.chips["activities"].isChecked()
    assert {item.event for item in tab.model.items} == {"visit"}
    assert len(tab.model.items) == 50
    tab.set_filter("changes")
    assert tab.activity_kind.currentIndex() == 0
    assert {item.kind for item in tab.model.items} == {"changes"}
    tab.set_filter("activities", "meeting")
    assert tab.model.items == []
    assert tab.empty.text() == "Nothing on the timeline matches this filter."
    contacts = open_tab(qtbot, store, runner, "contacts", services_contact(store, story), TimelineTab)
    assert "orders" not in contacts.chips


def services_contact(store, account: str) -> str:
    with store.engine.connect() as conn:
        return str(
            conn.execute(
                text("SELECT id FROM contacts WHERE account_id = :a LIMIT 1"), {"a": account}
            ).scalar()
        )


def test_the_sales_tab_figures_chart_and_orders(qtbot, qtmodeltester, store, runner, story):
    tab = SalesTab(store, runner, "accounts")
    tab.today = TODAY
    qtbot.addWidget(tab)
    tab.setMinimumSize(520, 1100)
    tab.show()
    with qtbot.waitSignal(tab.loaded, timeout=10_000):
        tab.show_record(story)
    assert tab.this_year.value.text() == "$4,800.00"
    assert "vs $0.00" not in tab.this_year.note.text()
    assert tab.last_year.value.text() == "$2,400.00"
    assert tab.last_order.value.text() == "10 Feb 2026"
    assert tab.last_order.note.text() == "SO-1 · 33 days ago"
    assert tab.orders_this_year.value.text() == "1"
    model = tab.orders_model
    assert isinstance(model, OrdersModel)
    qtmodeltester.check(model)
    assert model.rowCount() == 2
    first = model.index(0, 0)
    assert (first.data(), model.index(0, 1).data(), model.index(0, 2).data()) == (
        "SO-1",
        "10 Feb 2026",
        "$4,800.00",
    )
    assert model.rowCount(first) == 1
    line = model.index(0, 1, first)
    assert model.index(0, 0, first).data() == "Fleet tracker"
    assert line.data() == "4 \N{MULTIPLICATION SIGN} $1,200.00"
    assert model.parent(line) == first

    # the chart paints its bars: this year's in the accent colour, earlier ones lighter
    chart = tab.chart
    rects = chart.bar_rects()
    image = chart.grab().toImage()
    scale = image.devicePixelRatio()
    months = chart.months
    february = next(i for i, m in enumerate(months) if (m.year, m.month) == (2026, 2))
    june = next(i for i, m in enumerate(months) if (m.year, m.month) == (2025, 6))

    def colour_at(index: int) -> QColor:
        centre = rects[index].center()
        return image.pixelColor(QPoint(int(centre.x() * scale), int((rects[index].bottom() - 2) * scale)))

    assert colour_at(february) == CURRENT
    assert colour_at(june) == EARLIER
    assert rects[february].height() == pytest.approx(2 * rects[june].height())
    assert all(rects[i].height() == 0 for i, m in enumerate(months) if m.cents == 0)
    assert tab.legend["average"].text() == "monthly average $300"  # (4,800 + 2,400) / 24
    assert [p.name for p in tab.products.products] == ["Fleet tracker"]


def test_the_sales_tab_of_an_account_without_orders(qtbot, store, runner, seeded):
    tab = open_tab(qtbot, store, runner, "accounts", seeded.accounts[1], SalesTab)
    assert tab.empty.text().startswith("No orders from this account yet.")


def window_on(qtbot, store, runner, kind: str) -> MainWindow:
    window = MainWindow(store, runner, initial=kind)
    qtbot.addWidget(window)
    page = window.section(kind)
    with qtbot.waitSignal(page.settled, timeout=10_000):
        window.show()
    window.activateWindow()
    return window


def open_quick_log(qtbot, page) -> QuickLogDialog:
    qtbot.keyClick(page.table, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    dialog = page.findChild(QuickLogDialog)
    assert isinstance(dialog, QuickLogDialog), "Ctrl+L did not open the quick log"
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow, timeout=5000)
    return dialog


def test_quick_log_keyboard_only_then_the_timeline_shows_it(qtbot, store, runner, seeded):
    window = window_on(qtbot, store, runner, "contacts")
    page = window.section("contacts")
    contact = page.form.record_id
    assert contact is not None
    timeline_index = [page.form.tabs.tabText(i) for i in range(page.form.tabs.count())].index("Timeline")
    tab = page.form.tabs.widget(timeline_index)
    assert isinstance(tab, TimelineTab)
    with qtbot.waitSignal(tab.loaded, timeout=10_000):
        page.form.tabs.setCurrentIndex(timeline_index)
    before = len(tab.model.items)
    assert [a.text() for a in page.record_actions][:1] == ["Log activity"]

    dialog = open_quick_log(qtbot, page)
    assert dialog.subject.hasFocus()
    qtbot.keyClick(dialog, Qt.Key.Key_V, Qt.KeyboardModifier.AltModifier)  # Alt+V: a visit
    assert dialog.kind == "visit"
    assert dialog.subject.text() == f"Visit to {page.form.title.text()}"
    qtbot.keyClick(dialog.subject, Qt.Key.Key_Tab)  # to the outcome
    assert dialog.outcome.hasFocus()
    qtbot.keyClicks(dialog.outcome, "Int")  # type-ahead: Interested
    assert dialog.outcome.currentData() == "interested"
    qtbot.keyClick(dialog.outcome, Qt.Key.Key_Tab)
    assert dialog.duration.hasFocus()
    qtbot.keyClicks(dialog.duration, "abc")  # bad input first
    qtbot.keyClick(dialog.duration, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "duration_minutes" in dialog.errors, timeout=5000)
    message = dialog._error_labels["duration_minutes"]
    assert message.text() == "Duration (min) 'abc' is not a whole number."
    assert message.isVisibleTo(dialog)
    assert dialog.isVisible()
    assert dialog.duration.hasFocus()  # back on the field to fix
    dialog.duration.selectAll()
    qtbot.keyClicks(dialog.duration, "40")
    qtbot.keyClick(dialog.duration, Qt.Key.Key_Tab)
    assert dialog.notes.hasFocus()
    qtbot.keyClicks(dialog.notes, "Walked the depot")
    qtbot.keyClick(dialog.notes, Qt.Key.Key_F, Qt.KeyboardModifier.AltModifier)  # Alt+F: a follow-up
    assert dialog.follow_up_box.isChecked()
    assert dialog.follow_up.hasFocus()
    qtbot.keyClicks(dialog.follow_up, "Send the quote")
    with qtbot.waitSignal(dialog.logged, timeout=10_000) as logged:
        qtbot.keyClick(dialog.follow_up, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5000)
    result = logged.args[0]
    with store.engine.connect() as conn:
        visit = conn.execute(
            text("SELECT kind, outcome, duration_minutes, notes, contact_id FROM activities WHERE id = :i"),
            {"i": result.activity_id},
        ).one()
        task = conn.execute(
            text("SELECT kind, subject, contact_id, done_at FROM activities WHERE id = :i"),
            {"i": result.follow_up_id},
        ).one()
    assert tuple(visit) == ("visit", "interested", 40, "Walked the depot", contact)
    assert tuple(task) == ("task", "Send the quote", contact, None)
    qtbot.waitUntil(lambda: len(tab.model.items) == before + 2, timeout=10_000)
    assert {tab.model.items[0].record_id, tab.model.items[1].record_id} >= {result.follow_up_id}
    assert any(item.record_id == result.activity_id and item.pending for item in tab.model.items)
    assert "Logged" in window.statusBar().currentMessage()


def test_quick_log_cancel_and_errors_write_nothing(qtbot, store, runner, seeded):
    window = window_on(qtbot, store, runner, "accounts")
    page = window.section("accounts")
    with store.engine.connect() as conn:
        before = conn.execute(text("SELECT count(*) FROM activities")).scalar()
    dialog = open_quick_log(qtbot, page)
    dialog.subject.clear()
    dialog.subject.setText("x" * 210)
    dialog.follow_up_box.setChecked(True)
    dialog.follow_up.clear()
    dialog.save()
    qtbot.waitUntil(lambda: bool(dialog.errors), timeout=5000)
    assert set(dialog.errors) == {"subject", "follow_up"}
    assert dialog.errors["follow_up"] == "Follow-up subject: say what the follow-up is."
    assert dialog.errors["subject"].startswith("Subject is 210 characters long")
    assert dialog.banner.text() == "Not logged: fix the fields marked in red."
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible()
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM activities")).scalar() == before


def test_chart_axis_steps_and_labels() -> None:
    from sfa_desktop.ui.sales_chart import compact_money, nice_step

    assert [nice_step(top) for top in (0, 95, 400, 1_000_000, 7)] == [1.0, 25.0, 100.0, 250_000.0, 2.0]
    assert [compact_money(c) for c in (0, 95_000, 1_234_500, 250_000_000, 150_000)] == [
        "$0",
        "$950",
        "$12k",
        "$2.5M",
        "$1.5k",
    ]
    assert compact_money(1_000_000, "EUR") == "€10k"


def test_a_leads_record_has_a_timeline_of_its_activities_and_changes(qtbot, store, runner, seeded):
    lead = seeded.leads[0]
    with store.transaction() as s:
        services.create(
            s,
            "activities",
            {
                "kind": "call",
                "subject": "Qualifying call",
                "lead_id": lead,
                "done_at": dt.datetime.now(dt.UTC) - dt.timedelta(days=2),
                "outcome": "interested",
            },
        )
    window = window_on(qtbot, store, runner, "leads")
    page = window.section("leads")
    page.open_record(lead)
    titles = [page.form.tabs.tabText(i) for i in range(page.form.tabs.count())]
    tab = page.form.tabs.widget(titles.index("Timeline"))
    assert isinstance(tab, TimelineTab)
    with qtbot.waitSignal(tab.loaded, timeout=10_000):
        page.form.tabs.setCurrentIndex(titles.index("Timeline"))
    assert set(tab.chips) == {"", "activities", "changes"}
    with store.engine.connect() as conn:
        assert tab.model.items == timeline.build(conn, "leads", lead, unsent=capture.Unsent(conn))
    assert "Qualifying call" in [item.title for item in tab.model.items]
    assert "Lead created" in [item.title for item in tab.model.items]
