"""The laptop's database: one SQLite file, opened safely, migrated automatically.

Opening checks the file before anything writes to it: a file that is not an SQLite database, a corrupt one,
one that belongs to another program or one written by a newer version of the app is refused with a
:class:`StoreError` whose message says what is wrong and what to do, and the file is left exactly as it was.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from sfa_desktop.core.records.services import AFTER_UPDATE
from sfa_desktop.core.sequences import upkeep as enrollment_upkeep
from sfa_desktop.store import cipher

# re-exported: the callers that open the store catch it from here
from sfa_desktop.store.errors import StoreError as StoreError  # noqa: PLC0414

DB_FILENAME = "sfa.sqlite3"
APP_NAME = "sfa-desktop"
_SQLITE_MAGIC = b"SQLite format 3\x00"
#: Plain files up to this size get a full integrity check on every open (encrypted ones up to an eighth of
#: it); larger ones a cheap one (see verify()).
FULL_CHECK_MAX_BYTES = 48 * 1024 * 1024


def data_folder(folder: str | os.PathLike[str]) -> Path:
    """A data folder as given (``~/sfa``, a path relative to the working folder) -> an absolute path.

    SQLite URIs (the read-only checks) and messages need it absolute; so does a store that outlives a
    change of the working folder.
    """
    return Path(os.path.abspath(Path(folder).expanduser()))


def default_data_dir() -> Path:
    env = os.environ.get("SFA_DATA_DIR")
    if env:
        return data_folder(env)
    import platformdirs

    return data_folder(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def _header(path: Path) -> tuple[int, bytes]:
    """The file's size and first bytes (the SQLite magic of a plain file, the salt of an encrypted one)."""
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            return size, fh.read(len(_SQLITE_MAGIC))
    except OSError as exc:
        raise StoreError(
            f"Cannot read the data file {path}: {exc.strerror}. Check its permissions."
        ) from None


def _check_existing_file(path: Path, key: cipher.Key | None = None) -> str | None:
    """Read-only checks of a file that already exists: a plain one (``key`` None) or one encrypted with
    ``key`` (checked already to open it).  Returns its schema revision (None: empty file)."""
    size, header = _header(path)
    if size == 0:
        return None
    if key is None and header != _SQLITE_MAGIC:
        raise StoreError(
            f"{path} is not an SFA Desktop data file (it is not an SQLite database). It was left untouched; "
            "move it away or choose another data folder with --data-dir."
        )
    try:
        # A read-only open of a WAL-mode file would create -wal/-shm beside it; with no -wal there is no
        # uncheckpointed data, so reading it as immutable is exact and leaves the folder as it was.
        immutable = "" if Path(f"{path}-wal").exists() else "&immutable=1"
        uri = f"{path.absolute().as_uri()}?mode=ro{immutable}"
        conn = sqlite3.connect(uri, uri=True) if key is None else cipher.connect(uri, key, uri=True)
    except (sqlite3.Error, cipher.Error) as exc:
        raise StoreError(f"Cannot open {path}: {exc}.") from None
    try:
        # An encrypted file costs ~3x a plain one to read whole (every page decrypted and its HMAC checked),
        # so it is read whole at open up to an eighth of the size; past it the cheap check, as for a large
        # file.  Its pages cannot be misread: a damaged one fails its HMAC whenever it is read, and verify()
        # reads them all in the background.
        limit = FULL_CHECK_MAX_BYTES if key is None else FULL_CHECK_MAX_BYTES // 8
        if size <= limit:
            check = conn.execute("PRAGMA quick_check(1)").fetchone()[0]
            if check != "ok":
                raise StoreError(_corrupt_message(path, check))
        else:
            # A full check reads every page (~0.6 s for 350 MB): too slow for every start.  Check what is
            # cheap (a truncated file, an unreadable schema) now; LocalStore.verify() does the rest later.
            # (int(): SQLCipher answers PRAGMA page_size with a string)
            pages = int(conn.execute("PRAGMA page_count").fetchone()[0])
            page_size = int(conn.execute("PRAGMA page_size").fetchone()[0])
            if pages * page_size > size and not Path(f"{path}-wal").exists():
                raise StoreError(_corrupt_message(path, "the file is shorter than its header says"))
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not tables:
            return None
        if "alembic_version" not in tables:
            raise StoreError(
                f"{path} is an SQLite database, but not one of SFA Desktop's. It was left untouched; "
                "choose another data folder with --data-dir."
            )
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        return str(row[0]) if row else None
    except (sqlite3.DatabaseError, cipher.DatabaseError) as exc:
        raise StoreError(_corrupt_message(path, str(exc))) from None
    finally:
        conn.close()


def _corrupt_message(path: Path, detail: str) -> str:
    return (
        f"The data file {path} is damaged ({detail}). It was left untouched. Restore it from a backup, "
        "or move it away and sync again to download your data."
    )


def _on_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    # sorts and temporary tables stay in memory: no plaintext temporary file on the disk
    cursor.execute("PRAGMA temp_store = MEMORY")
    cursor.execute("PRAGMA busy_timeout = 5000")
    cursor.execute("PRAGMA synchronous = NORMAL")
    # Up to 64 MB of pages kept per connection: every page read from the disk is checked and decrypted
    # (see store.cipher), so a page read again from this cache costs nothing; scrolling a list of ~50,000
    # contacts back and forth stays in it (32 MB did not hold it: each page decrypted again).
    cursor.execute("PRAGMA cache_size = -64000")
    cursor.close()


