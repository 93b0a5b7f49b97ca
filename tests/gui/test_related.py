"""The account page's Related tab (issue 14, item 5): contacts, open opportunities, open tasks and next
steps, recent orders, with counts; a row opens its record in its section; ``sfa accounts show`` prints the
same summary from the same ops function."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import Qt

from sfa_desktop.cli import main
from sfa_desktop.core.records import services
from sfa_desktop.ops import related as related_ops
from sfa_desktop.ui.mainwindow import MainWindow
from sfa_desktop.ui.related import RelatedTab
from tests.gui.conftest import Seeded


@pytest.fixture
def account(store, seeded: Seeded) -> str:
    """The first account: 25 contacts, its opportunities (open and won), a task, a planned call on one of its
    contacts, a done call, a next step and 12 orders."""
    account = seeded.accounts[0]
    now = dt.datetime.now(dt.UTC)
    with store.transaction() as s:
        services.update(s, "opportunities", seeded.opportunities[0], {"next_step": "Send the revised quote"})
        services.update(
            s, "opportunities", seeded.opportunities[12], {"stage": "closed won", "next_step": "x"}
        )
        services.create_many(
            s,
            "activities",
            [
                {
                    "kind": "task",
                    "subject": "Prepare renewal",
                    "account_id": account,
                    "due_at": now + dt.timedelta(days=2),
                },
                {
                    "kind": "call",
                    "subject": "Call about the pilot",
                    "contact_id": seeded.contacts[0],
                    "due_at": now + dt.timedelta(days=1),
                },
                {"kind": "call", "subject": "Done already", "account_id": account, "done_at": now},
            ],
        )
        services.create_many(
            s,
            "orders",
            [
                {
                    "account_id": account,
                    "number": f"SO-{n:03d}",
                    "order_date": f"2026-{n % 12 + 1:02d}-01",
                    "total_cents": 1000 * n,
                }
                for n in range(1, 13)
            ],
        )
    return account


def test_related_of_lists_what_the_account_is_connected_to(store, seeded: Seeded, account: str) -> None:
    sections = {s.key: s for s in related_ops.related_of(store, account)}
    assert list(sections) == ["contacts", "opportunities", "tasks", "orders"]
    assert sections["contacts"].total == 25  # 300 contacts over 12 accounts
    assert {r.record_id for r in sections["contacts"].rows} == set(seeded.contacts[0::12])
    opportunities = sections["opportunities"]
    stages = {r.cells[1] for r in opportunities.rows}
    # deals 0, 12 and 24 are this account's; 12 is won (its next step is not listed either)
    assert opportunities.total == len(opportunities.rows) == 2
    assert {r.record_id for r in opportunities.rows} == {seeded.opportunities[0], seeded.opportunities[24]}
    assert stages == {"Prospecting"}
    tasks = sections["tasks"]
    assert tasks.total == 3
    subjects = [r.cells[0] for r in tasks.rows]
    assert subjects[:2] == ["Call: Call about the pilot", "Task: Prepare renewal"]  # soonest due first
    assert subjects[2].startswith("Next step: Send the revised quote")
    assert (tasks.rows[0].kind, tasks.rows[0].record_id) == ("contacts", seeded.contacts[0])
    orders = sections["orders"]
    assert orders.total == 12
    assert len(orders.rows) == related_ops.RECENT_ORDERS
    assert orders.rows[0].cells[:2] == ("SO-011", "2026-12-01")
    assert [r.cells[1] for r in orders.rows] == sorted((r.cells[1] for r in orders.rows), reverse=True)
    assert sections["orders"].heading == "Recent orders (12)"


def test_the_related_tab_shows_counts_and_opens_a_contact_in_its_list(
    qtbot, store, seeded: Seeded, runner, account: str
) -> None:
    window = MainWindow(store, runner, initial="accounts")
    qtbot.addWidget(window)
    page = window.section("accounts")
    with qtbot.waitSignal(page.settled):
        window.show()
    titles = [page.form.tabs.tabText(i) for i in range(page.form.tabs.count())]
    assert "Related" in titles
    tab = page.form.tabs.widget(titles.index("Related"))
    assert isinstance(tab, RelatedTab)
    page.open_record(account)
    with qtbot.waitSignal(tab.loaded, timeout=10_000):
        page.form.tabs.setCurrentIndex(titles.index("Related"))
    assert tab.cards["contacts"].title.text() == "Contacts (25)"
    assert tab.cards["tasks"].title.text() == "Open tasks and next steps (3)"
    assert tab.cards["orders"].title.text() == "Recent orders (12) — the first 10"

    rows = tab.cards["contacts"].rows
    target = rows.topLevelItem(3)
    assert target is not None
    contact_id = target.data(0, Qt.ItemDataRole.UserRole + 2)
    contacts = window.section("contacts")
    rows.setFocus()
    rows.setCurrentItem(target)
    with qtbot.waitSignal(contacts.form.loaded, timeout=10_000):
        qtbot.keyClick(rows, Qt.Key.Key_Return)
    assert window.pages.currentWidget() is contacts
    assert contacts.form.record_id == contact_id
    qtbot.waitUntil(lambda: contacts.model.is_loaded)
    qtbot.waitUntil(lambda: contacts.model.id_at(contacts.table.currentIndex().row()) == contact_id)
    # and the row is in view, not selected somewhere below the fold
    table = contacts.table
    qtbot.waitUntil(lambda: table.viewport().rect().contains(table.visualRect(table.currentIndex()).center()))

    # an order opens the account's Sales tab
    window.open_record("accounts", account)
    with qtbot.waitSignal(tab.loaded, timeout=10_000):
        page.form.tabs.setCurrentIndex(titles.index("Related"))
    order = tab.cards["orders"].rows.topLevelItem(0)
    assert order is not None
    tab.cards["orders"].rows.itemActivated.emit(order, 0)
    assert page.form.tabs.tabText(page.form.tabs.currentIndex()) == "Sales"


def test_accounts_show_prints_the_related_summary(store, seeded: Seeded, account: str, capsys) -> None:
    assert main(["--data-dir", str(store.path.parent), "accounts", "show", account]) == 0
    out = capsys.readouterr().out
    assert "Contacts (25)" in out
    assert "Open opportunities (2)" in out
    assert "Open tasks and next steps (3)" in out
    assert "  Call: Call about the pilot" in out
    assert "Recent orders (12)" in out
    assert "… and 2 more" in out
    assert out.index("Contacts (25)") > out.index("Name")


def test_a_narrow_related_tab_leaves_out_email_then_title_so_names_show(
    qtbot, store, seeded: Seeded, runner, account: str
) -> None:
    """At 1280x720 the form pane is about 410 px wide: four elided columns ('Ethan E…', 'Chief T…') helped
    no one; the least needed columns go first and come back when there is room."""
    window = MainWindow(store, runner, initial="accounts")
    qtbot.addWidget(window)
    page = window.section("accounts")
    with qtbot.waitSignal(page.settled):
        window.show()
    titles = [page.form.tabs.tabText(i) for i in range(page.form.tabs.count())]
    tab = page.form.tabs.widget(titles.index("Related"))
    assert isinstance(tab, RelatedTab)
    page.open_record(account)
    with qtbot.waitSignal(tab.loaded, timeout=10_000):
        page.form.tabs.setCurrentIndex(titles.index("Related"))
    card = tab.cards["contacts"]
    rows = card.rows
    names = [rows.headerItem().text(c) for c in range(rows.columnCount())]

    def shown() -> list[str]:
        return [n for c, n in enumerate(names) if not rows.isColumnHidden(c)]

    card.resize(380, card.height())
    qtbot.waitUntil(lambda: "Email" not in shown())
    assert shown()[0] == "Name"
    assert rows.columnWidth(0) >= 120
    card.resize(900, card.height())
    qtbot.waitUntil(lambda: shown() == names)
