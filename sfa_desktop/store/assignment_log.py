"""The log of assignment runs on this laptop (local, not synced): when the moves of a preview were made,
over which territories, by whom, which records moved from where to where, and whether the run was undone.
Only the last run can be undone (see ``ops.territories.undo_last_run``): later moves build on earlier ones.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, text

from sfa_desktop.core.territories.assignment import Move

# The migration (db/local/versions/0601_assignment_runs.py) holds this DDL as pasted text.
ASSIGNMENT_RUNS_DDL = (
    """
    CREATE TABLE assignment_runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        ran_at TEXT NOT NULL,
        user_id TEXT,
        scope TEXT NOT NULL,
        moves TEXT NOT NULL,
        undone_at TEXT
    )
    """,
)


@dataclass(frozen=True)
class Run:
    id: int
    ran_at: dt.datetime
    #: who ran it (None: a laptop never connected)
    user_id: str | None
    #: "in all territories", "in New England (NE) and below"
    scope: str
    moves: tuple[Move, ...]
    undone_at: dt.datetime | None = None

    @property
    def undone(self) -> bool:
        return self.undone_at is not None

    def describe(self) -> str:
        """'22 records moved in all territories' (', undone')."""
        n = len(self.moves)
        return f"{n:,} record{'s' if n != 1 else ''} moved {self.scope}" + (", undone" if self.undone else "")


def record(conn: Connection, moves: Sequence[Move], scope: str, user_id: str | None) -> int:
    """Log a run whose moves were just made (in the caller's transaction); returns its number."""
    result = conn.execute(
        text(
            "INSERT INTO assignment_runs (ran_at, user_id, scope, moves) VALUES (:t, :u, :s, :m) RETURNING id"
        ),
        {
            "t": _now(),
            "u": user_id,
            "s": scope,
            "m": json.dumps([dataclasses.asdict(m) for m in moves]),
        },
    )
    return int(result.scalar_one())


def runs(conn: Connection, limit: int = 50) -> list[Run]:
    """The latest runs, newest first."""
    rows = conn.execute(
        text(
            "SELECT id, ran_at, user_id, scope, moves, undone_at FROM assignment_runs "
            "ORDER BY id DESC LIMIT :n"
        ),
        {"n": limit},
    )
    return [
        Run(
            int(r.id),
            dt.datetime.fromisoformat(r.ran_at),
            r.user_id,
            r.scope,
            tuple(Move(**m) for m in json.loads(r.moves)),
            dt.datetime.fromisoformat(r.undone_at) if r.undone_at else None,
        )
        for r in rows
    ]


def mark_undone(conn: Connection, run_id: int) -> None:
    conn.execute(text("UPDATE assignment_runs SET undone_at = :t WHERE id = :i"), {"t": _now(), "i": run_id})


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat()
