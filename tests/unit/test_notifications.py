"""The notification centre's domain (issue 15, items 3 and 4): comments and their @mentions, the sources
(idempotent: running them again adds nothing), the inbox with its read state, and ``sfa notifications`` /
``sfa comments``."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import text

from sfa_desktop.cli import main
from sfa_desktop.core import comments
from sfa_desktop.core.notifications import inbox, sources
from sfa_desktop.core.notifications.events import NotificationEvent
from sfa_desktop.core.notifications.registry import Registry, SourceError
from sfa_desktop.core.records import services
from sfa_desktop.ops import notifications as notification_ops
from sfa_desktop.store.database import LocalStore
from sfa_desktop.sync import state

NOW = dt.datetime(2026, 12, 6, 12, 0, tzinfo=dt.UTC)


@dataclass
class Office:
    ne: str
    se: str
    ann: str
    mgr: str
    bob: str
    account: str
    opportunity: str


def _sign_in(store: LocalStore, login: str, user_id: str) -> None:
    with store.engine.begin() as conn:
        for key, value in (("login", login), ("user_id", user_id)):
            conn.execute(
                text(
                    "INSERT INTO sync_state (key, value) VALUES (:k, :v) "
                    "ON CONFLICT (key) DO UPDATE SET value = :v"
                ),
                {"k": key, "v": value},
            )


@pytest.fixture
def office(store: LocalStore) -> Office:
    with store.transaction() as s:
        east = services.create(s, "territories", {"code": "EAST", "name": "East"}).id
        ne = services.create(s, "territories", {"code": "NE", "name": "New England", "parent_id": east}).id
        se = services.create(s, "territories", {"code": "SE", "name": "Southeast", "parent_id": east}).id
        ann = services.create(s, "users", {"login": "ann", "full_name": "Ann Archer"}).id
        bob = services.create(s, "users", {"login": "bob", "full_name": "Bob Baker"}).id
        mgr = services.create(s, "users", {"login": "mgr", "full_name": "Mia Grant", "role": "manager"}).id
        for user, territory in ((ann, ne), (bob, se), (mgr, east)):
            services.create(s, "territory_memberships", {"user_id": user, "territory_id": territory})
        account = services.create(s, "accounts", {"name": "Harbor Freight Co", "territory_id": ne}).id
        opportunity = services.create(s, "opportunities", {"name": "Fleet renewal", "account_id": account}).id
    _sign_in(store, "ann", ann)
    return Office(ne, se, ann, mgr, bob, account, opportunity)


def _event(key: str, at: dt.datetime = NOW, kind: str = "mention", urgent: bool = False) -> NotificationEvent:
    return NotificationEvent(key, kind, f"title {key}", "body", None, None, at, urgent)


# -- comments ---------------------------------------------------------------------------------------------


def test_a_comment_follows_its_account_and_resolves_its_mentions(store: LocalStore, office: Office) -> None:
    comment = notification_ops.add_comment(
        store, "opportunities", office.opportunity, "@mgr and @Bob: price approved? mail ann@harbor.example"
    )
    with store.reading() as s:
        row = services.as_dict(services.get(s, "comments", comment))
    assert row["territory_id"] == office.ne
    assert row["account_id"] == office.account
    assert row["author_id"] == office.ann
    assert json.loads(row["mentions"]) == [office.mgr, office.bob]  # not the e-mail address
    (shown,) = notification_ops.comments_on(store, "opportunities", office.opportunity)
    assert shown.shown == "@Mia Grant and @Bob Baker: price approved? mail ann@harbor.example"
    assert shown.mentions == ("Mia Grant", "Bob Baker")
    assert shown.mine


def test_comment_mistakes_are_refused_with_what_to_do(store: LocalStore, office: Office) -> None:
    with pytest.raises(comments.CommentError, match=r"no user '@zed'.*login"):
        notification_ops.add_comment(store, "accounts", office.account, "ask @zed")
    with pytest.raises(comments.CommentError, match="needs some text"):
        notification_ops.add_comment(store, "accounts", office.account, "   ")
    with pytest.raises(comments.CommentError, match="Comments go on accounts, opportunities"):
        notification_ops.add_comment(store, "leads", office.account, "hello")
    with pytest.raises(services.NotFound):
        notification_ops.add_comment(store, "accounts", "no-such-account", "hello")
    with store.reading() as s:
        assert s.execute(text("SELECT count(*) FROM comments")).scalar_one() == 0


def test_only_the_author_changes_a_comment(store: LocalStore, office: Office) -> None:
    comment = notification_ops.add_comment(store, "accounts", office.account, "call @bob")
    notification_ops.edit_comment(store, comment, "call @mgr instead")
    (shown,) = notification_ops.comments_on(store, "accounts", office.account)
    assert shown.mentions == ("Mia Grant",)
    assert shown.edited_at is not None
    _sign_in(store, "mgr", office.mgr)
    with pytest.raises(comments.CommentError, match="Only the author"):
        notification_ops.edit_comment(store, comment, "mine now")
    with pytest.raises(comments.CommentError, match="Only the author"):
        notification_ops.delete_comment(store, comment)


def test_the_people_a_mention_reaches_are_those_who_see_the_record(store: LocalStore, office: Office) -> None:
    people = notification_ops.mentionable(store, "accounts", office.account)
    assert [p.login for p in people] == ["ann", "mgr"]  # bob (SE) does not see New England


# -- sources ----------------------------------------------------------------------------------------------


def test_a_mention_is_told_once_to_the_user_named_and_not_to_its_author(
    store: LocalStore, office: Office
) -> None:
    comment = notification_ops.add_comment(store, "accounts", office.account, "@mgr please call them")
    assert notification_ops.refresh(store) == []  # ann wrote it
    _sign_in(store, "mgr", office.mgr)
    assert notification_ops.refresh(store) == [f"mention:{comment}"]
    assert notification_ops.refresh(store) == []  # idempotent
    (item,) = notification_ops.listing(store)
    assert item.title == "Ann Archer mentioned you on Account Harbor Freight Co"
    assert (item.kind, item.table, item.record_id, item.read) == (
        "mention",
        "accounts",
        office.account,
        False,
    )
    with store.reading() as s:  # a comment deleted later is not told again, nor is the notification lost
        assert sources.mentions(s, office.mgr, None) == []


def test_conflicts_of_the_users_own_changes_are_told(store: LocalStore, office: Office) -> None:
    with store.engine.begin() as conn:
        for number, (lost_by, won_by, dismissed) in enumerate(
            (("ann", "bob", 0), ("bob", "ann", 0), ("bob", "cat", 0), ("ann", "bob", 1))
        ):
            conn.execute(
                text(
                    "INSERT INTO conflicts (id, seq, table_name, record_id, territory_id, field, lost_value, "
                    "won_value, lost_by, won_by, reason, created_at, dismissed) VALUES (:id, :n, 'accounts', "
                    ":rec, :t, 'phone', '\"1\"', '\"2\"', :lost, :won, 'same-field', :at, :d)"
                ),
                {"id": f"c{number}", "n": number, "rec": office.account, "t": office.ne, "lost": lost_by,
                 "won": won_by, "at": "2026-12-06 11:00:00", "d": dismissed},
            )  # fmt: skip
    with store.reading() as s:
        found = {e.key: e for e in sources.conflicts(s, office.ann, None)}
    assert sorted(found) == ["conflict:c0", "conflict:c1"]
    assert found["conflict:c0"].title == "Your change to phone of Account Harbor Freight Co did not stay"
    assert "set bob's value aside" in found["conflict:c1"].title


def test_a_move_into_the_users_territories_is_told_from_the_history(
    store: LocalStore, office: Office
) -> None:
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    moves = ((1, office.se, office.ne), (2, office.ne, office.ne), (3, office.ne, office.se))
    with store.engine.begin() as conn:
        for seq, old, new in moves:
            conn.execute(
                text(
                    "INSERT INTO change_history (seq, table_name, record_id, territory_id, op, changes, "
                    "db_user, applied_at) "
                    "VALUES (:seq, 'accounts', :rec, :new, 'update', :changes, 'mgr', :at)"
                ),
                {"seq": seq, "rec": office.account, "new": new, "at": now,
                 "changes": json.dumps({"territory_id": [old, new], "phone": ["1", "2"]})},
            )  # fmt: skip
    with store.reading() as s:
        (moved,) = sources.moved_in(s, office.ann, None)
        (to_bob,) = sources.moved_in(s, office.bob, None)  # seq 3: from New England into Southeast
    assert to_bob.key == f"territory-in:accounts:{office.account}:3"
    assert moved.key == f"territory-in:accounts:{office.account}:1"
    assert moved.title == "Account Harbor Freight Co moved into your territory New England"
    assert moved.body == "Moved by mgr from Southeast."


def test_a_failed_sync_is_told_once_per_stretch(store: LocalStore, office: Office) -> None:
    def told() -> list[NotificationEvent]:
        with store.reading() as s:
            return sources.sync_failures(s, office.ann, None)

    assert told() == []
    with store.engine.begin() as conn:
        conn.execute(
            text("INSERT INTO sync_state (key, value) VALUES ('last_sync_at', '2026-12-06T08:00:00+00:00')")
        )
        state.note_failure(conn, "Your sign-in expired.", "sign-in", "2026-12-06T09:00:00+00:00")
    (expired,) = told()
    assert (expired.key, expired.urgent) == ("sync:sign-in:2026-12-06T08:00:00+00:00", True)
    with store.engine.begin() as conn:
        state.note_failure(conn, "No answer.", "unreachable", "2026-12-06T10:00:00+00:00")
    assert told() == []  # two hours without the store: nothing to worry about yet
    with store.engine.begin() as conn:
        state.note_failure(conn, "No answer.", "unreachable", "2026-12-08T10:00:00+00:00")
    (away,) = told()
    assert (away.key, away.urgent) == ("sync:unreachable:2026-12-06T08:00:00+00:00", True)
    assert away.title == "Not synced since 2026-12-06 08:00 UTC"
    with store.engine.begin() as conn:
        state.note_failure(conn, "The store said no.", "failed", "2026-12-08T11:00:00+00:00")
    assert [(e.key, e.urgent) for e in told()] == [("sync:failed:2026-12-06T08:00:00+00:00", False)]


def test_the_registry_runs_every_source_and_keeps_each_key_once(store: LocalStore) -> None:
    early, late = NOW - dt.timedelta(hours=1), NOW
    registry = Registry().with_source("a", lambda s, u, since: [_event("x", late), _event("y", early)])
    registry = registry.with_source("b", lambda s, u, since: [_event("x", early, "sync")])
    with store.reading() as s:
        assert [(e.key, e.kind) for e in registry.run(s, "u", None)] == [("y", "mention"), ("x", "mention")]
        with pytest.raises(ValueError, match="registered already"):
            registry.with_source("a", lambda s, u, since: [])
        with pytest.raises(SourceError, match="unknown kind 'gossip'"):
            Registry().with_source("c", lambda s, u, since: [_event("z", kind="gossip")]).run(s, "u", None)
        naive = NOW.replace(tzinfo=None)
        with pytest.raises(SourceError, match="naive time"):
            Registry().with_source("d", lambda s, u, since: [_event("z", naive)]).run(s, "u", None)


# -- the inbox --------------------------------------------------------------------------------------------


def test_the_inbox_keeps_each_event_once_newest_first_with_read_state(
    store: LocalStore, office: Office
) -> None:
    events = [_event(f"mention:{n}", NOW + dt.timedelta(minutes=n)) for n in range(3)]
    events.append(_event("sync:a", NOW - dt.timedelta(days=1), "sync", urgent=True))
    with store.transaction() as s:
        assert len(inbox.record(s, office.ann, events)) == 4
        assert inbox.record(s, office.ann, events) == []
        assert inbox.record(s, office.mgr, events[:1]) == ["mention:0"]  # another user's own list
    assert [i.key for i in notification_ops.listing(store)] == [
        "mention:2",
        "mention:1",
        "mention:0",
        "sync:a",
    ]
    assert [i.key for i in notification_ops.listing(store, kind="sync")] == ["sync:a"]
    assert notification_ops.unread_count(store) == 4
    assert notification_ops.mark_read(store, ["mention:1", "mention:1"]) == 1
    assert notification_ops.mark_read(store, ["mention:1"]) == 0  # read already
    assert [i.key for i in notification_ops.listing(store, unread=True)] == [
        "mention:2",
        "mention:0",
        "sync:a",
    ]
    assert notification_ops.mark_read(store, ["sync:"]) == 1  # the start of one key
    with pytest.raises(inbox.UnknownNotification, match="more than one"):
        notification_ops.mark_read(store, ["mention:"])
    with pytest.raises(inbox.UnknownNotification, match="no notification 'nope'"):
        notification_ops.mark_read(store, ["nope"])
    assert notification_ops.mark_all_read(store) == 2
    assert notification_ops.unread_count(store) == 0
    with store.reading() as s:  # one synced row per key, its id the same on every laptop
        rows = s.execute(text("SELECT id, key, owner_id, territory_id FROM notification_reads")).all()
        outbox = s.execute(
            text("SELECT count(*) FROM outbox WHERE table_name = 'notification_reads'")
        ).scalar()
    assert {(r.id, r.key) for r in rows} == {
        (inbox.read_id(office.ann, k), k) for k in ("mention:0", "mention:1", "mention:2", "sync:a")
    }
    assert {(r.owner_id, r.territory_id) for r in rows} == {(office.ann, None)}
    assert outbox == 4
    with pytest.raises(Exception, match="no kind of notification 'gossip'"):
        notification_ops.listing(store, kind="gossip")


def test_the_tray_shows_each_urgent_unread_notification_once(store: LocalStore, office: Office) -> None:
    with store.transaction() as s:
        inbox.record(
            s, office.ann, [_event("sync:a", urgent=True), _event("sync:b", urgent=True), _event("m")]
        )
    notification_ops.mark_read(store, ["sync:b"])
    assert [i.key for i in notification_ops.to_show_in_tray(store)] == ["sync:a"]
    assert notification_ops.to_show_in_tray(store) == []


# -- the command line ---------------------------------------------------------------------------------------


def test_sfa_notifications_and_comments(
    capsys: pytest.CaptureFixture[str], store: LocalStore, office: Office, data_dir: Path
) -> None:
    comment = notification_ops.add_comment(store, "accounts", office.account, "@mgr please call")
    _sign_in(store, "mgr", office.mgr)
    store.close()
    assert main(["--data-dir", str(data_dir), "notifications", "--unread"]) == 0
    out = capsys.readouterr().out
    assert f"mention:{comment}"[:36] in out
    assert "Ann Archer mentioned you on Account Har…" in out
    assert main(["--data-dir", str(data_dir), "notifications", "--format", "json", "--kind", "mention"]) == 0
    (told,) = json.loads(capsys.readouterr().out)
    assert (told["key"], told["read"], told["record_id"]) == (f"mention:{comment}", False, office.account)
    assert main(["--data-dir", str(data_dir), "notifications", "read", f"mention:{comment[:8]}"]) == 0
    assert capsys.readouterr().out == "Marked 1 notification read.\n"
    assert main(["--data-dir", str(data_dir), "notifications", "--unread"]) == 0
    assert capsys.readouterr().err == "No unread notifications.\n"
    assert main(["--data-dir", str(data_dir), "notifications", "read"]) == 1
    assert "Give the keys" in capsys.readouterr().err
    assert main(["--data-dir", str(data_dir), "notifications", "read", "--all"]) == 0
    assert capsys.readouterr().out == "Marked 0 notifications read.\n"
    assert (
        main(
            [
                "--data-dir",
                str(data_dir),
                "comments",
                "add",
                "account",
                "Harbor Freight Co",
                "On",
                "it",
                "@ann",
            ]
        )
        == 0
    )
    assert "goes out with the next sync" in capsys.readouterr().out
    assert main(["--data-dir", str(data_dir), "comments", "list", "accounts", office.account[:8]]) == 0
    listed = capsys.readouterr().out
    assert "Ann Archer" in listed
    assert "@Mia Grant please call" in listed
    assert "On it @Ann Archer" in listed
    assert main(["--data-dir", str(data_dir), "comments", "add", "leads", "x", "hello"]) == 1
    assert "Comments go on accounts, opportunities" in capsys.readouterr().err


def test_a_failed_sync_is_remembered_and_told(store: LocalStore, office: Office) -> None:
    """``sync_now`` keeps the failure for the centre and raises it again: no token for the sync server in
    the keyring is a sign-in to do (urgent); a good sync clears it."""
    from sfa_desktop.ops import sync as sync_ops
    from sfa_desktop.protocol.errors import CentralError

    with store.engine.begin() as conn:
        current = state.load(conn)
        current.url, current.client_id = "https://127.0.0.1:9", "laptop-1"
        state.save(conn, current, "url", "client_id")
    with pytest.raises(CentralError):
        sync_ops.sync_now(store)
    st = sync_ops.sync_state(store)
    assert st.last_error_kind == "sign-in"
    assert st.last_error
    (told,) = notification_ops.listing(store, kind="sync")
    assert (told.key, told.urgent, told.title) == ("sync:sign-in:never", True, "Sign in again to sync")
    with pytest.raises(CentralError):
        sync_ops.sync_now(store)
    assert len(notification_ops.listing(store, kind="sync")) == 1  # the same stretch: told once
