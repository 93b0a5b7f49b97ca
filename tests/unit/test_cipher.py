"""The local database encrypted at rest (issue 17, items 1 and 2): the key in the keyring or made from a
passphrase, an older version's plain file encrypted on upgrade, no plaintext on the disk, clear messages."""

from __future__ import annotations

import io
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
import sqlcipher3.dbapi2 as sqlcipher
from keyring.backends import fail
from sqlalchemy import text

from sfa_desktop import cli
from sfa_desktop.core.records import services
from sfa_desktop.store import cipher
from sfa_desktop.store.database import DB_FILENAME, LocalStore, StoreError
from sfa_desktop.store.search import search
from tests import local_files
from tests.memory_keyring import MemoryKeyring, memory_keyring

NAME = "Zebediah"
COMPANY = "Quillfeather Holdings"


def _fill(store: LocalStore, contacts: int = 200) -> None:
    with store.transaction() as session:
        account = services.create(session, "accounts", {"name": COMPANY})
        services.create_many(
            session,
            "contacts",
            [
                {"first_name": f"{NAME}{i}", "last_name": f"Ledger{i}", "account_id": account.id}
                for i in range(contacts)
            ],
        )
        services.create(session, "contacts", {"first_name": NAME, "last_name": "Quince"})


def _found(store: LocalStore, words: str) -> int:
    with store.engine.connect() as conn:
        return len(search(conn, words))


def _counts(conn: object) -> dict[str, int]:
    names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]  # type: ignore[attr-defined]
    return {n: conn.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}  # type: ignore[attr-defined]


def _folder_bytes(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file())


def _plain_copy(encrypted: Path, plain: Path) -> None:
    """An older version's plain file with the same data (what this version finds on upgrade)."""
    conn = local_files.connect(encrypted)
    conn.execute("ATTACH DATABASE ? AS plain KEY ''", (str(plain),))
    conn.execute("SELECT sqlcipher_export('plain')")
    conn.execute("DETACH DATABASE plain")
    conn.close()


@pytest.fixture
def keys(monkeypatch: pytest.MonkeyPatch) -> Iterator[MemoryKeyring]:
    """The keyring path: no fixed key from the environment, the in-memory keyring."""
    monkeypatch.delenv(cipher.ENV_KEY)
    with memory_keyring() as backend:
        yield backend


@pytest.fixture
def no_keyring(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A headless Linux: keyring's fail backend, no fixed key."""
    monkeypatch.delenv(cipher.ENV_KEY)
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())  # type: ignore[no-untyped-call]
    try:
        yield
    finally:
        keyring.set_keyring(previous)


# -- at rest --------------------------------------------------------------------------------------------


def test_the_file_and_its_wal_hold_no_plaintext(data_dir: Path) -> None:
    store = LocalStore.open(data_dir)
    _fill(store)
    path = data_dir / DB_FILENAME
    wal = Path(f"{path}-wal")
    assert wal.exists()  # the rows are in the write-ahead log now (not checkpointed yet)
    assert wal.stat().st_size > 0
    for file in (path, wal):
        data = file.read_bytes()
        assert NAME.encode() not in data
        assert COMPANY.encode() not in data
        assert b"SQLite format 3" not in data
    # the stdlib module (no key) cannot read it
    with pytest.raises(sqlite3.DatabaseError):
        sqlite3.connect(path).execute("SELECT count(*) FROM sqlite_master").fetchone()
    assert _found(store, "Quince") == 1
    store.close()
    assert NAME.encode() not in _folder_bytes(data_dir)
    assert sorted(p.name for p in data_dir.iterdir()) == [DB_FILENAME]


def test_search_and_temp_store_on_an_encrypted_file(store: LocalStore) -> None:
    _fill(store, 20)
    assert _found(store, "Quince") == 1
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA temp_store").scalar() == 2  # MEMORY
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert str(conn.exec_driver_sql("PRAGMA cipher_version").scalar()).startswith("4.")


# -- an older version's plain file --------------------------------------------------------------------------


