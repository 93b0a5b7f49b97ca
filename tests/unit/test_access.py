"""``core.access``: who the laptop's user is, and the rules the services, the window and the command line
share (a write the user may not make is refused before it is written; one call-sheet rule for both paths)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sfa_desktop.core import access
from sfa_desktop.core.access import NotPermitted
from sfa_desktop.core.records import services
from sfa_desktop.ops.callsheet import CallSheetError, choices, rep_ids
from sfa_desktop.store.database import LocalStore
from sfa_desktop.sync import state


@pytest.fixture
def company(tmp_path: Path) -> Iterator[tuple[LocalStore, dict[str, Any]]]:
    """East above North East and South East, West apart; a manager of East with a rep under them in NE, a
    rep of West who reports to nobody here, an admin."""
    store = LocalStore.open(tmp_path / "data")
    ids: dict[str, Any] = {}
    with store.transaction() as s:  # not connected yet: a laptop of its own may change everything
        ids["E"] = services.create(s, "territories", {"code": "E", "name": "East"}).id
        for code, parent in (("NE", "E"), ("SE", "E"), ("W", None)):
            values = {"code": code, "name": code, "parent_id": ids[parent] if parent else None}
            ids[code] = services.create(s, "territories", values).id
        for login, role, manager, home in (
            ("mara", "manager", None, "E"),
            ("rena", "rep", "mara", "NE"),
            ("otto", "rep", None, "W"),
            ("adam", "admin", None, None),
        ):
            values = {"login": login, "full_name": login.title(), "role": role}
            if manager:
                values["manager_id"] = ids[manager]
            ids[login] = services.create(s, "users", values).id
            if home:
                member = {"territory_id": ids[home], "user_id": ids[login]}
                services.create(s, "territory_memberships", member)
        ids["acct_NE"] = services.create(s, "accounts", {"name": "Acme NE", "territory_id": ids["NE"]}).id
        ids["acct_W"] = services.create(s, "accounts", {"name": "Acme W", "territory_id": ids["W"]}).id
    try:
        yield store, ids
    finally:
        store.close()


def sign_in(store: LocalStore, user_id: str | None, login: str | None = None) -> None:
    with store.engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM sync_state")
        if user_id or login:
            state.save(conn, state.SyncState(client_id="c", url="sqlite:///c", login=login, user_id=user_id))


def test_who_is_signed_in_and_what_they_see(company: tuple[LocalStore, dict[str, Any]]) -> None:
    store, ids = company
    with store.engine.connect() as conn:
        assert access.this_user(conn) is None  # never connected
    expected = {
        "rena": {ids["NE"]},
        "mara": {ids["E"], ids["NE"], ids["SE"]},
        "adam": {ids[c] for c in ("E", "NE", "SE", "W")},
    }
    for login, visible in expected.items():
        sign_in(store, ids[login], login)
        with store.engine.connect() as conn:
            who = access.this_user(conn)
        assert who is not None
        assert who.login == login
        assert who.territories == visible
    sign_in(store, None, "newcomer")  # connected, not synced yet
    with store.engine.connect() as conn:
        who = access.this_user(conn)
    assert who is not None
    assert who.role == "unknown"
    assert not access.manages(who)


def test_the_services_refuse_what_the_user_may_not_write(company: tuple[LocalStore, dict[str, Any]]) -> None:
    store, ids = company
    sign_in(store, ids["rena"], "rena")
    with store.transaction() as s:
        services.update(s, "accounts", ids["acct_NE"], {"name": "Acme North East"})  # her territory
    with pytest.raises(NotPermitted, match="not yours"), store.transaction() as s:
        services.update(s, "accounts", ids["acct_W"], {"name": "Mine now"})
    with pytest.raises(NotPermitted, match="not yours"), store.transaction() as s:
        services.update(s, "accounts", ids["acct_NE"], {"territory_id": ids["W"]})  # moved out of reach
    with (
        pytest.raises(NotPermitted, match="Only managers and administrators change articles"),
        store.transaction() as s,
    ):
        services.create(s, "kb_articles", {"title": "My notes", "body": "..."})
    with pytest.raises(NotPermitted, match="Only administrators change pipeline"), store.transaction() as s:
        services.create(s, "pipeline_stages", {"key": "x", "name": "X", "category": "open"})
    sign_in(store, ids["mara"], "mara")
    with store.transaction() as s:
        services.create(s, "kb_articles", {"title": "Team notes", "body": "..."})
        below = services.create(s, "territories", {"code": "NE2", "name": "NE2", "parent_id": ids["NE"]}).id
        services.create(s, "territory_rules", {"territory_id": below, "name": "Maine", "region": "ME"})
    with pytest.raises(NotPermitted, match="managers of the territory"), store.transaction() as s:
        services.create(s, "territory_rules", {"territory_id": ids["W"], "name": "West", "region": "CA"})
    sign_in(store, None)
    with store.transaction() as s:  # a laptop of its own: nobody else to refuse it
        services.update(s, "accounts", ids["acct_W"], {"name": "Acme West"})


def test_one_call_sheet_rule_for_the_dialog_and_the_command_line(
    company: tuple[LocalStore, dict[str, Any]],
) -> None:
    store, ids = company
    reps = ("rena", "otto")
    for login, allowed in (("mara", {"rena"}), ("rena", {"rena"}), ("adam", set(reps)), (None, set(reps))):
        sign_in(store, ids[login] if login else None, login)
        offered = {login for _id, _name, login in choices(store).reps}
        assert offered == allowed, login
        for rep in reps:  # the command line accepts exactly the sheets the dialog offers
            if rep in allowed:
                assert rep_ids(store, [rep]) == [ids[rep]]
            else:
                with pytest.raises(CallSheetError, match="for their"):
                    rep_ids(store, [rep])
    sign_in(store, ids["mara"], "mara")
    with pytest.raises(CallSheetError, match="otto does not report to you"):
        rep_ids(store, ["otto"])


def test_visible_territories() -> None:
    tree = [("E", None), ("NE", "E"), ("SE", "E"), ("W", None), ("X", "NE")]
    assert access.visible_territories("rep", ["NE"], tree) == {"NE", "X"}
    assert access.visible_territories("manager", ["E", "gone"], tree) == {"E", "NE", "SE", "X"}
    assert access.visible_territories("admin", [], tree) == {"E", "NE", "SE", "W", "X"}