def make_engine(path: Path, key: cipher.Key) -> Engine:
    """The engine over the encrypted file: every connection SQLCipher's, keyed before anything reads."""
    engine = create_engine(
        f"sqlite:///{path}",
        creator=lambda: cipher.connect(path, key),
        module=cipher.dbapi,  # SQLAlchemy's errors wrap SQLCipher's exceptions, not the sqlite3 module's
        # a database error names the statement, never its values: the error log (a bug's traceback) and the
        # bug dialog hold no record data that way (the log is a plain file beside the encrypted database)
        hide_parameters=True,
    )
    event.listen(engine, "connect", _on_connect)
    return engine


class LocalStore:
    """The opened database: an engine and a session factory.  One session per user action or job."""

    def __init__(self, path: Path, engine: Engine, key: cipher.Key) -> None:
        self.path = path
        self.engine = engine
        #: The database key, and where it is kept (``key.kept``, for ``sfa status``).
        self.key = key
        #: Each session carries what reacts to record updates (see ``services.AFTER_UPDATE``).
        self.Session = sessionmaker(
            engine, expire_on_commit=False, info={AFTER_UPDATE: (enrollment_upkeep.on_record_updated,)}
        )
        #: Set by ``stop_verify``: a running ``verify`` gives up.
        self._verify_stopped = False
        #: How many commits changed rows so far, from any thread (the window refreshes what it shows of
        #: the data, such as the changes waiting to sync, when this moved; reads leave it alone).
        self.writes = 0
        event.listen(engine, "commit", self._on_commit)

    def _on_commit(self, conn: Any) -> None:
        raw = conn.connection.dbapi_connection
        total = getattr(raw, "total_changes", None)
        info = conn.connection.info
        if total is None or total != info.get("sfa_total_changes"):
            info["sfa_total_changes"] = total
            self.writes += 1

    @classmethod
    def open(
        cls,
        data_dir: Path | None = None,
        *,
        create: bool = True,
        passphrase: cipher.PassphraseSource | None = None,
    ) -> LocalStore:
        """Open (create, upgrade, encrypt) the data file of ``data_dir``.  ``passphrase`` asks a person for
        one where the machine has no keyring (see :mod:`sfa_desktop.store.cipher`)."""
        from sfa_desktop.store import migrations

        folder = data_folder(data_dir) if data_dir is not None else default_data_dir()
        path = folder / DB_FILENAME
        kept: Path | None = None  # the copy made before upgrading an older version's file
        if folder.is_dir():
            cipher.recover(path)
        if path.exists():
            size, header = _header(path)
            if size > 0 and header == _SQLITE_MAGIC:
                # an older version's plain file: checked as it is, then encrypted before anything else
                revision = _check_existing_file(path)
                migrations.check_revision(path, revision)
                key = cipher.new_key(path, passphrase)
                try:
                    cipher.encrypt_plain(path, key)
                except StoreError:
                    cipher.forget_key(key)
                    raise
            elif size > 0:
                key = cipher.existing_key(path, passphrase)
                revision = _check_existing_file(path, key)
                migrations.check_revision(path, revision)
                if key.legacy:
                    # the first encrypted version's page format: rewritten once in this version's
                    key = cipher.convert(path, key)
            else:
                key = cipher.new_key(path, passphrase)
                revision = None
            if revision is not None and migrations.needs_backup(revision):
                kept = migrations.backup(path, revision, key)
        elif not create:
            raise StoreError(f"There is no SFA Desktop data in {folder}. Run 'sfa --data-dir {folder} init'.")
        else:
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"Cannot create the data folder {folder}: {exc.strerror}.") from None
            key = cipher.new_key(path, passphrase)
        engine = make_engine(path, key)
        try:
            with engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA journal_mode = WAL")
            migrations.upgrade(engine)
        except Exception as exc:
            engine.dispose()
            if kept is not None:
                # the upgrade may have changed part of the file: put it back as it was, keep the copy
                migrations.restore(kept, path, key)
                raise StoreError(
                    f"Upgrading the data file {path} to this version of SFA Desktop failed ({exc}). The file "
                    f"was put back as it was, and the copy made before the upgrade is kept at {kept}. "
                    "Nothing was lost: go on with the previous version and show this message to your "
                    "administrator."
                ) from exc
            if isinstance(exc, StoreError):
                raise
            raise StoreError(f"Cannot prepare the data file {path}: {exc}") from exc
        if kept is not None:
            kept.unlink()  # upgraded: the copy is no longer needed
        return cls(path, engine, key)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One short write transaction: commits on success, rolls back on any error."""
        with self.Session.begin() as session:
            yield session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        with self.Session() as session:
            yield session

    def verify(self) -> str | None:
        """Full integrity check (reads every page; run it in the background).  None when the file is sound
        or the check was stopped (``stop_verify``), else a message for a person."""
        if self._stopped():
            return None
        with self.engine.connect() as conn:
            raw = conn.connection.dbapi_connection
            assert raw is not None
            # SQLite asks this every 100,000 steps whether to go on: a stop is seen within milliseconds,
            # even one made just before the check began
            raw.set_progress_handler(lambda: int(self._stopped()), 100_000)
            try:
                result = conn.exec_driver_sql("PRAGMA quick_check(1)").scalar()
            except Exception as exc:
                if self._stopped():  # interrupted, not damaged
                    return None
                return _corrupt_message(self.path, str(exc))
            finally:
                raw.set_progress_handler(None, 0)
        return None if result == "ok" else _corrupt_message(self.path, str(result))

    def _stopped(self) -> bool:
        return self._verify_stopped

    def stop_verify(self) -> None:
        """Stop a running or coming ``verify`` (from any thread): a window closing must not wait seconds
        for the check of a large file to read its last pages."""
        self._verify_stopped = True

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> LocalStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
