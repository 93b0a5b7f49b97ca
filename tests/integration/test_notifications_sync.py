"""Comments with @mentions and the notification centre across laptops, against PostgreSQL with row-level
security (issue 15, items 3 and 4): a comment reaches the laptops that see its account, a mention tells the
user named there, a notification read on one of a user's laptops is read on the other after a sync, and
nobody reads or writes another user's read state in the central store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from sfa_desktop.core.access import NotPermitted
from sfa_desktop.core.notifications.inbox import Item, read_id
from sfa_desktop.ops import notifications as notification_ops
from sfa_desktop.protocol.errors import CentralError
from tests.integration.sync_harness import Laptop, World, world_fixture


@pytest.fixture
def pg_world(pg_url: str, tmp_path: Path) -> Iterator[World]:
    yield from world_fixture("postgresql", tmp_path, pg_url)


@pytest.fixture(params=["sqlite", "postgresql"])
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    pg = request.getfixturevalue("pg_url") if request.param == "postgresql" else None
    yield from world_fixture(request.param, tmp_path, pg)


def _sync(*laptops: Laptop) -> None:
    for lap in laptops:
        lap.sync()
        notification_ops.refresh(lap.store)


def _mentions(lap: Laptop) -> list[Item]:
    return notification_ops.listing(lap.store, kind="mention")


def test_a_mention_reaches_the_manager_and_its_read_state_follows_them(pg_world: World) -> None:
    world = pg_world
    ann = world.laptop("ann")
    mgr_desk, mgr_road = world.laptop("mgr", "mgr-desk"), world.laptop("mgr", "mgr-road")
    bob = world.laptop("bob")
    account = ann.create("accounts", {"name": "Harbor Freight Co", "territory_id": ann.territory("NE")})
    comment = notification_ops.add_comment(ann.store, "accounts", account, "@mgr please call their buyer")
    _sync(ann, mgr_desk, mgr_road, bob)

    central = world.central_row("comments", comment)
    assert central is not None
    assert central["territory_id"] == world.territory("NE")
    for lap in (mgr_desk, mgr_road):
        (shown,) = notification_ops.comments_on(lap.store, "accounts", account)
        assert shown.body == "@mgr please call their buyer"
        assert shown.author == "ann"
        assert shown.mentions == ("mgr",)
        (told,) = _mentions(lap)
        assert told.key == f"mention:{comment}"
        assert not told.read
        assert (told.table, told.record_id) == ("accounts", account)
        assert "mentioned you on Account Harbor Freight Co" in told.title
    # bob (SE) holds neither the comment nor a notification of it; ann is not told of her own comment
    assert bob.row("comments", comment) is None
    assert _mentions(bob) == []
    assert _mentions(ann) == []

    assert notification_ops.mark_read(mgr_desk.store, [f"mention:{comment}"]) == 1
    assert notification_ops.unread_count(mgr_road.store) == 1
    _sync(mgr_desk, mgr_road)
    (told,) = _mentions(mgr_road)
    assert told.read
    assert notification_ops.unread_count(mgr_road.store) == 0
    # running the sources again adds nothing and keeps it read
    assert notification_ops.refresh(mgr_road.store) == []
    assert [i.read for i in _mentions(mgr_road)] == [True]

    # the store: only mgr reads mgr's read state (not ann, not even the administrator) ...
    reads = "SELECT count(*) FROM notification_reads"
    for login, seen in (("mgr", 1), ("ann", 0), ("admin", 0), ("bob", 0)):
        with world.acting_as(login) as cc:
            assert cc.execute(text(reads)).scalar_one() == seen, login
    # ... and nobody writes it: an update of mgr's row by another user's role touches nothing, an insert
    # of a row in mgr's name is refused by the policy
    for login in ("ann", "admin"):
        with world.acting_as(login) as cc:
            changed = cc.execute(text("UPDATE notification_reads SET deleted_at = now()"))
            assert changed.rowcount == 0, login
    with world.acting_as("mgr") as cc:
        mgr_id = str(cc.execute(text("SELECT sfa_current_user_id()")).scalar_one())
    forged = text(
        "INSERT INTO notification_reads (id, key, read_at, owner_id, created_at, updated_at, seq) "
        "VALUES (:id, 'mention:x', now(), :owner, now(), now(), sfa_allocate_seq(1))"
    )
    refused = r"row-level security policy for table \"notification_reads\""
    with pytest.raises(CentralError, match=refused), world.acting_as("ann") as cc:
        cc.execute(forged, {"id": read_id(mgr_id, "mention:x"), "owner": mgr_id})


def test_a_laptop_cannot_mark_another_users_notification_read_through_sync(world: World) -> None:
    """A read-state row in another user's name, written behind the services' back, is refused by the
    central store and never reaches that user's laptops: not even an administrator's."""
    ann, mgr = world.laptop("admin"), world.laptop("mgr")
    mgr_id = str(mgr.scalar("SELECT id FROM users WHERE login = 'mgr'"))
    forged = read_id(mgr_id, "mention:forged")
    ann.create("notification_reads", {"key": "mention:forged", "owner_id": mgr_id}, unchecked=True)
    ann.sync()
    mgr.sync()
    assert world.count("notification_reads", owner_id=mgr_id) == 0
    assert mgr.scalar("SELECT count(*) FROM notification_reads") == 0
    assert forged  # the id mgr's own laptops would use is untouched


def test_an_account_moved_out_of_a_territory_tells_its_rep(world: World) -> None:
    ann, mgr = world.laptop("ann"), world.laptop("mgr")
    account = ann.create("accounts", {"name": "Quayside Ltd", "territory_id": ann.territory("NE")})
    _sync(ann, mgr)
    mgr.update("accounts", account, {"territory_id": mgr.territory("SE")})
    bob = world.laptop("bob")
    _sync(mgr, ann, bob)
    (left,) = notification_ops.listing(ann.store, kind="territory")
    assert left.title == "Account Quayside Ltd left your territory New England"
    assert ann.row("accounts", account) is None
    (arrived,) = notification_ops.listing(bob.store, kind="territory")
    assert arrived.title == "Account Quayside Ltd moved into your territory Southeast"
    assert (arrived.table, arrived.record_id) == ("accounts", account)


def test_a_territory_gained_or_lost_is_told(world: World) -> None:
    cat = world.laptop("cat")
    ma_rep = world.laptop("ann")
    account = ma_rep.create(
        "accounts", {"name": "Liberty Bell Foods", "territory_id": ma_rep.territory("NE")}
    )
    _sync(ma_rep)
    world.admin("assign", "cat", "NE")
    _sync(cat)
    (gained,) = notification_ops.listing(cat.store, kind="territory")
    assert gained.title == "Territory New England is now yours"
    assert cat.row("accounts", account) is not None
    world.admin("unassign", "cat", "NE")
    _sync(cat)
    lost = [i for i in notification_ops.listing(cat.store, kind="territory") if i.key != gained.key]
    assert [(i.title, i.urgent) for i in lost] == [("Territory New England is no longer yours", True)]
    assert lost[0].body.startswith("Its 1 account and their records left this laptop")
    assert cat.row("accounts", account) is None


def test_a_comment_is_changed_only_by_its_author_even_behind_the_services_back(pg_world: World) -> None:
    """The manager sees ann's comment and may write its account, yet its text is ann's alone: the laptop
    refuses the edit, and the central store refuses it from a laptop that writes behind its services'
    back; the comment still goes with its account when that is deleted."""
    world = pg_world
    ann, mgr = world.laptop("ann"), world.laptop("mgr")
    account = ann.create("accounts", {"name": "Harbor Freight Co", "territory_id": ann.territory("NE")})
    comment = notification_ops.add_comment(ann.store, "accounts", account, "Buyer prefers Tuesdays")
    _sync(ann, mgr)
    with pytest.raises(NotPermitted):
        mgr.update("comments", comment, {"body": "Buyer prefers Fridays"})
    mgr.update("comments", comment, {"body": "Buyer prefers Fridays"}, unchecked=True)
    mgr.create(
        "comments",
        {"table_name": "accounts", "record_id": account, "account_id": account, "body": "In ann's name",
         "author_id": ann.scalar("SELECT id FROM users WHERE login = 'ann'")},
        unchecked=True,
    )  # fmt: skip
    assert mgr.sync().conflicts == 2
    assert world.central_row("comments", comment)["body"] == "Buyer prefers Tuesdays"  # type: ignore[index]
    assert world.count("comments") == 1
    # and PostgreSQL says the same to a role acting for the manager (c0710)
    with pytest.raises(CentralError, match="only its author"), world.acting_as("mgr") as cc:
        cc.execute(text("UPDATE comments SET body = 'Fridays' WHERE id = :i"), {"i": comment})
    with pytest.raises(CentralError, match="row-level security"), world.acting_as("mgr") as cc:
        cc.execute(
            text(
                "INSERT INTO comments (id, seq, table_name, record_id, account_id, author_id, body, "
                "territory_id, created_at, updated_at) SELECT 'forged', 0, 'accounts', a.id, a.id, u.id, "
                "'In her name', a.territory_id, now(), now() FROM accounts a, users u "
                "WHERE a.id = :a AND u.login = 'ann'"
            ),
            {"a": account},
        )
    _sync(ann, mgr)
    assert ann.row("comments", comment)["body"] == "Buyer prefers Tuesdays"  # type: ignore[index]
    mgr.delete("accounts", account)
    mgr.sync()  # ann's comment, deleted by another, is archived as a conflict as any record is
    refused = "SELECT count(*) FROM conflicts WHERE reason = 'not-permitted' AND record_id = :c"
    assert mgr.scalar(refused, c=comment) == 1  # the edit above, not the delete
    assert world.central_row("comments", comment)["deleted_at"] is not None  # type: ignore[index]
