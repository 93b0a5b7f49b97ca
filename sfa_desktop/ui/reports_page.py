"""The Reports page: the territory report for a territory (with those below it) and a period, its sections
with charts and tables, and Export PDF… / CSV….  Everything is computed from what this laptop holds, on the
task runner."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from sfa_desktop.core.progress import Cancelled
from sfa_desktop.core.reports.base import Period, ReportError, TerritoryGone
from sfa_desktop.core.reports.territory import STAGES as REPORT_STAGES
from sfa_desktop.core.reports.view import Drill
from sfa_desktop.ops import territories as territory_ops
from sfa_desktop.store.database import LocalStore
from sfa_desktop.ui.icons import icon
from sfa_desktop.ui.progress import ProgressBridge
from sfa_desktop.ui.report_widgets import ReportTableView, SectionCard, kpi_row
from sfa_desktop.ui.tasks import TaskRunner
from sfa_desktop.ui.widgets import named

ALL = ""
#: Period presets: label -> (start, end) from today.
PRESETS: tuple[str, ...] = (
    "Last 7 days",
    "Last 30 days",
    "Last 90 days",
    "This month",
    "Last month",
    "This quarter",
    "Last quarter",
    "Year to date",
    "Custom",
)
DEFAULT_PRESET = "Last 90 days"


def preset_period(name: str, today: dt.date) -> tuple[dt.date, dt.date] | None:
    days = {"Last 7 days": 7, "Last 30 days": 30, "Last 90 days": 90}
    if name in days:
        return today - dt.timedelta(days=days[name] - 1), today
    month_start = today.replace(day=1)
    if name == "This month":
        return month_start, today
    if name == "Last month":
        end = month_start - dt.timedelta(days=1)
        return end.replace(day=1), end
    quarter_start = today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1)
    if name == "This quarter":
        return quarter_start, today
    if name == "Last quarter":
        end = quarter_start - dt.timedelta(days=1)
        return end.replace(month=(end.month - 1) // 3 * 3 + 1, day=1), end
    if name == "Year to date":
        return today.replace(month=1, day=1), today
    return None


def _qdate(day: dt.date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _date(value: QDate) -> dt.date:
    return dt.date(value.year(), value.month(), value.day())


class ReportsPage(QWidget):
    """``reportShown()`` fires when a report is on screen (or the page says why none is);
    ``exported(path)`` when a file was written."""

    reportShown = Signal()
    exported = Signal(str)
    #: a report row was opened: (section kind, record id or None, list filters) of the records behind it
    recordsRequested = Signal(str, object, object)

    def __init__(self, store: LocalStore, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reportsPage")
        self.store = store
        self.runner = runner
        self.today = dt.date.today()
        self.result: territory_ops.ReportResult | None = None
        self.cards: list[SectionCard] = []
        self._choices_loaded = False
        self._build()
        self.set_preset(DEFAULT_PRESET)

    # -- building -------------------------------------------------------------------------------

    def _build(self) -> None:
        header = named(QFrame(), "sectionHeader")
        bar = QHBoxLayout(header)
        bar.setContentsMargins(20, 14, 20, 14)
        bar.addWidget(named(QLabel("Reports"), "sectionTitle"))
        bar.addSpacing(16)
        self.territory = named(QComboBox(), "reportTerritory")
        self.territory.setMinimumWidth(136)
        self.territory.setToolTip("The territory, with every territory below it")
        self.preset = named(QComboBox(), "reportPreset")
        self.preset.addItems(PRESETS)
        self.start = named(QDateEdit(), "reportFrom")
        self.end = named(QDateEdit(), "reportTo")
        for edit in (self.start, self.end):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
        bar.addWidget(self.territory)
        bar.addWidget(self.preset)
        bar.addWidget(self.start)
        bar.addWidget(QLabel("to"))
        bar.addWidget(self.end)
        bar.addStretch(1)
        self.costs_button = QPushButton("Costs…")
        self.costs_button.setToolTip("What each activity and order costs (cost to serve), and the thresholds")
        self.csv_button = QPushButton(icon("export"), "Export CSV…")
        self.pdf_button = named(QPushButton(icon("export", "#ffffff"), "Export PDF…"), "primaryButton")
        for button in (self.costs_button, self.csv_button, self.pdf_button):
            bar.addWidget(button)

        self.banner = named(QFrame(), "reportBanner")
        banner_row = QHBoxLayout(self.banner)
        banner_row.setContentsMargins(20, 8, 20, 8)
        self.banner_text = named(QLabel(), "reportBannerText")
        self.banner_text.setWordWrap(True)
        self.banner_button = named(QPushButton(), "bannerButton")
        self._banner_action: Any = None
        self.banner_button.clicked.connect(self._banner_clicked)
        banner_row.addWidget(self.banner_text, 1)
        banner_row.addWidget(self.banner_button)
        self.banner.hide()

        # while a report is being made (seconds on a large territory): what it is counting, how far along
        self.progress_panel = named(QFrame(), "reportProgress")
        progress_row = QHBoxLayout(self.progress_panel)
        progress_row.setContentsMargins(20, 8, 20, 8)
        self.progress_text = named(QLabel(), "reportProgressText")
        self.progress_bar = named(QProgressBar(), "reportProgressBar")
        self.progress_bar.setRange(0, len(REPORT_STAGES))
        self.progress_bar.setTextVisible(False)
        self.progress_bar.setFixedWidth(240)
        progress_row.addWidget(self.progress_text, 1)
        progress_row.addWidget(self.progress_bar)
        self.progress_panel.hide()
        self._making: ProgressBridge | None = None

        self.body = named(QWidget(), "reportBody")
        self.body_layout = QVBoxLayout(self.body)
        self.body_layout.setContentsMargins(20, 16, 20, 20)
        self.body_layout.setSpacing(14)
        self.scroll_area = named(QScrollArea(), "reportScroll")
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setWidget(self.body)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(header)
        layout.addWidget(self.banner)
        layout.addWidget(self.progress_panel)
        layout.addWidget(self.scroll_area, 1)

        self.preset.currentTextChanged.connect(self.set_preset)
        self.start.dateChanged.connect(self._dates_edited)
        self.end.dateChanged.connect(self._dates_edited)
        self.territory.activated.connect(lambda _i: self.refresh())
        self.pdf_button.clicked.connect(self.export_pdf)
        self.csv_button.clicked.connect(self.export_csv)
        self.costs_button.clicked.connect(self.edit_costs)

    # -- choices ----------------------------------------------------------------------------------

    def page_shown(self) -> None:
        """Reload the territories (a sync may have changed them) and the report."""
        self.runner.submit(territory_ops.report_choices, self.store).finished.connect(self._set_choices)

    def _set_choices(self, choices: object) -> None:
        assert isinstance(choices, territory_ops.ReportChoices)
        current = self.territory_id()
        self.territory.blockSignals(True)
        self.territory.clear()
        self.territory.addItem("All my territories" if choices.rights.connected else "All territories", ALL)
        for territory_id, label in choices.territories:
            self.territory.addItem(label, territory_id)
        index = self.territory.findData(current if current is not None else ALL)
        self.territory.setCurrentIndex(max(index, 0))
        self.territory.blockSignals(False)
        self._choices_loaded = True
        if current is not None and index < 0:
            self._gone(current)
            return
        self.refresh()

    def territory_id(self) -> str | None:
        if self.territory.count() == 0:
            return None
        data = self.territory.currentData()
        return None if data in (None, ALL) else str(data)

    def choose_territory(self, territory_id: str | None) -> None:
        index = self.territory.findData(territory_id or ALL)
        if index >= 0:
            self.territory.setCurrentIndex(index)
        self.refresh()

    # -- period -----------------------------------------------------------------------------------

    def set_preset(self, name: str) -> None:
        chosen = preset_period(name, self.today)
        if chosen is None:
            return
        for edit, day in zip((self.start, self.end), chosen, strict=True):
            edit.blockSignals(True)
            edit.setDate(_qdate(day))
            edit.blockSignals(False)
        if self.preset.currentText() != name:
            self.preset.blockSignals(True)
            self.preset.setCurrentText(name)
            self.preset.blockSignals(False)
        self.refresh()

    def _dates_edited(self) -> None:
        self.preset.blockSignals(True)
        self.preset.setCurrentText("Custom")
        self.preset.blockSignals(False)
        self.refresh()

    def set_period(self, start: dt.date, end: dt.date) -> None:
        for edit, day in ((self.start, start), (self.end, end)):
            edit.blockSignals(True)
            edit.setDate(_qdate(day))
            edit.blockSignals(False)
        self._dates_edited()

    # -- the report -------------------------------------------------------------------------------

    def refresh(self) -> None:
        if not self._choices_loaded:
            return
        start, end = _date(self.start.date()), _date(self.end.date())
        try:
            Period(start, end)
        except ReportError as exc:
            self._show_problem(str(exc))
            return
        territory_id = self.territory_id()
        self._stop_making()  # a newer report is wanted: the one being made stops at its next section
        making = ProgressBridge(self)
        self._making = making
        making.progressChanged.connect(self._progressed)
        self._progressed("Starting", 0, len(REPORT_STAGES))
        self.progress_panel.show()
        task = self.runner.submit(
            territory_ops.make_report, self.store, territory_id, start, end, making.progress
        )
        task.finished.connect(lambda result, m=making: self._made(m, result))
        task.failed.connect(lambda exc, t=territory_id, m=making: self._made(m, exc, t))

    def _progressed(self, stage: str, done: int, total: int) -> None:
        scope = self.territory.currentText().strip() or "your territories"
        self.progress_text.setText(f"Making the report for {scope}: {stage.lower()}… ({done} of {total})")
        self.progress_bar.setValue(done)

    def _stop_making(self) -> None:
        if self._making is not None:
            self._making.progressChanged.disconnect(self._progressed)
            self._making.cancel()
            self._making = None

    def _made(self, making: ProgressBridge, outcome: object, territory_id: str | None = None) -> None:
        """A report job ended: show its report or its failure, unless a newer report replaced it."""
        making.deleteLater()
        if making is not self._making:
            return
        self._making = None
        self.progress_panel.hide()
        if isinstance(outcome, territory_ops.ReportResult):
            self._show_result(outcome)
        else:
            self._failed(outcome, territory_id)

    def _failed(self, exc: object, territory_id: str | None) -> None:
        if isinstance(exc, Cancelled):
            return
        if isinstance(exc, TerritoryGone) and territory_id is not None:
            self._gone(territory_id, str(exc))
        elif isinstance(exc, ReportError):
            self._show_problem(str(exc))
        else:
            self._show_problem(f"The report could not be made: {exc}")

    def _gone(self, territory_id: str, message: str = "") -> None:
        """The territory on screen was deleted: say so, offer all the user's territories instead."""
        self._clear()
        self.result = None
        self._banner(
            message or "The territory of this report no longer exists (deleted here or by a sync).",
            "Show all my territories",
            lambda: self.choose_territory(None),
        )
        self._update_buttons()
        self.reportShown.emit()

    def _show_problem(self, message: str) -> None:
        self._clear()
        self.result = None
        self._banner(message)
        self._update_buttons()
        self.reportShown.emit()

    def _banner(self, message: str, button: str = "", action: Any = None) -> None:
        self.banner_text.setText(message)
        self._banner_action = action
        self.banner_button.setVisible(bool(button))
        if button:
            self.banner_button.setText(button)
        self.banner.show()

    def _banner_clicked(self) -> None:
        if self._banner_action is not None:
            self._banner_action()

    def _clear(self) -> None:
        self.cards = []
        while self.body_layout.count():
            item = self.body_layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()

    def _show_result(self, result: object) -> None:
        assert isinstance(result, territory_ops.ReportResult)
        self.result = result
        self.banner.hide()
        self._clear()
        report = result.report
        currency = report.settings.currency
        title = named(QLabel(f"{report.scope.label} · {report.period.label()}"), "reportTitle")
        self.body_layout.addWidget(title)
        includes = f"Includes {', '.join(report.scope.children)}. " if report.scope.children else ""
        detail = named(
            QLabel(
                f"{includes}Compared with {report.period.previous.label()}. From the records on this laptop."
            ),
            "reportSectionSubtitle",
        )
        detail.setWordWrap(True)
        self.body_layout.addWidget(detail)
        if not report.has_activity:
            empty = named(QLabel("No activity in this period."), "reportNoActivity")
            self.body_layout.addWidget(empty)
        self.body_layout.addWidget(kpi_row(result.summary))
        if result.reps.rows:
            glance = named(QFrame(), "reportSection")
            box = QVBoxLayout(glance)
            box.setContentsMargins(20, 14, 20, 14)
            box.addWidget(named(QLabel(result.reps.title), "reportSectionTitle"))
            self.glance = ReportTableView(result.reps, currency)
            self.glance.drilled.connect(self.open_records)
            box.addWidget(self.glance)
            self.body_layout.addWidget(glance)
        for section in result.sections:
            card = SectionCard(section, currency)
            card.drilled.connect(self.open_records)
            card.defectionRequested.connect(self.record_defection)
            self.cards.append(card)
            self.body_layout.addWidget(card)
        self.body_layout.addStretch(1)
        self._update_buttons()
        self.reportShown.emit()

    def open_records(self, drill: object) -> None:
        """Show the records behind a report row: the record itself, or its list filtered to them."""
        assert isinstance(drill, Drill)
        if self.result is None:
            return
        filters = [] if drill.record_id else territory_ops.drill_filters(self.result, drill)
        self.recordsRequested.emit(drill.kind, drill.record_id, filters)

    def record_defection(self, account_id: str) -> None:
        """An at-risk customer's defection (its row's context menu); the report is made again after."""
        from sfa_desktop.ui.defection_dialog import open_dialog

        open_dialog(self, self.store, self.runner, account_id, declining=True, done=lambda _r: self.refresh())

    def _update_buttons(self) -> None:
        for button in (self.pdf_button, self.csv_button):
            button.setEnabled(self.result is not None)

    # -- export -----------------------------------------------------------------------------------

    def _suggested(self, suffix: str) -> str:
        assert self.result is not None
        report = self.result.report
        scope = report.scope.label.split(" (")[-1].rstrip(")") if report.scope.territory_id else "all"
        period = f"{report.period.start.isoformat()}-{report.period.end.isoformat()}"
        return f"territory-report-{scope}-{period}{suffix}"

    def export_pdf(self, path: str | None = None) -> None:
        self._export("PDF files (*.pdf)", ".pdf", territory_ops.write_pdf, path)

    def export_csv(self, path: str | None = None) -> None:
        self._export("CSV files (*.csv)", ".csv", territory_ops.write_csv, path)

    def _export(self, filter_: str, suffix: str, job: Any, path: str | None) -> None:
        if self.result is None:
            return
        if not path:
            path, _ = QFileDialog.getSaveFileName(self, "Export the report", self._suggested(suffix), filter_)
        if not path:
            return
        target = Path(path) if Path(path).suffix.lower() == suffix else Path(path + suffix)
        task = self.runner.submit(job, self.result, target)
        task.finished.connect(lambda written: self._exported(str(written)))
        task.failed.connect(lambda exc: self._banner(f"The report could not be written to {target}: {exc}"))

    def _exported(self, path: str) -> None:
        self._banner(f"The report was written to {path}.")
        self.exported.emit(path)

    def edit_costs(self) -> None:
        from sfa_desktop.ui.cost_settings import CostSettingsDialog

        dialog = CostSettingsDialog(self.store, self.runner, self)
        dialog.saved.connect(self.refresh)
        dialog.open()


def make_page(window: Any) -> ReportsPage:
    """The page for ``extensions.PAGES``: refreshed when shown and after every sync."""
    page = ReportsPage(window.store, window.runner)

    def show_records(kind: str, record_id: object, filters: object) -> None:
        section = window.show_section(kind)
        if isinstance(record_id, str):
            section.open_record(record_id)
            return
        assert isinstance(filters, list)
        section.set_search_text("")
        section.column_filters.set_filters(filters)

    page.recordsRequested.connect(show_records)
    sync = getattr(window, "sync", None)
    if sync is not None and hasattr(sync, "synced"):
        sync.synced.connect(lambda: page.page_shown() if page.isVisible() else None)
    return page
