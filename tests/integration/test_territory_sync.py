"""Territory management across laptops, on SQLite and PostgreSQL central stores: run assignment on the
manager's laptop moves records that then leave and reach the right laptops; a manager adds a territory with
its members and rules in one sync; what the window offers (``core.access.rights``) is what the central store
accepts; and a rep's report never holds another territory's figures."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from sfa_desktop.core import access
from sfa_desktop.core.access import NotPermitted
from sfa_desktop.core.records import services
from sfa_desktop.core.reports import sections as report_sections
from sfa_desktop.core.reports import view as report_view
from sfa_desktop.core.reports.base import Period, ReportError
from sfa_desktop.core.reports.territory import build
from sfa_desktop.core.territories import assignment
from tests.integration.sync_harness import Laptop, World, assert_replica_matches, world_fixture


@pytest.fixture(params=["sqlite", "postgresql"])
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    pg = request.getfixturevalue("pg_url") if request.param == "postgresql" else None
    yield from world_fixture(request.param, tmp_path, pg)


def conflicts(lap: Laptop) -> list[tuple[str, str]]:
    with lap.store.engine.connect() as conn:
        return [(r[0], r[1]) for r in conn.execute(text("SELECT table_name, reason FROM conflicts"))]


def customer(lap: Laptop, territory: str, name: str, postcode: str) -> dict[str, str]:
    """An account with a contact, a deal, an activity and an order (written by an admin's laptop)."""
    ids = {
        "account": lap.create(
            "accounts", {"name": name, "territory_id": territory, "postcode": postcode, "country": "US"}
        )
    }
    ids["contact"] = lap.create("contacts", {"last_name": "Buyer", "account_id": ids["account"]})
    ids["deal"] = lap.create(
        "opportunities",
        {"name": f"{name} deal", "account_id": ids["account"], "amount_cents": 500_000, "stage": "proposal"},
    )
    ids["call"] = lap.create(
        "activities",
        {
            "kind": "call",
            "subject": "Call",
            "account_id": ids["account"],
            "done_at": "2026-06-10 10:00+00:00",
        },
    )
    ids["order"] = lap.create(
        "orders",
        {
            "account_id": ids["account"],
            "number": f"SO-{name}",
            "order_date": "2026-06-12",
            "total_cents": 120_000,
        },
    )
    ids["line"] = lap.create(
        "order_lines",
        {
            "order_id": ids["order"],
            "account_id": ids["account"],
            "quantity": 1,
            "unit_price_cents": 120_000,
            "line_total_cents": 120_000,
        },
    )
    return ids


def test_run_assignment_on_the_managers_laptop_moves_records_between_laptops(world: World) -> None:
    admin = world.laptop("admin")
    ne, se = world.territory("NE"), world.territory("SE")
    placed = customer(admin, se, "Misplaced Mills", "02139")  # a Massachusetts ZIP entered in SE
    stays = customer(admin, se, "Savannah Supply", "31401")
    admin.sync()
    mgr, ann, bob = world.laptop("mgr"), world.laptop("ann"), world.laptop("bob")
    assert bob.row("accounts", placed["account"]) is not None
    assert ann.row("accounts", placed["account"]) is None

    with mgr.store.transaction() as s:  # what the Territories page does, through its jobs
        services.create(
            s,
            "territory_rules",
            {
                "territory_id": ne,
                "name": "New England ZIPs",
                "postcode_from": "01000",
                "postcode_to": "06999",
            },
        )
        services.create(
            s, "territory_rules", {"territory_id": se, "name": "Georgia ZIPs", "postcode_prefixes": "30, 31"}
        )
    with mgr.store.reading() as s:
        rights = access.rights(s.connection())
        preview = assignment.preview(s, may_move=rights.may_move)
    assert [(m.name, m.from_label, m.to_label) for m in preview.moves] == [
        ("Misplaced Mills", "Southeast (SE)", "New England (NE)")
    ]
    assert preview.moves[0].permitted
    with mgr.store.transaction() as s:
        assert assignment.apply_moves(s, preview.moves) == 1
    report = mgr.sync()
    assert report.conflicts == 0, conflicts(mgr)

    assert world.central_row("accounts", placed["account"])["territory_id"] == ne  # type: ignore[index]
    assert world.central_row("orders", placed["order"])["territory_id"] == ne  # type: ignore[index]
    ann.sync()
    bob.sync()
    for key in ("account", "contact", "deal", "call", "order", "line"):
        table = {
            "account": "accounts",
            "contact": "contacts",
            "deal": "opportunities",
            "call": "activities",
            "order": "orders",
            "line": "order_lines",
        }[key]
        assert ann.row(table, placed[key]) is not None, table  # arrived with its account
        assert bob.row(table, placed[key]) is None, table  # and left the old territory's laptop
        assert bob.row(table, stays[key]) is not None, table
    for lap in (mgr, ann, bob):
        assert_replica_matches(world, lap)


def test_a_manager_adds_a_territory_with_members_and_rules_in_one_sync(world: World) -> None:
    mgr = world.laptop("mgr")
    with mgr.store.reading() as s:
        users: dict[str, str] = {r[0]: r[1] for r in s.execute(text("SELECT login, id FROM users"))}
    with mgr.store.transaction() as s:
        north = services.create(
            s,
            "territories",
            {"code": "NE-N", "name": "Northern New England", "parent_id": mgr.territory("NE")},
        ).id
        services.create(
            s, "territory_memberships", {"territory_id": north, "user_id": users["ann"], "role": "rep"}
        )
        services.create(s, "territory_rules", {"territory_id": north, "name": "Maine", "region": "ME"})
        services.update(s, "territories", north, {"description": "ME, NH and VT"})
    assert mgr.sync().conflicts == 0, conflicts(mgr)
    assert world.central_row("territories", north)["description"] == "ME, NH and VT"  # type: ignore[index]
    assert world.count("territory_rules", territory_id=north) == 1
    ann = world.laptop("ann")
    with ann.store.engine.connect() as conn:
        assert north in access.rights(conn).identity.territories  # type: ignore[union-attr]


def test_what_the_window_offers_is_what_the_central_store_accepts(world: World) -> None:
    mgr, ann = world.laptop("mgr"), world.laptop("ann")
    ne, se = world.territory("NE"), world.territory("SE")
    with mgr.store.engine.connect() as conn:
        manager = access.rights(conn)
    with ann.store.engine.connect() as conn:
        rep = access.rights(conn)
    assert manager.manages
    assert not rep.manages
    assert manager.may_edit_in(ne)
    assert not rep.may_edit_in(ne)
    assert manager.may_add_territory(ne)
    assert not manager.may_add_territory(None)
    assert manager.may_move(ne, se, None)
    assert rep.identity is not None
    assert not rep.may_move(ne, se, rep.identity.user_id)
    assert "manager" in manager.describe()
    assert "sales rep" in rep.describe()

    # a rep's rule and a manager's top-level territory are refused, as the rights said
    with pytest.raises(NotPermitted, match="Only managers of the territory"):
        ann.create("territory_rules", {"territory_id": ne, "name": "Mine", "city": "Boston"})
    ann.create("territory_rules", {"territory_id": ne, "name": "Mine", "city": "Boston"}, unchecked=True)
    assert ann.sync().conflicts == 1
    assert conflicts(ann) == [("territory_rules", "not-permitted")]
    with pytest.raises(NotPermitted):
        mgr.create("territories", {"code": "TOP", "name": "Top"})
    top = mgr.create("territories", {"code": "TOP", "name": "Top"}, unchecked=True)
    mgr.create("territory_rules", {"territory_id": se, "name": "Ok", "city": "Atlanta"})
    assert mgr.sync().conflicts == 1
    assert world.central_row("territories", top) is None
    assert world.count("territory_rules", name="Ok") == 1


def test_a_reps_report_holds_only_their_territory(world: World) -> None:
    admin = world.laptop("admin")
    for code, names in (
        ("NE", ("Acme North", "Boston Bakers")),
        ("SE", ("Peach Paper",)),
        ("MA", ("Jersey Jets",)),
    ):
        for name in names:
            customer(admin, world.territory(code), name, "00000")
    admin.sync()
    ann = world.laptop("ann")
    period = Period(dt.date(2026, 6, 1), dt.date(2026, 6, 30))
    with ann.store.reading() as s:
        rights = access.rights(s.connection())
        report = build(s, None, period, visible=rights.visible)
        with pytest.raises(ReportError, match=r"Southeast \(SE\) is not one of your territories"):
            build(s, world.territory("SE"), period, visible=rights.visible)
        held = s.execute(text("SELECT count(DISTINCT territory_id) FROM accounts")).scalar()
    assert held == 1  # the laptop holds nothing else
    assert report.coverage.total.accounts == 2 == world.count("accounts", territory_id=world.territory("NE"))
    assert report.revenue.total.current == 240_000
    assert report.pipeline.total.open_amount == 1_000_000
    assert report.activity.total == 2
    assert sorted(a.name for a in report.profitability.accounts) == ["Acme North", "Boston Bakers"]
    out = io.StringIO()
    report_view.write_csv(report_sections.sections(report), out)
    csv_text = out.getvalue()
    assert "Acme North" in csv_text
    for other in ("Peach Paper", "Jersey Jets"):
        assert other not in csv_text
    assert not re.search(r"^(bob|cat),", csv_text, re.MULTILINE)  # no other rep's row
