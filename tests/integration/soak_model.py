"""A randomized soak of the sync: several laptops (three reps in different territories, a second laptop of
one rep, a manager) edit through the real services and sync through the harness (``sync_harness.World``
and ``Laptop``) with faults injected, driven by one seeded ``random.Random``, so a failure is reproduced by
its seed and step.

Operations: creates, edits, deletes of accounts, contacts, leads and activities; concurrent edits of the same
field and of different fields; edit/delete races in both orders (also the edit-then-delete of one laptop);
a losing value used again from the conflict list; territory moves of accounts by the manager; an admin
assigning and unassigning reps; a user revoked and later re-added; laptops whose clocks run up to two days
off.  Faults: the server dying mid-batch ("push.before_commit": nothing committed), the answer to a push
lost ("push.after_commit": the retry must apply nothing twice), a batch pushed twice (before the sync, and
replayed late after it), pulls cut short ("pull.page_fetched", "pull.page_applied", "pull.reading").

Invariants, checked at checkpoints (after every laptop synced twice with no faults) and cheaply along the
way (``SoakModel.check_*``):

(a) no lost edit: every value a laptop saved and had confirmed (its outbox entry deleted after a push) is
    the central value now; or was overwritten by a write whose laptop had seen it (its old value), or is in
    the central conflict archive; and when the record is deleted, the deleting laptop had seen it or it is
    archived (delete against edit, both orders);
(b) no duplicated edit: each (client_id, change_no) is in the central change log at most once;
(c) every losing value archived: a laptop's change applied over a central value other than the one it had
    seen archives that central value;
(d) laptops converge: each replica equals the central rows its user may see;
(e) a revoked user's laptop holds no synced data after its wipe, and none of it is readable in its files;
(f) no laptop is ever wiped otherwise.

Every value the model writes is a unique token (``SOAK`` and a number), so the ledger never mistakes one
write for another and (e) can look for the bytes.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import json
import random
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, text

from sfa_desktop.core.errors import UserError
from sfa_desktop.core.records import models
from sfa_desktop.ops import undo
from sfa_desktop.protocol.errors import CentralError, Revoked
from sfa_desktop.server import central, schema
from sfa_desktop.store import capture
from sfa_desktop.sync import conflicts as local_conflicts
from sfa_desktop.sync import replica
from sfa_desktop.sync.state import load as load_state
from tests.integration.sync_harness import InjectedFault, Laptop, World, assert_replica_matches

#: (login, laptop name): three reps in different territories, a second laptop of ann, a manager of EAST
DEVICES = (("ann", "ann-1"), ("ann", "ann-2"), ("bob", "bob-1"), ("cat", "cat-1"), ("mgr", "mgr-1"))
REPS = ("ann", "bob", "cat")
CODES = ("NE", "SE", "MA")
#: fields the model edits (free text: every value a unique token)
FIELDS = {
    "accounts": ("city", "street", "region", "notes"),
    "contacts": ("title", "city", "first_name", "notes"),
    "leads": ("company", "title", "city", "notes"),
    "activities": ("subject", "notes"),
}
TOKEN = "SOAK"
FAULTS = (
    "push.before_commit",
    "push.after_commit",
    "push.twice",
    "push.replay",
    "pull.page_fetched",
    "pull.page_applied",
    "pull.reading",
)
#: operation -> weight
OPERATIONS = {
    "sync": 30,
    "create": 10,
    "edit": 16,
    "delete": 3,
    "same_field": 5,
    "different_fields": 4,
    "edit_delete_race": 4,
    "edit_then_delete": 2,
    "use_conflict": 2,
    "move_account": 3,
    "assign": 2,
    "unassign": 2,
    "revoke": 1,
    "readd": 1,
}
MAX_SKEW = dt.timedelta(days=2)


class SoakFailure(AssertionError):
    """An invariant broke; the message says which, with the seed and the step that reproduce it."""


# -- the laptops' clocks ---------------------------------------------------------------------------------

_SKEW: contextvars.ContextVar[dt.timedelta] = contextvars.ContextVar("soak_skew", default=dt.timedelta(0))


def _real_utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _skewed_body() -> dt.datetime:  # run as ``models.utcnow``, with its module's globals
    return dt.datetime.now(dt.UTC) + _soak_skew.get()  # type: ignore[name-defined,no-any-return]  # noqa: F821


@contextlib.contextmanager
def laptop_clocks() -> Iterator[None]:
    """Make ``models.utcnow`` (what the local services stamp ``created_at``, ``updated_at`` and a delete's
    ``deleted_at`` with) add the offset of the laptop whose operation runs: a context variable set around one
    laptop's operations (:func:`laptop_clock`), so other threads and the central store's side keep the real
    time.  The function's code is swapped, not the name: column defaults and SQLAlchemy's compiled
    statements hold the function itself (patching the name, or a default's ``arg``, missed every statement
    compiled before)."""
    utcnow: Any = models.utcnow
    original = utcnow.__code__
    # the swapped code reads ``_soak_skew`` from the globals of the module that defines ``utcnow``
    # (``base_models``, re-exported by ``models``)
    utcnow.__globals__["_soak_skew"] = _SKEW
    utcnow.__code__ = _skewed_body.__code__
    try:
        yield
    finally:
        utcnow.__code__ = original


@contextlib.contextmanager
def seeded_ids(rng: random.Random) -> Iterator[None]:
    """Record ids (``uuid.uuid4``) drawn from ``rng``: the model picks records in id order, so a run is
    reproduced by its seed only when the ids are too."""
    original = uuid.uuid4
    uuid.uuid4 = lambda: uuid.UUID(int=rng.getrandbits(128), version=4)
    try:
        yield
    finally:
        uuid.uuid4 = original


@contextlib.contextmanager
def laptop_clock(offset: dt.timedelta) -> Iterator[None]:
    token = _SKEW.set(offset)
    try:
        yield
    finally:
        _SKEW.reset(token)


# -- what the model keeps ------------------------------------------------------------------------------


@dataclass
class Entry:
    """One outbox entry a laptop wrote, as the model saw it right after the operation."""

    device: int
    client_id: str
    change_no: int
    table: str
    record_id: str
    op: str
    changes: dict[str, Any]
    #: a delete's: the laptop's values of the record when it deleted it (what it had seen)
    seen: dict[str, Any] | None = None
    state: str = "pending"  # then "confirmed", or "wiped" (an authenticated revoke)


@dataclass
class Device:
    index: int
    login: str
    name: str
    lap: Laptop
    skew: dt.timedelta
    client_id: str = ""
    last_change_no: int = 0
    cursor: int = 0
    connected: bool = True
    pending: list[Entry] = field(default_factory=list)


@dataclass
class Stats:
    steps: int = 0
    operations: Counter[str] = field(default_factory=Counter)
    faults: Counter[str] = field(default_factory=Counter)
    syncs: int = 0
    syncs_failed: int = 0
    checks: Counter[str] = field(default_factory=Counter)
    wipes: int = 0
    refused_locally: int = 0
    confirmed: int = 0
    seconds: float = 0.0
    conflicts_archived: int = 0

    def lines(self) -> list[str]:
        out = [
            f"steps run: {self.steps:,} in {self.seconds:.1f} s "
            f"({self.steps / max(self.seconds, 1e-9):.1f} steps/s)",
            "operations: " + ", ".join(f"{k} {v:,}" for k, v in sorted(self.operations.items())),
            "faults injected: " + ", ".join(f"{k} {v:,}" for k, v in sorted(self.faults.items())),
            f"syncs: {self.syncs:,} ({self.syncs_failed:,} cut short by a fault or a revoke)",
            f"outbox entries confirmed: {self.confirmed:,}; refused by the local services: "
            f"{self.refused_locally:,}; wipes (revoked): {self.wipes}",
            f"conflicts archived centrally: {self.conflicts_archived:,}",
            "invariant checks passed: " + ", ".join(f"{k} {v:,}" for k, v in sorted(self.checks.items())),
        ]
        return out


class SoakModel:
    def __init__(self, world: World, seed: int, *, check_every: int = 500) -> None:
        self.world = world
        self.seed = seed
        self.rng = random.Random(seed)
        self.check_every = check_every
        self.step_no = 0
        self.stats = Stats()
        self.tokens = 0
        self.revoked: set[str] = set()
        self.wiped_now: list[int] = []  # devices wiped during the current sync
        self.entries: dict[tuple[str, int], Entry] = {}
        self.devices: list[Device] = []
        self.ids = random.Random(seed + 1)
        for index, (login, name) in enumerate(DEVICES):
            offset = dt.timedelta(seconds=self.rng.randint(-172800, 172800)) if index else dt.timedelta(0)
            with seeded_ids(self.ids), laptop_clock(offset):
                lap = world.laptop(login, name)
            device = Device(index, login, name, lap, offset)
            self._connected(device)
            self.devices.append(device)

    # -- running ------------------------------------------------------------------------------------------

    def run(
        self, steps: int, *, deadline: float | None = None, progress: Callable[[str], None] | None = None
    ) -> Stats:
        started = time.perf_counter()
        with seeded_ids(self.ids), laptop_clocks(), self._watching_wipes():
            try:
                while self.step_no < steps and (deadline is None or time.monotonic() < deadline):
                    self.step_no += 1
                    self.step()
                    self.stats.steps = self.step_no
                    if self.step_no % 50 == 0:
                        self.check_cheap()
                    if self.check_every and self.step_no % self.check_every == 0:
                        self.checkpoint()
                        if progress is not None:
                            progress(
                                f"step {self.step_no:,}: checkpoint passed "
                                f"({time.perf_counter() - started:.0f} s)"
                            )
                self.checkpoint(final=True)
            except SoakFailure:
                raise
            except Exception as exc:
                raise SoakFailure(self._where(f"{type(exc).__name__}: {exc}")) from exc
            finally:
                self.stats.seconds = time.perf_counter() - started
                self.stats.conflicts_archived = self._count("conflicts")
        return self.stats

    def _where(self, message: str) -> str:
        return (
            f"{message}\n  (seed {self.seed}, step {self.step_no}; "
            f"rerun with --seed {self.seed} --steps {self.step_no})"
        )

    def fail(self, message: str) -> None:
        raise SoakFailure(self._where(message))

    def step(self) -> None:
        names = list(OPERATIONS)
        op = self.rng.choices(names, weights=[OPERATIONS[n] for n in names])[0]
        done = getattr(self, f"op_{op}")()
        if done is not False:
            self.stats.operations[op] += 1

    # -- helpers ------------------------------------------------------------------------------------------

    def token(self) -> str:
        self.tokens += 1
        return f"{TOKEN}{self.tokens:07d}"

    def live(self) -> list[Device]:
        return [d for d in self.devices if d.connected]

    def pick(self, *, login: str | None = None) -> Device | None:
        choice = [d for d in self.live() if login is None or d.login == login]
        return self.rng.choice(choice) if choice else None

    def records(self, device: Device, table: str) -> list[str]:
        with device.lap.store.engine.connect() as conn:
            return [
                r[0]
                for r in conn.execute(text(f"SELECT id FROM {table} WHERE deleted_at IS NULL ORDER BY id"))
            ]

    def shared_record(self, a: Device, b: Device) -> tuple[str, str] | None:
        tables = list(FIELDS)
        self.rng.shuffle(tables)
        for table in tables:
            both = sorted(set(self.records(a, table)) & set(self.records(b, table)))
            if both:
                return table, self.rng.choice(both)
        return None

    def two(self) -> tuple[Device, Device] | None:
        live = self.live()
        if len(live) < 2:
            return None
        a, b = self.rng.sample(live, 2)
        return a, b

    def _connected(self, device: Device) -> None:
        with device.lap.store.engine.connect() as conn:
            st = load_state(conn)
            device.client_id = str(st.client_id)
            device.last_change_no = int(
                conn.execute(text("SELECT coalesce(max(change_no), 0) FROM outbox")).scalar_one()
            )
        device.cursor = device.lap.cursor()
        device.connected = True

    def local(
        self, device: Device, action: Callable[[], Any], *, seen: tuple[str, str] | None = None
    ) -> bool:
        """Run one local operation on the laptop's clock; note the outbox entries it wrote."""
        snapshot = self._snapshot(device, *seen) if seen else {}
        try:
            with laptop_clock(device.skew):
                action()
        except (UserError, local_conflicts.ConflictError):
            self.stats.refused_locally += 1
            return False
        with device.lap.store.transaction() as session:  # as the window does: the action can be undone
            undo.note(session, device.last_change_no, "edit", f"soak action {self.step_no}", ("soak", "-"))
        with device.lap.store.engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT change_no, table_name, record_id, op, changes FROM outbox "
                    "WHERE change_no > :n ORDER BY change_no"
                ),
                {"n": device.last_change_no},
            ).all()
        for change_no, table, record_id, op, changes in rows:
            entry = Entry(
                device.index, device.client_id, change_no, table, record_id, op, json.loads(changes)
            )
            if op == "delete":
                entry.seen = snapshot.get((table, record_id))
            self.entries[(device.client_id, change_no)] = entry
            device.pending.append(entry)
            device.last_change_no = change_no
        return True

    def _snapshot(self, device: Device, table: str, record_id: str) -> dict[tuple[str, str], dict[str, Any]]:
        """The laptop's values of a record and (an account's) of its children, before it deletes them."""
        found: dict[tuple[str, str], dict[str, Any]] = {}
        with device.lap.store.engine.connect() as conn:
            row = (
                conn.execute(text(f"SELECT * FROM {table} WHERE id = :i"), {"i": record_id})
                .mappings()
                .first()
            )
            if row is not None:
                found[(table, record_id)] = dict(row)
            if table == "accounts":
                for child in ("contacts", "activities", "opportunities"):
                    for r in conn.execute(
                        text(f"SELECT * FROM {child} WHERE account_id = :i"), {"i": record_id}
                    ).mappings():
                        found[(child, r["id"])] = dict(r)
        return found

    def _count(self, table: str) -> int:
        with self.world.central.connect() as cc:
            return int(cc.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())

    # -- operations -------------------------------------------------------------------------------------

    def op_create(self) -> bool:
        device = self.pick()
        if device is None:
            return False
        lap = device.lap
        kind = self.rng.choice(("accounts", "accounts", "contacts", "leads", "activities"))
        values: dict[str, Any]
        if kind in ("accounts", "leads"):
            with lap.store.engine.connect() as conn:
                visible = sorted(load_state(conn).visible)
            codes = [c for c in CODES if c in self._codes(device, visible)]
            territory = lap.territory(self.rng.choice(codes)) if codes else None
            if kind == "accounts":
                if territory is None:
                    return False
                values = {"name": self.token(), "city": self.token(), "territory_id": territory}
            else:
                values = {"last_name": self.token(), "company": self.token()}
                if territory is not None and self.rng.random() < 0.8:
                    values["territory_id"] = territory
        elif kind == "contacts":
            accounts = self.records(device, "accounts")
            if not accounts:
                return False
            values = {
                "last_name": self.token(),
                "title": self.token(),
                "account_id": self.rng.choice(accounts),
            }
        else:
            parent = self.rng.choice(("accounts", "contacts", "leads"))
            ids = self.records(device, parent)
            if not ids:
                return False
            values = {"kind": "call", "subject": self.token(), parent[:-1] + "_id": self.rng.choice(ids)}
        return self.local(device, lambda: lap.create(kind, values))

    def _codes(self, device: Device, visible: list[str]) -> list[str]:
        with device.lap.store.engine.connect() as conn:
            rows = conn.execute(text("SELECT id, code FROM territories WHERE deleted_at IS NULL")).all()
        return [code for tid, code in rows if tid in visible]

    def _edit(self, device: Device, table: str, record_id: str, name: str | None = None) -> bool:
        name = name or self.rng.choice(FIELDS[table])
        value = self.token()
        return self.local(device, lambda: device.lap.update(table, record_id, {name: value}))

    def _delete(self, device: Device, table: str, record_id: str) -> bool:
        return self.local(device, lambda: device.lap.delete(table, record_id), seen=(table, record_id))

    def op_edit(self) -> bool:
        device = self.pick()
        if device is None:
            return False
        table = self.rng.choice(list(FIELDS))
        ids = self.records(device, table)
        return bool(ids) and self._edit(device, table, self.rng.choice(ids))

    def op_delete(self) -> bool:
        device = self.pick()
        if device is None:
            return False
        table = self.rng.choice(list(FIELDS))
        ids = self.records(device, table)
        return bool(ids) and self._delete(device, table, self.rng.choice(ids))

    def _race(
        self, first: Callable[[Device, str, str], Any], second: Callable[[Device, str, str], Any]
    ) -> bool:
        """Two laptops change one record they both hold; half the time both sync at once, in either order."""
        pair = self.two()
        if pair is None:
            return False
        a, b = pair
        shared = self.shared_record(a, b)
        if shared is None:
            return False
        table, record_id = shared
        first(a, table, record_id)
        second(b, table, record_id)
        if self.rng.random() < 0.5:
            order = [a, b] if self.rng.random() < 0.5 else [b, a]
            for device in order:
                self.sync(device, self.fault())
        return True

    def op_same_field(self) -> bool:
        chosen: dict[str, str] = {}

        def edit(device: Device, table: str, record_id: str) -> None:
            name = chosen.setdefault(table, self.rng.choice(FIELDS[table]))
            self._edit(device, table, record_id, name)

        return self._race(edit, edit)

    def op_different_fields(self) -> bool:
        names: list[str] = []

        def edit(device: Device, table: str, record_id: str) -> None:
            if not names:
                names.extend(self.rng.sample(FIELDS[table], 2))
            self._edit(device, table, record_id, names.pop())

        return self._race(edit, edit)

    def op_edit_delete_race(self) -> bool:
        if self.rng.random() < 0.5:
            return self._race(self._edit, self._delete)
        return self._race(self._delete, self._edit)

    def op_edit_then_delete(self) -> bool:
        """The case the state machine missed: one laptop's edit reaches the central store, then another
        laptop (which may have edited the record itself meanwhile) deletes it."""
        pair = self.two()
        if pair is None:
            return False
        a, b = pair
        shared = self.shared_record(a, b)
        if shared is None:
            return False
        table, record_id = shared
        self._edit(a, table, record_id)
        self.sync(a, self.fault())
        if self.rng.random() < 0.5:
            self._edit(b, table, record_id)
        self._delete(b, table, record_id)
        self.sync(b, self.fault())
        return True

    def op_use_conflict(self) -> bool:
        device = self.pick()
        if device is None:
            return False
        with device.lap.store.engine.connect() as conn:
            usable = [c for c in local_conflicts.list_conflicts(conn) if c.usable and c.table in FIELDS]
        if not usable:
            return False
        chosen = self.rng.choice(usable)
        return self.local(device, lambda: local_conflicts.use_value(device.lap.store, chosen.id))

    def op_move_account(self) -> bool:
        device = self.pick(login="mgr")
        if device is None:
            return False
        accounts = self.records(device, "accounts")
        if not accounts:
            return False
        record_id = self.rng.choice(accounts)
        target = device.lap.territory(self.rng.choice(CODES))
        return self.local(device, lambda: device.lap.update("accounts", record_id, {"territory_id": target}))

    def _admin(self, action: str, *args: Any) -> bool:
        try:
            self.world.admin(action, *args)
        except CentralError:
            return False  # already (un)assigned: refused, nothing changed
        return True

    def op_assign(self) -> bool:
        return self._admin("assign", self.rng.choice(REPS), self.rng.choice(CODES))

    def op_unassign(self) -> bool:
        return self._admin("unassign", self.rng.choice(REPS), self.rng.choice(CODES))

    def op_revoke(self) -> bool:
        choice = [login for login in REPS if login not in self.revoked]
        if not choice or self.revoked:
            return False  # one revoked user at a time
        login = self.rng.choice(choice)
        self._admin("revoke", login)
        self.revoked.add(login)
        return True

    def op_readd(self) -> bool:
        if not self.revoked:
            return False
        login = self.rng.choice(sorted(self.revoked))
        self.readd(login)
        return True

    def readd(self, login: str) -> None:
        with central.central_transaction(self.world.central) as cc:
            writer = central.Writer(cc, login="admin")
            user = cc.execute(
                select(schema.SYNCED["users"].c.id).where(schema.SYNCED["users"].c.login == login)
            ).scalar_one()
            writer.update("users", user, {"active": True})
            if cc.dialect.name == "postgresql":
                cc.exec_driver_sql(f'ALTER ROLE "{login}" LOGIN')
        self.revoked.discard(login)
        for device in self.devices:
            if device.login == login and not device.connected:
                device.lap.engine.connect(central.safe_url(self.world.central.url))
                self._connected(device)

    # -- syncs ------------------------------------------------------------------------------------------

    def fault(self) -> str | None:
        return self.rng.choice(FAULTS) if self.rng.random() < 0.45 else None

    def op_sync(self) -> bool:
        device = self.pick()
        if device is None:
            return False
        self.sync(device, self.fault())
        return True

    def _batch(self, device: Device) -> list[Any]:
        with device.lap.store.engine.connect() as conn:
            return list(capture.read_outbox(conn, limit=500))

    def sync(self, device: Device, fault: str | None) -> None:
        """One sync of one laptop, with at most one fault; notes what the central store confirmed."""
        if not device.connected:
            return
        lap = device.lap
        self.stats.syncs += 1
        replay: list[Any] = []
        if fault is not None:
            self.stats.faults[fault] += 1
        self.wiped_now = []
        try:
            if fault == "push.twice":  # the batch pushed by hand first: the sync's push must skip it
                batch = self._batch(device)
                if batch:
                    lap.engine.link.push(device.client_id, batch)
            elif fault == "push.replay":  # the same batch arrives again after the sync confirmed it
                replay = self._batch(device)
            elif fault is not None:
                lap.faults.arm(fault)
            lap.sync()
            if replay:
                lap.engine.link.push(device.client_id, replay)
        except (InjectedFault, Revoked):
            self.stats.syncs_failed += 1
        finally:
            lap.faults.point = lap.faults.error = None  # a fault whose point was not reached is dropped
            lap.faults.seen.clear()
        self._after_sync(device)

    def _after_sync(self, device: Device) -> None:
        if device.index in self.wiped_now:
            for entry in device.pending:
                entry.state = "wiped"
            device.pending = []
            device.connected = False
            self.stats.wipes += 1
            self.check_wiped(device)
            return
        with device.lap.store.engine.connect() as conn:
            left = {r[0] for r in conn.execute(text("SELECT change_no FROM outbox"))}
        still = []
        for entry in device.pending:
            if entry.change_no in left:
                still.append(entry)
            else:
                entry.state = "confirmed"
                self.stats.confirmed += 1
        device.pending = still
        cursor = device.lap.cursor()
        if cursor < device.cursor:
            self.fail(f"{device.name}: the cursor went back from {device.cursor} to {cursor}")
        device.cursor = cursor

    @contextlib.contextmanager
    def _watching_wipes(self) -> Iterator[None]:
        """(f): every wipe is of a laptop whose user the central store has revoked."""
        original = replica.wipe_store

        def watched(store: Any) -> None:
            device = next((d for d in self.devices if d.lap.store is store), None)
            if device is None or device.login not in self.revoked:
                who = device.name if device is not None else store
                self.fail(f"(f) {who} was wiped though its user was not revoked")
            assert device is not None
            self.wiped_now.append(device.index)
            original(store)

        replica.wipe_store = watched
        try:
            yield
        finally:
            replica.wipe_store = original

    # -- invariants ---------------------------------------------------------------------------------------

    def check_wiped(self, device: Device) -> None:
        """(e) the laptop of a revoked user holds no synced data, and nothing of it is in its files."""
        lap = device.lap
        tables = [m.__tablename__ for m in models.SYNCED_MODELS]
        with lap.store.engine.connect() as conn:
            for table in (*tables, "outbox", "conflicts", "change_history"):
                count = conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
                if count:
                    self.fail(f"(e) {device.name} was wiped but holds {count} rows of {table}")
        folder = lap.store.path.parent
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            if TOKEN.encode() in path.read_bytes():
                self.fail(f"(e) {device.name} was wiped but {path.name} still holds readable record values")
        self.stats.checks["(e) wiped laptop holds nothing"] += 1

    def check_cheap(self) -> None:
        """(b) no duplicated edit, and the change numbers of a laptop applied in order."""
        with self.world.central.connect() as cc:
            doubled = cc.execute(
                text(
                    "SELECT client_id, change_no, count(*) FROM change_log WHERE change_no IS NOT NULL "
                    "GROUP BY client_id, change_no HAVING count(*) > 1"
                )
            ).first()
        if doubled is not None:
            self.fail(f"(b) change {doubled[1]} of client {doubled[0]} was applied {doubled[2]} times")
        self.stats.checks["(b) no duplicated edit"] += 1

    def settle(self) -> None:
        for _ in range(2):
            for device in self.devices:
                self.sync(device, None)

    def checkpoint(self, *, final: bool = False) -> None:
        if final:
            for login in sorted(self.revoked):  # their laptops were wiped (checked); bring them back
                self.settle()
                self.readd(login)
        self.settle()
        self.check_cheap()
        for device in self.live():
            if device.lap.outbox():
                self.fail(f"{device.name}: {device.lap.outbox()} changes still wait after two clean syncs")
            if device.pending:
                self.fail(f"{device.name}: {len(device.pending)} changes not confirmed after two clean syncs")
            try:
                assert_replica_matches(self.world, device.lap)
            except AssertionError as exc:
                self.fail(f"(d) {device.name} did not converge: {exc}")
            self.stats.checks["(d) laptop converged"] += 1
        self.check_ledger()

    def check_ledger(self) -> None:
        """(a) no confirmed value lost and (c) every losing value archived."""
        log = schema.change_log
        with self.world.central.connect() as cc:
            applied: dict[tuple[str, int], tuple[int, str, dict[str, Any]]] = {}
            deletes: dict[tuple[str, str], tuple[int, str | None, int | None]] = {}
            for seq, table, record_id, op, changes, client_id, change_no in cc.execute(
                select(
                    log.c.seq,
                    log.c.table_name,
                    log.c.record_id,
                    log.c.op,
                    log.c.changes,
                    log.c.client_id,
                    log.c.change_no,
                ).order_by(log.c.seq)
            ):
                values = json.loads(changes)
                if client_id is not None and change_no is not None:
                    applied[(client_id, change_no)] = (seq, op, values)
                was = values.get("deleted_at")
                if op == "delete" and isinstance(was, list) and was[0] is None:
                    deletes[(table, record_id)] = (seq, client_id, change_no)  # the last one that deleted it
            archived: dict[tuple[str, str], set[str]] = {}
            for record_id, name, lost in cc.execute(
                select(schema.conflicts.c.record_id, schema.conflicts.c.field, schema.conflicts.c.lost_value)
            ):
                value = json.loads(lost) if lost else None
                found = archived.setdefault((record_id, name), set())
                if isinstance(value, dict):
                    found.update(v for v in value.values() if isinstance(v, str))
                elif isinstance(value, str):
                    found.add(value)
            rows: dict[tuple[str, str], dict[str, Any] | None] = {}
            for table, t in ((n, schema.SYNCED[n]) for n in FIELDS):
                for central_row in cc.execute(select(t)).mappings():
                    rows[(table, central_row["id"])] = dict(central_row)

        def is_archived(record_id: str, name: str, value: str) -> bool:
            return value in archived.get((record_id, name), ()) or value in archived.get((record_id, "*"), ())

        # who replaced a value having seen it: value -> seqs of applied changes whose old value it was
        seen_by: dict[str, list[int]] = {}
        for entry in self.entries.values():
            hit = applied.get((entry.client_id, entry.change_no))
            if hit is None or entry.op == "insert":
                continue
            for pair in entry.changes.values():
                if isinstance(pair, list) and isinstance(pair[0], str) and pair[0].startswith(TOKEN):
                    seen_by.setdefault(pair[0], []).append(hit[0])
            # (c): the central value this change replaced was the one the laptop had seen, or it is archived
            for name, pair in hit[2].items():
                mine = entry.changes.get(name)
                if (
                    name in ("updated_at", "deleted_at")
                    or not isinstance(pair, list)
                    or not isinstance(mine, list)
                ):
                    continue
                central_old = pair[0]
                if central_old != mine[0] and isinstance(central_old, str) and central_old.startswith(TOKEN):
                    if not is_archived(entry.record_id, name, central_old):
                        self.fail(
                            f"(c) {entry.table} {entry.record_id} {name}: {central_old!r} "
                            f"lost to {pair[1]!r} "
                            f"(change {entry.change_no} of {self.devices[entry.device].name}, which had seen "
                            f"{mine[0]!r}) and was not archived"
                        )
                    self.stats.checks["(c) losing value archived"] += 1
        for entry in self.entries.values():
            if entry.state != "confirmed":
                continue
            values = (
                entry.changes
                if entry.op == "insert"
                else {k: v[1] for k, v in entry.changes.items() if isinstance(v, list)}
            )
            hit = applied.get((entry.client_id, entry.change_no))
            row = rows.get((entry.table, entry.record_id))
            for name, value in values.items():
                if not (isinstance(value, str) and value.startswith(TOKEN)):
                    continue
                self.stats.checks["(a) confirmed value kept"] += 1
                if is_archived(entry.record_id, name, value):
                    continue
                maker = self.devices[entry.device].name
                where = (
                    f"{entry.table} {entry.record_id} {name}={value!r} (change {entry.change_no} of {maker})"
                )
                if hit is None:
                    self.fail(f"(a) {where} was confirmed but never applied nor archived")
                assert hit is not None
                if any(seq > hit[0] for seq in seen_by.get(value, ())):
                    continue  # replaced later by a laptop that had seen it
                if row is None or row.get(name) != value:
                    now = None if row is None else row.get(name)
                    self.fail(f"(a) {where} was overwritten by {now!r} with no conflict archived")
                assert row is not None
                if row["deleted_at"] is not None:
                    deleted = deletes.get((entry.table, entry.record_id))
                    if deleted is None:
                        continue  # deleted by a cascade of the central store itself
                    seq, client_id, change_no = deleted
                    if seq < hit[0]:
                        self.fail(f"(a) {where} was applied after the delete and not archived")
                    deleter = self.entries.get((client_id or "", change_no or 0))
                    saw = deleter is not None and deleter.seen is not None and deleter.seen.get(name) == value
                    if not saw:
                        who = self.devices[deleter.device].name if deleter is not None else client_id
                        self.fail(
                            f"(a) {where} was lost to a delete by {who}, which had not seen it, "
                            "with no conflict archived"
                        )


def assert_soak_did_its_job(stats: Stats, steps: int) -> None:
    """What a short soak run must show besides the invariants (the suite's seeds, and the ones it moved to
    ``tests/perf/soak_sync.py --suite-seeds``): every step ran, faults struck, edits were confirmed,
    conflicts arose and were checked, the laptops converged at the checkpoints."""
    assert stats.steps == steps
    assert sum(stats.faults.values()) > steps // 20
    assert stats.confirmed > steps // 10
    assert stats.checks["(a) confirmed value kept"] > 0
    assert stats.checks["(d) laptop converged"] >= 5
