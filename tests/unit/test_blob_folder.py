"""The central store's blobs folder (``server.blob_files``): a batch's blobs written side by side, flushed,
put in place, their folders flushed; a failed write leaves nothing behind."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from sfa_desktop.server import blob_files
from sfa_desktop.server.blob_files import BlobFolder


def _blobs(count: int) -> dict[str, bytes]:
    datas = [os.urandom(1000 + n) for n in range(count)]
    return {hashlib.sha256(d).hexdigest(): d for d in datas}


def test_a_batch_is_written_whole_and_flushed_files_and_folders(tmp_path: Path, monkeypatch) -> None:
    flushed: list[str] = []
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        flushed.append(os.readlink(f"/proc/self/fd/{fd}"))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "fdatasync", fsync, raising=False)
    folder = BlobFolder(tmp_path / "blobs")
    blobs = _blobs(5)
    folder.put_all({sha: memoryview(data) for sha, data in blobs.items()})
    for sha, data in blobs.items():
        assert folder.final(sha).read_bytes() == data
    assert not list((tmp_path / "blobs" / "partial").iterdir())
    # every file was flushed (under its temporary name), then every folder that names one
    assert sum("/partial/" in f for f in flushed) == 5
    assert {str(folder.final(sha).parent) for sha in blobs} <= set(flushed)


def test_a_failed_write_leaves_no_file_of_the_batch(tmp_path: Path, monkeypatch) -> None:
    folder = BlobFolder(tmp_path / "blobs")
    blobs = _blobs(4)
    broken = sorted(blobs)[2]
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        if os.readlink(f"/proc/self/fd/{fd}").rsplit("/", 1)[-1].startswith(f".{broken}"):
            raise OSError(28, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "fdatasync", fsync, raising=False)
    with pytest.raises(OSError, match="No space"):
        folder.put_all(blobs)
    assert not [p for p in (tmp_path / "blobs").rglob("*") if p.is_file()]


def test_side_by_side_finishes_every_item_before_raising_the_first_failure() -> None:
    done: list[int] = []

    def work(n: int) -> int:
        if n == 1:
            raise ValueError("one")
        done.append(n)
        return n * 2

    assert blob_files.side_by_side(lambda n: n * 2, [1, 2, 3]) == [2, 4, 6]
    with pytest.raises(ValueError, match="one"):
        blob_files.side_by_side(work, [0, 1, 2, 3])
    assert sorted(done) == [0, 2, 3]


def test_a_batch_body_is_split_into_its_blobs_across_the_pieces_it_arrived_in() -> None:
    from sfa_desktop.protocol.messages import BadMessage
    from sfa_desktop.server.app import _split

    blobs = [os.urandom(n) for n in (5, 70_000, 1, 40_000)]
    body = b"".join(blobs)
    pieces = [body[:3], body[3:65_536], body[65_536:65_540], body[65_540:]]  # boundaries inside blobs
    manifest = [(hashlib.sha256(b).hexdigest(), len(b)) for b in blobs]
    split = _split(manifest, pieces)
    assert [sha for sha, _content in split] == [sha for sha, _size in manifest]
    for (sha, content), data in zip(split, blobs, strict=True):
        assert b"".join(blob_files.pieces_of(content)) == data
        assert blob_files.sha256_of(content) == sha
        assert blob_files.size_of(content) == len(data)
    with pytest.raises(BadMessage, match="do not add up"):
        _split(manifest, pieces[:-1])
