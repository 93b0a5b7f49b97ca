"""Undo: the last edit, new record, delete, stage move or merge made on this laptop, for Edit > Undo and
``sfa undo``.

The use cases that make an undoable action log it in their own transaction (:func:`begin` before the action,
:func:`note` after it; ``ops.records.save_record``, ``ops.pipeline.move_card`` and ``close``,
``ops.data.merge_records``); :func:`undo_last` undoes the newest one through ``core.records.undo``, in one
transaction whose writes the outbox records (so the undo syncs like any edit).  The history is the local
table ``undo_history`` (``store.undo_log``), shared by the window and the command line.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from sfa_desktop.core import access
from sfa_desktop.core.records import undo
from sfa_desktop.core.records.undo import CannotUndo, NothingToUndo
from sfa_desktop.store import undo_log
from sfa_desktop.store.database import LocalStore

__all__ = ["CannotUndo", "NothingToUndo", "Undone", "begin", "history", "next_undo", "note", "undo_last"]

#: How many actions ``sfa undo --list`` and the window show.
SHOWN = 20


def begin(session: Session) -> int:
    """Call before an undoable action, in its transaction: where the outbox stands."""
    return undo_log.mark(session.connection())


def note(
    session: Session,
    since: int,
    kind: str,
    what: str,
    focus: tuple[str, str],
    history: tuple[tuple[int, str], ...] = (),
) -> None:
    """Log the action just made in this transaction (nothing when it wrote nothing)."""
    conn = session.connection()
    identity = access.this_user(conn)
    undo_log.record(
        conn, kind, what, focus, since, history=history, user_id=identity.user_id if identity else None
    )


@dataclass(frozen=True)
class Undone:
    what: str
    #: The record to show: (kind, id).
    focus: tuple[str, str]
    records: int
    #: The undo deleted the record again (a new record undone): there is nothing to show.
    gone: bool = False

    def short(self) -> str:
        """What the window's status bar says (narrow at 1280 pixels)."""
        return f"Undid the {self.what.rstrip('.')}."

    def message(self) -> str:
        return f"{self.short()} The undo is sent at the next sync."


def next_undo(store: LocalStore) -> str | None:
    """What Undo would undo ('edit of Acme Corp'), None when nothing."""
    with store.engine.connect() as conn:
        entry = undo_log.latest(conn)
    return entry.action.what if entry is not None else None


def history(store: LocalStore, limit: int = SHOWN) -> list[undo_log.Entry]:
    """The undo history of this laptop, newest first."""
    with store.engine.connect() as conn:
        return undo_log.entries(conn, limit)


def undo_last(store: LocalStore) -> Undone:
    """Undo the newest action not undone yet, in one transaction.  NothingToUndo when there is none;
    CannotUndo (nothing written, the action leaves the history's offer) when it changed since."""
    refused: tuple[int, str] | None = None
    try:
        with store.transaction() as session:
            conn = session.connection()
            entry = undo_log.latest(conn)
            if entry is None:
                raise NothingToUndo(
                    "Nothing to undo: no edit, stage move or merge made on this laptop is left to undo."
                )
            try:
                undo.check(session, entry.action)
            except CannotUndo as exc:
                refused = (entry.id, str(exc))
                raise
            now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
            count = undo.revert(session, entry.action, now)
            undo_log.mark_undone(conn, entry.id)
            focus = (entry.action.focus_table, entry.action.focus_id)
            return Undone(entry.action.what, focus, count, gone=entry.action.kind == "create")
    except CannotUndo:
        if refused is not None:  # the history moves on to the action before
            with store.engine.begin() as conn:
                undo_log.mark_refused(conn, *refused)
        raise