def test_a_plain_file_is_encrypted_on_upgrade_and_keeps_its_data(tmp_path: Path) -> None:
    source = tmp_path / "source"
    with LocalStore.open(source) as store:
        _fill(store)
        with store.engine.connect() as conn:
            before = _counts(conn.connection.dbapi_connection)
    folder = tmp_path / "data"
    folder.mkdir()
    path = folder / DB_FILENAME
    _plain_copy(source / DB_FILENAME, path)
    assert path.read_bytes()[:16] == b"SQLite format 3\x00"
    assert NAME.encode() in path.read_bytes()

    with LocalStore.open(folder) as store:
        with store.engine.connect() as conn:
            assert _counts(conn.connection.dbapi_connection) == before
        assert _found(store, "Quince") == 1
        assert cipher.is_encrypted(store.path)
    assert sorted(p.name for p in folder.iterdir()) == [DB_FILENAME]  # the plain original is gone
    assert NAME.encode() not in _folder_bytes(folder)
    assert COMPANY.encode() not in _folder_bytes(folder)


def test_an_encryption_cut_short_is_finished_on_the_next_open(tmp_path: Path) -> None:
    """The app stopped between the two renames: the verified encrypted copy is put in place, the plain
    original overwritten and removed."""
    source = tmp_path / "source"
    with LocalStore.open(source) as store:
        _fill(store, 10)
    folder = tmp_path / "data"
    folder.mkdir()
    path = folder / DB_FILENAME
    _plain_copy(source / DB_FILENAME, path)
    key = local_files.test_key(source / DB_FILENAME)
    cipher.encrypt_plain(path, key)  # a complete run: encrypted in place
    encrypted = path.read_bytes()
    _plain_copy(path, Path(f"{path}{cipher.PLAIN_SUFFIX}"))  # the state after the first rename
    path.rename(Path(f"{path}{cipher.ENCRYPTING_SUFFIX}"))
    assert not path.exists()

    with LocalStore.open(folder) as store, store.reading() as session:
        assert session.execute(text("SELECT count(*) FROM contacts")).scalar() == 11
    assert sorted(p.name for p in folder.iterdir()) == [DB_FILENAME]
    assert NAME.encode() not in _folder_bytes(folder)
    assert encrypted[:16] == path.read_bytes()[:16]


def test_an_encryption_that_fails_leaves_the_plain_file_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "source"
    with LocalStore.open(source) as store:
        _fill(store, 10)
    folder = tmp_path / "data"
    folder.mkdir()
    path = folder / DB_FILENAME
    _plain_copy(source / DB_FILENAME, path)
    before = path.read_bytes()
    real = cipher._counts
    calls: list[int] = []

    def short_copy(conn: object, tables: list[str]) -> dict[str, int]:
        calls.append(1)
        counts = real(conn, tables)
        return counts if len(calls) == 1 else counts | {"contacts": counts["contacts"] - 1}

    monkeypatch.setattr(cipher, "_counts", short_copy)
    with pytest.raises(StoreError, match=r"could not be encrypted.*left as it was"):
        LocalStore.open(folder)
    assert path.read_bytes() == before
    assert sorted(p.name for p in folder.iterdir()) == [DB_FILENAME]


# -- the first encrypted version's page format ------------------------------------------------------------


def _legacy_copy(current: Path, legacy: Path) -> None:
    """The same data, key and salt in SQLCipher 4's default page format (HMAC-SHA512, 4 KiB pages): what the
    first encrypted version wrote."""
    key = local_files.test_key(current)
    conn = local_files.connect(current)
    conn.execute(f"ATTACH DATABASE ? AS legacy KEY {key.literal}", (str(legacy),))
    conn.execute("SELECT sqlcipher_export('legacy')")
    conn.execute(f"PRAGMA legacy.user_version = {conn.execute('PRAGMA user_version').fetchone()[0]}")
    conn.execute("DETACH DATABASE legacy")
    conn.close()


def _opens_as(path: Path, *settings: str) -> bool:
    conn = sqlcipher.connect(str(path))
    try:
        conn.execute(local_files.test_key(path).pragma())
        for pragma in settings:
            conn.execute(pragma)
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlcipher.DatabaseError:
        return False
    finally:
        conn.close()
    return True


