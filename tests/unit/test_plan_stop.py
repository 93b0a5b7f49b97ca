"""A planned visit's stop on its day's route is the column ``activities.plan_stop`` (issue 16 follow-up):
the migration 0708 moves the old line of the notes ("Week plan: stop N of the day's route.") into it, on
the rows and on the changes waiting in the outbox, without capturing the move, and the downgrade puts it
back; accepting a week plan again renumbers the day's earlier planned visits or takes them off the route."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from sqlalchemy import Connection, create_engine, text

from sfa_desktop.core.planning import week
from sfa_desktop.core.planning.problem import Day, DayPlan, Plan, Stop
from sfa_desktop.core.records import services
from sfa_desktop.store.database import DB_FILENAME, LocalStore
from tests.unit.test_migrations import _migrate

STAMP = "2026-05-01 10:00:00.000000"
NOTES = {
    "only": ("Week plan: stop 3 of the day's route.", 3, None),
    "more": ("Week plan: stop 12 of the day's route.\nBring samples", 12, "Bring samples"),
    "crlf": ("Week plan: stop 4 of the day's route.\r\nAsk for Maria", 4, "Ask for Maria"),
    "rep": ("Bring samples", None, "Bring samples"),
    "edited": (
        "Week plan: stop 5 of the route, more or less",
        None,
        "Week plan: stop 5 of the route, more or less",
    ),
    "inside": (
        "Call first.\nWeek plan: stop 2 of the day's route.",
        None,
        "Call first.\nWeek plan: stop 2 of the day's route.",
    ),
    "none": (None, None, None),
}


def _insert(conn: Connection, capture: bool) -> None:
    run = conn.exec_driver_sql
    run("UPDATE capture_control SET suspended = ? WHERE id = 1", (0 if capture else 1,))
    run("INSERT INTO accounts (id, name, created_at, updated_at) VALUES ('a1', 'Acme', ?, ?)", (STAMP, STAMP))
    for key, (notes, _, _) in NOTES.items():
        run(
            "INSERT INTO activities (id, kind, subject, notes, account_id, created_at, updated_at) "
            "VALUES (?, 'visit', ?, ?, 'a1', ?, ?)",
            (key, f"Visit {key}", notes, STAMP, STAMP),
        )
    run("UPDATE capture_control SET suspended = 0 WHERE id = 1")


def test_0708_moves_the_line_into_the_column_and_the_downgrade_puts_it_back(tmp_path: Path) -> None:
    path = tmp_path / DB_FILENAME
    _migrate(path, "0707")
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        _insert(conn, capture=False)  # pulled from the central store: nothing waits to be pushed
    engine.dispose()
    _migrate(path, "0708")
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        rows = {
            r.id: (r.plan_stop, r.notes, r.updated_at) for r in conn.execute(text("SELECT * FROM activities"))
        }
        assert {k: v[:2] for k, v in rows.items()} == {
            k: (stop, rest) for k, (_, stop, rest) in NOTES.items()
        }
        assert {v[2] for v in rows.values()} == {STAMP}  # the central store moves its own copy: no edit
        assert conn.execute(text("SELECT count(*) FROM outbox")).scalar() == 0  # nothing to push
        conn.execute(text("UPDATE activities SET plan_stop = 7 WHERE id = 'rep'"))  # captured, column and all
        changes = json.loads(conn.execute(text("SELECT changes FROM outbox")).scalar_one())
        assert changes == {"plan_stop": [None, 7]}
        conn.execute(text("DELETE FROM outbox"))
        conn.execute(text("UPDATE capture_control SET suspended = 1"))
        conn.execute(text("UPDATE activities SET plan_stop = NULL WHERE id = 'rep'"))
        conn.execute(text("UPDATE capture_control SET suspended = 0"))
    engine.dispose()
    _migrate(path, "0707", down=True)
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        notes: dict[str, str | None] = dict(conn.execute(text("SELECT id, notes FROM activities")).all())
        assert conn.execute(text("SELECT count(*) FROM outbox")).scalar() == 0
    engine.dispose()
    expected = {k: v[0] for k, v in NOTES.items()}
    expected["crlf"] = "Week plan: stop 4 of the day's route.\nAsk for Maria"  # written back with \n
    assert notes == expected


def test_0708_rewrites_the_changes_waiting_to_be_pushed(tmp_path: Path) -> None:
    """A visit accepted offline (its insert, then an edit of its notes, still in the outbox) reaches the
    central store with its column and without the line."""
    path = tmp_path / DB_FILENAME
    _migrate(path, "0707")
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        _insert(conn, capture=True)
        conn.execute(
            text(
                "UPDATE activities SET notes = 'Week plan: stop 4 of the day''s route.\nBring samples', "
                "updated_at = '2026-05-02 10:00:00.000000' WHERE id = 'only'"
            )
        )
    engine.dispose()
    _migrate(path, "0708")
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        waiting = [
            (r.record_id, r.op, json.loads(r.changes))
            for r in conn.execute(text("SELECT record_id, op, changes FROM outbox ORDER BY change_no"))
        ]
    engine.dispose()
    inserts = {rid: c for rid, what, c in waiting if what == "insert" and rid in NOTES}
    assert {k: (c.get("plan_stop"), c["notes"]) for k, c in inserts.items()} == {
        k: (stop, rest) for k, (_, stop, rest) in NOTES.items()
    }
    update = next(c for rid, what, c in waiting if what == "update")
    assert update == {
        "notes": [None, "Bring samples"],
        "plan_stop": [3, 4],
        "updated_at": [STAMP, "2026-05-02 10:00:00.000000"],
    }
    store = LocalStore.open(tmp_path)  # and the app of this revision opens it
    store.close()


def test_accepting_again_renumbers_the_days_planned_visits(store: LocalStore) -> None:
    monday = dt.date(2026, 12, 7)

    def at(day: int, hour: int) -> dt.datetime:
        return dt.datetime.combine(monday + dt.timedelta(days=day), dt.time(hour), dt.UTC)

    with store.transaction() as s:
        rep = services.create(s, "users", {"login": "ann", "full_name": "Ann"}).id
        acc = {n: services.create(s, "accounts", {"name": n, "owner_id": rep}).id for n in "ABCDE"}

        def visit(name: str, when: dt.datetime, stop: int | None) -> str:
            values = {"kind": "visit", "subject": f"Visit {name}", "account_id": acc[name], "owner_id": rep}
            return services.create(s, "activities", {**values, "due_at": when, "plan_stop": stop}).id

        # an earlier plan: Monday A (stop 1) and B (stop 2), Tuesday C (stop 1)
        first_a, first_b, tuesday_c = (
            visit("A", at(0, 9), 1),
            visit("B", at(0, 11), 2),
            visit("C", at(1, 9), 1),
        )
    # planned again: Monday's route is now D, then B (an appointment to the planner), and A is not on it;
    # Tuesday gets nothing new
    days = [Day(monday, 0, 24 * 60), Day(monday + dt.timedelta(days=1), 24 * 60, 48 * 60)]
    plan = Plan(
        [
            DayPlan(
                days[0],
                [Stop(acc["D"], "D", 8 * 60, 30, 10, 5.0), Stop(first_b, "B", 11 * 60, 30, 10, 5.0, True)],
            ),
            DayPlan(days[1], [Stop(tuesday_c, "C", 33 * 60, 30, 10, 5.0, True)]),
        ],
        [],
        "test",
    )
    with store.transaction() as s:
        made = week.accept(s, week.WeekPlan(week.WeekRequest(rep, monday), plan), tz=dt.UTC)
    with store.reading() as s:
        stops: dict[str, int | None] = dict(s.execute(text("SELECT id, plan_stop FROM activities")).all())
    assert stops == {made[0]: 1, first_b: 2, first_a: None, tuesday_c: 1}
