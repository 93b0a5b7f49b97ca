"""Lead views on real widgets: quick capture with the keyboard only, the Score tab and its reasons, the
scoring rules editor, and the conversion dialog."""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QSpinBox
from sqlalchemy import text

from sfa_desktop.core import settings
from sfa_desktop.core.records import services
from sfa_desktop.core.scoring import scores as scoring
from sfa_desktop.ui.convert_dialog import ConvertDialog
from sfa_desktop.ui.mainwindow import MainWindow
from sfa_desktop.ui.quick_lead import QuickLeadDialog
from sfa_desktop.ui.rules_editor import RulesDialog, edit_rules
from sfa_desktop.ui.score_tab import ScoreTab


def window_on(qtbot: Any, store: Any, runner: Any, initial: str = "contacts") -> MainWindow:
    window = MainWindow(store, runner, initial=initial)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.section(initial).settled):
        window.show()
    return window


def leads_named(store: Any, last: str) -> list[dict[str, Any]]:
    with store.engine.connect() as conn:
        rows = conn.execute(text("SELECT * FROM leads WHERE last_name = :l"), {"l": last}).mappings()
        return [dict(r) for r in rows]


def test_quick_lead_with_the_keyboard_only(qtbot, store, seeded, runner):
    window = window_on(qtbot, store, runner)
    qtbot.keyClick(
        window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    )
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), QuickLeadDialog))
    dialog = QApplication.activeModalWidget()
    assert isinstance(dialog, QuickLeadDialog)
    qtbot.waitUntil(lambda: dialog.focusWidget() is dialog.editors["first_name"].widget)
    for typed in ("Noor", "Quennell", "Blue Harbor Freight", "noor@blueharbor.example", "617 555 0199"):
        qtbot.keyClicks(dialog.focusWidget(), typed)
        qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Tab)
    qtbot.keyClicks(dialog.focusWidget(), "r")  # the source combo: first choice starting with r
    qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(leads_named(store, "Quennell")) == 1)
    (lead,) = leads_named(store, "Quennell")
    leads = window.section("leads")
    qtbot.waitUntil(lambda: leads.form.record_id == lead["id"])
    assert (
        lead["first_name"],
        lead["company"],
        lead["email"],
        lead["phone"],
        lead["source"],
        lead["status"],
    ) == (
        "Noor",
        "Blue Harbor Freight",
        "noor@blueharbor.example",
        "+16175550199",
        "referral",
        "new",
    )
    assert window.current_kind() == "leads"  # the new lead opens in the Leads section
    assert leads.form.record_id == lead["id"]
    window.close()


def test_quick_lead_keeps_what_was_typed_when_a_field_is_wrong(qtbot, store, seeded, runner):
    dialog = QuickLeadDialog(store, runner)
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.editors["first_name"].widget, "Ana")
    qtbot.keyClicks(dialog.editors["email"].widget, "ana at example")
    dialog.save()
    assert dialog.isVisible() or not dialog.result()
    assert "required" in dialog.errors["last_name"].text()
    assert "@-sign" in dialog.errors["email"].text()
    assert dialog.editors["first_name"].raw() == "Ana"
    runner.wait_idle()
    assert leads_named(store, "Ana") == []
    qtbot.keyClicks(dialog.editors["last_name"].widget, "Lima")
    dialog.editors["email"].show_value(None)
    with qtbot.waitSignal(dialog.captured, timeout=5000):
        dialog.save()
    assert len(leads_named(store, "Lima")) == 1


def scored_lead(store: Any) -> str:
    with store.transaction() as s:
        lead = services.create(
            s,
            "leads",
            {"last_name": "Fischer", "company": "Fischer Energy", "industry": "Energy", "employee_count": 40},
        ).id
        services.create(
            s,
            "activities",
            {"kind": "call", "subject": "Intro", "lead_id": lead, "done_at": "2099-01-01 10:00"},
        )
    return lead


def test_the_score_tab_shows_the_score_and_every_reason(qtbot, store, seeded, runner):
    lead = scored_lead(store)
    window = window_on(qtbot, store, runner, initial="leads")
    page = window.section("leads")
    with qtbot.waitSignal(page.form.loaded, timeout=5000):
        page.open_record(lead)
    (tab,) = page.findChildren(ScoreTab)
    with qtbot.waitSignal(tab.shown, timeout=5000):
        page.form.tabs.setCurrentWidget(tab)
    assert tab.score is not None
    with store.reading() as s:
        (expected,) = scoring.compute(s, [lead])
    assert tab.score.score == expected.score
    texts = [label.text() for label in tab.findChildren(QLabel)]
    assert str(expected.score) in texts
    for reason in expected.reasons:
        assert reason.text in texts
    assert "Industry Energy is a target industry" in texts
    assert "Warm lead" in texts or "Cold lead" in texts or "Hot lead" in texts
    page.new_record()
    assert not page.form.tabs.isTabEnabled(page.form.tabs.indexOf(tab))
    window.close()


