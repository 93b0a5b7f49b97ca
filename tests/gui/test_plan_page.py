"""The Week plan page (offscreen): it proposes a plan, shows each day's route, takes a visit out and puts a
due account in (planning again), and accepting writes the visits into the agenda; the Service levels page
saves a territory's level and inherits again; the account's Visits tab and the Today block."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QDate
from sqlalchemy import text

from sfa_desktop.core.records import services
from sfa_desktop.store.database import LocalStore
from sfa_desktop.ui.plan_page import WeekPlanPage
from sfa_desktop.ui.service_levels_page import ServiceLevelsPage
from sfa_desktop.ui.visits_block import VisitsBlock
from sfa_desktop.ui.visits_tab import VisitsTab


def _seed(store: LocalStore, accounts: int = 14) -> dict[str, str]:
    ids: dict[str, str] = {}
    with store.transaction() as s:
        ids["ne"] = services.create(s, "territories", {"code": "NE", "name": "New England"}).id
        ids["rep"] = services.create(
            s, "users", {"login": "ann", "full_name": "Ann", "home_latitude": 42.35, "home_longitude": -71.06}
        ).id
        for n in range(accounts):
            values = {
                "name": f"Shop {n:02d}",
                "latitude": 42.25 + (n % 5) * 0.05,
                "longitude": -71.3 + (n // 5) * 0.12,
                "territory_id": ids["ne"],
                "owner_id": ids["rep"],
                "segment": "ABC"[n % 3],
            }
            ids[f"a{n}"] = services.create(s, "accounts", values).id
    return ids


def _monday() -> QDate:
    day = dt.date.today() + dt.timedelta(days=7 - dt.date.today().weekday())
    return QDate(day.year, day.month, day.day)


def test_propose_edit_and_accept(qtbot: Any, store: LocalStore, runner: Any) -> None:
    ids = _seed(store, 60)  # more than a week holds: some stay out
    page = WeekPlanPage(store, runner)
    qtbot.addWidget(page)
    page.setMinimumSize(1280, 720)  # fixed: the offscreen platform warns about size hints
    page.start.setDate(_monday())
    with qtbot.waitSignal(page.planned, timeout=60_000):
        page.propose(fresh=True)
    page.show()
    assert page.current is not None
    plan = page.current.plan
    assert page.tree.topLevelItemCount() == len(plan.days) == 5
    assert plan.visits
    assert plan.left_out
    assert page.sketch.points  # the first day's route is drawn
    assert page.accept_button.isEnabled()
    # take the first visit out
    top = page.tree.topLevelItem(0)
    assert top is not None
    first = top.child(0)
    assert first is not None
    taken = first.data(0, 0x0101)
    page.tree.setCurrentItem(first)
    assert page.remove_button.isEnabled()
    with qtbot.waitSignal(page.planned, timeout=60_000):
        page.remove_current()
    assert taken not in {s.key for s in page.current.plan.visits}
    # put a left-out account in
    wanted = page.add_box.itemData(0)
    with qtbot.waitSignal(page.planned, timeout=60_000):
        page.add_chosen()
    assert wanted in {s.key for s in page.current.plan.visits}
    count = len(page.current.plan.visits)
    with qtbot.waitSignal(page.accepted, timeout=20_000) as accepted:
        page.accept()
    assert accepted.args == [count]
    with store.reading() as s:
        made = s.execute(
            text("SELECT count(*) FROM activities WHERE kind = 'visit' AND done_at IS NULL")
        ).scalar()
    assert made == count
    assert ids["ne"]


def test_service_levels_page_saves_and_inherits(qtbot: Any, store: LocalStore, runner: Any) -> None:
    ids = _seed(store, 3)
    page = ServiceLevelsPage(store, runner)
    qtbot.addWidget(page)
    page.setMinimumSize(1280, 720)  # fixed: the offscreen platform warns about size hints
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        page.page_shown()
    assert page.territory.count() == 2  # the company, New England
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        page.territory.setCurrentIndex(1)
    low = page.editors["A"][0]
    assert low.value() == 14
    assert page.editors["A"][5].text() == "inherited: default"
    low.setValue(9)
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        page.save()
    assert page.editors["A"][5].text() == "here"
    assert page.editors["B"][5].text() == "inherited: default"  # only what changed is set here
    with store.reading() as s:
        rows = s.execute(text("SELECT territory_id, segment, visit_min_days FROM service_levels")).all()
    assert [tuple(r) for r in rows] == [(ids["ne"], "A", 9)]
    assert page.inherit_button.isEnabled()
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        page.inherit()
    assert page.editors["A"][0].value() == 14


def test_visits_tab_and_today_block(qtbot: Any, store: LocalStore, runner: Any) -> None:
    ids = _seed(store, 3)
    with store.transaction() as s:
        done = dt.datetime.now(dt.UTC) - dt.timedelta(days=40)
        services.create(
            s, "activities", {"kind": "visit", "subject": "v", "account_id": ids["a0"], "done_at": done}
        )
    tab = VisitsTab(store, runner, "accounts")
    qtbot.addWidget(tab)
    tab.show_record(ids["a0"])  # segment A: 14 to 21 days, visited 40 days ago
    qtbot.waitUntil(lambda: tab.state.text() == "Overdue for a visit", timeout=10_000)
    assert tab.values["frequency"].text() == "14 to 21 days"
    assert tab.values["hours"].text() == "the working day"
    block = VisitsBlock(store, runner)
    qtbot.addWidget(block)
    block.refresh()
    qtbot.waitUntil(lambda: block.overdue.text() == "1 overdue", timeout=10_000)
    assert block.due.text() == "2 due this week"  # never visited: due
    with qtbot.waitSignal(block.listRequested) as requested:
        block.overdue.click()
    assert requested.args[0][0].to_json() == {"column": "visit", "op": "is", "value": ["overdue"]}


def test_a_manager_reads_the_company_levels_and_sets_their_territorys(
    qtbot: Any, store: LocalStore, runner: Any
) -> None:
    from sfa_desktop.sync import state

    ids = _seed(store, 3)
    with store.transaction() as s:
        mgr = services.create(s, "users", {"login": "mara", "full_name": "Mara", "role": "manager"}).id
        services.create(s, "territory_memberships", {"territory_id": ids["ne"], "user_id": mgr})
    with store.engine.begin() as conn:
        state.save(conn, state.SyncState(client_id="c", url="sqlite:///c", login="mara", user_id=mgr))
    page = ServiceLevelsPage(store, runner)
    qtbot.addWidget(page)
    page.setMinimumSize(1280, 720)
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        page.page_shown()
    assert page.territory_id() is None  # the company's default
    assert not page.editors["A"][0].isEnabled()
    assert not page.save_button.isEnabled()
    assert page.note.text().startswith("Only administrators change the company's default service levels")
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        page.territory.setCurrentIndex(1)
    assert page.editors["A"][0].isEnabled()
    assert page.note.text().startswith("Territories below this one inherit")
