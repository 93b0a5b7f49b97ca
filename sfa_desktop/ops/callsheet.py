"""Call sheets: whose sheet this laptop's user may print, and making the PDF (File > Print call sheet…
and ``sfa callsheet``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sfa_desktop.core import access, settings
from sfa_desktop.store.database import LocalStore

if TYPE_CHECKING:
    from sfa_desktop.printing.callsheet import Written


@dataclass(frozen=True)
class Choices:
    user: access.Identity | None
    #: (id, name, login) of the reps one may print for; a rep: only themselves
    reps: list[tuple[str, str, str]]
    page_size: str


def choices(store: LocalStore) -> Choices:
    """Who prints, for whom they may print (``access.call_sheet_people``, the rule ``sfa callsheet`` keeps
    too), and the page size setting."""
    with store.engine.connect() as conn:
        user = access.this_user(conn)
        reps = access.call_sheet_people(user, access.people(conn))
    with store.reading() as session:
        size = settings.get(session, "page_size")
    return Choices(user, [(p.user_id, p.full_name, p.login) for p in reps], size)


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
