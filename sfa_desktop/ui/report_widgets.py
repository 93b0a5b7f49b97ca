"""The pieces of the Reports page: key-figure tiles, a read-only table model for report tables, and a card
per report section (its figures, its charts beside its tables)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, QPoint, Qt, Signal
from PySide6.QtGui import QColor, QFont, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QSizePolicy,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from sfa_desktop.core.reports.view import Chart, Kpi, Section, Table, format_value
from sfa_desktop.ui.charts import ChartWidget
from sfa_desktop.ui.icons import icon
from sfa_desktop.ui.widgets import named

_NUMERIC = ("int", "money", "percent", "change", "days", "float")
#: Tables with more columns than this go across the whole card, under the charts.
WIDE_TABLE = 7
_Index = QModelIndex | QPersistentModelIndex


class KpiTile(QFrame):
    def __init__(self, kpi: Kpi, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("kpiTile")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 14, 10)
        layout.setSpacing(1)
        layout.addWidget(named(QLabel(kpi.label), "kpiLabel"))
        self.value = named(QLabel(kpi.value), "kpiValue")
        layout.addWidget(self.value)
        detail = named(QLabel(kpi.detail), "kpiDetail")
        detail.setProperty("tone", kpi.tone or "plain")
        layout.addWidget(detail)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)


def kpi_row(kpis: tuple[Kpi, ...]) -> QWidget:
    row = QWidget()
    layout = QHBoxLayout(row)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(10)
    for kpi in kpis:
        layout.addWidget(KpiTile(kpi))
    return row


def two_lines(label: str, longest: int = 10) -> str:
    """A long column label on two lines (at the space nearest its middle), so numbers stay narrow."""
    if len(label) <= longest or " " not in label:
        return label
    spaces = [i for i, ch in enumerate(label) if ch == " "]
    cut = min(spaces, key=lambda i: abs(i - len(label) / 2))
    return label[:cut] + "\n" + label[cut + 1 :]


class ReportTableModel(QAbstractTableModel):
    """A report table's visible rows (and its total row), formatted; numbers right-aligned."""

    def __init__(self, table: Table, currency: str = "USD", parent: Any = None) -> None:
        super().__init__(parent)
        self.table = table
        self.currency = currency
        self.rows = list(table.visible_rows) + ([table.total] if table.total else [])

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.table.columns)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self.rows) or index.column() >= len(self.table.columns):
            return None
        column = self.table.columns[index.column()]
        value = self.rows[index.row()][index.column()]
        is_total = self.table.total is not None and index.row() == len(self.rows) - 1
        if role == Qt.ItemDataRole.DisplayRole:
            return format_value(column.kind, value, self.currency)
        if role == Qt.ItemDataRole.ToolTipRole and column.kind == "text" and value:
            return str(value)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            horizontal = (
                Qt.AlignmentFlag.AlignRight if column.kind in _NUMERIC else Qt.AlignmentFlag.AlignLeft
            )
            return int(horizontal | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.FontRole and is_total:
            font = QFont()
            font.setBold(True)
            return font
        if (
            role == Qt.ItemDataRole.ForegroundRole
            and column.kind == "money"
            and isinstance(value, int)
            and value < 0
        ):
            return QColor("#b91c1c")
        if role == Qt.ItemDataRole.ForegroundRole and column.kind == "change" and value:
            return QColor("#15803d" if value > 0 else "#b91c1c")
        if role == Qt.ItemDataRole.ForegroundRole and column.label == "Segment" and value in ("A", "B", "C"):
            return QColor({"A": "#15803d", "B": "#b45309", "C": "#b91c1c"}[value])
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.table.columns):
            return two_lines(self.table.columns[section].label)
        return None


#: Tables whose rows are customers at risk: their context menu offers to record a defection.
DEFECTION_TABLES = frozenset({"at_risk", "declining", "at_risk_complaints"})


