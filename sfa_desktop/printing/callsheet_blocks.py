"""One call on the call sheet, about 80 mm high so that three fit on a page: a band with the number, the
place and the time; under it two columns, who and why on the left (account, contact, phones, address, the
reason, the way there), what happened before on the right (last activities, open opportunities, the last
order, what they buy); the step's script and talking points go under the shorter column; a visit's
checklist, compact, to fill in by hand; then the outcome to tick and lines to write on.  Optional sections
are left out when they have nothing to say."""

from __future__ import annotations

import datetime as dt
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Spacer, Table, TableStyle

from sfa_desktop.core.callsheet.route import format_distance
from sfa_desktop.core.callsheet.sheet import Call
from sfa_desktop.core.kb import mdtext
from sfa_desktop.core.records.validation import format_money, format_phone
from sfa_desktop.printing.base import ACCENT, FONT, FONT_BOLD, INK, RULE
from sfa_desktop.printing.flowables import Badge, Para, TickBoxes, WritingLines, block_height
from sfa_desktop.printing.styles import PALE, style

KIND = {"call": "Phone call", "visit": "Visit", "meeting": "Meeting"}
SCRIPT_CHARS = 220
#: Lines of the last order shown (the largest first).
ORDER_LINES = 2
NOTES_CHARS = 70
DASH = "\u2013"
STAR = "\u2605 "
MAX_DEALS = 2
TIMES = "\u00d7"
GREY = "#64748b"
#: The gap between the two columns, a rule in its middle, and the left column's share of the rest.
GUTTER = 5 * mm
LEFT = 0.45
#: Lines to write on: their spacing, and how many for notes.
LINE = 5.8 * mm
NOTES_LINES = 2
#: The height of a checklist's row.
CHECK_ROW = 4.6 * mm


def _p(markup: str, name: str = "text") -> Para:
    return Para(markup, style(name))


def _label(text: str) -> Para:
    return _p(escape(text.upper()), "label")


def _none(label: str, text: str) -> Para:
    """A section with nothing to show, on one line: its label, then why (in grey)."""
    return _p(
        f"<font name='{FONT_BOLD}' size='7.5' color='#2563eb'>{escape(label.upper())}</font>"
        f"&nbsp;&nbsp;<font color='{GREY}'>{escape(text)}</font>",
        "label_line",
    )


def _grey(text: str) -> str:
    return f"<font color='{GREY}'>{text}</font>"


def _day(moment: dt.datetime, zone: dt.tzinfo) -> str:
    local = moment.astimezone(zone)
    return f"{local.day} {local:%b %Y}"


def _cut(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[:limit].rsplit(" ", 1)[0] + "…"


def call_block(
    call: Call, number: str, width: float, unit: str, zone: dt.tzinfo, *, show_date: bool
) -> list[Any]:
    """The flowables of one call, to be kept together on a page (three fit on most pages)."""
    widths = ((width - GUTTER) * LEFT, (width - GUTTER) * (1 - LEFT))
    left = _who(call, unit, widths[0]) + _why(call)
    right = _history(call, zone) + _deals(call) + _sales(call, widths[1])
    heights = [block_height(left, widths[0]), block_height(right, widths[1])]
    for extra in (_script(call), _talking_points(call)):  # each under the column that is shorter then
        if extra:
            shorter = 0 if heights[0] <= heights[1] else 1
            (left, right)[shorter].extend(extra)
            heights[shorter] += block_height(extra, widths[shorter])
    return [
        _header(call, number, width, zone, show_date=show_date),
        _columns(left, right, width),
        *_checklist(call, width),
        *_outcome(call, width),
        Spacer(1, 3 * mm),
    ]


def _header(call: Call, number: str, width: float, zone: dt.tzinfo, *, show_date: bool) -> Table:
    info = call.info
    local = info.due_at.astimezone(zone)
    meta = [KIND.get(info.kind, info.kind.capitalize())]
    if info.lead_id and not info.account_id:
        meta.insert(0, "Lead")
    if info.duration_minutes:
        meta.append(f"{info.duration_minutes} min")
    if info.person is not None:
        meta.append(f"with {info.person.name}")
    when = f"{local:%H:%M}"
    when_small = f"{local:%a} {local.day} {local:%b}" if show_date else f"{local:%A}"
    if call.overdue:  # due on an earlier day and still open
        when = "<font color='#b91c1c'>Overdue</font>"
        when_small = f"late, since {local:%a} {local.day} {local:%b}"
    cells = [
        [
            Badge(number, color=ACCENT, size=7 * mm),
            [_p(escape(info.party.name), "block_title"), _p(escape(" · ".join(meta)), "block_meta")],
            _p(
                f"{when}<br/><font name='{FONT}' size='8.5' color='{GREY}'>{escape(when_small)}</font>",
                "block_right",
            ),
        ]
    ]
    table = Table(cells, colWidths=[10 * mm, width - 10 * mm - 36 * mm, 36 * mm])
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, -1), PALE),
                ("LINEABOVE", (0, 0), (-1, 0), 1.6, ACCENT),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
                ("LEFTPADDING", (0, 0), (0, 0), 4),
                ("RIGHTPADDING", (-1, 0), (-1, 0), 5),
            ]
        )
    )
    return table


