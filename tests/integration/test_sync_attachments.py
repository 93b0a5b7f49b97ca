"""Visit reports with photos made offline reach the company store and the manager's laptop (issue 16, item 4):
records first, the photos' bytes after them in resumable chunks, fetched on demand elsewhere, read only by
those who see a record naming them (the server's check, and row-level security behind it on PostgreSQL)."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import nullcontext
from pathlib import Path

import pytest
from sqlalchemy import text

from sfa_desktop.ops import visits
from sfa_desktop.protocol.blobs import BatchAnswer, BlobState
from sfa_desktop.protocol.errors import CentralError, Unreachable
from sfa_desktop.server.blob_files import BlobFolder
from sfa_desktop.sync import blobs
from tests.integration.sync_harness import Laptop, World, world_fixture

CHUNK = 64 * 1024


@pytest.fixture
def pg_world(pg_url: str, tmp_path: Path) -> Iterator[World]:
    yield from world_fixture("postgresql", tmp_path, pg_url)


def _visit(lap: Laptop, territory: str, name: str) -> str:
    account = lap.create("accounts", {"name": name, "territory_id": lap.territory(territory)})
    return lap.create("activities", {"kind": "visit", "subject": f"Visit {name}", "account_id": account})


class CutAfter:
    """The laptop's fault hook: the connection drops after ``chunks`` chunks were sent."""

    def __init__(self, chunks: int) -> None:
        self.left = chunks

    def __call__(self, point: str) -> None:
        if point == "blob.chunk_sent":
            self.left -= 1
            if self.left < 0:
                raise Unreachable("The sync server cannot be reached (injected).")


def _offsets(lap: Laptop) -> list[int]:
    """Record the offsets of the chunks the laptop sends from now on."""
    sent: list[int] = []
    real = lap.link.blob_put

    def put(sha: str, offset: int, size: int, data: bytes) -> BlobState:
        sent.append(offset)
        return real(sha, offset, size, data)

    lap.link.blob_put = put  # type: ignore[method-assign]
    return sent


