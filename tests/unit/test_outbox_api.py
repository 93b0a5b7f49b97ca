"""The outbox is store.capture's: every read and write of it goes through that module's functions."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Connection, text

from sfa_desktop.store import capture
from sfa_desktop.store.database import LocalStore

PACKAGE = Path(capture.__file__).resolve().parents[1]
STAMP = "2026-05-01 10:00:00.000000"
#: SQL that names one of change capture's tables.
OUTBOX_SQL = re.compile(
    r"\b(FROM|INTO|UPDATE|JOIN|TABLE|EXISTS)\s+(outbox|capture_control)\b(?!\.py)", re.IGNORECASE
)


def test_no_sql_outside_store_capture_names_the_outbox() -> None:
    found = [
        f"{path.relative_to(PACKAGE)}:{n}: {line.strip()}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if path != Path(capture.__file__).resolve()
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if OUTBOX_SQL.search(line)
    ]
    assert found == []


def test_the_pattern_sees_outbox_sql() -> None:
    for sql in (
        "DELETE FROM outbox",
        'text("SELECT record_id FROM outbox WHERE table_name = :t")',
        "insert into outbox (table_name) values ('x')",
        "UPDATE capture_control SET suspended = 1",
        "LEFT JOIN outbox o ON o.record_id = a.id",
    ):
        assert OUTBOX_SQL.search(sql), sql
    assert not OUTBOX_SQL.search("Send the outbox; returns (changes applied, conflicts archived).")


@pytest.fixture
def conn(tmp_path: Path) -> Iterator[Connection]:
    store = LocalStore.open(tmp_path)
    try:
        with store.engine.begin() as connection:
            yield connection
    finally:
        store.close()


def _account(conn: Connection, record_id: str, name: str) -> None:
    conn.execute(
        text("INSERT INTO accounts (id, name, created_at, updated_at) VALUES (:id, :name, :t, :t)"),
        {"id": record_id, "name": name, "t": STAMP},
    )


def test_what_is_unsent_record_by_record(conn: Connection) -> None:
    _account(conn, "a1", "Acme")
    _account(conn, "a2", "Globex")
    conn.execute(text("UPDATE accounts SET city = 'Lyon', phone = '+33102030405' WHERE id = 'a1'"))
    conn.execute(text("UPDATE accounts SET city = 'Paris' WHERE id = 'a1'"))
    with capture.capture_suspended(conn):
        _account(conn, "a3", "Pulled")  # from the central store: nothing to send

    assert capture.pending_count(conn) == 4
    assert capture.unsent_record_ids(conn, "accounts") == {"a1", "a2"}
    assert capture.unsent_record_ids(conn, "accounts", ["a2", "a3"]) == {"a2"}
    assert capture.unsent_record_ids(conn, "contacts") == set()

    fields = capture.unsent_fields(conn, "accounts", ["a1", "a3"])
    assert set(fields) == {"a1"}
    assert {"name", "city", "phone"} <= fields["a1"]
    assert capture.unsent_fields(conn, "accounts", []) == {}

    changes = capture.unsent_changes(conn, "accounts", ["a1", "a3"])
    assert [(c.record_id, c.op) for c in changes] == [("a1", "update"), ("a1", "update"), ("a1", "insert")]
    assert changes[0].changes == {"city": ["Lyon", "Paris"]}
    assert [c.change_no for c in changes] == sorted((c.change_no for c in changes), reverse=True)
    newest = capture.unsent_changes(conn, "accounts", ["a1", "a2"], newest=2)
    assert [c.change_no for c in newest] == [changes[0].change_no, changes[1].change_no]

    unsent = capture.Unsent(conn)  # what the timeline is handed
    assert unsent.record_ids("accounts", ["a1", "a3"]) == {"a1"}
    assert unsent.changes("accounts", ["a1"], newest=1) == changes[:1]


def test_pushed_entries_go_up_to_the_confirmed_number_and_a_wipe_clears_all(conn: Connection) -> None:
    for n in range(5):
        _account(conn, f"a{n}", f"Account {n}")
    batch = capture.read_outbox(conn, limit=3)
    assert [c.record_id for c in batch] == ["a0", "a1", "a2"]
    capture.confirm_pushed(conn, batch[-1].change_no)
    assert [c.record_id for c in capture.read_outbox(conn)] == ["a3", "a4"]
    assert capture.unsent_record_ids(conn, "accounts") == {"a3", "a4"}
    capture.clear_outbox(conn)
    assert capture.pending_count(conn) == 0
    _account(conn, "a9", "After the wipe")  # change numbers are never reused
    assert capture.read_outbox(conn)[0].change_no > batch[-1].change_no
