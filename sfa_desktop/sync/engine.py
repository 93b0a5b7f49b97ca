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
* A laptop whose cursor is older than the tombstone purge is re-primed; per-territory counts are
  compared after every pull and a mismatch re-primes that territory.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, Table, and_, false, or_, select, text, true
from sqlalchemy.exc import DBAPIError

from sfa_desktop.core.models import SYNCED_TABLES, new_id, utcnow
from sfa_desktop.store import capture
from sfa_desktop.store.database import LocalStore
from sfa_desktop.sync import central, schema, state
from sfa_desktop.sync.central import CentralError, Revoked, Writer
from sfa_desktop.sync.wire import from_wire, kind_of, to_wire

PUSH_BATCH = 500
PULL_PAGE = 5000
TERRITORY_TABLES = ("accounts", "contacts", "leads", "opportunities", "activities")
REFERENCE_TABLES = ("users", "territories", "territory_memberships", "products")
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


# -- who may see what -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Identity:
    user_id: str
    login: str
    role: str
    territories: frozenset[str]  # visible: memberships and everything below them

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def identify(conn: Connection, login: str) -> Identity:
    users = schema.SYNCED["users"]
    user = conn.execute(select(users).where(users.c.login == login)).mappings().first()
    if user is None or not user["active"] or user["deleted_at"] is not None:
        raise Revoked(f"The central store has no active user '{login}': access was revoked or never granted.")
    territories = schema.SYNCED["territories"]
    members = schema.SYNCED["territory_memberships"]
    tree = conn.execute(
        select(territories.c.id, territories.c.parent_id).where(territories.c.deleted_at.is_(None))
    ).all()
    if user["role"] == "admin":
        return Identity(user["id"], login, "admin", frozenset(t.id for t in tree))
    roots = set(
        conn.execute(
            select(members.c.territory_id).where(
                members.c.user_id == user["id"], members.c.deleted_at.is_(None)
            )
        ).scalars()
    )
    children: dict[str | None, list[str]] = {}
    for t in tree:
        children.setdefault(t.parent_id, []).append(t.id)
    visible: set[str] = set()
    stack = [r for r in roots if any(t.id == r for t in tree)]
    while stack:
        current = stack.pop()
        if current not in visible:
            visible.add(current)
            stack.extend(children.get(current, ()))
    return Identity(user["id"], login, str(user["role"]), frozenset(visible))


def _scope(table: Table, identity: Identity, territories: Iterable[str]) -> Any:
    """SQL condition: rows of ``table`` in ``territories`` (and the user's own unassigned records)."""
    if table.name in REFERENCE_TABLES:
        return true()
    ids = sorted(territories)
    condition: Any = table.c.territory_id.in_(ids) if ids else false()
    if "owner_id" in table.c:
        condition = or_(condition, and_(table.c.territory_id.is_(None), table.c.owner_id == identity.user_id))
    return condition


