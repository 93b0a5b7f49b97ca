"""The agenda as an iCalendar file (RFC 5545) for the rep's own calendar.

Each activity is one VEVENT: a UID stable across exports (``<activity id>@sfa-desktop``, so re-importing
updates events instead of duplicating them), times in UTC, SUMMARY, DESCRIPTION (who, phone, the sequence
step and its script), LOCATION from the account's (or lead's) address.  The ``icalendar`` library writes the
text: line folding at 75 octets, escaping of commas, semicolons and newlines, CRLF line ends.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from icalendar import Calendar, Event

from sfa_desktop import __version__
from sfa_desktop.core.sequences.agenda import Detail

PRODID = f"-//SFA Desktop//Agenda {__version__}//EN"
UID_DOMAIN = "sfa-desktop"
#: How long each kind of activity is planned for, in minutes.
DURATIONS = {"call": 15, "email": 10, "visit": 60, "meeting": 60, "task": 15}
_KIND_NAMES = {"call": "Call", "email": "Email", "visit": "Visit", "meeting": "Meeting", "task": "Task"}


def summary(detail: Detail) -> str:
    """'Call: Introduction call — Jane Doe (Acme Tools)'."""
    who = detail.person or detail.account
    where = f" ({detail.account})" if detail.account and detail.person else ""
    kind = _KIND_NAMES.get(detail.kind, detail.kind.capitalize())
    return f"{kind}: {detail.subject}" + (f" — {who}{where}" if who else "")


def description(detail: Detail) -> str:
    lines = []
    if detail.person:
        lines.append(detail.person + (f", {detail.person_title}" if detail.person_title else ""))
    for label, value in (("Account", detail.account), ("Phone", detail.phone), ("Email", detail.email)):
        if value:
            lines.append(f"{label}: {value}")
    if detail.opportunity:
        lines.append(f"Opportunity: {detail.opportunity}")
    if detail.is_step:
        lines.append(f"Sequence: {detail.sequence} ({detail.progress})")
    if detail.instructions.strip():
        lines += ["", detail.instructions.strip()]
    if detail.notes.strip():
        lines += ["", "Notes:", detail.notes.strip()]
    return "\n".join(lines)


def calendar(details: Iterable[Detail], *, now: dt.datetime, name: str = "SFA agenda") -> bytes:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    stamp = now.astimezone(dt.UTC).replace(microsecond=0)
    for detail in details:
        start = detail.due_at.astimezone(dt.UTC).replace(microsecond=0)
        event = Event()
        event.add("uid", f"{detail.activity_id}@{UID_DOMAIN}")
        event.add("dtstamp", stamp)
        event.add("dtstart", start)
        event.add("dtend", start + dt.timedelta(minutes=DURATIONS.get(detail.kind, 15)))
        event.add("summary", summary(detail))
        text = description(detail)
        if text:
            event.add("description", text)
        if detail.location:
            event.add("location", detail.location)
        event.add("categories", [_KIND_NAMES.get(detail.kind, detail.kind.capitalize())])
        event.add("transp", "OPAQUE")
        cal.add_component(event)
    return bytes(cal.to_ical())
