"""Removing attachments' bytes nobody names any more from the central store (``sfa central purge-blobs``).

A blob (``server.blobs``) is kept while a live attachment names its hash.  When the last one is deleted the
bytes stay for a grace period (30 days by default): a laptop that restores the attachment within it (an undo,
a restored visit report) still finds them, and the same photo attached again costs no upload.  After it,
``purge`` removes the blob's row and its chunks (or, with ``--blobs DIR``, its file); an upload never
finished is removed once it is older than the grace period too (the laptop whose attachment still names it
starts that upload again at its next sync).  "Deleted since" is the attachment's ``deleted_at`` on the
central store; once the tombstone itself is purged (``sfa central purge``, 90 days) no attachment names the
hash at all and the blob's own age counts.  The table store keeps no time per chunk, so an unfinished upload
is aged from when it started; the folder store ages it from its file's last write.

Rows are removed in the admin's transaction; on PostgreSQL as an administrator's role (revision c0709
gives it a policy to see and delete every blob) or a role that bypasses row-level security (the blobs'
policies show a blob to anyone else only while a live attachment they see names it, so an orphan is
invisible to reps and managers and none of theirs may delete one: :func:`_require_purger` refuses rather
than find nothing).  sfa-server's maintenance job (``server.upkeep``) runs it too.  Files go only after that
transaction committed (:func:`remove_files`), so a purge that fails leaves no row without its bytes.
Removing a file is enough to make the bytes unreadable through the store; the folder holds them as the
server wrote them (unencrypted): the disk's own encryption protects what a deleted file leaves on the
medium.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sqlalchemy import Connection, Engine, and_, delete, exists, not_, or_, select, text

from sfa_desktop.core.records.models import utcnow
from sfa_desktop.protocol.errors import CentralError
from sfa_desktop.server import central, schema
from sfa_desktop.server.blob_files import BlobFolder

#: Days the bytes of a deleted attachment are kept (and an unfinished upload waits).
GRACE_DAYS = 30
_ATTACHMENTS = schema.SYNCED["attachments"]
_BLOBS = schema.blobs
_CHUNKS = schema.blob_chunks
_CHUNK = 500
MB = 1024 * 1024


@dataclass
class Purged:
    days: int
    #: (hash, bytes) of the blobs whose rows were removed: complete ones, and unfinished uploads
    blobs: list[tuple[str, int]] = field(default_factory=list)
    unfinished: list[tuple[str, int]] = field(default_factory=list)
    #: files of the folder that no row names (left by an interrupted write), removed
    strays: int = 0
    stray_bytes: int = 0

    @property
    def count(self) -> int:
        return len(self.blobs) + len(self.unfinished) + self.strays

    @property
    def bytes(self) -> int:
        return sum(n for _sha, n in self.blobs) + sum(n for _sha, n in self.unfinished) + self.stray_bytes

    def hashes(self) -> list[str]:
        return [sha for sha, _n in (*self.blobs, *self.unfinished)]

    def describe(self) -> str:
        if not self.count:
            return (
                f"No attachment bytes to remove: every blob is named by a live attachment, or was let go "
                f"less than {self.days} days ago."
            )
        parts = [f"{len(self.blobs)} blobs no attachment names"] if self.blobs else []
        if self.unfinished:
            parts.append(f"{len(self.unfinished)} unfinished uploads")
        if self.strays:
            parts.append(f"{self.strays} stray files")
        return f"Removed {', '.join(parts)} older than {self.days} days: {self.bytes / MB:.1f} MB."


def cutoff_of(now: dt.datetime, days: int) -> dt.datetime:
    return now - dt.timedelta(days=days)


def purge(cc: Connection, *, days: int = GRACE_DAYS, now: dt.datetime, keep: Iterable[str] = ()) -> Purged:
    """Remove, in the caller's transaction, the rows and chunks of the blobs no attachment has named for
    ``days`` days, and of the uploads unfinished for as long, except ``keep`` (see the module's docstring).
    The folder's files go after the commit: :func:`remove_files`."""
    if days < 0:
        raise ValueError("days must not be negative")
    _require_purger(cc)
    cutoff = cutoff_of(now, days)
    a = _ATTACHMENTS
    named = exists().where(
        a.c.sha256 == _BLOBS.c.sha256, or_(a.c.deleted_at.is_(None), a.c.deleted_at >= cutoff)
    )
    old = _BLOBS.c.created_at < cutoff
    condition = or_(and_(old, not_(named)), and_(old, not_(_BLOBS.c.complete)))
    kept = sorted(set(keep))
    if kept:
        condition = and_(condition, _BLOBS.c.sha256.not_in(kept))
    done = Purged(days)
    # the condition is checked again by the DELETE itself, row by row (an attachment that names the hash
    # again since it was read keeps it); a row an upload holds is waited for
    gone = cc.execute(
        delete(_BLOBS)
        .where(condition)
        .returning(_BLOBS.c.sha256, _BLOBS.c.size_bytes, _BLOBS.c.received_bytes, _BLOBS.c.complete)
    ).all()
    for sha, size, received, complete in sorted(gone):
        if complete:
            done.blobs.append((str(sha), int(size)))
        else:
            done.unfinished.append((str(sha), int(received)))
    hashes = done.hashes()
    for start in range(0, len(hashes), _CHUNK):
        cc.execute(delete(_CHUNKS).where(_CHUNKS.c.sha256.in_(hashes[start : start + _CHUNK])))
    return done


def _require_purger(cc: Connection) -> None:
    """On PostgreSQL the blobs' row-level security shows an orphan blob, and lets it be deleted, only to an
    active administrator's role (c0709) or a role that bypasses row-level security (the store's superuser,
    or one with BYPASSRLS); to anyone else it is invisible, so the purge is refused rather than find
    nothing."""
    if cc.dialect.name != "postgresql":
        return

    def ask(query: str) -> bool:
        return bool(cc.execute(text(query)).scalar())

    # the server's own login may not even call sfa_is_admin(): asked only of a role that may
    allowed = ask("SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user") or (
        ask("SELECT has_function_privilege('sfa_is_admin()', 'EXECUTE')") and ask("SELECT sfa_is_admin()")
    )
    if not allowed:
        user = cc.execute(text("SELECT current_user")).scalar()
        raise CentralError(
            f"Purging blobs needs an administrator: the database role '{user}' is no active administrator "
            "of the store (nor a role that bypasses row-level security), and to it a blob no live attachment "
            "names is invisible. Give --url with an administrator's login role; nothing was removed."
        )


def busy_uploads(cc: Connection, folder: BlobFolder, *, days: int = GRACE_DAYS, now: dt.datetime) -> set[str]:
    """The unfinished uploads whose partial file was written within the last ``days`` days: still being
    sent, so :func:`purge` keeps them (``keep``) however long ago they started."""
    cutoff = cutoff_of(now, days).timestamp()
    busy: set[str] = set()
    for (sha,) in cc.execute(select(_BLOBS.c.sha256).where(not_(_BLOBS.c.complete))):
        try:
            if folder.partial(str(sha)).stat().st_mtime >= cutoff:
                busy.add(str(sha))
        except FileNotFoundError:
            continue
    return busy


def remove_files(folder: BlobFolder, hashes: Iterable[str]) -> None:
    """Unlink the files of purged blobs (after the purge's transaction committed)."""
    for sha in hashes:
        folder.final(sha).unlink(missing_ok=True)
        folder.drop_partial(sha)


def remove_strays(cc: Connection, folder: BlobFolder, done: Purged, *, now: dt.datetime) -> None:
    """Unlink the folder's files that belong to no blob row (a write cut short, a partial file left beside
    a finished blob) and were last written before the grace period; counted into ``done``."""
    cutoff = cutoff_of(now, done.days).timestamp()
    rows = {
        str(sha): bool(complete) for sha, complete in cc.execute(select(_BLOBS.c.sha256, _BLOBS.c.complete))
    }
    partial = folder.root / "partial"
    for path in sorted(folder.root.rglob("*")):
        if not path.is_file():
            continue
        if path.parent == partial:
            if rows.get(path.name) is False:
                continue  # an upload in progress: purge() judges it
        elif path.name in rows:
            continue  # a blob's bytes
        try:
            stat = path.stat()
        except FileNotFoundError:
            continue
        if stat.st_mtime >= cutoff:
            continue
        path.unlink(missing_ok=True)
        done.strays += 1
        done.stray_bytes += stat.st_size


def run(
    engine: Engine,
    *,
    days: int = GRACE_DAYS,
    folder: BlobFolder | None = None,
    role: Callable[[Connection], None] | None = None,
) -> Purged:
    """The whole purge (``sfa central purge-blobs``, sfa-server's upkeep): the rows in one transaction, then
    the files of a folder store and its strays.  ``role``: called first in each transaction (sfa-server
    acting as an administrator: ``roles.act_as``)."""
    with central.central_transaction(engine) as cc:
        if role is not None:
            role(cc)
        central.check_compatible(cc)
        now = utcnow()
        keep = busy_uploads(cc, folder, days=days, now=now) if folder is not None else set()
        done = purge(cc, days=days, now=now, keep=keep)
    if folder is not None:
        remove_files(folder, done.hashes())
        with central.central_transaction(engine) as cc:
            if role is not None:
                role(cc)
            remove_strays(cc, folder, done, now=now)
    return done
