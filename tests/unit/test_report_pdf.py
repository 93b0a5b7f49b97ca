"""The territory report as a PDF (parsed back with pypdf and rendered with pdftoppm: a summary page, the
sections with their charts and tables, page numbers) and as CSV (every table, every row)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtGui import QColor, QImage

from sfa_desktop.core.reports import sections as report_sections
from sfa_desktop.core.reports import view as report_view
from sfa_desktop.core.reports.base import Period
from sfa_desktop.core.reports.territory import TerritoryReport, build
from sfa_desktop.printing.territory_report import write_pdf
from sfa_desktop.store.database import LocalStore
from tests import report_fixture
from tests.report_fixture import NOW, PERIOD, SETTINGS


def make(store: LocalStore, period: Period = PERIOD) -> TerritoryReport:
    fx = report_fixture.build(store)
    with store.reading() as s:
        return build(s, fx["EAST"], period, settings=SETTINGS, now=NOW, tz=dt.UTC)


def pages_text(path: Path) -> list[str]:
    return [page.extract_text() for page in PdfReader(path).pages]


def test_pdf_has_a_summary_page_sections_tables_and_page_numbers(store: LocalStore, tmp_path: Path) -> None:
    path = write_pdf(make(store), tmp_path / "report.pdf")
    texts = pages_text(path)
    total = len(texts)
    assert total >= 3
    for number, text in enumerate(texts, start=1):
        assert f"Page {number} of {total}" in text
        assert "Territory report · East (EAST)" in text
    summary = texts[0]
    assert "1\u201330 Jun 2026" in summary
    assert "Includes New England (NE), Southeast (SE)." in summary
    assert "Compared with the previous 30 days (2\u201331 May 2026)" in summary
    for label in ("Accounts held", "Activities done", "Leads converted", "Open pipeline", "Revenue"):
        assert label in summary
    assert "Customer profitability:" in summary  # the list of sections with their headline
    body = "\n".join(texts[1:])
    for title in ("Coverage", "Activity", "Leads", "Pipeline", "Customer profitability", "Accounts at risk"):
        assert title in body
    assert "Ann Archer" in body
    assert "Bob Baker" in body
    assert "A1 Corp" in body
    assert "$136" in body
    assert "$35,000" in body  # the open pipeline
    assert "Activities per week, by kind" in body  # a chart's title: the drawings are there


def test_pdf_pages_render_with_charts(store: LocalStore, tmp_path: Path) -> None:
    assert shutil.which("pdftoppm"), "poppler-utils (pdftoppm) is needed"
    path = write_pdf(make(store), tmp_path / "report.pdf")
    subprocess.run(
        ["pdftoppm", "-png", "-r", "40", "-f", "2", "-l", "2", str(path), str(tmp_path / "p")], check=True
    )
    image = QImage(str(next(tmp_path.glob("p-*2.png"))))
    assert not image.isNull()
    assert image.width() > 300
    blue = QColor("#2563eb")
    near = 0
    for y in range(0, image.height(), 2):
        for x in range(0, image.width(), 2):
            c = image.pixelColor(x, y)
            if (
                abs(c.red() - blue.red()) < 30
                and abs(c.green() - blue.green()) < 30
                and abs(c.blue() - blue.blue()) < 30
            ):
                near += 1
    assert near > 50  # bars in the accent colour were drawn


def test_an_empty_period_gives_a_pdf_that_says_so(store: LocalStore, tmp_path: Path) -> None:
    report = make(store, Period(dt.date(2030, 1, 1), dt.date(2030, 1, 31)))
    texts = pages_text(write_pdf(report, tmp_path / "empty.pdf", page="Letter"))
    assert "No activity in this period." in texts[0]
    assert "No orders in this period or the one before." in "\n".join(texts)
    reader = PdfReader(tmp_path / "empty.pdf")
    assert round(float(reader.pages[0].mediabox.width)) == 612  # Letter


def test_csv_has_every_table_with_every_row(store: LocalStore) -> None:
    report = make(store)
    sections = report_sections.sections(report)
    out = io.StringIO()
    report_view.write_csv(sections, out, [("Territory report", "East (EAST)")])
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows[0] == ["Territory report", "East (EAST)"]
    titles = [r[0] for r in rows if len(r) == 1]
    assert titles == [
        "Coverage: Coverage per rep",
        "Coverage against service levels: Visits against the service level per segment",
        "Coverage against service levels: Visits, time with customers and on the road per rep",
        "Activity: Activities done per rep and kind",
        "Activity: Activities per week",
        "Activity: Sequence steps due in the period",
        "Leads: Leads per rep",
        "Pipeline: Pipeline by stage",
        "Pipeline: Pipeline per rep",
        "Revenue: Revenue per rep",
        "Customer profitability: Segments",
        "Customer profitability: Most profitable accounts",
        "Accounts at risk: Accounts at risk",
        "Accounts at risk: At risk per rep",
        "Retention: Defections by type",
        "Retention: Defections per rep",
        "Retention: Defections per rep and type",
        "Retention: Defections in the period",
        "Retention: Declining accounts",
    ]
    weeks = rows.index(["Activity: Activities per week"])
    assert rows[weeks + 1] == ["Week of", "Call", "Visit", "Email", "Meeting", "Task", "Note", "Total"]
    assert [r[-1] for r in rows[weeks + 2 : weeks + 7]] == ["2", "2", "0", "3", "0"]
    ranked = rows.index(["Customer profitability: Most profitable accounts"])
    assert rows[ranked + 2] == [
        "1",
        "A1 Corp",
        "Ann Archer",
        "1",
        "1000.00",
        "380.00",
        "4",
        "244.00",
        "136.00",
        "A",
    ]
    assert rows[ranked + 4][8] == "-155.00"
    leads = rows.index(["Leads: Leads per rep"])
    assert rows[leads + 4] == ["All reps", "5", "4", "3", "0.6000", "6.0"]


def test_long_tables_show_the_top_on_screen_and_all_in_the_csv(store: LocalStore) -> None:
    from sfa_desktop.core.records import services

    fx = report_fixture.build(store)
    with store.transaction() as s:
        for n in range(40):
            account = services.create(s, "accounts", {"name": f"Extra {n:02d}", "territory_id": fx["NE"]}).id
            services.create(
                s,
                "activities",
                {"kind": "email", "subject": "x", "account_id": account, "done_at": "2026-06-15 10:00+00:00"},
            )
    with store.reading() as s:
        report = build(s, fx["EAST"], PERIOD, settings=SETTINGS, now=NOW, tz=dt.UTC)
    section = {s.key: s for s in report_sections.sections(report)}["profitability"]
    ranked = next(t for t in section.tables if t.key == "profitability")
    assert len(ranked.rows) == 43
    assert len(ranked.visible_rows) == 25
    assert ranked.hidden == 18
    assert ranked.note == "The 25 best of 43 accounts; the CSV lists them all."
    worst = next(t for t in section.tables if t.key == "least_profitable")
    assert next(r[1] for r in worst.rows) == "A3 Corp"  # the least profitable first


@pytest.mark.parametrize(
    ("cents", "short", "text"),
    [
        (123456, False, "$1,235"),
        (-1500, False, "\u2212$15"),
        (1_234_500, True, "$12k"),
        (250_000_000, True, "$2.5M"),
    ],
)
def test_money_formats(cents: int, short: bool, text: str) -> None:
    assert report_view.money(cents, short=short) == text
