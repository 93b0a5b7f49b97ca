"""The laptop's database encrypted at rest: SQLCipher 4 (AES-256, an HMAC on every page, the WAL included).

Where the key comes from, in this order:

* ``SFA_DATABASE_KEY`` (64 hex digits) in the environment: the key itself, for the automated tests only, and
  honoured only beside ``SFA_DATABASE_KEY_FOR_TESTS=1``; set alone it is refused (a key in the environment is
  readable by every program of the user and ends up in shell profiles and service files: on the disk), so
  that it can never silently stand in for the keyring on a real installation;
* the operating system's keyring: a random 256-bit key per database, kept under the service ``sfa-desktop``
  and the name ``database:<salt>``, the salt being the 16 random bytes that open every SQLCipher file (it
  moves with the file, so a data folder moved or renamed keeps its key);
* where the machine has no keyring (a headless Linux): a passphrase, asked at start (the window's dialog,
  ``sfa``'s prompt, ``SFA_PASSPHRASE`` or ``--passphrase-stdin``), turned into the key by SQLCipher 4's own
  key derivation (PBKDF2-HMAC-SHA512, 256,000 iterations, over the file's salt); it is derived once per open
  here and given to SQLCipher as a raw key with its salt, so that every further connection costs nothing
  (the file also opens with ``PRAGMA key = 'the passphrase'`` and the page format's two settings, below,
  in any SQLCipher 4 tool).

The pages: AES-256 with an HMAC-SHA256 on every 8 KiB page (:data:`PAGE_FORMAT`), not SQLCipher 4's
defaults (HMAC-SHA512 on 4 KiB pages).  The HMAC is most of what reading costs (every page read from the disk
into SQLite's cache is checked, then decrypted): SHA-256 runs in the processor's SHA instructions on current
x86 and ARM laptops (~2.3x the speed of SHA-512 here), and larger pages mean half the checks, which brought
opening the contact list from ~1.35x a plain file's time to ~1.1x (tests/perf/bench_cipher.py).  The
security is the same: a 256-bit key, a 256-bit HMAC.  Another SQLCipher 4 tool opens a file with
``PRAGMA key`` followed by the two settings (``PRAGMA cipher_hmac_algorithm = HMAC_SHA256`` and
``PRAGMA cipher_page_size = 8192``).  A file the first encrypted version wrote (SQLCipher's defaults,
:data:`LEGACY_FORMAT`) is opened in its own format and converted once, the same way as a plain one
(:func:`convert`).

Never a silent plaintext fallback: no key, no database.  A plain database (an older version's) is encrypted
on upgrade: exported into a new file, verified (every table's row count), swapped in, then the plain file is
overwritten and removed (:func:`encrypt_plain`).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import keyring
import keyring.errors
import sqlcipher3.dbapi2 as _dbapi
from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail

from sfa_desktop.store.errors import StoreError

SERVICE = "sfa-desktop"
ENV_KEY = "SFA_DATABASE_KEY"
#: Set to 1 with ENV_KEY: the explicit statement that this is a test run (see above).
ENV_KEY_FOR_TESTS = "SFA_DATABASE_KEY_FOR_TESTS"
ENV_PASSPHRASE = "SFA_PASSPHRASE"
KEY_BYTES = 32
SALT_BYTES = 16
#: SQLCipher 4's defaults for a passphrase: PBKDF2-HMAC-SHA512, this many iterations, a 256-bit key.
KDF_ITERATIONS = 256_000
#: Beside the data file while it is being encrypted, and the plain original until it is removed.
ENCRYPTING_SUFFIX = ".encrypting"
PLAIN_SUFFIX = ".plaintext"
_SQLITE_NOTADB = 26

#: The pages of the files this version writes (see above), as ``PRAGMA`` settings given after the key.
PAGE_FORMAT: tuple[tuple[str, str], ...] = (
    ("cipher_hmac_algorithm", "HMAC_SHA256"),
    ("cipher_page_size", "8192"),
)
#: SQLCipher 4's defaults (HMAC-SHA512, 4 KiB pages): the files of the first encrypted version.
LEGACY_FORMAT: tuple[tuple[str, str], ...] = ()

#: Asks a person for the passphrase; ``new``: a new one is being set (ask twice).  None: they declined.
PassphraseSource = Callable[[bool], "str | None"]

#: The DB-API module (SQLAlchemy's ``module=``; its exceptions and constants).
dbapi: Any = _dbapi
Error = dbapi.Error
DatabaseError = dbapi.DatabaseError


class WrongPassphrase(StoreError):
    """The passphrase given does not open the data file (the window asks again)."""


class KeyMissing(StoreError):
    """No key for this data file on this computer."""


class PassphraseNeeded(StoreError):
    """No keyring, and no passphrase was given."""


@dataclass(frozen=True)
class Key:
    raw: bytes
    salt: bytes
    #: Where it is kept, for a person: "the keyring (SecretService Keyring)", "a passphrase"...
    kept: str
    #: The page format of the file it opens (the first encrypted version's files: LEGACY_FORMAT).
    page_format: tuple[tuple[str, str], ...] = PAGE_FORMAT

    @property
    def literal(self) -> str:
        """The raw key with its salt, as SQLCipher takes it (no key derivation at all)."""
        return f"\"x'{self.raw.hex()}{self.salt.hex()}'\""

    def pragma(self) -> str:
        return f"PRAGMA key = {self.literal}"

    def settings(self, schema: str = "") -> list[str]:
        """The page format's pragmas, given right after the key (``schema``: of an attached database)."""
        prefix = f"{schema}." if schema else ""
        return [f"PRAGMA {prefix}{name} = {value}" for name, value in self.page_format]

    @property
    def legacy(self) -> bool:
        return self.page_format != PAGE_FORMAT

    def in_format(self, page_format: tuple[tuple[str, str], ...]) -> Key:
        return replace(self, page_format=page_format)


