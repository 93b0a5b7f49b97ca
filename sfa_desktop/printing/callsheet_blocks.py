"""One call on the call sheet: who and where, why this call, what happened before, what they buy, what
to say, and room to write what came of it."""

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
from sfa_desktop.printing.base import ACCENT, FONT, FONT_BOLD, INK, MUTED, RULE
from sfa_desktop.printing.flowables import Badge, Para, TickBoxes, WritingLines
from sfa_desktop.printing.styles import PALE, style

KIND = {"call": "Phone call", "visit": "Visit", "meeting": "Meeting"}
SCRIPT_CHARS = 420
#: Lines of the last order shown (the largest first).
ORDER_LINES = 2
NOTES_CHARS = 70
DASH = "\u2013"
STAR = "\u2605 "
MAX_DEALS = 3
TIMES = " \u00d7 "


def _p(markup: str, name: str = "text") -> Para:
    return Para(markup, style(name))


def _label(text: str) -> Para:
    return _p(escape(text.upper()), "label")


def _day(moment: dt.datetime, zone: dt.tzinfo) -> str:
    local = moment.astimezone(zone)
    return f"{local.day} {local:%b %Y}"


def _cut(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[:limit].rsplit(" ", 1)[0] + "…"


def call_block(
    call: Call, number: str, width: float, unit: str, zone: dt.tzinfo, *, show_date: bool
) -> list[Any]:
    """The flowables of one call, to be kept together on a page when they fit (two usually do)."""
    story: list[Any] = [_header(call, number, width, unit, zone, show_date=show_date), Spacer(1, 1.5 * mm)]
    story.append(
        _columns(
            [_who(call, width * COLUMNS[0] - 8), _why(call), _sales(call, width * COLUMNS[2] - 8)], width
        )
    )
    story += _script(call)
    story += _history(call, zone, width)
    story += _talking_points(call)
    story += _outcome(call, width)
    story.append(Spacer(1, 3 * mm))
    return story


def _header(call: Call, number: str, width: float, unit: str, zone: dt.tzinfo, *, show_date: bool) -> Table:
    info = call.info
    local = info.due_at.astimezone(zone)
    kind = KIND.get(info.kind, info.kind.capitalize())
    meta = [kind]
    if info.duration_minutes:
        meta.append(f"{info.duration_minutes} min")
    if call.stop is not None:
        meta.append(f"stop {call.stop} of the route")
        if call.leg_km is not None:
            meta.append(f"{format_distance(call.leg_km, unit)} from the previous place")
    elif info.kind != "call":
        meta.append("not on the route (no coordinates)")
    when = f"{local:%H:%M}"
    when_small = f"{local:%a} {local.day} {local:%b}" if show_date else f"{local:%A}"
    if call.overdue:  # due on an earlier day and still open
        when = "<font color='#b91c1c'>Overdue</font>"
        when_small = f"since {local:%a} {local.day} {local:%b}"
    cells = [
        [
            Badge(number, color=ACCENT),
            [_p(escape(info.party.name), "block_title"), _p(escape(" · ".join(meta)), "block_meta")],
            _p(
                f"{when}<br/><font name='{FONT}' size='8' color='#64748b'>{escape(when_small)}</font>",
                "block_right",
            ),
        ]
    ]
    table = Table(cells, colWidths=[12 * mm, width - 12 * mm - 30 * mm, 30 * mm])
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, -1), PALE),
                ("LINEABOVE", (0, 0), (-1, 0), 2, ACCENT),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
                ("LEFTPADDING", (0, 0), (0, 0), 7),
            ]
        )
    )
    return table


#: Shares of the width of the three columns: who, why, history.
COLUMNS = (0.3, 0.33, 0.37)


def _columns(cells: list[list[Any]], width: float) -> Table:
    table = Table([cells], colWidths=[width * share for share in COLUMNS])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 8),
                ("RIGHTPADDING", (0, 0), (-1, -1), 8),
                ("LEFTPADDING", (0, 0), (0, 0), 0),
                ("RIGHTPADDING", (-1, 0), (-1, 0), 0),
                ("LINEBEFORE", (1, 0), (-1, 0), 0.5, RULE),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
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


def _who(call: Call, width: float) -> list[Any]:
    info = call.info
    party = info.party
    lines = [escape(", ".join(party.address))] if party.address else []
    reach = []
    if party.phone:
        reach.append(f"Phone {escape(format_phone(party.phone))}")
    if party.industry:
        reach.append(f"<font color='#64748b'>{escape(party.industry)}</font>")
    if reach:
        lines.append(" · ".join(reach))
    story: list[Any] = [_label("Lead" if info.lead_id and not info.account_id else "Account")]
    story.append(_p("<br/>".join(lines) if lines else "<font color='#64748b'>No address on record.</font>"))
    story.append(_label("Contact"))
    person = info.person
    if person is None:
        story.append(_p("<font color='#64748b'>No contact named for this call.</font>"))
        return story
    name = f"<b>{escape(person.name)}</b>"
    parts = [f"{name}, {escape(person.title)}" if person.title else name]
    if person.phone:
        parts.append(f"Phone {escape(format_phone(person.phone))}")
    if person.mobile:
        parts.append(f"Mobile {escape(format_phone(person.mobile))}")
    if person.email:
        parts.append(_email(person.email, width))
    story.append(_p("<br/>".join(parts)))
    return story


