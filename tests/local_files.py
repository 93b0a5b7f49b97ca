"""Reading and writing a test's local data file directly, as ``sqlite3.connect`` did before it was encrypted:
a SQLCipher connection keyed with the tests' fixed key (``SFA_DATABASE_KEY``, set in tests/conftest.py)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine

from sfa_desktop.store import cipher


def test_key(path: Path | str) -> cipher.Key:
    """The tests' key for the file at ``path`` (its salt read from the file; a new file gets a fixed one)."""
    raw = bytes.fromhex(os.environ[cipher.ENV_KEY])
    file = Path(path)
    salt = b"\1" * cipher.SALT_BYTES
    if file.exists() and file.stat().st_size:
        with file.open("rb") as fh:
            salt = fh.read(cipher.SALT_BYTES)
    return cipher.Key(raw, salt, "tests")


def connect(path: Path | str) -> Any:
    """A DB-API connection to the local file ``path`` (used like ``sqlite3.connect``): keyed with the tests'
    key, unless it is a plain file already (an older version's, or a benchmark's floor)."""
    file = Path(path)
    if file.exists() and file.stat().st_size and not cipher.is_encrypted(file):
        return cipher.connect(path, None)
    return cipher.connect(path, test_key(path))


def engine(path: Path) -> Engine:
    """An SQLAlchemy engine over the local file ``path``: keyed when it is encrypted, plain when it is an
    older version's plain file (or none yet: what an older version would have written)."""
    if path.exists() and path.stat().st_size and cipher.is_encrypted(path):
        key = test_key(path)
        return create_engine(
            f"sqlite:///{path}", creator=lambda: cipher.connect(path, key), module=cipher.dbapi
        )
    return create_engine(f"sqlite:///{path}")