def keyring_backend() -> KeyringBackend | None:
    """The operating system's keyring, or None where there is none (keyring's fail backend)."""
    backend = keyring.get_keyring()
    if isinstance(backend, fail.Keyring):
        return None
    if isinstance(backend, chainer.ChainerBackend) and not backend.backends:
        return None
    return backend


def backend_name(backend: KeyringBackend) -> str:
    name = getattr(backend, "name", "") or type(backend).__name__
    return str(name)


def derive(passphrase: str, salt: bytes) -> bytes:
    """SQLCipher 4's key derivation for a passphrase (what ``PRAGMA key = 'passphrase'`` computes)."""
    return hashlib.pbkdf2_hmac("sha512", passphrase.encode("utf-8"), salt, KDF_ITERATIONS, KEY_BYTES)


def _account(salt: bytes) -> str:
    return f"database:{salt.hex()}"


def _env_key() -> bytes | None:
    value = os.environ.get(ENV_KEY)
    if not value:
        return None
    if os.environ.get(ENV_KEY_FOR_TESTS) != "1":
        raise StoreError(
            f"{ENV_KEY} is set, but a database key in the environment is for automated tests only (any "
            "program of this user can read it, and it ends up in files). Unset it: SFA Desktop keeps the key "
            f"in the keyring, or asks for a passphrase. (Tests set {ENV_KEY_FOR_TESTS}=1 beside it.)"
        )
    try:
        raw = bytes.fromhex(value.strip())
    except ValueError:
        raw = b""
    if len(raw) != KEY_BYTES:
        raise StoreError(f"{ENV_KEY} must be {KEY_BYTES * 2} hexadecimal digits (a 256-bit key).")
    return raw


def _passphrase(source: PassphraseSource | None, *, new: bool) -> str | None:
    given = os.environ.get(ENV_PASSPHRASE)
    if given:
        return given
    if source is None:
        return None
    return source(new)


def _no_keyring_message(path: Path) -> str:
    return (
        f"This computer has no keyring to keep the key of the encrypted data file {path}, so SFA Desktop "
        "protects it with a passphrase. Start it in a terminal to be asked for one, or give it in "
        f"{ENV_PASSPHRASE} or with --passphrase-stdin."
    )


def new_key(path: Path, source: PassphraseSource | None = None) -> Key:
    """The key for a database about to be created (or encrypted) at ``path``: kept in the keyring, or made
    from a passphrase where there is none.  Raises :class:`PassphraseNeeded` rather than go on in plain."""
    salt = secrets.token_bytes(SALT_BYTES)
    raw = _env_key()
    if raw is not None:
        return Key(raw, salt, f"the environment ({ENV_KEY}, for tests only)")
    backend = keyring_backend()
    if backend is not None:
        raw = secrets.token_bytes(KEY_BYTES)
        try:
            backend.set_password(SERVICE, _account(salt), raw.hex())
        except keyring.errors.KeyringError as exc:
            raise StoreError(
                f"The keyring refused to keep the key of the data file {path} ({type(exc).__name__}); "
                "unlock the keyring and start again."
            ) from None
        return Key(raw, salt, f"the keyring ({backend_name(backend)})")
    passphrase = _passphrase(source, new=True)
    if not passphrase:
        raise PassphraseNeeded(_no_keyring_message(path))
    return Key(derive(passphrase, salt), salt, "a passphrase")


def forget_key(key: Key) -> None:
    """Remove a key this module put in the keyring (a database made with it was not kept)."""
    backend = keyring_backend()
    if backend is None or not key.kept.startswith("the keyring"):
        return
    with contextlib.suppress(keyring.errors.KeyringError):
        backend.delete_password(SERVICE, _account(key.salt))


