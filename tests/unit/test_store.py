"""The local store: a new folder gets a migrated database; bad files are refused and left untouched; change
capture cannot be bypassed; a failed transaction leaves nothing behind."""

from __future__ import annotations

import hashlib
import os
import random
import re
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import Connection, text

from sfa_desktop.core.records import services
from sfa_desktop.core.records.models import new_id
from sfa_desktop.store import database, migrations
from sfa_desktop.store.capture import capture_suspended, pending_count, read_outbox
from sfa_desktop.store.database import DB_FILENAME, LocalStore, StoreError
from sfa_desktop.store.search import search
from tests import local_files

NOW = "2026-11-22 09:00:00.000000"


def _revision(conn: Connection) -> str:
    return str(conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one())


def _schema(conn: Connection) -> list[tuple[str, str, str | None]]:
    return [
        (row[0], row[1], row[2])
        for row in conn.execute(text("SELECT type, name, sql FROM sqlite_master ORDER BY type, name"))
    ]


def _insert_account(conn: Connection, name: str = "Acme Tooling") -> str:
    record_id = new_id()
    conn.execute(
        text("INSERT INTO accounts (id, name, created_at, updated_at) VALUES (:id, :name, :now, :now)"),
        {"id": record_id, "name": name, "now": NOW},
    )
    return record_id


def _insert_contact(conn: Connection, last_name: str = "Quimby", account_id: str | None = None) -> str:
    record_id = new_id()
    conn.execute(
        text(
            "INSERT INTO contacts (id, account_id, last_name, consent_email, consent_phone, created_at, "
            "updated_at) VALUES (:id, :account_id, :last_name, 0, 0, :now, :now)"
        ),
        {"id": record_id, "account_id": account_id, "last_name": last_name, "now": NOW},
    )
    return record_id


# ------------------------------------------------------------------------------------------ good files


def test_new_folder_gets_a_database_at_the_head_revision(tmp_path: Path) -> None:
    folder = tmp_path / "not" / "yet" / "there"
    with LocalStore.open(folder) as store:
        assert store.path == folder / DB_FILENAME
        assert store.path.is_file()
        with store.engine.connect() as conn:
            assert _revision(conn) == migrations.known_revisions()[1]
            tables = {name for kind, name, _sql in _schema(conn) if kind == "table"}
    assert {"accounts", "contacts", "leads", "opportunities", "outbox", "search_fts"} <= tables


def test_reopening_is_idempotent(data_dir: Path) -> None:
    with LocalStore.open(data_dir) as store:
        with store.transaction() as session:
            contact = services.create(session, "contacts", {"first_name": "Ada", "last_name": "Byron"})
        with store.engine.connect() as conn:
            schema, revision, changes = _schema(conn), _revision(conn), read_outbox(conn)
    for _ in range(2):
        with LocalStore.open(data_dir) as store:
            with store.engine.connect() as conn:
                assert _schema(conn) == schema
                assert _revision(conn) == revision
                assert read_outbox(conn) == changes
            with store.reading() as session:
                assert services.as_dict(services.get(session, "contacts", contact.id))["last_name"] == "Byron"


def test_connections_have_wal_foreign_keys_and_busy_timeout(store: LocalStore) -> None:
    with store.engine.connect() as first, store.engine.connect() as second:
        for conn in (first, second):
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert int(conn.exec_driver_sql("PRAGMA busy_timeout").scalar() or 0) >= 1000


def test_foreign_keys_are_enforced(store: LocalStore) -> None:
    with pytest.raises(sa.exc.IntegrityError, match="FOREIGN KEY"), store.engine.begin() as conn:
        _insert_contact(conn, account_id=new_id())
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM contacts")).scalar_one() == 0


# ------------------------------------------------------------------------------------------ bad files


def _real_database(folder: Path, contacts: int = 300) -> Path:
    """A genuine SFA Desktop file with some data, closed cleanly (no -wal/-shm beside it)."""
    with LocalStore.open(folder) as store, store.transaction() as session:
        account = services.create(session, "accounts", {"name": "Globex"})
        services.create_many(
            session,
            "contacts",
            [
                {"first_name": f"First{i}", "last_name": f"Last{i}", "account_id": account.id}
                for i in range(contacts)
            ],
        )
    path = folder / DB_FILENAME
    assert sorted(p.name for p in folder.iterdir()) == [DB_FILENAME]
    return path


