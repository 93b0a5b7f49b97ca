"""``sfa visits due``, ``sfa plan week``, ``sfa service-levels`` and ``sfa accounts segment``: what they
print, what they write, and one-line errors."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from sqlalchemy import text

from sfa_desktop.cli import main
from sfa_desktop.core import service_levels
from sfa_desktop.core.records import services
from sfa_desktop.ops import planning as plan_ops
from sfa_desktop.store.database import LocalStore
from tests import report_fixture

MONDAY = dt.date(2026, 12, 7)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def data(store: LocalStore) -> str:
    with store.transaction() as s:
        territory = services.create(s, "territories", {"code": "NE", "name": "New England"}).id
        rep = services.create(
            s, "users", {"login": "ann", "full_name": "Ann", "home_latitude": 42.35, "home_longitude": -71.06}
        ).id
        services.create(s, "territory_memberships", {"territory_id": territory, "user_id": rep})
        for n, (segment, lat) in enumerate((("A", 42.36), ("B", 42.40), ("C", 42.30), ("A", None))):
            account = services.create(
                s,
                "accounts",
                {
                    "name": f"Shop {n}",
                    "segment": segment,
                    "latitude": lat,
                    "longitude": -71.1 if lat else None,
                    "territory_id": territory,
                    "owner_id": rep,
                },
            ).id
            if n == 1:  # B visited 50 days ago: overdue (45); Shop 2 (C) visited 10 days ago: not due
                done = dt.datetime.now(dt.UTC) - dt.timedelta(days=50)
                services.create(
                    s, "activities", {"kind": "visit", "subject": "v", "account_id": account, "done_at": done}
                )
            if n == 2:
                done = dt.datetime.now(dt.UTC) - dt.timedelta(days=10)
                services.create(
                    s, "activities", {"kind": "visit", "subject": "v", "account_id": account, "done_at": done}
                )
    return str(store.path.parent)


def test_visits_due_in_three_formats(data: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--data-dir", data, "visits", "due")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split()[:4] == ["id", "account", "city", "segment"]
    assert "Shop 1" in lines[2]
    assert "overdue" in lines[2]
    assert "Shop 2" not in out
    assert lines[-1] == "3 accounts to visit, 1 overdue."
    code, out, _ = run(capsys, "--data-dir", data, "visits", "due", "--overdue", "--format", "json")
    assert [r["account"] for r in json.loads(out)] == ["Shop 1"]
    code, out, _ = run(capsys, "--data-dir", data, "visits", "due", "--segment", "a", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {r["account"] for r in rows} == {"Shop 0", "Shop 3"}
    assert {r["state"] for r in rows} == {"due"}
    code, _, err = run(capsys, "--data-dir", data, "visits", "due", "--segment", "D")
    assert code == 2
    assert "not a segment" in err


def test_service_levels_set_list_clear(
    data: str, store: LocalStore, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "--data-dir", data, "service-levels", "list", "--territory", "NE")
    assert code == 0
    assert out.splitlines()[2].split() == ["A", "14-21", "days", "60", "4", "48", "default"]
    code, out, _ = run(
        capsys,
        "--data-dir",
        data,
        "service-levels",
        "set",
        "B",
        "--territory",
        "NE",
        "--min-days",
        "20",
        "--max-days",
        "25",
    )
    assert code == 0
    assert "Segment B in NE: visits every 20 to 25 days, 45 min" in out
    code, out, _ = run(capsys, "--data-dir", data, "service-levels", "list", "--territory", "NE")
    assert out.splitlines()[3].split() == ["B", "20-25", "days", "45", "8", "72", "New", "England"]
    code, out, _ = run(
        capsys, "--data-dir", data, "service-levels", "set", "B", "--territory", "NE", "--minutes", "50"
    )
    with store.reading() as s:  # set twice on the same territory: one row, updated
        rows = s.execute(
            text("SELECT visit_min_days, visit_minutes FROM service_levels WHERE deleted_at IS NULL")
        ).all()
    assert [tuple(r) for r in rows] == [(20, 50)]
    code, _, err = run(
        capsys, "--data-dir", data, "service-levels", "set", "A", "--min-days", "30", "--max-days", "20"
    )
    assert code == 1
    assert "runs backwards" in err
    code, out, _ = run(capsys, "--data-dir", data, "service-levels", "clear", "B", "--territory", "NE")
    assert "inherits again" in out
    code, out, _ = run(capsys, "--data-dir", data, "service-levels", "list", "--territory", "NE")
    assert out.splitlines()[3].split()[-1] == "default"


def test_plan_week_prints_then_applies(
    data: str, store: LocalStore, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ("--data-dir", data, "plan", "week", "--rep", "ann", "--from", MONDAY.isoformat())
    code, out, _ = run(capsys, *args, "--format", "json")
    assert code == 0
    plan = json.loads(out)
    planned = [s["name"] for d in plan["days"] for s in d["stops"]]
    assert sorted(planned) == ["Shop 0", "Shop 1"]  # Shop 2 is not due, Shop 3 has no place
    assert plan["no_coordinates"][0]["name"] == "Shop 3"
    assert plan["accepted"] == []
    with store.reading() as s:
        assert s.execute(text("SELECT count(*) FROM activities WHERE done_at IS NULL")).scalar() == 0
    code, out, _ = run(capsys, *args, "--apply")
    assert code == 0
    assert "Added 2 visits to the agenda" in out
    assert "Without coordinates (not planned): Shop 3." in out
    with store.reading() as s:
        rows = s.execute(text("SELECT kind, due_at FROM activities WHERE done_at IS NULL")).all()
    assert [r.kind for r in rows] == ["visit", "visit"]
    code, out, _ = run(capsys, *args, "--fallback")
    assert "0 visits planned by nearest neighbour + 2-opt (fallback)" in out  # both planned already
    code, _, err = run(capsys, "--data-dir", data, "plan", "week", "--rep", "nobody")
    assert code == 1
    assert "no user 'nobody'" in err


def test_accounts_segment_by_hand_and_by_suggestion(
    store: LocalStore, capsys: pytest.CaptureFixture[str]
) -> None:
    fixture = report_fixture.build(store)
    data = str(store.path.parent)
    code, out, _ = run(capsys, "--data-dir", data, "accounts", "segment", "A1 Corp", "b")
    assert code == 0
    assert "Segment of A1 Corp: B." in out
    with store.reading() as s:
        assert service_levels.level_for(s, fixture["A1"]).segment == "B"
    code, out, _ = run(capsys, "--data-dir", data, "accounts", "segment", "A1 Corp", "none")
    assert "none (served as C)" in out
    in_june = plan_ops.suggest_segments(store, None, today=report_fixture.PERIOD.end)
    assert any(s.suggested == "A" for s in in_june)  # the best customers of the year
    assert any(s.suggested == "C" for s in in_june)
    changing = [s for s in plan_ops.suggest_segments(store, None) if s.changes]  # today, as the command
    code, out, _ = run(capsys, "--data-dir", data, "accounts", "segment", "--suggest")
    assert f"{len(changing)} account(s) would change" in out
    code, out, _ = run(capsys, "--data-dir", data, "accounts", "segment", "--suggest", "--apply")
    assert f"Gave {len(changing)} account(s)" in out
    assert not [s for s in plan_ops.suggest_segments(store, None) if s.changes]
    code, _, err = run(capsys, "--data-dir", data, "accounts", "segment", "A1 Corp")
    assert code == 1
    assert "Give an account and its segment" in err
