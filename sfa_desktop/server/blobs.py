"""The attachments' bytes in the central store: content-addressed blobs, uploaded in chunks and resumed.

A blob is read and written by whoever sees a live attachment naming its hash (``core.access.may_use_blob``,
checked here for every request; on PostgreSQL the policies of ``blobs`` and ``blob_chunks`` say the same, as
a second line).  A laptop pushes the attachment's record first, then its bytes: the same content uploaded
again (by anyone, for any record) is already complete and costs one status request.

Chunks arrive in order: one at another offset than what the store holds is not written and the answer says
where to go on from, so a retried chunk whose answer was lost is harmless.  ``finalize`` hashes what arrived;
bytes that do not match their hash are dropped and the upload starts again.  A blob sent whole in one chunk
(a photo, with the default chunk size) is hashed as it arrives and is complete at once; several of them
go in one request and one transaction (``put_many``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from sfa_desktop.core import access
from sfa_desktop.core.access import Identity
from sfa_desktop.core.records.models import utcnow
from sfa_desktop.protocol.blobs import MAX_CHUNK, BatchAnswer, BlobState
from sfa_desktop.protocol.errors import CentralError
from sfa_desktop.server import schema
from sfa_desktop.server.blob_files import BlobFolder, Content, pieces_of, sha256_of, side_by_side, size_of

_ATTACHMENTS = schema.SYNCED["attachments"]
_BLOBS = schema.blobs
_CHUNKS = schema.blob_chunks
MISMATCH = "The uploaded bytes do not match their hash; they were dropped and will be sent again."


def _readers(cc: Connection, hashes: Iterable[str]) -> dict[str, list[tuple[str | None, str | None]]]:
    wanted = list(hashes)
    found: dict[str, list[tuple[str | None, str | None]]] = {}
    for start in range(0, len(wanted), 500):
        rows = cc.execute(
            select(_ATTACHMENTS.c.sha256, _ATTACHMENTS.c.territory_id, _ATTACHMENTS.c.owner_id).where(
                _ATTACHMENTS.c.sha256.in_(wanted[start : start + 500]), _ATTACHMENTS.c.deleted_at.is_(None)
            )
        )
        for sha, territory_id, owner_id in rows:
            found.setdefault(sha, []).append((territory_id, owner_id))
    return found


def visible(cc: Connection, identity: Identity, hashes: Iterable[str]) -> set[str]:
    """The hashes this user may read and upload."""
    return {sha for sha, refs in _readers(cc, hashes).items() if access.may_use_blob(identity, refs)}


NOT_SEEN = (
    "No attachment you may see has this content: it cannot be read or uploaded by you (push the "
    "attachment's record first, or ask who shared it)."
)


def _require(cc: Connection, identity: Identity, sha: str) -> None:
    if sha not in visible(cc, identity, [sha]):
        raise CentralError(NOT_SEEN)


def _state(cc: Connection, sha: str, *, lock: bool = False) -> BlobState | None:
    query = select(_BLOBS.c.size_bytes, _BLOBS.c.received_bytes, _BLOBS.c.complete).where(
        _BLOBS.c.sha256 == sha
    )
    if lock and cc.dialect.name == "postgresql":
        query = query.with_for_update()
    row = cc.execute(query).first()
    return None if row is None else BlobState(int(row[0]), int(row[1]), bool(row[2]))


def status(cc: Connection, identity: Identity, hashes: Iterable[str]) -> dict[str, BlobState]:
    seen = visible(cc, identity, hashes)
    if not seen:
        return {}
    rows = cc.execute(
        select(_BLOBS.c.sha256, _BLOBS.c.size_bytes, _BLOBS.c.received_bytes, _BLOBS.c.complete).where(
            _BLOBS.c.sha256.in_(sorted(seen))
        )
    )
    return {r[0]: BlobState(int(r[1]), int(r[2]), bool(r[3])) for r in rows}


def put_chunk(
    cc: Connection,
    identity: Identity,
    sha: str,
    offset: int,
    size: int,
    data: bytes,
    folder: BlobFolder | None = None,
) -> BlobState:
    """Write one chunk at ``offset`` of a blob of ``size`` bytes (see the module's docstring)."""
    if len(data) > MAX_CHUNK:
        raise CentralError(f"A chunk is at most {MAX_CHUNK // 1024 // 1024} MB.")
    if not data or offset + len(data) > size:
        raise CentralError("The chunk is empty or goes past the blob's size.")
    _require(cc, identity, sha)
    whole = offset == 0 and len(data) == size
    if whole and hashlib.sha256(data).hexdigest() != sha:
        raise CentralError(MISMATCH)  # nothing was written: the laptop sends it again
    if whole and _write_new(cc, identity, {sha: data}, folder):
        return BlobState(size, size, True)
    state = _state(cc, sha)
    if state is not None and state.complete:
        return state
    if state is None:
        if offset != 0:
            return BlobState(size, 0, False)
        cc.execute(
            insert(_BLOBS).values(
                sha256=sha,
                size_bytes=size,
                received_bytes=0,
                complete=False,
                created_by=identity.login,
                created_at=utcnow(),
            )
        )
        state = BlobState(size, 0, False)
    else:
        state = _state(cc, sha, lock=True) or state
        if state.complete:
            return state
    if state.size != size:
        raise CentralError(f"This content was announced as {state.size} bytes, not {size}.")
    if offset != state.received:
        return state
    if folder is None:
        cc.execute(insert(_CHUNKS).values(sha256=sha, offset=offset, data=data))
    elif whole:
        folder.put_whole(sha, data)
    else:
        folder.write_chunk(sha, offset, data)
    received = offset + len(data)
    # a blob sent in one chunk is checked here, in memory: it is complete without a finalize
    done = {"complete": True, "completed_at": utcnow()} if whole else {}
    cc.execute(update(_BLOBS).where(_BLOBS.c.sha256 == sha).values(received_bytes=received, **done))
    return BlobState(size, received, whole)


def _write_new(
    cc: Connection, identity: Identity, fresh: dict[str, Content], folder: BlobFolder | None
) -> set[str]:
    """Blobs the store has never seen, whole and checked against their hashes: their rows made, their
    bytes written, the rows completed; the hashes written (one whose row exists already, because another
    upload came first, is left alone for the caller)."""
    now = utcnow()
    insert_new = sqlite_insert if cc.dialect.name == "sqlite" else postgresql_insert
    claimed = set(
        cc.execute(
            insert_new(_BLOBS)
            .values(
                [
                    # made open (the store's policies say a blob starts so), completed below
                    {
                        "sha256": sha,
                        "size_bytes": size_of(data),
                        "received_bytes": 0,
                        "complete": False,
                        "created_by": identity.login,
                        "created_at": now,
                    }
                    for sha, data in fresh.items()
                ]
            )
            .on_conflict_do_nothing(index_elements=[_BLOBS.c.sha256])
            .returning(_BLOBS.c.sha256)
        ).scalars()
    )
    if claimed and folder is None:
        cc.execute(
            insert(_CHUNKS),
            [{"sha256": sha, "offset": 0, "data": b"".join(pieces_of(fresh[sha]))} for sha in claimed],
        )
    elif claimed and folder is not None:
        # the rows commit after the files are in place: a failed write leaves no row saying complete
        folder.put_all({sha: fresh[sha] for sha in claimed})
    if claimed:
        cc.execute(
            update(_BLOBS)
            .where(_BLOBS.c.sha256.in_(sorted(claimed)))
            .values(received_bytes=_BLOBS.c.size_bytes, complete=True, completed_at=now)
        )
    return claimed


def put_many(
    cc: Connection,
    identity: Identity,
    blobs: Sequence[tuple[str, Content]],
    folder: BlobFolder | None = None,
) -> BatchAnswer:
    """Several small blobs sent whole in one request, (hash, bytes):
    one rights check, one statement making their rows, one completing them.  A blob this user may not
    see, or whose bytes do not match its hash, is refused alone (``problems``); a blob whose row exists
    already (complete, or partly uploaded by someone) is answered with its state and not written."""
    problems: dict[str, str] = {}
    seen = visible(cc, identity, [sha for sha, _data in blobs])
    mine = [(sha, data) for sha, data in blobs if sha in seen]
    problems.update((sha, NOT_SEEN) for sha, _data in blobs if sha not in seen)
    fresh: dict[str, Content] = {}
    # hashed side by side (a batch is several photos; SHA-256 lets go of the GIL)
    for (sha, data), digest in zip(mine, side_by_side(sha256_of, [data for _sha, data in mine]), strict=True):
        if digest != sha:
            problems[sha] = MISMATCH
        else:
            fresh[sha] = data
    if not fresh:
        return BatchAnswer({}, problems)
    claimed = _write_new(cc, identity, fresh, folder)
    states = {sha: BlobState(size_of(fresh[sha]), size_of(fresh[sha]), True) for sha in claimed}
    others = sorted(set(fresh) - claimed)
    if others:
        rows = cc.execute(
            select(_BLOBS.c.sha256, _BLOBS.c.size_bytes, _BLOBS.c.received_bytes, _BLOBS.c.complete).where(
                _BLOBS.c.sha256.in_(others)
            )
        )
        states.update({r[0]: BlobState(int(r[1]), int(r[2]), bool(r[3])) for r in rows})
    return BatchAnswer(states, problems)


def finalize(
    cc: Connection, identity: Identity, sha: str, folder: BlobFolder | None = None
) -> tuple[BlobState, bool]:
    """Check the whole blob against its hash and mark it complete; (state, whether the bytes did not match:
    then they were dropped, and the caller says so once this is committed)."""
    _require(cc, identity, sha)
    state = _state(cc, sha, lock=True)
    if state is None:
        return BlobState(0, 0, False), False
    if state.complete or state.received < state.size:
        return state, False
    if folder is not None:
        matches = folder.finish(sha)
    else:
        digest = hashlib.sha256()
        for (data,) in cc.execute(
            select(_CHUNKS.c.data).where(_CHUNKS.c.sha256 == sha).order_by(_CHUNKS.c.offset)
        ):
            digest.update(data)
        matches = digest.hexdigest() == sha
    if not matches:
        cc.execute(delete(_CHUNKS).where(_CHUNKS.c.sha256 == sha))
        cc.execute(update(_BLOBS).where(_BLOBS.c.sha256 == sha).values(received_bytes=0))
        return BlobState(state.size, 0, False), True
    cc.execute(update(_BLOBS).where(_BLOBS.c.sha256 == sha).values(complete=True, completed_at=utcnow()))
    return BlobState(state.size, state.size, True), False


def read(
    cc: Connection, identity: Identity, sha: str, offset: int = 0, folder: BlobFolder | None = None
) -> bytes:
    """The blob's bytes from ``offset``; a blob not yet complete on the store cannot be read."""
    _require(cc, identity, sha)
    state = _state(cc, sha)
    if state is None or not state.complete:
        raise CentralError(
            "This attachment's bytes have not reached the central store yet (the laptop that added it has "
            "not finished uploading); try again after its next sync."
        )
    if folder is not None and folder.final(sha).is_file():
        return folder.read(sha, offset)
    rows = cc.execute(
        select(_CHUNKS.c.offset, _CHUNKS.c.data).where(_CHUNKS.c.sha256 == sha).order_by(_CHUNKS.c.offset)
    )
    parts, held = [], 0
    for start, data in rows:
        held += len(data)
        end = start + len(data)
        if end <= offset:
            continue
        parts.append(bytes(data[max(offset - start, 0) :]))
    if held != state.size:  # complete, and its bytes are neither in the folder nor in the table
        raise CentralError(
            "The central store says this attachment's bytes arrived, but this server cannot find them"
            + (
                f" in its blobs folder ({folder.root}): every sfa-server of the company must be given "
                "the same --blobs folder (shared storage)."
                if folder is not None
                else ": it was started without the --blobs folder they were written to; start it with that "
                "folder (--blobs)."
            )
        )
    return b"".join(parts)
