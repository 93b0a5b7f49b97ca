"""Issue 16, item 5: the territory report's coverage against the service levels, against a hand-counted
fixture (worked out in the comments), on screen data, in the PDF and in the CSV."""

from __future__ import annotations

import datetime as dt
import math
import subprocess
from pathlib import Path
from typing import Any

import pytest

from sfa_desktop.core.planning.settings import PlanSettings
from sfa_desktop.core.records import services
from sfa_desktop.core.reports import sections as report_sections
from sfa_desktop.core.reports.base import Period
from sfa_desktop.core.reports.territory import TerritoryReport, build
from sfa_desktop.core.visits import reports as visit_reports
from sfa_desktop.store.database import LocalStore

PERIOD = Period(dt.date(2026, 6, 1), dt.date(2026, 6, 30))  # 30 days
NOW = dt.datetime(2026, 7, 1, 12, 0, tzinfo=dt.UTC)
TRAVEL = PlanSettings.from_values({"plan_road_factor": "1.5", "plan_speed_kmh": "60"})


def at(day: str, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day} {hour:02d}:{minute:02d}+00:00")


@pytest.fixture
def ids(store: LocalStore) -> dict[str, str]:
    f: dict[str, str] = {}
    with store.transaction() as s:

        def make(key: str, kind: str, values: dict[str, Any]) -> str:
            f[key] = services.create(s, kind, values).id
            return f[key]

        make("T", "territories", {"code": "T", "name": "Tee"})
        make("W", "territories", {"code": "W", "name": "West"})
        make("ann", "users", {"login": "ann", "full_name": "Ann Archer", "role": "rep"})
        make("bob", "users", {"login": "bob", "full_name": "Bob Baker", "role": "rep"})
        # default levels: A at most 21 days, B 45, C 120 (an account without a segment is a C)
        # P1 A ann: target 30/21; P2 A ann, its own 7-10 days: target 30/10 = 3; P3 B bob: 30/45;
        # P4 (C) bob, no place: 30/120.  Total 1.428571 + 3 + 0.666667 + 0.25 = 5.345238
        for key, segment, owner, place, own in (
            ("P1", "A", "ann", (0.0, 0.0), {}),
            ("P2", "A", "ann", (0.0, 0.1), {"visit_min_days": 7, "visit_max_days": 10}),
            ("P3", "B", "bob", (1.0, 1.0), {}),
            ("P4", None, "bob", None, {}),
        ):
            values: dict[str, Any] = {"name": key, "territory_id": f["T"], "owner_id": f[owner], **own}
            if segment:
                values["segment"] = segment
            if place:
                values.update(latitude=place[0], longitude=place[1])
            make(key, "accounts", values)
        make("X", "accounts", {"name": "X", "territory_id": f["W"], "owner_id": f["bob"], "segment": "A"})

        def visit(key: str, account: str, owner: str, done: dt.datetime, **extra: Any) -> str:
            values = {"kind": "visit", "subject": key, "account_id": f[account], "owner_id": f[owner]}
            return make(key, "activities", {**values, "done_at": done, "due_at": done, **extra})

        # 2 June, ann: P1 checked in 09:00, out 10:00 (60 min); P2 at 11:30, no report, 30 min long.
        # On the road: P1 -> P2, 0.1 degree on the equator = 11.1195 km x 1.5 = 16.68 km at 60 km/h: 17 min
        visit("v1", "P1", "ann", at("2026-06-02", 10))
        visit("v2", "P2", "ann", at("2026-06-02", 11, 30), duration_minutes=30)
        # bob: P3 on 10 June 14:00-14:45 (45 min); ann's P1 on 20 June, no time at all
        visit("v3", "P3", "bob", at("2026-06-10", 15))
        visit("v4", "P1", "bob", at("2026-06-20", 15))
        # before the period: P3 in May (not the last), P4 on 1 Feb (149 days before 30 June > 120: overdue)
        visit("v5", "P3", "bob", at("2026-05-01", 15))
        visit("v6", "P4", "bob", at("2026-02-01", 15))
        # out of scope (West)
        visit("vx", "X", "bob", at("2026-06-03", 15))
        # not done: not a visit made
        make(
            "plan",
            "activities",
            {"kind": "visit", "subject": "p", "account_id": f["P3"], "due_at": at("2026-06-29", 9)},
        )
    with store.transaction() as s:
        visit_reports.check_in(s, f["v1"], now=at("2026-06-02", 9))
        visit_reports.check_out(s, f["v1"], now=at("2026-06-02", 10))
        visit_reports.check_in(s, f["v3"], now=at("2026-06-10", 14))
        visit_reports.check_out(s, f["v3"], now=at("2026-06-10", 14, 45))
    return f


