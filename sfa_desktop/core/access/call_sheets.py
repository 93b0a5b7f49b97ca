"""People: whose call sheets and agendas a user may print and show (their own, their team's)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from sfa_desktop.core.access.identity import Identity, Who, _conn
from sfa_desktop.core.records.models import User


@dataclass(frozen=True)
class Person:
    """A live user of the company, as the rules about people read them."""

    user_id: str
    full_name: str
    login: str
    role: str
    manager_id: str | None
    active: bool


def people(db: Connection | Session) -> list[Person]:
    """The live users, by full name."""
    users = User.__table__
    rows = _conn(db).execute(
        select(users.c.id, users.c.full_name, users.c.login, users.c.role, users.c.manager_id, users.c.active)
        .where(users.c.deleted_at.is_(None))
        .order_by(users.c.full_name)
    )
    return [
        Person(str(r[0]), str(r[1] or r[2]), str(r[2]), str(r[3] or "rep"), r[4], bool(r[5])) for r in rows
    ]


def managers(everyone: Iterable[Person]) -> dict[str, str | None]:
    """user id -> their manager's id."""
    return {p.user_id: p.manager_id for p in everyone}


def in_team(who: Who, user_id: str, manager_of: Mapping[str, str | None]) -> bool:
    """Is this user the user themselves or someone under them (``manager_of``: user id -> manager id, all
    the way up)?  Everyone is in an admin's team, and in that of a laptop never connected."""
    if who is None or who.is_admin or user_id == who.user_id:
        return True
    seen: set[str] = set()
    current = manager_of.get(user_id)
    while current and current not in seen:
        if current == who.user_id:
            return True
        seen.add(current)
        current = manager_of.get(current)
    return False


def may_print_call_sheet(who: Who, user_id: str, manager_of: Mapping[str, str | None]) -> bool:
    """May the user print this user's call sheet?  Their own; a manager also those of the people under
    them; an admin everyone's."""
    return in_team(who, user_id, manager_of)


def may_see_agenda(who: Who, user_id: str, manager_of: Mapping[str, str | None]) -> bool:
    """May the user show this user's agenda?  The same people as the call sheet."""
    return in_team(who, user_id, manager_of)


def call_sheet_people(who: Who, everyone: list[Person]) -> list[Person]:
    """The active reps whose call sheets the user may print (what the call-sheet dialog offers)."""
    manager_of = managers(everyone)
    return [
        p
        for p in everyone
        if p.active and p.role == "rep" and may_print_call_sheet(who, p.user_id, manager_of)
    ]


def call_sheet_refusal(who: Identity, login: str) -> str:
    """Why ``who`` may not print the call sheet of ``login``: says whose they may print."""
    if who.is_manager:
        return (
            f"You are signed in as the manager {who.login}: {login} does not report to you, so their call "
            "sheet is for their own manager."
        )
    if who.role == "rep":
        return f"You are signed in as the rep {who.login}: call sheets of other reps are for their managers."
    return f"This laptop does not know the role of {who.login} yet: run 'sfa sync' first."
