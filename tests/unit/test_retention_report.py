"""The territory report's Retention section against the hand-counted fixture (tests/report_fixture.py:
defections DF1-DF5 and DFW, worked out in its comments): by type and by rep with the revenue from the sales
history, each account once as its latest defection in the period says, the declining accounts with their
recorded defection; complaint figures where the report is given them; the PDF (pdftotext) and the CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from sfa_desktop.core.reports import sections as report_sections
from sfa_desktop.core.reports import view as report_view
from sfa_desktop.core.reports.base import Period, Scope
from sfa_desktop.core.reports.retention import ComplaintCategory, ComplaintFigures, ServiceTimes
from sfa_desktop.core.reports.territory import TerritoryReport, build
from sfa_desktop.printing.territory_report import write_pdf
from sfa_desktop.store.database import LocalStore
from tests import report_fixture
from tests.report_fixture import NOW, PERIOD, SETTINGS, Fixture


@pytest.fixture
def fx(store: LocalStore) -> Fixture:
    return report_fixture.build(store)


def report(store: LocalStore, territory: str, **kw: object) -> TerritoryReport:
    with store.reading() as session:
        return build(session, territory, PERIOD, settings=SETTINGS, now=NOW, tz=dt.UTC, **kw)  # type: ignore[arg-type]


def section(result: TerritoryReport) -> report_view.Section:
    return {s.key: s for s in report_sections.sections(result)}["retention"]


def test_defections_by_type_each_account_once_as_its_latest_says(store: LocalStore, fx: Fixture) -> None:
    ret = report(store, fx["EAST"]).retention
    lines = [
        (d.name, d.status, d.defection_type, d.defected_on.isoformat(), d.revenue) for d in ret.defections
    ]
    assert lines == [
        ("A3 Corp", "lost", "organisational", "2026-06-25", 100_000),  # OR3 500 + OR4 500
        ("A1 Corp", "declining", "service", "2026-06-12", 400_000),  # OR2 3,000 + OR1 1,000
    ]
    by_type = {t.defection_type: (t.lost, t.declining, t.revenue_lost, t.revenue_at_stake) for t in ret.types}
    assert by_type == {
        "price": (0, 0, 0, 0),  # A3's price defection of the 5th was superseded on the 25th
        "product": (0, 0, 0, 0),  # A1's of 20 May is before the period
        "service": (0, 1, 0, 400_000),
        "market": (0, 0, 0, 0),  # West's is out of scope
        "technological": (0, 0, 0, 0),
        "organisational": (1, 0, 100_000, 0),
    }
    assert (ret.lost, ret.revenue_lost, ret.revenue_at_stake) == (1, 100_000, 400_000)


def test_defections_per_rep(store: LocalStore, fx: Fixture) -> None:
    reps = {r.rep: r for r in report(store, fx["EAST"]).retention.reps}
    assert set(reps) == {"Ann Archer", "Bob Baker"}
    ann, bob = reps["Ann Archer"], reps["Bob Baker"]
    assert (ann.lost, ann.declining, ann.revenue_lost, ann.revenue_at_stake) == (0, 1, 0, 400_000)
    assert (bob.lost, bob.declining, bob.revenue_lost, bob.revenue_at_stake) == (1, 0, 100_000, 0)
    assert {t: n for t, n in ann.by_type.items() if n} == {"service": 1}
    assert {t: n for t, n in bob.by_type.items() if n} == {"organisational": 1}


def test_declining_accounts_show_the_defection_recorded_or_not_yet(store: LocalStore, fx: Fixture) -> None:
    ret = report(store, fx["EAST"]).retention
    rows = [(d.name, d.previous, d.current, d.recorded_type, d.recorded_status) for d in ret.declining]
    assert rows == [
        ("A4 Corp", 200_000, 0, None, None),
        ("A1 Corp", 300_000, 100_000, "service", "declining"),
    ]
    assert ret.unexplained == 1
    table = next(t for t in section(report(store, fx["EAST"])).tables if t.key == "declining")
    assert [r[-1] for r in table.rows] == ["not yet", "Service (declining, 2026-06-12)"]


def test_a_child_territory_holds_only_its_own(store: LocalStore, fx: Fixture) -> None:
    ne = report(store, fx["NE"]).retention
    assert [d.name for d in ne.defections] == ["A1 Corp"]
    west = report(store, fx["WEST"]).retention
    assert [(d.name, d.defection_type, d.revenue) for d in west.defections] == [("W1 Corp", "market", 0)]


def test_the_section_kpis_tables_and_empty_period(store: LocalStore, fx: Fixture) -> None:
    sec = section(report(store, fx["EAST"]))
    assert sec.title == "Retention"
    assert [k.value for k in sec.kpis] == ["2", "$1.0k", "$4.0k", "1"]
    types = next(t for t in sec.tables if t.key == "defections_by_type")
    assert types.total == ("All types", 1, 1, 1.0, 100_000, 400_000)
    assert not any(t.key.startswith("complaint") for t in sec.tables)  # no complaint figures given
    with store.reading() as session:
        empty = build(
            session, fx["EAST"], Period(dt.date(2030, 1, 1), dt.date(2030, 1, 31)), settings=SETTINGS
        )
    assert (
        section(empty).empty
        == "No defections recorded in this period, and no customer's orders are declining."
    )


def test_complaint_figures_given_to_the_report_appear_in_the_section(store: LocalStore, fx: Fixture) -> None:
    seen: list[tuple[str, Period]] = []

    def complaints(session: Session, scope: Scope, period: Period) -> ComplaintFigures:
        seen.append((scope.label, period))
        return ComplaintFigures(
            (ComplaintCategory("delivery", 3, 1, 2), ComplaintCategory("billing", 1, 0, 1)),
            (ServiceTimes("A", 2, 3.5, 4.0, 0, 1, 30.0, 48.0, 0),),
            {fx["A4"]: 2},
        )

    sec = section(report(store, fx["EAST"], complaints=complaints))
    assert seen == [("East (EAST)", PERIOD)]
    tables = {t.key: t for t in sec.tables}
    assert tables["complaints_by_category"].total == ("All categories", 4, 3, 1)
    assert tables["complaint_times"].rows == (("A", 2, 3.5, 4.0, 0, 1, 30.0, 48.0, 0),)
    assert tables["at_risk_complaints"].rows == (("A4 Corp", "Bob Baker", 2, "not yet"),)
    assert [r[-1] for r in tables["declining"].rows] == [2, 0]  # open complaints per declining account


def test_the_csv_has_the_retention_tables(store: LocalStore, fx: Fixture) -> None:
    out = io.StringIO()
    report_view.write_csv(report_sections.sections(report(store, fx["EAST"])), out)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    start = rows.index(["Retention: Defections by type"])
    assert rows[start + 1] == ["Type", "Lost", "Declining", "Share", "Revenue lost", "Revenue at stake"]
    assert rows[start + 4] == ["Service", "0", "1", "0.5000", "0.00", "4000.00"]
    assert rows[start + 8] == ["All types", "1", "1", "1.0000", "1000.00", "4000.00"]
    grid = rows.index(["Retention: Defections per rep and type"])
    assert rows[grid + 2] == ["Ann Archer", "0", "0", "1", "0", "0", "0"]
    listed = rows.index(["Retention: Defections in the period"])
    assert rows[listed + 2][:6] == [
        "A3 Corp",
        "Bob Baker",
        "2026-06-25",
        "lost",
        "organisational",
        "DF4: organisational",
    ]


def test_the_pdf_shows_the_section(store: LocalStore, fx: Fixture, tmp_path: Path) -> None:
    assert shutil.which("pdftotext"), "poppler-utils (pdftotext) is needed"
    path = write_pdf(report(store, fx["EAST"]), tmp_path / "east.pdf")
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    )
    body = text.stdout
    retention = body[body.index("Retention\n") :]
    for expected in (
        "Defections by type",
        "Defections per rep",
        "Declining accounts",
        "Organisational",
        "DF4: organisational",
        "not yet",
        "Revenue lost",
    ):
        assert expected in retention, expected
    assert "Defections per rep and type" not in body  # the grid is the chart on paper, a table in the CSV


def test_a_reps_main_type_is_the_one_that_leads_or_mixed() -> None:
    from sfa_desktop.core.reports.retention_section import _main_type

    assert _main_type({"price": 2, "service": 1}) == "Price"
    assert _main_type({"price": 1, "service": 1}) == "mixed"
    assert _main_type({}) == ""
