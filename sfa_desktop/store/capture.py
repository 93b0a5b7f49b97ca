"""Change capture: every insert, update and delete of a synced record appends an outbox entry.

The capture is done by SQLite triggers on the synced tables, so it happens in the same transaction as the
write and no write path can bypass it: not the ORM, not a bulk statement, not a script with the sqlite3
shell.  Records are never hard-deleted while capture is on (a trigger refuses it): deleting sets the
``deleted_at`` tombstone, which travels as a ``delete`` entry.

Sync applies remote changes with capture suspended (:func:`capture_suspended`), inside its own transaction,
so that what came from the central store is not sent back to it.

An outbox entry holds: ``change_no`` (increasing per laptop, never reused), the table, the record id, the
operation (``insert``, ``update``, ``delete``, ``restore``), the changes as JSON (for an insert every
column's value; otherwise ``{"field": [old, new], ...}`` for the changed fields only), the local user and
the time.  :func:`apply_change` replays an entry onto another copy of the schema.

The outbox is this module's: the rest of the app reads and writes it only through the functions here (what
waits, the next batch to push, forgetting what the central store confirmed, which records and fields have
changes not pushed yet); ``core.timeline`` is handed :class:`Unsent`, as it may not import the store.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text

from sfa_desktop.protocol.changes import Change

# The DDL here is what the migrations in db/local were generated from: they hold it as pasted text (a
# migration never imports the app).  Changing it changes nothing in a database until a new migration installs
# its new output (tests/unit/test_migration_schema.py checks that a new file holds what this generates).
OUTBOX_DDL = (
    """
    CREATE TABLE outbox (
        change_no INTEGER PRIMARY KEY AUTOINCREMENT,
        table_name TEXT NOT NULL,
        record_id TEXT NOT NULL,
        op TEXT NOT NULL CHECK (op IN ('insert', 'update', 'delete', 'restore')),
        changes TEXT NOT NULL,
        user_id TEXT,
        recorded_at TEXT NOT NULL
    )
    """,
    "CREATE INDEX ix_outbox_record ON outbox (table_name, record_id)",
    """
    CREATE TABLE capture_control (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        suspended INTEGER NOT NULL DEFAULT 0,
        user_id TEXT
    )
    """,
    "INSERT INTO capture_control (id, suspended) VALUES (1, 0)",
)

# Capture is on unless a transaction explicitly suspended it: a missing control row cannot turn it off.
_ACTIVE = "(SELECT suspended FROM capture_control WHERE id = 1) IS NOT 1"
_USER = "(SELECT user_id FROM capture_control WHERE id = 1)"
_NOW = "strftime('%Y-%m-%d %H:%M:%f', 'now')"
#: Columns that change with every write and so do not make an update by themselves.
_BOOKKEEPING = frozenset({"id", "updated_at"})


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def table_columns(conn: Connection, table: str) -> list[str]:
    rows = conn.exec_driver_sql(f"PRAGMA table_info({_q(table)})").fetchall()
    if not rows:
        raise LookupError(f"no table {table!r}")
    return [row[1] for row in rows]


def capture_ddl(table: str, columns: Sequence[str]) -> list[str]:
    """The CREATE TRIGGER statements that capture changes to ``table``."""
    t = _q(table)
    insert_json = "json_object(" + ", ".join(f"'{c}', NEW.{_q(c)}" for c in columns) + ")"
    diffs = " UNION ALL ".join(
        f"SELECT '{c}' AS k, json_array(OLD.{_q(c)}, NEW.{_q(c)}) AS v WHERE OLD.{_q(c)} IS NOT NEW.{_q(c)}"
        for c in columns
        if c != "id"
    )
    meaningful = " OR ".join(f"OLD.{_q(c)} IS NOT NEW.{_q(c)}" for c in columns if c not in _BOOKKEEPING)
    return [
        f"""
        CREATE TRIGGER capture_{table}_insert AFTER INSERT ON {t} WHEN {_ACTIVE}
        BEGIN
            INSERT INTO outbox (table_name, record_id, op, changes, user_id, recorded_at)
            VALUES ('{table}', NEW.id, 'insert', {insert_json}, {_USER}, {_NOW});
        END
        """,
        f"""
        CREATE TRIGGER capture_{table}_update AFTER UPDATE ON {t} WHEN {_ACTIVE} AND ({meaningful})
        BEGIN
            SELECT RAISE(ABORT, 'a record id cannot change') WHERE OLD.id IS NOT NEW.id;
            INSERT INTO outbox (table_name, record_id, op, changes, user_id, recorded_at)
            SELECT '{table}', NEW.id,
                   CASE WHEN OLD.deleted_at IS NULL AND NEW.deleted_at IS NOT NULL THEN 'delete'
                        WHEN OLD.deleted_at IS NOT NULL AND NEW.deleted_at IS NULL THEN 'restore'
                        ELSE 'update' END,
                   (SELECT json_group_object(k, json(v)) FROM ({diffs})),
                   {_USER}, {_NOW};
        END
        """,
        f"""
        CREATE TRIGGER capture_{table}_delete BEFORE DELETE ON {t} WHEN {_ACTIVE}
        BEGIN
            SELECT RAISE(ABORT, 'synced records are deleted by setting deleted_at, never removed');
        END
        """,
    ]


def drop_capture_ddl(table: str) -> list[str]:
    return [f"DROP TRIGGER IF EXISTS capture_{table}_{what}" for what in ("insert", "update", "delete")]


@contextmanager
def capture_suspended(conn: Connection) -> Iterator[None]:
    """Within the caller's transaction, write without recording outbox entries (sync applying remote data)."""
    conn.execute(text("UPDATE capture_control SET suspended = 1 WHERE id = 1"))
    try:
        yield
    finally:
        conn.execute(text("UPDATE capture_control SET suspended = 0 WHERE id = 1"))