def may_write(identity: Identity, territory: str | None, owner: str | None) -> bool:
    if identity.is_admin:
        return True
    if territory is None:
        return owner == identity.user_id
    return territory in identity.territories


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
        #: "push.after_commit", "pull.page_fetched", "pull.page_applied"); tests raise there to inject faults.
        self.fault = fault or _no_fault

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
        total = self._pending()
        while True:
            with self.store.engine.connect() as conn:
                batch = capture.read_outbox(conn, limit=PUSH_BATCH)
            if not batch:
                return applied, conflicts
            with self._central() as cc:
                confirmed, n_applied, n_conflicts = self.push_batch(cc, identity, client_id, batch)
                self.fault("push.before_commit")
            self.fault("push.after_commit")
            # The central store has committed: only now may the outbox entries go.
            with self.store.engine.begin() as conn:
                conn.execute(text("DELETE FROM outbox WHERE change_no <= :n"), {"n": confirmed})
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
        """Apply one batch in the caller's central transaction.  Returns (last change number confirmed,
        changes applied, conflicts archived)."""
        clients = schema.sync_clients
        writer = Writer(cc, login=identity.login, client_id=client_id)
        last = cc.execute(select(clients.c.last_change_no).where(clients.c.client_id == client_id)).scalar()
        if last is None:
            cc.execute(
                clients.insert().values(
                    client_id=client_id, login=identity.login, last_change_no=0, first_seen_at=writer.now
                )
            )
            last = 0
        applied = conflicts = 0
        for change in batch:
            if change.change_no <= last:
                continue  # applied before: a retried or duplicated push
            if change.table not in schema.SYNCED:
                continue
            conflicts += _apply_change(writer, identity, change)
            applied += 1
        confirmed = max(last, batch[-1].change_no)
        cc.execute(
            clients.update()
            .where(clients.c.client_id == client_id)
            .values(last_change_no=confirmed, last_push_at=writer.now)
        )
        return confirmed, applied, conflicts

    # pull ---------------------------------------------------------------------------------------------------

    def pull(self, identity: Identity) -> tuple[int, int, list[str]]:
        """Bring the laptop up to date; returns (rows received, rows removed, territories re-primed)."""
        with self.store.engine.connect() as conn:
            st = state.load(conn)
        with self._central() as cc:
            hi = central.current_seq(cc)
            purged = int(central.info(cc, "purged_through_seq") or 0)
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
        mismatched = self._check_counts(identity)
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
                    departures = self._fetch_departures(cc, table, after, page_hi, territories)
                    fresh_conflicts = self._fetch_conflicts(cc, after, page_hi, territories)
                self.fault("pull.page_fetched")
                self._apply_page(table, rows, departures, fresh_conflicts)
                self.fault("pull.page_applied")
                total += len(rows)
                self.progress("pull", total, 0)
                after = page_hi
        return total

    def _fetch_page(
        self, cc: Connection, identity: Identity, table: str, after: int, hi: int, territories: set[str]
    ) -> tuple[list[dict[str, Any]], int]:
        t = schema.SYNCED[table]
        query = (
            select(t)
            .where(t.c.seq > after, t.c.seq <= hi, _scope(t, identity, territories))
            .order_by(t.c.seq)
            .limit(PULL_PAGE)
        )
        rows = [dict(r) for r in cc.execute(query).mappings()]
        page_hi = rows[-1]["seq"] if len(rows) == PULL_PAGE else hi
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
        rows: list[dict[str, Any]],
        departures: list[dict[str, Any]],
        conflicts: list[dict[str, Any]],
    ) -> None:
        """One local transaction: upsert rows and drop departed ones, in seq order, without capture."""
        t = schema.SYNCED[table]
        columns = [c for c in t.columns if c.name != "seq"]
        names = [c.name for c in columns]
        kinds = [kind_of(table, c) for c in columns]
        events: list[tuple[int, str, Any]] = [(r["seq"], "row", r) for r in rows]
        events += [(d["seq"], "departure", d) for d in departures]
        events.sort(key=lambda e: e[0])
        # a filtered replica may hold dangling references: foreign keys are not enforced while applying
        with _without_foreign_keys(self.store) as conn, conn.begin(), capture.capture_suspended(conn):
            pending = _pending_fields(conn, table, [r["id"] for r in rows])
            batch: list[list[Any]] = []
            for _seq, what, item in events:
                if what == "row":
                    values = [to_wire(k, item[n]) for n, k in zip(names, kinds, strict=True)]
                    if item["id"] in pending:
                        _flush(conn, table, names, batch)
                        batch = []
                        _upsert_keeping(conn, table, names, values, pending[item["id"]])
                    else:
                        batch.append(values)
                else:
                    _flush(conn, table, names, batch)
                    batch = []
                    conn.execute(
                        text(f"DELETE FROM {table} WHERE id = :id AND territory_id IS :territory"),
                        {"id": item["record_id"], "territory": item["territory_id"]},
                    )
            _flush(conn, table, names, batch)
            _store_conflicts(conn, conflicts)

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
        return removed

    def _wipe(self, conn: Connection) -> None:
        """Forget everything synced (a revoked user, or another user on this laptop); keep the client id."""
        with capture.capture_suspended(conn):
            conn.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
            for table in reversed(SYNCED_TABLES):
                conn.execute(text(f"DELETE FROM {table}"))
            conn.execute(text("DELETE FROM outbox"))
            conn.execute(text("DELETE FROM conflicts"))
        conn.execute(text("DELETE FROM sync_state WHERE key <> 'client_id'"))
        capture.set_local_user(conn, None)

    def _check_counts(self, identity: Identity) -> set[str]:
        """Territories whose row counts differ between the laptop and the central store."""
        if not identity.territories:
            return set()
        ids = sorted(identity.territories)
        local: dict[tuple[str, str], int] = {}
        with self.store.engine.connect() as conn:
            if capture.pending_count(conn):
                return set()  # local work in flight: counts may legitimately differ
            for table in TERRITORY_TABLES:
                for territory, count in conn.execute(
                    text(
                        f"SELECT territory_id, count(*) FROM {table} WHERE territory_id IS NOT NULL "
                        "GROUP BY territory_id"
                    )
                ):
                    local[(table, territory)] = count
        remote: dict[tuple[str, str], int] = {}
        with self._central() as cc:
            for table in TERRITORY_TABLES:
                t = schema.SYNCED[table]
                query = (
                    select(t.c.territory_id, _count())
                    .where(t.c.territory_id.in_(ids))
                    .group_by(t.c.territory_id)
                )
                for territory, count in cc.execute(query):
                    remote[(table, territory)] = count
        return {
            key[1]
            for key in set(local) | set(remote)
            if key[1] in identity.territories and local.get(key, 0) != remote.get(key, 0)
        }


