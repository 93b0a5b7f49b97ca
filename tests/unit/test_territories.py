"""The territory tree: descendants (a parent includes its children everywhere: the record lists' filter and
``sfa ... list --territory``), the tree with counts, members and rules, and the checks on deleting."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from sfa_desktop.cli import main
from sfa_desktop.core.records import services
from sfa_desktop.core.records.validation import ValidationError
from sfa_desktop.core.territories import tree as territories
from sfa_desktop.core.territories.tree import TerritoryError
from sfa_desktop.store import lists
from sfa_desktop.store.database import LocalStore
from tests import report_fixture
from tests.report_fixture import Fixture


@pytest.fixture
def fx(store: LocalStore) -> Fixture:
    return report_fixture.build(store)


def test_descendants_include_every_level_and_skip_deleted(store: LocalStore, fx: Fixture) -> None:
    with store.transaction() as s:
        deep = services.create(s, "territories", {"code": "NE-N", "name": "North", "parent_id": fx["NE"]}).id
        deeper = services.create(
            s, "territories", {"code": "NE-NN", "name": "Far north", "parent_id": deep}
        ).id
        gone = services.create(s, "territories", {"code": "SE-X", "name": "Gone", "parent_id": fx["SE"]}).id
        services.delete(s, "territories", gone)
    with store.reading() as s:
        east = territories.descendants(s, fx["EAST"])
        assert east[0] == fx["EAST"]
        assert set(east) == {fx["EAST"], fx["NE"], fx["SE"], deep, deeper}
        assert territories.descendants(s, fx["NE"]) == [fx["NE"], *sorted([deep, deeper], key=east.index)]
        assert territories.descendants(s, deeper) == [deeper]
    with pytest.raises(ValueError, match="not a parameter name"):
        territories.subtree_sql("x; DROP TABLE accounts")


def test_record_lists_filtered_by_a_parent_include_its_children(store: LocalStore, fx: Fixture) -> None:
    with store.engine.connect() as conn:
        east = lists.list_ids(conn, "accounts", filters={"territory_id": fx["EAST"]})
        ne = lists.list_ids(conn, "accounts", filters={"territory_id": fx["NE"]})
        assert set(east) == {fx["A1"], fx["A2"], fx["A3"], fx["A4"]}
        assert set(ne) == {fx["A1"], fx["A2"]}
        assert lists.count(conn, "contacts", filters={"territory_id": fx["EAST"]}) == 4
        assert lists.count(conn, "leads", filters={"territory_id": fx["EAST"]}) == 6
        assert lists.count(conn, "opportunities", filters={"territory_id": fx["SE"]}) == 3


def test_cli_list_by_territory_includes_children(
    store: LocalStore, fx: Fixture, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = str(store.path.parent)
    assert main(["--data-dir", folder, "accounts", "list", "--territory", "EAST", "--format", "csv"]) == 0
    rows = capsys.readouterr().out.splitlines()[1:]
    assert sorted(r.split(",")[1] for r in rows) == ["A1 Corp", "A2 Corp", "A3 Corp", "A4 Corp"]
    assert (
        main(["--data-dir", folder, "accounts", "list", "--territory", "Southeast", "--format", "csv"]) == 0
    )
    rows = capsys.readouterr().out.splitlines()[1:]
    assert sorted(r.split(",")[1] for r in rows) == ["A3 Corp", "A4 Corp"]


def test_the_tree_with_counts_members_and_rules(store: LocalStore, fx: Fixture) -> None:
    with store.transaction() as s:
        territories.add_member(s, fx["NE"], fx["ann"], "rep")
        services.create(s, "territory_rules", {"territory_id": fx["NE"], "name": "MA", "region": "MA"})
        services.create(
            s, "territory_rules", {"territory_id": fx["NE"], "name": "off", "region": "CT", "active": False}
        )
    with store.reading() as s:
        roots = territories.load_tree(s)
    assert [r.code for r in roots] == ["EAST", "WEST"]
    east = roots[0]
    assert [c.code for c in east.children] == ["NE", "SE"]
    ne = east.children[0]
    assert (ne.depth, ne.accounts, ne.leads, ne.rules) == (1, 2, 2, 1)  # a converted lead is not open
    assert [(m.login, m.role) for m in ne.members] == [("ann", "rep")]
    assert (east.total_accounts, east.total_leads) == (4, 2)  # SE's leads are all converted
    assert [n.code for n in territories.flatten(roots)] == ["EAST", "NE", "SE", "WEST"]
    assert territories.find(roots, fx["SE"]) is east.children[1]


def test_a_member_cannot_be_added_twice(store: LocalStore, fx: Fixture) -> None:
    with store.transaction() as s:
        territories.add_member(s, fx["NE"], fx["ann"])
    with store.transaction() as s, pytest.raises(ValidationError, match="already a member"):
        territories.add_member(s, fx["NE"], fx["ann"])


def test_a_territory_that_holds_records_or_children_is_not_deleted(store: LocalStore, fx: Fixture) -> None:
    with (
        store.transaction() as s,
        pytest.raises(TerritoryError, match=r"East \(EAST\) has 2 territories below it"),
    ):
        territories.delete_territory(s, fx["EAST"])
    with store.transaction() as s, pytest.raises(TerritoryError, match="still holds 2 accounts and 3 leads"):
        territories.delete_territory(s, fx["NE"])


def test_deleting_an_empty_territory_takes_its_members_and_rules(store: LocalStore, fx: Fixture) -> None:
    with store.transaction() as s:
        empty = services.create(s, "territories", {"code": "NEW", "name": "New", "parent_id": fx["EAST"]}).id
        territories.add_member(s, empty, fx["bob"])
        services.create(s, "territory_rules", {"territory_id": empty, "name": "r", "city": "Boston"})
    with store.transaction() as s:
        assert territories.delete_territory(s, empty) == 3
    with store.engine.connect() as conn:
        for table in ("territory_memberships", "territory_rules"):
            live = conn.execute(
                text(f"SELECT count(*) FROM {table} WHERE territory_id = :t AND deleted_at IS NULL"),
                {"t": empty},
            ).scalar()
            assert live == 0, table
        assert conn.execute(text("SELECT deleted_at FROM territories WHERE id = :t"), {"t": empty}).scalar()


def test_a_territory_cannot_go_under_its_own_child(store: LocalStore, fx: Fixture) -> None:
    with store.transaction() as s, pytest.raises(ValidationError, match="under itself or one of its own"):
        services.update(s, "territories", fx["EAST"], {"parent_id": fx["NE"]})