def _columns(left: list[Any], right: list[Any], width: float) -> Table:
    """Two columns with a rule in the gutter between them."""
    first = (width - GUTTER) * LEFT + GUTTER / 2
    table = Table([[left, right]], colWidths=[first, width - first])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (0, 0), 0),
                ("RIGHTPADDING", (0, 0), (0, 0), GUTTER / 2),
                ("LEFTPADDING", (1, 0), (1, 0), GUTTER / 2),
                ("RIGHTPADDING", (1, 0), (1, 0), 0),
                ("LINEBEFORE", (1, 0), (1, 0), 0.5, RULE),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return table


def _email(address: str, width: float) -> str:
    """An email address as markup, broken after the @ when it is wider than the column."""
    if stringWidth(address, FONT, style("text").fontSize) <= width or "@" not in address:
        return escape(address)
    local, _, domain = address.partition("@")
    return f"{escape(local)}@<br/>{escape(domain)}"


def _who(call: Call, unit: str, width: float) -> list[Any]:
    """Where to go and whom to ask for: the address, the phones, the way there on the route."""
    info = call.info
    party = info.party
    lines = [escape(", ".join(party.address))] if party.address else [_grey("No address on record.")]
    reach = []
    if party.phone:
        reach.append(f"Phone {escape(format_phone(party.phone))}")
    if party.industry:
        reach.append(_grey(escape(party.industry)))
    if reach:
        lines.append(" · ".join(reach))
    if call.stop is not None:
        way = f"Route stop {call.stop}"
        if call.leg_km is not None:
            came = "the start" if call.stop == 1 else f"stop {call.stop - 1}"
            way += f", {format_distance(call.leg_km, unit)} from {came}"
        lines.append(_grey(escape(way)))
    elif info.kind != "call":
        lines.append(_grey("Visit not on the route (no coordinates)"))
    story: list[Any] = [_p("<br/>".join(lines), "first")]
    person = info.person
    if person is None:
        story.append(_none("Contact", "No contact named for this call."))
        return story
    name = f"<b>{escape(person.name)}</b>"
    parts = [f"{name}, {escape(person.title)}" if person.title else name]
    phones = []
    if person.phone:
        phones.append(f"Phone {escape(format_phone(person.phone))}")
    if person.mobile:
        phones.append(f"Mobile {escape(format_phone(person.mobile))}")
    if phones:
        parts.append(" · ".join(phones))
    if person.email:
        parts.append(_email(person.email, width))
    story += [_label("Contact"), _p("<br/>".join(parts))]
    return story


def _why(call: Call) -> list[Any]:
    info = call.info
    lines = [f"<b>{escape(info.subject)}</b>"]
    step = info.step
    if step is not None:
        attempt = f", attempt {step.attempt + 1}" if step.attempt else ""
        lines.append(
            f"Sequence <b>{escape(step.sequence)}</b>, step {step.number} of {step.total}: "
            f"{escape(step.title)}{attempt}"
        )
    if info.notes:
        lines.append(f"{_grey('Notes:')} {escape(_cut(info.notes, 240))}")
    return [_label("Why this call"), _p("<br/>".join(lines))]


