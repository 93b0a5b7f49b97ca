"""The laptop lets go of attachments' bytes nobody names any more (issue 16 follow-up): after the grace
period a deleted attachment's file is unlinked, its upload note forgotten; a file still named by a live
attachment (the same photo attached twice, one waiting for upload) stays; ``sfa attachments purge``."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from sqlalchemy import text

from sfa_desktop.cli import main
from sfa_desktop.core.records.models import utcnow
from sfa_desktop.ops import visits
from sfa_desktop.store import attachment_purge
from sfa_desktop.store.attachments import AttachmentProblem, ContentStore
from sfa_desktop.store.database import LocalStore
from tests.unit.test_visits import jpeg, visit

DAY = dt.timedelta(days=1)


def _uploaded(store: LocalStore, sha: str, size: int) -> None:
    """As if the sync had sent these bytes to the central store."""
    with store.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT OR REPLACE INTO blob_transfers (sha256, size_bytes, sent_bytes, uploaded_at) "
                "VALUES (:s, :n, :n, '2026-11-01 10:00:00')"
            ),
            {"s": sha, "n": size},
        )


def _transfers(store: LocalStore) -> set[str]:
    with store.engine.connect() as conn:
        return {str(s) for (s,) in conn.execute(text("SELECT sha256 FROM blob_transfers"))}


def test_deleted_attachments_bytes_go_after_the_grace_and_shared_ones_stay(
    store: LocalStore, tmp_path: Path
) -> None:
    first, second = visit(store), visit(store)
    same, gone, waiting = tmp_path / "same.jpg", tmp_path / "gone.jpg", tmp_path / "waiting.jpg"
    same.write_bytes(jpeg((10, 200, 10)))
    gone.write_bytes(jpeg((10, 10, 200)))
    waiting.write_bytes(jpeg((200, 200, 10)))
    twice = [visits.attach(store, first, same), visits.attach(store, second, same)]
    dropped = visits.attach(store, first, gone)
    unsent = visits.attach(store, second, waiting)  # never uploaded: waits for the next sync
    for view in (*twice, dropped):
        _uploaded(store, view.sha256, view.size_bytes)
    visits.remove_attachment(store, twice[0].id)
    visits.remove_attachment(store, dropped.id)
    content = ContentStore.of(store.path, store.key)
    path = content.path(dropped.sha256)
    assert path.is_file()

    now = utcnow()
    assert attachment_purge.purge(store, now=now).count == 0
    assert attachment_purge.purge(store, now=now + 29 * DAY).count == 0  # may still be undone
    removed = attachment_purge.purge(store, now=now + 31 * DAY)
    assert (removed.count, removed.bytes) == (1, dropped.size_bytes)
    assert "Removed the bytes of 1 attachments deleted more than 30 days ago" in removed.describe()
    assert not path.exists()
    assert dropped.sha256 not in set(content.hashes())
    with pytest.raises(AttachmentProblem, match="not on this laptop"):
        content.get(dropped.sha256)
    assert _transfers(store) == {twice[0].sha256}
    # the same photo on the other visit, and the one waiting for upload, are here years later
    assert attachment_purge.purge(store, now=now + 3650 * DAY).count == 0
    assert visits.attachment_bytes(store, twice[1].id)[1] == same.read_bytes()
    assert visits.attachment_bytes(store, unsent.id)[1] == waiting.read_bytes()

    # the same content attached again asks the central store again (it may have let it go too)
    visits.attach(store, first, same)
    assert _transfers(store) == set()


def test_a_file_no_attachment_names_is_aged_by_its_last_write(store: LocalStore) -> None:
    content = ContentStore.of(store.path, store.key)
    old, fresh = content.put(b"left by an attach that failed"), content.put(b"being attached now")
    when = (dt.datetime.now() - dt.timedelta(days=40)).timestamp()
    os.utime(content.path(old), (when, when))
    removed = attachment_purge.purge(store)
    assert removed.count == 1
    assert set(content.hashes()) == {fresh}


def test_an_attach_racing_a_purge_keeps_its_bytes(
    store: LocalStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The purge lets go of a deleted photo's file just as the same photo is attached again."""
    activity = visit(store)
    photo = tmp_path / "p.jpg"
    photo.write_bytes(jpeg())
    view = visits.attach(store, activity, photo)
    visits.remove_attachment(store, view.id)
    real = visits._store_bytes

    def purged_meanwhile(store_: LocalStore, data: bytes, name: str) -> str:
        sha = real(store_, data, name)
        assert attachment_purge.purge(store_, days=0, now=utcnow() + DAY).count == 1
        return sha

    monkeypatch.setattr(visits, "_store_bytes", purged_meanwhile)
    again = visits.attach(store, activity, photo)
    assert visits.attachment_bytes(store, again.id)[1] == photo.read_bytes()


def test_sfa_attachments_purge(store: LocalStore, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    photo = tmp_path / "p.jpg"
    photo.write_bytes(jpeg())
    view = visits.attach(store, visit(store), photo)
    visits.remove_attachment(store, view.id)
    folder = str(store.path.parent)
    assert main(["attachments", "purge", "--data-dir", folder]) == 0
    assert "No attachment bytes to let go" in capsys.readouterr().out
    assert main(["attachments", "purge", "--data-dir", folder, "--older-than", "0"]) == 0
    assert "Removed the bytes of 1 attachments" in capsys.readouterr().out
    assert list(ContentStore.of(store.path, store.key).hashes()) == []
    assert main(["attachments", "purge", "--data-dir", folder, "--older-than", "-1"]) == 1
    assert "cannot be negative" in capsys.readouterr().err
