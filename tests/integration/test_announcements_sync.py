"""Announcements between laptops through the central store on PostgreSQL with row-level security: they
reach their audience only, are read offline, and the read receipts come back to the writer, never to
another rep; a rep's forged announcement is refused by the store."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select

from sfa_desktop.core import access
from sfa_desktop.core.announcements import board
from sfa_desktop.core.announcements.events import notification_events
from sfa_desktop.core.records.models import Announcement, new_id, utcnow
from sfa_desktop.ops import announcements as ann_ops
from sfa_desktop.protocol.errors import CentralError
from sfa_desktop.server import schema
from tests.integration.sync_harness import Laptop, World, world_fixture


@pytest.fixture
def pg_world(pg_url: str, tmp_path: Path) -> Iterator[World]:
    yield from world_fixture("postgresql", tmp_path, pg_url)


def _post(lap: Laptop, title: str, code: str | None = None, *, pinned: bool = False) -> str:
    territory = lap.territory(code) if code else None
    draft = board.Draft(
        title,
        f"{title}: details for the field.",
        "territory" if code else "everyone",
        territory_id=territory,
        pinned=pinned,
    )
    return ann_ops.post(lap.store, draft)


def _titles(lap: Laptop) -> list[str]:
    return [item.title for item in ann_ops.listing(lap.store, include_expired=True)]


def test_announcements_reach_their_audience_and_receipts_come_back(pg_world: World) -> None:
    world = pg_world
    mgr, ann, bob = world.laptop("mgr"), world.laptop("ann"), world.laptop("bob")
    east = _post(mgr, "Q3 targets for the East", "EAST", pinned=True)
    north = _post(mgr, "New England trade show", "NE")
    mgr.sync()
    ann.sync()
    bob.sync()
    assert world.central_row("announcements", east) is not None
    # EAST reaches its children; an announcement to NE does not reach bob (SE)
    assert set(_titles(ann)) == {"Q3 targets for the East", "New England trade show"}
    assert _titles(bob) == ["Q3 targets for the East"]
    assert bob.row("announcements", north) is None
    # ann reads offline (the laptop's own copy): the receipt waits in her outbox, then syncs up
    detail = ann_ops.open_announcement(ann.store, east)
    assert detail.read_at is not None
    assert not detail.unread
    assert ann.outbox() == 1
    assert [i.title for i in ann_ops.listing(ann.store, unread_only=True)] == ["New England trade show"]
    ann.sync()
    receipt = board.receipt_id(east, ann.scalar("SELECT id FROM users WHERE login = 'ann'"))
    assert world.central_row("announcement_receipts", receipt) is not None
    # the writer sees who has read it and who has not (cat, MA, is in the audience too)
    mgr.sync()
    report = ann_ops.read_report(mgr.store, east, days=0)
    assert [p.login for p in report.read] == ["ann"]
    assert sorted(p.login for p in report.unread) == ["bob", "cat"]
    assert sorted(p.login for p in report.overdue) == ["bob", "cat"]
    assert ann_ops.read_report(mgr.store, east, days=3).overdue == ()
    # bob never receives ann's receipt, neither on his laptop nor by asking the store
    bob.sync()
    assert bob.row("announcement_receipts", receipt) is None
    assert ann_ops.listing(bob.store)[0].unread
    with pytest.raises(access.NotPermitted):
        ann_ops.read_report(bob.store, east)
    head = bob.service.head().seq
    page = bob.service.page("announcement_receipts", 0, head, [])
    assert page.rows == []
    with world.acting_as("bob") as cc:
        receipts = schema.SYNCED["announcement_receipts"]
        assert cc.execute(select(func.count()).select_from(receipts)).scalar_one() == 0
        announcements = schema.SYNCED["announcements"]
        assert cc.execute(select(announcements.c.id)).scalars().all() == [east]
    # the notification centre: bob has one new announcement, urgent since it is pinned
    with bob.store.reading() as session:
        bob_id = str(bob.scalar("SELECT id FROM users WHERE login = 'bob'"))
        events = notification_events(session, bob_id, None)
        assert [(e.kind, e.record_id, e.urgent) for e in events] == [("announcement", east, True)]
        assert events[0].key == f"announcement:{east}"
        assert notification_events(session, bob_id, utcnow()) == []


def test_a_rep_cannot_post_and_a_forged_announcement_is_refused(pg_world: World) -> None:
    world = pg_world
    ann = world.laptop("ann")
    with pytest.raises(access.NotPermitted, match="managers and the office"):
        _post(ann, "Discount for everyone", "NE")
    # a laptop that writes behind its services' back: the store refuses it and archives it for ann
    with ann.store.transaction() as session:
        access.check_as(session, None)
        forged = Announcement(
            title="Free upgrades", body="Tell every customer.", audience="everyone", author_id=None
        )
        session.add(forged)
        session.flush()
        forged_id = forged.id
    ann.sync()
    assert world.central_row("announcements", forged_id) is None
    bob = world.laptop("bob")
    assert bob.row("announcements", forged_id) is None
    assert ann.scalar("SELECT reason FROM conflicts WHERE record_id = :i", i=forged_id) == "not-permitted"
    # and row-level security refuses it too, should anything act as ann on the store
    t = schema.SYNCED["announcements"]
    values = {
        "id": new_id(),
        "title": "Forged",
        "body": "x",
        "audience": "everyone",
        "pinned": False,
        "published_at": dt.datetime(2026, 12, 1, tzinfo=dt.UTC),
        "created_at": dt.datetime(2026, 12, 1, tzinfo=dt.UTC),
        "updated_at": dt.datetime(2026, 12, 1, tzinfo=dt.UTC),
        "seq": func.sfa_allocate_seq(1),
    }
    with pytest.raises(CentralError, match="row-level security"), world.acting_as("ann") as cc:
        cc.execute(insert(t).values(values))


def test_a_manager_posts_only_to_territories_they_manage(pg_world: World) -> None:
    world = pg_world
    world.admin("add_territory", "WEST", "West")
    mgr = world.laptop("mgr")
    with pytest.raises(access.NotPermitted, match="territories they manage"):
        _post(mgr, "West coast news", "WEST")
    with pytest.raises(access.NotPermitted):
        ann_ops.post(mgr.store, board.Draft("For everyone", "Text", "everyone"))
    admin = world.laptop("admin")
    everyone = _post(admin, "Office closed on Friday")
    admin.sync()
    cat = world.laptop("cat")
    assert _titles(cat) == ["Office closed on Friday"]
    assert cat.row("announcements", everyone) is not None


def test_a_new_territory_brings_its_announcements(pg_world: World) -> None:
    world = pg_world
    mgr, bob = world.laptop("mgr"), world.laptop("bob")
    north = _post(mgr, "New England trade show", "NE")
    mgr.sync()
    bob.sync()
    assert bob.row("announcements", north) is None
    world.admin("assign", "bob", "NE")
    bob.sync()
    assert bob.row("announcements", north) is not None
    world.admin("unassign", "bob", "NE")
    bob.sync()
    assert bob.row("announcements", north) is None
