"""How a report is presented, whatever draws it: sections of key figures, charts and tables, as plain data.

The window draws them with QPainter, the PDF with reportlab's graphics, the CSV writes the tables; all
three format values with :func:`format_value` (and the CSV with :func:`data_value`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TextIO

from sfa_desktop.core import csvfiles

#: Series colours, shared by the window and the PDF (the window's blue first).
PALETTE = ("#2563eb", "#0d9488", "#f59e0b", "#7c3aed", "#e11d48", "#64748b", "#16a34a", "#0ea5e9")
SEGMENT_COLORS = {"A": "#16a34a", "B": "#f59e0b", "C": "#e11d48"}
PREVIOUS_COLOR = "#94a3b8"


@dataclass(frozen=True)
class Col:
    label: str
    #: text | code (short text) | int | money | percent | change (a signed percent) | days | date | float
    kind: str = "text"


@dataclass(frozen=True)
class Drill:
    """The records behind a row of a report table (double-click it): one record, or a list of one kind
    narrowed to the row's owner, stage or dates within the report's territories."""

    kind: str  # accounts | leads | opportunities
    record_id: str | None = None
    #: the owner's user id; "" for the records nobody owns
    owner_id: str | None = None
    stages: tuple[str, ...] = ()
    #: leads created, or opportunities closed, in these days (first, last)
    created: tuple[dt.date, dt.date] | None = None
    closed: tuple[dt.date, dt.date] | None = None


@dataclass(frozen=True)
class Table:
    key: str
    title: str
    columns: tuple[Col, ...]
    rows: tuple[tuple[Any, ...], ...]
    total: tuple[Any, ...] | None = None
    #: Rows shown on screen and paper (the CSV has them all); None: all.
    shown: int | None = None
    note: str = ""
    #: Only in the CSV: the figures behind a chart, which on screen and paper the chart shows.
    csv_only: bool = False
    #: Per row (in ``rows`` order), the records behind it, where there is a list to open; the total
    #: row has none.
    drills: tuple[Drill | None, ...] = ()

    def drill(self, row: int) -> Drill | None:
        return self.drills[row] if 0 <= row < len(self.drills) else None

    @property
    def visible_rows(self) -> tuple[tuple[Any, ...], ...]:
        return self.rows if self.shown is None else self.rows[: self.shown]

    @property
    def hidden(self) -> int:
        return len(self.rows) - len(self.visible_rows)


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[float, ...]
    color: str = ""


@dataclass(frozen=True)
class Chart:
    kind: str  # bar (grouped) | stacked | hbar | line | pie
    title: str
    categories: tuple[str, ...]
    series: tuple[Series, ...]
    unit: str = "count"  # count | money | percent
    #: Colours per category (a single-series bar chart or a pie), instead of one per series.
    category_colors: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not self.categories or not any(any(v for v in s.values) for s in self.series)

    def colored(self) -> tuple[Series, ...]:
        return tuple(
            s if s.color else Series(s.name, s.values, PALETTE[i % len(PALETTE)])
            for i, s in enumerate(self.series)
        )


@dataclass(frozen=True)
class Kpi:
    label: str
    value: str
    detail: str = ""
    tone: str = ""  # "" | good | bad


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    subtitle: str
    kpis: tuple[Kpi, ...] = ()
    charts: tuple[Chart, ...] = ()
    tables: tuple[Table, ...] = ()
    #: Set when the section has nothing to show for the period: said instead of empty charts.
    empty: str | None = None


def money(cents: int | float | None, currency: str = "USD", *, short: bool = False) -> str:
    """'$12,345' (whole units), or short '$12.3k' / '$1.2M' for charts and key figures."""
    if cents is None:
        return "\u2013"
    symbol = {"USD": "$", "EUR": "€", "GBP": "£"}.get(currency, currency + " ")
    units = cents / 100
    sign = "\u2212" if units < 0 else ""
    units = abs(units)
    if short and units >= 999_500:
        return f"{sign}{symbol}{units / 1_000_000:.1f}M"
    if short and units >= 10_000:
        return f"{sign}{symbol}{units / 1000:.0f}k"
    if short and units >= 1000:
        return f"{sign}{symbol}{units / 1000:.1f}k"
    return f"{sign}{symbol}{units:,.0f}"


def ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def short_day(day: dt.date) -> str:
    return f"{day:%d %b}"


def percent(value: float | None) -> str:
    return "\u2013" if value is None else f"{value * 100:.0f}%"


def signed_percent(value: float | None) -> str:
    """A change as a person reads it: '+86%', '\u221212%', '0%' (what rounds to zero has no sign)."""
    if value is None:
        return "\u2013"
    whole = round(value * 100)
    if whole == 0:
        return "0%"
    sign = "+" if whole > 0 else "\u2212"
    return f"{sign}{abs(whole)}%"


def format_value(kind: str, value: Any, currency: str = "USD") -> str:
    """A table cell as a person reads it."""
    if value is None:
        return "\u2013"
    if kind == "money":
        return money(value, currency)
    if kind == "percent":
        return percent(float(value))
    if kind == "change":
        return signed_percent(float(value))
    if kind == "int":
        return f"{int(value):,}"
    if kind == "days":
        return f"{float(value):.1f}"
    if kind == "float":
        return f"{float(value):,.1f}"
    if kind == "date":
        return str(value)
    return str(value)


def data_value(kind: str, value: Any) -> Any:
    """A table cell for the CSV: exact and machine-readable (amounts as decimals, rates as fractions)."""
    if value is None:
        return ""
    if kind == "money":
        cents = int(value)
        sign = "-" if cents < 0 else ""
        return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"
    if kind in ("percent", "change"):
        return f"{float(value):.4f}"
    if kind == "days":
        return f"{float(value):.1f}"
    return csvfiles.cell(value)  # text (a name, a label) is never a formula


def write_csv(sections: Sequence[Section], out: TextIO, header: Sequence[tuple[str, str]] = ()) -> None:
    """Every table of every section: a title row, the column labels, the rows (all of them), a blank row;
    in the app's CSV dialect (open the file with ``csvfiles.open_for_writing``: BOM, CRLF)."""
    writer = csvfiles.writer(out)
    for key, value in header:
        writer.writerow(csvfiles.row([key, value]))
    if header:
        writer.writerow([])
    for section in sections:
        if section.empty and not section.tables:
            writer.writerow(csvfiles.row([section.title, section.empty]))
            writer.writerow([])
            continue
        for table in section.tables:
            writer.writerow(csvfiles.row([f"{section.title}: {table.title}"]))
            writer.writerow(csvfiles.row(c.label for c in table.columns))
            for row in (*table.rows, *((table.total,) if table.total else ())):
                writer.writerow([data_value(c.kind, v) for c, v in zip(table.columns, row, strict=True)])
            writer.writerow([])
