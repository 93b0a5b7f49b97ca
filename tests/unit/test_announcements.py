"""Announcements on a laptop: the audience rules (``core.audience``), the links an announcement may carry,
posting (who may address whom, what a draft needs), reading (pinned first, unread, expired hidden, a
receipt written once and only by the audience), who has read it, the notification events, and
``sfa announcements``."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from sfa_desktop.cli import main
from sfa_desktop.core import access
from sfa_desktop.core import audience as rules
from sfa_desktop.core.announcements import board, links
from sfa_desktop.core.announcements.events import notification_events
from sfa_desktop.core.errors import UserError
from sfa_desktop.core.kb import mdtext
from sfa_desktop.core.records import services
from sfa_desktop.ops import announcements as ann_ops
from sfa_desktop.store.database import LocalStore
from sfa_desktop.sync import state

TODAY = dt.date.today()


@pytest.fixture
def company(tmp_path: Path) -> Iterator[tuple[LocalStore, dict[str, Any]]]:
    """East above North East and South East, West apart; mara manages East, rena is a rep in NE, sam a rep
    in SE, otto a rep in West, adam the office."""
    store = LocalStore.open(tmp_path / "data")
    ids: dict[str, Any] = {}
    with store.transaction() as s:
        ids["E"] = services.create(s, "territories", {"code": "E", "name": "East"}).id
        for code, name, parent in (("NE", "New England", "E"), ("SE", "Southeast", "E"), ("W", "West", None)):
            values = {"code": code, "name": name, "parent_id": ids[parent] if parent else None}
            ids[code] = services.create(s, "territories", values).id
        for login, role, home in (
            ("mara", "manager", "E"),
            ("rena", "rep", "NE"),
            ("sam", "rep", "SE"),
            ("otto", "rep", "W"),
            ("adam", "admin", None),
        ):
            values = {"login": login, "full_name": login.title(), "role": role}
            ids[login] = services.create(s, "users", values).id
            if home:
                services.create(
                    s, "territory_memberships", {"territory_id": ids[home], "user_id": ids[login]}
                )
    try:
        yield store, ids
    finally:
        store.close()


def sign_in(store: LocalStore, user_id: str, login: str) -> None:
    with store.engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM sync_state")
        state.save(conn, state.SyncState(client_id="c", url="sqlite:///c", login=login, user_id=user_id))


def who(store: LocalStore) -> access.Identity:
    with store.engine.connect() as conn:
        found = access.this_user(conn)
    assert found is not None
    return found


def post_as(store: LocalStore, ids: dict[str, Any], login: str, title: str, **draft: Any) -> str:
    sign_in(store, ids[login], login)
    return ann_ops.post(store, board.Draft(title, f"About {title}.", **draft))


# -- rules ---------------------------------------------------------------------------------------------


def test_the_audience_reaches_a_territory_with_its_children_and_the_managers_above(
    company: tuple[LocalStore, dict[str, Any]],
) -> None:
    store, ids = company
    to = {
        code: {"audience": "territory", "audience_territory_id": ids[code], "author_id": None} for code in ids
    }
    reps = {"audience": "role", "audience_role": "rep", "author_id": None}
    sign_in(store, ids["rena"], "rena")
    rena = who(store)
    assert rena.above == {ids["NE"], ids["E"]}
    assert rules.addressed_to(rena, to["E"])  # a territory's announcements reach its children
    assert rules.addressed_to(rena, to["NE"])
    assert not rules.receives_announcement(rena, to["SE"])
    assert not rules.receives_announcement(rena, to["W"])
    assert rules.addressed_to(rena, reps)
    sign_in(store, ids["mara"], "mara")
    mara = who(store)
    assert rules.addressed_to(mara, to["E"])
    assert not rules.addressed_to(mara, to["NE"])  # below her: she oversees it, it is not hers to read
    assert rules.oversees_announcement(mara, to["NE"])
    assert rules.oversees_announcement(mara, reps)
    assert not rules.receives_announcement(mara, to["W"])
    # who may post where: a manager her territories; the office anyone; a rep nobody
    assert rules.may_post_announcement(mara, "territory", ids["SE"])
    assert not rules.may_post_announcement(mara, "territory", ids["W"])
    assert not rules.may_post_announcement(mara, "everyone")
    assert not rules.may_post_announcement(rena, "territory", ids["NE"])
    sign_in(store, ids["adam"], "adam")
    assert rules.may_post_announcement(who(store), "role", None)


def test_receipts_go_to_their_reader_the_writer_and_the_managers_never_to_another_rep(
    company: tuple[LocalStore, dict[str, Any]],
) -> None:
    store, ids = company
    east = {"audience": "territory", "audience_territory_id": ids["E"], "author_id": ids["mara"]}
    sign_in(store, ids["sam"], "sam")
    sam = who(store)
    assert rules.may_see_receipt(sam, ids["sam"], east)
    assert not rules.may_see_receipt(sam, ids["rena"], east)
    assert not rules.may_see_read_receipts(sam, east)
    assert not rules.may_write_receipt(sam, None, {"user_id": ids["rena"], "announcement_id": "a"})
    assert rules.may_write_receipt(sam, None, {"user_id": ids["sam"], "announcement_id": "a"})
    sign_in(store, ids["mara"], "mara")
    mara = who(store)
    assert rules.may_see_receipt(mara, ids["rena"], east)
    assert rules.may_see_read_receipts(mara, east)
    # a manager may not readdress her announcement, nor post it as someone else
    assert not rules.may_write_announcement(mara, east, {"audience_territory_id": ids["SE"]})
    assert rules.may_write_announcement(mara, east, {"pinned": True})
    assert not rules.may_write_announcement(mara, None, {**east, "author_id": ids["adam"]})


# -- links and drafts ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "file:///etc/passwd",
        "data:text/html,<b>x</b>",
        "ftp://x",
        "x",
    ],
)
def test_links_other_than_articles_and_web_pages_are_refused(target: str) -> None:
    with pytest.raises(links.BadLink, match="not allowed"):
        links.check(target)


def test_links_to_articles_and_web_pages_are_kept_and_stored_ones_are_checked_again() -> None:
    assert links.check("kb:abc", "Pricing").article_id == "abc"
    assert links.check("https://example.com/x").label == "example.com"
    stored = json.dumps(
        [{"label": "ok", "target": "https://a.b"}, {"label": "bad", "target": "javascript:x"}]
    )
    assert [link.label for link in links.decode(stored)] == ["ok"]  # a forged row's bad link is dropped
    assert links.decode("not json") == ()


@pytest.mark.parametrize(
    ("draft", "message"),
    [
        (board.Draft(" ", "text"), "needs a title"),
        (board.Draft("T", "  "), "needs a text"),
        (board.Draft("T", "x", "nobody"), "audience is one of"),
        (board.Draft("T", "x", "territory"), "Choose the territory"),
        (board.Draft("T", "x", "role", role="admin"), "role is one of"),
        (board.Draft("T", "x", expires_on=TODAY - dt.timedelta(days=1)), "has passed"),
        (board.Draft("T", "x", links=(links.Link("x", "javascript:alert(1)"),)), "not allowed"),
    ],
)
def test_a_draft_says_what_to_fix(draft: board.Draft, message: str) -> None:
    with pytest.raises(UserError, match=message):
        board.check_draft(draft, TODAY)


# -- posting and reading -------------------------------------------------------------------------------


def test_posting_reading_and_who_has_read(company: tuple[LocalStore, dict[str, Any]]) -> None:
    store, ids = company
    with pytest.raises(access.NotPermitted, match="managers and the office"):
        post_as(store, ids, "rena", "Rep news", audience="territory", territory_id=ids["NE"])
    with pytest.raises(access.NotPermitted, match="territories they manage"):
        post_as(store, ids, "mara", "West news", audience="territory", territory_id=ids["W"])
    east = post_as(store, ids, "mara", "Q1 targets", audience="territory", territory_id=ids["E"])
    north = post_as(store, ids, "mara", "Trade show", audience="territory", territory_id=ids["NE"])
    office = post_as(store, ids, "adam", "Price list", pinned=True)
    old = post_as(store, ids, "adam", "Old news", expires_on=TODAY)
    with store.transaction() as s:
        s.execute(
            text("UPDATE announcements SET expires_on = :d WHERE id = :i"), {"d": "2020-01-01", "i": old}
        )
    # the writer's own announcement is not one for her to read: no receipt, not unread
    sign_in(store, ids["mara"], "mara")
    own = ann_ops.open_announcement(store, east)
    assert (own.addressed, own.read_at, own.may_change) == (False, None, True)
    # rena: pinned first, then the newest; the expired one only when asked
    sign_in(store, ids["rena"], "rena")
    titles = [item.title for item in ann_ops.listing(store)]
    assert titles == ["Price list", "Trade show", "Q1 targets"]
    assert "Old news" in [item.title for item in ann_ops.listing(store, include_expired=True)]
    assert [item.unread for item in ann_ops.listing(store)] == [True, True, True]
    opened = ann_ops.open_announcement(store, office)
    assert opened.read_at is not None
    assert not opened.may_change
    again = ann_ops.open_announcement(store, office)
    assert again.read_at == opened.read_at  # the first reading counts
    assert [item.title for item in ann_ops.listing(store, unread_only=True)] == ["Trade show", "Q1 targets"]
    assert store.engine.connect().execute(text("SELECT count(*) FROM announcement_receipts")).scalar() == 1
    with pytest.raises(access.NotPermitted):
        ann_ops.read_report(store, east)
    # sam (SE) never sees the announcement to NE
    sign_in(store, ids["sam"], "sam")
    assert [item.title for item in ann_ops.listing(store)] == ["Price list", "Q1 targets"]
    with pytest.raises(board.AnnouncementNotFound):
        ann_ops.load(store, north)
    ann_ops.open_announcement(store, east)
    # the writer: who has read it, and who has not after N days
    sign_in(store, ids["mara"], "mara")
    report = ann_ops.read_report(store, east)
    assert [p.login for p in report.read] == ["sam"]
    assert [p.login for p in report.unread] == ["rena"]
    assert report.overdue == ()
    assert [p.login for p in ann_ops.read_report(store, east, days=0).overdue] == ["rena"]
    # she may pin and withdraw her own; withdrawn, it is gone from the list
    ann_ops.set_pinned(store, east, True)
    assert [item.title for item in ann_ops.listing(store)][:2] == ["Price list", "Q1 targets"]  # pinned
    with pytest.raises(access.NotPermitted):
        ann_ops.withdraw(store, office)
    ann_ops.withdraw(store, east)
    assert "Q1 targets" not in [item.title for item in ann_ops.listing(store)]


def test_notification_events_for_new_announcements_urgent_when_pinned(
    company: tuple[LocalStore, dict[str, Any]],
) -> None:
    store, ids = company
    pinned = post_as(store, ids, "adam", "Safety notice", pinned=True, audience="role", role="rep")
    plain = post_as(store, ids, "mara", "Targets", audience="territory", territory_id=ids["E"])
    post_as(store, ids, "mara", "Trade show", audience="territory", territory_id=ids["NE"])
    with store.reading() as session:
        events = notification_events(session, ids["sam"], None)
        assert {(e.record_id, e.urgent) for e in events} == {(pinned, True), (plain, False)}
        assert all(e.kind == "announcement" and e.table == "announcements" for e in events)
        assert {e.key for e in events} == {f"announcement:{pinned}", f"announcement:{plain}"}
        later = max(e.at for e in events)
        assert notification_events(session, ids["sam"], later) == []
        assert notification_events(session, ids["mara"], None) == []  # her own; the reps' safety notice
    sign_in(store, ids["sam"], "sam")
    ann_ops.open_announcement(store, pinned)
    with store.reading() as session:
        assert [e.record_id for e in notification_events(session, ids["sam"], None)] == [plain]


def test_plain_text_drops_scripts_and_raw_html() -> None:
    body = "Hello <script>alert('x')</script><b onclick='x()'>bold</b> [click](javascript:alert(1))"
    shown = mdtext.plain_text(body)
    assert "script" not in shown
    assert "alert" not in shown
    assert "onclick" not in shown
    assert "javascript" not in shown
    assert shown == "Hello bold click"


# -- the command line -----------------------------------------------------------------------------------


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_the_command_line(
    company: tuple[LocalStore, dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    store, ids = company
    folder = str(store.path.parent)
    sign_in(store, ids["mara"], "mara")
    body = store.path.parent / "body.md"
    body.write_text("## Targets\n\n- New England: $410k\n", encoding="utf-8")
    code, out, err = run(
        capsys,
        "announcements", "post", "--data-dir", folder, "--title", "Q1 targets", "--body-file", str(body),
        "--territory", "e", "--pin", "--expires", (TODAY + dt.timedelta(days=30)).isoformat(),
        "--link", "Playbook=https://example.com/qbr",
    )  # fmt: skip
    assert (code, err) == (0, "")
    assert "Posted “Q1 targets” for East and below" in out
    code, out, err = run(
        capsys, "announcements", "post", "--data-dir", folder, "--title", "X", "--body", "y", "--everyone"
    )
    assert code == 1
    assert "territories they manage" in err
    code, _out, err = run(
        capsys,
        "announcements",
        "post",
        "--data-dir",
        folder,
        "--title",
        "X",
        "--body",
        "y",
        "--territory",
        "E",
        "--link",
        "javascript:alert(1)",
    )
    assert code == 1
    assert "not allowed" in err
    sign_in(store, ids["rena"], "rena")
    code, out, _err = run(capsys, "announcements", "list", "--data-dir", folder, "--format", "json")
    listed = json.loads(out)
    assert [(a["title"], a["pinned"], a["unread"]) for a in listed] == [("Q1 targets", True, True)]
    code, out, _err = run(capsys, "announcements", "show", "--data-dir", folder, listed[0]["id"][:8])
    assert code == 0
    assert "Targets" in out
    assert "New England: $410k" in out
    assert "Playbook: https://example.com/qbr" in out
    code, out, err = run(capsys, "announcements", "list", "--data-dir", folder, "--unread")
    assert "No unread announcements." in err
    code, out, err = run(capsys, "announcements", "receipts", "--data-dir", folder, listed[0]["id"])
    assert code == 1
    assert "for its writer" in err
    sign_in(store, ids["mara"], "mara")
    code, out, err = run(
        capsys, "announcements", "receipts", "--data-dir", folder, listed[0]["id"], "--days", "0"
    )
    assert code == 0
    assert "Read by 1 of 2." in out
    assert "Rena (rena)" in out
    assert "Not read after 0 days: Sam" in out
    code, out, err = run(capsys, "announcements", "show", "--data-dir", folder, "zzzz")
    assert code == 1
    assert "no announcement 'zzzz'" in err
