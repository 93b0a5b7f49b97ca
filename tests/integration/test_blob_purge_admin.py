"""Revision c0709 on the real PostgreSQL: an administrator's role purges orphan blobs (``sfa central
purge-blobs`` run as an admin's own login role, and sfa-server's login acting as the admin), reps' and
managers' roles still cannot delete a blob (their DELETE removes nothing), a live blob is kept, and the
downgrade takes the policies away again."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from sfa_desktop.cli import main
from sfa_desktop.core.records.models import utcnow
from sfa_desktop.ops import visits
from sfa_desktop.protocol.errors import CentralError
from sfa_desktop.server import blob_purge, roles
from tests.integration.sync_harness import World, migrate_url, world_fixture
from tests.integration.test_blob_purge import _backdate, _file, _hashes, _visit


@pytest.fixture
def pg_world(pg_url: str, tmp_path: Path) -> Iterator[World]:
    yield from world_fixture("postgresql", tmp_path, pg_url)


def _orphan_and_live(world: World, tmp_path: Path) -> tuple[str, str]:
    """ann's visit with two photos, one of them deleted 40 days ago: (orphan hash, live hash)."""
    ann = world.laptop("ann")
    visit = _visit(ann, "Harbor Foods")
    live = visits.attach(ann.store, visit, _file(tmp_path, "front.jpg", 5000))
    dropped = visits.attach(ann.store, visit, _file(tmp_path, "shelf.jpg", 7000))
    ann.sync()
    visits.remove_attachment(ann.store, dropped.id)
    ann.sync()
    _backdate(world, 40)
    assert _hashes(world, complete=True) == {live.sha256, dropped.sha256}
    return dropped.sha256, live.sha256


def _chunks(world: World) -> set[str]:
    with world.central.connect() as cc:
        return set(cc.execute(text("SELECT DISTINCT sha256 FROM blob_chunks")).scalars())


def test_reps_and_managers_cannot_delete_blobs_an_admins_login_purges_the_orphan(
    pg_world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    world = pg_world
    orphan, live = _orphan_and_live(world, tmp_path)
    for login in ("ann", "mgr"):
        with world.acting_as(login) as cc:
            assert cc.execute(text("DELETE FROM blobs")).rowcount == 0
            assert cc.execute(text("DELETE FROM blob_chunks")).rowcount == 0
            # the live blob the rep sees through its attachment: seen, yet not deletable
            assert cc.execute(text("SELECT count(*) FROM blobs WHERE sha256 = :h"), {"h": live}).scalar() == 1
            assert cc.execute(text("DELETE FROM blobs WHERE sha256 = :h"), {"h": live}).rowcount == 0
            assert (
                cc.execute(text("SELECT count(*) FROM blobs WHERE sha256 = :h"), {"h": orphan}).scalar() == 0
            )
        with world.acting_as(login) as cc, pytest.raises(CentralError, match="needs an administrator"):
            blob_purge.purge(cc, now=utcnow())
    assert _hashes(world) == {orphan, live}
    assert _chunks(world) == {orphan, live}

    # the admin's own login role (no superuser, no BYPASSRLS): the store's owner lets it log in
    with world.central.begin() as cc:
        cc.execute(text('ALTER ROLE "admin" LOGIN CONNECTION LIMIT -1'))
        flags = cc.execute(text("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = 'admin'")).one()
    assert tuple(flags) == (False, False)
    admin_url = make_url(world.url).set(username="admin").render_as_string(hide_password=False)
    assert main(["central", "purge-blobs", "--url", admin_url]) == 0
    assert "Removed 1 blobs no attachment names older than 30 days" in capsys.readouterr().out
    assert _hashes(world) == {live}
    assert _chunks(world) == {live}
    # nothing more to do the second time; the live photo still opens
    assert main(["central", "purge-blobs", "--url", admin_url]) == 0
    assert "No attachment bytes to remove" in capsys.readouterr().out
    assert world.laptops[0].link.blob_get(live) == visits.content_store(world.laptops[0].store).get(live)


def test_the_server_login_acting_as_an_admin_purges(pg_world: World, tmp_path: Path) -> None:
    world = pg_world
    orphan, live = _orphan_and_live(world, tmp_path)
    with pytest.raises(CentralError, match="needs an administrator"):
        blob_purge.run(world.service_engine)  # the server's login as itself: not an administrator
    with pytest.raises(CentralError, match="needs an administrator"):
        blob_purge.run(world.service_engine, role=roles.role_hook("mgr"))
    assert _hashes(world) == {orphan, live}
    done = blob_purge.run(world.service_engine, role=roles.role_hook("admin"))
    assert done.blobs == [(orphan, 7000)]
    assert _hashes(world) == {live}
    assert _chunks(world) == {live}


def _policies(world: World) -> set[tuple[str, str]]:
    with world.central.connect() as cc:
        rows = cc.execute(
            text(
                "SELECT tablename, policyname FROM pg_policies "
                "WHERE tablename IN ('blobs', 'blob_chunks') AND policyname LIKE 'sfa_admin%'"
            )
        ).all()
    return {(str(t), str(p)) for t, p in rows}


def test_c0709_downgrade_takes_the_admins_purge_away_and_upgrade_gives_it_back(
    pg_world: World, tmp_path: Path
) -> None:
    world = pg_world
    orphan, live = _orphan_and_live(world, tmp_path)
    expected = {(t, p) for t in ("blobs", "blob_chunks") for p in ("sfa_admin_read", "sfa_admin_purge")}
    assert _policies(world) == expected
    migrate_url(world.url, "c0708", down=True)
    assert _policies(world) == set()
    with world.acting_as("admin") as cc:
        assert cc.execute(text("DELETE FROM blob_chunks WHERE sha256 = :h"), {"h": orphan}).rowcount == 0
        assert cc.execute(text("SELECT count(*) FROM blobs")).scalar() == 1  # only the live one
    migrate_url(world.url, "head")  # c0709 and what came after it
    assert _policies(world) == expected
    done = blob_purge.run(world.service_engine, role=roles.role_hook("admin"))
    assert [sha for sha, _n in done.blobs] == [orphan]
    assert _hashes(world) == {live}
    assert done.days == blob_purge.GRACE_DAYS