@pytest.fixture
def report(store: LocalStore, ids: dict[str, str]) -> TerritoryReport:
    with store.reading() as session:
        return build(session, ids["T"], PERIOD, now=NOW, tz=dt.UTC, plan_settings=TRAVEL)


def test_visits_against_the_service_level_per_segment(report: TerritoryReport) -> None:
    v = report.visits
    a, b, c = v.segments
    assert (a.label, a.accounts, a.every_days, a.target, a.done, a.overdue) == ("A", 2, 21, 4.43, 3, 1)
    assert (b.label, b.accounts, b.every_days, b.target, b.done, b.overdue) == ("B", 1, 45, 0.67, 1, 0)
    assert (c.label, c.accounts, c.every_days, c.target, c.done, c.overdue) == ("C", 1, 120, 0.25, 0, 1)
    assert (v.total.accounts, v.total.target, v.total.done, v.total.overdue) == (4, 5.35, 4, 2)
    assert v.total.attainment == pytest.approx(4 / 5.35)
    assert (a.customer_minutes, b.customer_minutes, c.customer_minutes) == (90, 45, 0)


def test_per_rep_time_with_customers_on_the_road_and_visits_per_day(report: TerritoryReport) -> None:
    reps = {r.label: r for r in report.visits.reps}
    ann, bob = reps["Ann Archer"], reps["Bob Baker"]
    road = math.ceil(6371.0088 * math.radians(0.1) * 1.5 / 60 * 60)
    assert road == 17
    # ann owns P1 and P2, made v1 and v2 on one day; bob owns P3 and P4, made v3 and v4 on two days
    assert (ann.accounts, ann.target, ann.done, ann.overdue, ann.visit_days) == (2, 4.43, 2, 1, 1)
    assert (ann.customer_minutes, ann.road_minutes, ann.per_day) == (90, road, 2.0)
    assert ann.customer_share == pytest.approx(90 / (90 + road))
    assert (bob.accounts, bob.target, bob.done, bob.overdue, bob.visit_days) == (2, 0.92, 2, 1, 2)
    assert (bob.customer_minutes, bob.road_minutes, bob.per_day) == (45, 0, 1.0)
    t = report.visits.total
    assert (t.customer_minutes, t.road_minutes, t.visit_days) == (135, road, 3)
    assert t.per_day == pytest.approx(4 / 3)


def test_the_section_in_the_window_csv_and_pdf(
    store: LocalStore, ids: dict[str, str], report: TerritoryReport, tmp_path: Path
) -> None:
    from sfa_desktop.ops import territories as territory_ops

    section = {s.key: s for s in report_sections.sections(report)}["visit_coverage"]
    assert section.title == "Coverage against service levels"
    assert "maximum days between visits" in section.subtitle
    assert "road factor 1.5 at 60 km/h" in section.subtitle
    reps = next(t for t in section.tables if t.key == "visit_coverage_reps")
    share = pytest.approx(135 / 152)
    assert reps.total == ("All reps", 4, 5.35, 4, pytest.approx(4 / 5.35), 2, 3, 1.33, 2.2, 0.3, share)

    result = territory_ops.make_report(store, ids["T"], PERIOD.start, PERIOD.end)
    csv_text = territory_ops.write_csv(result, tmp_path / "t.csv").read_text(encoding="utf-8-sig")
    assert "Visits against the service level per segment" in csv_text
    lines = csv_text.splitlines()
    # 3 / 4.43 done vs target; the laptop's own travel settings (1.3 at 50 km/h) make the road 18 min
    assert "A,2,21,4.43,3,0.6772,1" in lines
    assert "All,4,,5.35,4,0.7477,2" in lines
    assert "All reps,4,5.35,4,0.7477,2,3,1.33,2.2,0.3,0.8824" in lines
    pdf = territory_ops.write_pdf(result, tmp_path / "t.pdf")
    words = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Coverage against service levels" in words
    assert "Visits against the service level per segment" in words
    assert "Visits, time with customers and on the road per rep" in words
    after = words[words.index("Visits, time with customers and on the road per rep") :].splitlines()
    ann = next(line.split() for line in after if line.strip().startswith("Ann Archer"))
    # accounts, target, done, vs target, overdue, days, per day, customer hours, road hours, share
    assert ann[2:] == ["2", "4.4", "2", "45%", "1", "1", "2.0", "1.5", "0.3", "83%"]
