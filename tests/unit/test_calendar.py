"""The calendar (issue 16, item 2): events of a week with done ones, blocks side by side where they overlap,
the 15-minute snap, and rescheduling that goes to the outbox, moves a step's enrollment along and can be
undone."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from sfa_desktop.core.calendar import layout
from sfa_desktop.core.calendar.events import DEFAULT_MINUTES, Event, minutes_of
from sfa_desktop.core.records import services
from sfa_desktop.ops import calendar as calendar_ops
from sfa_desktop.ops import undo as undo_ops
from sfa_desktop.store import capture
from sfa_desktop.store.database import LocalStore

NY = ZoneInfo("America/New_York")
MONDAY = dt.date(2026, 11, 23)


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(MONDAY + dt.timedelta(days=day), dt.time(hour, minute), NY)


def event(name: str, start: dt.datetime, minutes: int = 30, **extra: Any) -> Event:
    values: dict[str, Any] = {
        "activity_id": name,
        "kind": "visit",
        "subject": name,
        "start": start.astimezone(dt.UTC),
        "minutes": minutes,
        "done": False,
        "outcome": None,
        "party": "",
        "account_id": None,
        "owner_id": None,
        "is_step": False,
    }
    values.update(extra)
    return Event(**values)


def test_week_start_is_monday_and_bounds_are_local_midnights() -> None:
    assert layout.week_start(dt.date(2026, 11, 29)) == MONDAY  # a Sunday
    assert layout.week_start(MONDAY) == MONDAY
    days = layout.days_from(MONDAY, 7)
    start, end = layout.bounds(days, NY)
    assert start == dt.datetime(2026, 11, 23, 5, 0, tzinfo=dt.UTC)
    assert end == dt.datetime(2026, 11, 30, 5, 0, tzinfo=dt.UTC)


def test_overlapping_events_sit_side_by_side_and_a_free_column_is_reused() -> None:
    a = event("a", at(0, 9), 60)
    b = event("b", at(0, 9, 30), 60)
    c = event("c", at(0, 10), 30)  # a has ended: c takes a's column
    d = event("d", at(0, 14), 30)  # alone
    e = event("e", at(1, 9), 45)  # another day
    blocks = {
        b.event.activity_id: b for b in layout.lay_out([d, c, b, a, e], layout.days_from(MONDAY, 7), NY)
    }
    assert (blocks["a"].column, blocks["a"].columns) == (0, 2)
    assert (blocks["b"].column, blocks["b"].columns) == (1, 2)
    assert (blocks["c"].column, blocks["c"].columns) == (0, 2)
    assert (blocks["d"].column, blocks["d"].columns) == (0, 1)
    assert (blocks["a"].day, blocks["a"].top, blocks["a"].length) == (0, 9 * 60, 60)
    assert (blocks["e"].day, blocks["e"].columns) == (1, 1)


def test_short_calls_are_judged_by_the_block_drawn_and_days_off_screen_are_left_out() -> None:
    first = event("first", at(0, 10), 5)
    second = event("second", at(0, 10, 5), 5)
    later = event("later", at(0, 10, 15), 5)  # the drawn 15 minutes of "first" are over
    outside = event("outside", at(7, 10), 30)
    blocks = {b.event.activity_id: b for b in layout.lay_out([first, second, later, outside], [MONDAY], NY)}
    assert set(blocks) == {"first", "second", "later"}
    assert blocks["first"].columns == blocks["second"].columns == 2
    assert blocks["later"].column == 0


def test_a_day_by_owner_puts_each_event_in_its_owners_lane_and_overlaps_only_within_it() -> None:
    ann = event("ann", at(0, 9), 60, owner_id="u-ann")
    bob = event("bob", at(0, 9, 30), 60, owner_id="u-bob")  # overlaps Ann's, but in another lane
    bob2 = event("bob2", at(0, 10), 30, owner_id="u-bob")
    stranger = event("stranger", at(0, 9), 30, owner_id="u-zed")  # not among the owners shown
    lanes = layout.lanes_of([MONDAY], ["u-ann", "u-bob"])
    assert lanes == [layout.Lane(MONDAY, "u-ann"), layout.Lane(MONDAY, "u-bob")]
    blocks = {
        b.event.activity_id: b
        for b in layout.lay_out([ann, bob, bob2, stranger], [MONDAY], NY, ["u-ann", "u-bob"])
    }
    assert set(blocks) == {"ann", "bob", "bob2"}
    assert (blocks["ann"].day, blocks["ann"].columns) == (0, 1)  # alone in Ann's lane
    assert (blocks["bob"].day, blocks["bob"].column, blocks["bob"].columns) == (1, 0, 2)
    assert (blocks["bob2"].day, blocks["bob2"].column) == (1, 1)
    # a crowded lane is wider than a quiet one, an empty one narrower still
    weights = layout.lane_weights(list(blocks.values()), 3)
    assert weights[1] > weights[0] > weights[2]
    assert weights[2] == layout.EMPTY_LANE_WEIGHT
    assert layout.lanes_of([MONDAY, MONDAY + dt.timedelta(days=1)]) == [
        layout.Lane(MONDAY),
        layout.Lane(MONDAY + dt.timedelta(days=1)),
    ]


def test_an_event_late_in_the_evening_is_clipped_at_midnight() -> None:
    late = event("late", at(0, 23, 30), 90)
    (block,) = layout.lay_out([late], [MONDAY], NY)
    assert (block.top, block.length) == (23 * 60 + 30, 30)


def test_snap_to_fifteen_minutes_within_the_day() -> None:
    assert layout.snap(9 * 60 + 7) == 9 * 60
    assert layout.snap(9 * 60 + 8) == 9 * 60 + 15
    assert layout.snap(-20) == 0
    assert layout.snap(24 * 60 + 30) == 23 * 60 + 45


def test_at_local_keeps_the_wall_clock_across_a_change_of_clocks() -> None:
    sunday = dt.date(2026, 11, 1)  # clocks went back at 2:00 in New York
    assert layout.at_local(sunday, 9 * 60, NY) == dt.datetime(2026, 11, 1, 14, 0, tzinfo=dt.UTC)
    assert layout.at_local(sunday, 0, NY) == dt.datetime(2026, 11, 1, 4, 0, tzinfo=dt.UTC)
    with pytest.raises(ValueError, match="not a time of day"):
        layout.at_local(sunday, 24 * 60, NY)


def test_durations_default_by_kind() -> None:
    assert minutes_of("visit", None) == DEFAULT_MINUTES["visit"] == 45
    assert minutes_of("visit", 0) == 45
    assert minutes_of("meeting", 90) == 90
    assert minutes_of("something", None) == 30


# -- the store ----------------------------------------------------------------------------------------------


def _world(store: LocalStore) -> dict[str, str]:
    ids: dict[str, str] = {}
    with store.transaction() as s:
        ids["ann"] = services.create(s, "users", {"login": "ann", "full_name": "Ann Rep"}).id
        ids["bob"] = services.create(s, "users", {"login": "bob", "full_name": "Bob Rep"}).id
        ids["acme"] = services.create(s, "accounts", {"name": "Acme", "owner_id": ids["ann"]}).id
        ids["lead"] = services.create(
            s, "leads", {"last_name": "Lee", "company": "Lee Works", "owner_id": ids["ann"]}
        ).id

        def add(key: str, **values: Any) -> None:
            ids[key] = services.create(s, "activities", {"owner_id": ids["ann"], **values}).id

        add("visit", kind="visit", subject="Site visit", due_at=at(1, 10), account_id=ids["acme"])
        add("done", kind="call", subject="Old call", due_at=at(0, 9), done_at=at(0, 9, 20),
            duration_minutes=12, account_id=ids["acme"], outcome="completed")  # fmt: skip
        add("lead_call", kind="call", subject="Call Lee", due_at=at(2, 11), lead_id=ids["lead"])
        add("note", kind="note", subject="A note", due_at=at(1, 12), account_id=ids["acme"])
        add("later", kind="meeting", subject="Next week", due_at=at(8, 10), account_id=ids["acme"])
        ids["bobs"] = services.create(
            s, "activities", {"kind": "call", "subject": "Bob's", "due_at": at(1, 9), "owner_id": ids["bob"]}
        ).id
    return ids


def test_load_days_returns_the_weeks_events_done_ones_too_and_not_notes(store: LocalStore) -> None:
    ids = _world(store)
    loaded = calendar_ops.load_days(store, [ids["ann"]], MONDAY, 7, NY)
    by_id = {e.activity_id: e for e in loaded.events}
    assert set(by_id) == {ids["visit"], ids["done"], ids["lead_call"]}
    assert (by_id[ids["done"]].done, by_id[ids["done"]].minutes) == (True, 12)
    assert (by_id[ids["visit"]].minutes, by_id[ids["visit"]].party) == (45, "Acme")
    assert by_id[ids["lead_call"]].party == "Lee Works"
    assert loaded.events[0].activity_id == ids["done"]  # in time order
    everyone = calendar_ops.load_days(store, None, MONDAY, 7, NY)
    assert ids["bobs"] in {e.activity_id for e in everyone.events}
    assert calendar_ops.load_days(store, [], MONDAY, 7, NY).events == []


def test_move_goes_to_the_outbox_and_undo_puts_it_back(store: LocalStore) -> None:
    ids = _world(store)
    with store.engine.connect() as conn:
        before = capture.last_change_no(conn)
    moved = calendar_ops.move_activity(store, ids["visit"], at(3, 14, 15))
    assert moved.before == at(1, 10)
    assert moved.after == at(3, 14, 15)
    assert "to Thu 26 Nov, 14:15" in moved.message(NY)
    with store.engine.connect() as conn:
        entries = [c for c in capture.read_outbox(conn) if c.change_no > before]
        due = conn.execute(text("SELECT due_at FROM activities WHERE id = :i"), {"i": ids["visit"]}).scalar()
    assert [(c.table, c.record_id, c.op) for c in entries] == [("activities", ids["visit"], "update")]
    assert str(due).startswith("2026-11-26 19:15")
    assert undo_ops.next_undo(store) == "reschedule of Site visit"
    undo_ops.undo_last(store)
    loaded = calendar_ops.load_days(store, [ids["ann"]], MONDAY, 7, NY)
    assert next(e for e in loaded.events if e.activity_id == ids["visit"]).start == at(1, 10)


def test_a_move_to_the_same_time_writes_nothing(store: LocalStore) -> None:
    ids = _world(store)
    with store.engine.connect() as conn:
        before = capture.last_change_no(conn)
    calendar_ops.move_activity(store, ids["visit"], at(1, 10))
    with store.engine.connect() as conn:
        assert capture.last_change_no(conn) == before


def test_done_and_deleted_activities_cannot_move(store: LocalStore) -> None:
    ids = _world(store)
    with pytest.raises(calendar_ops.CannotMove, match="is done"):
        calendar_ops.move_activity(store, ids["done"], at(2, 9))
    with store.transaction() as s:
        services.delete(s, "activities", ids["lead_call"])
    with pytest.raises(calendar_ops.CannotMove, match="no longer there"):
        calendar_ops.move_activity(store, ids["lead_call"], at(2, 9))
    with pytest.raises(ValueError, match="naive"):
        calendar_ops.move_activity(store, ids["visit"], dt.datetime(2026, 11, 24, 9, 0))


def test_moving_a_sequence_step_moves_its_enrollment_and_undo_both(store: LocalStore) -> None:
    from sfa_desktop.core.sequences import enrollments
    from tests.unit.test_sequences import outreach

    ids = _world(store)
    with store.transaction() as s:
        contact = services.create(s, "contacts", {"last_name": "Kim", "account_id": ids["acme"]}).id
        template = enrollments.save_template(s, None, {"name": "Outreach", "steps": outreach()}).id
        [enrollment] = enrollments.enroll(
            s, template, "contacts", [contact], owner_id=ids["ann"], now=at(0, 8), tz=NY
        ).enrollment_ids
    with store.engine.connect() as conn:
        activity_id = conn.execute(
            text("SELECT activity_id FROM sequence_enrollments WHERE id = :i"), {"i": enrollment}
        ).scalar_one()
    calendar_ops.move_activity(store, activity_id, at(4, 15))

    def enrollment_due() -> str:
        with store.engine.connect() as conn:
            return str(
                conn.execute(
                    text("SELECT due_at FROM sequence_enrollments WHERE id = :i"), {"i": enrollment}
                ).scalar_one()
            )

    assert enrollment_due().startswith("2026-11-27 20:00")
    undo_ops.undo_last(store)
    assert not enrollment_due().startswith("2026-11-27 20:00")


def test_the_system_zone_follows_the_computers_changes_of_clocks(monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        zone = layout.local_zone()
        summer = dt.datetime(2026, 7, 1, 9, 0, tzinfo=zone)
        winter = dt.datetime(2026, 12, 1, 9, 0, tzinfo=zone)
        assert summer.astimezone(dt.UTC).hour == 13
        assert winter.astimezone(dt.UTC).hour == 14
        back = dt.datetime(2026, 12, 1, 14, 0, tzinfo=dt.UTC).astimezone(zone)
        assert (back.hour, back.utcoffset()) == (9, dt.timedelta(hours=-5))
        assert layout.at_local(dt.date(2026, 7, 1), 9 * 60, zone) == dt.datetime(
            2026, 7, 1, 13, 0, tzinfo=dt.UTC
        )
    finally:
        monkeypatch.undo()
        time.tzset()


def test_a_planned_visit_moved_to_another_day_leaves_that_days_route(store: LocalStore) -> None:
    """A visit of an accepted week plan keeps its stop's number when it moves within its day (the route
    follows the times) and loses it when it moves to another day (no longer on that day's planned route);
    undo gives it back."""
    ids = _world(store)
    with store.transaction() as s:
        services.update(s, "activities", ids["visit"], {"plan_stop": 2})

    def stop() -> Any:
        with store.engine.connect() as conn:
            return conn.execute(
                text("SELECT plan_stop FROM activities WHERE id = :i"), {"i": ids["visit"]}
            ).scalar()

    calendar_ops.move_activity(store, ids["visit"], at(1, 15), NY)  # Tuesday 10:00 -> 15:00
    assert stop() == 2
    # 23:30 in New York is already Wednesday in UTC: the day is the local one
    calendar_ops.move_activity(store, ids["visit"], at(1, 23, 30), NY)
    assert stop() == 2
    with store.engine.connect() as conn:
        before = capture.last_change_no(conn)
    calendar_ops.move_activity(store, ids["visit"], at(2, 9), NY)  # to Wednesday
    assert stop() is None
    with store.engine.connect() as conn:
        entry = next(c for c in capture.read_outbox(conn) if c.change_no > before)
    assert entry.changes["plan_stop"] == [2, None]  # the other laptops hear of it
    undo_ops.undo_last(store)
    assert stop() == 2