def _deals(call: Call) -> list[Any]:
    """The open opportunities (none: no section), the one this call is about starred."""
    info = call.info
    if not info.deals:
        return []
    story: list[Any] = [_label("Open opportunities")]
    for deal in info.deals[:MAX_DEALS]:
        name = deal.name.removeprefix(f"{info.party.name}:").strip() or deal.name
        facts = [deal.stage]
        if deal.amount_cents is not None:
            facts.append(money(deal.amount_cents, deal.currency))
        if deal.close_date:
            facts.append(f"closes {deal.close_date.day} {deal.close_date:%b %Y}")
        mark = STAR if deal.id == info.opportunity_id else ""
        text = f"{mark}<b>{escape(name)}</b> · {escape(' · '.join(facts))}"
        if deal.next_step:
            text += " " + _grey(f"· next: {escape(_cut(deal.next_step, 60))}")
        story.append(_p(text, "deal"))
    if len(info.deals) > MAX_DEALS:
        story.append(_p(_grey(f"and {len(info.deals) - MAX_DEALS} more.")))
    return story


def _script(call: Call) -> list[Any]:
    """The step's script (a dash before each point)."""
    step = call.info.step
    if step is None or not step.script.strip():
        return []
    story: list[Any] = []
    for block in mdtext.excerpt(step.script, SCRIPT_CHARS):
        if block.kind == "item":
            story.append(Para(escape(block.text), style("script"), bulletText=DASH))
        elif block.kind != "code":
            story.append(_p(escape(block.text), "script"))
    return [_label("Script"), *story] if story else []


def money(cents: int, currency: str) -> str:
    """An amount without its cents when they are zero: '$7,400', '$12.50'."""
    shown = format_money(cents, currency)
    return shown[:-3] if shown.endswith(".00") else shown


def _history(call: Call, zone: dt.tzinfo) -> list[Any]:
    """The last activities, one paragraph each: when, what, what was noted, how it went."""
    if not call.info.history:
        return [_none("Last activities", "Nothing recorded yet.")]
    story: list[Any] = [_label("Last activities")]
    for number, past in enumerate(call.info.history):
        text = (
            f"<b>{escape(_day(past.when, zone))}</b> {escape(KIND.get(past.kind, past.kind.capitalize()))}: "
        )
        text += escape(past.subject)
        if past.outcome:
            text += f" <i>({escape(past.outcome[:24])})</i>"
        if past.notes and number == 0:  # what was noted the last time; before that, what was done
            text += " " + _grey(f"· {escape(_cut(past.notes, NOTES_CHARS))}")
        story.append(_p(text, "past"))
    return story


def _figures(rows: list[tuple[str, str, str]], width: float) -> Table:
    """A small table of (quantity, what, amount): figures right-aligned, what wraps between them."""
    cells = [[quantity, _p(escape(what), "cell"), amount] for quantity, what, amount in rows]
    table = Table(cells, colWidths=[8 * mm, width - 8 * mm - 17 * mm, 17 * mm])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("FONT", (0, 0), (-1, -1), FONT, 8.5),
                ("LEADING", (0, 0), (-1, -1), 10.5),
                ("TEXTCOLOR", (0, 0), (-1, -1), INK),
                ("ALIGN", (0, 0), (0, -1), "RIGHT"),
                ("ALIGN", (2, 0), (2, -1), "RIGHT"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("LEFTPADDING", (1, 0), (1, -1), 5),
                ("RIGHTPADDING", (1, 0), (1, -1), 4),
                ("TOPPADDING", (0, 0), (-1, -1), 0.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
                ("LINEBELOW", (0, 0), (-1, -2), 0.3, RULE),
            ]
        )
    )
    return table