def test_this_versions_page_format_hmac_sha256_on_8k_pages(store: LocalStore) -> None:
    _fill(store, 3)
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA cipher_hmac_algorithm").scalar() == "HMAC_SHA256"
        assert int(conn.exec_driver_sql("PRAGMA page_size").scalar_one()) == 8192
    assert _opens_as(store.path, *store.key.settings())
    assert not _opens_as(store.path)  # not SQLCipher 4's defaults


def test_a_file_in_the_first_encrypted_versions_format_is_converted(tmp_path: Path) -> None:
    source = tmp_path / "source"
    with LocalStore.open(source) as store:
        _fill(store)
        with store.engine.connect() as conn:
            before = _counts(conn.connection.dbapi_connection)
    folder = tmp_path / "data"
    folder.mkdir()
    path = folder / DB_FILENAME
    _legacy_copy(source / DB_FILENAME, path)
    salt = path.read_bytes()[:16]
    assert _opens_as(path)
    assert not _opens_as(path, *local_files.test_key(path).settings())

    with LocalStore.open(folder) as store:
        assert not store.key.legacy
        with store.engine.connect() as conn:
            assert _counts(conn.connection.dbapi_connection) == before
        assert _found(store, "Quince") == 1
    assert path.read_bytes()[:16] == salt  # the same key and salt: the keyring's entry stays valid
    assert _opens_as(path, *local_files.test_key(path).settings())
    assert sorted(p.name for p in folder.iterdir()) == [DB_FILENAME]
    assert NAME.encode() not in _folder_bytes(folder)


# -- the keyring --------------------------------------------------------------------------------------------


def test_a_random_key_per_database_is_kept_in_the_keyring(tmp_path: Path, keys: MemoryKeyring) -> None:
    with LocalStore.open(tmp_path / "a") as a, LocalStore.open(tmp_path / "b") as b:
        _fill(a, 5)
        assert a.key.kept.startswith("the keyring")
        assert a.key.raw != b.key.raw
    assert len(keys.items) == 2
    salt = (tmp_path / "a" / DB_FILENAME).read_bytes()[:16]
    assert keys.items[(cipher.SERVICE, f"database:{salt.hex()}")] == a.key.raw.hex()
    # a data folder moved elsewhere keeps its key (it is found by the file's salt)
    (tmp_path / "a").rename(tmp_path / "moved")
    with LocalStore.open(tmp_path / "moved") as again, again.reading() as session:
        assert session.execute(text("SELECT count(*) FROM contacts")).scalar() == 6


def test_a_key_gone_from_the_keyring_says_so(tmp_path: Path, keys: MemoryKeyring) -> None:
    LocalStore.open(tmp_path / "a").close()
    keys.items.clear()
    with pytest.raises(cipher.KeyMissing) as raised:
        LocalStore.open(tmp_path / "a")
    message = str(raised.value)
    assert "encrypted on another computer or its key is gone" in message
    assert "signing in again" in message
    assert "untouched" in message


def test_a_wrong_key_from_the_environment_is_refused_clearly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    LocalStore.open(tmp_path / "a").close()
    monkeypatch.setenv(cipher.ENV_KEY, "ab" * 32)
    before = (tmp_path / "a" / DB_FILENAME).read_bytes()
    with pytest.raises(StoreError, match="encrypted with another key"):
        LocalStore.open(tmp_path / "a")
    assert (tmp_path / "a" / DB_FILENAME).read_bytes() == before
    monkeypatch.setenv(cipher.ENV_KEY, "nothex")
    with pytest.raises(StoreError, match="64 hexadecimal digits"):
        LocalStore.open(tmp_path / "a")


