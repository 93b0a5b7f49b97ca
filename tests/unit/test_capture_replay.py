"""Change capture has no bypass: random service calls, replayed from the outbox alone, rebuild the same data.

A Hypothesis state machine drives ``services.create/update/delete/create_many`` over every synced kind (moving
accounts between territories, re-parenting contacts, deleting accounts with their children, and some invalid
input that must raise ValidationError and write nothing) against a real LocalStore.  After every step the new
outbox entries are replayed onto two empty copies:

* ``echo``: replayed with capture ON.  Its own triggers must record exactly the entries they were fed (same
  table, record, operation and changed values), so the capture is a pure function of the writes, and its
  search triggers must build the same index.
* ``quiet``: replayed inside ``capture_suspended`` (what sync does with remote data); its outbox must stay
  empty.

Both copies must equal the original row for row in every synced table (all columns, exact SQLite types).  The
outbox itself is checked too: change numbers strictly increase, every update's old values equal the state the
previous entries left, and the trigger-maintained search index equals one rebuilt from the tables.
"""

from __future__ import annotations

import atexit
import functools
import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from sqlalchemy import Connection, text

from sfa_desktop.core.records import lead_status, services
from sfa_desktop.core.records.fields import ENTITIES, Field
from sfa_desktop.core.records.models import SYNCED_TABLES, new_id
from sfa_desktop.core.records.validation import ValidationError
from sfa_desktop.protocol.changes import Change
from sfa_desktop.store import capture, search
from sfa_desktop.store.database import DB_FILENAME, LocalStore
from tests.strategies import has_invalid, invalid_value, valid_value

#: What a lead may be created as (converted: only by converting it).
STARTING_STATUSES = ("new", "working", "qualified", "disqualified")

KINDS = (
    "territories",
    "users",
    "territory_memberships",
    "accounts",
    "contacts",
    "leads",
    "opportunities",
    "activities",
    "products",
    "pipeline_stages",
    "kb_articles",
    "sequence_templates",
    "territory_rules",
    "sequence_enrollments",
    "orders",
    "order_lines",
)
UNIQUE_FIELDS = {
    ("users", "login"),
    ("territories", "code"),
    ("products", "sku"),
    ("pipeline_stages", "key"),
    ("sequence_templates", "name"),
}
#: What follows its account on this laptop: created in, moved and deleted with it.
CHILD_KINDS = services.ACCOUNT_CHILDREN
#: Self-references that form a hierarchy: a record may not be placed under itself or its descendants.
HIERARCHIES = {"territories": "parent_id", "users": "manager_id"}


def dump(conn: Connection, table: str) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in conn.exec_driver_sql(f"SELECT * FROM {table} ORDER BY id")]


def dump_all(conn: Connection) -> dict[str, list[tuple[Any, ...]]]:
    return {table: dump(conn, table) for table in SYNCED_TABLES}


def assert_same(
    actual: dict[str, list[tuple[Any, ...]]], expected: dict[str, list[tuple[Any, ...]]], what: str
) -> None:
    for table in SYNCED_TABLES:
        assert len(actual[table]) == len(expected[table]), f"{what}: {table} has a different number of rows"
        for got, want in zip(actual[table], expected[table], strict=True):
            assert got == want, f"{what}: {table} row differs:\n got  {got}\n want {want}"


def index_rows(conn: Connection) -> list[tuple[Any, ...]]:
    return sorted(
        tuple(row)
        for row in conn.exec_driver_sql(
            "SELECT d.kind, d.record_id, f.name, f.company, f.email, f.phone, f.city "
            "FROM search_fts f JOIN search_doc d ON d.docid = f.rowid"
        )
    )


def columns_of(conn: Connection, table: str) -> list[str]:
    return capture.table_columns(conn, table)