def set_local_user(conn: Connection, user_id: str | None) -> None:
    """Who this laptop's changes are recorded as."""
    conn.execute(text("UPDATE capture_control SET user_id = :u WHERE id = 1"), {"u": user_id})


def read_outbox(conn: Connection, *, after: int = 0, limit: int | None = None) -> list[Change]:
    """The entries after change number ``after`` in order (``limit``: the next batch to push)."""
    sql = (
        "SELECT change_no, table_name, record_id, op, changes, user_id, recorded_at FROM outbox "
        "WHERE change_no > :after ORDER BY change_no"
    )
    params: dict[str, Any] = {"after": after}
    if limit is not None:
        sql += " LIMIT :limit"
        params["limit"] = limit
    return [
        Change(row[0], row[1], row[2], row[3], json.loads(row[4]), row[5], row[6])
        for row in conn.execute(text(sql), params)
    ]


def last_change_no(conn: Connection) -> int:
    """The number of the newest entry waiting (0 when none waits): what a write made later follows."""
    return int(conn.execute(text("SELECT coalesce(max(change_no), 0) FROM outbox")).scalar_one())


def pending_count(conn: Connection) -> int:
    """How many changes wait to be pushed."""
    return int(conn.execute(text("SELECT count(*) FROM outbox")).scalar_one())


def confirm_pushed(conn: Connection, through: int) -> None:
    """Forget the entries up to change number ``through``: the central store has committed them."""
    conn.execute(text("DELETE FROM outbox WHERE change_no <= :n"), {"n": through})


def clear_outbox(conn: Connection) -> None:
    """Forget every entry without pushing it (the laptop's synced data is being wiped)."""
    conn.execute(text("DELETE FROM outbox"))


def _ids(ids: Iterable[str]) -> str:
    return json.dumps(list(ids))


def unsent_record_ids(conn: Connection, table: str, ids: Iterable[str] | None = None) -> set[str]:
    """The records of ``table`` (among ``ids``; None: all) that have changes not pushed yet."""
    sql = "SELECT DISTINCT record_id FROM outbox WHERE table_name = :t"
    params = {"t": table}
    if ids is not None:
        sql += " AND record_id IN (SELECT value FROM json_each(:ids))"
        params["ids"] = _ids(ids)
    return {row[0] for row in conn.execute(text(sql), params)}


def unsent_fields(conn: Connection, table: str, ids: Sequence[str]) -> dict[str, set[str]]:
    """Fields of these records with changes not pushed yet (an insert: every field it wrote)."""
    if not ids:
        return {}
    result: dict[str, set[str]] = {}
    rows = conn.execute(text("SELECT record_id, op, changes FROM outbox WHERE table_name = :t"), {"t": table})
    wanted = set(ids)
    for record_id, op, changes in rows:
        if record_id in wanted:
            fields = json.loads(changes)
            result.setdefault(record_id, set()).update(fields if op != "insert" else fields.keys())
    return result


def unsent_changes(
    conn: Connection, table: str, ids: Iterable[str], *, newest: int | None = None
) -> list[Change]:
    """The changes not pushed yet of these records of ``table``, newest first (only the ``newest`` newest of
    them all when given)."""
    rows = conn.execute(
        text(
            "SELECT change_no, table_name, record_id, op, changes, user_id, recorded_at FROM outbox "
            "WHERE table_name = :t AND record_id IN (SELECT value FROM json_each(:ids)) "
            "ORDER BY change_no DESC LIMIT :limit"
        ),
        {"t": table, "ids": _ids(ids), "limit": newest if newest is not None else -1},
    )
    return [Change(row[0], row[1], row[2], row[3], json.loads(row[4]), row[5], row[6]) for row in rows]


@dataclass(frozen=True)
class Unsent:
    """The outbox read record by record, handed to code below the store that shows local changes not synced
    yet (``core.timeline``, which may not import the store): see :func:`unsent_record_ids` and
    :func:`unsent_changes`."""

    conn: Connection

    def record_ids(self, table: str, ids: Iterable[str]) -> set[str]:
        return unsent_record_ids(self.conn, table, ids)

    def changes(self, table: str, ids: Iterable[str], *, newest: int | None = None) -> list[Change]:
        return unsent_changes(self.conn, table, ids, newest=newest)


def apply_change(conn: Connection, change: Change, *, known_tables: Sequence[str]) -> None:
    """Replay one change onto this database (inside the caller's transaction)."""
    if change.table not in known_tables:
        raise ValueError(f"unknown table {change.table!r}")
    allowed = set(table_columns(conn, change.table))
    values = change.new_values()
    unknown = set(values) - allowed
    if unknown:
        raise ValueError(f"unknown columns for {change.table}: {sorted(unknown)}")
    t = _q(change.table)
    if change.op == "insert":
        columns = list(values)
        conn.execute(
            text(
                f"INSERT INTO {t} ({', '.join(_q(c) for c in columns)}) "
                f"VALUES ({', '.join(':p' + str(i) for i in range(len(columns)))})"
            ),
            {f"p{i}": values[c] for i, c in enumerate(columns)},
        )
    else:
        columns = [c for c in values if c != "id"]
        if not columns:
            return
        conn.execute(
            text(
                f"UPDATE {t} SET {', '.join(f'{_q(c)} = :p{i}' for i, c in enumerate(columns))} "
                "WHERE id = :record_id"
            ),
            {**{f"p{i}": values[c] for i, c in enumerate(columns)}, "record_id": change.record_id},
        )
