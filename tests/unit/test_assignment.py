"""Run assignment on a laptop: the preview (what would move, from where to where, by which rule, and why
when rules overlap) changes nothing; applying moves the records with what belongs to them, through the
services (the outbox has the moves), in one transaction that refuses a stale preview."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import text

from sfa_desktop.core.records import services
from sfa_desktop.core.territories import assignment
from sfa_desktop.core.territories.assignment import StalePreview
from sfa_desktop.store.capture import read_outbox
from sfa_desktop.store.database import LocalStore


@dataclass
class World:
    ids: dict[str, str]

    def __getitem__(self, key: str) -> str:
        return self.ids[key]


@pytest.fixture
def world(store: LocalStore) -> World:
    ids: dict[str, str] = {}
    with store.transaction() as s:

        def make(key: str, kind: str, values: dict[str, object]) -> None:
            ids[key] = services.create(s, kind, values).id

        make("EAST", "territories", {"code": "EAST", "name": "East"})
        make("NE", "territories", {"code": "NE", "name": "New England", "parent_id": ids["EAST"]})
        make("SE", "territories", {"code": "SE", "name": "Southeast", "parent_id": ids["EAST"]})
        make("KEY", "territories", {"code": "KEY", "name": "Key accounts", "parent_id": ids["NE"]})
        make("WEST", "territories", {"code": "WEST", "name": "West"})
        make(
            "r_ne",
            "territory_rules",
            {
                "territory_id": ids["NE"],
                "name": "New England ZIPs",
                "postcode_from": "01000",
                "postcode_to": "06999",
            },
        )
        make("r_se", "territory_rules", {"territory_id": ids["SE"], "name": "Virginia", "region": "VA"})
        make(
            "r_key",
            "territory_rules",
            {
                "territory_id": ids["KEY"],
                "name": "Big Boston",
                "priority": 10,
                "city": "Boston",
                "min_employees": 1000,
                "applies_to": "accounts",
            },
        )
        make(
            "r_off",
            "territory_rules",
            {"territory_id": ids["WEST"], "name": "Off", "region": "VA", "priority": 1, "active": False},
        )
        for key, territory, city, region, postcode, size in (
            ("right", "NE", "Hartford", "CT", "06103", 50),  # in place
            ("wrong", "SE", "Providence", "RI", "02903", 80),  # SE -> NE
            ("big", "NE", "Boston", "MA", "02108", 5000),  # NE -> KEY: both rules match, priority decides
            ("va", "NE", "Richmond", "VA", "23219", 10),  # NE -> SE
            ("none", "WEST", "Austin", "TX", "73301", 10),  # no rule: stays
            ("bare", None, "Arlington", "VA", "22201", 10),  # no territory yet -> SE
        ):
            make(
                key,
                "accounts",
                {
                    "name": key.capitalize(),
                    "city": city,
                    "region": region,
                    "postcode": postcode,
                    "employee_count": size,
                    "territory_id": ids[territory] if territory else None,
                },
            )
        make("contact", "contacts", {"last_name": "Doe", "account_id": ids["wrong"]})
        make("deal", "opportunities", {"name": "Deal", "account_id": ids["wrong"]})
        make("call", "activities", {"kind": "call", "subject": "Hi", "account_id": ids["wrong"]})
        make(
            "lead_big",
            "leads",
            {
                "last_name": "Lead",
                "company": "Big lead",
                "city": "Boston",
                "postcode": "02108",
                "employee_count": 9000,
                "territory_id": ids["SE"],
            },
        )  # rule KEY is accounts only
        make(
            "lead_done",
            "leads",
            {
                "last_name": "Old",
                "company": "Converted",
                "region": "VA",
                "status": "converted",
                "converted_account_id": ids["wrong"],
                "converted_contact_id": ids["contact"],
                "territory_id": ids["NE"],
            },
        )
    return World(ids)


def preview(store: LocalStore, territory: str | None = None, may_move: object = None) -> assignment.Preview:
    with store.reading() as s:
        return assignment.preview(s, territory_id=territory, may_move=may_move)  # type: ignore[arg-type]


def test_preview_lists_the_moves_with_their_rule_and_changes_nothing(store: LocalStore, world: World) -> None:
    with store.engine.connect() as conn:
        before = len(read_outbox(conn))
    result = preview(store)
    moves = {(m.name, m.from_label, m.to_label, m.rule_name) for m in result.moves}
    assert moves == {
        ("Wrong", "Southeast (SE)", "New England (NE)", "New England ZIPs"),
        ("Big", "New England (NE)", "Key accounts (KEY)", "Big Boston"),
        ("Va", "New England (NE)", "Southeast (SE)", "Virginia"),
        ("Bare", "(no territory)", "Southeast (SE)", "Virginia"),
        ("Big lead", "Southeast (SE)", "New England (NE)", "New England ZIPs"),
    }
    assert (result.considered, result.in_place, result.unmatched, result.overlaps, result.rules) == (
        7,
        1,
        1,
        1,
        3,
    )
    assert "4 accounts and 1 lead would move" in result.summary()
    assert "1 match no rule and stay where they are" in result.summary()
    with store.engine.connect() as conn:
        assert len(read_outbox(conn)) == before


def test_an_overlap_is_explained(store: LocalStore, world: World) -> None:
    big = next(m for m in preview(store).moves if m.name == "Big")
    assert big.overlap
    assert big.decided_by == "priority 10 before 100"
    assert "Rule 'Big Boston' (city Boston, 1,000+ employees) wins over 'New England ZIPs'" in big.why


def test_scope_limits_to_moves_into_or_out_of_the_territory_and_below(
    store: LocalStore, world: World
) -> None:
    ne = {m.name for m in preview(store, world["NE"]).moves}
    assert ne == {"Wrong", "Big", "Va", "Big lead"}  # KEY is below NE: Big's move is inside it
    assert {m.name for m in preview(store, world["KEY"]).moves} == {"Big"}
    assert {m.name for m in preview(store, world["WEST"]).moves} == set()
    assert "in West (WEST) and below" in preview(store, world["WEST"]).summary()


def test_moves_the_user_may_not_make_are_marked_and_not_applied(store: LocalStore, world: World) -> None:
    allowed = {world["NE"], world["KEY"]}
    result = preview(store, may_move=lambda old, new, _owner: old in allowed and new in allowed)
    assert [m.name for m in result.permitted] == ["Big"]
    assert len(result.blocked) == 4
    assert "4 moves are outside what you may change" in result.summary()
    with store.transaction() as s:
        assert assignment.apply_moves(s, result.moves) == 1
    with store.engine.connect() as conn:
        assert (
            conn.execute(text("SELECT territory_id FROM accounts WHERE id = :i"), {"i": world["va"]}).scalar()
            == world["NE"]
        )


def test_apply_moves_records_with_their_children_through_the_outbox(store: LocalStore, world: World) -> None:
    result = preview(store)
    with store.transaction() as s:
        assert assignment.apply_moves(s, result.moves) == 5
    with store.engine.connect() as conn:

        def territory(table: str, key: str) -> str:
            return str(
                conn.execute(
                    text(f"SELECT territory_id FROM {table} WHERE id = :i"), {"i": world[key]}
                ).scalar()
            )

        assert territory("accounts", "wrong") == world["NE"]
        for table, key in (("contacts", "contact"), ("opportunities", "deal"), ("activities", "call")):
            assert territory(table, key) == world["NE"], table  # what belongs to the account moves with it
        assert territory("accounts", "big") == world["KEY"]
        assert territory("accounts", "bare") == world["SE"]
        assert territory("leads", "lead_big") == world["NE"]
        moved = {
            c.record_id
            for c in read_outbox(conn)
            if c.op == "update" and "territory_id" in c.changes and c.table in ("accounts", "leads")
        }
    assert moved == {world[k] for k in ("wrong", "big", "va", "bare", "lead_big")}
    assert preview(store).moves == []  # done: every record is where its rules say
    assert "Nothing would move" in preview(store).summary()


def test_a_stale_preview_moves_nothing(store: LocalStore, world: World) -> None:
    result = preview(store)
    with store.transaction() as s:
        services.update(s, "accounts", world["va"], {"territory_id": world["WEST"]})
    with (
        store.transaction() as s,
        pytest.raises(StalePreview, match="1 record changed since the preview \\(Va\\)"),
    ):
        assignment.apply_moves(s, result.moves)
    with store.engine.connect() as conn:
        assert (
            conn.execute(
                text("SELECT territory_id FROM accounts WHERE id = :i"), {"i": world["wrong"]}
            ).scalar()
            == world["SE"]
        )


def test_without_rules_the_preview_says_what_to_do(store: LocalStore) -> None:
    result = preview(store)
    assert result.moves == []
    assert result.summary() == "There are no active assignment rules: add rules to a territory first."


def _territory_of(store: LocalStore, kind: str, record_id: str) -> str | None:
    with store.engine.connect() as conn:
        found = conn.execute(
            text(f"SELECT territory_id FROM {kind} WHERE id = :i"), {"i": record_id}
        ).scalar()
    return None if found is None else str(found)


def test_a_run_is_logged_and_the_last_run_can_be_undone(store: LocalStore, world: World) -> None:
    """Issue 14, item 8: after Move there was no record of what moved; now each run is logged and the last
    one can be undone, through the services (the outbox has the moves back, so the undo syncs)."""
    from sfa_desktop.ops import territories as territory_ops

    before = {m.record_id: m.from_id for m in preview(store).moves}
    with pytest.raises(territory_ops.NothingToUndo, match="No assignment run to undo"):
        territory_ops.undo_last_run(store)
    result = territory_ops.preview(store, None)
    assert territory_ops.apply_moves(store, result.permitted, result.scope) == len(before)
    (run,) = territory_ops.assignment_runs(store)
    assert run.scope == "in all territories"
    assert {m.record_id: (m.from_id, m.to_id) for m in run.moves} == {
        m.record_id: (m.from_id, m.to_id) for m in result.permitted
    }
    assert not run.undone
    assert run.describe() == f"{len(before)} records moved in all territories"
    with store.engine.connect() as conn:
        sent_before = len(read_outbox(conn))
    undone = territory_ops.undo_last_run(store)
    assert undone.id == run.id
    assert undone.undone
    for record_id, from_id in before.items():
        kind = next(m.kind for m in run.moves if m.record_id == record_id)
        assert _territory_of(store, kind, record_id) == from_id
    with store.engine.connect() as conn:
        back = [c for c in read_outbox(conn)[sent_before:] if c.table in ("accounts", "leads")]
    assert {c.record_id for c in back} == set(before)  # the way back goes out with the next sync
    assert {m.record_id for m in preview(store).moves} == set(before)  # the rules would move them again
    with pytest.raises(territory_ops.NothingToUndo, match="undone already"):
        territory_ops.undo_last_run(store)


def test_a_run_whose_records_moved_again_is_not_undone(store: LocalStore, world: World) -> None:
    from sfa_desktop.ops import territories as territory_ops

    result = territory_ops.preview(store, world["EAST"])
    territory_ops.apply_moves(store, result.permitted, result.scope)
    with store.transaction() as s:
        services.update(s, "accounts", world["va"], {"territory_id": world["WEST"]})  # by hand, since
    with pytest.raises(assignment.CannotUndo, match="1 record changed since the run \\(Va\\)"):
        territory_ops.undo_last_run(store)
    assert _territory_of(store, "accounts", world["va"]) == world["WEST"]
    assert _territory_of(store, "accounts", world["wrong"]) == world["NE"]  # nothing moved back
    (run,) = territory_ops.assignment_runs(store)
    assert not run.undone
