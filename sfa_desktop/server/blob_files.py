"""Where the central store keeps attachments' bytes when sfa-server is given a folder (``--blobs DIR``).

By default the bytes live in the store's ``blob_chunks`` table (one place to back up, nothing else to share
between servers).  A company whose laptops send many photos gives the servers a folder instead (on shared
storage when several servers run): the database then holds each blob's row only (size, progress, who may
read it: the same checks and row-level security), and the bytes are files, ``ab/abcdef...`` by hash, written
at a fraction of the database's cost.  An upload in progress is ``partial/<hash>``, written at the offsets
the ``blobs`` row allows (the row is locked while a chunk is written); it is renamed into place once its
hash checks out.

A file is flushed before its row says complete, and so is the folder naming it once it is in place (a crash
after the commit must not lose the rename).  The blobs of a batch are written side by side by a few threads
(``io_pool``): a disk takes several flushes at once, and the store answers the laptop sooner.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import threading
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

#: A blob's bytes: whole, or the pieces of a request's body they arrived in (not joined into one buffer: a
#: photo's bytes are copied once less on their way to the disk).
Content = bytes | memoryview | tuple[bytes | memoryview, ...]


def pieces_of(content: Content) -> tuple[bytes | memoryview, ...]:
    return content if isinstance(content, tuple) else (content,)


def size_of(content: Content) -> int:
    return sum(len(piece) for piece in pieces_of(content))


def sha256_of(content: Content) -> str:
    digest = hashlib.sha256()
    for piece in pieces_of(content):
        digest.update(piece)
    return digest.hexdigest()


_T = TypeVar("_T")
_R = TypeVar("_R")
#: Threads a server process hashes and writes blobs with (SHA-256 and file writes let go of the GIL).
IO_THREADS = 4
_pool: list[ThreadPoolExecutor] = []  # made on first use, in the process that uses it
_pool_lock = threading.Lock()


def io_pool() -> ThreadPoolExecutor:
    with _pool_lock:
        if not _pool:
            _pool.append(ThreadPoolExecutor(max_workers=IO_THREADS, thread_name_prefix="sfa-blob-io"))
        return _pool[0]


def side_by_side(work: Callable[[_T], _R], items: Iterable[_T]) -> list[_R]:
    """``work`` on every item in ``io_pool``'s threads, the results in order; every item is done (or has
    failed) before the first failure is raised, so the caller can clean up after all of them."""
    items = list(items)
    if len(items) < 2:
        return [work(item) for item in items]
    futures: list[Future[_R]] = [io_pool().submit(work, item) for item in items]
    failures = [f.exception() for f in futures]
    for failure in failures:
        if failure is not None:
            raise failure
    return [f.result() for f in futures]


def _flush_data(fd: int) -> None:
    """A new file's bytes (and its size, which reading them needs) to the disk: fdatasync (fsync where
    there is none) leaves out the times a file's other metadata holds."""
    flush = getattr(os, "fdatasync", os.fsync)
    flush(fd)


def _flush_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable (POSIX; where a folder cannot be opened, nothing to do)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # a file system that cannot flush a folder (some network ones); the files are flushed
    finally:
        os.close(fd)


class BlobFolder:
    def __init__(self, root: Path) -> None:
        self.root = root
        (root / "partial").mkdir(parents=True, exist_ok=True)

    def final(self, sha: str) -> Path:
        return self.root / sha[:2] / sha

    def partial(self, sha: str) -> Path:
        return self.root / "partial" / sha

    def _move(self, sha: str, source: Path) -> Path:
        target = self.final(sha)
        target.parent.mkdir(exist_ok=True)
        os.replace(source, target)
        return target.parent

    def _place(self, sha: str, source: Path) -> None:
        _flush_folder(self._move(sha, source))

    def put_whole(self, sha: str, data: Content) -> None:
        """A blob sent in one piece (already checked against its hash): written, flushed, put in place."""
        self.put_all({sha: data})

    def put_all(self, blobs: Mapping[str, Content]) -> None:
        """Blobs sent whole (already checked against their hashes), written and flushed side by side, put
        in place, their folders flushed: when this returns, all of them are on disk; when it raises, none
        is left half-written (a blob put in place before the failure is whole, its row not yet complete)."""
        temporaries = {sha: self.root / "partial" / f".{sha}.{secrets.token_hex(4)}" for sha in blobs}

        def write(sha: str) -> None:
            with temporaries[sha].open("wb") as fh:
                for piece in pieces_of(blobs[sha]):
                    fh.write(piece)
                fh.flush()
                _flush_data(fh.fileno())

        try:
            side_by_side(write, list(blobs))
        except BaseException:
            for temporary in temporaries.values():
                temporary.unlink(missing_ok=True)
            raise
        folders = {self._move(sha, temporary) for sha, temporary in temporaries.items()}
        side_by_side(_flush_folder, sorted(folders))

    def write_chunk(self, sha: str, offset: int, data: bytes) -> None:
        path = self.partial(sha)
        with path.open("r+b" if path.exists() else "wb") as fh:
            fh.seek(offset)
            fh.write(data)
            fh.truncate(offset + len(data))
            fh.flush()
            os.fsync(fh.fileno())

    def finish(self, sha: str) -> bool:
        """Check the partial upload against its hash: put in place (True), or dropped (False)."""
        path = self.partial(sha)
        digest = hashlib.sha256()
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        if digest.hexdigest() != sha:
            path.unlink()
            return False
        self._place(sha, path)
        return True

    def drop_partial(self, sha: str) -> None:
        self.partial(sha).unlink(missing_ok=True)

    def read(self, sha: str, offset: int = 0) -> bytes:
        with self.final(sha).open("rb") as fh:
            fh.seek(offset)
            return fh.read()
