"""The configurable pipeline: stages from the database for validation and defaults, the stage editor's rules,
won and lost with their reasons, and what the pipeline is worth (checked against sums worked out by hand)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import text

from sfa_desktop.core.records import pipeline, services, stages
from sfa_desktop.core.records.pipeline import StageEdit
from sfa_desktop.core.records.validation import ValidationError
from sfa_desktop.store import capture
from sfa_desktop.store.database import LocalStore

TODAY = dt.date(2026, 11, 24)


@pytest.fixture
def account(store: LocalStore) -> str:
    with store.transaction() as s:
        return services.create(s, "accounts", {"name": "Acme Tools"}).id


def opportunity(store: LocalStore, account: str, **values: Any) -> str:
    with store.transaction() as s:
        return services.create(s, "opportunities", {"name": "Deal", "account_id": account, **values}).id


def row(store: LocalStore, record_id: str) -> dict[str, Any]:
    with store.engine.connect() as conn:
        found = conn.execute(text("SELECT * FROM opportunities WHERE id = :i"), {"i": record_id}).mappings()
        return dict(found.one())


def edits(store: LocalStore) -> list[StageEdit]:
    with store.reading() as s:
        return [
            StageEdit(x.name, x.probability, x.category, x.active, x.id, x.key)
            for x in stages.all_stages(s, include_inactive=True)
        ]


def save(store: LocalStore, rows: list[StageEdit]) -> list[stages.Stage]:
    with store.transaction() as s:
        return pipeline.save_stages(s, rows)


def add_stage(store: LocalStore, name: str, probability: int, at: int) -> None:
    rows = edits(store)
    rows.insert(at, StageEdit(name, probability, "open"))
    save(store, rows)


# -- stages in the services --------------------------------------------------------------------------


def test_a_stage_is_named_by_key_or_name_in_any_case(store: LocalStore, account: str) -> None:
    add_stage(store, "Demo Scheduled", 35, 2)
    by_name = opportunity(store, account, stage="demo scheduled")
    by_key = opportunity(store, account, stage="  DEMO   scheduled ")
    assert row(store, by_name)["stage"] == row(store, by_key)["stage"] == "demo scheduled"
    assert row(store, by_name)["probability"] == 35  # the configured stage's default


def test_an_unknown_stage_is_refused_with_the_stages_to_choose_from(store: LocalStore, account: str) -> None:
    with store.transaction() as s, pytest.raises(ValidationError) as info:
        services.create(s, "opportunities", {"name": "X", "account_id": account, "stage": "won-ish"})
    message = info.value.errors["stage"]
    assert "'won-ish' is not a stage of the pipeline" in message
    for name in ("Prospecting", "Negotiation", "Closed won"):
        assert name in message


def test_new_opportunities_start_in_the_first_open_stage(store: LocalStore, account: str) -> None:
    add_stage(store, "Lead in", 5, 0)
    first = opportunity(store, account)
    assert (row(store, first)["stage"], row(store, first)["probability"]) == ("lead in", 5)


def test_a_stage_change_sets_its_probability_unless_one_is_given(store: LocalStore, account: str) -> None:
    add_stage(store, "Demo scheduled", 35, 2)
    deal = opportunity(store, account)
    with store.transaction() as s:
        services.update(s, "opportunities", deal, {"stage": "Demo scheduled"})
    assert row(store, deal)["probability"] == 35
    with store.transaction() as s:
        services.update(s, "opportunities", deal, {"stage": "proposal", "probability": 42})
    assert (row(store, deal)["stage"], row(store, deal)["probability"]) == ("proposal", 42)
    with store.transaction() as s:
        (bulk,) = services.create_many(
            s, "opportunities", [{"name": "B", "account_id": account, "stage": "Demo scheduled"}]
        )
    assert row(store, bulk)["probability"] == 35


def test_a_retired_stage_takes_no_new_deals_but_its_deals_stay(store: LocalStore, account: str) -> None:
    add_stage(store, "Demo scheduled", 35, 2)
    deal = opportunity(store, account, stage="demo scheduled")
    with store.transaction() as s:
        services.update(s, "opportunities", deal, {"stage": "proposal"})
    rows = edits(store)
    next(r for r in rows if r.key == "demo scheduled").active = False
    save(store, rows)
    with store.transaction() as s, pytest.raises(ValidationError) as info:
        services.update(s, "opportunities", deal, {"stage": "Demo scheduled"})
    assert "no longer used in the pipeline" in info.value.errors["stage"]
    # an opportunity still in a retired stage may be edited, and even keep its stage
    with store.transaction() as s:
        services.update(s, "opportunities", deal, {"stage": "proposal"})
        s.execute(text("UPDATE opportunities SET stage = 'demo scheduled' WHERE id = :i"), {"i": deal})
        services.update(s, "opportunities", deal, {"next_step": "Call", "stage": "demo scheduled"})
    assert row(store, deal)["stage"] == "demo scheduled"


# -- editing the stages --------------------------------------------------------------------------------


def test_save_stages_adds_renames_reorders_and_retires_in_one_go(store: LocalStore) -> None:
    rows = edits(store)
    rows[0].name = "Prospect"
    rows[0].probability = 5
    rows.insert(1, StageEdit("Demo scheduled", 30, "open"))
    rows[3], rows[4] = rows[4], rows[3]  # needs analysis after proposal
    saved = save(store, rows)
    assert [(x.key, x.name, x.position, x.probability) for x in saved][:5] == [
        ("prospecting", "Prospect", 0, 5),  # the key stays
        ("demo scheduled", "Demo scheduled", 1, 30),
        ("qualification", "Qualification", 2, 20),
        ("proposal", "Proposal", 3, 60),
        ("needs analysis", "Needs analysis", 4, 40),
    ]
    with store.engine.connect() as conn:
        changes = capture.read_outbox(conn)
    assert {(c.table, c.op) for c in changes} == {
        ("pipeline_stages", "insert"),
        ("pipeline_stages", "update"),
    }
    left_out = [r for r in edits(store) if r.key != "qualification"]
    saved = save(store, left_out)  # left out: retired, not deleted
    assert next(x for x in saved if x.key == "qualification").active is False


def _all_closed(rows: list[StageEdit]) -> None:
    for row in rows[:5]:
        row.category = "won"


def _name_of_another_key(rows: list[StageEdit]) -> None:
    rows[0].name = "First contact"
    rows[1].name = "Prospecting"  # the first stage's key


@pytest.mark.parametrize(
    ("change", "field", "fragment"),
    [
        (
            lambda rows: rows.append(StageEdit("Proposal", 50, "open")),
            "name",
            "Two stages are called 'Proposal'",
        ),
        (lambda rows: setattr(rows[0], "key", "first"), "key", "stays 'prospecting'"),
        (lambda rows: setattr(rows[5], "active", False), "won", "at least one active won stage"),
        (_all_closed, "open", "at least one active open stage"),
        (lambda rows: setattr(rows[1], "probability", 101), "probability", "at most 100"),
        (lambda rows: setattr(rows[1], "category", "maybe"), "category", "not one of"),
        (lambda rows: setattr(rows[1], "name", "  "), "name", "required"),
        (lambda rows: rows.append(StageEdit("Closed Won", 90, "open")), "name", "Two stages"),
        (lambda rows: rows.append(StageEdit("negotiation", 90, "open")), "name", "Two stages"),
        (_name_of_another_key, "name", "is the key of the stage 'First contact'"),
    ],
)
def test_a_broken_pipeline_is_refused_and_nothing_is_written(
    store: LocalStore, change: Any, field: str, fragment: str
) -> None:
    rows = edits(store)
    change(rows)
    with store.engine.connect() as conn:
        before = capture.pending_count(conn)
    with store.transaction() as s, pytest.raises(ValidationError) as info:
        pipeline.save_stages(s, rows)
    assert any(key.endswith(field) and fragment in message for key, message in info.value.errors.items()), (
        info.value.errors
    )
    with store.engine.connect() as conn:
        assert capture.pending_count(conn) == before


def test_a_stage_with_open_deals_cannot_be_retired_a_closed_one_can(store: LocalStore, account: str) -> None:
    opportunity(store, account, stage="proposal")
    opportunity(store, account, stage="closed lost")
    rows = edits(store)
    next(r for r in rows if r.key == "proposal").active = False
    with store.transaction() as s, pytest.raises(ValidationError) as info:
        pipeline.save_stages(s, rows)
    assert "1 opportunity is still in 'Proposal'" in " ".join(info.value.errors.values())
    rows = edits(store)
    lost = next(r for r in rows if r.key == "closed lost")
    rows.insert(7, StageEdit("Lost to competitor", 0, "lost"))
    lost.active = False
    save(store, rows)
    with store.transaction() as s:
        assert stages.StageIndex.load(s).first("lost").key == "lost to competitor"


def test_a_new_stage_cannot_take_a_retired_stages_key(store: LocalStore) -> None:
    rows = edits(store)
    rows.insert(1, StageEdit("Demo", 30, "open"))
    save(store, rows)
    save(store, [r for r in edits(store) if r.key != "demo"])
    rows = edits(store)
    rows.insert(1, StageEdit("demo", 30, "open"))
    with store.transaction() as s, pytest.raises(ValidationError) as info:
        pipeline.save_stages(s, [r for r in rows if r.key != "demo"])
    assert "perhaps a retired one" in " ".join(info.value.errors.values())


# -- won and lost --------------------------------------------------------------------------------------


def test_won_needs_a_reason_and_moves_to_the_won_stage(store: LocalStore, account: str) -> None:
    deal = opportunity(store, account, stage="negotiation", close_date="2027-01-31", lost_reason="old")
    with store.transaction() as s, pytest.raises(ValidationError) as info:
        pipeline.mark_won(s, deal, "   ", today=TODAY)
    assert "Say why the deal was won" in info.value.errors["won_reason"]
    with store.transaction() as s:
        pipeline.mark_won(s, deal, "Best value for money", today=TODAY)
    won = row(store, deal)
    assert (won["stage"], won["probability"], won["won_reason"], won["lost_reason"]) == (
        "closed won",
        100,
        "Best value for money",
        None,
    )
    assert won["close_date"] == TODAY.isoformat()  # a forecast in the future becomes the day it closed


def test_lost_keeps_a_past_close_date_and_clears_a_won_reason(store: LocalStore, account: str) -> None:
    deal = opportunity(store, account, stage="proposal", close_date="2026-10-01", won_reason="x")
    with store.transaction() as s:
        pipeline.mark_lost(s, deal, "Chose a competitor", today=TODAY)
    lost = row(store, deal)
    assert (lost["stage"], lost["probability"], lost["lost_reason"], lost["won_reason"]) == (
        "closed lost",
        0,
        "Chose a competitor",
        None,
    )
    assert lost["close_date"] == "2026-10-01"
    with store.transaction() as s, pytest.raises(ValidationError, match="lost_reason"):
        pipeline.mark_lost(s, deal, "", today=TODAY)


def test_moving_a_card_to_a_closed_stage_asks_for_won_or_lost(store: LocalStore, account: str) -> None:
    deal = opportunity(store, account)
    with store.transaction() as s, pytest.raises(ValidationError) as info:
        pipeline.set_stage(s, deal, "closed won")
    assert "use Won…" in info.value.errors["stage"]
    with store.transaction() as s:
        pipeline.set_stage(s, deal, "Negotiation")
    assert (row(store, deal)["stage"], row(store, deal)["probability"]) == ("negotiation", 80)


# -- what it is worth ------------------------------------------------------------------------------------


def test_weighted_totals_per_stage_and_overall_by_hand(store: LocalStore, account: str) -> None:
    with store.transaction() as s:
        ann = services.create(s, "users", {"login": "ann", "full_name": "Ann"}).id
    # prospecting 10%: $1,000.05 -> $100.005 -> and $333.33 at 15% -> $49.9995: sum 150.0045 -> $150.00
    opportunity(store, account, stage="prospecting", amount_cents=100_005)
    opportunity(store, account, stage="prospecting", amount_cents=33_333, probability=15, owner_id=ann)
    opportunity(store, account, stage="prospecting")  # no amount: counted, worth nothing
    # proposal 60%: $10,000 -> $6,000; $2,500 at 75% -> $1,875
    opportunity(store, account, stage="proposal", amount_cents=1_000_000, owner_id=ann)
    opportunity(store, account, stage="proposal", amount_cents=250_000, probability=75)
    opportunity(store, account, stage="closed won", amount_cents=700_000, owner_id=ann)
    opportunity(store, account, stage="closed lost", amount_cents=90_000)
    with store.reading() as s:
        totals = pipeline.totals(s)
        mine = pipeline.totals(s, owner_id=ann)
    by_key = {t.stage.key: t for t in totals.stages}
    assert (by_key["prospecting"].count, by_key["prospecting"].amount_cents) == (3, 133_338)
    assert by_key["prospecting"].weighted_cents == 15_000  # 100.005 + 49.9995 = 150.0045 dollars
    assert (by_key["proposal"].count, by_key["proposal"].weighted_cents) == (2, 787_500)
    assert by_key["qualification"].count == 0
    assert totals.open_count == 5
    assert totals.open_amount_cents == 133_338 + 1_250_000
    assert totals.weighted_cents == 802_500  # 150.0045 + 7,875 = 8,025.0045 dollars
    assert totals.closed("won") == (1, 700_000)
    assert totals.closed("lost") == (1, 90_000)
    assert [t.stage.key for t in totals.open] == [
        "prospecting",
        "qualification",
        "needs analysis",
        "proposal",
        "negotiation",
    ]
    assert (mine.open_count, mine.weighted_cents) == (2, 600_000 + 5_000)  # 49.9995 -> 50.00 alone
    document = totals.as_json()
    assert document["open"] == {"count": 5, "amount": "13833.38", "weighted": "8025.00"}


def test_the_board_lists_open_deals_per_stage_soonest_first(store: LocalStore, account: str) -> None:
    later = opportunity(store, account, stage="proposal", close_date="2027-03-01", amount_cents=500)
    sooner = opportunity(store, account, stage="proposal", close_date="2026-12-01", amount_cents=700)
    undated = opportunity(store, account, stage="proposal")
    opportunity(store, account, stage="closed won")
    with store.reading() as s:
        columns = pipeline.board(s)
    assert [c.stage.key for c in columns] == [
        "prospecting",
        "qualification",
        "needs analysis",
        "proposal",
        "negotiation",
    ]
    proposal = columns[3]
    assert [c.id for c in proposal.cards] == [sooner, later, undated]
    assert proposal.cards[0].account == "Acme Tools"
    assert (proposal.amount_cents, proposal.weighted_cents) == (1200, 720)
    # a retired stage shows while deals are still in it
    with store.transaction() as s:
        s.execute(text("UPDATE pipeline_stages SET active = 0 WHERE key = 'negotiation'"))
        s.execute(text("UPDATE opportunities SET stage = 'negotiation' WHERE id = :i"), {"i": later})
        columns = pipeline.board(s)
    assert [c.stage.key for c in columns][-1] == "negotiation"
    assert not columns[-1].stage.active
