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
