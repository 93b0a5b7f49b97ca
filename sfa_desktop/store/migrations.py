"""Schema upgrades of the laptop's database: Alembic migrations in ``db/local``, applied on open.

Checking is cheap (the revision files are read once); the Alembic machinery is only loaded when the file
actually needs an upgrade, so a normal start-up does not pay for it.
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import cache
from pathlib import Path

from sqlalchemy import Engine, text

from sfa_desktop.core import resources
from sfa_desktop.core.records.models import Base
from sfa_desktop.store import cipher
from sfa_desktop.store.errors import StoreError


def migrations_dir() -> Path:
    """``db/local``: beside the package in a checkout, in the package of a wheel, or in a bundle."""
    folder = resources.migrations_dir("local")
    if folder is None:
        raise StoreError("The app's database migrations are missing; reinstall SFA Desktop.")
    return folder


_REVISION = re.compile(r'^revision(?:: str)? = ["\']([0-9a-z_]+)["\']', re.MULTILINE)
_DOWN = re.compile(r'^down_revision(?:: [^=]+)? = ["\']?([0-9a-z_]+|None)["\']?', re.MULTILINE)


@cache
def known_revisions() -> tuple[tuple[str, ...], str]:
    """Every revision this app knows, and the head."""
    revisions: dict[str, str | None] = {}
    for file in (migrations_dir() / "versions").glob("*.py"):
        source = file.read_text(encoding="utf-8")
        rev, down = _REVISION.search(source), _DOWN.search(source)
        if rev and down:
            revisions[rev.group(1)] = None if down.group(1) == "None" else down.group(1)
    parents = {d for d in revisions.values() if d}
    heads = [r for r in revisions if r not in parents]
    if len(heads) != 1:
        raise StoreError(f"The app's migrations are inconsistent (heads: {heads}); reinstall SFA Desktop.")
    return tuple(revisions), heads[0]


def check_revision(path: Path, revision: str | None) -> None:
    known, _head = known_revisions()
    if revision is not None and revision not in known:
        raise StoreError(
            f"The data file {path} was written by a newer version of SFA Desktop (schema {revision}). "
            "It was left untouched. Update SFA Desktop to open it."
        )


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        exists = conn.execute(
            text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'")
        ).first()
        if not exists:
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def needs_backup(revision: str | None) -> bool:
    """True when a file at ``revision`` holds data and is about to be upgraded: an older version's file."""
    return revision is not None and revision != known_revisions()[1]


def backup(path: Path, revision: str, key: cipher.Key) -> Path:
    """A consistent copy of the data file (its write-ahead log included) made before upgrading it from
    ``revision``: ``sfa.sqlite3.before-upgrade-<revision>-<time>`` beside it.  A copy an earlier, interrupted
    upgrade left is never overwritten."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.before-upgrade-{revision}-{stamp}")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.before-upgrade-{revision}-{stamp}-{n}")
    try:
        _copy_database(path, target, key)
    except (OSError, cipher.Error) as exc:
        target.unlink(missing_ok=True)
        raise StoreError(
            f"The data file {path} needs upgrading to this version of SFA Desktop, but no backup of it "
            f"could be made first ({exc}); it was left untouched. Free some disk space or check the "
            "folder's permissions, then start again."
        ) from None
    return target


def restore(copy: Path, path: Path, key: cipher.Key) -> None:
    """Put the backup ``copy`` back as the data file ``path`` (after an upgrade that failed)."""
    _copy_database(copy, path, key)


def _copy_database(source: Path, target: Path, key: cipher.Key, *, wait: float = 10.0) -> None:
    """Copy with SQLite's backup API (consistent, the write-ahead log included; both files encrypted with
    ``key``); gives up with ``OperationalError`` when another program keeps either file locked for ``wait``
    seconds."""
    pause = 0.05
    tries = {"left": int(wait / pause)}

    def progress(status: int, _remaining: int, _total: int) -> None:
        if status in (cipher.dbapi.SQLITE_BUSY, cipher.dbapi.SQLITE_LOCKED):
            tries["left"] -= 1
            if tries["left"] < 0:
                raise cipher.dbapi.OperationalError(f"{target} is in use by another program")

    src = cipher.connect(source, key, timeout=wait)
    try:
        dst = cipher.connect(target, key, timeout=wait)
        try:
            src.backup(dst, progress=progress, sleep=pause)
        finally:
            dst.close()
    finally:
        src.close()


def upgrade(engine: Engine) -> None:
    """Bring the file to the head revision, in one transaction (all of it or none of it)."""
    _known, head = known_revisions()
    if current_revision(engine) == head:
        return
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    config.attributes["target_metadata"] = Base.metadata
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