def _sales(call: Call, width: float) -> list[Any]:
    info = call.info
    order = info.last_order
    if order is None:
        story: list[Any] = [_none("Last order", "No orders on record.")]
    else:
        count = len(order.lines)
        story = [
            _label("Last order"),
            _p(
                f"<b>{escape(order.number)}</b> · {order.date.day} {order.date:%b %Y} · "
                f"<b>{escape(money(order.total_cents, order.currency))}</b> · {escape(order.status)}"
                + (_grey(f" · {count} lines") if count > ORDER_LINES else "")
            ),
        ]
        lines = [
            (f"{q}{TIMES}", name, money(total, order.currency))
            for name, q, total in order.lines[:ORDER_LINES]
        ]
        story.append(_figures(lines, width))
    if info.top_products:
        story.append(_label("Top products, all orders"))
        story.append(_p(" · ".join(escape(p.name) for p in info.top_products)))
    return story


def _talking_points(call: Call) -> list[Any]:
    if not call.info.talking_points:
        return []
    story: list[Any] = [_label("Talking points")]
    for article in call.info.talking_points:
        story.append(_p(f"<b>{escape(article.title)}</b>"))
        for point in article.points:
            story.append(Para(escape(point), style("item"), bulletText="•"))
    return story


def _outcome(call: Call, width: float) -> list[Any]:
    """Lines for notes and the next step with its date on the left; the outcome to tick on the right."""
    writing = (width - GUTTER) * 0.6
    follow = Table(
        [
            [
                WritingLines(1, label="Next step", spacing=LINE),
                WritingLines(1, label="Follow up on", spacing=LINE),
            ]
        ],
        colWidths=[writing * 0.58, writing * 0.42],
    )
    follow.setStyle(
        TableStyle(
            [
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (0, 0), 8),
                ("RIGHTPADDING", (1, 0), (1, 0), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    ticks = [
        _p(escape("OUTCOME"), "label_tight"),
        TickBoxes([o[:1].upper() + o[1:] for o in call.outcomes], grid=True, gap=3 * mm, row_height=4.7 * mm),
    ]
    lines = [WritingLines(NOTES_LINES, label="Notes", spacing=LINE), follow]
    table = Table([[lines, ticks]], colWidths=[writing + GUTTER / 2, width - writing - GUTTER / 2])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                ("LEFTPADDING", (0, 0), (0, 0), 0),
                ("RIGHTPADDING", (0, 0), (0, 0), GUTTER / 2),
                ("LEFTPADDING", (1, 0), (1, 0), GUTTER / 2),
                ("RIGHTPADDING", (1, 0), (1, 0), 0),
                ("LINEBEFORE", (1, 0), (1, 0), 0.5, RULE),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
                ("LINEABOVE", (0, 0), (-1, 0), 0.5, RULE),
            ]
        )
    )
    return [table]


def _checklist(call: Call, width: float) -> list[Any]:
    """The visit's checklist in two columns: each item's label (* required) and where to answer it: boxes
    for yes/no, a box for a photo taken, a line for a number or a text."""
    template = call.checklist
    if template is None or not template.items:
        return []
    cells: list[list[Any]] = []
    for item in template.items:
        label = _p(escape(item.label) + (" *" if item.required else ""), "cell")
        if item.type == "yesno":
            answer: Any = TickBoxes(["Yes", "No"], font_size=7.5, gap=3 * mm, row_height=CHECK_ROW)
        elif item.type == "photo":
            answer = TickBoxes(["Taken"], font_size=7.5, row_height=CHECK_ROW)
        else:
            answer = WritingLines(1, spacing=CHECK_ROW)
        cells.append([label, answer])
    half = (len(cells) + 1) // 2
    rows = [cells[i] + (cells[i + half] if i + half < len(cells) else [None, None]) for i in range(half)]
    column = (width - GUTTER) / 2
    table = Table(
        [[_p(escape(f"CHECKLIST \u00b7 {template.name.upper()}"), "label_tight"), None, None, None], *rows],
        colWidths=[column * 0.55, column * 0.45 + GUTTER / 2, column * 0.55, column * 0.45],
    )
    table.setStyle(
        TableStyle(
            [
                ("SPAN", (0, 0), (-1, 0)),
                ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 3),
                ("RIGHTPADDING", (1, 0), (1, -1), GUTTER / 2 + 3),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
                ("LINEABOVE", (0, 0), (-1, 0), 0.5, RULE),
            ]
        )
    )
    return [table, Spacer(1, 1.5 * mm)]
