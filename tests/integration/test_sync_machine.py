"""A Hypothesis state machine over the real SyncEngine: three laptops (two reps in different territories and
a manager, real SQLite files) edit through ``services`` and sync with faults injected, against a SQLite
central file (more examples) and a real PostgreSQL (fewer).  At the end every laptop syncs twice without
faults and its replica must equal the central rows its user may see, and no confirmed change may be lost."""

from __future__ import annotations

import contextlib
import itertools
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from sqlalchemy import select, text

from sfa_desktop.server import central, schema
from sfa_desktop.server.service import SyncService
from sfa_desktop.store import capture
from sfa_desktop.sync.state import load as load_state
from tests.integration.sync_harness import (
    InjectedFault,
    Laptop,
    World,
    assert_replica_matches,
    drop_pg_database,
    pg_database,
    sqlite_central,
)

LAPTOP_LOGINS = ("ann", "bob", "mgr")
FAULTS = (
    "none",
    "push.before_commit",
    "push.after_commit",
    "push.twice",
    "pull.page_applied",
    "pull.page_fetched",
    "pull.reading",  # inside a page's central transaction
)
EDITABLE = {"accounts": ("phone", "website"), "contacts": ("title", "email"), "leads": ("company", "title")}
VALUES = {
    "phone": ("+16175550100", "+16175550111", None),
    "website": ("https://a.example", "https://b.example", None),
    "title": ("CEO", "CFO", None),
    "email": ("a@x.example", "b@x.example", None),
    "company": ("Acme", "Globex", None),
}
_names = itertools.count()