def test_saving_rules_from_the_tools_menu_refreshes_the_open_score_tab(qtbot, store, seeded, runner):
    lead = scored_lead(store)
    window = window_on(qtbot, store, runner, initial="leads")
    page = window.section("leads")
    with qtbot.waitSignal(page.form.loaded, timeout=5000):
        page.open_record(lead)
    (tab,) = page.findChildren(ScoreTab)
    with qtbot.waitSignal(tab.shown, timeout=5000):
        page.form.tabs.setCurrentWidget(tab)
    assert "Industry Energy is a target industry" in [label.text() for label in tab.findChildren(QLabel)]
    dialog = edit_rules(window)
    qtbot.waitUntil(lambda: dialog.list.rowCount() > 5)
    dialog.tabs.setCurrentIndex(1)
    dialog.json.setPlainText('{"rules": [{"kind": "industry", "industries": ["Energy"], "points": 37}]}')
    with qtbot.waitSignal(tab.shown, timeout=5000):  # the open tab shows the new rules' reasons
        dialog.save()
    assert tab.score is not None
    assert tab.score.score == 37
    assert "37" in [label.text() for label in tab.findChildren(QLabel)]
    window.close()


def cell(dialog: RulesDialog, row: int, column: int) -> str:
    item = dialog.list.item(row, column)
    assert item is not None
    return item.text()


def test_the_rules_editor_changes_points_and_checks_the_json(qtbot, store, seeded, runner):
    dialog = RulesDialog(store, runner)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.list.rowCount() > 5)
    assert cell(dialog, 0, 1) == "Target industry"
    dialog.list.setCurrentCell(0, 0)
    points = dialog.panel.findChild(QSpinBox, "rule_points")
    assert points is not None
    points.setValue(33)
    assert cell(dialog, 0, 0) == "+33"
    dialog.tabs.setCurrentIndex(1)
    assert json.loads(dialog.json.toPlainText())["rules"][0]["points"] == 33
    dialog.json.setPlainText('{"rules": [{"kind": "recency"}]}')
    dialog.tabs.setCurrentIndex(0)  # refused: stays on the JSON with the problems
    assert dialog.tabs.currentIndex() == 1
    assert "'days' is required" in dialog.banner.text()
    dialog.json.setPlainText('{"rules": [{"kind": "industry", "industries": ["Energy"], "points": 33}]}')
    with qtbot.waitSignal(dialog.saved, timeout=5000):
        dialog.save()
    with store.reading() as s:
        assert json.loads(settings.get(s, scoring.SETTING))["rules"] == [
            {"kind": "industry", "industries": ["Energy"], "points": 33}
        ]


def test_the_rules_editor_adds_and_removes_rules(qtbot, store, seeded, runner):
    dialog = RulesDialog(store, runner)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.list.rowCount() > 5)
    count = dialog.list.rowCount()
    dialog.add_rule("no_contact")
    assert dialog.list.rowCount() == count + 1
    assert cell(dialog, count, 1) == "No recent contact"
    dialog.remove_rule()
    assert dialog.list.rowCount() == count
    dialog.reset()
    assert dialog.list.rowCount() == 12


def test_the_conversion_dialog_offers_the_matching_account(qtbot, store, seeded, runner):
    with store.transaction() as s:
        account = services.create(s, "accounts", {"name": "Contoso Logistics Inc"}).id
        lead = services.create(
            s,
            "leads",
            {"first_name": "Ida", "last_name": "Berg", "company": "Contoso Logistics", "status": "working"},
        ).id
        services.create(s, "activities", {"kind": "call", "subject": "Intro", "lead_id": lead})
    dialog = ConvertDialog(store, runner, lead)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.account is not None)
    assert dialog.account is not None
    chosen = dialog.account.chosen()
    assert chosen in {m for m in dialog.account.buttons if m not in ("new", "other")}
    labels = [label.text() for label in dialog.findChildren(QLabel)]
    assert "Same company name" in labels
    dialog.with_opportunity.setChecked(True)
    dialog.opp_amount.setText("lots")
    dialog.convert()
    assert "Amount:" in dialog.banner.text()  # checked before anything is sent
    dialog.opp_amount.setText("12,000")
    with qtbot.waitSignal(dialog.converted, timeout=5000) as signal:
        dialog.convert_button.click()
    result, sentence = signal.args
    assert result.account_id in (account, chosen)
    assert "the existing account" in sentence
    with store.engine.connect() as conn:
        status, linked = conn.execute(
            text("SELECT status, converted_account_id FROM leads WHERE id = :i"), {"i": lead}
        ).one()
        amount = conn.execute(
            text("SELECT amount_cents FROM opportunities WHERE id = :i"), {"i": result.opportunity_id}
        ).scalar()
    assert (status, linked, amount) == ("converted", result.account_id, 1_200_000)


def test_convert_from_the_lead_record_opens_the_account(qtbot, store, seeded, runner, monkeypatch):
    window = window_on(qtbot, store, runner, initial="leads")
    page = window.section("leads")
    qtbot.waitUntil(lambda: page.form.record_id is not None)
    lead = page.form.record_id
    action = next(a for a in page.record_actions if a.text() == "Convert…")
    action.trigger()
    qtbot.waitUntil(lambda: any(isinstance(w, ConvertDialog) and w.isVisible() for w in page.children()))
    dialog = next(w for w in page.children() if isinstance(w, ConvertDialog))
    qtbot.waitUntil(lambda: dialog.account is not None)
    accounts = window.section("accounts")
    with qtbot.waitSignal(accounts.form.loaded, timeout=5000):
        dialog.convert_button.click()
    assert window.current_kind() == "accounts"
    with store.engine.connect() as conn:
        account = conn.execute(
            text("SELECT converted_account_id FROM leads WHERE id = :i"), {"i": lead}
        ).scalar()
    assert accounts.form.record_id == account
    window.close()
