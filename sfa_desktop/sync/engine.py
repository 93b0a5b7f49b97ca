"""The sync protocol, run by the laptop against the central store through SQLAlchemy.

One sync = push, then pull (DESIGN.md, "Sync"):

* Push sends the outbox in change-number order, a batch per central transaction.  The central store
  records, in that same transaction, the last change number applied for this laptop, and skips anything at
  or below it, so a retried or duplicated push applies nothing twice.  Outbox entries are deleted only after
  the central store confirmed them.  Updates merge field by field: a field whose server value is not the
  value this laptop last saw was changed by someone else; the later arrival (this push) wins and the
  other value goes to the conflict archive.
* Pull asks for rows whose ``seq`` is above the laptop's cursor, in the territories the user may see plus
  reference data, a page at a time; each page is applied together with the cursor in one local
  transaction.  Rows that left a visible territory arrive as departures and are dropped.  A territory
  newly visible is primed in full; one no longer visible is removed from the laptop.
* A laptop whose cursor is older than the tombstone purge is re-primed; after every pull the live rows of
  one slice of ids are counted and hashed per territory on both sides (``digest``), and a mismatch
  re-primes that territory.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Engine,
    Integer,
    Text,
    and_,
    case,
    cast,
    func,
    literal,
    or_,
    select,
    text,
    type_coerce,
    union_all,
)
from sqlalchemy.exc import DBAPIError

from sfa_desktop.core.records import merge
from sfa_desktop.core.records.matching import KINDS as MERGEABLE
from sfa_desktop.core.records.models import SYNCED_TABLES, new_id, utcnow
from sfa_desktop.store import capture
from sfa_desktop.store.database import LocalStore
from sfa_desktop.sync import apply, central, digest, schema, state
from sfa_desktop.sync.central import CentralError, Revoked
from sfa_desktop.sync.scope import REFERENCE_TABLES, TERRITORY_TABLES, Identity, identify
from sfa_desktop.sync.wire import kind_of, to_wire

PUSH_BATCH = 500
PULL_PAGE = 10_000
#: Tables whose change history laptops keep (the customer timeline), and how far back a prime fetches it.
HISTORY_TABLES = ("accounts", "contacts", "leads", "opportunities")
HISTORY_DAYS = 365
Progress = Callable[[str, int, int], None]


@dataclass
class SyncReport:
    pushed: int = 0
    pulled: int = 0
    removed: int = 0
    conflicts: int = 0
    reprimed: list[str] = field(default_factory=list)
    seconds: float = 0.0
    waiting: int = 0

    def summary(self) -> str:
        parts = [f"sent {self.pushed}", f"received {self.pulled}"]
        if self.removed:
            parts.append(f"removed {self.removed}")
        if self.conflicts:
            parts.append(f"{self.conflicts} conflicts archived")
        if self.reprimed:
            parts.append("re-primed " + ", ".join(self.reprimed))
        return ", ".join(parts) + f" in {self.seconds:.1f} s"


def _no_progress(stage: str, done: int, total: int) -> None:
    pass


def _no_fault(point: str) -> None:
    pass


# -- what a pull reads -------------------------------------------------------------------------------------


def _wire_column(cc: Connection, table: str, column: Column[Any]) -> Any:
    """The column as its wire value (see ``wire``), formatted by the database: no per-value Python work."""
    kind = kind_of(table, column)
    postgres = cc.dialect.name == "postgresql"
    if kind == "datetime":
        expr = func.to_char(column, "YYYY-MM-DD HH24:MI:SS.US") if postgres else column
        return type_coerce(expr, Text).label(column.name)
    if kind == "date":
        expr = func.to_char(column, "YYYY-MM-DD") if postgres else column
        return type_coerce(expr, Text).label(column.name)
    if kind == "bool":
        return type_coerce(cast(column, Integer) if postgres else column, Integer).label(column.name)
    return column


def _history_query(
    cc: Connection, after: int, hi: int, territories: Iterable[str], since: dt.datetime | None
) -> Any:
    """Change-log entries of HISTORY_TABLES with after < seq <= hi in these territories, by seq; an
    insert's values are left out (the record itself is on the laptop)."""
    log = schema.change_log
    changes = case((log.c.op == "insert", literal("{}")), else_=log.c.changes)
    applied = (
        func.to_char(log.c.applied_at, "YYYY-MM-DD HH24:MI:SS.US")
        if cc.dialect.name == "postgresql"
        else log.c.applied_at
    )
    columns = [
        log.c.seq,
        log.c.table_name,
        log.c.record_id,
        log.c.territory_id,
        log.c.op,
        type_coerce(changes, Text).label("changes"),
        log.c.db_user,
        type_coerce(applied, Text).label("applied_at"),
    ]
    conditions = [log.c.seq > after, log.c.seq <= hi, log.c.table_name.in_(HISTORY_TABLES)]
    if since is not None:
        conditions.append(log.c.applied_at >= since)
    return _first_page(
        [
            select(*columns).where(*conditions, log.c.territory_id == t).order_by(log.c.seq).limit(PULL_PAGE)
            for t in sorted(territories)
        ]
    )


