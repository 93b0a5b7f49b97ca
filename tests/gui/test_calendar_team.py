"""The Calendar page for a manager and its follow-ups (issue 16): the person picker shows a rep's week, or
several people's coloured by person with a legend; an activity the user may not write does not drag (its
tooltip says why) and its menu cannot move it; the working band, lunch and the days off come from the
planner's settings and follow a change of them without a restart; the event's context menu opens it on its
account's timeline, checks in to a visit, moves it (Move to…) and marks it done."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor, QContextMenuEvent, QImage
from PySide6.QtWidgets import QMenu
from sqlalchemy import text

from sfa_desktop.core.calendar import layout
from sfa_desktop.core.calendar.people import PERSON_COLORS
from sfa_desktop.core.records import services
from sfa_desktop.core.visits.location import NoLocation
from sfa_desktop.ops import settings as settings_ops
from sfa_desktop.ops import visits as visit_ops
from sfa_desktop.store.database import LocalStore
from sfa_desktop.sync import state
from sfa_desktop.ui import calendar_menu
from sfa_desktop.ui.calendar_page import CalendarPage
from sfa_desktop.ui.calendar_view import GUTTER


def _local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), layout.local_zone())


def _sign_in(store: LocalStore, user_id: str) -> None:
    with store.engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM sync_state")
        state.save(conn, state.SyncState(client_id="c", url="sqlite:///c", login=None, user_id=user_id))


def _due(store: LocalStore, activity_id: str) -> dt.datetime:
    with store.engine.connect() as conn:
        value = conn.execute(text("SELECT due_at FROM activities WHERE id = :i"), {"i": activity_id}).scalar()
    return dt.datetime.fromisoformat(str(value)).replace(tzinfo=dt.UTC)


@pytest.fixture
def team(store: LocalStore) -> dict[str, Any]:
    """East > North-east; West apart.  mara manages East; rena (North-east) and wes (West) report to her;
    zed (West) reports to nobody.  Each has an activity this week; wes's lies in West, which mara does not
    see: she may show his week but not move it."""
    monday = layout.week_start(dt.date.today())
    ids: dict[str, Any] = {"monday": monday}
    with store.transaction() as s:
        ids["E"] = services.create(s, "territories", {"code": "E", "name": "East"}).id
        ids["NE"] = services.create(s, "territories", {"code": "NE", "name": "NE", "parent_id": ids["E"]}).id
        ids["W"] = services.create(s, "territories", {"code": "W", "name": "West"}).id
        ids["mara"] = services.create(
            s, "users", {"login": "mara", "full_name": "Mara Manager", "role": "manager"}
        ).id
        for login, name, home, boss in (
            ("rena", "Rena Rep", "NE", ids["mara"]),
            ("wes", "Wes West", "W", ids["mara"]),
            ("zed", "Zed Other", "W", None),
        ):
            ids[login] = services.create(
                s, "users", {"login": login, "full_name": name, "role": "rep", "manager_id": boss}
            ).id
            services.create(s, "territory_memberships", {"territory_id": ids[home], "user_id": ids[login]})
        services.create(s, "territory_memberships", {"territory_id": ids["E"], "user_id": ids["mara"]})
        for key, name, territory in (("acme", "Acme", "NE"), ("westco", "West Co", "W")):
            ids[key] = services.create(s, "accounts", {"name": name, "territory_id": ids[territory]}).id
        for key, owner, account, kind, subject, day, hour in (
            ("own", "mara", None, "meeting", "Team meeting", 0, 9),
            ("rena_visit", "rena", "acme", "visit", "Visit Acme", 0, 10),
            ("wes_call", "wes", "westco", "visit", "Visit in the west", 1, 11),
            ("zed_call", "zed", "westco", "call", "Zed's call", 1, 14),
        ):
            values = {
                "kind": kind,
                "subject": subject,
                "due_at": _local(monday + dt.timedelta(days=day), hour),
                "owner_id": ids[owner],
                "account_id": ids[account] if account else None,
            }
            ids[key] = services.create(s, "activities", values).id
    _sign_in(store, ids["mara"])
    return ids


def _page(qtbot: Any, store: LocalStore, runner: Any) -> CalendarPage:
    page = CalendarPage(store, runner)
    qtbot.addWidget(page)
    page.setFixedSize(1300, 800)
    with qtbot.waitSignal(page.settled, timeout=5000):
        page.show()
    return page


def _shown(page: CalendarPage) -> set[str]:
    return {b.event.activity_id for b in page.grid.blocks}


def test_the_person_picker_shows_a_reps_week_then_everyones_by_colour(qtbot, store, runner, team) -> None:
    page = _page(qtbot, store, runner)
    assert [p.name for p in page.people] == ["Mara Manager", "Rena Rep", "Wes West"]  # not Zed
    assert page.people_button.isVisible()
    # a manager's calendar opens on the team's week (her own is often empty)
    assert _shown(page) == {team["own"], team["rena_visit"], team["wes_call"]}
    assert page.people_button.text() == "Calendar of: Everyone"
    mine = next(a for a in page.people_menu.actions() if a.text() == "Mara Manager (you)")
    with qtbot.waitSignal(page.settled, timeout=5000):
        page.choose_people([str(mine.data())])
    assert _shown(page) == {team["own"]}
    assert page.people_button.text() == "Calendar of: Me"
    with qtbot.waitSignal(page.settled, timeout=5000):
        page.choose_people([team["rena"]])
    assert _shown(page) == {team["rena_visit"]}
    assert page.people_button.text() == "Calendar of: Rena Rep"
    assert page.grid.person_colors == {}  # one person: coloured by kind
    everyone = next(a for a in page.people_menu.actions() if a.text() == "Everyone")
    with qtbot.waitSignal(page.settled, timeout=5000):
        everyone.trigger()
    assert _shown(page) == {team["own"], team["rena_visit"], team["wes_call"]}
    assert page.people_button.text() == "Calendar of: Everyone"
    visit = page.grid.block_of(team["rena_visit"])
    assert visit is not None
    assert page.grid.colors_of(visit.event) == PERSON_COLORS[1]  # Rena is second in the list
    legend = page.legend.text()
    assert "Rena Rep" in legend
    assert "Wes West" in legend
    assert "Visit" not in legend
    page.grid.select(team["rena_visit"])
    assert "Rena Rep" in page.detail_meta.text()  # whose it is


def test_an_activity_the_manager_may_not_write_does_not_drag(qtbot, store, runner, team) -> None:
    page = _page(qtbot, store, runner)
    with qtbot.waitSignal(page.settled, timeout=5000):
        page.choose_people([team["rena"], team["wes"]])
    grid = page.grid
    assert set(grid.locked) == {team["wes_call"]}
    block = grid.block_of(team["wes_call"])
    assert block is not None
    assert "not move it" in grid.tooltip_of(block.event)
    assert "territory that is not yours" in grid.tooltip_of(block.event)
    before = _due(store, team["wes_call"])
    start = grid.block_rect(block).center().toPoint()
    qtbot.mousePress(grid, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(grid, start + QPoint(0, 10))
    qtbot.mouseMove(grid, start + QPoint(0, 120))
    qtbot.mouseRelease(grid, Qt.MouseButton.LeftButton, pos=start + QPoint(0, 120))
    qtbot.wait(100)
    assert _due(store, team["wes_call"]) == before
    qtbot.keyClick(grid, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)  # nor by keyboard
    qtbot.wait(100)
    assert _due(store, team["wes_call"]) == before
    menu = page.event_menu(team["wes_call"])
    assert menu is not None
    actions = {a.text(): a for a in menu.actions() if a.text()}
    assert not actions["Move to…"].isEnabled()
    assert not actions["Mark done"].isEnabled()
    assert "Check in" not in actions  # his visit: not hers to check in to
    assert page.visit_bar.isHidden()
    # Rena's visit, in a territory Mara sees, moves
    visit = grid.block_of(team["rena_visit"])
    assert visit is not None
    assert "Drag to reschedule" in grid.tooltip_of(visit.event)
    start = grid.block_rect(visit).center().toPoint()
    target = start + QPoint(0, round(grid.y_of(60)))
    qtbot.mousePress(grid, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(grid, start + QPoint(0, 10))
    qtbot.mouseMove(grid, target)
    with qtbot.waitSignal(page.settled, timeout=5000):
        qtbot.mouseRelease(grid, Qt.MouseButton.LeftButton, pos=target)
    assert _due(store, team["rena_visit"]) == _local(team["monday"], 11).astimezone(dt.UTC)


def _pixel(page: CalendarPage, day: int, minutes: int) -> QColor:
    grid = page.grid
    image = QImage(grid.size(), QImage.Format.Format_ARGB32)
    grid.render(image)
    x = round(GUTTER + (day + 0.5) * grid.day_width())
    return image.pixelColor(x, round(grid.y_of(minutes)) + 2)


def test_the_working_band_follows_the_planners_settings(qtbot, store, runner) -> None:
    settings_ops.put(
        store,
        {"plan_day_start": "07:00", "plan_day_end": "15:00", "plan_working_days": "Mon-Sat",
         "plan_lunch": "11:30-12:15"},
    )  # fmt: skip
    page = _page(qtbot, store, runner)
    hours = page.grid.hours
    assert (hours.day_start, hours.day_end, hours.working_days, hours.lunch) == (
        7 * 60, 15 * 60, (1, 2, 3, 4, 5, 6), (11 * 60 + 30, 12 * 60 + 15)
    )  # fmt: skip
    white, off = QColor("#ffffff"), QColor("#f3f4f7")
    wednesday, saturday, sunday = 2, 5, 6
    if page.grid.days[wednesday] == dt.date.today():  # today's band is tinted blue
        wednesday = 1
    assert _pixel(page, wednesday, 7 * 60 + 10) == white  # the day starts at 7:00
    assert _pixel(page, wednesday, 6 * 60 + 30) == off
    assert _pixel(page, wednesday, 15 * 60 + 10) == off  # and ends at 15:00
    assert _pixel(page, wednesday, 11 * 60 + 45) == QColor("#f6f2e8")  # lunch
    assert _pixel(page, saturday, 9 * 60) in (white, QColor("#f5f9ff"))  # Saturday is a working day
    assert _pixel(page, sunday, 9 * 60) != white  # Sunday is not
    assert page.grid.ensure_visible_minutes() == 6 * 60 + 30
    # a change of the settings (here by a job, as Settings or another page would) shows without a restart
    with qtbot.waitSignal(page.settled, timeout=5000):
        runner.submit(settings_ops.put, store, {"plan_day_start": "09:00", "plan_working_days": "Mon-Fri"})
    assert page.grid.hours.day_start == 9 * 60
    assert page.grid.hours.working_days == (1, 2, 3, 4, 5)
    assert _pixel(page, wednesday, 8 * 60 + 30) == off
    assert _pixel(page, saturday, 10 * 60) != white


def test_the_context_menu_opens_checks_in_moves_and_marks_done(qtbot, store, runner, monkeypatch) -> None:
    monday = layout.week_start(dt.date.today())
    with store.transaction() as s:
        acme = services.create(s, "accounts", {"name": "Acme"}).id
        visit = services.create(
            s,
            "activities",
            {"kind": "visit", "subject": "Site visit", "due_at": _local(monday, 10), "account_id": acme},
        ).id
        call = services.create(
            s, "activities", {"kind": "call", "subject": "A call", "due_at": _local(monday, 15)}
        ).id
    page = _page(qtbot, store, runner)
    page.visit_bar.location = NoLocation()
    shown: list[QMenu] = []
    monkeypatch.setattr(calendar_menu, "exec_menu", lambda menu, _where: shown.append(menu))
    # a right-click on the block asks for its menu
    grid = page.grid
    block = grid.block_of(visit)
    assert block is not None
    point = grid.block_rect(block).center().toPoint()
    grid.contextMenuEvent(QContextMenuEvent(QContextMenuEvent.Reason.Mouse, point, grid.mapToGlobal(point)))
    assert len(shown) == 1
    texts = [a.text() for a in shown[0].actions() if not a.isSeparator()]
    assert texts == [
        "Open on the account\u2019s timeline", "Log outcome…", "Check in", "Check out", "Visit report…",
        "Move to…", "Mark done",
    ]  # fmt: skip
    menu = page.event_menu(visit)
    assert menu is not None
    actions = {a.text(): a for a in menu.actions()}
    assert actions["Check in"].isEnabled()
    assert not actions["Check out"].isEnabled()
    opened: list[tuple[str, str]] = []
    page.activityRequested.connect(lambda account, activity: opened.append((account, activity)))
    actions["Open on the account\u2019s timeline"].trigger()
    assert opened == [(acme, visit)]
    actions["Check in"].trigger()
    assert visit_ops.show(store, visit).checkin_at is not None
    menu = page.event_menu(visit)
    assert menu is not None
    actions = {a.text(): a for a in menu.actions()}
    assert not actions["Check in"].isEnabled()
    assert actions["Check out"].isEnabled()
    # Move to… asks a day and time and moves it as a drag does
    monkeypatch.setattr(
        calendar_menu, "ask_move", lambda _dialog: (monday + dt.timedelta(days=3), 16 * 60 + 20)
    )
    with qtbot.waitSignal(page.settled, timeout=5000):
        actions["Move to…"].trigger()
    assert _due(store, visit) == _local(monday + dt.timedelta(days=3), 16, 20).astimezone(dt.UTC)
    # Mark done, on the call (no visit actions there)
    menu = page.event_menu(call)
    assert menu is not None
    actions = {a.text(): a for a in menu.actions()}
    assert "Check in" not in actions
    with qtbot.waitSignal(page.settled, timeout=5000):
        actions["Mark done"].trigger()
    done = page.grid.block_of(call)
    assert done is not None
    assert done.event.done
    assert done.event.outcome == "completed"
    menu = page.event_menu(call)
    assert menu is not None
    actions = {a.text(): a for a in menu.actions()}
    assert not actions["Mark done"].isEnabled()
    assert not actions["Move to…"].isEnabled()
