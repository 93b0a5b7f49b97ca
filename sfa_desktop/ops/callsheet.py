"""Call sheets: whose sheet this laptop's user may print, and making the PDF (File > Print call sheet…
and ``sfa callsheet``).

:func:`may_print` is the one rule of who may print whose call sheet, for the window and the command line:
everyone their own; a rep nobody else's; a manager those under them, all the way down; an administrator,
or the user of a laptop never connected, anyone's.  :func:`choices` offers the reps it allows, :func:`rep_ids`
checks the logins asked for against it, and :func:`write_call_sheet` checks it again before it writes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from sqlalchemy import Connection, text

from sfa_desktop.core import settings
from sfa_desktop.core.errors import UserError
from sfa_desktop.store.database import LocalStore
from sfa_desktop.sync.local_user import LocalUser, local_user

if TYPE_CHECKING:
    from sfa_desktop.printing.callsheet import Written


class CallSheetError(UserError):
    """A call sheet that cannot be made as asked; the message says what to do."""


class Person(NamedTuple):
    user_id: str
    full_name: str
    login: str
    role: str
    manager_id: str | None
    active: bool


def _people(conn: Connection) -> list[Person]:
    """Every live user, by name."""
    rows = conn.execute(
        text(
            "SELECT id, full_name, login, role, manager_id, active FROM users "
            "WHERE deleted_at IS NULL ORDER BY full_name"
        )
    )
    return [Person(r[0], r[1], r[2], r[3], r[4], bool(r[5])) for r in rows]


def may_print(user: LocalUser | None, person_id: str, manager_of: Mapping[str, str | None]) -> bool:
    """May this laptop's user print the call sheet of ``person_id``?  ``manager_of``: user id -> the id
    of their manager, for every live user."""
    if user is not None and person_id == user.user_id:
        return True
    if user is None or user.role not in ("rep", "manager"):
        return True  # an administrator, or a laptop never connected: anyone's
    if user.role == "rep":
        return False
    seen: set[str] = set()
    current = manager_of.get(person_id)
    while current and current not in seen:
        if current == user.user_id:
            return True
        seen.add(current)
        current = manager_of.get(current)
    return False


@dataclass(frozen=True)
class Choices:
    user: LocalUser | None
    #: (id, name, login) of the reps one may print for; a rep: only themselves
    reps: list[tuple[str, str, str]]
    page_size: str


def choices(store: LocalStore) -> Choices:
    """Who prints, the active reps :func:`may_print` lets them print for (a rep: themselves), and the
    page size setting."""
    with store.engine.connect() as conn:
        user = local_user(conn)
        people = _people(conn)
    manager_of = {p.user_id: p.manager_id for p in people}
    if user is not None and user.role == "rep":
        offered = [p for p in people if p.active and p.user_id == user.user_id]
    else:
        offered = [
            p for p in people if p.active and p.role == "rep" and may_print(user, p.user_id, manager_of)
        ]
    return Choices(user, [(p.user_id, p.full_name, p.login) for p in offered], page_size(store))


def page_size(store: LocalStore) -> str:
    with store.reading() as session:
        return settings.get(session, "page_size")


def rep_ids(store: LocalStore, logins: Sequence[str]) -> list[str]:
    """The ids of the users asked for (by login, any case), or of this laptop's user when none is;
    ``CallSheetError`` for an unknown login or one whose sheet :func:`may_print` does not allow."""
    with store.engine.connect() as conn:
        me = local_user(conn)
        people = _people(conn)
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
    manager_of = {p.user_id: p.manager_id for p in people}
    ids = []
    for login in logins:
        found = known.get(login.strip().lower())
        if found is None:
            listed = ", ".join(sorted(p.login for p in known.values())[:12]) or "none"
            raise CallSheetError(f"There is no user '{login}' on this laptop; known users: {listed}.")
        _check(me, found, manager_of)
        ids.append(found.user_id)
    return ids


def _check(me: LocalUser | None, person: Person, manager_of: Mapping[str, str | None]) -> None:
    if may_print(me, person.user_id, manager_of):
        return
    assert me is not None  # anyone may print anyone's sheet on a laptop never connected
    if me.role == "rep":
        raise CallSheetError(
            f"You are signed in as the rep {me.login}: call sheets of other reps are for their managers."
        )
    raise CallSheetError(
        f"You are signed in as the manager {me.login}: {person.login} is not one of your reps, so their "
        "call sheet is for their own managers."
    )


def write_call_sheet(
    store: LocalStore,
    rep_ids: list[str],
    start: dt.date,
    end: dt.date,
    path: Path,
    size: str,
    *,
    remember: bool = True,
) -> Written:
    """Check that this laptop's user may print each of these sheets (:func:`may_print`), remember the
    page size (unless ``remember`` is False: ``sfa callsheet --page-size`` is for this sheet only), then
    make and save the PDF (see ``printing.callsheet.write``; ``NothingPlanned`` when there is nothing to
    print)."""
    from sfa_desktop.printing.callsheet import write  # reportlab, loaded when a sheet is made

    with store.engine.connect() as conn:
        me = local_user(conn)
        people = {p.user_id: p for p in _people(conn)}
    manager_of = {p.user_id: p.manager_id for p in people.values()}
    for rep_id in rep_ids:
        person = people.get(rep_id)
        if person is not None:  # an unknown id prints nothing (printing.callsheet says so)
            _check(me, person, manager_of)
    if remember:
        with store.transaction() as session:
            settings.put(session, "page_size", size)
    with store.reading() as session:
        return write(session, rep_ids, start, end, path, size=size)
