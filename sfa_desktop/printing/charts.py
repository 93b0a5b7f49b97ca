"""Report charts (``core.report_view.Chart``) drawn with reportlab's graphics: vector drawings in the
document's font, with a legend, value axes labelled as money, counts or percentages."""

from __future__ import annotations

from typing import Any

from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.charts.piecharts import Pie
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth

from sfa_desktop.core.reports.view import PALETTE, Chart, money
from sfa_desktop.printing.base import FONT, FONT_BOLD, INK, MUTED, RULE, register_fonts

GRID = colors.HexColor("#e2e8f0")


def _label_format(chart: Chart, currency: str) -> Any:
    if chart.unit == "money":
        return lambda v: money(v, currency, short=True)
    if chart.unit == "percent":
        return lambda v: f"{v * 100:.0f}%"
    return lambda v: f"{v:,.0f}"


def _thin(labels: tuple[str, ...], width: float) -> list[str]:
    """Every n-th category label, so that they do not overlap in this width."""
    longest = max((len(label) for label in labels), default=1)
    room = max(1, int(width / (longest * 4.0 + 8)))
    step = max(1, -(-len(labels) // room))
    return [label if i % step == 0 else "" for i, label in enumerate(labels)]


def _style_axes(plot: Any, chart: Chart, currency: str, *, horizontal: bool = False) -> None:
    value_axis, category_axis = plot.valueAxis, plot.categoryAxis
    for axis in (value_axis, category_axis):
        axis.labels.fontName = FONT
        axis.labels.fontSize = 6.5
        axis.labels.fillColor = MUTED
        axis.strokeColor = RULE
        axis.strokeWidth = 0.5
    value_axis.labelTextFormat = _label_format(chart, currency)
    if chart.unit == "count":  # whole numbers: no step of a half, whose labels would read 0, 0, 1, 1, 2
        sums = [sum(s.values[i] for s in chart.series) for i in range(len(chart.categories))]
        top = max(sums if chart.kind == "stacked" else [v for s in chart.series for v in s.values] or [0])
        if 0 < top <= 8:
            value_axis.valueStep = 1
    value_axis.visibleGrid = True
    value_axis.gridStrokeColor = GRID
    value_axis.gridStrokeWidth = 0.4
    value_axis.forceZero = True
    value_axis.visibleTicks = False
    category_axis.visibleTicks = False
    if horizontal:
        category_axis.labels.boxAnchor = "e"
        category_axis.labels.dx = -3
        category_axis.categoryNames = list(chart.categories)
    else:
        category_axis.labels.boxAnchor = "n"
        category_axis.labels.dy = -3
        category_axis.categoryNames = _thin(chart.categories, plot.width)
    category_axis.joinAxisMode = "left" if horizontal else "bottom"


def _legend(drawing: Drawing, chart: Chart, x: float, y: float, *, rows: int = 8) -> None:
    series = chart.colored()
    if len(series) < 2 and chart.kind != "pie":
        return
    legend = Legend()
    legend.x, legend.y = x, y
    legend.fontName = FONT
    legend.fontSize = 7
    legend.alignment = "right"
    legend.dx = legend.dy = 6
    legend.columnMaximum = rows
    legend.deltay = 10
    legend.strokeColor = None
    if chart.kind == "pie":
        values = chart.series[0].values
        total = sum(values) or 1
        legend.colorNamePairs = [
            (colors.HexColor(_color(chart, i)), f"{name}: {v:,.0f} ({v / total:.0%})")
            for i, (name, v) in enumerate(zip(chart.categories, values, strict=True))
        ]
    else:
        legend.colorNamePairs = [(colors.HexColor(s.color), s.name) for s in series]
    drawing.add(legend)


def _color(chart: Chart, index: int) -> str:
    if chart.category_colors:
        return chart.category_colors[index % len(chart.category_colors)]
    return PALETTE[index % len(PALETTE)]


def drawing(chart: Chart, width: float, height: float, currency: str = "USD") -> Drawing:
    """The chart as a reportlab Drawing of this size (points), title included."""
    register_fonts()
    d = Drawing(width, height)
    title = chart.title
    while stringWidth(title, FONT_BOLD, 8.5) > width - 4 and len(title) > 4:
        title = title[:-2].rstrip() + "\u2026"
    d.add(String(0, height - 10, title, fontName=FONT_BOLD, fontSize=8.5, fillColor=INK))
    series = chart.colored()
    has_legend = len(series) >= 2 or chart.kind == "pie"
    #: a narrow chart has its legend under the plot (two rows), a wide one beside it
    below = has_legend and chart.kind != "pie" and width < 330
    legend_width = min(150, width * 0.32) if has_legend and not below else 0
    plot_width = width - legend_width
    lift = 24 if below else 0
    if chart.kind == "pie":
        pie = Pie()
        size = min(plot_width, height - 22) - 10
        pie.x, pie.y, pie.width, pie.height = 10, (height - 16 - size) / 2, size, size
        pie.data = [max(v, 0) for v in chart.series[0].values] or [1]
        pie.labels = None
        pie.slices.strokeColor = colors.white
        pie.slices.strokeWidth = 1
        for i in range(len(pie.data)):
            pie.slices[i].fillColor = colors.HexColor(_color(chart, i))
        d.add(pie)
        _legend(d, chart, size + 30, height / 2 + 10)
        return d
    if chart.kind == "hbar":
        plot: Any = HorizontalBarChart()
        label_room = 70
        plot.x, plot.y = label_room, 14 + lift
        plot.width, plot.height = plot_width - label_room - 10, height - 34 - lift
    else:
        plot = HorizontalLineChart() if chart.kind == "line" else VerticalBarChart()
        plot.x, plot.y = 42, 22 + lift
        plot.width, plot.height = plot_width - 52, height - 42 - lift
    if chart.kind == "hbar":  # reportlab draws the first category at the bottom: keep the reading order
        series = tuple(type(s)(s.name, tuple(reversed(s.values)), s.color) for s in series)
        chart = type(chart)(
            chart.kind,
            chart.title,
            tuple(reversed(chart.categories)),
            series,
            chart.unit,
            tuple(reversed(chart.category_colors)),
        )
    plot.data = [list(s.values) for s in series]
    _style_axes(plot, chart, currency, horizontal=chart.kind == "hbar")
    if chart.kind == "line":
        plot.joinedLines = 1
        for i, s in enumerate(series):
            plot.lines[i].strokeColor = colors.HexColor(s.color)
            plot.lines[i].strokeWidth = 1.6 if i == 0 else 1.1
    else:
        plot.barSpacing = 0.5
        plot.groupSpacing = 4 if len(chart.categories) > 12 else 8
        plot.bars.strokeColor = None
        for i, s in enumerate(series):
            plot.bars[i].fillColor = colors.HexColor(s.color)
        if chart.category_colors and len(series) == 1:
            for j in range(len(chart.categories)):
                plot.bars[(0, j)].fillColor = colors.HexColor(_color(chart, j))
        if chart.kind == "stacked":
            plot.categoryAxis.style = "stacked"
    d.add(plot)
    if below:
        _legend(d, chart, 4, 18, rows=2)
    else:
        _legend(d, chart, plot_width + 6, height - 24)
    return d
