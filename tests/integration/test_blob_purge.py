"""Attachments' bytes nobody names any more leave the central store after a grace period (``sfa central
purge-blobs``): on PostgreSQL's table store and in a server's folder; a blob still named by another live
attachment (the same photo attached twice) stays, the grace period is honoured, an unfinished upload goes
once it is older than the grace period and is sent again by the laptop that still names it."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from contextlib import nullcontext
from pathlib import Path

import pytest
from sqlalchemy import select, text, update

from sfa_desktop.cli import main
from sfa_desktop.core.records.models import utcnow
from sfa_desktop.ops import visits
from sfa_desktop.protocol.errors import CentralError
from sfa_desktop.server import blob_purge, central, schema
from sfa_desktop.server.blob_files import BlobFolder
from sfa_desktop.store import attachment_purge
from tests.integration.sync_harness import Laptop, World, world_fixture
from tests.integration.test_sync_attachments import CutAfter

CHUNK = 64 * 1024
DAY = dt.timedelta(days=1)


@pytest.fixture
def pg_world(pg_url: str, tmp_path: Path) -> Iterator[World]:
    yield from world_fixture("postgresql", tmp_path, pg_url)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    yield from world_fixture("sqlite", tmp_path, None)


def _visit(lap: Laptop, name: str) -> str:
    account = lap.create("accounts", {"name": name, "territory_id": lap.territory("NE")})
    return lap.create("activities", {"kind": "visit", "subject": f"Visit {name}", "account_id": account})


def _file(tmp_path: Path, name: str, size: int) -> Path:
    path = tmp_path / name
    path.write_bytes(os.urandom(size))
    return path


def _purge(world: World, now: dt.datetime) -> blob_purge.Purged:
    with central.central_transaction(world.central) as cc:
        return blob_purge.purge(cc, now=now)


def _hashes(world: World, *, complete: bool | None = None) -> set[str]:
    query = select(schema.blobs.c.sha256)
    if complete is not None:
        query = query.where(schema.blobs.c.complete.is_(complete))
    with world.central.connect() as cc:
        return {str(s) for (s,) in cc.execute(query)}


def _backdate(world: World, days: int) -> None:
    """As if the blobs were made, and the attachments deleted, ``days`` days earlier."""
    shift = dt.timedelta(days=days)
    blobs, attachments = schema.blobs, schema.SYNCED["attachments"]
    with central.central_transaction(world.central) as cc:
        for sha, created in cc.execute(select(blobs.c.sha256, blobs.c.created_at)).all():
            cc.execute(update(blobs).where(blobs.c.sha256 == sha).values(created_at=created - shift))
        rows = cc.execute(
            select(attachments.c.id, attachments.c.deleted_at).where(attachments.c.deleted_at.is_not(None))
        ).all()
        for record_id, deleted in rows:
            cc.execute(
                update(attachments).where(attachments.c.id == record_id).values(deleted_at=deleted - shift)
            )


def _age_file(path: Path, days: int) -> None:
    when = (dt.datetime.now() - dt.timedelta(days=days)).timestamp()
    os.utime(path, (when, when))


def test_orphan_blobs_leave_the_store_after_the_grace_and_shared_ones_stay(
    pg_world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = pg_world
    ann, mgr = world.laptop("ann"), world.laptop("mgr")
    first, second = _visit(ann, "Harbor Foods"), _visit(ann, "Delta Market")
    same = _file(tmp_path, "front.jpg", 5000)
    gone = _file(tmp_path, "shelf.jpg", 7000)
    big = _file(tmp_path, "aisle.jpg", 4 * CHUNK)
    twice = [visits.attach(ann.store, first, same), visits.attach(ann.store, second, same)]
    dropped = visits.attach(ann.store, first, gone)
    unfinished = visits.attach(ann.store, second, big)
    # the two small photos go in one request; the big photo's upload is cut after its second chunk and
    # never resumed
    ann.engine.blob_chunk, ann.engine.blob_parallel = CHUNK, 1
    ann.engine.fault = CutAfter(2)
    ann.sync()
    assert _hashes(world, complete=True) == {twice[0].sha256, dropped.sha256}
    assert _hashes(world, complete=False) == {unfinished.sha256}
    ann.engine.fault, ann.engine.blob_seconds = ann.faults, 0
    visits.remove_attachment(ann.store, twice[0].id)  # the same photo is still on the other visit
    visits.remove_attachment(ann.store, dropped.id)
    ann.sync()

    now = utcnow()
    for login in ("ann", "mgr"):  # to a rep's or a manager's role an orphan is invisible: refused
        with world.acting_as(login) as cc, pytest.raises(CentralError, match="needs an administrator"):
            blob_purge.purge(cc, now=now + 31 * DAY)
    assert _purge(world, now).count == 0
    within = _purge(world, now + 29 * DAY)  # a laptop may still restore the attachment
    assert within.count == 0
    assert "No attachment bytes to remove" in within.describe()
    done = _purge(world, now + 31 * DAY)
    assert done.blobs == [(dropped.sha256, 7000)]
    assert done.unfinished == [(unfinished.sha256, 2 * CHUNK)]
    assert "Removed 1 blobs no attachment names, 1 unfinished uploads older than 30 days" in done.describe()
    assert _hashes(world) == {twice[0].sha256}
    with world.central.connect() as cc:
        left = cc.execute(text("SELECT DISTINCT sha256 FROM blob_chunks")).scalars().all()
    assert left == [twice[0].sha256]
    with pytest.raises(CentralError, match="No attachment you may see"):
        ann.link.blob_get(dropped.sha256)

    # the photo attached twice still opens elsewhere; the unfinished upload is sent again, whole
    mgr.sync()
    _view, data = visits.attachment_bytes(mgr.store, twice[1].id, fetch=lambda _s: nullcontext(mgr.link))
    assert data == same.read_bytes()
    ann.engine.blob_seconds = None
    assert ann.sync().blobs.uploaded == 1
    assert ann.link.blob_get(unfinished.sha256) == big.read_bytes()

    # the laptop lets go of the deleted photo's bytes after a sync once the grace period is over
    content = visits.content_store(ann.store)
    assert ann.sync().let_go == 0
    assert content.has(dropped.sha256)
    monkeypatch.setattr(attachment_purge, "utcnow", lambda: now + 31 * DAY)
    assert ann.sync().let_go == 1
    assert not content.has(dropped.sha256)
    assert content.has(twice[1].sha256)  # the same photo, still on the other visit
    assert visits.attachment_bytes(ann.store, twice[1].id)[1] == same.read_bytes()
    assert content.has(unfinished.sha256)


def test_purge_blobs_on_a_folder_store_from_the_command_line(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = BlobFolder(tmp_path / "blobs")
    ann = world.laptop("ann")
    ann.service.blob_folder = folder
    ann.engine.blob_chunk = CHUNK
    visit = _visit(ann, "Harbor Foods")
    kept = visits.attach(ann.store, visit, _file(tmp_path, "kept.jpg", 3000))
    dropped = visits.attach(ann.store, visit, _file(tmp_path, "dropped.jpg", 2 * CHUNK + 10))
    slow = visits.attach(ann.store, visit, _file(tmp_path, "slow.jpg", 3 * CHUNK))
    ann.engine.blob_seconds = 0
    ann.sync()
    for view in (kept, dropped):
        ann.link.blob_put(view.sha256, 0, view.size_bytes, visits.content_store(ann.store).get(view.sha256))
    data = visits.content_store(ann.store).get(slow.sha256)
    ann.link.blob_put(slow.sha256, 0, slow.size_bytes, data[:CHUNK])  # an upload in progress
    assert folder.final(dropped.sha256).is_file()
    assert folder.partial(slow.sha256).is_file()
    visits.remove_attachment(ann.store, dropped.id)
    ann.sync()
    command = ["central", "purge-blobs", "--url", world.url, "--blobs", str(folder.root)]
    assert main(command) == 0
    assert "No attachment bytes to remove" in capsys.readouterr().out
    stray = folder.root / "partial" / f".{dropped.sha256}.0123abcd"  # a write cut short long ago
    stray.write_bytes(b"x" * 1000)
    _age_file(stray, 40)
    fresh = folder.root / "partial" / f".{kept.sha256}.4567cdef"  # one being written now
    fresh.write_bytes(b"y")
    _backdate(world, 40)
    assert main(command) == 0
    out = capsys.readouterr().out
    # the slow upload's file was written just now: it is still being sent
    assert "Removed 1 blobs no attachment names, 1 stray files older than 30 days: 0.1 MB." in out
    assert not folder.final(dropped.sha256).exists()
    assert folder.final(kept.sha256).read_bytes() == visits.content_store(ann.store).get(kept.sha256)
    assert folder.partial(slow.sha256).is_file()
    assert not stray.exists()
    assert fresh.exists()
    assert _hashes(world) == {kept.sha256, slow.sha256}

    _age_file(folder.partial(slow.sha256), 31)
    assert main([*command, "--older-than", "30"]) == 0
    assert "1 unfinished uploads" in capsys.readouterr().out
    assert not folder.partial(slow.sha256).exists()
    assert _hashes(world) == {kept.sha256}
    assert main([*command, "--older-than", "0"]) == 1  # refused: laptops restore within the grace
    assert "at least 1 day" in capsys.readouterr().err
