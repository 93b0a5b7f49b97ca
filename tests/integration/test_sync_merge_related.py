"""Merging two accounts moves everything that names the one merged away (issue 16 follow-up): its visit
reports and their photos, requests and their threads, comments, defections, also those another laptop made
and the merging laptop never saw; every laptop and the central store end with them on the survivor, and the
photo still opens.  SQLite and PostgreSQL (row-level security)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import nullcontext
from pathlib import Path

import pytest

from sfa_desktop.core.records import merge
from sfa_desktop.core.retention.defections import Given
from sfa_desktop.ops import notifications as notification_ops
from sfa_desktop.ops import requests as request_ops
from sfa_desktop.ops import retention as retention_ops
from sfa_desktop.ops import visits
from tests.integration.sync_harness import Laptop, World, assert_replica_matches, world_fixture


@pytest.fixture(params=["sqlite", "postgresql"])
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    pg = request.getfixturevalue("pg_url") if request.param == "postgresql" else None
    yield from world_fixture(request.param, tmp_path, pg)


def _merge(lap: Laptop, survivor: str, loser: str) -> merge.MergeResult:
    with lap.store.transaction() as session:
        return merge.merge(session, "accounts", survivor, [loser])


def test_a_merge_moves_visit_reports_photos_requests_comments_and_defections_everywhere(
    world: World, tmp_path: Path
) -> None:
    ann, mgr = world.laptop("ann"), world.laptop("mgr")
    ne = ann.territory("NE")
    survivor = ann.create("accounts", {"name": "Harbor Foods", "territory_id": ne})
    loser = ann.create("accounts", {"name": "Harbour Foods Inc", "territory_id": ne})
    visit = ann.create("activities", {"kind": "visit", "subject": "Shelf check", "account_id": loser})
    photo = tmp_path / "shelf.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0" + bytes(range(256)) * 40)
    visits.check_in(ann.store, visit)
    view = visits.save_report(
        ann.store,
        visit,
        {"met_customer": True, "order_taken": False},
        photos=[("photo", photo)],
        submit=True,
        outcome="completed",
    )
    assert view.report_id is not None
    shelf = view.attachments[0]
    request = request_ops.raise_request(
        ann.store, account=loser, category="delivery", severity="high", subject="Pallet crushed"
    )
    request_ops.comment(ann.store, request, "Photos taken at the dock.")
    comment = notification_ops.add_comment(ann.store, "accounts", loser, "Same shop as Harbor Foods")
    defection = retention_ops.record_defection(
        ann.store, Given(loser, "declining", "price", "Buys half from a discounter", dt.date(2026, 11, 2))
    ).defection_id
    assert ann.sync().blobs.uploaded == 1
    mgr.sync()
    # made on the manager's laptop and pushed, never seen by ann's before she merges
    unseen = notification_ops.add_comment(mgr.store, "accounts", loser, "Call before Friday")
    mgr.sync()

    result = _merge(ann, survivor, loser)
    assert result.moved["visit_reports"] == 1
    assert result.moved["attachments"] == 1
    assert result.moved["defections"] == 1
    assert result.moved["comments"] == 1
    assert ann.sync().conflicts == 0
    mgr.sync()
    ann.sync()

    named = {
        "visit_reports": str(view.report_id),
        "attachments": shelf.id,
        "activities": visit,
        "service_requests": request,
        "defections": defection,
    }
    for lap in (ann, mgr):
        for table, record_id in named.items():
            local = lap.row(table, record_id)
            assert local is not None, (lap.login, table)
            assert (local["account_id"], local["territory_id"]) == (survivor, ne), (lap.login, table)
        assert (
            lap.scalar(
                "SELECT count(*) FROM request_comments WHERE request_id = :r AND account_id = :a",
                r=request,
                a=survivor,
            )
            == 1
        )
        for comment_id in (comment, unseen):
            row = lap.row("comments", comment_id)
            assert row is not None
            assert (row["account_id"], row["table_name"], row["record_id"]) == (
                survivor,
                "accounts",
                survivor,
            )
    for table, record_id in {**named, "comments": comment}.items():
        central = world.central_row(table, record_id)
        assert central is not None
        assert central["account_id"] == survivor, table
    central_unseen = world.central_row("comments", unseen)
    assert central_unseen is not None
    assert (central_unseen["account_id"], central_unseen["record_id"]) == (survivor, survivor)
    assert_replica_matches(world, ann)
    assert_replica_matches(world, mgr)

    # the photo still opens: here, and on the manager's laptop fetched from the central store
    _view, data = visits.attachment_bytes(ann.store, shelf.id)
    assert data == photo.read_bytes()
    assert not visits.attachment_view(mgr.store, shelf.id).here
    _view, data = visits.attachment_bytes(mgr.store, shelf.id, fetch=lambda _s: nullcontext(mgr.link))
    assert data == photo.read_bytes()
