"""Check in, check out and the visit report wherever a rep meets a visit (issue 16, item 4): the context menu
of a visit on an account's timeline (whose line then says it is checked in) and of the Today list, and the
Today page's buttons, all through ``ui.visit_actions``."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from PySide6.QtWidgets import QMenu

from sfa_desktop.core.records import services
from sfa_desktop.core.records.models import utcnow
from sfa_desktop.core.visits.location import FixedLocation
from sfa_desktop.core.visits.reports import Place
from sfa_desktop.ops import visits
from sfa_desktop.store.database import LocalStore
from sfa_desktop.ui import visit_actions
from sfa_desktop.ui.agenda_page import TodayPage
from sfa_desktop.ui.timeline import TimelineTab
from sfa_desktop.ui.visit_report import VisitReportDialog

#: dialogs and pages shown offscreen
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")
HERE = FixedLocation(Place(42.36, -71.06))


@pytest.fixture
def visit(store: LocalStore) -> dict[str, str]:
    with store.transaction() as s:
        account = services.create(s, "accounts", {"name": "Acme Tools"}).id
        activity = services.create(
            s,
            "activities",
            {
                "kind": "visit",
                "subject": "Visit Acme",
                "account_id": account,
                "due_at": utcnow() + dt.timedelta(hours=1),
            },
        ).id
        call = services.create(
            s, "activities", {"kind": "call", "subject": "Call Acme", "account_id": account}
        ).id
    return {"account": account, "visit": activity, "call": call}


def _actions(menu: QMenu) -> dict[str, Any]:
    return {a.text(): a for a in menu.actions() if a.text()}


@pytest.fixture
def reports(monkeypatch: pytest.MonkeyPatch) -> list[VisitReportDialog]:
    """The Visit report dialogs opened (answered: submitted with its first outcome)."""
    shown: list[VisitReportDialog] = []

    def fake(dialog: VisitReportDialog) -> bool:
        shown.append(dialog)
        dialog.inputs["met_customer"].setCurrentIndex(1)  # type: ignore[attr-defined]
        dialog.inputs["order_taken"].setCurrentIndex(2)  # type: ignore[attr-defined]
        return dialog.save(submit=True)

    monkeypatch.setattr(visit_actions, "open_report", fake)
    monkeypatch.setattr(visit_actions, "system_source", lambda: HERE)
    return shown


def _timeline(qtbot: Any, store: LocalStore, runner: Any, account: str) -> TimelineTab:
    tab = TimelineTab(store, runner, "accounts")
    qtbot.addWidget(tab)
    with qtbot.waitSignal(tab.loaded, timeout=5000):
        tab.show_record(account)
    return tab


def _item(tab: TimelineTab, record_id: str) -> Any:
    return next(i for i in tab.model.items if i.record_id == record_id)


def test_check_in_and_out_from_the_timeline_and_the_line_says_so(qtbot, store, runner, visit, reports):
    tab = _timeline(qtbot, store, runner, visit["account"])
    assert "Checked in" not in _item(tab, visit["visit"]).detail
    menu = tab.context_menu(_item(tab, visit["visit"]))
    assert menu is not None
    actions = _actions(menu)
    assert list(actions) == ["Check in", "Check out", "Visit report…", "New request from this activity…"]
    assert actions["Check in"].isEnabled()
    assert not actions["Check out"].isEnabled()
    with qtbot.waitSignal(tab.reported, timeout=5000) as said, qtbot.waitSignal(tab.loaded, timeout=5000):
        actions["Check in"].trigger()
    assert said.args == ["Checked in to Visit Acme."]
    view = visits.show(store, visit["visit"])
    assert view.checkin_at is not None
    assert view.checkin_place == Place(42.36, -71.06)
    line = _item(tab, visit["visit"]).detail
    assert line.startswith(f"Checked in {view.checkin_at.astimezone():%H:%M}")

    again = _actions(tab.context_menu(_item(tab, visit["visit"])))  # type: ignore[arg-type]
    assert not again["Check in"].isEnabled()
    assert again["Check out"].isEnabled()
    with qtbot.waitSignal(tab.loaded, timeout=5000):
        again["Check out"].trigger()
    assert " · out " in _item(tab, visit["visit"]).detail
    # a call has no visit actions
    other = tab.context_menu(_item(tab, visit["call"]))
    assert other is not None
    assert list(_actions(other)) == ["New request from this activity…"]


def test_the_visit_report_opens_from_the_timeline(qtbot, store, runner, visit, reports):
    tab = _timeline(qtbot, store, runner, visit["account"])
    actions = _actions(tab.context_menu(_item(tab, visit["visit"])))  # type: ignore[arg-type]
    with qtbot.waitSignal(tab.reported, timeout=5000) as said, qtbot.waitSignal(tab.loaded, timeout=5000):
        actions["Visit report…"].trigger()
    (dialog,) = reports
    assert dialog.activity_id == visit["visit"]
    assert dialog.outcome.count() > 0  # the activity's outcomes, as the agenda offers them
    assert said.args == ["Visit report submitted; Visit Acme logged."]
    view = visits.show(store, visit["visit"])
    assert view.submitted_at is not None
    assert view.done_at is not None
    item = _item(tab, visit["visit"])
    assert "report submitted" in item.detail
    assert not item.planned


def test_the_today_list_offers_the_visit_actions(qtbot, store, runner, visit, reports):
    page = TodayPage(store, runner)
    page.visit_bar.location = HERE
    qtbot.addWidget(page)
    with qtbot.waitSignal(page.refreshed, timeout=5000):
        page.show()
    row = page.model.row_of(visit["visit"])
    assert row is not None
    menu = page.context_menu(row)
    assert menu is not None
    actions = _actions(menu)
    assert list(actions) == ["Check in", "Check out", "Visit report…", "Log outcome…", "Open record"]
    with qtbot.waitSignal(page.refreshed, timeout=5000), qtbot.waitSignal(page.reported) as said:
        actions["Check in"].trigger()
    assert said.args == ["Checked in to Visit Acme."]
    assert visits.show(store, visit["visit"]).checkin_place == Place(42.36, -71.06)
    # the buttons beside the list say the same, and the report opens from them too
    assert page.current_detail().activity_id == visit["visit"]  # type: ignore[union-attr]
    assert page.visit_bar.isVisibleTo(page)
    assert page.visit_bar.state.text().startswith("Checked in ")
    assert not page.visit_bar.checkin_button.isEnabled()
    assert page.visit_bar.checkout_button.isEnabled()
    again = _actions(page.context_menu(page.model.row_of(visit["visit"])))  # type: ignore[arg-type]
    assert not again["Check in"].isEnabled()
    with qtbot.waitSignal(page.refreshed, timeout=5000):
        page.visit_bar.report_button.click()
    assert reports[0].activity_id == visit["visit"]
    assert visits.show(store, visit["visit"]).submitted_at is not None


def test_a_problem_is_shown_and_nothing_changes(qtbot, store, runner, visit, monkeypatch):
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(visit_actions, "show_problem", lambda _p, title, exc: shown.append((title, str(exc))))
    parent = TimelineTab(store, runner, "accounts")
    qtbot.addWidget(parent)
    assert visit_actions.check_out(parent, store, visit["visit"], HERE) is None
    assert shown == [("Not checked out", "Check in to 'Visit Acme' before checking out.")]
    assert visit_actions.check_in(parent, store, visit["call"], HERE) is None
    assert "not a visit" in shown[-1][1]
    assert visit_actions.add_visit_actions(QMenu(), parent, store, visit["call"]) == []
    assert visits.show(store, visit["visit"]).checkin_at is None
