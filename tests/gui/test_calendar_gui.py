"""The Calendar page (issue 16, item 2): the week's activities as blocks, done ones greyed, dragging a block
to another day and time reschedules it (snapped to 15 minutes, undoable), Alt+arrows do it from the
keyboard, a done activity does not move, and the week navigation."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QPoint, Qt
from sqlalchemy import text

from sfa_desktop.core.calendar import layout
from sfa_desktop.core.records import services
from sfa_desktop.ops import undo as undo_ops
from sfa_desktop.store.database import LocalStore
from sfa_desktop.ui.calendar_page import CalendarPage
from sfa_desktop.ui.calendar_view import DONE_COLORS, kind_colors


def _local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), layout.local_zone())


def _plan(store: LocalStore) -> dict[str, Any]:
    monday = layout.week_start(dt.date.today())
    ids: dict[str, Any] = {"monday": monday}
    with store.transaction() as s:
        acme = services.create(s, "accounts", {"name": "Acme"}).id
        ids["visit"] = services.create(
            s,
            "activities",
            {"kind": "visit", "subject": "Site visit", "due_at": _local(monday, 10), "account_id": acme},
        ).id
        ids["other"] = services.create(
            s, "activities", {"kind": "call", "subject": "Side call", "due_at": _local(monday, 10, 15)}
        ).id
        ids["done"] = services.create(
            s,
            "activities",
            {"kind": "call", "subject": "Done call", "due_at": _local(monday + dt.timedelta(days=2), 14),
             "done_at": _local(monday + dt.timedelta(days=2), 14, 20), "duration_minutes": 20},
        ).id  # fmt: skip
    return ids


def _due(store: LocalStore, activity_id: str) -> dt.datetime:
    with store.engine.connect() as conn:
        value = conn.execute(text("SELECT due_at FROM activities WHERE id = :i"), {"i": activity_id}).scalar()
    return dt.datetime.fromisoformat(str(value)).replace(tzinfo=dt.UTC)


def _page(qtbot: Any, store: LocalStore, runner: Any) -> CalendarPage:
    page = CalendarPage(store, runner)
    qtbot.addWidget(page)
    page.setFixedSize(1300, 800)  # a top-level window without size hints (the offscreen platform warns)
    with qtbot.waitSignal(page.settled, timeout=5000):
        page.show()
    return page


def test_the_week_shows_blocks_side_by_side_and_done_ones_grey(qtbot, store, runner) -> None:
    ids = _plan(store)
    page = _page(qtbot, store, runner)
    grid = page.grid
    assert grid.days == layout.days_from(ids["monday"], 7)
    blocks = {b.event.activity_id: b for b in grid.blocks}
    assert set(blocks) == {ids["visit"], ids["other"], ids["done"]}
    assert (blocks[ids["visit"]].columns, blocks[ids["other"]].column) == (2, 1)
    assert kind_colors("call", blocks[ids["done"]].event.done) == DONE_COLORS
    visit, other = grid.block_rect(blocks[ids["visit"]]), grid.block_rect(blocks[ids["other"]])
    assert visit.right() <= other.left()  # side by side, not on top of each other
    assert visit.height() > other.height()  # 45 minutes against 15
    assert "activities" in page.range_label.text()


def test_drag_a_block_to_another_day_and_time_then_undo(qtbot, store, runner) -> None:
    ids = _plan(store)
    page = _page(qtbot, store, runner)
    grid = page.grid
    block = grid.block_of(ids["visit"])
    assert block is not None
    start = grid.block_rect(block).center().toPoint()
    # one day right, 1 h 05 later: snaps to 11:00 on Tuesday
    target = start + QPoint(round(grid.day_width()), round(grid.y_of(65)))
    qtbot.mousePress(grid, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(grid, start + QPoint(0, 10))
    qtbot.mouseMove(grid, target)
    with qtbot.waitSignal(page.settled, timeout=5000):
        qtbot.mouseRelease(grid, Qt.MouseButton.LeftButton, pos=target)
    moved = _due(store, ids["visit"])
    assert moved == _local(ids["monday"] + dt.timedelta(days=1), 11).astimezone(dt.UTC)
    tuesday = grid.block_of(ids["visit"])
    assert tuesday is not None
    assert (tuesday.day, tuesday.top) == (1, 11 * 60)
    assert "11:00\u201311:45" in page.detail_meta.text()  # the pane shows the moved activity as it is now
    assert undo_ops.next_undo(store) == "reschedule of Site visit"
    undo_ops.undo_last(store)
    assert _due(store, ids["visit"]) == _local(ids["monday"], 10).astimezone(dt.UTC)


def test_alt_arrows_move_the_selected_block_and_a_done_one_stays(qtbot, store, runner) -> None:
    ids = _plan(store)
    page = _page(qtbot, store, runner)
    grid = page.grid
    grid.setFocus()
    grid.select(ids["visit"])
    with qtbot.waitSignal(page.settled, timeout=5000):
        qtbot.keyClick(grid, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)
    assert _due(store, ids["visit"]) == _local(ids["monday"], 10, 15).astimezone(dt.UTC)
    with qtbot.waitSignal(page.settled, timeout=5000):
        qtbot.keyClick(grid, Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)
    assert _due(store, ids["visit"]) == _local(ids["monday"] + dt.timedelta(days=1), 10, 15).astimezone(
        dt.UTC
    )
    # the arrow keys walk the events; the done one cannot be moved, by keyboard or mouse
    grid.select(ids["done"])
    before = _due(store, ids["done"])
    qtbot.keyClick(grid, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)
    block = grid.block_of(ids["done"])
    assert block is not None
    start = grid.block_rect(block).center().toPoint()
    qtbot.mousePress(grid, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(grid, start + QPoint(0, 80))
    qtbot.mouseRelease(grid, Qt.MouseButton.LeftButton, pos=start + QPoint(0, 80))
    qtbot.wait(100)
    assert _due(store, ids["done"]) == before
    assert page.open_button.isEnabled() is False  # no outcome to log for a done one


def test_week_navigation_and_day_view(qtbot, store, runner) -> None:
    ids = _plan(store)
    page = _page(qtbot, store, runner)
    with qtbot.waitSignal(page.settled, timeout=5000):
        page.next_button.click()
    assert page.grid.days[0] == ids["monday"] + dt.timedelta(days=7)
    assert page.grid.blocks == []
    with qtbot.waitSignal(page.settled, timeout=5000):
        page.today_button.click()
    assert page.grid.days[0] == ids["monday"]
    page.grid.select(ids["done"])
    with qtbot.waitSignal(page.settled, timeout=5000):
        page.mode_buttons["day"].click()
    assert page.grid.days == [ids["monday"] + dt.timedelta(days=2)]  # the day of the selected activity
    assert [b.event.activity_id for b in page.grid.blocks] == [ids["done"]]
    with qtbot.waitSignal(page.settled, timeout=5000):
        page.prev_button.click()
    assert page.grid.days == [ids["monday"] + dt.timedelta(days=1)]


def test_double_click_opens_the_activity_and_a_done_one_opens_its_record(
    qtbot, store, runner, monkeypatch
) -> None:
    from sfa_desktop.ui import agenda_page

    ids = _plan(store)
    page = _page(qtbot, store, runner)
    shown: list[str] = []

    def answer(dialog: Any) -> bool:
        shown.append(dialog.detail.subject)
        return False  # cancelled: nothing logged

    monkeypatch.setattr(agenda_page, "exec_dialog", answer)
    grid = page.grid
    block = grid.block_of(ids["visit"])
    assert block is not None
    qtbot.mouseDClick(grid, Qt.MouseButton.LeftButton, pos=grid.block_rect(block).center().toPoint())
    assert shown == ["Site visit"]
    done = grid.block_of(ids["done"])
    assert done is not None
    with qtbot.assertNotEmitted(page.recordRequested):  # a done call without account or person: no record
        qtbot.mouseDClick(grid, Qt.MouseButton.LeftButton, pos=grid.block_rect(done).center().toPoint())
    assert len(shown) == 1  # no Log outcome for a done one
    grid.select(ids["visit"])
    with qtbot.waitSignal(page.recordRequested) as opened:
        page.record_button.click()
    assert opened.args[0] == "accounts"
