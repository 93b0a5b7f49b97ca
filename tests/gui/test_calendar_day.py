"""The Calendar page's Day view: a manager's day of several people has a column per person (the header names
each on their colour), each activity in its owner's column; one person's day is one wide column; dragging in
a person's column changes the time and never the owner (dropped on someone else's column too: the status
bar says it stays); the view chosen is remembered; Move to… offers times in 15-minute steps and rounds."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt, QTime
from PySide6.QtWidgets import QDateTimeEdit
from sqlalchemy import text

from sfa_desktop.core.calendar import layout
from sfa_desktop.core.calendar.people import PERSON_COLORS
from sfa_desktop.core.records import services
from sfa_desktop.store.database import LocalStore
from sfa_desktop.sync import state
from sfa_desktop.ui import calendar_menu
from sfa_desktop.ui.calendar_menu import MoveDialog
from sfa_desktop.ui.calendar_page import CalendarPage
from sfa_desktop.ui.calendar_view import GUTTER


def _local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), layout.local_zone())


def _row(store: LocalStore, activity_id: str) -> tuple[dt.datetime, str]:
    with store.engine.connect() as conn:
        due, owner = conn.execute(
            text("SELECT due_at, owner_id FROM activities WHERE id = :i"), {"i": activity_id}
        ).one()
    return dt.datetime.fromisoformat(str(due)).replace(tzinfo=dt.UTC), owner


@pytest.fixture
def team(store: LocalStore) -> dict[str, Any]:
    """mara manages East; rena and remy work in East under her.  On Monday: mara a meeting at 9, rena a
    visit at 10 and a call at 10:15 (overlapping: side by side in her column), remy a call at 10."""
    monday = layout.week_start(dt.date.today())
    ids: dict[str, Any] = {"monday": monday}
    with store.transaction() as s:
        east = services.create(s, "territories", {"code": "E", "name": "East"}).id
        ids["mara"] = services.create(
            s, "users", {"login": "mara", "full_name": "Mara Manager", "role": "manager"}
        ).id
        for login, name in (("rena", "Rena Rep"), ("remy", "Remy Rep")):
            ids[login] = services.create(
                s, "users", {"login": login, "full_name": name, "role": "rep", "manager_id": ids["mara"]}
            ).id
        for login in ("mara", "rena", "remy"):
            services.create(s, "territory_memberships", {"territory_id": east, "user_id": ids[login]})
        acme = services.create(s, "accounts", {"name": "Acme", "territory_id": east}).id
        for key, owner, kind, subject, hour, minute in (
            ("meeting", "mara", "meeting", "Team meeting", 9, 0),
            ("visit", "rena", "visit", "Visit Acme", 10, 0),
            ("call", "rena", "call", "Call Acme", 10, 15),
            ("remy_call", "remy", "call", "Remy's call", 10, 0),
        ):
            values = {
                "kind": kind,
                "subject": subject,
                "due_at": _local(monday, hour, minute),
                "owner_id": ids[owner],
                "account_id": acme,
            }
            ids[key] = services.create(s, "activities", values).id
    with store.engine.begin() as conn:
        state.save(conn, state.SyncState(client_id="c", url="sqlite:///c", login=None, user_id=ids["mara"]))
    return ids


def _page(qtbot: Any, store: LocalStore, runner: Any) -> CalendarPage:
    page = CalendarPage(store, runner)
    qtbot.addWidget(page)
    page.setFixedSize(1300, 800)
    with qtbot.waitSignal(page.settled, timeout=5000):
        page.show()
    return page


def _day_of(qtbot: Any, page: CalendarPage, day: dt.date) -> None:
    page.anchor = day
    with qtbot.waitSignal(page.settled, timeout=5000):
        page.mode_buttons["day"].click()


def test_a_teams_day_has_a_column_per_person_each_activity_in_its_owners(qtbot, store, runner, team) -> None:
    page = _page(qtbot, store, runner)
    _day_of(qtbot, page, team["monday"])
    grid = page.grid
    monday = team["monday"]
    assert grid.days == [monday]
    assert grid.lanes == [
        layout.Lane(monday, team["mara"]),
        layout.Lane(monday, team["remy"]),
        layout.Lane(monday, team["rena"]),
    ]  # fmt: skip  (the user first, then by name, as the person picker lists them)
    assert grid.by_person()
    # the header names each person on their colour (the colour of their blocks), with their count
    assert page.day_header.people == [
        ("Mara Manager (you)", PERSON_COLORS[0][1]),
        ("Remy Rep", PERSON_COLORS[1][1]),
        ("Rena Rep", PERSON_COLORS[2][1]),
    ]
    assert page.day_header.counts == [1, 1, 2]
    columns = {lane.owner_id: n for n, lane in enumerate(grid.lanes)}
    assert "3 people" in page.range_label.text()
    # side by side the columns fill the grid; Rena's day, two blocks abreast, gets the most room
    assert grid.lane_left(0) == GUTTER
    assert grid.lane_left(3) == pytest.approx(grid.width())
    assert grid.lane_width(columns[team["rena"]]) > grid.lane_width(columns[team["mara"]])
    assert page.day_header.shares == grid.shares  # the names sit over their columns
    for key, owner in (("meeting", "mara"), ("visit", "rena"), ("call", "rena"), ("remy_call", "remy")):
        block = grid.block_of(team[key])
        assert block is not None
        assert block.day == columns[team[owner]]  # in its owner's column
        rect = grid.block_rect(block)
        left = grid.lane_left(block.day)
        assert left <= rect.left()
        assert rect.right() <= left + grid.lane_width(block.day)
    # Rena's two overlap side by side in her column; Remy's call at 10:00 does not crowd them
    visit, call = grid.block_of(team["visit"]), grid.block_of(team["call"])
    remy = grid.block_of(team["remy_call"])
    assert visit is not None
    assert call is not None
    assert remy is not None
    assert (visit.columns, call.column, remy.columns) == (2, 1, 1)
    # the week again: a column per day, everyone's in it
    with qtbot.waitSignal(page.settled, timeout=5000):
        page.mode_buttons["week"].click()
    assert grid.lanes == layout.lanes_of(layout.days_from(monday, 7))
    assert not page.day_header.people


def test_one_persons_day_is_one_wide_column(qtbot, store, runner, team) -> None:
    page = _page(qtbot, store, runner)
    with qtbot.waitSignal(page.settled, timeout=5000):
        page.choose_people([team["rena"]])
    _day_of(qtbot, page, team["monday"])
    grid = page.grid
    assert grid.lanes == [layout.Lane(team["monday"])]
    assert not grid.by_person()
    assert page.day_header.people == []
    assert page.day_header.days == [team["monday"]]
    assert {b.event.activity_id for b in grid.blocks} == {team["visit"], team["call"]}
    assert grid.day_width() == pytest.approx(grid.width() - GUTTER)
    visit = grid.block_of(team["visit"])
    assert visit is not None
    assert grid.block_rect(visit).width() > (grid.width() - GUTTER) / 2 - 10  # half the wide column each
    assert "Drag to reschedule" in grid.tooltip_of(visit.event)


def test_a_drag_in_a_persons_column_changes_the_time_not_the_owner(qtbot, store, runner, team) -> None:
    page = _page(qtbot, store, runner)
    _day_of(qtbot, page, team["monday"])
    grid = page.grid
    block = grid.block_of(team["visit"])
    assert block is not None
    assert "it stays with Rena Rep" in grid.tooltip_of(block.event)
    assert "stays with its owner" in page.detail_meta.text()  # what the pane says before a choice
    column = block.day
    others = [n for n in range(len(grid.lanes)) if n != column]
    start = grid.block_rect(block).center().toPoint()
    # an hour and 5 minutes later, dropped on another person's column: 11:00, still Rena's
    over = grid.lane_left(others[0]) + grid.lane_width(others[0]) / 2
    target = QPoint(round(over), start.y() + round(grid.y_of(65)))
    told: list[str] = []
    page.reported.connect(told.append)
    qtbot.mousePress(grid, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(grid, start + QPoint(0, 10))
    qtbot.mouseMove(grid, target)
    assert grid._drag is not None
    assert grid._drag.day == column  # the ghost stays in her column
    with qtbot.waitSignal(page.settled, timeout=5000):
        qtbot.mouseRelease(grid, Qt.MouseButton.LeftButton, pos=target)
    assert _row(store, team["visit"]) == (_local(team["monday"], 11).astimezone(dt.UTC), team["rena"])
    assert any("stays with Rena Rep" in message for message in told)
    moved = grid.block_of(team["visit"])
    assert moved is not None
    assert (moved.day, moved.top) == (column, 11 * 60)
    # within her column: the time changes (snapped to 15 minutes)
    start = grid.block_rect(moved).center().toPoint()
    target = start + QPoint(0, -round(grid.y_of(52)))
    qtbot.mousePress(grid, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(grid, start + QPoint(0, -10))
    qtbot.mouseMove(grid, target)
    with qtbot.waitSignal(page.settled, timeout=5000):
        qtbot.mouseRelease(grid, Qt.MouseButton.LeftButton, pos=target)
    assert _row(store, team["visit"]) == (_local(team["monday"], 10, 15).astimezone(dt.UTC), team["rena"])


def test_the_view_chosen_is_remembered_and_the_keys_switch_it(qtbot, store, runner, team) -> None:
    page = _page(qtbot, store, runner)
    assert page.mode == "week"
    with qtbot.waitSignal(page.settled, timeout=5000):
        page.mode_buttons["day"].click()
    again = _page(qtbot, store, runner)
    assert again.mode == "day"
    assert again.mode_buttons["day"].isChecked()
    assert again.grid.days == [dt.date.today()]
    assert again.grid.by_person()  # the manager's team, a column each
    again.activateWindow()
    again.grid.setFocus()
    with qtbot.waitSignal(again.settled, timeout=5000):
        qtbot.keyClick(again.grid, Qt.Key.Key_W)
    assert again.mode == "week"
    assert len(again.grid.days) == 7
    with qtbot.waitSignal(again.settled, timeout=5000):
        qtbot.keyClick(again.grid, Qt.Key.Key_D)
    assert again.mode == "day"
    with qtbot.waitSignal(again.settled, timeout=5000):
        qtbot.keyClick(again.grid, Qt.Key.Key_PageDown)
    assert again.grid.days == [dt.date.today() + dt.timedelta(days=1)]  # the next day


def test_move_to_offers_quarter_hours_and_rounds(qtbot, store, runner, team, monkeypatch) -> None:
    dialog = MoveDialog("Visit Acme", dt.datetime(2026, 12, 7, 10, 7))
    qtbot.addWidget(dialog)
    assert dialog.time.time() == QTime(10, 0)  # 10:07 shows on the grid: 10:00
    dialog.time.setCurrentSection(QDateTimeEdit.Section.MinuteSection)
    dialog.time.stepBy(1)
    assert dialog.time.time() == QTime(10, 15)
    dialog.time.stepBy(-2)
    assert dialog.time.time() == QTime(9, 45)
    dialog.time.setTime(QTime(16, 20))  # typed: rounded to the nearest quarter
    assert dialog.chosen() == (dt.date(2026, 12, 7), 16 * 60 + 15)
    dialog.time.setTime(QTime(16, 23))
    assert dialog.chosen()[1] == 16 * 60 + 30
    dialog.time.setTime(QTime(23, 59))
    assert dialog.chosen()[1] == 23 * 60 + 45  # the latest a block starts
    dialog.time.setTime(QTime(8, 7))
    dialog.time.editingFinished.emit()
    assert dialog.time.time() == QTime(8, 0)
    # through the context menu: the time typed in the real dialog is rounded before the move
    page = _page(qtbot, store, runner)
    _day_of(qtbot, page, team["monday"])
    asked: list[MoveDialog] = []

    def answer(shown: MoveDialog) -> tuple[dt.date, int] | None:
        asked.append(shown)
        shown.time.setTime(QTime(14, 53))
        return shown.chosen()

    monkeypatch.setattr(calendar_menu, "ask_move", answer)
    with qtbot.waitSignal(page.settled, timeout=5000):
        page.move_to(team["call"])
    assert asked[0].time.minutes() == 15 * 60
    assert _row(store, team["call"]) == (_local(team["monday"], 15).astimezone(dt.UTC), team["rena"])