def existing_key(path: Path, source: PassphraseSource | None = None) -> Key:
    """The key of the encrypted database at ``path``.  One from the environment or a passphrase is checked
    here (it opens the file); one the keyring keeps under the file's salt belongs to that file, so a first
    page it does not open is damaged (the open's checks say so).  Raises :class:`WrongPassphrase`,
    :class:`KeyMissing` or :class:`PassphraseNeeded` with a message for a person."""
    with path.open("rb") as fh:
        salt = fh.read(SALT_BYTES)
    raw = _env_key()
    if raw is not None:
        key = _which_format(path, Key(raw, salt, f"the environment ({ENV_KEY}, for tests only)"))
        if key is None:
            raise KeyMissing(
                f"{path} is not an SFA Desktop data file (it is not an SQLite database), or it is "
                f"encrypted with another key than {ENV_KEY}. It was left untouched; move it away or choose "
                "another data folder with --data-dir."
            )
        return key
    backend = keyring_backend()
    if backend is not None:
        try:
            stored = backend.get_password(SERVICE, _account(salt))
        except keyring.errors.KeyringError as exc:
            raise StoreError(
                f"The keyring could not be read ({type(exc).__name__}), so the encrypted data file {path} "
                "cannot be opened; unlock the keyring and start again."
            ) from None
        if stored:
            key = Key(bytes.fromhex(stored), salt, f"the keyring ({backend_name(backend)})")
            # the keyring's key belongs to this file: one that opens in neither format is damaged (the
            # open's checks say so)
            return _which_format(path, key) or key
    passphrase = _passphrase(source, new=False)
    if not passphrase:
        if backend is None:
            raise PassphraseNeeded(_no_keyring_message(path))
        raise KeyMissing(_missing_message(path))
    found = _which_format(path, Key(derive(passphrase, salt), salt, "a passphrase"))
    if found is None:
        raise WrongPassphrase(
            f"The passphrase is wrong: it does not open the data file {path}. Try again (mind the keyboard "
            "layout and Caps Lock)."
        )
    return found


def _which_format(path: Path, key: Key) -> Key | None:
    """``key`` in the page format its file opens with (this version's, else the first encrypted version's);
    None: it opens in neither (another key, or not a database)."""
    for page_format in (PAGE_FORMAT, LEGACY_FORMAT):
        candidate = key.in_format(page_format)
        if opens(path, candidate):
            return candidate
    return None


def _missing_message(path: Path) -> str:
    return (
        f"{path} is not an SFA Desktop data file this computer can open: it is not an SQLite database, or it "
        "was encrypted on another computer or its key is gone. It was left untouched. Restore your data from "
        "the central store by signing in again in a new data folder (--data-dir), or move the file away. "
        f"(Protected by a passphrase? Give it in {ENV_PASSPHRASE} or with --passphrase-stdin.)"
    )


def connect(
    path: Path | str, key: Key | None, *, uri: bool = False, timeout: float = 5.0, **options: Any
) -> Any:
    """An SQLCipher connection to ``path`` with ``key`` given first (None: a plain file); ``options``: more
    of ``sqlite3.connect``'s arguments (``isolation_level``)."""
    options.setdefault("check_same_thread", False)
    conn = dbapi.connect(str(path), uri=uri, timeout=timeout, **options)
    try:
        # a wrong key is reported by us, not printed by SQLCipher on stderr
        conn.execute("PRAGMA cipher_log_level = NONE")
        if key is not None:
            conn.execute(key.pragma())
            for pragma in key.settings():
                conn.execute(pragma)
    except BaseException:
        conn.close()
        raise
    return conn


def opens(path: Path, key: Key) -> bool:
    """Whether ``key`` decrypts the file's first page (read-only; the rest may be damaged: checked later)."""
    immutable = "" if Path(f"{path}-wal").exists() else "&immutable=1"
    try:
        conn = connect(f"{path.absolute().as_uri()}?mode=ro{immutable}", key, uri=True)
    except dbapi.Error:
        return False
    try:
        conn.execute("PRAGMA user_version").fetchone()
    except dbapi.DatabaseError as exc:
        # a wrong key reads as "not a database"; a damaged file opened with its key is for the checks
        return getattr(exc, "sqlite_errorcode", None) != _SQLITE_NOTADB
    finally:
        conn.close()
    return True


def is_encrypted(path: Path) -> bool:
    """Whether the file on the disk is encrypted (it does not start as a plain SQLite file does)."""
    with path.open("rb") as fh:
        return fh.read(16) != b"SQLite format 3\x00"


# -- encrypting an older version's plain file -------------------------------------------------------------


