"""Call sheets: whose sheet this laptop's user may print, and making the PDF (File > Print call sheet…
and ``sfa callsheet``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import text

from sfa_desktop.core import settings
from sfa_desktop.store.database import LocalStore
from sfa_desktop.sync.local_user import LocalUser, local_user

if TYPE_CHECKING:
    from sfa_desktop.printing.callsheet import Written


@dataclass(frozen=True)
class Choices:
    user: LocalUser | None
    #: (id, name, login) of the reps one may print for; a rep: only themselves
    reps: list[tuple[str, str, str]]
    page_size: str


def choices(store: LocalStore) -> Choices:
    """Who prints, for whom they may print (a rep: themselves; a manager: the reps under them, all the
    way down; otherwise every rep), and the page size setting."""
    with store.engine.connect() as conn:
        user = local_user(conn)
        rows = conn.execute(
            text(
                "SELECT id, full_name, login, role, manager_id FROM users "
                "WHERE deleted_at IS NULL AND active = 1 ORDER BY full_name"
            )
        ).all()
    with store.reading() as session:
        size = settings.get(session, "page_size")
    if user is not None and user.role == "rep":
        mine = [(r[0], r[1], r[2]) for r in rows if r[0] == user.user_id]
        return Choices(user, mine, size)
    reps = [r for r in rows if r[3] == "rep"]
    if user is not None and user.role == "manager":
        manager_of = {r[0]: r[4] for r in rows}

        def reports_to_me(user_id: str) -> bool:
            seen: set[str] = set()
            current = manager_of.get(user_id)
            while current and current not in seen:
                if current == user.user_id:
                    return True
                seen.add(current)
                current = manager_of.get(current)
            return False

        reps = [r for r in reps if reports_to_me(r[0])]
    return Choices(user, [(r[0], r[1], r[2]) for r in reps], size)


def write_call_sheet(
    store: LocalStore, rep_ids: list[str], start: dt.date, end: dt.date, path: Path, size: str
) -> Written:
    """Remember the page size, then make and save the PDF (see ``printing.callsheet.write``;
    ``NothingPlanned`` when there is nothing to print)."""
    from sfa_desktop.printing.callsheet import write  # reportlab, loaded when a sheet is made

    with store.transaction() as session:
        settings.put(session, "page_size", size)
    with store.reading() as session:
        return write(session, rep_ids, start, end, path, size=size)