@functools.cache
def template_file() -> Path:
    """A freshly migrated, empty data file; each example starts from a copy (migrating takes ~90 ms)."""
    folder = Path(tempfile.mkdtemp(prefix="sfa-template-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    LocalStore.open(folder).close()
    return folder / DB_FILENAME


def open_copy_of_template(folder: Path) -> LocalStore:
    folder.mkdir()
    shutil.copyfile(template_file(), folder / DB_FILENAME)
    return LocalStore.open(folder)


class CaptureMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.root = Path(tempfile.mkdtemp(prefix="sfa-capture-"))
        self.store = open_copy_of_template(self.root / "original")
        self.echo = open_copy_of_template(self.root / "echo")
        self.quiet = open_copy_of_template(self.root / "quiet")
        self.replayed = 0  # last change_no applied to the copies
        # state rebuilt from the outbox alone, starting from what a new data file holds (the default
        # pipeline stages, written by the migration with capture off)
        self.shadow: dict[tuple[str, str], dict[str, Any]] = {}
        self.counter = 0
        with self.store.engine.connect() as conn:
            self.columns = {t: columns_of(conn, t) for t in SYNCED_TABLES}
            for table in SYNCED_TABLES:
                for row in conn.exec_driver_sql(f"SELECT * FROM {table}").mappings():
                    self.shadow[(table, row["id"])] = dict(row)

    def teardown(self) -> None:
        for local in (self.store, self.echo, self.quiet):
            local.close()
        shutil.rmtree(self.root, ignore_errors=True)

    # -- helpers -----------------------------------------------------------------------------------

    def ids(self, kind: str, *, deleted: bool = False) -> list[str]:
        condition = "IS NOT NULL" if deleted else "IS NULL"
        with self.store.engine.connect() as conn:
            return [
                row[0]
                for row in conn.exec_driver_sql(
                    f"SELECT id FROM {kind} WHERE deleted_at {condition} ORDER BY rowid"
                )
            ]

    def snapshot(self) -> tuple[int, dict[str, list[tuple[Any, ...]]]]:
        with self.store.engine.connect() as conn:
            return capture.pending_count(conn), dump_all(conn)

    def unique(self, value: str, limit: int | None) -> str:
        self.counter += 1
        return f"{self.counter}:{value}"[: limit or 32]

    def active_stages(self) -> list[str]:
        with self.store.engine.connect() as conn:
            return [
                row[0]
                for row in conn.exec_driver_sql(
                    "SELECT key FROM pipeline_stages WHERE deleted_at IS NULL AND active ORDER BY key"
                )
            ]

    def draw_field(self, data: st.DataObject, kind: str, spec: Field) -> tuple[bool, Any]:
        """(ok, value) for one field; ok is False when a required reference has nothing to point at."""
        if (kind, spec.name) == ("opportunities", "stage"):  # a stage of the pipeline as it is now
            stages = self.active_stages()
            return bool(stages), data.draw(st.sampled_from(stages)) if stages else None
        if (kind, spec.name) == ("leads", "status"):  # converted only by a conversion
            return True, data.draw(st.sampled_from(STARTING_STATUSES))
        if spec.kind == "ref":
            live = self.ids(spec.ref or "")
            if not live:
                return (not spec.required), None
            choices = st.sampled_from(live)
            return True, data.draw(choices if spec.required else st.one_of(st.none(), choices))
        value = data.draw(valid_value(spec))
        if (kind, spec.name) in UNIQUE_FIELDS:
            value = self.unique(str(value or "x").strip() or "x", spec.max_length)
        return True, value

    def draw_bad(self, data: st.DataObject, kind: str, names: list[str]) -> tuple[str, Any]:
        """One field of ``names`` and a value it must refuse."""
        ent = ENTITIES[kind]
        candidates = [n for n in names if ent.by_name[n].kind == "ref" or has_invalid(ent.by_name[n])]
        name = data.draw(st.sampled_from(candidates))
        spec = ent.by_name[name]
        if spec.kind == "ref":
            dead = self.ids(spec.ref or "", deleted=True)
            missing = st.builds(new_id)
            return name, data.draw(st.one_of(missing, st.sampled_from(dead)) if dead else missing)
        return name, data.draw(invalid_value(spec))

    def draw_record(self, data: st.DataObject, kind: str) -> dict[str, Any] | None:
        ent = ENTITIES[kind]
        values: dict[str, Any] = {}
        for spec in ent.fields:
            always = (kind, spec.name) == ("opportunities", "stage")  # the pipeline may have no open stage
            if not spec.required and not always and not data.draw(st.booleans()):
                continue
            ok, value = self.draw_field(data, kind, spec)
            if not ok:
                return None
            if spec.kind != "ref" or value is not None or not spec.required:
                values[spec.name] = value
        if kind == "leads" and values.get("status") == "disqualified" and not values.get("status_reason"):
            values["status_reason"] = "No budget"
        return values

    def legal_lead_change(self, record_id: str, changes: dict[str, Any]) -> None:
        """Keep a drawn change of a lead within the status rules (checked in test_leads_and_pipeline)."""
        with self.store.engine.connect() as conn:
            status, reason = conn.execute(
                text("SELECT status, status_reason FROM leads WHERE id = :i"), {"i": record_id}
            ).one()
        new = (changes.get("status") or "new") if "status" in changes else status
        if new != status and new not in lead_status.allowed_from(status):
            changes["status"] = new = status
        reason = changes.get("status_reason", reason) if "status_reason" in changes else reason
        if new == "disqualified" and (new != status or "status_reason" in changes) and not reason:
            changes["status_reason"] = "No budget"

    def attempt(self, action: Any, bad_fields: set[str] | None) -> Any:
        """Run ``action(session)`` in one transaction.  With ``bad_fields`` it must raise ValidationError
        naming them, and leave the data and the outbox exactly as they were (even though the transaction
        commits: the service itself must not have written anything)."""
        before = self.snapshot() if bad_fields else None
        result = None
        with self.store.transaction() as session:
            if bad_fields:
                with pytest.raises(ValidationError) as info:
                    action(session)
                named = set(info.value.errors)
                assert bad_fields <= named, (bad_fields, info.value.errors)
                for message in info.value.errors.values():
                    assert message.strip(), info.value.errors
            else:
                result = action(session)
        if before is not None:
            assert self.snapshot() == before, "a refused write left something behind"
        return result

    # -- rules ---------------------------------------------------------------------------------------

    @initialize(data=st.data())
    def seed(self, data: st.DataObject) -> None:
        """A couple of valid records of every kind, so that edits and deletes have targets from step one."""
        for kind in KINDS:
            for _ in range(data.draw(st.integers(1, 2))):
                values = self.draw_record(data, kind)
                assert values is not None
                self.attempt(lambda s, k=kind, v=values: services.create(s, k, v), None)

    @rule(data=st.data(), kind=st.sampled_from(KINDS), bad=st.integers(0, 4))
    def create(self, data: st.DataObject, kind: str, bad: int) -> None:
        values = self.draw_record(data, kind)
        if values is None:
            return
        bad_fields = None
        if bad == 0:
            names = [f.name for f in ENTITIES[kind].fields]
            name, value = self.draw_bad(data, kind, names)
            values[name] = value
            bad_fields = {name}
        record = self.attempt(lambda s: services.create(s, kind, values), bad_fields)
        if record is not None and kind in services.FOLLOW_ACCOUNT:
            self.check_follows_account(kind, record.id)

    @rule(data=st.data(), kind=st.sampled_from(KINDS), bad=st.integers(0, 4))
    def update(self, data: st.DataObject, kind: str, bad: int) -> None:
        live = self.ids(kind)
        if not live:
            return
        record_id = data.draw(st.sampled_from(live))
        ent = ENTITIES[kind]
        names = data.draw(
            st.lists(st.sampled_from([f.name for f in ent.fields]), min_size=1, max_size=4, unique=True)
        )
        changes: dict[str, Any] = {}
        for name in names:
            ok, value = self.draw_field(data, kind, ent.by_name[name])
            if not ok:
                return
            changes[name] = value
        if kind == "leads":
            self.legal_lead_change(record_id, changes)
        bad_fields = None
        if bad == 0 and any(ent.by_name[n].kind == "ref" or has_invalid(ent.by_name[n]) for n in names):
            name, value = self.draw_bad(data, kind, names)
            changes[name] = value
            bad_fields = {name}
        elif self.makes_cycle(kind, record_id, changes):
            bad_fields = {HIERARCHIES[kind]}  # refused: a record under itself or one of its children
        self.attempt(lambda s: services.update(s, kind, record_id, changes), bad_fields)
        if bad_fields is None and kind in CHILD_KINDS:
            self.check_follows_account(kind, record_id)

    @rule(data=st.data())
    def move_account(self, data: st.DataObject) -> None:
        """An account changes territory: its contacts, opportunities and activities go along."""
        accounts = self.ids("accounts")
        if not accounts:
            return
        account_id = data.draw(st.sampled_from(accounts))
        territory = data.draw(st.sampled_from([None, *self.ids("territories")]))
        self.attempt(lambda s: services.update(s, "accounts", account_id, {"territory_id": territory}), None)
        with self.store.engine.connect() as conn:
            for child in CHILD_KINDS:
                stray = conn.execute(
                    text(f"SELECT count(*) FROM {child} WHERE account_id = :a AND territory_id IS NOT :t"),
                    {"a": account_id, "t": territory},
                ).scalar_one()
                assert stray == 0, f"{child} of a moved account kept the old territory"

    @rule(data=st.data())
    def move_lead(self, data: st.DataObject) -> None:
        """A lead changes territory: its activities and enrollments that have no account go along."""
        leads = self.ids("leads")
        if not leads:
            return
        lead_id = data.draw(st.sampled_from(leads))
        territory = data.draw(st.sampled_from([None, *self.ids("territories")]))
        self.attempt(lambda s: services.update(s, "leads", lead_id, {"territory_id": territory}), None)
        with self.store.engine.connect() as conn:
            for child in services.LEAD_CHILDREN:
                ids = conn.execute(
                    text(f"SELECT id FROM {child} WHERE lead_id = :l AND account_id IS NULL"), {"l": lead_id}
                ).scalars()
                for record_id in ids:
                    self.check_follows_account(child, record_id)

    @rule(data=st.data())
    def move_contact(self, data: st.DataObject) -> None:
        contacts = self.ids("contacts")
        if not contacts:
            return
        contact_id = data.draw(st.sampled_from(contacts))
        account = data.draw(st.sampled_from([None, *self.ids("accounts")]))
        self.attempt(lambda s: services.update(s, "contacts", contact_id, {"account_id": account}), None)
        self.check_follows_account("contacts", contact_id)

    @rule(data=st.data(), kind=st.sampled_from(KINDS))
    def delete(self, data: st.DataObject, kind: str) -> None:
        live = self.ids(kind)
        if not live:
            return
        record_id = data.draw(st.sampled_from(live))
        expected = 1
        if kind == "accounts":
            with self.store.engine.connect() as conn:
                for child in CHILD_KINDS:
                    expected += conn.execute(
                        text(f"SELECT count(*) FROM {child} WHERE account_id = :a AND deleted_at IS NULL"),
                        {"a": record_id},
                    ).scalar_one()
        count = self.attempt(lambda s: services.delete(s, kind, record_id), None)
        assert count == expected
        assert record_id not in self.ids(kind)
        if kind == "accounts":
            with self.store.engine.connect() as conn:
                for child in CHILD_KINDS:
                    alive = conn.execute(
                        text(f"SELECT count(*) FROM {child} WHERE account_id = :a AND deleted_at IS NULL"),
                        {"a": record_id},
                    ).scalar_one()
                    assert alive == 0

    @rule(data=st.data())
    def delete_again(self, data: st.DataObject) -> None:
        """Deleting (or editing) a deleted record is refused with NotFound and writes nothing."""
        kind = data.draw(st.sampled_from(KINDS))
        dead = self.ids(kind, deleted=True)
        if not dead:
            return
        record_id = data.draw(st.sampled_from(dead))
        before = self.snapshot()
        with self.store.transaction() as session:
            with pytest.raises(services.NotFound, match=record_id):
                services.delete(session, kind, record_id)
            with pytest.raises(services.NotFound, match=record_id):
                services.update(session, kind, record_id, {})
        assert self.snapshot() == before

    @rule(data=st.data(), kind=st.sampled_from(KINDS), size=st.integers(1, 4), bad=st.integers(0, 3))
    def create_many(self, data: st.DataObject, kind: str, size: int, bad: int) -> None:
        rows = []
        for _ in range(size):
            row = self.draw_record(data, kind)
            if row is None:
                return
            rows.append(row)
        bad_fields = None
        if bad == 0:
            number = data.draw(st.integers(1, size))
            name, value = self.draw_bad(data, kind, [f.name for f in ENTITIES[kind].fields])
            rows[number - 1][name] = value
            bad_fields = {f"row {number}: {name}"}
        ids = self.attempt(lambda s: services.create_many(s, kind, rows), bad_fields)
        if ids is not None:
            assert len(ids) == len(set(ids)) == size
            assert set(ids) <= set(self.ids(kind))
            if kind in CHILD_KINDS:
                for record_id in ids:
                    self.check_follows_account(kind, record_id)

    # -- checks --------------------------------------------------------------------------------------

    def makes_cycle(self, kind: str, record_id: str, changes: dict[str, Any]) -> bool:
        """Would ``changes`` put the record under itself (walking up from its new parent)?"""
        column = HIERARCHIES.get(kind)
        current = changes.get(column or "")
        seen: set[str] = set()
        with self.store.engine.connect() as conn:
            while current is not None and current not in seen:
                if current == record_id:
                    return True
                seen.add(current)
                current = conn.execute(
                    text(f"SELECT {column} FROM {kind} WHERE id = :id"), {"id": current}
                ).scalar()
        return False

    def check_follows_account(self, kind: str, record_id: str) -> None:
        """A child is in its account's territory; with no account, an activity or enrollment is in its
        lead's (and with neither, in none)."""
        lead_join = "LEFT JOIN leads l ON l.id = r.lead_id" if kind in services.FOLLOW_LEAD else ""
        lead_territory = "l.territory_id" if kind in services.FOLLOW_LEAD else "NULL"
        with self.store.engine.connect() as conn:
            own, expected = conn.execute(
                text(
                    f"SELECT r.territory_id, CASE WHEN r.account_id IS NOT NULL THEN a.territory_id "
                    f"ELSE {lead_territory} END FROM {kind} r "
                    f"LEFT JOIN accounts a ON a.id = r.account_id {lead_join} WHERE r.id = :id"
                ),
                {"id": record_id},
            ).one()
        assert own == expected, f"{kind} {record_id} is in territory {own}, its account or lead in {expected}"

    @invariant()
    def replay_gives_the_same_data(self) -> None:
        with self.store.engine.connect() as conn:
            changes = capture.read_outbox(conn, after=self.replayed)
            original = dump_all(conn)
            original_index = index_rows(conn)
        self.check_outbox(changes)
        with self.echo.engine.begin() as conn:
            for change in changes:
                capture.apply_change(conn, change, known_tables=SYNCED_TABLES)
        with self.quiet.engine.begin() as conn, capture.capture_suspended(conn):
            for change in changes:
                capture.apply_change(conn, change, known_tables=SYNCED_TABLES)
        if changes:
            self.replayed = changes[-1].change_no

        with self.echo.engine.connect() as conn:
            assert_same(dump_all(conn), original, "replay with capture on")
            echoed = [(c.table, c.record_id, c.op, c.changes) for c in capture.read_outbox(conn)]
            assert index_rows(conn) == original_index
        with self.store.engine.connect() as conn:
            assert echoed == [(c.table, c.record_id, c.op, c.changes) for c in capture.read_outbox(conn)]
        with self.quiet.engine.connect() as conn:
            assert_same(dump_all(conn), original, "replay with capture suspended")
            assert capture.pending_count(conn) == 0, "capture_suspended still recorded changes"
        # The index the triggers kept equals one rebuilt from the tables (then thrown away).
        with self.quiet.engine.connect() as conn:
            search.rebuild(conn)
            assert index_rows(conn) == original_index
            conn.rollback()
        shadow_tables: dict[str, list[tuple[Any, ...]]] = {t: [] for t in SYNCED_TABLES}
        for (table, record_id), row in sorted(self.shadow.items()):
            shadow_tables[table].append(tuple(row[c] for c in self.columns[table]))
            assert row["id"] == record_id
        assert_same(shadow_tables, original, "the outbox entries folded in Python")

    def check_outbox(self, changes: list[Change]) -> None:
        previous = self.replayed
        for change in changes:
            assert change.change_no > previous, "change numbers must strictly increase"
            previous = change.change_no
            assert change.table in SYNCED_TABLES
            key = (change.table, change.record_id)
            if change.op == "insert":
                assert key not in self.shadow, f"second insert of {key}"
                assert set(change.changes) == set(self.columns[change.table])
                assert change.changes["id"] == change.record_id
                self.shadow[key] = dict(change.changes)
                continue
            assert key in self.shadow, f"{change.op} of {key} before its insert"
            assert change.changes, "an empty update entry"
            assert "id" not in change.changes
            assert set(change.changes) - {"updated_at"}, "an entry that changes only updated_at"
            current = self.shadow[key]
            for column, pair in change.changes.items():
                old, new = pair
                assert old == current[column], (change, column, current[column])
                assert old != new or type(old) is not type(new), (change, column)
                current[column] = new
            deleted_before = change.changes.get("deleted_at", [None, None])[0]
            if change.op == "delete":
                assert deleted_before is None
                assert current["deleted_at"] is not None
            else:
                assert change.op == "update", change.op
        # the outbox is exactly JSON-serialisable data, as it will be pushed
        json.dumps([c.changes for c in changes])


CaptureMachine.TestCase.settings = settings(
    max_examples=40,
    stateful_step_count=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestCaptureReplay = CaptureMachine.TestCase
# Passing takes ~30 s; a failure is shrunk for up to Hypothesis' 5 minutes, so let it finish and report.
TestCaptureReplay.pytestmark = [pytest.mark.timeout(900), pytest.mark.slow]