def _count() -> Any:
    from sqlalchemy import func

    return func.count()


# -- applying one pushed change on the central store ----------------------------------------------------


def _apply_change(writer: Writer, identity: Identity, change: capture.Change) -> int:
    """Apply one outbox entry with field-level merge.  Returns the number of conflicts archived."""
    t = schema.SYNCED[change.table]
    cc = writer.conn
    query = select(t).where(t.c.id == change.record_id)
    if cc.dialect.name == "postgresql":
        query = query.with_for_update()
    current = cc.execute(query).mappings().first()
    kinds = {c.name: kind_of(change.table, c) for c in t.columns}
    new_values = {k: v for k, v in change.new_values().items() if k in t.c and k not in ("seq", "updated_at")}
    scoped = "territory_id" in t.c
    territory_now = current["territory_id"] if current is not None and scoped else None
    territory_new = new_values.get("territory_id", territory_now) if scoped else None
    owner = new_values.get(
        "owner_id", current["owner_id"] if current is not None and "owner_id" in t.c else None
    )
    if (change.table in REFERENCE_TABLES and not identity.is_admin) or (
        scoped
        and not (
            may_write(identity, territory_new, owner)
            and (current is None or may_write(identity, territory_now, current.get("owner_id")))
        )
    ):
        writer.conflict(
            table=change.table,
            record_id=change.record_id,
            territory=territory_now or territory_new,
            field="*",
            lost=change.new_values(),
            won=None,
            lost_by=identity.login,
            reason="not-permitted",
        )
        return 1
    typed = {k: from_wire(kinds[k], v) for k, v in new_values.items()}
    if current is None:
        if change.op != "insert":
            # the record is gone from the central store (purged tombstone): keep the edit visible
            writer.conflict(
                table=change.table,
                record_id=change.record_id,
                territory=territory_new,
                field="*",
                lost=change.new_values(),
                won=None,
                lost_by=identity.login,
                reason="missing",
            )
            return 1
        writer.insert(change.table, {**typed, "id": change.record_id}, change_no=change.change_no)
        return 0
    conflicts = 0
    apply: dict[str, Any] = {}
    if change.op == "insert":
        olds: Mapping[str, Any] = {}
    else:
        olds = {k: pair[0] for k, pair in change.changes.items()}
    for name, value in typed.items():
        server = to_wire(kinds[name], current[name])
        wire_new = new_values[name]
        if server == wire_new:
            continue
        if name in olds and server != olds[name] and name != "deleted_at":
            # someone else changed this field since this laptop saw it: later arrival wins, keep theirs
            writer.conflict(
                table=change.table,
                record_id=change.record_id,
                territory=territory_new,
                field=name,
                lost=server,
                won=wire_new,
                lost_by=_last_writer(cc, change),
                reason="same-field",
            )
            conflicts += 1
        apply[name] = value
    if current["deleted_at"] is not None and change.op == "update" and apply:
        writer.conflict(
            table=change.table,
            record_id=change.record_id,
            territory=territory_new,
            field="*",
            lost=None,
            won={k: new_values[k] for k in apply},
            lost_by=None,
            reason="edit-after-delete",
        )
        conflicts += 1
    if apply:
        writer.update(
            change.table,
            change.record_id,
            apply,
            op=change.op,
            change_no=change.change_no,
            old_territory=territory_now,
        )
    return conflicts


def _last_writer(cc: Connection, change: capture.Change) -> str | None:
    log = schema.change_log
    return cc.execute(
        select(log.c.db_user)
        .where(log.c.table_name == change.table, log.c.record_id == change.record_id)
        .order_by(log.c.seq.desc())
        .limit(1)
    ).scalar()


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


# -- local helpers ----------------------------------------------------------------------------------------


def _pending_fields(conn: Connection, table: str, ids: Sequence[str]) -> dict[str, set[str]]:
    """Fields of these records with local changes not yet pushed (they keep their local values)."""
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


def _flush(conn: Connection, table: str, names: Sequence[str], batch: list[list[Any]]) -> None:
    if not batch:
        return
    select_list = ", ".join(f"value ->> {i}" for i in range(len(names)))
    updates = ", ".join(f"{n} = excluded.{n}" for n in names if n != "id")
    sql = (
        f"INSERT INTO {table} ({', '.join(names)}) SELECT {select_list} FROM json_each(:rows) WHERE true "
        f"ON CONFLICT (id) DO UPDATE SET {updates}"
    )
    conn.execute(text(sql), {"rows": json.dumps(batch)})


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


__all__ = ["DBAPIError", "SyncEngine", "SyncReport", "identify"]
