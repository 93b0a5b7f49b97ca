"""A lost laptop's data folder gives nothing away in normal operation either (issue 17): besides the
encrypted database, the embedded demo central store is encrypted with the laptop's key and the error log
never quotes a record's values; a grep of every file of the folder for known values finds none."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from sfa_desktop.cli import main
from sfa_desktop.ops import demo_central, errorlog
from sfa_desktop.store import cipher
from sfa_desktop.store.database import LocalStore

SECRET = "Quillfeather Confidential Holdings"


def _folder_bytes(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_after_the_demo_and_a_logged_database_bug_no_file_holds_a_known_value(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "data"
    assert main(["--data-dir", str(folder), "demo", "--accounts", "6"]) == 0
    capsys.readouterr()
    central_path = folder / demo_central.CENTRAL_FILENAME
    assert cipher.is_encrypted(central_path)
    with LocalStore.open(folder) as store:
        with store.engine.connect() as conn:
            laptop = conn.execute(text("SELECT name FROM accounts")).scalars().all()
            people = conn.execute(text("SELECT last_name FROM contacts")).scalars().all()
            account_id = conn.execute(text("SELECT id FROM accounts LIMIT 1")).scalar_one()
        engine = demo_central.embedded_engine(store)
        with engine.connect() as cc:  # every territory's accounts: most are not on this laptop
            company = cc.execute(text("SELECT name FROM accounts")).scalars().all()
        engine.dispose()
        # a bug: a database error on the way, with a record's value in the statement's parameters
        errorlog.setup(folder)
        insert = "INSERT INTO accounts (id, name, created_at, updated_at) VALUES (:id, :name, 'x', 'x')"
        with pytest.raises(IntegrityError) as raised, store.engine.begin() as conn:
            conn.execute(text(insert), {"id": account_id, "name": SECRET})
        assert SECRET not in str(raised.value)
        try:
            errorlog.log_bug(raised.value, context="a test")
        finally:
            errorlog.teardown()
    assert len(company) > len(laptop) > 0
    files = _folder_bytes(folder)
    log = files["logs/sfa.log"].decode("utf-8")
    assert "IntegrityError" in log
    assert "UNIQUE constraint failed: accounts.id" in log  # where it went wrong is still there
    assert demo_central.CENTRAL_FILENAME in files
    for value in [SECRET, *company, *people]:
        for name, data in files.items():
            assert value.encode() not in data, f"{value!r} in {name}"


def test_a_plain_demo_store_of_an_earlier_version_is_encrypted_when_used(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "data"
    assert main(["--data-dir", str(folder), "demo", "--accounts", "3"]) == 0
    capsys.readouterr()
    central_path = folder / demo_central.CENTRAL_FILENAME
    with LocalStore.open(folder) as store:
        key = demo_central.central_key(store, central_path)
        conn = cipher.connect(central_path, key)
        conn.execute("ATTACH DATABASE ? AS plain KEY ''", (str(tmp_path / "plain.sqlite3"),))
        conn.execute("SELECT sqlcipher_export('plain')")
        conn.execute("DETACH DATABASE plain")
        conn.close()
        (tmp_path / "plain.sqlite3").replace(central_path)  # what an earlier version left
        assert not cipher.is_encrypted(central_path)
    assert main(["--data-dir", str(folder), "sync"]) == 0, capsys.readouterr().err
    assert cipher.is_encrypted(central_path)
    assert sorted(p.name for p in folder.iterdir() if p.name.startswith("demo-central")) == [
        demo_central.CENTRAL_FILENAME,
        *(
            n
            for n in (f"{demo_central.CENTRAL_FILENAME}-shm", f"{demo_central.CENTRAL_FILENAME}-wal")
            if (folder / n).exists()
        ),
    ]
