"""The Sales tab of an account: this year and last, the last order, the monthly trend, the top products
and the orders with their lines, from :mod:`sfa_desktop.core.sales.history` (the same figures ``sfa sales``
prints).  Read-only: orders come from the company's systems."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from sfa_desktop.core.records.validation import format_money
from sfa_desktop.core.sales import history as sales
from sfa_desktop.core.sales.history import SalesSummary
from sfa_desktop.ops.sales import load_sales
from sfa_desktop.store.database import LocalStore
from sfa_desktop.ui.orders_model import OrdersModel
from sfa_desktop.ui.sales_chart import MonthlyChart, ProductBars, compact_money
from sfa_desktop.ui.tasks import Task, TaskRunner
from sfa_desktop.ui.widgets import BodyOrState, named


def _day(day: dt.date) -> str:
    return f"{day.day} {day.strftime('%b %Y')}"


class _Tile(QFrame):
    """A figure with its caption and a line of context."""

    def __init__(self, caption: str) -> None:
        super().__init__()
        self.setObjectName("kpiTile")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 14, 10)
        layout.setSpacing(2)
        self.caption = named(QLabel(caption.upper()), "kpiCaption")
        self.value = named(QLabel("—"), "kpiValue")
        self.note = named(QLabel(""), "kpiNote")
        self.note.setTextFormat(Qt.TextFormat.RichText)
        self.note.setWordWrap(True)
        for label in (self.caption, self.value, self.note):
            layout.addWidget(label)

    def show_figure(self, value: str, note: str = "") -> None:
        self.value.setText(value)
        self.note.setText(note)


def _card(title: str, content: QWidget) -> QFrame:
    card = named(QFrame(), "salesCard")
    layout = QVBoxLayout(card)
    layout.setContentsMargins(16, 12, 16, 14)
    layout.setSpacing(8)
    layout.addWidget(named(QLabel(title), "cardTitle"))
    layout.addWidget(content)
    return card


class SalesTab(QWidget):
    """``loaded`` fires when a record's figures are on screen."""

    loaded = Signal()

    def __init__(
        self, store: LocalStore, runner: TaskRunner, kind: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("salesTab")
        self._store = store
        self._runner = runner
        self.kind = kind
        self.record_id: str | None = None
        self.today: dt.date | None = None  # None: the real today (tests fix it)
        self._task: Task | None = None
        self.summary: SalesSummary | None = None
        self._build()

    def _build(self) -> None:
        body = named(QWidget(), "salesBody")
        column = QVBoxLayout(body)
        column.setContentsMargins(16, 14, 16, 16)
        column.setSpacing(12)
        tiles = QGridLayout()
        tiles.setSpacing(10)
        self.this_year = _Tile("This year to date")
        self.last_year = _Tile("Last year")
        self.last_order = _Tile("Last order")
        self.orders_this_year = _Tile("Orders this year")
        for number, tile in enumerate(
            (self.this_year, self.last_year, self.last_order, self.orders_this_year)
        ):
            tiles.addWidget(tile, number // 2, number % 2)
        column.addLayout(tiles)

        self.chart = MonthlyChart()
        chart_box = QWidget()
        chart_layout = QVBoxLayout(chart_box)
        chart_layout.setContentsMargins(0, 0, 0, 0)
        legend = QHBoxLayout()
        self.legend: dict[str, QLabel] = {}
        for key, color, text in (
            ("current", "#2563eb", "this year"),
            ("earlier", "#93c5fd", "earlier"),
            ("average", "#f59e0b", "monthly average"),
        ):
            swatch = QLabel()
            swatch.setFixedSize(10, 10 if key != "average" else 2)
            swatch.setStyleSheet(f"background: {color}; border-radius: 1px;")
            legend.addWidget(swatch)
            self.legend[key] = named(QLabel(text), "chartLegend")
            legend.addWidget(self.legend[key])
            legend.addSpacing(8)
        legend.addStretch(1)
        chart_layout.addLayout(legend)
        chart_layout.addWidget(self.chart)
        column.addWidget(_card(f"Monthly sales, last {sales.MONTHS} months", chart_box))

        self.products = ProductBars()
        column.addWidget(_card(f"Top products, last {sales.MONTHS} months", self.products))

        self.orders_model = OrdersModel(self)
        self.orders = named(QTreeView(), "ordersTree")
        self.orders.setModel(self.orders_model)
        self.orders.setAlternatingRowColors(True)
        self.orders.setUniformRowHeights(True)
        self.orders.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.orders.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.orders.setMinimumHeight(280)
        header = self.orders.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(60)
        for section in range(1, header.count()):
            header.setSectionResizeMode(section, QHeaderView.ResizeMode.ResizeToContents)
        self.orders_title = named(QLabel("Orders"), "cardTitle")
        orders_card = named(QFrame(), "salesCard")
        orders_layout = QVBoxLayout(orders_card)
        orders_layout.setContentsMargins(16, 12, 16, 14)
        orders_layout.addWidget(self.orders_title)
        orders_layout.addWidget(self.orders)
        column.addWidget(orders_card)
        column.addStretch(1)

        self._faces = BodyOrState(self, body, "salesScroll")
        self.empty = self._faces.state

    # -- the record tab protocol ------------------------------------------------------------------

    def show_record(self, record_id: str) -> None:
        if self._task is not None:
            self._task.discard()
        if record_id != self.record_id:
            self._show_state("Loading the sales history…")
        self.record_id = record_id
        self._task = self._runner.submit(load_sales, self._store, record_id, self.today)
        self._task.finished.connect(self._on_loaded)
        self._task.failed.connect(lambda exc: self._show_state(f"The sales history could not be read: {exc}"))

    def clear(self) -> None:
        if self._task is not None:
            self._task.discard()
            self._task = None
        self.record_id = None
        self.summary = None
        self.orders_model.set_orders([])
        self._show_state("")

    def _show_state(self, message: str) -> None:
        self._faces.show_state(message)

    def _on_loaded(self, result: object) -> None:
        assert isinstance(result, tuple)
        figures, orders = result
        assert isinstance(figures, SalesSummary)
        self._task = None
        self.summary = figures
        self.orders_model.set_orders(orders)
        if not orders:
            self._show_state(
                "No orders from this account yet.\nOrders come from the company's systems with each sync."
            )
            self.loaded.emit()
            return

        def money(cents: int) -> str:
            return format_money(cents, figures.currency)

        change = figures.change
        if change is None:
            note = "<span style='color:#64748b'>nothing in the same period last year</span>"
        else:
            color, arrow = ("#15803d", "▲") if change >= 0 else ("#b91c1c", "▼")
            note = (
                f"<span style='color:{color}; font-weight:600'>{arrow} {abs(change):.1%}</span>"
                f"<span style='color:#64748b'> vs {money(figures.last_year_to_date_cents)}</span>"
            )
        since = sales.same_day_last_year(figures.today)
        self.this_year.setToolTip(
            f"1 January to {_day(figures.today)}, against 1 January to {_day(since)}: "
            f"{money(figures.last_year_to_date_cents)}. Cancelled and returned orders are not counted."
        )
        self.this_year.show_figure(money(figures.this_year_cents), note)
        self.last_year.show_figure(money(figures.last_year_cents), f"full year {figures.today.year - 1}")
        if figures.last_order_date is not None:
            days = (figures.today - figures.last_order_date).days
            ago = "today" if days == 0 else "yesterday" if days == 1 else f"{days} days ago"
            self.last_order.show_figure(_day(figures.last_order_date), f"{figures.last_order_number} · {ago}")
        else:
            self.last_order.show_figure("—", "no counted orders")
        self.orders_this_year.show_figure(
            f"{figures.orders_this_year:,}", f"{money(figures.period_cents)} in {sales.MONTHS} months"
        )
        self.chart.set_data(figures.months, figures.currency, figures.today.year)
        self.legend["current"].setText(str(figures.today.year))
        self.legend["average"].setText(
            f"monthly average {compact_money(self.chart.average(), figures.currency)}"
        )
        self.products.set_data(figures.top_products, figures.currency)
        counted = sum(1 for o in orders if o.counted)
        self.orders_title.setText(
            f"Orders  ·  {len(orders):,}"
            + (f" ({len(orders) - counted} not counted)" if counted < len(orders) else "")
        )
        self._faces.show_body()
        self.loaded.emit()