class ReportTableView(QTableView):
    """A report table; ``drilled(Drill)`` when a row with records behind it is double-clicked (or Enter);
    ``defectionRequested(account id)`` from the context menu of an at-risk row."""

    drilled = Signal(object)
    defectionRequested = Signal(str)

    def __init__(self, table: Table, currency: str = "USD", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reportTable")
        self.table = table
        self.setModel(ReportTableModel(table, currency, self))
        self.activated.connect(lambda index: self._drill(index.row()))
        if table.drills:
            self.setToolTip("Double-click a row to see its records")
        if table.key in DEFECTION_TABLES:
            self.setToolTip("Double-click a row to open the account; right-click to record a defection")
            self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
            self.customContextMenuRequested.connect(self._menu)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAlternatingRowColors(True)
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.verticalHeader().hide()
        self.verticalHeader().setDefaultSectionSize(26)
        header = self.horizontalHeader()
        header.setHighlightSections(False)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        rows = self.model().rowCount()
        scroll = self.horizontalScrollBar().sizeHint().height()
        self.setFixedHeight(min(rows, 12) * 26 + header.sizeHint().height() + scroll + 4)
        self._text_column = next((i for i, c in enumerate(table.columns) if c.kind not in _NUMERIC), 0)

    def fit_columns(self) -> None:
        """Every column as wide as its contents and header; the first text column takes what is left."""
        header = self.horizontalHeader()
        widths = [
            max(self.sizeHintForColumn(i), header.sectionSizeHint(i)) + 8 for i in range(header.count())
        ]
        spare = self.viewport().width() - sum(widths)
        if widths:  # the text column takes what is left, or gives way (down to 100 px; its text elides)
            widths[self._text_column] = max(
                widths[self._text_column] + spare, min(100, widths[self._text_column])
            )
        for i, width in enumerate(widths):
            header.resizeSection(i, width)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit_columns()

    def _drill(self, row: int) -> None:
        drill = self.table.drill(row)
        if drill is not None:
            self.drilled.emit(drill)

    def _menu(self, pos: QPoint) -> None:
        drill = self.table.drill(self.indexAt(pos).row())
        if drill is None or drill.record_id is None:
            return
        account = drill.record_id
        menu = QMenu(self)
        menu.addAction(
            icon("lost", "#b91c1c"), "Record defection…", lambda: self.defectionRequested.emit(account)
        )
        menu.addAction("Open the account", lambda: self.drilled.emit(drill))
        menu.exec(self.viewport().mapToGlobal(pos))


class SectionCard(QFrame):
    """One report section: title, what it counts, key figures, then charts and tables side by side (or
    the section's "nothing in this period" message).  ``drilled(Drill)``: a table row was opened."""

    drilled = Signal(object)
    defectionRequested = Signal(str)

    def __init__(self, section: Section, currency: str = "USD", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reportSection")
        self.section = section
        self.charts: list[ChartWidget] = []
        self.tables: list[ReportTableView] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 18)
        layout.setSpacing(8)
        layout.addWidget(named(QLabel(section.title), "reportSectionTitle"))
        subtitle = named(QLabel(section.subtitle), "reportSectionSubtitle")
        subtitle.setWordWrap(True)
        layout.addWidget(subtitle)
        if section.kpis:
            layout.addWidget(kpi_row(section.kpis))
        self.empty_label: QLabel | None = None
        if section.empty:
            self.empty_label = named(QLabel(section.empty), "reportEmpty")
            self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            layout.addWidget(self.empty_label)
            return
        grid = QGridLayout()
        grid.setHorizontalSpacing(18)
        grid.setVerticalSpacing(10)
        charts = [c for c in section.charts if not c.is_empty]
        tables = [t for t in section.tables if t.rows and not t.csv_only]
        narrow = [t for t in tables if len(t.columns) <= WIDE_TABLE]
        # each chart with a narrow table beside it; then the other tables across the whole card
        row = 0
        for chart in charts:
            grid.addLayout(self._chart_box(chart, currency), row, 0)
            if narrow:
                grid.addLayout(self._table_box(narrow.pop(0), currency), row, 1)
            row += 1
        for table in tables:
            if table in narrow or len(table.columns) > WIDE_TABLE:
                grid.addLayout(self._table_box(table, currency), row, 0, 1, 2)
                row += 1
        grid.setColumnStretch(0, 5)
        grid.setColumnStretch(1, 6)
        layout.addLayout(grid)

    def _chart_box(self, chart: Chart, currency: str) -> QVBoxLayout:
        box = QVBoxLayout()
        box.addWidget(named(QLabel(chart.title), "chartTitle"))
        widget = ChartWidget(chart, currency)
        self.charts.append(widget)
        box.addWidget(widget, 1)
        return box

    def _table_box(self, table: Table, currency: str) -> QVBoxLayout:
        box = QVBoxLayout()
        box.addWidget(named(QLabel(table.title), "chartTitle"))
        view = ReportTableView(table, currency)
        view.drilled.connect(self.drilled)
        view.defectionRequested.connect(self.defectionRequested)
        self.tables.append(view)
        box.addWidget(view)
        if table.note:
            box.addWidget(named(QLabel(table.note), "reportNote"))
        box.addStretch(1)
        return box
