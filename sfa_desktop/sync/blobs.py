"""The attachments' bytes between this laptop and the central store (``protocol.blobs``).

After a sync's records are pushed and pulled, the bytes of the attachments made here go up in chunks, in
the time left (``upload_pending``): the records never wait for them.  What the server already holds is asked
first (the same content uploaded by anyone costs nothing); blobs small enough to go whole (photos) go
several to a request (``_batches``: one sign-in and one transaction on the server for up to 16 MB), bigger
ones in chunks; an upload cut short resumes from the last chunk the server confirmed, and each blob ends
with the server's hash check.  ``blob_transfers`` notes how far each
one came, so ``sfa attachments list`` can say what waits.  Bytes of attachments made on other laptops are
fetched on demand (``fetch``), when someone opens one.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from sqlalchemy import Connection, text

from sfa_desktop.core.records.models import utcnow
from sfa_desktop.protocol.blobs import CHUNK, MAX_BATCH, MAX_BATCH_BLOBS, BatchAnswer, BlobState
from sfa_desktop.protocol.errors import CentralError, Unreachable
from sfa_desktop.store import capture
from sfa_desktop.store.attachments import ContentStore
from sfa_desktop.store.database import LocalStore

#: Blobs uploaded at once.
PARALLEL = 3


@runtime_checkable
class BlobLink(Protocol):
    def blob_status(self, hashes: Sequence[str]) -> dict[str, BlobState]: ...

    def blob_put(self, sha: str, offset: int, size: int, data: bytes) -> BlobState: ...

    def blob_put_many(self, items: Sequence[tuple[str, bytes]]) -> BatchAnswer: ...

    def blob_finalize(self, sha: str) -> BlobState: ...

    def blob_get(self, sha: str, offset: int = 0) -> bytes: ...


@dataclass
class UploadReport:
    uploaded: int = 0
    sent_bytes: int = 0
    #: already on the central store (sent by someone before): nothing to send
    known: int = 0
    waiting: int = 0
    problem: str | None = None


def _no_fault(point: str) -> None:
    pass


def pending(conn: Connection) -> list[tuple[str, int]]:
    """(hash, size) of the live attachments whose bytes are not known to be on the central store, their
    records already pushed (the server accepts bytes only for a record it holds)."""
    rows = conn.execute(
        text(
            "SELECT a.id, a.sha256, max(a.size_bytes) FROM attachments a "
            "LEFT JOIN blob_transfers t ON t.sha256 = a.sha256 "
            "WHERE a.deleted_at IS NULL AND t.uploaded_at IS NULL "
            "GROUP BY a.sha256 ORDER BY min(a.created_at), a.sha256"
        )
    ).all()
    unsent = capture.unsent_record_ids(conn, "attachments", [r[0] for r in rows])
    return [(str(r[1]), int(r[2])) for r in rows if r[0] not in unsent]


def _note(
    conn: Connection, sha: str, size: int, sent: int, *, done: bool, problem: str | None = None
) -> None:
    conn.execute(
        text(
            "INSERT INTO blob_transfers (sha256, size_bytes, sent_bytes, uploaded_at, problem) "
            "VALUES (:sha, :size, :sent, :done, :problem) ON CONFLICT (sha256) DO UPDATE SET "
            "sent_bytes = excluded.sent_bytes, uploaded_at = excluded.uploaded_at, problem = excluded.problem"
        ),
        {
            "sha": sha,
            "size": size,
            "sent": sent,
            "done": utcnow().replace(tzinfo=None).isoformat(sep=" ") if done else None,
            "problem": problem,
        },
    )


class _Finished:
    """Blobs the server holds whole, noted in ``blob_transfers`` a batch at a time (one local transaction a
    second, not one per photo); a batch lost with the process costs one status request at the next sync."""

    EVERY = 1.0

    def __init__(self, store: LocalStore) -> None:
        self.store = store
        self.lock = threading.Lock()
        self.waiting: list[tuple[str, int]] = []
        self.since = time.monotonic()

    def add(self, sha: str, size: int) -> None:
        with self.lock:
            self.waiting.append((sha, size))
            due = time.monotonic() - self.since >= self.EVERY
        if due:
            self.flush()

    def flush(self) -> None:
        with self.lock:
            batch, self.waiting = self.waiting, []
            self.since = time.monotonic()
        if batch:
            with self.store.engine.begin() as conn:
                for sha, size in batch:
                    _note(conn, sha, size, size, done=True)


def _batchable(blob: tuple[str, int], states: dict[str, BlobState], chunk: int) -> bool:
    """A blob sent whole in one chunk that the store has nothing of (a photo): it goes in a batch."""
    sha, size = blob
    return size <= min(chunk, MAX_BATCH) and sha not in states


def _batches(
    waiting: list[tuple[str, int]], states: dict[str, BlobState], chunk: int
) -> Iterator[list[tuple[str, int]]]:
    """The blobs in order, runs of batchable ones gathered up to ``MAX_BATCH`` bytes and ``MAX_BATCH_BLOBS``
    blobs a request; any other blob alone (sent in chunks, or resumed), in its place."""
    group: list[tuple[str, int]] = []
    for blob in waiting:
        if not _batchable(blob, states, chunk):
            if group:
                yield group
                group = []
            yield [blob]
            continue
        if group and (len(group) == MAX_BATCH_BLOBS or sum(s for _h, s in group) + blob[1] > MAX_BATCH):
            yield group
            group = []
        group.append(blob)
    if group:
        yield group


def upload_pending(
    store: LocalStore,
    link: BlobLink,
    *,
    seconds: float | None = None,
    chunk: int = CHUNK,
    parallel: int = PARALLEL,
    fault: Callable[[str], None] = _no_fault,
) -> UploadReport:
    """Send the bytes waiting, for at most ``seconds`` (None: until done), ``parallel`` blobs at a time (the
    laptop reads and decrypts one while the server stores another); see the module's docstring.
    Unreachable stops the round (the rest waits for the next sync); another refusal is noted on its blob
    and the next one goes on."""
    deadline = None if seconds is None else time.monotonic() + seconds
    content = ContentStore.of(store.path, store.key)
    report = UploadReport()
    with store.engine.connect() as conn:
        waiting = [(sha, size) for sha, size in pending(conn) if content.has(sha)]
    if not waiting:
        return report
    states = link.blob_status([sha for sha, _size in waiting])
    finished = _Finished(store)
    lock = threading.Lock()
    stop = threading.Event()
    unreachable: list[Unreachable] = []

    def one(sha: str, size: int) -> None:
        if stop.is_set() or (deadline is not None and time.monotonic() > deadline):
            with lock:
                report.waiting += 1
            return
        state = states.get(sha)
        if state is not None and state.complete:
            finished.add(sha, size)
            with lock:
                report.known += 1
            return
        try:
            sent = _upload(
                store, content, link, sha, size, state, chunk, deadline, fault, report, lock, finished
            )
        except Unreachable as exc:
            stop.set()
            with lock:
                report.waiting += 1
                unreachable.append(exc)
            return
        except CentralError as exc:
            with store.engine.begin() as conn:
                _note(conn, sha, size, 0, done=False, problem=str(exc))
            with lock:
                report.problem = str(exc)
            return
        with lock:
            if sent:
                report.uploaded += 1
            else:  # out of time mid-blob
                report.waiting += 1

    def many(group: list[tuple[str, int]]) -> None:
        if stop.is_set() or (deadline is not None and time.monotonic() > deadline):
            with lock:
                report.waiting += len(group)
            return
        try:
            answer = link.blob_put_many([(sha, content.get(sha, verify=False)) for sha, _size in group])
            fault("blob.chunk_sent")
        except Unreachable as exc:
            stop.set()
            with lock:
                report.waiting += len(group)
                unreachable.append(exc)
            return
        except CentralError as exc:
            answer = BatchAnswer({}, {sha: str(exc) for sha, _size in group})
        for sha, size in group:
            state = answer.states.get(sha)
            if sha in answer.problems:
                with store.engine.begin() as conn:
                    _note(conn, sha, size, 0, done=False, problem=answer.problems[sha])
                with lock:
                    report.problem = answer.problems[sha]
            elif state is not None and state.complete:
                finished.add(sha, size)
                with lock:
                    report.uploaded += 1
                    report.sent_bytes += size
            else:  # partly uploaded by another laptop meanwhile: go on from where the store is
                states[sha] = state or BlobState(size, 0, False)
                one(sha, size)

    tasks: list[Callable[[], None]] = []
    for group in _batches(waiting, states, chunk):
        if len(group) == 1 and not _batchable(group[0], states, chunk):
            tasks.append(functools.partial(one, *group[0]))
        else:
            tasks.append(functools.partial(many, group))
    try:
        if parallel <= 1:
            for task in tasks:
                task()
        else:
            with ThreadPoolExecutor(max_workers=parallel, thread_name_prefix="sfa-upload") as pool:
                for future in [pool.submit(task) for task in tasks]:
                    future.result()
    finally:
        finished.flush()
    if unreachable:
        raise unreachable[0]
    return report


def _upload(
    store: LocalStore,
    content: ContentStore,
    link: BlobLink,
    sha: str,
    size: int,
    state: BlobState | None,
    chunk: int,
    deadline: float | None,
    fault: Callable[[str], None],
    report: UploadReport,
    lock: threading.Lock,
    finished: _Finished,
) -> bool:
    data = content.get(sha, verify=False)  # the cipher's tag proves the bytes; the server checks the hash
    offset = state.received if state is not None and state.size == size else 0
    while offset < size:
        if deadline is not None and time.monotonic() > deadline:
            return False
        answer = link.blob_put(sha, offset, size, data[offset : offset + chunk])
        fault("blob.chunk_sent")
        if answer.complete:  # sent whole (checked on arrival), or someone else's upload finished meanwhile
            with lock:
                report.sent_bytes += size - offset
            finished.add(sha, size)
            return True
        with lock:
            report.sent_bytes += max(answer.received - offset, 0)
        offset = answer.received
        with store.engine.begin() as conn:
            _note(conn, sha, size, offset, done=False)
    final = link.blob_finalize(sha)
    with store.engine.begin() as conn:
        _note(conn, sha, size, final.received, done=final.complete)
    return final.complete


def fetch(store: LocalStore, link: BlobLink, sha: str) -> bytes:
    """The bytes of an attachment made elsewhere, from the central store, kept here (checked against the
    hash)."""
    data = link.blob_get(sha)
    ContentStore.of(store.path, store.key).put(data, sha)
    with store.engine.begin() as conn:
        _note(conn, sha, len(data), len(data), done=True)
    return data