def _text_file(target: Path, _source: Path) -> None:
    target.write_text("These are my notes, not a database.\n" * 20, encoding="utf-8")


def _random_bytes(target: Path, _source: Path) -> None:
    target.write_bytes(random.Random(7).randbytes(20_000))


def _truncated(target: Path, source: Path) -> None:
    data = source.read_bytes()
    target.write_bytes(data[: len(data) // 2 + 123])


def _page_overwritten(target: Path, source: Path) -> None:
    shutil.copyfile(source, target)
    with local_files.connect(target) as conn:
        page_size = int(conn.execute("PRAGMA page_size").fetchone()[0])
        root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'contacts'").fetchone()[0]
    conn.close()
    with target.open("r+b") as fh:
        fh.seek((root - 1) * page_size)
        fh.write(random.Random(11).randbytes(page_size))


def _foreign(target: Path, _source: Path) -> None:
    conn = sqlite3.connect(target)
    with conn:
        conn.execute("CREATE TABLE recipes (id INTEGER PRIMARY KEY, title TEXT)")
        conn.execute("INSERT INTO recipes (title) VALUES ('Tarte Tatin')")
    conn.close()


def _future_revision(target: Path, source: Path) -> None:
    shutil.copyfile(source, target)
    conn = local_files.connect(target)
    with conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999_future'")
    conn.close()
    for suffix in ("-wal", "-shm"):
        assert not Path(f"{target}{suffix}").exists()


BAD_FILES: dict[str, tuple[Callable[[Path, Path], None], tuple[str, ...]]] = {
    "text file": (
        _text_file,
        ("not an sfa desktop data file", "not an sqlite database", "untouched", "--data-dir"),
    ),
    "random bytes": (_random_bytes, ("not an sqlite database", "untouched", "--data-dir")),
    "truncated": (_truncated, ("damaged", "untouched", "backup")),
    "page overwritten": (_page_overwritten, ("damaged", "untouched", "backup")),
    "foreign database": (_foreign, ("not one of sfa desktop's", "untouched", "--data-dir")),
    "future revision": (
        _future_revision,
        ("newer version", "9999_future", "untouched", "update sfa desktop"),
    ),
}


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_file_is_refused_and_left_untouched(case: str, tmp_path: Path) -> None:
    make, key_words = BAD_FILES[case]
    source = _real_database(tmp_path / "source")
    folder = tmp_path / "data"
    folder.mkdir()
    target = folder / DB_FILENAME
    make(target, source)
    before = (_sha256(target), target.stat().st_size, sorted(p.name for p in folder.iterdir()))

    with pytest.raises(StoreError) as raised:
        LocalStore.open(folder)

    message = str(raised.value)
    assert str(target) in message
    for word in key_words:
        assert word in message.lower(), f"{word!r} missing from: {message}"
    assert (_sha256(target), target.stat().st_size, sorted(p.name for p in folder.iterdir())) == before


def test_bad_file_is_refused_again_on_a_second_attempt(tmp_path: Path) -> None:
    """Refusing must not leave state (a half-made -wal, a cached engine) that lets a later open slip by."""
    folder = tmp_path / "data"
    folder.mkdir()
    _foreign(folder / DB_FILENAME, folder / DB_FILENAME)
    for _ in range(2):
        with pytest.raises(StoreError, match="not one of SFA Desktop's"):
            LocalStore.open(folder)


def test_empty_file_becomes_a_database(data_dir: Path) -> None:
    """A zero-byte file (e.g. made by ``touch``) holds nothing to lose: it is initialised."""
    (data_dir / DB_FILENAME).touch()
    with LocalStore.open(data_dir) as store, store.engine.connect() as conn:
        assert _revision(conn) == migrations.known_revisions()[1]


def test_missing_database_is_not_created_when_create_is_false(data_dir: Path) -> None:
    with pytest.raises(StoreError, match="There is no SFA Desktop data") as raised:
        LocalStore.open(data_dir, create=False)
    assert "init" in str(raised.value)
    assert list(data_dir.iterdir()) == []


def test_data_folder_under_a_regular_file_is_refused(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    with pytest.raises(StoreError, match="Cannot create the data folder") as raised:
        LocalStore.open(blocker / "data")
    assert str(blocker / "data") in str(raised.value)
    assert blocker.read_text(encoding="utf-8") == "not a folder"


def test_data_folder_that_is_a_regular_file_is_refused(tmp_path: Path) -> None:
    blocker = tmp_path / "data"
    blocker.write_text("not a folder", encoding="utf-8")
    with pytest.raises(StoreError, match="Cannot create the data folder"):
        LocalStore.open(blocker)
    assert blocker.read_text(encoding="utf-8") == "not a folder"


@pytest.mark.parametrize("how", ["argument", "SFA_DATA_DIR"])
def test_a_relative_data_folder_works_for_every_open(
    how: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from sfa_desktop.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SFA_DATA_DIR", raising=False)
    given = ["--data-dir", "rel/data"] if how == "argument" else []
    if how == "SFA_DATA_DIR":
        monkeypatch.setenv("SFA_DATA_DIR", "rel/data")
        assert database.default_data_dir() == tmp_path / "rel" / "data"
    assert main([*given, "init"]) == 0
    assert main([*given, "accounts", "add", "--name", "Acme"]) == 0  # the file exists now: checked, opened
    assert main([*given, "accounts", "list"]) == 0
    assert "Acme" in capsys.readouterr().out
    store = LocalStore.open(Path("rel/data"), create=False)
    try:
        assert store.path == tmp_path / "rel" / "data" / DB_FILENAME
    finally:
        store.close()


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores folder permissions, so it cannot be refused")
def test_unwritable_data_folder_is_refused(data_dir: Path) -> None:
    data_dir.chmod(0o500)
    try:
        with pytest.raises(StoreError, match=re.escape(str(data_dir))):
            LocalStore.open(data_dir)
        assert list(data_dir.iterdir()) == []
    finally:
        data_dir.chmod(0o700)


# ------------------------------------------------------------------------------------------ change capture


def test_raw_sql_insert_and_update_are_captured(store: LocalStore) -> None:
    with store.engine.begin() as conn:
        account_id = _insert_account(conn)
        conn.execute(text("UPDATE accounts SET city = 'Lyon' WHERE id = :id"), {"id": account_id})
        conn.execute(
            text("UPDATE accounts SET deleted_at = :now WHERE id = :id"), {"id": account_id, "now": NOW}
        )
        conn.execute(text("UPDATE accounts SET deleted_at = NULL WHERE id = :id"), {"id": account_id})
    with store.engine.connect() as conn:
        changes = read_outbox(conn)
    assert [(c.table, c.record_id, c.op) for c in changes] == [
        ("accounts", account_id, "insert"),
        ("accounts", account_id, "update"),
        ("accounts", account_id, "delete"),
        ("accounts", account_id, "restore"),
    ]
    assert changes[0].changes["name"] == "Acme Tooling"
    assert changes[1].changes == {"city": [None, "Lyon"]}
    assert changes[2].changes == {"deleted_at": [None, NOW]}
    assert [c.change_no for c in changes] == sorted({c.change_no for c in changes})


def test_update_that_changes_nothing_meaningful_is_not_captured(store: LocalStore) -> None:
    with store.engine.begin() as conn:
        account_id = _insert_account(conn)
        conn.execute(text("UPDATE accounts SET name = name WHERE id = :id"), {"id": account_id})
    with store.engine.connect() as conn:
        assert [c.op for c in read_outbox(conn)] == ["insert"]


def test_hard_delete_is_refused_while_capture_is_on(store: LocalStore) -> None:
    with store.engine.begin() as conn:
        contact_id = _insert_contact(conn)
    with pytest.raises(sa.exc.IntegrityError, match="deleted_at"), store.engine.begin() as conn:
        conn.execute(text("DELETE FROM contacts"))
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT id FROM contacts")).scalars().all() == [contact_id]
        assert pending_count(conn) == 1


def _suspended_flag(conn: Connection) -> int:
    return int(conn.execute(text("SELECT suspended FROM capture_control WHERE id = 1")).scalar_one())


def test_capture_suspended_writes_no_entry_and_resets_the_flag(store: LocalStore) -> None:
    with store.engine.begin() as conn:
        with capture_suspended(conn):
            assert _suspended_flag(conn) == 1
            remote_id = _insert_account(conn, "From the central store")
            conn.execute(text("UPDATE accounts SET city = 'Oslo' WHERE id = :id"), {"id": remote_id})
        assert _suspended_flag(conn) == 0
        local_id = _insert_account(conn, "Typed on the laptop")
    with store.engine.connect() as conn:
        assert [(c.record_id, c.op) for c in read_outbox(conn)] == [(local_id, "insert")]
        assert _suspended_flag(conn) == 0


def test_capture_suspended_resets_the_flag_when_the_block_raises(store: LocalStore) -> None:
    def apply_remote_page(conn: Connection) -> None:
        with capture_suspended(conn):
            _insert_account(conn, "Half applied")
            raise RuntimeError("network dropped")

    with store.engine.begin() as conn:
        with pytest.raises(RuntimeError, match="network"):
            apply_remote_page(conn)
        assert _suspended_flag(conn) == 0
        captured_id = _insert_account(conn, "Captured again")
    with store.engine.connect() as conn:
        assert [c.record_id for c in read_outbox(conn)] == [captured_id]


def test_capture_is_on_after_a_rolled_back_suspension(store: LocalStore) -> None:
    def crashing_sync() -> None:
        with store.engine.begin() as conn, capture_suspended(conn):
            _insert_account(conn)
            raise RuntimeError("sync crashed")

    with pytest.raises(RuntimeError, match="sync crashed"):
        crashing_sync()
    with store.engine.begin() as conn:
        assert _suspended_flag(conn) == 0
        account_id = _insert_account(conn)
    with store.engine.connect() as conn:
        assert [c.record_id for c in read_outbox(conn)] == [account_id]


def test_failed_transaction_leaves_no_record_outbox_entry_or_search_entry(store: LocalStore) -> None:
    with store.transaction() as session:
        services.create(session, "contacts", {"first_name": "Kept", "last_name": "Baseline"})
    with store.engine.connect() as conn:
        outbox_before = read_outbox(conn)
        docs_before = conn.execute(text("SELECT count(*) FROM search_doc")).scalar_one()

    created: list[str] = []

    def failing_edit() -> None:
        with store.transaction() as session:
            record = services.create(
                session, "contacts", {"first_name": "Zebulon", "last_name": "Quartermaine"}
            )
            created.append(record.id)
            conn = session.connection()
            # Inside the transaction all three exist (so their absence afterwards means something).
            assert [h.record_id for h in search(conn, "Zebulon")] == [record.id]
            assert read_outbox(conn)[-1].record_id == record.id
            assert conn.execute(text("SELECT count(*) FROM contacts")).scalar_one() == 2
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        failing_edit()
    [record_id] = created

    with store.reading() as session, pytest.raises(services.NotFound):
        services.get(session, "contacts", record_id)
    with store.engine.connect() as conn:
        assert read_outbox(conn) == outbox_before
        assert search(conn, "Zebulon") == []
        assert search(conn, "Quartermaine") == []
        assert conn.execute(text("SELECT count(*) FROM search_doc")).scalar_one() == docs_before
        assert (
            conn.execute(
                text("SELECT count(*) FROM search_doc WHERE record_id = :id"), {"id": record_id}
            ).scalar_one()
            == 0
        )


# ------------------------------------------------------------------------------- large files: cheap open


@pytest.fixture
def large_file_threshold(monkeypatch: pytest.MonkeyPatch) -> None:
    """Treat every file as large: the open-time check is the cheap one."""
    monkeypatch.setattr(database, "FULL_CHECK_MAX_BYTES", 0)


@pytest.mark.usefixtures("large_file_threshold")
def test_large_truncated_file_is_still_refused_at_open(tmp_path: Path) -> None:
    source = _real_database(tmp_path / "source")
    folder = tmp_path / "data"
    folder.mkdir()
    _truncated(folder / DB_FILENAME, source)
    before = _sha256(folder / DB_FILENAME)
    with pytest.raises(StoreError, match="damaged"):
        LocalStore.open(folder)
    assert _sha256(folder / DB_FILENAME) == before


@pytest.mark.usefixtures("large_file_threshold")
def test_large_file_with_a_damaged_page_opens_and_verify_reports_it(tmp_path: Path) -> None:
    source = _real_database(tmp_path / "source")
    folder = tmp_path / "data"
    folder.mkdir()
    _page_overwritten(folder / DB_FILENAME, source)
    with LocalStore.open(folder) as store:
        message = store.verify()
    assert message is not None
    assert "damaged" in message
    assert "backup" in message


def test_verify_of_a_sound_file_is_none(store: LocalStore) -> None:
    with store.transaction() as session:
        services.create(session, "contacts", {"last_name": "Sound"})
    assert store.verify() is None
