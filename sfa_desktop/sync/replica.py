"""The laptop's copy of the central data, as a pull writes it: pages applied without capture (keeping the
fields with local changes not pushed yet), territories removed, purged tombstones dropped, everything wiped
(see :mod:`sfa_desktop.sync.engine`)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, text

from sfa_desktop.core import access
from sfa_desktop.core.access import Identity
from sfa_desktop.core.notifications import moves
from sfa_desktop.core.records.matching import KINDS as MERGEABLE
from sfa_desktop.core.records.models import SYNCED_MODELS, SYNCED_TABLES
from sfa_desktop.core.records.tables import AUDIENCE_TABLES, TERRITORY_TABLES
from sfa_desktop.protocol.wire import to_wire
from sfa_desktop.store import capture, search
from sfa_desktop.store.attachments import ContentStore
from sfa_desktop.store.database import LocalStore

_MODELS = {m.__tablename__: m for m in SYNCED_MODELS}


def apply_page(
    store: LocalStore,
    table: str,
    rows: Sequence[Sequence[Any]],
    departures: list[dict[str, Any]],
    *,
    changed_only: bool = False,
) -> bool:
    """One local transaction: upsert rows and drop departed ones, in seq order, without capture.

    ``rows`` are wire values in the central table's column order without ``seq``, then ``seq``.
    ``changed_only`` (an incremental pull, not a prime): a record the laptop holds gets only the columns
    whose values differ (see ``_write_changed``).  Returns whether the page holds a merged-away record, or
    ``table`` has a merge made here and not pushed yet (the history of merged records then follows them)."""
    # a filtered replica may hold dangling references: foreign keys are not enforced while applying
    with without_foreign_keys(store) as conn, conn.begin(), capture.capture_suspended(conn):
        return _apply_events(conn, table, rows, departures, changed_only=changed_only)


def _apply_events(
    conn: Connection,
    table: str,
    rows: Sequence[Sequence[Any]],
    departures: list[dict[str, Any]],
    *,
    changed_only: bool = False,
    bulk: bool = False,
) -> bool:
    """:func:`apply_page`'s work in the caller's transaction; ``bulk``: new rows go in with a plain
    INSERT (a prime into an empty table, see :class:`BulkLoad`)."""
    names = _names(table)  # the order pages carry them in
    id_at = names.index("id")
    merges = False
    if table in MERGEABLE:
        merged_at = names.index("merged_into_id")
        merges = any(r[merged_at] is not None for r in rows)
    pending = capture.unsent_fields(conn, table, [r[id_at] for r in rows])
    if table in MERGEABLE and any("merged_into_id" in fields for fields in pending.values()):
        merges = True  # merged here, not pushed yet: the local value stays
    if bulk and not departures and not pending:
        _insert_many(conn, table, names, rows, with_seq=True)  # the common page of a prime: rows as they came
        return merges
    if departures and table in moves.TOLD:  # named while still here: the user is told they left
        moves.note_departures(conn, access.signed_in(conn)[0], table, departures)
    events: list[tuple[int, str, Any]] = [(r[-1], "row", r[:-1]) for r in rows]
    events += [(d["seq"], "departure", d) for d in departures]
    events.sort(key=lambda e: e[0])
    flush = _insert_many if bulk else _flush
    batch: list[Sequence[Any]] = []
    for _seq, what, item in events:
        if what == "row":
            if item[id_at] in pending:
                flush(conn, table, names, batch, changed_only=changed_only)
                batch = []
                _upsert_keeping(conn, table, names, list(item), pending[item[id_at]])
            else:
                batch.append(item)
        else:
            flush(conn, table, names, batch, changed_only=changed_only)
            batch = []
            conn.execute(
                text(f"DELETE FROM {table} WHERE id = :id AND territory_id IS :territory"),
                {"id": item["record_id"], "territory": item["territory_id"]},
            )
    flush(conn, table, names, batch, changed_only=changed_only)
    return merges


def _names(table: str) -> list[str]:
    return [c.name for c in _MODELS[table].__table__.columns]


class BulkLoad:
    """A prime of one table into the laptop, page by page (see :func:`bulk_load`)."""

    def __init__(self, store: LocalStore, conn: Connection | None, table: str) -> None:
        self.store = store
        #: the table was empty: every page goes into this one transaction, in bulk (None: a transaction a
        #: page, as an incremental pull writes them)
        self.conn = conn
        self.table = table
        self.merges = False

    @property
    def bulk(self) -> bool:
        return self.conn is not None

    def add(self, rows: Sequence[Sequence[Any]], departures: list[dict[str, Any]]) -> None:
        if not (rows or departures):
            return
        if self.conn is None:
            merges = apply_page(self.store, self.table, rows, departures)
        else:
            merges = _apply_events(self.conn, self.table, rows, departures, bulk=True)
        self.merges = self.merges or merges


#: The triggers a prime into an empty table sets aside: capturing does nothing while a pull applies (it is
#: suspended), the search index of the rows is built in one statement after (``search.index_missing``),
#: and a prime is checked whole by the integrity check whatever slices it wrote (``replica_marks``).
_BULK_TRIGGERS = ("capture_{table}_insert", "search_{table}_insert", "replica_marks_{table}_insert")


@contextmanager
def bulk_load(store: LocalStore, table: str) -> Iterator[BulkLoad]:
    """Prime ``table``, without capture and foreign-key checks.

    When the table holds no row yet (a new laptop's first sync, a re-prime after a wipe), the whole prime
    of the table is one local transaction, with per-row work set aside: the table's secondary indexes and
    the insert triggers of ``_BULK_TRIGGERS`` are dropped, rows go in with executemany, then the indexes
    are created again (a sort each, instead of a random insert per row and index), the triggers restored
    from their own SQL, and the search index given the new rows.  DDL is transactional in SQLite: a
    failure rolls all of it back, and no other connection ever sees the table without them.  A table that
    holds rows (another territory's) gets each page in a transaction of its own, as a pull writes them."""
    # (capture_suspended's write takes the lock before the look at the table)
    with without_foreign_keys(store) as conn, conn.begin(), capture.capture_suspended(conn):
        empty = conn.exec_driver_sql(f"SELECT 1 FROM {table} LIMIT 1").first() is None
        if empty:
            set_aside: list[str] = []
            wanted = {name.format(table=table) for name in _BULK_TRIGGERS}
            for kind, name, sql in conn.exec_driver_sql(
                "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL AND ("
                "(type = 'index' AND sql NOT LIKE 'CREATE UNIQUE%') "
                "OR (type = 'trigger' AND name IN (SELECT value FROM json_each(?))))",
                (table, json.dumps(sorted(wanted))),
            ).fetchall():
                conn.exec_driver_sql(f"DROP {kind.upper()} {name}")
                set_aside.append(sql)
            yield BulkLoad(store, conn, table)
            for sql in set_aside:
                conn.exec_driver_sql(sql)
            if table in search.SEARCH_KINDS:
                search.index_missing(conn, table)
    if not empty:
        yield BulkLoad(store, None, table)


def remove(store: LocalStore, territories: set[str] | None) -> int:
    """Drop the local rows of these territories (None: every synced row).  Pending changes were pushed."""
    removed = 0
    with without_foreign_keys(store) as conn, conn.begin(), capture.capture_suspended(conn):
        for table in reversed(SYNCED_TABLES):
            if territories is None:
                result = conn.execute(text(f"DELETE FROM {table}"))
            elif table in TERRITORY_TABLES:
                ids = sorted(territories)
                marks = ", ".join(f":t{i}" for i in range(len(ids)))
                result = conn.execute(
                    text(f"DELETE FROM {table} WHERE territory_id IN ({marks})"),
                    {f"t{i}": v for i, v in enumerate(ids)},
                )
            else:
                continue
            removed += result.rowcount
        if territories is None:
            conn.execute(text("DELETE FROM change_history"))
        else:
            ids = sorted(territories)
            marks = ", ".join(f":t{i}" for i in range(len(ids)))
            conn.execute(
                text(f"DELETE FROM change_history WHERE territory_id IN ({marks})"),
                {f"t{i}": v for i, v in enumerate(ids)},
            )
    return removed


def remove_audience(store: LocalStore) -> int:
    """Drop the announcements and read receipts (to be fetched again for a new audience), but for those
    with changes not pushed yet."""
    removed = 0
    with without_foreign_keys(store) as conn, conn.begin(), capture.capture_suspended(conn):
        for table in reversed(AUDIENCE_TABLES):
            unsent = json.dumps(sorted(capture.unsent_record_ids(conn, table)))
            result = conn.execute(
                text(f"DELETE FROM {table} WHERE id NOT IN (SELECT value FROM json_each(:unsent))"),
                {"unsent": unsent},
            )
            removed += result.rowcount
    return removed


def drop_tombstones(store: LocalStore, before: str) -> int:
    """Forget tombstones the central store purged: deleted before ``before`` (central time, wire text).
    A tombstone still in the outbox is kept until it is pushed."""
    removed = 0
    with without_foreign_keys(store) as conn, conn.begin(), capture.capture_suspended(conn):
        for table in reversed(SYNCED_TABLES):
            unsent = capture.unsent_record_ids(conn, table)
            result = conn.execute(
                text(
                    f"DELETE FROM {table} WHERE deleted_at IS NOT NULL AND updated_at < :before "
                    "AND id NOT IN (SELECT value FROM json_each(:unsent))"
                ),
                {"before": before, "unsent": json.dumps(sorted(unsent))},
            )
            removed += result.rowcount
    return removed


def remove_invisible(store: LocalStore, identity: Identity) -> int:
    ids = sorted(identity.territories)
    marks = ", ".join(f":t{i}" for i in range(len(ids))) or "NULL"
    params: dict[str, Any] = {f"t{i}": v for i, v in enumerate(ids)}
    params["me"] = identity.user_id
    removed = 0
    with without_foreign_keys(store) as conn, conn.begin(), capture.capture_suspended(conn):
        for table in reversed(TERRITORY_TABLES):
            result = conn.execute(
                text(
                    f"DELETE FROM {table} WHERE NOT (coalesce(territory_id IN ({marks}), 0) "
                    "OR (territory_id IS NULL AND owner_id IS :me))"
                ),
                params,
            )
            removed += result.rowcount
        conn.execute(
            text(f"DELETE FROM change_history WHERE NOT coalesce(territory_id IN ({marks}), 0)"), params
        )
    return removed


def remove_unowned(store: LocalStore, identity: Identity) -> int:
    """Drop the records without a territory that are neither the user's nor (a manager's) their team's."""
    owners = sorted({identity.user_id} | (set(identity.team) if identity.is_manager else set()))
    marks = ", ".join(f":o{i}" for i in range(len(owners)))
    params = {f"o{i}": v for i, v in enumerate(owners)}
    removed = 0
    with without_foreign_keys(store) as conn, conn.begin(), capture.capture_suspended(conn):
        for table in reversed(TERRITORY_TABLES):
            unsent = json.dumps(sorted(capture.unsent_record_ids(conn, table)))  # a laptop's own work stays
            result = conn.execute(
                text(
                    f"DELETE FROM {table} WHERE territory_id IS NULL AND owner_id NOT IN ({marks}) "
                    "AND id NOT IN (SELECT value FROM json_each(:unsent))"
                ),
                {**params, "unsent": unsent},
            )
            removed += result.rowcount
    return removed


#: Tables of this laptop alone that are made from company records (scores, reminders, what a territory
#: assignment moved, filters naming customers, the undo history's values): a wipe empties them with the
#: records.
_DERIVED = (
    "notifications",
    "lead_scores",
    "lead_scores_pending",
    "reminders",
    "assignment_runs",
    "saved_filters",
    "undo_history",
    "blob_transfers",
)
#: The full-text indexes (FTS5): their segments keep the words of deleted rows until merged away.
_FULL_TEXT = ("search_fts", "kb_fts")


def wipe(conn: Connection) -> None:
    """Forget everything synced (a revoked user, or another user on this laptop), in the caller's
    transaction; keep the client id.  :func:`wipe_store` also leaves none of it readable in the file."""
    with capture.capture_suspended(conn):
        conn.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
        for table in reversed(SYNCED_TABLES):
            conn.execute(text(f"DELETE FROM {table}"))
        capture.clear_outbox(conn)
        conn.execute(text("DELETE FROM conflicts"))
        conn.execute(text("DELETE FROM change_history"))
        present = {r[0] for r in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'table'")}
        for table in _DERIVED:
            if table in present:
                conn.execute(text(f"DELETE FROM {table}"))
        for index in _FULL_TEXT:
            if index in present:
                conn.exec_driver_sql(f"DELETE FROM {index}")
                # merge every segment into one: the deleted rows' words leave the index's pages
                conn.exec_driver_sql(f"INSERT INTO {index} ({index}) VALUES ('optimize')")
    conn.execute(text("DELETE FROM sync_state WHERE key <> 'client_id'"))
    capture.set_local_user(conn, None)


def wipe_store(store: LocalStore) -> None:
    """:func:`wipe` in one transaction (all or nothing: after it the laptop holds no synced data and no
    outbox), then leave nothing of it readable in the data folder: the deleted content is overwritten
    (``secure_delete``), the file rebuilt without its free pages (VACUUM, which cannot run inside a
    transaction) and the write-ahead log emptied and truncated; the attachments' files are overwritten and
    removed too."""
    with store.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA secure_delete = ON")  # for this connection, outside any transaction
        conn.commit()
        try:
            with conn.begin():
                wipe(conn)
            for statement in ("VACUUM", "PRAGMA wal_checkpoint(TRUNCATE)"):
                conn.exec_driver_sql(statement)  # the driver opens no transaction for these
                conn.commit()
        finally:
            conn.rollback()
            conn.exec_driver_sql("PRAGMA secure_delete = OFF")
            conn.commit()
    ContentStore.of(store.path, store.key).wipe()


def store_history(conn: Connection, rows: list[tuple[Any, ...]]) -> None:
    """Keep change-log entries (seq, table, record, territory, op, changes, db user, time) for the
    timeline; without the ``updated_at`` the central store logs of a pushed change (the pushing laptop's own
    clock, kept there to tell what it had seen)."""
    select_list = ", ".join(
        "json_remove(value ->> 5, '$.updated_at')" if i == 5 else f"value ->> {i}"
        for i in range(len(rows[0]))
    )
    conn.execute(
        text(
            "INSERT OR IGNORE INTO change_history (seq, table_name, record_id, territory_id,"
            f" op, changes, db_user, applied_at) SELECT {select_list} FROM json_each(:rows)"
        ),
        {"rows": json.dumps(rows)},
    )


@contextmanager
def without_foreign_keys(store: LocalStore) -> Iterator[Connection]:
    """A local connection with foreign-key enforcement off (set outside any transaction), restored after."""
    with store.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA foreign_keys = OFF")
        conn.commit()
        try:
            yield conn
        finally:
            conn.rollback()
            conn.exec_driver_sql("PRAGMA foreign_keys = ON")
            conn.commit()


def _flush(
    conn: Connection,
    table: str,
    names: Sequence[str],
    batch: Sequence[Sequence[Any]],
    *,
    changed_only: bool = False,
) -> None:
    if changed_only:
        batch = _write_changed(conn, table, names, batch)
    if not batch:
        return
    select_list = ", ".join(f"value ->> {i}" for i in range(len(names)))
    updates = ", ".join(f"{n} = excluded.{n}" for n in names if n != "id")
    sql = (
        f"INSERT INTO {table} ({', '.join(names)}) SELECT {select_list} FROM json_each(:rows) WHERE true "
        f"ON CONFLICT (id) DO UPDATE SET {updates}"
    )
    conn.execute(text(sql), {"rows": json.dumps(batch)})


def _insert_many(
    conn: Connection,
    table: str,
    names: Sequence[str],
    batch: Sequence[Sequence[Any]],
    *,
    changed_only: bool = False,
    with_seq: bool = False,
) -> None:
    """Rows into a table being primed (it held none of them, but a page may bring a record twice: the later
    row wins).  ``with_seq``: each row still ends with its seq, which is bound and not stored."""
    if not batch:
        return
    updates = ", ".join(f"{n} = excluded.{n}" for n in names if n != "id")
    values = ", ".join(f"?{n}" for n in range(1, len(names) + 1))
    seq = f"?{len(names) + 1} IS NOT NULL" if with_seq else "true"
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:  # the driver's own executemany takes the rows as they come (lists from JSON)
        cursor.executemany(
            f"INSERT INTO {table} ({', '.join(names)}) SELECT {values} WHERE {seq} "
            f"ON CONFLICT (id) DO UPDATE SET {updates}",
            batch,
        )
    finally:
        cursor.close()


def _write_changed(
    conn: Connection, table: str, names: Sequence[str], batch: Sequence[Sequence[Any]]
) -> list[Sequence[Any]]:
    """Give the records of ``batch`` that the laptop holds the values that differ, one UPDATE per set of
    changed columns; returns the rows of records it does not hold (to insert).

    Writing every column of a record rewrote every index entry of the row and fired the search index's
    triggers (which re-index a contact, or every contact of a renamed account) even when nothing they
    watch had changed: most rows an incremental pull brings are this laptop's own pushed changes coming
    back, which differ in ``updated_at`` alone.  The stored values are the same either way."""
    id_at = names.index("id")
    latest = {row[id_at]: row for row in batch}  # a record twice in a batch: its later row wins
    wanted = "SELECT j.value FROM json_each(:ids) AS j"
    held = {
        local[id_at]: local
        for local in conn.execute(
            text(f"SELECT {', '.join(names)} FROM {table} WHERE id IN ({wanted})"),
            {"ids": json.dumps(list(latest))},
        )
    }
    missing: list[Sequence[Any]] = []
    groups: dict[tuple[int, ...], list[list[Any]]] = {}
    for record_id, row in latest.items():
        local = held.get(record_id)
        if local is None:
            missing.append(row)
            continue
        changed = tuple(i for i, (mine, theirs) in enumerate(zip(local, row, strict=True)) if mine != theirs)
        if changed:
            groups.setdefault(changed, []).append([record_id, *(row[i] for i in changed)])
    for changed, items in groups.items():
        sets = ", ".join(f"{names[i]} = j.value ->> {n}" for n, i in enumerate(changed, start=1))
        conn.execute(
            text(f"UPDATE {table} SET {sets} FROM json_each(:rows) AS j WHERE {table}.id = j.value ->> 0"),
            {"rows": json.dumps(items)},
        )
    return missing


def _upsert_keeping(
    conn: Connection, table: str, names: Sequence[str], values: list[Any], keep: set[str]
) -> None:
    row = dict(zip(names, values, strict=True))
    exists = conn.execute(text(f"SELECT 1 FROM {table} WHERE id = :id"), {"id": row["id"]}).first()
    if exists is None:
        _flush(conn, table, names, [values])
        return
    sets = [n for n in names if n != "id" and n not in keep]
    if sets:
        conn.execute(
            text(f"UPDATE {table} SET {', '.join(f'{n} = :{n}' for n in sets)} WHERE id = :id"),
            {**{n: row[n] for n in sets}, "id": row["id"]},
        )


def store_conflicts(conn: Connection, conflicts: list[dict[str, Any]]) -> None:
    for c in conflicts:
        conn.execute(
            text(
                "INSERT INTO conflicts (id, seq, table_name, record_id, territory_id, field, lost_value,"
                " won_value, lost_by, won_by, reason, created_at, dismissed) VALUES (:id, :seq, :table_name,"
                " :record_id,"
                " :territory_id, :field, :lost_value, :won_value, :lost_by, :won_by, :reason, :created_at, 0)"
                " ON CONFLICT (id) DO NOTHING"
            ),
            {**c, "created_at": to_wire("datetime", c["created_at"])},
        )
