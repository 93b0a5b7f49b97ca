"""The undo history of this laptop (local, not synced): the last actions a person made here (an edit, a stage
move, a merge), newest last, each with what it wrote (``core.records.undo.Action``), whether it was undone
or its undo refused.  Kept like the log of assignment runs (``store.assignment_log``): a row per action, its
details as JSON, a mark once it is undone.  The window's Edit > Undo and ``sfa undo`` share it.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from sqlalchemy import Connection, text

from sfa_desktop.core.records.undo import Action, steps_from
from sfa_desktop.store import capture

# The migration (db/local/versions/0602_undo_history.py) holds this DDL as pasted text.
UNDO_DDL = (
    """
    CREATE TABLE undo_history (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        done_at TEXT NOT NULL,
        user_id TEXT,
        kind TEXT NOT NULL,
        what TEXT NOT NULL,
        focus_table TEXT NOT NULL,
        focus_id TEXT NOT NULL,
        action TEXT NOT NULL,
        undone_at TEXT,
        refused TEXT
    )
    """,
)
#: How many actions the history keeps (the oldest go first).
KEEP = 50


@dataclass(frozen=True)
class Entry:
    id: int
    done_at: dt.datetime
    user_id: str | None
    action: Action
    undone_at: dt.datetime | None = None
    #: Why its undo was refused (it then leaves the actions Undo offers).
    refused: str | None = None

    @property
    def open(self) -> bool:
        """Still offered by Undo."""
        return self.undone_at is None and self.refused is None

    def describe(self) -> str:
        """'edit of Acme Corp' (', undone' / ', could not be undone')."""
        state = ", undone" if self.undone_at else ", could not be undone" if self.refused else ""
        return self.action.what + state


def mark(conn: Connection) -> int:
    """Where the outbox stands before an action: pass it to :func:`record` after the action."""
    return capture.last_change_no(conn)


def record(
    conn: Connection,
    kind: str,
    what: str,
    focus: tuple[str, str],
    since: int,
    *,
    history: tuple[tuple[int, str], ...] = (),
    user_id: str | None = None,
) -> int | None:
    """Log the action just made in the caller's transaction: what it wrote is the outbox past ``since``.
    Returns its number, or None when it wrote nothing (a save without a change)."""
    steps = steps_from(
        (c.table, c.record_id, c.op, c.changes) for c in capture.read_outbox(conn, after=since)
    )
    if not steps:
        return None
    action = Action(kind, what, focus[0], focus[1], steps, history)
    result = conn.execute(
        text(
            "INSERT INTO undo_history (done_at, user_id, kind, what, focus_table, focus_id, action) "
            "VALUES (:t, :u, :k, :w, :ft, :fi, :a) RETURNING id"
        ),
        {
            "t": _now(),
            "u": user_id,
            "k": kind,
            "w": what,
            "ft": focus[0],
            "fi": focus[1],
            "a": json.dumps(action.to_json()),
        },
    )
    number = int(result.scalar_one())
    conn.execute(text("DELETE FROM undo_history WHERE id <= :n"), {"n": number - KEEP})
    return number


def entries(conn: Connection, limit: int = KEEP, *, open_only: bool = False) -> list[Entry]:
    """The history, newest first (only what Undo still offers, with ``open_only``)."""
    where = "WHERE undone_at IS NULL AND refused IS NULL " if open_only else ""
    rows = conn.execute(
        text(
            "SELECT id, done_at, user_id, kind, what, focus_table, focus_id, action, undone_at, refused "
            f"FROM undo_history {where}ORDER BY id DESC LIMIT :n"
        ),
        {"n": limit},
    )
    return [
        Entry(
            int(r.id),
            dt.datetime.fromisoformat(r.done_at),
            r.user_id,
            Action.from_json(r.kind, r.what, r.focus_table, r.focus_id, json.loads(r.action)),
            dt.datetime.fromisoformat(r.undone_at) if r.undone_at else None,
            r.refused,
        )
        for r in rows
    ]


def latest(conn: Connection) -> Entry | None:
    """The action Undo undoes: the newest one not undone (nor refused)."""
    return next(iter(entries(conn, 1, open_only=True)), None)


def mark_undone(conn: Connection, entry_id: int) -> None:
    conn.execute(text("UPDATE undo_history SET undone_at = :t WHERE id = :i"), {"t": _now(), "i": entry_id})


def mark_refused(conn: Connection, entry_id: int, reason: str) -> None:
    conn.execute(text("UPDATE undo_history SET refused = :r WHERE id = :i"), {"r": reason, "i": entry_id})


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat()