def test_photos_made_offline_reach_the_store_resume_and_are_fetched_by_who_may(
    pg_world: World, tmp_path: Path
) -> None:
    world = pg_world
    ann, mgr, bob = world.laptop("ann"), world.laptop("mgr"), world.laptop("bob")
    ann.engine.blob_chunk = CHUNK
    ann.engine.blob_parallel = 1  # one blob at a time: the cut falls in the big photo, after its third chunk
    activity = _visit(ann, "NE", "Harbor Foods")
    big = tmp_path / "shelf.jpg"
    big.write_bytes(os.urandom(10 * CHUNK + 123))
    small = tmp_path / "front.jpg"
    small.write_bytes(os.urandom(CHUNK // 2))
    visits.check_in(ann.store, activity)
    view = visits.save_report(
        ann.store,
        activity,
        {"met_customer": True, "order_taken": False},
        photos=[("photo", big), ("photo", small)],
        submit=True,
        outcome="completed",
    )
    shelf = next(a for a in view.attachments if a.file_name == "shelf.jpg")

    # the connection drops after three chunks of the first photo: the records are in all the same
    ann.engine.fault = CutAfter(3)
    report = ann.sync()
    assert "cannot be reached" in (report.blobs.problem or "")
    assert world.central_row("visit_reports", str(view.report_id)) is not None
    assert world.central_row("attachments", shelf.id) is not None
    with world.central.connect() as cc:
        received = cc.execute(
            text("SELECT received_bytes, complete FROM blobs WHERE sha256 = :s"), {"s": shelf.sha256}
        ).one()
    assert tuple(received) == (4 * CHUNK, False)  # the fourth chunk was written, its answer lost

    # records keep syncing while the upload waits
    ann.engine.fault = CutAfter(0)
    later = ann.create("accounts", {"name": "Late Account", "territory_id": ann.territory("NE")})
    ann.sync()
    assert world.central_row("accounts", later) is not None

    # the next sync resumes from the last chunk the store holds
    ann.engine.fault = ann.faults
    sent = _offsets(ann)
    report = ann.sync()
    assert report.blobs.problem is None
    assert report.blobs.uploaded == 2
    assert sent[0] >= 4 * CHUNK
    assert 0 not in sent[: len(sent) - 1]  # the big photo never started again (the small one is one chunk)
    with world.central.connect() as cc:
        assert cc.execute(text("SELECT count(*) FROM blobs WHERE complete")).scalar() == 2
    assert ann.scalar("SELECT count(*) FROM blob_transfers WHERE uploaded_at IS NOT NULL") == 2

    # the manager's laptop sees the report and fetches the photo on demand
    mgr.sync()
    listed = {a.id: a for a in visits.list_attachments(mgr.store)}
    assert shelf.id in listed
    assert not listed[shelf.id].here
    _view, data = visits.attachment_bytes(mgr.store, shelf.id, fetch=lambda _store: nullcontext(mgr.link))
    assert data == big.read_bytes()
    assert visits.attachment_view(mgr.store, shelf.id).here

    # bob (another territory) cannot read it: the server says no, and row-level security hides it too
    bob.sync()
    assert visits.list_attachments(bob.store) == []
    with pytest.raises(CentralError, match="No attachment you may see"):
        bob.link.blob_get(shelf.sha256)
    assert bob.link.blob_status([shelf.sha256]) == {}
    with world.acting_as("bob") as cc:
        assert cc.execute(text("SELECT count(*) FROM blobs")).scalar() == 0
        assert cc.execute(text("SELECT count(*) FROM blob_chunks")).scalar() == 0
    with world.acting_as("mgr") as cc:
        assert cc.execute(text("SELECT count(*) FROM blobs")).scalar() == 2

    # the same photo on another visit of ann's costs nothing; on cat's, one status request
    again = _visit(ann, "NE", "Harbor Foods East")
    visits.attach(ann.store, again, big)
    sent.clear()
    report = ann.sync()
    assert report.blobs.uploaded == 0
    assert sent == []
    cat = world.laptop("cat")
    visits.attach(cat.store, _visit(cat, "MA", "Delta Market"), big)
    cat_sent = _offsets(cat)
    report = cat.sync()
    assert report.blobs.known == 1
    assert report.blobs.uploaded == 0
    assert cat_sent == []


def test_bytes_that_do_not_match_their_hash_are_refused(pg_world: World, tmp_path: Path) -> None:
    world = pg_world
    ann = world.laptop("ann")
    activity = _visit(ann, "NE", "Harbor Foods")
    photo = tmp_path / "p.jpg"
    photo.write_bytes(os.urandom(1000))
    shelf = visits.attach(ann.store, activity, photo)
    ann.engine.blob_seconds = 0  # the records only
    ann.sync()
    # sent whole: checked on arrival, nothing kept
    with pytest.raises(CentralError, match="do not match their hash"):
        ann.link.blob_put(shelf.sha256, 0, 1000, os.urandom(1000))
    with world.central.connect() as cc:
        assert cc.execute(text("SELECT count(*) FROM blobs")).scalar() == 0
    # sent in chunks: checked at the end, then dropped so that the upload starts again
    wrong = os.urandom(1000)
    assert ann.link.blob_put(shelf.sha256, 0, 1000, wrong[:600]) == BlobState(1000, 600, False)
    assert ann.link.blob_put(shelf.sha256, 600, 1000, wrong[600:]) == BlobState(1000, 1000, False)
    with pytest.raises(CentralError, match="do not match their hash"):
        ann.link.blob_finalize(shelf.sha256)
    with world.central.connect() as cc:
        assert cc.execute(text("SELECT received_bytes FROM blobs")).scalar() == 0
        assert cc.execute(text("SELECT count(*) FROM blob_chunks")).scalar() == 0
    ann.engine.blob_seconds = None
    assert ann.sync().blobs.uploaded == 1
    assert ann.link.blob_get(shelf.sha256) == photo.read_bytes()


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    yield from world_fixture("sqlite", tmp_path, None)


def test_a_server_given_a_folder_keeps_the_bytes_there(world: World, tmp_path: Path) -> None:
    """sfa-server --blobs DIR: the rows in the store, the bytes in the folder (whole and in chunks), read
    back by who may; a chunked upload that does not match its hash is dropped."""
    folder = BlobFolder(tmp_path / "blobs")
    ann, mgr = world.laptop("ann"), world.laptop("mgr")
    ann.service.blob_folder = mgr.service.blob_folder = folder
    ann.engine.blob_chunk = CHUNK
    activity = _visit(ann, "NE", "Harbor Foods")
    whole, chunked = tmp_path / "whole.jpg", tmp_path / "chunked.jpg"
    whole.write_bytes(os.urandom(CHUNK // 3))
    chunked.write_bytes(os.urandom(3 * CHUNK + 5))
    view = visits.save_report(ann.store, activity, {}, photos=[("photo", whole), ("photo", chunked)])
    assert ann.sync().blobs.uploaded == 2
    for path in (whole, chunked):
        sha = next(a.sha256 for a in view.attachments if a.file_name == path.name)
        assert folder.final(sha).read_bytes() == path.read_bytes()
    assert world.count("blob_chunks") == 0
    assert world.count("blobs", complete=True) == 2
    assert not any((tmp_path / "blobs" / "partial").iterdir())
    mgr.sync()
    shelf = next(a for a in view.attachments if a.file_name == "chunked.jpg")
    _view, data = visits.attachment_bytes(mgr.store, shelf.id, fetch=lambda _store: nullcontext(mgr.link))
    assert data == chunked.read_bytes()

    other = tmp_path / "other.jpg"
    other.write_bytes(os.urandom(2 * CHUNK))
    sha = visits.attach(ann.store, activity, other).sha256
    ann.engine.blob_seconds = 0
    ann.sync()
    wrong = os.urandom(2 * CHUNK)
    ann.link.blob_put(sha, 0, 2 * CHUNK, wrong[:CHUNK])
    ann.link.blob_put(sha, CHUNK, 2 * CHUNK, wrong[CHUNK:])
    with pytest.raises(CentralError, match="do not match their hash"):
        ann.link.blob_finalize(sha)
    assert not folder.partial(sha).exists()
    assert not folder.final(sha).exists()


def test_photos_go_up_in_batches_each_refused_alone(
    pg_world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Photos small enough to go whole travel several to a request (one sign-in, one transaction); in a
    batch, a blob the user may not see or whose bytes do not match is refused alone, and one the store holds
    part of already is answered with its state (and goes on in chunks)."""
    world = pg_world
    ann, bob, mgr = world.laptop("ann"), world.laptop("bob"), world.laptop("mgr")
    monkeypatch.setattr(blobs, "MAX_BATCH_BLOBS", 3)
    photos = []
    for n in range(7):
        photos.append(tmp_path / f"p{n}.jpg")
        photos[-1].write_bytes(os.urandom(5000 + n))
    view = visits.save_report(
        ann.store, _visit(ann, "NE", "Harbor Foods"), {}, photos=[("photo", p) for p in photos]
    )
    batches: list[int] = []
    real_many, real_one = ann.link.blob_put_many, ann.link.blob_put

    def many(items: Sequence[tuple[str, bytes]]) -> BatchAnswer:
        batches.append(len(items))
        return real_many(items)

    def one(sha: str, offset: int, size: int, data: bytes) -> BlobState:
        raise AssertionError("a photo sent whole goes in a batch")

    ann.link.blob_put_many = many  # type: ignore[method-assign]
    ann.link.blob_put = one  # type: ignore[method-assign]
    ann.engine.blob_parallel = 1
    report = ann.sync()
    assert (report.blobs.uploaded, report.blobs.problem) == (7, None)
    assert batches == [3, 3, 1]
    assert world.count("blobs", complete=True) == 7
    mgr.sync()
    third = next(a for a in view.attachments if a.file_name == "p2.jpg")
    _view, data = visits.attachment_bytes(mgr.store, third.id, fetch=lambda _store: nullcontext(mgr.link))
    assert data == photos[2].read_bytes()

    # bob's photo (SE) and bytes under the wrong hash, in one batch with a good one
    secret = tmp_path / "bob.jpg"
    secret.write_bytes(os.urandom(3000))
    bob_sha = visits.attach(bob.store, _visit(bob, "SE", "Peach Co"), secret).sha256
    bob.engine.blob_seconds = 0
    bob.sync()
    good, liar = tmp_path / "good.jpg", tmp_path / "liar.jpg"
    good.write_bytes(os.urandom(4000))
    liar.write_bytes(os.urandom(4000))
    activity = _visit(ann, "NE", "Harbor Foods West")
    good_sha = visits.attach(ann.store, activity, good).sha256
    liar_sha = visits.attach(ann.store, activity, liar).sha256
    ann.engine.blob_seconds = 0
    ann.sync()
    answer = real_many(
        [(bob_sha, secret.read_bytes()), (liar_sha, os.urandom(4000)), (good_sha, good.read_bytes())]
    )
    assert answer.states == {good_sha: BlobState(4000, 4000, True)}
    assert set(answer.problems) == {bob_sha, liar_sha}
    assert "No attachment you may see" in answer.problems[bob_sha]
    assert "do not match their hash" in answer.problems[liar_sha]
    with world.central.connect() as cc:
        kept = set(cc.execute(text("SELECT sha256 FROM blobs")).scalars())
    assert liar_sha not in kept
    assert bob_sha not in kept

    # the store holds part of the liar's true bytes (mgr began them in chunks): answered with that state
    mgr.sync()
    mgr.link.blob_put(liar_sha, 0, 4000, liar.read_bytes()[:1000])
    assert real_many([(liar_sha, liar.read_bytes())]) == BatchAnswer(
        {liar_sha: BlobState(4000, 1000, False)}, {}
    )
    ann.link.blob_put = real_one  # type: ignore[method-assign]
    ann.engine.blob_seconds = None
    report = ann.sync()
    assert report.blobs.problem is None
    assert ann.link.blob_get(liar_sha) == liar.read_bytes()


def test_a_batch_that_does_not_add_up_is_refused_whole(world: World, tmp_path: Path) -> None:
    ann = world.laptop("ann")
    photo = tmp_path / "p.jpg"
    photo.write_bytes(os.urandom(2000))
    sha = visits.attach(ann.store, _visit(ann, "NE", "Harbor Foods"), photo).sha256
    ann.engine.blob_seconds = 0
    ann.sync()
    with pytest.raises(CentralError, match="do not add up"):
        ann.link._caller.request(
            "POST", f"blobs/batch?blobs={sha}:2000", None, ann.link.token, raw=photo.read_bytes()[:1500]
        )
    with pytest.raises(CentralError, match="each blob once"):
        ann.link._caller.request(
            "POST", f"blobs/batch?blobs={sha}:1000,{sha}:1000", None, ann.link.token, raw=photo.read_bytes()
        )
    assert world.count("blobs") == 0


def test_a_server_without_the_folder_the_bytes_went_to_says_so(world: World, tmp_path: Path) -> None:
    """A second sfa-server started without (or with another) --blobs folder does not hand out empty bytes."""
    ann, mgr = world.laptop("ann"), world.laptop("mgr")
    ann.service.blob_folder = BlobFolder(tmp_path / "blobs")
    photo = tmp_path / "p.jpg"
    photo.write_bytes(os.urandom(3000))
    sha = visits.attach(ann.store, _visit(ann, "NE", "Harbor Foods"), photo).sha256
    assert ann.sync().blobs.uploaded == 1
    mgr.sync()
    with pytest.raises(CentralError, match="started without the --blobs folder"):
        mgr.link.blob_get(sha)
    mgr.service.blob_folder = BlobFolder(tmp_path / "elsewhere")
    with pytest.raises(CentralError, match="the same --blobs folder"):
        mgr.link.blob_get(sha)
    mgr.service.blob_folder = ann.service.blob_folder
    assert mgr.link.blob_get(sha) == photo.read_bytes()


def test_a_checklist_changed_by_the_manager_reaches_the_rep_and_older_reports_keep_theirs(
    pg_world: World,
) -> None:
    import json

    items = [
        {"key": "met", "label": "Met the buyer", "type": "yesno", "required": True},
        {"key": "facings", "label": "Facings", "type": "number", "min": 0, "max": 40},
    ]
    mgr = pg_world.laptop("mgr")
    first = visits.save_template(mgr.store, "Shop", None, json.dumps(items))
    mgr.sync()
    ann = pg_world.laptop("ann")
    visit = _visit(ann, "NE", "Acme")
    visits.save_report(ann.store, visit, {"met": True, "facings": 30})
    ann.sync()
    changed = [items[0], {"key": "promo", "label": "Promo in place", "type": "yesno", "required": True}]
    second = visits.save_template(mgr.store, "Shop", None, json.dumps(changed), template_id=first.template_id)
    mgr.sync()
    ann.sync()
    assert [(t.template_id, len(t.items)) for t in visits.list_templates(ann.store)] == [
        (second.template_id, 2)
    ]
    old = visits.show(ann.store, visit)
    assert old.template.template_id == first.template_id
    assert [i.key for i in old.template.items] == ["met", "facings"]
    assert old.answers == {"facings": 30, "met": True}
    assert visits.show(ann.store, _visit(ann, "NE", "Bolt")).template.template_id == second.template_id
    from sfa_desktop.core.access import NotPermitted

    with pytest.raises(NotPermitted, match="managers and administrators"):
        visits.save_template(ann.store, "Shop", None, json.dumps(items))


def test_a_blob_put_whole_in_one_chunk_is_complete_at_once(world: World, tmp_path: Path) -> None:
    ann = world.laptop("ann")
    photo = tmp_path / "p.jpg"
    photo.write_bytes(os.urandom(2500))
    sha = visits.attach(ann.store, _visit(ann, "NE", "Harbor Foods"), photo).sha256
    ann.engine.blob_seconds = 0
    ann.sync()
    assert ann.link.blob_put(sha, 0, 2500, photo.read_bytes()) == BlobState(2500, 2500, True)
    assert ann.link.blob_put(sha, 0, 2500, photo.read_bytes()) == BlobState(2500, 2500, True)  # again: kept
    assert world.count("blobs", complete=True) == 1
    assert ann.link.blob_get(sha) == photo.read_bytes()
