"""Letting go of attachments' bytes this laptop no longer needs (after each sync, and ``sfa attachments
purge``).

The content store (``store.attachments``) keeps one encrypted file per content hash.  A file is kept while
a live attachment names its hash (and so while it waits for upload: only live attachments are sent).  When
the last attachment naming it is deleted the file stays for a grace period (30 days by default, as on the
central store): a deletion undone, or restored by another laptop, finds its bytes here, also when they never
reached the central store.  After it the file is removed; a file no attachment row names at all (its row
purged with old tombstones, or an attach that failed after writing it) is aged by its own last write.

Removing is unlinking: the files are AES-256-GCM ciphertext under a key derived from the database key
(``store.attachments``), so what the unlinked file leaves on the disk cannot be read without that key, and
the bytes are no longer reachable through the data folder.  (A wipe overwrites as well: it removes
everything, the database and its key included.)  The laptop's note of the upload (``blob_transfers``) goes
with the file, so that the same content attached again later asks the central store whether it still holds
it (it may have purged it meanwhile).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Connection, case, func, select, text

from sfa_desktop.core.records.models import Attachment, utcnow
from sfa_desktop.store.attachments import OVERHEAD, ContentStore
from sfa_desktop.store.database import LocalStore

#: Days the bytes of a deleted attachment stay on the laptop.
GRACE_DAYS = 30
MB = 1024 * 1024


@dataclass(frozen=True)
class Removed:
    count: int
    bytes: int
    days: int

    def describe(self) -> str:
        if not self.count:
            return (
                "No attachment bytes to let go: every file here belongs to a live attachment or to one "
                f"deleted less than {self.days} days ago."
            )
        return (
            f"Removed the bytes of {self.count} attachments deleted more than {self.days} days ago "
            f"({self.bytes / MB:.1f} MB)."
        )


def _last_named(conn: Connection) -> dict[str, dt.datetime | None]:
    """Each hash an attachment row names -> None while a live one names it, else its last deletion."""
    live = func.max(case((Attachment.deleted_at.is_(None), 1), else_=0))
    rows = conn.execute(
        select(Attachment.sha256, live, func.max(Attachment.deleted_at)).group_by(Attachment.sha256)
    ).all()
    return {str(sha): None if is_live else deleted for sha, is_live, deleted in rows}


def forget_upload(conn: Connection, sha: str) -> None:
    """Ask the central store again whether it holds this content before trusting an old upload (the same
    content attached again: the store may have let it go since)."""
    conn.execute(text("DELETE FROM blob_transfers WHERE sha256 = :s AND uploaded_at IS NOT NULL"), {"s": sha})


def purge(store: LocalStore, *, days: int = GRACE_DAYS, now: dt.datetime | None = None) -> Removed:
    """Remove the files no live attachment names, whose last attachment was deleted more than ``days``
    days ago (see the module's docstring).  Each file is checked again, and unlinked, inside a write
    transaction, so an attachment of the same content saved meanwhile keeps it."""
    if days < 0:
        raise ValueError("days must not be negative")
    content = ContentStore.of(store.path, store.key)
    here = list(content.hashes())
    if not here:
        return Removed(0, 0, days)
    cutoff = (now or utcnow()) - dt.timedelta(days=days)
    with store.engine.connect() as conn:
        named = _last_named(conn)
    candidates = [sha for sha in here if _expired(content, sha, named, cutoff)]
    count = size = 0
    for sha in candidates:
        with store.engine.begin() as conn:
            # a write first: it takes the database's write lock, so an attachment of this content being
            # saved either is seen below or waits until the file is gone (``ops.visits`` writes it again)
            conn.execute(text("DELETE FROM blob_transfers WHERE sha256 = :s AND 0 = 1"), {"s": sha})
            if not _expired(content, sha, _last_named_one(conn, sha), cutoff):
                continue
            try:
                stored = content.path(sha).stat().st_size
                content.path(sha).unlink()
            except FileNotFoundError:
                continue
            conn.execute(text("DELETE FROM blob_transfers WHERE sha256 = :s"), {"s": sha})
        count += 1
        size += max(stored - OVERHEAD, 0)
    return Removed(count, size, days)


def _last_named_one(conn: Connection, sha: str) -> dict[str, dt.datetime | None]:
    live = func.max(case((Attachment.deleted_at.is_(None), 1), else_=0))
    row = conn.execute(
        select(live, func.max(Attachment.deleted_at), func.count()).where(Attachment.sha256 == sha)
    ).one()
    if not row[2]:
        return {}
    return {sha: None if row[0] else row[1]}


def _expired(
    content: ContentStore, sha: str, named: dict[str, dt.datetime | None], cutoff: dt.datetime
) -> bool:
    if sha in named:
        deleted = named[sha]
        return deleted is not None and deleted < cutoff
    try:  # no row names it: aged by the file's last write
        written = dt.datetime.fromtimestamp(content.path(sha).stat().st_mtime, dt.UTC)
    except FileNotFoundError:
        return False
    return written < cutoff
