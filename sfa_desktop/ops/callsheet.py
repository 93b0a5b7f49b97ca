"""Call sheets: whose sheet this laptop's user may print, and making the PDF (File > Print call sheet…
and ``sfa callsheet``).

Who may print whose call sheet is one rule, ``core.access.may_print_call_sheet`` (everyone their own; a
rep nobody else's; a manager those under them, all the way down; an administrator, or the user of a laptop
never connected, anyone's).  :func:`choices` offers the reps it allows, :func:`rep_ids` checks the logins
asked for against it, and :func:`write_call_sheet` checks it again before it writes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sfa_desktop.core import access, settings
from sfa_desktop.core.errors import UserError
from sfa_desktop.store.database import LocalStore

if TYPE_CHECKING:
    from sfa_desktop.printing.callsheet import Written


class CallSheetError(UserError):
    """A call sheet that cannot be made as asked; the message says what to do."""


@dataclass(frozen=True)
class Choices:
    user: access.Identity | None
    #: (id, name, login) of the reps one may print for; a rep: only themselves
    reps: list[tuple[str, str, str]]
    page_size: str


def choices(store: LocalStore) -> Choices:
    """Who prints, the active reps they may print for (``access.call_sheet_people``; a rep: themselves),
    and the page size setting."""
    with store.engine.connect() as conn:
        user = access.this_user(conn)
        offered = access.call_sheet_people(user, access.people(conn))
    return Choices(user, [(p.user_id, p.full_name, p.login) for p in offered], page_size(store))


def page_size(store: LocalStore) -> str:
    with store.reading() as session:
        return settings.get(session, "page_size")


def rep_ids(store: LocalStore, logins: Sequence[str]) -> list[str]:
    """The ids of the users asked for (by login, any case), or of this laptop's user when none is;
    ``CallSheetError`` for an unknown login or one whose sheet the user may not print."""
    with store.engine.connect() as conn:
        me = access.this_user(conn)
        people = access.people(conn)
    if not logins:
        if me is None:
            raise CallSheetError(
                "This laptop is not connected to a central store, so it does not know whose call sheet to "
                "make: give --rep LOGIN."
            )
        if not me.user_id:
            raise CallSheetError(f"Run 'sfa sync' first: this laptop does not know the user {me.login} yet.")
        return [me.user_id]
    known = {p.login.lower(): p for p in people}
    manager_of = access.managers(people)
    ids = []
    for login in logins:
        found = known.get(login.strip().lower())
        if found is None:
            listed = ", ".join(sorted(p.login for p in known.values())[:12]) or "none"
            raise CallSheetError(f"There is no user '{login}' on this laptop; known users: {listed}.")
        _check(me, found, manager_of)
        ids.append(found.user_id)
    return ids


def _check(me: access.Identity | None, person: access.Person, manager_of: Mapping[str, str | None]) -> None:
    if me is not None and not access.may_print_call_sheet(me, person.user_id, manager_of):
        raise CallSheetError(access.call_sheet_refusal(me, person.login))


def write_call_sheet(
    store: LocalStore,
    rep_ids: list[str],
    start: dt.date,
    end: dt.date,
    path: Path,
    size: str,
    *,
    remember: bool = True,
    checklists: bool = True,
) -> Written:
    """Check that this laptop's user may print each of these sheets (``access.may_print_call_sheet``),
    remember the page size (unless ``remember`` is False: ``sfa callsheet --page-size`` is for this sheet
    only), then make and save the PDF (see ``printing.callsheet.write``; ``NothingPlanned`` when there is
    nothing to print); ``checklists``: print each visit's checklist."""
    from sfa_desktop.printing.callsheet import write  # reportlab, loaded when a sheet is made

    with store.engine.connect() as conn:
        me = access.this_user(conn)
        people = {p.user_id: p for p in access.people(conn)}
    manager_of = access.managers(people.values())
    for rep_id in rep_ids:
        person = people.get(rep_id)
        if person is not None:  # an unknown id prints nothing (printing.callsheet says so)
            _check(me, person, manager_of)
    if remember:
        with store.transaction() as session:
            settings.put(session, "page_size", size)
    with store.reading() as session:
        unit = settings.distance_unit(session)
        return write(session, rep_ids, start, end, path, size=size, unit=unit, checklists=checklists)
