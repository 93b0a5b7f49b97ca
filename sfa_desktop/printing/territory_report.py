"""The territory report as a PDF: a summary page with the key figures, then each section with its figures,
its charts (reportlab graphics) and its tables; "Page X of Y" on every page (``printing.base``)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (
    CondPageBreak,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from sfa_desktop.core.reports import view as report_view
from sfa_desktop.core.reports.sections import reps_at_a_glance, sections, summary
from sfa_desktop.core.reports.territory import TerritoryReport
from sfa_desktop.core.reports.view import Kpi, Section
from sfa_desktop.printing.base import (
    ACCENT,
    FONT,
    FONT_BOLD,
    INK,
    MARGIN,
    RULE,
    numbered_canvas,
    page_size,
    styles,
)
from sfa_desktop.printing.charts import drawing

TILE = colors.HexColor("#f8fafc")
GOOD = colors.HexColor("#15803d")
BAD = colors.HexColor("#b91c1c")
HEADER_FILL = colors.HexColor("#f1f5f9")
_NUMERIC = ("int", "money", "percent", "change", "days", "float")
_CELL = ParagraphStyle("cell", fontName=FONT, fontSize=7.5, leading=9.2, textColor=INK)
_KPI = ParagraphStyle("kpi", fontName=FONT_BOLD, fontSize=15, leading=19, textColor=INK)


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _kpi_tiles(kpis: Sequence[Kpi], width: float, per_row: int = 4) -> Table:
    s = {**styles(), "kpi": _KPI}
    cells = []
    for kpi in kpis:
        tone = {"good": "#15803d", "bad": "#b91c1c"}.get(kpi.tone, "#64748b")
        cells.append(
            [
                Paragraph(_esc(kpi.label), s["muted"]),
                Paragraph(_esc(kpi.value), s["kpi"]),
                Paragraph(f"<font color='{tone}'>{_esc(kpi.detail)}</font>", s["small"])
                if kpi.detail
                else Spacer(1, 0),
            ]
        )
    rows: list[list[Any]] = [cells[i : i + per_row] for i in range(0, len(cells), per_row)]
    rows[-1] += [None] * (per_row - len(rows[-1]))
    table = Table(rows, colWidths=[width / per_row] * per_row)
    commands: list[tuple[Any, ...]] = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 7),
        ("TOPPADDING", (0, 0), (-1, -1), 6),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 7),
    ]
    for r, row in enumerate(rows):
        for c, cell in enumerate(row):
            if cell is not None:
                commands += [
                    ("BACKGROUND", (c, r), (c, r), TILE),
                    ("BOX", (c, r), (c, r), 0.6, colors.white),
                    ("LINEBEFORE", (c, r), (c, r), 2, ACCENT),
                ]
    table.setStyle(TableStyle(commands))
    return table


def _table(table: report_view.Table, width: float, currency: str) -> list[Any]:
    s = styles()
    cell = _CELL
    head = [Paragraph(f"<b>{_esc(c.label)}</b>", cell) for c in table.columns]
    body = []
    rows = list(table.visible_rows) + ([table.total] if table.total else [])
    for row in rows:
        body.append(
            [
                report_view.format_value(c.kind, v, currency)
                if c.kind in _NUMERIC
                else Paragraph(_esc(report_view.format_value(c.kind, v, currency)), cell)
                for c, v in zip(table.columns, row, strict=True)
            ]
        )
    numeric = [c.kind in _NUMERIC for c in table.columns]
    widths = _widths(table, rows, width, currency)
    t = Table([head, *body], colWidths=widths, repeatRows=1, hAlign="LEFT")
    commands: list[tuple[Any, ...]] = [
        ("FONT", (0, 0), (-1, -1), FONT, 7.5),
        ("TEXTCOLOR", (0, 0), (-1, -1), INK),
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
        ("LINEBELOW", (0, 0), (-1, 0), 0.6, RULE),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        ("LEFTPADDING", (0, 0), (-1, -1), 3.5),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3.5),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, TILE]),
    ]
    for i, is_number in enumerate(numeric):
        if is_number:
            commands.append(("ALIGN", (i, 0), (i, -1), "RIGHT"))
    if table.total:
        commands += [("LINEABOVE", (0, -1), (-1, -1), 0.6, RULE), ("FONT", (0, -1), (-1, -1), FONT_BOLD, 7.5)]
    t.setStyle(TableStyle(commands))
    flow: list[Any] = [Paragraph(_esc(table.title), s["h2"]), t]
    if table.note:
        flow.append(Paragraph(_esc(table.note), s["muted"]))
    return flow


def _widths(
    table: report_view.Table, rows: Sequence[tuple[Any, ...]], width: float, currency: str
) -> list[float]:
    """Column widths from their contents: numbers keep their natural width; text columns share the rest
    (and wrap when it is short)."""
    natural = []
    for i, column in enumerate(table.columns):
        longest_word = max(stringWidth(w, FONT_BOLD, 7.5) for w in column.label.split())
        cells = [stringWidth(report_view.format_value(column.kind, r[i], currency), FONT, 7.5) for r in rows]
        natural.append(max([longest_word, *cells]) + 8)
    wraps = [c.kind == "text" for c in table.columns]  # only free text wraps
    fixed = sum(w for w, wrap in zip(natural, wraps, strict=True) if not wrap)
    text = sum(w for w, wrap in zip(natural, wraps, strict=True) if wrap)
    if not text:  # nothing wraps: spread the room over every column
        return [w * width / fixed for w in natural]
    room = max(width - fixed, 0.2 * width)
    widths = [w * room / text if wrap else w for w, wrap in zip(natural, wraps, strict=True)]
    total = sum(widths)
    return [w * width / total for w in widths]  # exactly the frame's width


def _section(section: Section, width: float, currency: str) -> list[Any]:
    s = styles()
    story: list[Any] = [
        CondPageBreak(90 * mm),
        Paragraph(_esc(section.title), s["h1"]),
        Paragraph(_esc(section.subtitle), s["muted"]),
        Spacer(1, 3 * mm),
    ]
    if section.kpis:
        story += [_kpi_tiles(section.kpis, width, per_row=min(5, len(section.kpis))), Spacer(1, 3 * mm)]
    if section.empty:
        story.append(Paragraph(f"<i>{_esc(section.empty)}</i>", s["body"]))
        return story
    charts = [c for c in section.charts if not c.is_empty]
    if len(charts) == 2:  # side by side; a pie needs less room
        first = 0.62 if charts[1].kind == "pie" else 0.5
        row = Table(
            [
                [
                    drawing(charts[0], width * (first - 0.01), 62 * mm, currency),
                    drawing(charts[1], width * (0.99 - first), 62 * mm, currency),
                ]
            ],
            colWidths=[width * first, width * (1 - first)],
        )
        row.setStyle(TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
        story.append(row)
    else:
        for chart in charts:
            story += [drawing(chart, width, 62 * mm, currency), Spacer(1, 2 * mm)]
    for table in section.tables:
        if table.rows and not table.csv_only:
            title, body, *note = _table(table, width, currency)
            # a short table stays with its title; a long one may break across pages (its header repeats)
            story += [KeepTogether([title, body])] if len(table.visible_rows) < 25 else [title, body]
            story += note
            story.append(Spacer(1, 2 * mm))
    return story


def write_pdf(report: TerritoryReport, path: Path, *, page: str = "A4") -> Path:
    """Write the report to ``path`` (A4 or Letter)."""
    size = page_size(page)
    width = size[0] - 2 * MARGIN
    s = styles()
    currency = report.settings.currency
    previous = report.period.previous
    story: list[Any] = [
        Paragraph("Territory report", s["title"]),
        Paragraph(f"<b>{_esc(report.scope.label)}</b> · {_esc(report.period.label())}", s["subtitle"]),
    ]
    if report.scope.children:
        story.append(Paragraph("Includes " + _esc(", ".join(report.scope.children)) + ".", s["body"]))
    story += [
        Paragraph(
            f"Compared with the previous {report.period.days} days ({_esc(previous.label())}). "
            f"Made {report.generated_at.astimezone():%d %b %Y %H:%M} from the records on this laptop.",
            s["muted"],
        ),
        Spacer(1, 6 * mm),
    ]
    if not report.has_activity:
        story += [Paragraph("<b>No activity in this period.</b>", s["h2"]), Spacer(1, 2 * mm)]
    story += [_kpi_tiles(summary(report), width), Spacer(1, 6 * mm)]
    glance = reps_at_a_glance(report)
    if glance.rows:
        story += [*_table(glance, width, currency), Spacer(1, 6 * mm)]
    parts = sections(report)
    story.append(Paragraph("In this report", s["h2"]))
    for section in parts:
        shown = [k for k in section.kpis if k.value != "\u2013"][:3]
        headline = section.empty or " · ".join(f"{k.label} {k.value}" for k in shown)
        story.append(Paragraph(f"<b>{_esc(section.title)}</b>: {_esc(headline)}", s["body"]))
    by_key = {section.key: section for section in parts}
    trends = [
        chart
        for key in ("revenue", "activity")
        for chart in by_key[key].charts[:1]
        if not by_key[key].empty and not chart.is_empty
    ]
    if trends:
        story.append(Spacer(1, 6 * mm))
        cell = width / len(trends)
        row = Table(
            [[drawing(c, cell - 6, 58 * mm, currency) for c in trends]], colWidths=[cell] * len(trends)
        )
        row.setStyle(TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
        story.append(row)
    story.append(PageBreak())
    for section in parts:
        story += _section(section, width, currency)
    doc = SimpleDocTemplate(
        str(path),
        pagesize=size,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN * 1.5,
        bottomMargin=MARGIN,
        title=report.title,
        author="SFA Desktop",
    )
    doc.build(
        story,
        canvasmaker=numbered_canvas(f"Territory report · {report.scope.label}", report.period.label()),
    )
    return path
