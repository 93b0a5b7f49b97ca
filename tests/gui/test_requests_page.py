"""The Requests page in real widgets (issue 15): the list filters as you type, the detail shows the thread,
the actions follow the permission rules, "New request…" says what is missing, and the page is in the
window's navigation with "New request…" on accounts and on activities of the timeline."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from PySide6.QtCore import Qt

from sfa_desktop.core.records import services
from sfa_desktop.core.records.models import ServiceRequest
from sfa_desktop.core.requests import listing
from sfa_desktop.ops import requests as ops
from sfa_desktop.store.database import LocalStore
from sfa_desktop.sync import state
from sfa_desktop.ui import extensions
from sfa_desktop.ui.request_dialog import NewRequestDialog
from sfa_desktop.ui.requests_model import RequestsModel
from sfa_desktop.ui.requests_page import RequestsPage


@pytest.fixture
def company(store: LocalStore) -> tuple[LocalStore, dict[str, Any]]:
    ids: dict[str, Any] = {}
    with store.transaction() as s:
        ids["E"] = services.create(s, "territories", {"code": "E", "name": "East"}).id
        ids["NE"] = services.create(s, "territories", {"code": "NE", "name": "NE", "parent_id": ids["E"]}).id
        for login, role, home in (("mara", "manager", "E"), ("rena", "rep", "NE")):
            ids[login] = services.create(
                s, "users", {"login": login, "full_name": login.title(), "role": role}
            ).id
            services.create(s, "territory_memberships", {"territory_id": ids[home], "user_id": ids[login]})
        for key, name in (("acme", "Acme Foods"), ("bolt", "Bolt Hardware")):  # segment B: answered in 8 h
            ids[key] = services.create(
                s, "accounts", {"name": name, "territory_id": ids["NE"], "segment": "B"}
            ).id
    sign_in(store, ids["rena"])
    for account, category, subject in (
        ("acme", "delivery", "Pallets crushed on delivery"),
        ("acme", "billing", "Invoice charged twice"),
        ("bolt", "quality", "Labels peel off"),
    ):
        ids[subject] = ops.raise_request(
            store, account=ids[account], category=category, severity="high", subject=subject
        )
    with store.transaction() as s:  # the oldest one waits for an answer past its 8 hours
        found = s.get(ServiceRequest, ids["Labels peel off"])
        assert found is not None
        found.created_at = dt.datetime.now(dt.UTC) - dt.timedelta(hours=20)
    return store, ids


def sign_in(store: LocalStore, user_id: str) -> None:
    with store.engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM sync_state")
        state.save(conn, state.SyncState(client_id="c", url="sqlite:///c", login=None, user_id=user_id))


def subjects(page: RequestsPage) -> list[str]:
    return [r.subject for r in page.model.rows]


def test_the_model_passes_the_model_tester(
    qtmodeltester: Any, company: tuple[LocalStore, dict[str, Any]]
) -> None:
    store, _ids = company
    model = RequestsModel()
    model.set_rows(ops.list_requests(store, listing.Filters()))
    qtmodeltester.check(model)
    assert model.rowCount() == 3
    assert model.index(0, 2).data() == "Invoice charged twice"
    assert model.index(2, 7).data().startswith("answer ")  # 20 h without an answer: 12 h late
    assert model.index(2, 7).data() == "answer 12 h late"


def test_the_list_filters_as_you_type(qtbot: Any, company: tuple[LocalStore, dict[str, Any]]) -> None:
    store, _ids = company
    page = RequestsPage(store)
    qtbot.addWidget(page)
    page.setMinimumSize(1300, 800)  # fixed: the offscreen platform warns about size hints otherwise
    page.show()
    assert subjects(page) == ["Invoice charged twice", "Pallets crushed on delivery", "Labels peel off"]
    assert page.count_label.text() == "3 requests · 1 overdue"
    qtbot.keyClicks(page.search, "acme")
    qtbot.waitUntil(lambda: subjects(page) == ["Invoice charged twice", "Pallets crushed on delivery"])
    qtbot.keyClicks(page.search, " inv")
    qtbot.waitUntil(lambda: subjects(page) == ["Invoice charged twice"])
    page.search.clear()
    qtbot.waitUntil(lambda: len(subjects(page)) == 3)
    page.category.setCurrentIndex(page.category.findData("quality"))
    assert subjects(page) == ["Labels peel off"]
    page.category.setCurrentIndex(0)
    page.overdue.setChecked(True)
    assert subjects(page) == ["Labels peel off"]
    page.overdue.setChecked(False)
    page.whose.setCurrentIndex(page.whose.findData(listing.ASSIGNED))
    assert subjects(page) == []
    assert page.empty.isVisible()
    assert page.empty.text() == "No request matches these filters."


def test_a_rep_comments_and_a_manager_works_the_request(
    qtbot: Any, company: tuple[LocalStore, dict[str, Any]]
) -> None:
    store, ids = company
    page = RequestsPage(store)
    qtbot.addWidget(page)
    page.setMinimumSize(1300, 800)  # fixed: the offscreen platform warns about size hints otherwise
    page.show()
    page.table.selectRow(page.model.row_of(ids["Invoice charged twice"]))
    detail = page.detail
    assert detail.title.text() == "Invoice charged twice"
    assert not detail.action_box.isVisible()  # a rep neither assigns nor resolves
    qtbot.keyClicks(detail.comment_box, "The customer sent the two invoices.")
    qtbot.mouseClick(detail.comment_button, Qt.MouseButton.LeftButton)
    assert "The customer sent the two invoices." in detail.body.toPlainText()
    assert detail.message.text() == "Comment added; it syncs with the request."
    qtbot.mouseClick(detail.comment_button, Qt.MouseButton.LeftButton)  # nothing typed
    assert "write something" in detail.message.text()

    sign_in(store, ids["mara"])
    page.refresh()
    detail.show_request(ids["Invoice charged twice"])
    assert detail.action_box.isVisible()
    assert detail.resolve_button.isVisible()
    detail.assignee.setCurrentIndex(detail.assignee.findData(ids["rena"]))
    qtbot.mouseClick(detail.assign_button, Qt.MouseButton.LeftButton)
    assert detail.message.text() == "Assigned to Rena."
    row = page.model.rows[page.model.row_of(ids["Invoice charged twice"])]
    assert (row.status, row.assigned_to) == ("in progress", "Rena")
    qtbot.keyClicks(detail.note, "Corrected invoice sent")
    qtbot.mouseClick(detail.resolve_button, Qt.MouseButton.LeftButton)
    assert subjects(page) == ["Pallets crushed on delivery", "Labels peel off"]  # no longer open
    page.status.setCurrentIndex(page.status.findData("resolved"))
    assert subjects(page) == ["Invoice charged twice"]
    assert "Corrected invoice sent" in detail.body.toPlainText()


def test_new_request_says_what_is_missing(qtbot: Any, company: tuple[LocalStore, dict[str, Any]]) -> None:
    store, ids = company
    dialog = NewRequestDialog(store, account_id=ids["bolt"])
    qtbot.addWidget(dialog)
    dialog.setMinimumSize(640, 520)
    dialog.show()
    dialog.save()
    assert dialog.isVisible()
    assert dialog.error.text().splitlines() == [
        "Category: choose what it is about (delivery, billing, quality, service, price, other).",
        "Subject: say in a few words what the customer asks or complains about.",
    ]
    dialog.category.setCurrentIndex(dialog.category.findData("service"))
    qtbot.keyClicks(dialog.subject, "Technician visit not confirmed")
    dialog.links.setText("www.example.com")
    dialog.save()
    assert dialog.error.text() == (
        "Links: 'www.example.com' is not a link: give a web address (https://...) or a knowledge-base "
        "article as kb:<article id>."
    )
    dialog.links.setText("https://example.com/service-levels")
    with qtbot.waitSignal(dialog.raised) as raised:
        dialog.save()
    shown = ops.detail(store, raised.args[0])
    assert (shown.row.account, shown.row.category, shown.links) == (
        "Bolt Hardware",
        "service",
        ["https://example.com/service-levels"],
    )


@pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")  # the dialog opened offscreen
def test_the_page_and_the_actions_are_in_the_window(
    qtbot: Any, runner: Any, company: tuple[LocalStore, dict[str, Any]]
) -> None:
    from sfa_desktop.ui.mainwindow import MainWindow, navigation

    store, ids = company
    assert "requests" in [key for key, *_ in navigation()]
    assert any(a.text == "New request…" and a.kinds == ("accounts",) for a in extensions.RECORD_ACTIONS)
    window = MainWindow(store, runner, initial="contacts")
    qtbot.addWidget(window)
    page = window.show_page("requests")
    assert isinstance(page, RequestsPage)
    assert len(page.model.rows) == 3
    # from a visit on the timeline
    with store.transaction() as s:
        visit = services.create(
            s, "activities", {"kind": "visit", "subject": "Site visit", "account_id": ids["acme"]}
        ).id
    from sfa_desktop.ui.timeline import TimelineTab

    tab = TimelineTab(store, runner, "accounts")
    qtbot.addWidget(tab)
    dialog = tab.raise_request_from(visit)
    assert isinstance(dialog, NewRequestDialog)
    assert dialog.activity_id == visit
    assert dialog.account.currentData() == ids["acme"]
    dialog.close()
