"""The call sheet as a PDF: per rep a cover (the day's route and the leg home, the other visits, the phone
calls) and right under it one block per call in time order, about three to a page (see
:mod:`sfa_desktop.printing.callsheet_blocks`).

``render(sheet, path, page_size="A4", unit=None)`` writes the file; distances are in ``unit`` ("km" or
"mi": the distance_unit setting, which ``ops.callsheet`` passes), by default kilometres on A4 and miles on
Letter.  Every page has the header and "Page X of Y" of
:func:`sfa_desktop.printing.base.numbered_canvas`; all text is real text.
"""

from __future__ import annotations

import datetime as dt
import errno
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import (
    KeepTogether,
    PageBreak,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from sqlalchemy.orm import Session

from sfa_desktop.core.callsheet.route import format_distance
from sfa_desktop.core.callsheet.sheet import Call, CallSheet, Day, RepSheet, build, date_range_text, describe
from sfa_desktop.core.records.validation import format_phone
from sfa_desktop.printing import callsheet_blocks as blocks
from sfa_desktop.printing.base import FONT_BOLD, INK, MARGIN, MUTED, RULE, numbered_canvas, page_size
from sfa_desktop.printing.flowables import NotesFill, Para, block_height
from sfa_desktop.printing.styles import PALE, style

KIND = {"call": "Phone call", "visit": "Visit", "meeting": "Meeting"}


def unit_for(size: str) -> str:
    return "mi" if size == "Letter" else "km"


@dataclass(frozen=True)
class Written:
    path: Path
    pages: int
    calls: int
    reps: tuple[str, ...]
    #: Reps asked for who had nothing planned (left out of the file).
    idle: tuple[str, ...]
    description: str


def write(
    session: Session,
    rep_ids: Sequence[str],
    start: dt.date,
    end: dt.date | None,
    path: Path,
    *,
    size: str = "A4",
    tz: dt.tzinfo | None = None,
    unit: str | None = None,
    checklists: bool = True,
) -> Written:
    """Make the call sheet of these reps and write it to ``path`` whole or not at all (a temporary file in
    the same folder, renamed when complete).  Raises NothingPlanned (no file is written) and OSError."""
    page_size(size)  # an unknown size fails before any work
    sheet = build(session, rep_ids, start, end, tz=tz, checklists=checklists)
    target = Path(path)
    if target.is_dir():
        raise IsADirectoryError(
            errno.EISDIR, "that is a folder; give a file name ending in .pdf", str(target)
        )
    handle, temporary = tempfile.mkstemp(prefix=".callsheet-", suffix=".pdf", dir=target.parent or Path("."))
    os.close(handle)
    try:
        pages = render(sheet, temporary, size=size, unit=unit)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return Written(
        target,
        pages,
        len(sheet.calls),
        tuple(r.rep.name for r in sheet.reps),
        tuple(r.name for r in sheet.idle),
        describe([r.rep for r in sheet.reps], sheet.start, sheet.end),
    )


def render(sheet: CallSheet, path: Path | str, *, size: str = "A4", unit: str | None = None) -> int:
    """Write the call sheet to ``path``; returns the number of pages."""
    pagesize = page_size(size)
    unit = unit or unit_for(size)
    doc = SimpleDocTemplate(
        str(path),
        pagesize=pagesize,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN + 6 * mm,
        bottomMargin=MARGIN + 2 * mm,
        title=f"Call sheet {date_range_text(sheet.start, sheet.end)}",
        author=", ".join(r.rep.name for r in sheet.reps),
        subject="Call sheet",
        creator="SFA Desktop",
    )
    width = doc.width - 12  # the frame's own padding, 6 points a side
    story: list[Any] = []
    for number, rep_sheet in enumerate(sheet.reps):
        if number:
            story.append(PageBreak())
        story += cover(sheet, rep_sheet, width, unit, first=number == 0)
        several_days = len(rep_sheet.days) > 1
        calls = [
            blocks.call_block(call, label, width, unit, sheet.zone, show_date=several_days)
            for day in rep_sheet.days
            for call, label in zip(day.calls, numbers(rep_sheet, day), strict=True)
        ]
        # the calls follow on the cover's page when the first fits there
        story.append(Spacer(1, 5 * mm))
        if calls:
            story.append(NotesFill(block_height(calls[0], width)))
        for position, block in enumerate(calls):
            story.append(KeepTogether(block))
            # where the next call goes over to a new page, lines for notes instead of blank paper
            last = position + 1 == len(calls)
            story.append(NotesFill(float("inf") if last else block_height(calls[position + 1], width)))
    names = ", ".join(r.rep.name for r in sheet.reps)
    canvas = numbered_canvas(f"Call sheet · {names}", date_range_text(sheet.start, sheet.end))
    doc.build(story, canvasmaker=canvas)
    return int(doc.page)


def numbers(rep_sheet: RepSheet, day: Day) -> list[str]:
    """The numbers of a day's calls on the sheet: 1, 2, ... counted across the rep's whole range."""
    before = 0
    for other in rep_sheet.days:
        if other is day:
            break
        before += len(other.calls)
    return [str(before + n) for n in range(1, len(day.calls) + 1)]


def cover(sheet: CallSheet, rep_sheet: RepSheet, width: float, unit: str, *, first: bool) -> list[Any]:
    rep = rep_sheet.rep
    calls = rep_sheet.calls
    on_site = sum(1 for c in calls if c.info.kind != "call")
    km = sum(day.drive_km for day in rep_sheet.days)
    story: list[Any] = [
        _title(f"{escape(rep.name)} · {escape(date_range_text(sheet.start, sheet.end))}", width),
        _summary(
            [
                (str(len(calls)), "calls planned"),
                (str(on_site), "visits and meetings"),
                (str(len(calls) - on_site), "phone calls"),
                (format_distance(km, unit), "on the road, back home included"),
            ],
            width,
        ),
        Spacer(1, 3 * mm),
    ]
    if rep.home is not None:
        start = escape(rep.home_base or f"{rep.home[0]:.4f}, {rep.home[1]:.4f}")
        story.append(Para(f"<b>Route starts from</b> {start}", style("body")))
    else:
        story.append(
            Para(
                "No home base is set for this rep: each day's route starts at its first visit.",
                style("muted"),
            )
        )
    # under the summary, not after the tables: there a full cover pushed it alone onto a page of its own
    prepared = sheet.prepared_at.astimezone(sheet.zone)
    story.append(
        Para(
            f"Prepared {prepared.day} {prepared:%b %Y} at {prepared:%H:%M} by SFA Desktop from the data on "
            "this laptop. Distances are straight-line distances between the places.",
            style("muted"),
        )
    )
    for day in rep_sheet.days:
        labels = numbers(rep_sheet, day)
        label_of = {id(c): n for c, n in zip(day.calls, labels, strict=True)}
        story.append(Para(f"{day.date:%A} {day.date.day} {day.date:%B}", style("day")))
        if day.route:
            story.append(
                Para(
                    "Visits in the week plan's route order" if day.planned else "Visits in route order",
                    style("cover_h"),
                )
            )
            story.append(_route_table(day, rep_sheet, label_of, width, unit, sheet))
        if day.unrouted:
            story.append(Para("Visits not on the route", style("cover_h")))
            story.append(
                Para(
                    "These accounts have no coordinates, so they could not be placed on the route; "
                    "fit them in by their address.",
                    style("muted"),
                )
            )
            story.append(_visits_table(day.unrouted, label_of, width, sheet))
        if day.phone:
            story.append(Para("Phone calls", style("cover_h")))
            story.append(_phone_table(day.phone, label_of, width, sheet))
    if first and sheet.idle:
        idle = ", ".join(escape(r.name) for r in sheet.idle)
        story += [Spacer(1, 4 * mm), Para(f"Nothing planned for {idle} in these days.", style("muted"))]
    return story


def _title(subtitle: str, width: float) -> Table:
    """'Call sheet' and, on the same line at the right, whose and when."""
    table = Table(
        [[Para("Call sheet", style("title")), Para(subtitle, style("cover_subtitle"))]],
        colWidths=[width * 0.4, width * 0.6],
    )
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )
    return table