def test_a_key_in_the_environment_needs_the_tests_flag(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """SFA_DATABASE_KEY alone (a real installation's environment) never stands in for the keyring."""
    LocalStore.open(tmp_path / "a").close()
    before = (tmp_path / "a" / DB_FILENAME).read_bytes()
    monkeypatch.delenv(cipher.ENV_KEY_FOR_TESTS)
    for folder in ("a", "new"):
        with pytest.raises(StoreError, match=r"SFA_DATABASE_KEY is set, but .* for automated tests only"):
            LocalStore.open(tmp_path / folder)
    assert (tmp_path / "a" / DB_FILENAME).read_bytes() == before
    assert not (tmp_path / "new" / DB_FILENAME).exists()
    assert cli.main(["--data-dir", str(tmp_path / "a"), "status"]) == 1
    err = capsys.readouterr().err
    assert "for automated tests only" in err
    assert "Traceback" not in err
    monkeypatch.setenv(cipher.ENV_KEY_FOR_TESTS, "1")
    with LocalStore.open(tmp_path / "a") as store:
        assert store.key.kept == "the environment (SFA_DATABASE_KEY, for tests only)"


# -- no keyring: a passphrase ----------------------------------------------------------------------------


@pytest.mark.usefixtures("no_keyring")
def test_without_a_keyring_nothing_is_written_in_plain(tmp_path: Path) -> None:
    with pytest.raises(cipher.PassphraseNeeded, match=r"no keyring.*passphrase.*SFA_PASSPHRASE"):
        LocalStore.open(tmp_path / "a")
    assert not (tmp_path / "a" / DB_FILENAME).exists()


@pytest.mark.usefixtures("no_keyring")
def test_a_passphrase_opens_it_and_is_sqlciphers_own_kdf(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[bool] = []

    def ask(new: bool) -> str:
        asked.append(new)
        return "correct horse"

    with LocalStore.open(tmp_path / "a", passphrase=ask) as store:
        _fill(store, 3)
        assert store.key.kept == "a passphrase"
    assert asked == [True]
    with LocalStore.open(tmp_path / "a", passphrase=ask) as store, store.reading() as session:
        assert session.execute(text("SELECT count(*) FROM contacts")).scalar() == 4
    assert asked == [True, False]
    # any SQLCipher 4 tool opens it with PRAGMA key = 'the passphrase' and the page format's two settings
    conn = sqlcipher.connect(str(tmp_path / "a" / DB_FILENAME))
    conn.execute("PRAGMA key = 'correct horse'")
    conn.execute("PRAGMA cipher_hmac_algorithm = HMAC_SHA256")
    conn.execute("PRAGMA cipher_page_size = 8192")
    assert conn.execute("SELECT count(*) FROM contacts").fetchone()[0] == 4
    conn.close()
    with pytest.raises(cipher.WrongPassphrase, match="The passphrase is wrong"):
        LocalStore.open(tmp_path / "a", passphrase=lambda new: "incorrect horse")
    monkeypatch.setenv(cipher.ENV_PASSPHRASE, "correct horse")
    LocalStore.open(tmp_path / "a").close()


@pytest.mark.usefixtures("no_keyring")
def test_cli_passphrase_from_the_environment_and_stdin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data = str(tmp_path / "data")
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert cli.main(["--data-dir", data, "init"]) == 1
    err = capsys.readouterr().err
    assert "no keyring" in err
    assert "SFA_PASSPHRASE" in err
    assert "Traceback" not in err
    assert not (tmp_path / "data" / DB_FILENAME).exists()

    monkeypatch.setenv(cipher.ENV_PASSPHRASE, "s3cret words")
    assert cli.main(["--data-dir", data, "init"]) == 0
    code = cli.main(["--data-dir", data, "contacts", "add", "--first-name", NAME, "--last-name", "Q"])
    assert code == 0, capsys.readouterr().err
    monkeypatch.delenv(cipher.ENV_PASSPHRASE)
    capsys.readouterr()

    monkeypatch.setattr("sys.stdin", io.StringIO("s3cret words\n"))
    assert cli.main(["--data-dir", data, "--passphrase-stdin", "contacts", "list"]) == 0
    assert NAME in capsys.readouterr().out
    monkeypatch.setattr("sys.stdin", io.StringIO("wrong words\n"))
    assert cli.main(["--data-dir", data, "contacts", "list", "--passphrase-stdin"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("sfa: error: The passphrase is wrong")
    assert len(err.splitlines()) == 1
    assert NAME.encode() not in _folder_bytes(tmp_path / "data")
