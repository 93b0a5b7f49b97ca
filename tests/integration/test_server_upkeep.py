"""sfa-server's upkeep against real stores: one run purges orphan blobs with the server's folder (SQLite
and PostgreSQL, where the server's own login acts as an administrator), a run finding the store's lock
taken (another server's run) is skipped, a store without an administrator is a logged failure, and a real
``sfa-server --workers 2`` on PostgreSQL purges once, shortly after it starts."""

from __future__ import annotations

import logging
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text, update

from sfa_desktop.ops import visits
from sfa_desktop.server import central, schema, upkeep
from sfa_desktop.server.blob_files import BlobFolder
from tests.integration.sync_harness import World, world_fixture
from tests.integration.test_blob_purge import _age_file, _backdate, _file, _hashes, _visit
from tests.integration.test_sync_http import ROOT, _env, _free_port, _wait_for


@pytest.fixture(params=["sqlite", "postgresql"])
def any_world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    pg = request.getfixturevalue("pg_url") if request.param == "postgresql" else None
    yield from world_fixture(request.param, tmp_path, pg)


@pytest.fixture
def pg_world(pg_url: str, tmp_path: Path) -> Iterator[World]:
    yield from world_fixture("postgresql", tmp_path, pg_url)


def _orphan_in_folder(world: World, tmp_path: Path, folder: BlobFolder) -> tuple[str, str]:
    """ann's two photos uploaded into ``folder``, one deleted 40 days ago: (orphan hash, live hash)."""
    ann = world.laptop("ann")
    ann.service.blob_folder = folder
    visit = _visit(ann, "Harbor Foods")
    live = visits.attach(ann.store, visit, _file(tmp_path, "front.jpg", 5000))
    dropped = visits.attach(ann.store, visit, _file(tmp_path, "shelf.jpg", 70_000))
    ann.sync()
    visits.remove_attachment(ann.store, dropped.id)
    ann.sync()
    _backdate(world, 40)
    assert folder.final(dropped.sha256).is_file()
    return dropped.sha256, live.sha256


def test_one_run_purges_with_the_servers_folder_and_logs_it(
    any_world: World, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    world = any_world
    folder = BlobFolder(tmp_path / "blobs")
    orphan, live = _orphan_in_folder(world, tmp_path, folder)
    stray = folder.root / "partial" / ".deadbeef.0001"
    stray.parent.mkdir(parents=True, exist_ok=True)
    stray.write_bytes(b"z" * 300)
    _age_file(stray, 40)
    engine = world.service_engine  # on PostgreSQL the server's own login, no privilege on the data
    with caplog.at_level(logging.INFO, logger=upkeep.__name__):
        outcome = upkeep.run_once(engine, folder=folder)
    assert outcome.purged is not None
    assert outcome.purged.blobs == [(orphan, 70_000)]
    assert outcome.purged.strays == 1
    assert outcome.acted_as == ("admin" if world.postgres else None)
    assert _hashes(world) == {live}
    assert not folder.final(orphan).exists()
    assert not stray.exists()
    assert folder.final(live).is_file()
    line = next(r.getMessage() for r in caplog.records if r.getMessage().startswith("upkeep:"))
    assert "Removed 1 blobs no attachment names, 1 stray files older than 30 days" in line
    assert "Freed 70300 bytes in" in line
    assert orphan[:12] in line
    again = upkeep.run_once(engine, folder=folder)
    assert again.purged is not None
    assert again.purged.count == 0


def test_a_run_is_skipped_while_another_holds_the_stores_lock(
    any_world: World, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    world = any_world
    folder = BlobFolder(tmp_path / "blobs")
    orphan, live = _orphan_in_folder(world, tmp_path, folder)
    other = central.make_central_engine(world.url)  # another server of the same store
    try:
        with upkeep.store_lock(other), caplog.at_level(logging.INFO, logger=upkeep.__name__):
            skipped = upkeep.run_once(world.service_engine, folder=folder)
            with pytest.raises(upkeep.Busy), upkeep.store_lock(world.service_engine):
                pass
        assert skipped.purged is None
        assert "upkeep skipped: another server of this store is doing its upkeep" in caplog.text
        assert _hashes(world) == {orphan, live}
        done = upkeep.run_once(world.service_engine, folder=folder)  # the lock was let go
    finally:
        other.dispose()
    assert done.purged is not None
    assert [sha for sha, _n in done.purged.blobs] == [orphan]


def test_a_store_without_an_administrator_is_a_logged_failure(
    pg_world: World, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    world = pg_world
    users = schema.SYNCED["users"]
    with central.central_transaction(world.central) as cc:
        cc.execute(update(users).where(users.c.login == "admin").values(active=False))
    made = upkeep.Upkeep(lambda: upkeep.run_once(world.service_engine, folder=None))
    with caplog.at_level(logging.INFO, logger=upkeep.__name__):
        assert made.run() is False
    assert "upkeep failed: The store has no active administrator for sfa-server to act as" in caplog.text


def test_sfa_server_with_workers_purges_once_shortly_after_it_starts(pg_world: World, tmp_path: Path) -> None:
    world = pg_world
    folder = BlobFolder(tmp_path / "blobs")
    orphans = []
    ann = world.laptop("ann")
    ann.service.blob_folder = folder
    visit = _visit(ann, "Harbor Foods")
    live = visits.attach(ann.store, visit, _file(tmp_path, "front.jpg", 5000))
    count = 200
    for n in range(count):
        orphans.append(visits.attach(ann.store, visit, _file(tmp_path, f"p{n}.jpg", 2000)))
    ann.sync()
    for view in orphans:
        visits.remove_attachment(ann.store, view.id)
    ann.sync()
    _backdate(world, 40)
    assert len(_hashes(world)) == count + 1
    service_url = world.service_engine.url.render_as_string(hide_password=False)
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "sfa_desktop.server.main", "--central", service_url,
         "--listen", f"127.0.0.1:{port}", "--workers", "2", "--blobs", str(folder.root),
         "--upkeep-delay", "1"],
        env=_env(), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        _wait_for(port, process)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(_hashes(world)) > 1:
            time.sleep(0.2)
        time.sleep(1.5)  # were the workers to run it too, their runs would have come by now
    finally:
        process.terminate()
        _out, err = process.communicate(timeout=20)
    log = err.decode()
    assert _hashes(world) == {live.sha256}, log
    assert folder.final(live.sha256).is_file()
    assert not any(folder.final(v.sha256).exists() for v in orphans)
    runs = re.findall(r"upkeep: Removed (\d+) blobs .* Freed (\d+) bytes in ([\d.]+) s \(as admin\)", log)
    assert len(runs) == 1, log
    assert runs[0][:2] == (str(count), str(count * 2000))
    assert log.count("upkeep scheduled: 1 s after the start, then daily at 03:30") == 1
    with world.central.connect() as cc:
        assert cc.execute(text("SELECT count(*) FROM blob_chunks")).scalar() == 0  # a folder store
    print(f"sfa-server upkeep purged {count} orphan blobs in {runs[0][2]} s")
