"""The pieces of the Reports page: key-figure tiles, a read-only table model for report tables, and a card
per report section (its figures, its charts beside its tables)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSizePolicy,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from sfa_desktop.core.report_view import Kpi, Section, Table, format_value
from sfa_desktop.ui.charts import ChartWidget
from sfa_desktop.ui.widgets import named

_NUMERIC = ("int", "money", "percent", "days", "float")
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
        if role == Qt.ItemDataRole.ForegroundRole and column.label == "Segment" and value in ("A", "B", "C"):
            return QColor({"A": "#15803d", "B": "#b45309", "C": "#b91c1c"}[value])
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.table.columns):
            return self.table.columns[section].label
        return None


class ReportTableView(QTableView):
    def __init__(self, table: Table, currency: str = "USD", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reportTable")
        self.setModel(ReportTableModel(table, currency, self))
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
        for i, column in enumerate(table.columns):
            mode = (
                QHeaderView.ResizeMode.Stretch
                if column.kind in _NUMERIC
                else QHeaderView.ResizeMode.ResizeToContents
            )
            header.setSectionResizeMode(i, mode)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        rows = self.model().rowCount()
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.setFixedHeight(min(rows, 12) * 26 + header.sizeHint().height() + 4)


class SectionCard(QFrame):
    """One report section: title, what it counts, key figures, then charts and tables side by side (or
    the section's "nothing in this period" message)."""

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
        for row, chart in enumerate(charts):
            box = QVBoxLayout()
            box.addWidget(named(QLabel(chart.title), "chartTitle"))
            widget = ChartWidget(chart, currency)
            self.charts.append(widget)
            box.addWidget(widget, 1)
            grid.addLayout(box, row, 0)
        for row, table in enumerate(tables):
            box = QVBoxLayout()
            box.addWidget(named(QLabel(table.title), "chartTitle"))
            view = ReportTableView(table, currency)
            self.tables.append(view)
            box.addWidget(view)
            if table.note:
                box.addWidget(named(QLabel(table.note), "reportNote"))
            box.addStretch(1)
            if charts:
                grid.addLayout(box, row, 1) if row < len(charts) else grid.addLayout(box, row, 0, 1, 2)
            else:
                grid.addLayout(box, row, 0, 1, 2)
        grid.setColumnStretch(0, 5)
        grid.setColumnStretch(1, 6)
        layout.addLayout(grid)
