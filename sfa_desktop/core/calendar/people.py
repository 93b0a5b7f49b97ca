"""Whose week the calendar may show, and which of their activities the user may move (issue 16).

The people offered are the user first, then the active users whose agenda the user may show
(``access.may_see_agenda``: a manager the people under them, an admin everyone) and, for a manager, the
members of the territories they see (``Identity.team``: the people whose activities a manager's laptop holds).
A rep is offered themselves alone unless the data puts someone under them.

Moving an activity is a write of its due time: the user may make it where ``access.may_write_here`` says the
record services will accept it (they refuse it again when it is made); :func:`refusal` says why not, for the
calendar's tooltip.  A laptop never connected (``who`` None) holds one person's data: no one to choose, every
activity movable.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Connection

from sfa_desktop.core import access
from sfa_desktop.core.calendar.events import Event

#: A person's colour on the calendar when several people are shown (fill, edge, text), in the order chosen.
PERSON_COLORS = (
    ("#dbeafe", "#2563eb", "#1e3a8a"),
    ("#dcfce7", "#16a34a", "#14532d"),
    ("#fef3c7", "#d97706", "#78350f"),
    ("#fce7f3", "#db2777", "#831843"),
    ("#ede9fe", "#7c3aed", "#3b0764"),
    ("#ccfbf1", "#0d9488", "#134e4a"),
    ("#fee2e2", "#dc2626", "#7f1d1d"),
    ("#e0e7ff", "#4f46e5", "#312e81"),
)


@dataclass(frozen=True)
class Person:
    user_id: str
    name: str
    login: str
    #: This laptop's user.
    me: bool = False


def people_for(conn: Connection, who: access.Identity | None) -> list[Person]:
    """The people whose calendar ``who`` may show: themselves first, then the others by name.  Empty for a
    laptop never connected (it shows everything it holds)."""
    if who is None:
        return []
    everyone = [p for p in access.people(conn) if p.active or p.user_id == who.user_id]
    manager_of = access.managers(everyone)
    team = who.team if who.is_manager else frozenset()
    found = [
        Person(p.user_id, p.full_name, p.login, p.user_id == who.user_id)
        for p in everyone
        if p.user_id == who.user_id or access.may_see_agenda(who, p.user_id, manager_of) or p.user_id in team
    ]
    if not any(p.me for p in found):  # connected, not synced yet: the users are not here
        found.append(Person(who.user_id, who.name, who.login, True))
    return sorted(found, key=lambda p: (not p.me, p.name.casefold(), p.login))


#: Why a done activity does not move.
DONE = "Done: it stays at the time it happened."


def refusal(who: access.Identity | None, event: Event) -> str | None:
    """Why ``who`` may not move this activity (None: they may): not theirs to write, else done (:data:`DONE`:
    it stays where it happened)."""
    current = {"territory_id": event.territory_id, "owner_id": event.owner_id}
    if access.may_write_here(who, "activities", current, {"due_at": event.start}):
        return DONE if event.done else None
    assert who is not None
    return (
        "You may see this activity but not move it: it belongs to a territory that is not yours "
        f"({who.signed_in_as()}). Its territory's people and their managers may."
    )


def refusals(who: access.Identity | None, events: Iterable[Event]) -> dict[str, str]:
    """activity id -> why it may not be moved, for the events the user may not move."""
    found: dict[str, str] = {}
    for event in events:
        why = refusal(who, event)
        if why is not None:
            found[event.activity_id] = why
    return found