class SyncMachine(RuleBasedStateMachine):
    central_kind = "sqlite"
    pg_url: str | None = None

    def __init__(self) -> None:
        super().__init__()
        self.tmp = tempfile.TemporaryDirectory()
        self.root_engine: Any = None
        if self.central_kind == "sqlite":
            url = sqlite_central(Path(self.tmp.name) / "central.sqlite3")
        else:
            assert self.pg_url is not None
            url, self.root_engine = pg_database(self.pg_url, "machine", migrated=True)
        self.world = World(url, Path(self.tmp.name))
        self.laps = [self.world.laptop(login) for login in LAPTOP_LOGINS]
        # (laptop index, table, record id, field, value) written but not yet confirmed by a sync
        self.unconfirmed: list[list[tuple[str, str, str, Any]]] = [[] for _ in self.laps]
        self.confirmed: list[tuple[str, str, str, Any]] = []
        self.writers: dict[tuple[str, str], set[int]] = {}
        self.names: list[str] = []
        self.cursors = [lap.cursor() for lap in self.laps]

    @initialize()
    def start(self) -> None:
        pass

    # helpers ---------------------------------------------------------------------------------------------

    def _visible(self, lap: Laptop) -> list[str]:
        with lap.store.engine.connect() as conn:
            return sorted(load_state(conn).visible)

    def _records(self, lap: Laptop, table: str) -> list[str]:
        visible = self._visible(lap)
        with lap.store.engine.connect() as conn:
            rows = conn.execute(
                text(f"SELECT id, territory_id FROM {table} WHERE deleted_at IS NULL ORDER BY id")
            )
            return [r.id for r in rows if r.territory_id in visible]

    def _note(self, index: int, table: str, record_id: str, values: dict[str, Any]) -> None:
        for name, value in values.items():
            self.unconfirmed[index].append((table, record_id, name, value))
            self.writers.setdefault((record_id, name), set()).add(index)

    def _name(self) -> str:
        name = f"N{next(_names)}"
        self.names.append(name)
        return name

    # rules -------------------------------------------------------------------------------------------------

    @rule(who=st.integers(0, 2), pick=st.integers(0, 10**6), kind=st.sampled_from(["accounts", "leads"]))
    def create(self, who: int, pick: int, kind: str) -> None:
        lap = self.laps[who]
        visible = self._visible(lap)
        if not visible:
            return
        territory = visible[pick % len(visible)]
        values = {"name": self._name()} if kind == "accounts" else {"last_name": self._name()}
        record_id = lap.create(kind, {**values, "territory_id": territory})
        self._note(who, kind, record_id, values)

    @rule(who=st.integers(0, 2), pick=st.integers(0, 10**6))
    def create_contact(self, who: int, pick: int) -> None:
        lap = self.laps[who]
        accounts = self._records(lap, "accounts")
        if accounts:
            values = {"last_name": self._name()}
            record_id = lap.create("contacts", {**values, "account_id": accounts[pick % len(accounts)]})
            self._note(who, "contacts", record_id, values)

    @rule(
        who=st.integers(0, 2),
        pick=st.integers(0, 10**6),
        table=st.sampled_from(sorted(EDITABLE)),
        which=st.integers(0, 1),
        value=st.integers(0, 2),
    )
    def edit(self, who: int, pick: int, table: str, which: int, value: int) -> None:
        lap = self.laps[who]
        ids = self._records(lap, table)
        if ids:
            name = EDITABLE[table][which]
            record_id = ids[pick % len(ids)]
            changes = {name: VALUES[name][value]}
            lap.update(table, record_id, changes)
            self._note(who, table, record_id, changes)

    @rule(who=st.integers(0, 2), pick=st.integers(0, 10**6), table=st.sampled_from(sorted(EDITABLE)))
    def delete(self, who: int, pick: int, table: str) -> None:
        lap = self.laps[who]
        ids = self._records(lap, table)
        if ids:
            lap.delete(table, ids[pick % len(ids)])

    @rule(who=st.integers(0, 2), pick=st.integers(0, 10**6), to=st.sampled_from(["NE", "SE", "MA"]))
    def move(self, who: int, pick: int, to: str) -> None:
        lap = self.laps[who]
        ids = self._records(lap, "accounts")
        target = lap.scalar("SELECT id FROM territories WHERE code = :c", c=to)
        if ids and target in self._visible(lap):
            lap.update("accounts", ids[pick % len(ids)], {"territory_id": target})

    @rule(rep=st.sampled_from(["ann", "bob"]), code=st.sampled_from(["NE", "SE", "MA"]), on=st.booleans())
    def assign(self, rep: str, code: str, on: bool) -> None:
        with contextlib.suppress(central.CentralError):  # already (un)assigned: refused, nothing changed
            self.world.admin("assign" if on else "unassign", rep, code)

    @rule(who=st.integers(0, 2), fault=st.sampled_from(FAULTS))
    def sync(self, who: int, fault: str) -> None:
        lap = self.laps[who]
        pending = list(self.unconfirmed[who])
        if fault == "push.twice":
            self._push_once_by_hand(lap)
        elif fault != "none":
            lap.faults.arm(fault)
        try:
            lap.sync()
        except InjectedFault:
            return
        finally:
            lap.faults.point = lap.faults.error = None  # a fault whose point was not reached is dropped
        self.confirmed += pending
        del self.unconfirmed[who][: len(pending)]

    def _push_once_by_hand(self, lap: Laptop) -> None:
        with lap.store.engine.connect() as conn:
            batch = capture.read_outbox(conn)
            client_id = str(load_state(conn).client_id)
        if batch:
            SyncService(self.world.central, lap.login).push(client_id, batch)

    @invariant()
    def cursors_only_move_forward(self) -> None:
        now = [lap.cursor() for lap in self.laps]
        for before, after in zip(self.cursors, now, strict=True):
            assert after >= before
        self.cursors = now

    # the end -----------------------------------------------------------------------------------------------

    def teardown(self) -> None:
        try:
            self._check_end()
        finally:
            self.world.close()
            if self.root_engine is not None:
                drop_pg_database(self.root_engine, self.world.url)
            self.tmp.cleanup()

    def _check_end(self) -> None:
        for _ in range(2):
            for index, lap in enumerate(self.laps):
                lap.sync()
                self.confirmed += self.unconfirmed[index]
                self.unconfirmed[index] = []
        for lap in self.laps:
            assert lap.outbox() == 0
            assert_replica_matches(self.world, lap)
        with self.world.central.connect() as cc:
            archived = {
                (r.record_id, r.field)
                for r in cc.execute(select(schema.conflicts.c.record_id, schema.conflicts.c.field))
            }
            for table, record_id, name, value in self.confirmed:
                t = schema.SYNCED[table]
                row = cc.execute(select(t).where(t.c.id == record_id)).mappings().first()
                kept = row is not None and row[name] == value
                overwritten = len(self.writers[(record_id, name)]) > 1 or any(
                    c[1] == record_id and c[2] == name and c[3] != value for c in self.confirmed
                )
                in_archive = (record_id, name) in archived or (record_id, "*") in archived
                assert kept or overwritten or in_archive, f"lost: {table} {record_id} {name}={value!r}"
            for table in ("accounts", "contacts", "leads"):
                t = schema.SYNCED[table]
                column = t.c.name if table == "accounts" else t.c.last_name
                seen = [v for v in cc.execute(select(column)).scalars() if v in self.names]
                assert len(seen) == len(set(seen)), f"duplicates in {table}"
            log = cc.execute(text("SELECT seq, client_id, change_no FROM change_log ORDER BY seq")).all()
            last: dict[str, int] = {}
            for entry in log:
                if entry.client_id is not None and entry.change_no is not None:
                    assert entry.change_no > last.get(entry.client_id, 0), "change_no out of seq order"
                    last[entry.client_id] = entry.change_no
            assert len({e.seq for e in log}) == len(log)


def _run(kind: str, pg_url: str | None, examples: int) -> None:
    machine: Any = type(f"SyncMachine_{kind}", (SyncMachine,), {"central_kind": kind, "pg_url": pg_url})
    machine.TestCase.settings = settings(
        max_examples=examples,
        stateful_step_count=12,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        phases=(Phase.explicit, Phase.generate),
        database=None,
    )
    machine.TestCase().runTest()


@pytest.mark.slow
def test_sync_machine_sqlite() -> None:
    _run("sqlite", None, 10)


@pytest.mark.slow
@pytest.mark.usefixtures("pg_url")
def test_sync_machine_postgresql(pg_url: str) -> None:
    _run("postgresql", pg_url, 6)