def _first_page(branches: list[Any]) -> Any:
    """The first PULL_PAGE rows by seq of several queries, each already ordered by seq and limited.

    One branch per territory walks the (territory_id, seq) index in order: an IN list or an OR of the
    conditions would make PostgreSQL read and sort every matching row for every page."""
    if len(branches) == 1:
        return branches[0]
    combined = union_all(*(select(b.subquery()) for b in branches)).subquery()
    return select(combined).order_by(combined.c.seq).limit(PULL_PAGE)


def _page_query(
    cc: Connection, identity: Identity, table: str, after: int, hi: int, territories: Iterable[str]
) -> Any:
    """Rows of ``table`` with after < seq <= hi that the user may see, first PULL_PAGE by seq: one branch
    per territory and one for the user's own records that have no territory."""
    t = schema.SYNCED[table]
    columns = [_wire_column(cc, table, c) for c in t.columns if c.name != "seq"] + [t.c.seq]
    bounds = and_(t.c.seq > after, t.c.seq <= hi)
    if table in REFERENCE_TABLES:
        return select(*columns).where(bounds).order_by(t.c.seq).limit(PULL_PAGE)
    conditions = [t.c.territory_id == territory for territory in sorted(territories)]
    if "owner_id" in t.c:
        conditions.append(and_(t.c.territory_id.is_(None), t.c.owner_id == identity.user_id))
    return _first_page(
        [select(*columns).where(bounds, c).order_by(t.c.seq).limit(PULL_PAGE) for c in conditions]
    )


# -- the engine -------------------------------------------------------------------------------------------


