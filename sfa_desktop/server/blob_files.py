"""Where the central store keeps attachments' bytes when sfa-server is given a folder (``--blobs DIR``).

By default the bytes live in the store's ``blob_chunks`` table (one place to back up, nothing else to share
between servers).  A company whose laptops send many photos gives the servers a folder instead (on shared
storage when several servers run): the database then holds each blob's row only (size, progress, who may
read it: the same checks and row-level security), and the bytes are files, ``ab/abcdef...`` by hash, written
at a fraction of the database's cost.  An upload in progress is ``partial/<hash>``, written at the offsets
the ``blobs`` row allows (the row is locked while a chunk is written); it is renamed into place once its
hash checks out.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path


class BlobFolder:
    def __init__(self, root: Path) -> None:
        self.root = root
        (root / "partial").mkdir(parents=True, exist_ok=True)

    def final(self, sha: str) -> Path:
        return self.root / sha[:2] / sha

    def partial(self, sha: str) -> Path:
        return self.root / "partial" / sha

    def _place(self, sha: str, source: Path) -> None:
        target = self.final(sha)
        target.parent.mkdir(exist_ok=True)
        os.replace(source, target)

    def put_whole(self, sha: str, data: bytes | memoryview) -> None:
        """A blob sent in one piece (already checked against its hash): written, flushed, put in place."""
        temporary = self.root / "partial" / f".{sha}.{secrets.token_hex(4)}"
        with temporary.open("wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        self._place(sha, temporary)

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