def shred(path: Path) -> None:
    """Overwrite a file with zeros, flush it to the disk, then remove it (missing: nothing to do).

    On a solid-state disk or a copy-on-write file system the old blocks may survive the overwrite: the
    disk's own encryption is the answer there; this removes what a file-level reader could find."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return
    with path.open("r+b") as fh:
        chunk = b"\0" * (1 << 20)
        left = size
        while left > 0:
            n = min(left, len(chunk))
            fh.write(chunk[:n])
            left -= n
        fh.flush()
        os.fsync(fh.fileno())
    path.unlink()


def _tables(conn: Any) -> list[str]:
    return [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]


def _counts(conn: Any, tables: list[str]) -> dict[str, int]:
    return {t: int(conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]) for t in tables}


def recover(path: Path) -> None:
    """Finish or undo an encryption that stopped half-way (the app closed, the power failed)."""
    encrypting = Path(f"{path}{ENCRYPTING_SUFFIX}")
    plain = Path(f"{path}{PLAIN_SUFFIX}")
    if plain.exists():
        if not path.exists() and encrypting.exists():
            # stopped between the two renames: the encrypted copy was verified before the first
            os.replace(encrypting, path)
        if path.exists():
            shred(plain)
        else:
            os.replace(plain, path)  # the encrypted copy is gone: the plain file is the data; encrypt again
    if encrypting.exists():
        encrypting.unlink()  # an export that did not finish (encrypted: nothing to overwrite)


def encrypt_plain(path: Path, key: Key) -> None:
    """Encrypt the plain database at ``path`` with ``key``, in place as far as anyone can see.

    The plain file is first made whole (its WAL checkpointed into it and removed), exported with
    ``sqlcipher_export`` into ``<path>.encrypting``, that copy verified (it opens, passes a quick check and
    holds as many rows in every table), then swapped in by two renames (``recover`` finishes a swap that was
    cut short), and the plain original overwritten and removed.  Any failure before the swap leaves the plain
    file as it was, and raises :class:`StoreError`."""
    _export(path, None, key)


def convert(path: Path, key: Key) -> Key:
    """Rewrite the file at ``path``, encrypted with ``key`` in an older page format (``key.legacy``), in this
    version's format with the same key and salt (the keyring's entry and a passphrase stay valid); the same
    steps and guarantees as :func:`encrypt_plain`.  Returns the key for the converted file."""
    target = key.in_format(PAGE_FORMAT)
    _export(path, key, target)
    return target


def _export(path: Path, source_key: Key | None, key: Key) -> None:
    """Export the database at ``path`` (plain: ``source_key`` None) into a copy encrypted with ``key``,
    verify the copy, swap it in and remove the original (overwritten first when it was plain)."""
    encrypting = Path(f"{path}{ENCRYPTING_SUFFIX}")
    plain = Path(f"{path}{PLAIN_SUFFIX}")
    encrypting.unlink(missing_ok=True)
    try:
        source = connect(path, source_key)
        try:
            source.execute("PRAGMA temp_store = MEMORY")
            busy = source.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            if busy is not None and busy[0]:
                raise StoreError(
                    f"The data file {path} is in use by another program; close it and start again."
                )
            source.execute("PRAGMA journal_mode = DELETE")
            tables = _tables(source)
            expected = _counts(source, tables)
            version = int(source.execute("PRAGMA user_version").fetchone()[0])
            source.execute(f"ATTACH DATABASE ? AS encrypted KEY {key.literal}", (str(encrypting),))
            for pragma in key.settings("encrypted"):
                source.execute(pragma)
            source.execute("SELECT sqlcipher_export('encrypted')")
            source.execute(f"PRAGMA encrypted.user_version = {version}")
            source.execute("DETACH DATABASE encrypted")
        finally:
            source.close()
        check = connect(encrypting, key)
        try:
            result = check.execute("PRAGMA quick_check(1)").fetchone()[0]
            got = _counts(check, _tables(check))
        finally:
            check.close()
        if result != "ok" or got != expected:
            raise StoreError(f"the encrypted copy does not match the original ({result})")
    except (dbapi.Error, OSError, StoreError) as exc:
        encrypting.unlink(missing_ok=True)
        raise StoreError(
            f"The data file {path} could not be encrypted ({exc}); it was left as it was. Free some disk "
            "space or check the folder's permissions, then start again."
        ) from None
    # an encrypted original holds no plaintext: removed, not overwritten (the plain one's name is kept for
    # both, so that recover() finishes either)
    remove = shred if source_key is None else _unlink
    for suffix in ("-wal", "-shm", "-journal"):
        remove(Path(f"{path}{suffix}"))
    os.replace(path, plain)
    os.replace(encrypting, path)
    remove(plain)


def _unlink(path: Path) -> None:
    path.unlink(missing_ok=True)