def _summary(figures: list[tuple[str, str]], width: float) -> Table:
    cells = [
        [Para(escape(value), style("figure")) for value, _ in figures],
        [Para(escape(label), style("figure_label")) for _, label in figures],
    ]
    table = Table(cells, colWidths=[width / len(figures)] * len(figures))
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, -1), PALE),
                ("LINEBEFORE", (1, 0), (-1, -1), 0.8, colors.white),
                ("TOPPADDING", (0, 0), (-1, 0), 5),
                ("BOTTOMPADDING", (0, -1), (-1, -1), 5),
                ("TOPPADDING", (0, 1), (-1, 1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, 0), 1),
                ("LEFTPADDING", (0, 0), (-1, -1), 10),
            ]
        )
    )
    return table


def _time(call: Call, sheet: CallSheet) -> Any:
    local = call.info.due_at.astimezone(sheet.zone)
    if call.overdue:  # due on an earlier day: say which, in red
        return Para(f"<font color='#b91c1c'><b>{local.day} {local:%b}</b><br/>late</font>", style("cell"))
    return f"{local:%H:%M}"


def _grid(rows: list[list[Any]], widths: list[float]) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, 0), FONT_BOLD, 8),
                ("TEXTCOLOR", (0, 0), (-1, 0), MUTED),
                ("LINEBELOW", (0, 0), (-1, 0), 0.8, INK),
                ("LINEBELOW", (0, 1), (-1, -1), 0.4, RULE),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
                ("LEFTPADDING", (0, 0), (-1, -1), 4),
                ("RIGHTPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )
    return table


def _place(call: Call) -> Para:
    """The name, and the address on one line under it."""
    party = call.info.party
    lines = [f"<b>{escape(party.name)}</b>"]
    if party.address:
        lines.append(escape(", ".join(party.address)))
    return Para("<br/>".join(lines), style("cell"))


def _number(label: str) -> Para:
    return Para(f"<b>{escape(label)}</b>", style("number"))


def _route_table(
    day: Day, rep_sheet: RepSheet, label_of: dict[int, str], width: float, unit: str, sheet: CallSheet
) -> Table:
    header = ["#", "Time", "Where", "What", "Leg"]
    rows: list[list[Any]] = [header]
    home = rep_sheet.rep.home
    if home is not None:
        base = escape(rep_sheet.rep.home_base or "Home base")
        rows.append(["", "", Para(f"<i>Start: {base}</i>", style("cell_muted")), "", ""])
    for call in day.route:
        info = call.info
        what = f"<b>{escape(KIND.get(info.kind, info.kind))}</b> · {escape(info.subject)}"
        leg = format_distance(call.leg_km, unit) if call.leg_km is not None else "start"
        rows.append(
            [
                _number(label_of[id(call)]),
                _time(call, sheet),
                _place(call),
                Para(what, style("cell")),
                Para(escape(leg), style("cell_right")),
            ]
        )
    if day.home_km is not None:
        base = escape(rep_sheet.rep.home_base or "the home base")
        rows.append(
            [
                "",
                "",
                Para(f"<i>Back to {base}</i>", style("cell_muted")),
                "",
                Para(escape(format_distance(day.home_km, unit)), style("cell_right")),
            ]
        )
    rows.append(
        [
            "",
            "",
            Para("<b>Total</b>", style("cell")),
            "",
            Para(f"<b>{escape(format_distance(day.drive_km, unit))}</b>", style("cell_right")),
        ]
    )
    table = _grid(
        rows, [10 * mm, 14 * mm, width * 0.42, width - 10 * mm - 14 * mm - width * 0.42 - 20 * mm, 20 * mm]
    )
    table.setStyle(
        TableStyle([("LINEABOVE", (0, -1), (-1, -1), 0.8, INK), ("ALIGN", (4, 0), (4, 0), "RIGHT")])
    )
    return table


def _visits_table(calls: list[Call], label_of: dict[int, str], width: float, sheet: CallSheet) -> Table:
    rows: list[list[Any]] = [["#", "Time", "Where", "What"]]
    for call in calls:
        info = call.info
        what = f"<b>{escape(KIND.get(info.kind, info.kind))}</b> · {escape(info.subject)}"
        rows.append(
            [_number(label_of[id(call)]), _time(call, sheet), _place(call), Para(what, style("cell"))]
        )
    return _grid(rows, [10 * mm, 14 * mm, width * 0.42, width - 24 * mm - width * 0.42])


def _phone_table(calls: list[Call], label_of: dict[int, str], width: float, sheet: CallSheet) -> Table:
    rows: list[list[Any]] = [["#", "Time", "Who", "Phone", "What"]]
    for call in calls:
        info = call.info
        person = info.person
        who = f"<b>{escape(person.name)}</b><br/>" if person else ""
        who += escape(info.party.name)
        number = (person.phone or person.mobile) if person else None
        number = number or info.party.phone
        rows.append(
            [
                _number(label_of[id(call)]),
                _time(call, sheet),
                Para(who, style("cell")),
                Para(escape(format_phone(number)) if number else "", style("cell")),
                Para(escape(info.subject), style("cell")),
            ]
        )
    phone_width = 34 * mm
    rest = width - 24 * mm - phone_width
    return _grid(rows, [10 * mm, 14 * mm, rest * 0.5, phone_width, rest * 0.5])
