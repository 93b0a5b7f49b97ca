"""A fresh local store for a test without running every local migration again for each one.

Creating a store runs all of db/local's migrations through Alembic (~0.45 s of CPU); the tests open
hundreds of stores, and the sync tests a few per test.  ``open_fresh_store(folder)`` opens a store exactly
as ``LocalStore.open`` makes a new one, once per process (into a private folder: the template), and then
gives each caller its own copy of that file: a new, empty data file at the head revision, opened through the
ordinary path of an existing file (key check, revision check, no-op upgrade).  Each copy is the caller's
alone, so tests stay as isolated as before.  The path that creates a file and runs the migrations is still
proved by the tests that call ``LocalStore.open`` on an empty folder (tests/unit/test_store.py,
test_migrations.py, test_migration_schema.py and others).

The template is made with the key the tests use (``SFA_DATABASE_KEY``); without that key in the environment
(a keyring or passphrase test), or with another one, the store is created the ordinary way.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

from sfa_desktop.store import cipher
from sfa_desktop.store.database import DB_FILENAME, LocalStore, data_folder

#: key in the environment -> the template data file made with it (one per process)
_templates: dict[str, Path] = {}


def _template(env_key: str) -> Path:
    found = _templates.get(env_key)
    if found is not None and found.is_file():
        return found
    folder = Path(tempfile.mkdtemp(prefix="sfa-store-template-"))
    atexit.register(shutil.rmtree, folder, True)
    LocalStore.open(folder / "data").close()
    path = folder / "data" / DB_FILENAME
    # closed cleanly: the WAL is checkpointed into the file and removed, so the file alone is the store
    assert path.is_file()
    assert not path.with_name(DB_FILENAME + "-wal").exists()
    _templates[env_key] = path
    return path


def open_fresh_store(folder: Path) -> LocalStore:
    """``LocalStore.open(folder)`` for a folder with no data file yet: a new, empty store at head."""
    env_key = os.environ.get(cipher.ENV_KEY)
    target = data_folder(folder) / DB_FILENAME
    if not env_key or os.environ.get(cipher.ENV_KEY_FOR_TESTS) != "1" or target.exists():
        return LocalStore.open(folder)
    template = _template(env_key)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template, target)
    return LocalStore.open(folder)
