"""The Reports page: the territory report's sections with charts and tables, an empty period, an end date
before the start, a territory deleted while its report is open, Export PDF/CSV, the Costs dialog; the
charts' painting and tooltips, and the report table model."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from PySide6.QtCore import QPointF, Qt

from sfa_desktop.core import settings
from sfa_desktop.core.records import services
from sfa_desktop.core.reports.view import Chart, Col, Series, Table
from sfa_desktop.store.database import LocalStore
from sfa_desktop.ui.charts import ChartWidget, nice_ticks
from sfa_desktop.ui.cost_settings import CostSettingsDialog
from sfa_desktop.ui.report_widgets import ReportTableModel, two_lines
from sfa_desktop.ui.reports_page import ReportsPage, preset_period
from tests import report_fixture
from tests.report_fixture import PERIOD, Fixture


@pytest.fixture
def fx(store: LocalStore) -> Fixture:
    return report_fixture.build(store)


def open_page(qtbot: Any, store: LocalStore, runner: Any) -> ReportsPage:
    page = ReportsPage(store, runner)
    qtbot.addWidget(page)
    page.setMinimumSize(1300, 850)  # fixed: the offscreen platform warns about size hints
    with qtbot.waitSignal(page.reportShown):
        page.page_shown()
    page.show()
    return page


def show(qtbot: Any, page: ReportsPage, territory: str | None, start: dt.date, end: dt.date) -> None:
    with qtbot.waitSignal(page.reportShown):
        page.set_period(start, end)
    if territory is not None:
        with qtbot.waitSignal(page.reportShown):
            page.choose_territory(territory)


def test_the_report_shows_every_section_with_charts_and_tables(
    qtbot, store, runner, fx, qtmodeltester
) -> None:
    page = open_page(qtbot, store, runner)
    labels = [page.territory.itemText(i) for i in range(page.territory.count())]
    assert labels == [
        "All territories",
        "East (EAST)",
        "    New England (NE)",
        "    Southeast (SE)",
        "West (WEST)",
    ]
    show(qtbot, page, fx["EAST"], PERIOD.start, PERIOD.end)
    assert page.preset.currentText() == "Custom"
    assert page.result is not None
    assert page.result.report.scope.label == "East (EAST)"
    assert [c.section.title for c in page.cards] == [
        "Coverage",
        "Coverage against service levels",
        "Activity",
        "Leads",
        "Pipeline",
        "Revenue",
        "Customer profitability",
        "Accounts at risk",
        "Retention",
    ]
    coverage = page.cards[0]
    assert coverage.empty_label is None
    assert len(coverage.charts) == 1
    assert len(coverage.tables) == 1
    model = coverage.tables[0].model()
    assert isinstance(model, ReportTableModel)
    qtmodeltester.check(model)
    assert [model.index(2, c).data() for c in range(6)] == ["All reps", "4", "4", "3", "75%", "3"]
    activity = next(c for c in page.cards if c.section.key == "activity")
    assert [c.chart.kind for c in activity.charts] == ["stacked", "pie"]
    assert len(activity.tables) == 2  # per rep and sequence steps; the weekly figures are the chart's
    visits = next(c for c in page.cards if c.section.key == "visit_coverage")  # issue 16, item 5
    assert len(visits.tables) == 2
    assert len(visits.charts) == 1
    for card in page.cards:
        for chart in card.charts:
            assert not chart.grab().isNull()  # paints without errors
    assert page.pdf_button.isEnabled()
    assert page.csv_button.isEnabled()


def test_an_empty_period_says_no_activity(qtbot, store, runner, fx) -> None:
    page = open_page(qtbot, store, runner)
    show(qtbot, page, fx["EAST"], dt.date(2031, 1, 1), dt.date(2031, 1, 31))
    texts = [label.text() for label in page.body.findChildren(type(page.banner_text))]
    assert "No activity in this period." in texts
    activity = next(c for c in page.cards if c.section.key == "activity")
    assert activity.empty_label is not None
    assert activity.empty_label.text() == "No activity in this period."
    assert activity.charts == []  # no empty chart


def test_an_end_before_the_start_names_the_dates(qtbot, store, runner, fx) -> None:
    page = open_page(qtbot, store, runner)
    with qtbot.waitSignal(page.reportShown):
        page.set_period(dt.date(2026, 6, 30), dt.date(2026, 6, 1))
    assert page.banner.isVisible()
    assert "ends on 2026-06-01, before it starts on 2026-06-30" in page.banner_text.text()
    assert not page.pdf_button.isEnabled()
    assert page.cards == []


def test_a_territory_deleted_while_its_report_is_open(qtbot, store, runner, fx) -> None:
    with store.transaction() as s:
        temp = services.create(
            s, "territories", {"code": "TMP", "name": "Temporary", "parent_id": fx["EAST"]}
        ).id
    page = open_page(qtbot, store, runner)
    show(qtbot, page, temp, PERIOD.start, PERIOD.end)
    assert page.result is not None
    with store.transaction() as s:  # deleted, here or by a sync
        services.delete(s, "territories", temp)
    with qtbot.waitSignal(page.reportShown):
        page.page_shown()
    assert page.banner.isVisible()
    assert "no longer exists" in page.banner_text.text()
    assert page.banner_button.text() == "Show all my territories"
    assert page.territory.findData(temp) == -1  # gone from the choices
    with qtbot.waitSignal(page.reportShown):
        page.banner_button.click()
    assert page.result is not None
    assert page.result.report.scope.label == "All territories"
    assert not page.banner.isVisible()


def test_export_pdf_and_csv(qtbot, store, runner, fx, tmp_path: Path) -> None:
    page = open_page(qtbot, store, runner)
    show(qtbot, page, fx["NE"], PERIOD.start, PERIOD.end)
    with qtbot.waitSignal(page.exported) as pdf:
        page.export_pdf(str(tmp_path / "ne"))
    assert pdf.args == [str(tmp_path / "ne.pdf")]
    text = PdfReader(tmp_path / "ne.pdf").pages[0].extract_text()
    assert "New England (NE)" in text
    with qtbot.waitSignal(page.exported):
        page.export_csv(str(tmp_path / "ne.csv"))
    assert (
        (tmp_path / "ne.csv").read_bytes().startswith(b"\xef\xbb\xbfTerritory report,")
    )  # BOM, as every CSV
    rows = list(csv.reader((tmp_path / "ne.csv").read_text(encoding="utf-8-sig").splitlines()))
    assert rows[0] == ["Territory report", "New England (NE)"]
    assert "was written to" in page.banner_text.text()
    assert page._suggested(".pdf") == "territory-report-NE-2026-06-01-2026-06-30.pdf"


def test_the_costs_dialog_saves_the_settings(qtbot, store, runner, fx) -> None:
    dialog = CostSettingsDialog(store, runner)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(dialog.buttons.isEnabled)
    assert dialog.costs["cost_visit"].value() == 180
    assert dialog.costs["cost_visit"].prefix() == "$ "
    dialog.costs["cost_visit"].setValue(212.5)
    dialog.numbers["report_no_contact_days"].setValue(45)
    with qtbot.waitSignal(dialog.saved):
        dialog.save()
    with store.reading() as s:
        assert settings.get(s, "cost_visit") == "212.50"
        assert settings.get(s, "report_no_contact_days") == "45"


def test_presets() -> None:
    today = dt.date(2026, 5, 20)
    assert preset_period("Last 7 days", today) == (dt.date(2026, 5, 14), today)
    assert preset_period("This month", today) == (dt.date(2026, 5, 1), today)
    assert preset_period("Last month", today) == (dt.date(2026, 4, 1), dt.date(2026, 4, 30))
    assert preset_period("This quarter", today) == (dt.date(2026, 4, 1), today)
    assert preset_period("Last quarter", today) == (dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    assert preset_period("Year to date", today) == (dt.date(2026, 1, 1), today)
    assert preset_period("Custom", today) is None


def test_nice_ticks() -> None:
    assert nice_ticks(0, 87) == [0, 20, 40, 60, 80, 100]
    assert nice_ticks(-1500, 13600)[0] <= -1500
    assert nice_ticks(0, 0) == [0, 0.2, 0.4, 0.6, 0.8, 1.0]
    assert nice_ticks(0, 2, whole=True) == [0, 1, 2]  # counts: no half steps
    assert nice_ticks(0, 87, whole=True) == [0, 20, 40, 60, 80, 100]


@pytest.mark.parametrize("kind", ["bar", "stacked", "hbar", "line", "pie"])
def test_charts_paint_and_tell_the_value_under_the_mouse(qtbot, kind: str) -> None:
    chart = Chart(
        kind,
        "Test",
        ("Ann", "Bob", "Cat"),
        (Series("Won", (120_000.0, 50_000.0, 0.0)), Series("Lost", (10_000.0, 0.0, 30_000.0)))
        if kind != "pie"
        else (Series("Steps", (3.0, 1.0, 1.0)),),
        "money" if kind != "pie" else "count",
    )
    widget = ChartWidget(chart)
    qtbot.addWidget(widget)
    widget.resize(500, 260)
    assert not widget.grab().isNull()
    hits = [widget.value_at(QPointF(x, y)) for x in range(0, 500, 5) for y in range(0, 260, 5)]
    found = {h for h in hits if h}
    if kind == "pie":
        assert "Ann: 3" in found
    elif kind == "line":
        assert "Cat · Won: $0 · Lost: $300" in found
    else:
        assert "Ann · Won: $1.2k" in found
        assert "Cat · Lost: $300" in found


def test_an_empty_chart_says_so(qtbot) -> None:
    widget = ChartWidget(Chart("bar", "Nothing", ("A",), (Series("x", (0.0,)),)))
    qtbot.addWidget(widget)
    widget.resize(300, 200)
    assert not widget.grab().isNull()
    assert widget.chart.is_empty


def test_table_model_formats_and_marks_totals(qtbot, qtmodeltester) -> None:
    table = Table(
        "t",
        "T",
        (Col("Rep"), Col("Net", "money"), Col("Rate", "percent")),
        (("Ann", -1500, 0.5),),
        ("All", -1500, None),
    )
    model = ReportTableModel(table)
    qtmodeltester.check(model)
    assert [model.index(0, c).data() for c in range(3)] == ["Ann", "\u2212$15", "50%"]
    assert model.index(1, 2).data() == "\u2013"
    assert model.headerData(1, Qt.Orientation.Horizontal) == "Net"
    assert two_lines("Median days to convert") == "Median days\nto convert"
    assert two_lines("Accounts") == "Accounts"


def test_progress_shows_while_the_report_is_made_and_a_newer_one_replaces_it(
    qtbot, store, runner, fx
) -> None:
    """Issue 14, item 7: the page stayed blank for seconds while a large report was made."""
    page = open_page(qtbot, store, runner)
    assert not page.progress_panel.isVisible()
    page.set_period(dt.date(2026, 5, 1), dt.date(2026, 5, 31))
    first = page._making
    assert first is not None  # a report is being made
    assert page.progress_panel.isVisible()
    assert page.progress_text.text().startswith("Making the report for All territories:")
    with qtbot.waitSignal(page.reportShown, timeout=10000):
        page.set_period(PERIOD.start, PERIOD.end)  # changed again before the first is done
    assert first.progress.cancelled
    assert page._making is None
    assert not page.progress_panel.isVisible()
    assert page.result is not None
    assert page.result.report.period == PERIOD  # the newer report, not the one replaced
    assert page.banner.isHidden()


def test_double_clicking_a_row_opens_its_records(qtbot, store, runner, fx) -> None:
    """Issue 14, item 7: no drill-down.  A rep, a stage or an account opens the records behind it: the list
    filtered to them (by the report's territories, the rep, the stage, the period) or the record."""
    from PySide6.QtTest import QTest

    from sfa_desktop.ui.mainwindow import MainWindow

    window = MainWindow(store, runner, initial="contacts")
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.section("contacts").settled):
        window.show()
    page = window.show_page("reports")
    assert isinstance(page, ReportsPage)
    with qtbot.waitSignal(page.reportShown, timeout=10000):
        page.page_shown()
    show(qtbot, page, fx["EAST"], PERIOD.start, PERIOD.end)

    def open_row(view: Any, first_cell: str) -> None:
        model = view.model()
        row = next(r for r in range(model.rowCount()) if model.index(r, 0).data() == first_cell)
        cell = view.visualRect(model.index(row, 1)).center()
        QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, cell)
        QTest.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, cell)

    def listed(kind: str) -> set[str]:
        section = window.section(kind)
        qtbot.waitUntil(lambda: section.model.is_loaded, timeout=5000)
        names = {section.model.index(r, 0).data() for r in range(section.model.rowCount())}
        return names

    open_row(page.glance, "Bob Baker")  # his accounts in East (W1 is in West)
    assert window.current_key() == "accounts"
    qtbot.waitUntil(lambda: listed("accounts") == {"A3 Corp", "A4 Corp"}, timeout=5000)
    filters = window.section("accounts").column_filters.filters
    assert {f.column for f in filters} == {"territory", "owner"}
    window.show_page("reports")
    pipeline = next(c for c in page.cards if c.section.key == "pipeline")
    stages = next(view for view in pipeline.tables if view.table.key == "pipeline_stages")
    open_row(stages, "Proposal")  # O2 in East; OW, in West, is not in the report
    assert window.current_key() == "opportunities"
    qtbot.waitUntil(lambda: listed("opportunities") == {"O2"}, timeout=5000)
    chips = window.section("opportunities").column_filters.filters
    assert {f.column for f in chips} == {"territory", "stage"}  # shown, and removable, in the filter bar
    window.show_page("reports")
    leads = next(c for c in page.cards if c.section.key == "leads")
    open_row(leads.tables[0], "Ann Archer")  # created in June
    qtbot.waitUntil(lambda: len(listed("leads")) == 3, timeout=5000)
    window.show_page("reports")
    profit = next(c for c in page.cards if c.section.key == "profitability")
    ranked = next(view for view in profit.tables if view.table.key == "profitability")
    open_row(ranked, "1")  # rank 1: the record itself
    accounts = window.section("accounts")
    assert window.current_key() == "accounts"
    assert page.result is not None
    top = page.result.report.profitability.accounts[0]
    qtbot.waitUntil(lambda: accounts.form.record_id == top.account_id, timeout=5000)
