"""``sfa agenda week`` and ``sfa agenda move`` (issue 16, item 2), and ``sfa agenda`` alone as before."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from sfa_desktop.cli import main
from sfa_desktop.core.calendar import layout
from sfa_desktop.core.records import services
from sfa_desktop.ops import calendar as calendar_ops
from sfa_desktop.store.database import LocalStore


def _run(capsys: pytest.CaptureFixture[str], data: Path, *args: str) -> tuple[int, str, str]:
    code = main(["--data-dir", str(data), *args])
    out, err = capsys.readouterr()
    return code, out, err


def _local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return layout.at_local(day, hour * 60 + minute, layout.local_zone())


MONDAY = dt.date(2026, 12, 7)


def _plan(data: Path) -> dict[str, str]:
    store = LocalStore.open(data)
    try:
        with store.transaction() as s:
            acme = services.create(s, "accounts", {"name": "Acme"}).id
            visit = services.create(
                s, "activities",
                {"kind": "visit", "subject": "Site visit", "due_at": _local(MONDAY, 10), "account_id": acme},
            ).id  # fmt: skip
            done = services.create(
                s, "activities",
                {"kind": "call", "subject": "Old call", "due_at": _local(MONDAY, 9),
                 "done_at": _local(MONDAY, 9, 10), "duration_minutes": 10},
            ).id  # fmt: skip
            services.create(
                s,
                "activities",
                {"kind": "task", "subject": "Next week", "due_at": _local(MONDAY + dt.timedelta(days=9), 9)},
            )
    finally:
        store.close()
    return {"visit": visit, "done": done}


def test_agenda_week_lists_the_week_as_table_and_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    ids = _plan(data)
    code, out, _err = _run(capsys, data, "agenda", "week", "--from", "2026-12-07")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "Mon 7 Dec \u2013 Sun 13 Dec 2026: 2 activities"
    assert "09:00\u201309:10" in lines[3]
    assert "done" in lines[3]
    assert "10:00\u201310:45" in lines[4]
    assert "Site visit" in lines[4]
    assert "Acme" in lines[4]
    code, out, _err = _run(capsys, data, "agenda", "week", "--from", "2026-12-07", "--format", "json")
    shown = json.loads(out)
    assert [e["id"] for e in shown] == [ids["done"], ids["visit"]]
    assert shown[1]["minutes"] == 45
    assert shown[1]["start"].startswith("2026-12-07T10:00")
    assert shown[0]["done"] is True
    code, out, _err = _run(capsys, data, "agenda", "week", "--from", "2026-12-14")
    assert out.startswith("Mon 14 Dec")
    assert "1 activities" in out
    # 'sfa agenda' alone still lists the open agenda
    code, out, _err = _run(capsys, data, "agenda", "--days", "366")
    assert code == 0
    assert "Site visit" in out


def test_agenda_move_reschedules_and_undo_puts_it_back(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    ids = _plan(data)
    code, out, err = _run(capsys, data, "agenda", "move", ids["visit"][:8], "--to", "2026-12-09 14:30")
    assert (code, err) == (0, "")
    assert out == (
        "Moved “Site visit” from Mon 7 Dec, 10:00 to Wed 9 Dec, 14:30. Undo with 'sfa undo'; it is sent "
        "at the next sync.\n"
    )
    store = LocalStore.open(data)
    try:
        events = calendar_ops.load_days(store, None, MONDAY, 7).events
        assert next(e for e in events if e.activity_id == ids["visit"]).start == _local(
            MONDAY + dt.timedelta(days=2), 14, 30
        )
    finally:
        store.close()
    code, out, _err = _run(capsys, data, "undo")
    assert out.startswith("Undid the reschedule of Site visit.")
    code, out, err = _run(capsys, data, "agenda", "move", ids["done"][:8], "--to", "2026-12-09 14:30")
    assert code == 1
    assert "is done" in err
    code, _out, err = _run(capsys, data, "agenda", "move", ids["visit"][:8], "--to", "next tuesday")
    assert code == 2
    assert "is not a day and time" in err


def _team(data: Path) -> dict[str, str]:
    """mara manages East; rena (East) reports to her; zed (West) to nobody; each has a call on Monday."""
    from sfa_desktop.sync import state

    store = LocalStore.open(data)
    ids: dict[str, str] = {}
    try:
        with store.transaction() as s:
            ids["E"] = services.create(s, "territories", {"code": "E", "name": "East"}).id
            ids["W"] = services.create(s, "territories", {"code": "W", "name": "West"}).id
            ids["mara"] = services.create(
                s, "users", {"login": "mara", "full_name": "Mara Manager", "role": "manager"}
            ).id
            for login, name, home, boss in (
                ("rena", "Rena Rep", "E", ids["mara"]),
                ("zed", "Zed", "W", None),
            ):
                ids[login] = services.create(
                    s, "users", {"login": login, "full_name": name, "role": "rep", "manager_id": boss}
                ).id
                services.create(
                    s, "territory_memberships", {"territory_id": ids[home], "user_id": ids[login]}
                )
            services.create(s, "territory_memberships", {"territory_id": ids["E"], "user_id": ids["mara"]})
            for hour, login in ((9, "mara"), (10, "rena"), (11, "zed")):
                services.create(
                    s,
                    "activities",
                    {"kind": "call", "subject": f"Call of {login}", "due_at": _local(MONDAY, hour),
                     "owner_id": ids[login]},
                )  # fmt: skip
        with store.engine.begin() as conn:
            state.save(
                conn, state.SyncState(client_id="c", url="sqlite:///c", login=None, user_id=ids["mara"])
            )
    finally:
        store.close()
    return ids


def test_agenda_week_of_a_rep_and_of_everyone_a_manager_may_show(tmp_path: Path, capsys) -> None:
    data = tmp_path / "d"
    _team(data)
    code, out, _err = _run(capsys, data, "agenda", "week", "--from", "2026-12-07")
    assert code == 0
    assert "Call of mara" in out
    assert "Call of rena" not in out
    code, out, _err = _run(capsys, data, "agenda", "week", "--from", "2026-12-07", "--rep", "rena")
    assert code == 0
    assert "Call of rena" in out
    assert "Call of mara" not in out
    code, out, _err = _run(capsys, data, "agenda", "week", "--from", "2026-12-07", "--rep", "all")
    assert code == 0
    lines = out.splitlines()
    assert lines[1].split()[:3] == ["Day", "Time", "Who"]
    assert [line.split()[3] for line in lines[3:]] == ["mara", "rena"]  # not zed: not hers to see
    code, out, _err = _run(
        capsys, data, "agenda", "week", "--from", "2026-12-07", "--rep", "all", "--format", "json"
    )
    assert [e["owner"] for e in json.loads(out)] == ["mara", "rena"]
    code, _out, err = _run(capsys, data, "agenda", "week", "--from", "2026-12-07", "--rep", "zed")
    assert code == 1
    assert "'zed' is not someone whose calendar you may show; choose among: mara, rena (or all)." in err


def test_agenda_day_prints_the_day_person_by_person(tmp_path: Path, capsys) -> None:
    data = tmp_path / "d"
    ids = _team(data)
    store = LocalStore.open(data)
    try:
        with store.transaction() as s:  # Mara's second call that Monday, done; one on Tuesday (not shown)
            services.create(
                s, "activities",
                {"kind": "call", "subject": "Early call", "due_at": _local(MONDAY, 8, 30),
                 "owner_id": ids["mara"], "done_at": _local(MONDAY, 8, 40), "duration_minutes": 10},
            )  # fmt: skip
            services.create(
                s, "activities",
                {"kind": "visit", "subject": "Tuesday visit",
                 "due_at": _local(MONDAY + dt.timedelta(days=1), 9), "owner_id": ids["rena"]},
            )  # fmt: skip
    finally:
        store.close()
    code, out, _err = _run(capsys, data, "agenda", "day", "--date", "2026-12-07", "--rep", "all")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "Mon 7 Dec 2026: 3 activities, 2 people"
    mara = lines.index("Mara Manager (mara): 2 activities")
    rena = lines.index("Rena Rep (rena): 1 activity")
    assert mara < rena  # the user first, as the Calendar page's columns
    assert lines[mara + 1].split() == ["Time", "Kind", "Subject", "With", "Status", "Id"]
    assert lines[mara + 3].startswith("08:30\u201308:40  call")
    assert "Early call" in lines[mara + 3]
    assert "done" in lines[mara + 3]
    assert lines[mara + 4].startswith("09:00\u201309:15  call")
    assert "Call of mara" in lines[mara + 4]
    assert lines[rena + 3].startswith("10:00\u201310:15  call")
    assert "Call of rena" in lines[rena + 3]
    assert "Tuesday visit" not in out
    assert "zed" not in out  # not hers to see
    # the next day: Mara has nothing planned, and says so; Rena's visit
    code, out, _err = _run(
        capsys, data, "agenda", "day", "--date", "2026-12-08", "--rep", "mara", "--rep", "rena"
    )
    lines = out.splitlines()
    assert lines[0] == "Tue 8 Dec 2026: 1 activity, 2 people"
    assert "Mara Manager (mara): nothing planned" in lines
    assert "Tuesday visit" in out
    # without --rep: the user's own day; as JSON, grouped by person
    code, out, _err = _run(capsys, data, "agenda", "day", "--date", "2026-12-07")
    assert "Call of mara" in out
    assert "Call of rena" not in out
    code, out, _err = _run(
        capsys, data, "agenda", "day", "--date", "2026-12-07", "--rep", "all", "--format", "json"
    )
    shown = json.loads(out)
    assert shown["day"] == "2026-12-07"
    assert [(p["owner"], [a["subject"] for a in p["activities"]]) for p in shown["people"]] == [
        ("mara", ["Early call", "Call of mara"]), ("rena", ["Call of rena"])
    ]  # fmt: skip
    code, _out, err = _run(capsys, data, "agenda", "day", "--date", "7 Dec")
    assert code == 2
    assert "is not a date like" in err
