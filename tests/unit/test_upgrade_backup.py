"""Upgrading an older version's data file: a backup is made first and kept until the upgrade succeeds; an
upgrade that fails puts the file back as it was and names the backup (issue 18, item 5)."""

from __future__ import annotations

from pathlib import Path
from sqlite3.dump import _iterdump  # type: ignore[attr-defined]
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from sfa_desktop.store import cipher, migrations
from sfa_desktop.store.database import DB_FILENAME, LocalStore, StoreError
from tests import local_files
from tests.unit.test_migrations import _migrate


def _old_file(folder: Path) -> Path:
    """A data file written by a 0002 version of the app, holding one account."""
    path = folder / DB_FILENAME
    _migrate(path, "0002")
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO accounts (id, name, created_at, updated_at) "
                "VALUES ('a1', 'Acme Tools', '2026-05-01 10:00:00', '2026-05-01 10:00:00')"
            )
        )
    engine.dispose()
    return path


def _dump(path: Path) -> list[str]:
    """The file's content as SQL statements, whether it is still plain (an older version's) or encrypted
    already; sorted, since encrypting (sqlcipher_export) lists indexes and triggers in another order."""
    conn = local_files.connect(path) if cipher.is_encrypted(path) else cipher.connect(path, None)
    try:
        return sorted(_iterdump(conn))  # sqlite3's own dump, over the SQLCipher connection
    finally:
        conn.close()


def _backups(folder: Path) -> list[Path]:
    return sorted(folder.glob(f"{DB_FILENAME}.before-upgrade-*"))


def test_a_successful_upgrade_leaves_no_backup_behind(tmp_path: Path) -> None:
    _old_file(tmp_path)
    made: list[Path] = []
    real_backup = migrations.backup

    def spy(path: Path, revision: str, key: cipher.Key) -> Path:
        copy = real_backup(path, revision, key)
        made.append(copy)
        assert revision == "0002"
        assert any("Acme Tools" in line for line in _dump(copy))
        return copy

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(migrations, "backup", spy)
        store = LocalStore.open(tmp_path)
    try:
        with store.engine.connect() as conn:
            assert conn.execute(text("SELECT name FROM accounts")).scalar() == "Acme Tools"
    finally:
        store.close()
    assert len(made) == 1  # a backup was made before upgrading...
    assert _backups(tmp_path) == []  # ...and removed once the upgrade succeeded


def test_a_current_file_is_not_copied(tmp_path: Path) -> None:
    LocalStore.open(tmp_path).close()
    LocalStore.open(tmp_path).close()
    assert _backups(tmp_path) == []


def test_a_failed_upgrade_leaves_the_file_intact_and_names_the_backup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _old_file(tmp_path)
    before = _dump(path)

    def failing_upgrade(config: Any, revision: str) -> None:
        # a migration that changes part of the file (committed on its own connection) and then fails
        conn = local_files.connect(path)
        try:
            conn.execute("UPDATE accounts SET name = 'half upgraded'")
            conn.execute("CREATE TABLE half_done (x)")
            conn.commit()
        finally:
            conn.close()
        raise RuntimeError("migration 0003 failed half way")

    from alembic import command

    monkeypatch.setattr(command, "upgrade", failing_upgrade)
    with pytest.raises(StoreError) as caught:
        LocalStore.open(tmp_path)

    (backup,) = _backups(tmp_path)
    message = str(caught.value)
    assert str(backup) in message
    assert "migration 0003 failed half way" in message
    assert "put back as it was" in message
    assert _dump(path) == before  # the original, exactly as it was
    assert _dump(backup) == before  # and the copy kept

    monkeypatch.undo()  # the next version's upgrade works: the file opens, upgraded, the copy goes
    store = LocalStore.open(tmp_path)
    try:
        with store.engine.connect() as conn:
            assert conn.execute(text("SELECT name FROM accounts")).scalar() == "Acme Tools"
    finally:
        store.close()
    assert _backups(tmp_path) == [backup]  # an earlier failure's copy is the person's to remove


def test_no_backup_no_upgrade(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """When the copy cannot be made (a full disk), the file is not upgraded and stays as it was."""
    path = _old_file(tmp_path)
    before = _dump(path)

    def no_space(source: Path, target: Path, key: cipher.Key) -> None:
        target.write_bytes(b"partial")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(migrations, "_copy_database", no_space)
    with pytest.raises(StoreError, match="no backup of it could be made first"):
        LocalStore.open(tmp_path)
    assert _dump(path) == before
    assert _backups(tmp_path) == []


def test_a_relative_data_folder_opens(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`sfa --data-dir D` with D relative to the working folder (it failed on an existing file: "relative
    path can't be expressed as a file URI")."""
    LocalStore.open(tmp_path / "D").close()
    monkeypatch.chdir(tmp_path)
    LocalStore.open(Path("D")).close()