class SyncEngine:
    def __init__(
        self,
        store: LocalStore,
        central_engine: Engine,
        *,
        progress: Progress | None = None,
        fault: Callable[[str], None] | None = None,
    ) -> None:
        self.store = store
        self.central = central_engine
        self.progress = progress or _no_progress
        #: Called at the points where a real sync can be interrupted ("push.before_commit",
        #: "push.after_commit", "pull.reading" (inside a page's central transaction), "pull.page_fetched",
        #: "pull.page_applied"); tests raise there, or cut the connection, to inject faults.
        self.fault = fault or _no_fault
        #: Set by ``_apply_page`` when a pull brings a merged-away record (its history goes to the survivor).
        self._merges_pulled = False

    # connecting ------------------------------------------------------------------------------------------

    def connect(self, login: str) -> Identity:
        """Make this laptop a client of the central store as ``login`` (checks the login works)."""
        with self._central() as cc:
            central.check_compatible(cc)
            identity = identify(cc, login)
        with self.store.engine.begin() as conn:
            current = state.load(conn)
            if current.login and current.login != login:
                self._wipe(conn)
                current = state.SyncState()
            current.client_id = current.client_id or new_id()
            current.url = central.safe_url(self.central.url)
            current.login = login
            current.user_id = identity.user_id
            state.save(conn, current)
            capture.set_local_user(conn, identity.user_id)
        return identity

    def _central(self) -> Any:
        return central.central_transaction(self.central)

    # the whole sync ----------------------------------------------------------------------------------------

    def sync(self) -> SyncReport:
        started = time.perf_counter()
        report = SyncReport()
        with self.store.engine.connect() as conn:
            st = state.load(conn)
        if not st.connected:
            raise CentralError(
                "This laptop is not connected to a central store. Use 'sfa connect URL --user LOGIN'."
            )
        assert st.login is not None
        assert st.client_id is not None
        try:
            with self._central() as cc:
                central.check_compatible(cc)
                identity = identify(cc, st.login)
        except Revoked:
            with self.store.engine.begin() as conn:
                self._wipe(conn)
            raise
        report.pushed, report.conflicts = self.push(identity, st.client_id)
        report.pulled, report.removed, report.reprimed = self.pull(identity)
        with self.store.engine.begin() as conn:
            st = state.load(conn)
            st.last_sync_at = utcnow().isoformat(timespec="seconds")
            st.last_error = None
            state.save(conn, st, "last_sync_at", "last_error")
            report.waiting = capture.pending_count(conn)
        report.seconds = time.perf_counter() - started
        return report

    # push ---------------------------------------------------------------------------------------------------

    def push(self, identity: Identity, client_id: str) -> tuple[int, int]:
        """Send the outbox; returns (changes applied, conflicts archived)."""
        applied = conflicts = 0
        regrow = False
        total = self._pending()
        while True:
            with self.store.engine.connect() as conn:
                batch = capture.read_outbox(conn, limit=PUSH_BATCH)
            if not batch:
                return applied, conflicts
            with self._central() as cc:
                if regrow:  # the last batch changed the territory tree: a manager may now see more
                    identity = identify(cc, identity.login)
                confirmed, n_applied, n_conflicts = self.push_batch(cc, identity, client_id, batch)
                self.fault("push.before_commit")
            regrow = identity.is_manager and any(c.table == "territories" for c in batch)
            self.fault("push.after_commit")
            # The central store has committed: only now may the outbox entries go.
            with self.store.engine.begin() as conn:
                capture.confirm_pushed(conn, confirmed)
            applied += n_applied
            conflicts += n_conflicts
            self.progress("push", applied, total)

    def _pending(self) -> int:
        with self.store.engine.connect() as conn:
            return capture.pending_count(conn)

    @staticmethod
    def push_batch(
        cc: Connection, identity: Identity, client_id: str, batch: Sequence[capture.Change]
    ) -> tuple[int, int, int]:
        """Apply one batch in the caller's central transaction (see ``apply``).  Returns (last change
        number confirmed, changes applied, conflicts archived)."""
        return apply.apply_batch(cc, identity, client_id, batch)

    # pull ---------------------------------------------------------------------------------------------------

    def pull(self, identity: Identity) -> tuple[int, int, list[str]]:
        """Bring the laptop up to date; returns (rows received, rows removed, territories re-primed)."""
        with self.store.engine.connect() as conn:
            st = state.load(conn)
        self._merges_pulled = False
        with self._central() as cc:
            hi = central.current_seq(cc)
            purged = int(central.info(cc, "purged_through_seq") or 0)
            purged_before = central.info(cc, "purged_before")
        known = set(st.visible)
        visible = set(identity.territories)
        reprimed: list[str] = []
        removed = 0
        if st.cursor and st.cursor < purged:
            # Away longer than the tombstone retention: what we hold cannot be trusted.
            removed += self._remove(None)
            known, st.cursor = set(), 0
            reprimed.append("everything (away longer than the tombstone retention)")
        gone = known - visible
        if gone:
            removed += self._remove(gone)
        if st.cursor == 0 and not identity.is_admin:
            # First sync (or a re-prime): the laptop may hold records, already pushed, of territories this
            # user may not see (demo data, a laptop handed over).  They leave before the prime.
            removed += self._remove_invisible(identity)
        pulled = self._pull_range(identity, st.cursor, hi, known & visible, reference=st.cursor > 0)
        new = visible - known
        if st.cursor == 0 or new:
            pulled += self._pull_range(identity, 0, hi, new, reference=st.cursor == 0)
        with self.store.engine.begin() as conn:
            st.cursor = hi
            st.visible = sorted(visible)
            state.save(conn, st, "cursor", "visible")
        if purged_before and purged_before != st.purged_before:
            removed += self._drop_tombstones(purged_before)
            with self.store.engine.begin() as conn:
                st.purged_before = purged_before
                state.save(conn, st, "purged_before")
        if self._merges_pulled:  # a record's history arrives with the record, which carries its latest change
            with self.store.engine.begin() as conn:
                merge.follow_merges_in_history(conn)  # the history of merged-away records is the survivor's
        mismatched = self._verify(identity)
        if mismatched:
            removed += self._remove(mismatched)
            pulled += self._pull_range(identity, 0, hi, mismatched, reference=False)
            reprimed += sorted(mismatched)
        return pulled, removed, reprimed

    def _pull_range(
        self, identity: Identity, lo: int, hi: int, territories: set[str], *, reference: bool
    ) -> int:
        """Apply every row with lo < seq <= hi in ``territories`` (and reference tables when asked)."""
        total = 0
        tables = [
            t
            for t in SYNCED_TABLES
            if (t in REFERENCE_TABLES and reference) or (t in TERRITORY_TABLES and territories)
        ]
        for table in tables:
            after = lo
            while after < hi:
                with self._central() as cc:
                    rows, page_hi = self._fetch_page(cc, identity, table, after, hi, territories)
                    self.fault("pull.reading")
                    departures = self._fetch_departures(cc, table, after, page_hi, territories)
                self.fault("pull.page_fetched")
                if rows or departures:
                    self._apply_page(table, rows, departures, changed_only=lo > 0)
                self.fault("pull.page_applied")
                total += len(rows)
                self.progress("pull", total, 0)
                after = page_hi
        if tables and lo < hi:
            with self._central() as cc:
                fresh_conflicts = self._fetch_conflicts(cc, lo, hi, territories)
            if fresh_conflicts:
                with self.store.engine.begin() as conn:
                    _store_conflicts(conn, fresh_conflicts)
        if territories and lo < hi:
            self._pull_history(lo, hi, territories)
        return total

    def _pull_history(self, lo: int, hi: int, territories: set[str]) -> None:
        """The change log of these territories' records (who changed which field, from what to what), for
        the timeline; a prime fetches the last HISTORY_DAYS of it."""
        since = utcnow() - dt.timedelta(days=HISTORY_DAYS) if lo == 0 else None
        after = lo
        while after < hi:
            with self._central() as cc:
                query = _history_query(cc, after, hi, territories, since)
                rows = [tuple(r) for r in cc.execute(query)]
            if rows:
                with self.store.engine.begin() as conn:
                    select_list = ", ".join(f"value ->> {i}" for i in range(len(rows[0])))
                    conn.execute(
                        text(
                            "INSERT OR IGNORE INTO change_history (seq, table_name, record_id, territory_id,"
                            f" op, changes, db_user, applied_at) SELECT {select_list} FROM json_each(:rows)"
                        ),
                        {"rows": json.dumps(rows)},
                    )
            after = rows[-1][0] if len(rows) == PULL_PAGE else hi

    def _fetch_page(
        self, cc: Connection, identity: Identity, table: str, after: int, hi: int, territories: set[str]
    ) -> tuple[list[tuple[Any, ...]], int]:
        """Up to PULL_PAGE rows with after < seq <= hi, in seq order, as wire values with seq last."""
        rows = [tuple(r) for r in cc.execute(_page_query(cc, identity, table, after, hi, territories))]
        page_hi = rows[-1][-1] if len(rows) == PULL_PAGE else hi
        return rows, page_hi

    @staticmethod
    def _fetch_departures(
        cc: Connection, table: str, after: int, page_hi: int, territories: set[str]
    ) -> list[dict[str, Any]]:
        if table in REFERENCE_TABLES or not territories:
            return []
        d = schema.departures
        query = select(d).where(
            d.c.table_name == table,
            d.c.seq > after,
            d.c.seq <= page_hi,
            d.c.territory_id.in_(sorted(territories)),
        )
        return [dict(r) for r in cc.execute(query).mappings()]

    @staticmethod
    def _fetch_conflicts(
        cc: Connection, after: int, page_hi: int, territories: set[str]
    ) -> list[dict[str, Any]]:
        c = schema.conflicts
        query = select(c).where(
            c.c.seq > after,
            c.c.seq <= page_hi,
            or_(c.c.territory_id.in_(sorted(territories)), c.c.territory_id.is_(None)),
        )
        return [dict(r) for r in cc.execute(query).mappings()]

    def _apply_page(
        self,
        table: str,
        rows: list[tuple[Any, ...]],
        departures: list[dict[str, Any]],
        *,
        changed_only: bool = False,
    ) -> None:
        """One local transaction: upsert rows and drop departed ones, in seq order, without capture.

        ``rows`` are wire values in the central table's column order without ``seq``, then ``seq``.
        ``changed_only`` (an incremental pull, not a prime): a record the laptop holds gets only the columns
        whose values differ (see ``_write_changed``)."""
        names = [c.name for c in schema.SYNCED[table].columns if c.name != "seq"]
        id_at = names.index("id")
        if table in MERGEABLE and not self._merges_pulled:
            merged_at = names.index("merged_into_id")
            self._merges_pulled = any(r[merged_at] is not None for r in rows)
        events: list[tuple[int, str, Any]] = [(r[-1], "row", r[:-1]) for r in rows]
        events += [(d["seq"], "departure", d) for d in departures]
        events.sort(key=lambda e: e[0])
        # a filtered replica may hold dangling references: foreign keys are not enforced while applying
        with _without_foreign_keys(self.store) as conn, conn.begin(), capture.capture_suspended(conn):
            pending = capture.unsent_fields(conn, table, [r[id_at] for r in rows])
            if table in MERGEABLE and any("merged_into_id" in fields for fields in pending.values()):
                self._merges_pulled = True  # merged here, not pushed yet: the local value stays
            batch: list[tuple[Any, ...]] = []
            for _seq, what, item in events:
                if what == "row":
                    if item[id_at] in pending:
                        _flush(conn, table, names, batch, changed_only=changed_only)
                        batch = []
                        _upsert_keeping(conn, table, names, list(item), pending[item[id_at]])
                    else:
                        batch.append(item)
                else:
                    _flush(conn, table, names, batch, changed_only=changed_only)
                    batch = []
                    conn.execute(
                        text(f"DELETE FROM {table} WHERE id = :id AND territory_id IS :territory"),
                        {"id": item["record_id"], "territory": item["territory_id"]},
                    )
            _flush(conn, table, names, batch, changed_only=changed_only)

    def _remove(self, territories: set[str] | None) -> int:
        """Drop the local rows of these territories (None: every synced row).  Pending changes were pushed."""
        removed = 0
        with _without_foreign_keys(self.store) as conn, conn.begin(), capture.capture_suspended(conn):
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

    def _drop_tombstones(self, before: str) -> int:
        """Forget tombstones the central store purged: deleted before ``before`` (central time, wire text).
        A tombstone still in the outbox is kept until it is pushed."""
        removed = 0
        with _without_foreign_keys(self.store) as conn, conn.begin(), capture.capture_suspended(conn):
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

    def _remove_invisible(self, identity: Identity) -> int:
        ids = sorted(identity.territories)
        marks = ", ".join(f":t{i}" for i in range(len(ids))) or "NULL"
        params: dict[str, Any] = {f"t{i}": v for i, v in enumerate(ids)}
        params["me"] = identity.user_id
        removed = 0
        with _without_foreign_keys(self.store) as conn, conn.begin(), capture.capture_suspended(conn):
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

    def _wipe(self, conn: Connection) -> None:
        """Forget everything synced (a revoked user, or another user on this laptop); keep the client id."""
        with capture.capture_suspended(conn):
            conn.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
            for table in reversed(SYNCED_TABLES):
                conn.execute(text(f"DELETE FROM {table}"))
            capture.clear_outbox(conn)
            conn.execute(text("DELETE FROM conflicts"))
            conn.execute(text("DELETE FROM change_history"))
        conn.execute(text("DELETE FROM sync_state WHERE key <> 'client_id'"))
        capture.set_local_user(conn, None)

    def _verify(self, identity: Identity) -> set[str]:
        """Territories whose live rows differ between the laptop and the central store, checked over one
        slice of ids per sync (see ``digest``); the next sync checks the next slice.

        The laptop holds the central state as of its cursor, so the comparison is made only when the
        central store has not moved on since (read in one snapshot with the digest); otherwise changes
        committed during this sync would look like damage, and the check waits for the next sync."""
        if not identity.territories:
            return set()
        with self.store.engine.connect() as conn:
            if capture.pending_count(conn):
                return set()  # local work in flight: the replica may legitimately differ
            st = state.load(conn)
        slice_no = st.verify_slice % digest.SLICES
        # The laptop's half runs in a thread while the central store computes its own (about 80 ms each for
        # 330,000 rows): an idle sync waits for the slower of the two, not for both in turn.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sfa-verify") as pool:
            local_digest = pool.submit(self._local_digest, slice_no, identity.territories)
            with central.central_transaction(self.central, snapshot=True) as cc:
                if central.current_seq(cc) != st.cursor:
                    return set()  # (leaving the pool waits for the local half)
                remote = digest.compute(cc, TERRITORY_TABLES, slice_no, identity.territories)
            local = local_digest.result()
        with self.store.engine.begin() as conn:
            st.verify_slice = (slice_no + 1) % digest.SLICES
            state.save(conn, st, "verify_slice")
        return digest.mismatched(local, remote)

    def _local_digest(self, slice_no: int, territories: Iterable[str]) -> digest.Digest:
        with self.store.engine.connect() as conn:
            return digest.compute(conn, TERRITORY_TABLES, slice_no, territories)


# -- local helpers ----------------------------------------------------------------------------------------


@contextmanager
def _without_foreign_keys(store: LocalStore) -> Iterator[Connection]:
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


def _store_conflicts(conn: Connection, conflicts: list[dict[str, Any]]) -> None:
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


__all__ = [
    "REFERENCE_TABLES",
    "TERRITORY_TABLES",
    "DBAPIError",
    "Identity",
    "SyncEngine",
    "SyncReport",
    "identify",
]
