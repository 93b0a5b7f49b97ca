"""Which id slices of the laptop's territory tables were written since the integrity check last looked.

The integrity check (``protocol.digest``, run by ``sync.engine``) hashes one slice of ids per sync on both
sides.  A slice whose check passed need not be hashed again while nothing in it changes on either side:
the central store's changes to it reach the laptop as pulled rows (which the engine notes), and every
write to it on the laptop, by the app or behind its back with any SQL, fires these triggers, which note
the slice in ``replica_marks``.  What damages the file below SQL is for SQLite's own checks
(``LocalStore.verify``).
"""

from __future__ import annotations

from sqlalchemy import Connection

from sfa_desktop.protocol.digest import slice_sql

MARKS_DDL = ("CREATE TABLE replica_marks (slice INTEGER PRIMARY KEY)",)
#: The columns the digest reads (an update of others leaves it as it was).
_WATCHED = ("id", "territory_id", "updated_at", "deleted_at")


def _mark(row: str) -> str:
    # not INSERT OR IGNORE: an outer upsert's conflict handling would override it (see the score triggers)
    return (
        f"INSERT INTO replica_marks (slice) SELECT m.s FROM (SELECT {slice_sql(row + '.id')} AS s) AS m "
        "WHERE m.s NOT IN (SELECT slice FROM replica_marks);"
    )


def marks_trigger_ddl(table: str) -> list[str]:
    return [
        f"CREATE TRIGGER replica_marks_{table}_insert AFTER INSERT ON {table} BEGIN {_mark('NEW')} END",
        f"CREATE TRIGGER replica_marks_{table}_update AFTER UPDATE OF {', '.join(_WATCHED)} ON {table} "
        f"BEGIN {_mark('OLD')} {_mark('NEW')} END",
        f"CREATE TRIGGER replica_marks_{table}_delete AFTER DELETE ON {table} BEGIN {_mark('OLD')} END",
    ]


def take(conn: Connection) -> set[int]:
    """The slices written since the last call (forgotten as they are returned), in the caller's
    transaction."""
    marked = {int(r[0]) for r in conn.exec_driver_sql("SELECT slice FROM replica_marks")}
    if marked:
        conn.exec_driver_sql("DELETE FROM replica_marks")
    return marked