def _why(call: Call) -> list[Any]:
    info = call.info
    story: list[Any] = [_label("Why this call"), _p(f"<b>{escape(info.subject)}</b>")]
    step = info.step
    if step is not None:
        attempt = f", attempt {step.attempt + 1}" if step.attempt else ""
        story.append(
            _p(
                f"Sequence <b>{escape(step.sequence)}</b>, step {step.number} of {step.total}: "
                f"{escape(step.title)}{attempt}"
            )
        )
    if info.notes:
        story.append(_p(f"<font color='#64748b'>Notes:</font> {escape(_cut(info.notes, 300))}"))
    story.append(_label("Open opportunities"))
    if not info.deals:
        story.append(_p("<font color='#64748b'>None open.</font>"))
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
            text += f" <font color='#64748b'>· next: {escape(deal.next_step)}</font>"
        story.append(_p(text, "deal"))
    if len(info.deals) > MAX_DEALS:
        story.append(_p(f"<font color='#64748b'>and {len(info.deals) - MAX_DEALS} more.</font>"))
    return story


def _script(call: Call) -> list[Any]:
    """The step's script across the whole width (a dash before each point)."""
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


def _history(call: Call, zone: dt.tzinfo, width: float) -> list[Any]:
    """The last activities as a compact table: one line each, with what was noted."""
    story: list[Any] = [_label("Last activities")]
    if not call.info.history:
        story.append(_p("<font color='#64748b'>Nothing recorded yet.</font>"))
        return story
    rows = []
    for past in call.info.history:
        what = escape(past.subject)
        if past.notes:
            what += f" <font color='#64748b'>· {escape(_cut(past.notes, NOTES_CHARS))}</font>"
        rows.append(
            [
                _day(past.when, zone),  # short cells as plain strings: set without a paragraph's cost
                KIND.get(past.kind, past.kind.capitalize()),
                _p(what, "cell"),
                (past.outcome or "")[:24],
            ]
        )
    table = Table(rows, colWidths=[24 * mm, 19 * mm, width - 24 * mm - 19 * mm - 30 * mm, 30 * mm])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 6),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
                ("LINEBELOW", (0, 0), (-1, -2), 0.3, RULE),
                ("FONT", (0, 0), (0, -1), FONT_BOLD, 8.5),
                ("FONT", (1, 0), (1, -1), FONT, 8.5),
                ("FONT", (3, 0), (3, -1), FONT, 8.5),
                ("TEXTCOLOR", (0, 0), (1, -1), INK),
                ("TEXTCOLOR", (3, 0), (3, -1), MUTED),
                ("LEADING", (0, 0), (-1, -1), 10.5),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5),
            ]
        )
    )
    story.append(table)
    return story


def _figures(rows: list[tuple[str, str, str]], width: float) -> Table:
    """A small table of (quantity, what, amount): figures right-aligned, what wraps between them."""
    cells = [[quantity, _p(escape(what), "cell"), amount] for quantity, what, amount in rows]
    table = Table(cells, colWidths=[7 * mm, width - 7 * mm - 15 * mm, 15 * mm])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("FONT", (0, 0), (-1, -1), FONT, 8.5),
                ("TEXTCOLOR", (0, 0), (-1, -1), INK),
                ("ALIGN", (0, 0), (0, -1), "RIGHT"),
                ("ALIGN", (2, 0), (2, -1), "RIGHT"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("LEFTPADDING", (1, 0), (1, -1), 5),
                ("RIGHTPADDING", (1, 0), (1, -1), 4),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
                ("LINEBELOW", (0, 0), (-1, -2), 0.3, RULE),
            ]
        )
    )
    return table


def _sales(call: Call, width: float) -> list[Any]:
    info = call.info
    story: list[Any] = [_label("Last order")]
    order = info.last_order
    if order is None:
        story.append(_p("<font color='#64748b'>No orders on record.</font>"))
    else:
        story.append(
            _p(
                f"<b>{escape(order.number)}</b> of {order.date.day} {order.date:%b %Y} · "
                f"<b>{escape(money(order.total_cents, order.currency))}</b> · {escape(order.status)}"
            )
        )
        lines = [
            (f"{q}{TIMES.strip()}", name, money(total, order.currency))
            for name, q, total in order.lines[:ORDER_LINES]
        ]
        story.append(_figures(lines, width))
        if len(order.lines) > ORDER_LINES:
            more = len(order.lines) - ORDER_LINES
            story.append(_p(f"<font color='#64748b'>and {more} more line{'s' if more > 1 else ''}.</font>"))
    if info.top_products:
        story.append(_label("Top products, all orders"))
        shown = [
            f"{escape(p.name)} <font color='#64748b'>{p.quantity}{TIMES.strip()} "
            f"{escape(money(p.revenue_cents, p.currency))}</font>"
            for p in info.top_products
        ]
        story.append(_p(" · ".join(shown), "cell"))
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
    follow = Table(
        [
            [
                WritingLines(1, label="Next step", spacing=6 * mm),
                WritingLines(1, label="Follow up on", spacing=6 * mm),
            ]
        ],
        colWidths=[width * 0.62, width * 0.38],
    )
    follow.setStyle(
        TableStyle(
            [
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (0, 0), 10),
                ("RIGHTPADDING", (1, 0), (1, 0), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return [
        _label("Outcome"),
        TickBoxes([o[:1].upper() + o[1:] for o in call.outcomes]),
        WritingLines(2, label="Notes", spacing=6 * mm),
        follow,
    ]
