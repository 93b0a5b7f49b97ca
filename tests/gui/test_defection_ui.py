"""Recording a defection in the window (issue 15, item 5): the dialog says what to change before anything is
saved; the account record's Record defection… action saves one; the at-risk rows of the report offer it and
the report is made again with it in the Retention section."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from PySide6.QtCore import QDate

from sfa_desktop.core.retention.defections import DefectionRow, Given
from sfa_desktop.ops import retention as retention_ops
from sfa_desktop.store.database import LocalStore
from sfa_desktop.ui import defection_dialog
from sfa_desktop.ui.defection_dialog import DefectionDialog
from sfa_desktop.ui.mainwindow import MainWindow
from sfa_desktop.ui.reports_page import ReportsPage
from tests import report_fixture
from tests.report_fixture import PERIOD

TODAY = dt.date(2026, 6, 30)


def test_the_dialog_says_what_to_change_and_lists_the_history(qtbot: Any) -> None:
    earlier = DefectionRow(
        "d1",
        "a1",
        "Acme",
        "declining",
        "service",
        "Late deliveries",
        dt.date(2026, 3, 2),
        "Rena",
        "",
        dt.datetime(2026, 3, 2, tzinfo=dt.UTC),
    )
    dialog = DefectionDialog("a1", "Acme", [earlier], declining=True, today=TODAY)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.declining.isChecked()
    assert "2026-03-02  declining, service: Late deliveries" in "\n".join(
        w.text() for w in dialog.findChildren(type(dialog.error))
    )
    dialog.accept()  # nothing chosen yet
    assert dialog.isVisible()
    assert dialog.error.text().startswith("Choose the defection type")
    dialog.kind.setCurrentIndex(dialog.kind.findData("price"))
    dialog.reason.setPlainText("ok")
    dialog.accept()
    assert dialog.isVisible()
    assert dialog.error.text().startswith("Say why the customer is leaving")
    dialog.reason.setPlainText("Moved to a cheaper supplier")
    dialog.day.setDate(QDate(2026, 7, 3))  # after today: the edit allows it, the rule does not
    dialog.accept()
    assert "is in the future" in dialog.error.text()
    dialog.day.setDate(QDate(2026, 6, 12))
    dialog.lost.setChecked(True)
    dialog.accept()
    assert not dialog.isVisible()
    assert dialog.given() == Given("a1", "lost", "price", "Moved to a cheaper supplier", dt.date(2026, 6, 12))


def test_the_account_records_action_saves_a_defection(
    qtbot: Any, store: LocalStore, seeded: Any, runner: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[str] = []

    def answer(_parent: Any, account_id: str, name: str, history: list[DefectionRow], **_kw: Any) -> Given:
        asked.append(name)
        return Given(account_id, "lost", "organisational", "Bought by a group that buys centrally")

    monkeypatch.setattr(defection_dialog, "ask_defection", answer)
    window = MainWindow(store, runner, initial="accounts")
    qtbot.addWidget(window)
    page = window.section("accounts")
    qtbot.waitUntil(lambda: page.form.record_id is not None)
    record = page.form.record_id
    assert record is not None
    action = next(a for a in page.record_actions if a.text() == "Record defection…")
    with qtbot.waitSignal(page.recordsChanged, timeout=5000):
        action.trigger()
    assert asked == [retention_ops.account_name(store, record)]
    saved = retention_ops.account_defections(store, record)
    assert [(d.status, d.defection_type) for d in saved] == [("lost", "organisational")]
    window.close()


def test_an_at_risk_row_records_a_defection_and_the_report_counts_it(
    qtbot: Any, store: LocalStore, runner: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    fx = report_fixture.build(store)
    monkeypatch.setattr(
        defection_dialog,
        "ask_defection",
        lambda _p, account_id, _n, _h, **kw: Given(
            account_id,
            "declining" if kw.get("declining") else "lost",
            "price",
            "Competitor 10% cheaper",
            dt.date(2026, 6, 20),
        ),
    )
    page = ReportsPage(store, runner)
    qtbot.addWidget(page)
    page.setMinimumSize(1300, 850)
    with qtbot.waitSignal(page.reportShown):
        page.page_shown()
    page.show()
    with qtbot.waitSignal(page.reportShown):
        page.set_period(PERIOD.start, PERIOD.end)
    with qtbot.waitSignal(page.reportShown):
        page.choose_territory(fx["EAST"])
    retention = next(c for c in page.cards if c.section.key == "retention")
    declining = next(t for t in retention.tables if t.table.key == "declining")
    assert [r[0] for r in declining.table.rows] == ["A4 Corp", "A1 Corp"]
    assert declining.table.rows[0][-1] == "not yet"
    with qtbot.waitSignal(page.reportShown, timeout=10000):
        declining.defectionRequested.emit(fx["A4"])  # the row's context menu: Record defection…
    retention = next(c for c in page.cards if c.section.key == "retention")
    declining = next(t for t in retention.tables if t.table.key == "declining")
    assert declining.table.rows[0][-1] == "Price (declining, 2026-06-20)"
