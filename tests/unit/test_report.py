"""The territory report's figures, section by section, against the hand-counted fixture
(tests/report_fixture.py), overall and per rep; a territory includes those below it; bad periods and a
deleted territory are refused with a message; an empty period says so."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import pytest

from sfa_desktop.core.reports import sections as report_sections
from sfa_desktop.core.reports.base import Period, ReportError, TerritoryGone
from sfa_desktop.core.reports.territory import TerritoryReport, build
from sfa_desktop.store.database import LocalStore
from tests import report_fixture
from tests.report_fixture import NOW, PERIOD, SETTINGS, Fixture


@pytest.fixture
def fx(store: LocalStore) -> Fixture:
    return report_fixture.build(store)


def report(
    store: LocalStore, territory: str | None, period: Period = PERIOD, **kw: object
) -> TerritoryReport:
    with store.reading() as session:
        return build(session, territory, period, settings=SETTINGS, now=NOW, tz=dt.UTC, **kw)  # type: ignore[arg-type]


@pytest.fixture
def east(store: LocalStore, fx: Fixture) -> TerritoryReport:
    return report(store, fx["EAST"])


def by_rep(rows: Sequence[Any], name: str) -> Any:
    return next(r for r in rows if r.rep == name)


def test_scope_is_the_territory_and_those_below_it(east: TerritoryReport, fx: Fixture) -> None:
    assert set(east.scope.territory_ids) == {fx["EAST"], fx["NE"], fx["SE"]}
    assert east.scope.label == "East (EAST)"
    assert set(east.scope.children) == {"New England (NE)", "Southeast (SE)"}


def test_coverage(east: TerritoryReport) -> None:
    cov = east.coverage
    assert (cov.total.accounts, cov.total.contacts, cov.total.recent, cov.total.never_visited) == (4, 4, 2, 3)
    ann, bob = by_rep(cov.reps, "Ann Archer"), by_rep(cov.reps, "Bob Baker")
    assert (ann.accounts, ann.contacts, ann.recent, ann.never_visited) == (2, 3, 1, 1)
    assert (bob.accounts, bob.contacts, bob.recent, bob.never_visited) == (2, 1, 1, 2)


def test_activity_by_kind_rep_and_week(east: TerritoryReport) -> None:
    act = east.activity
    assert act.total == 7
    assert act.buckets == [dt.date(2026, 6, d) for d in (1, 8, 15, 22, 29)]
    per_week = [sum(act.grid[k][i] for k in act.kinds) for i in range(5)]
    assert per_week == [2, 2, 0, 3, 0]
    assert {k: sum(v) for k, v in act.grid.items()} == {
        "call": 2,
        "visit": 1,
        "email": 1,
        "meeting": 1,
        "task": 1,
        "note": 1,
    }
    ann, bob = by_rep(act.reps, "Ann Archer"), by_rep(act.reps, "Bob Baker")
    assert ann.by_kind == {"call": 2, "task": 1, "email": 1, "visit": 1}
    assert bob.by_kind == {"meeting": 1, "note": 1}


def test_sequence_steps_on_time_late_overdue(east: TerritoryReport) -> None:
    steps = east.activity.steps
    assert (steps.on_time, steps.late, steps.overdue, steps.upcoming) == (1, 1, 1, 1)
    assert by_rep(east.activity.reps, "Ann Archer").steps == steps
    assert by_rep(east.activity.reps, "Bob Baker").steps.total == 0


def test_leads_conversion_and_median_days(east: TerritoryReport) -> None:
    total = east.leads
    assert (total.created, total.qualified, total.converted) == (5, 4, 3)
    assert total.conversion_rate == pytest.approx(0.6)
    assert total.median_days == pytest.approx(6.0)  # of 10, 4 and 6 days
    ann, bob = by_rep(east.lead_reps, "Ann Archer"), by_rep(east.lead_reps, "Bob Baker")
    assert (ann.created, ann.qualified, ann.converted, ann.median_days) == (3, 2, 1, pytest.approx(10.0))
    assert (bob.created, bob.qualified, bob.converted, bob.median_days) == (2, 2, 2, pytest.approx(5.0))


def test_pipeline_by_stage_won_lost_and_win_rate(east: TerritoryReport) -> None:
    stages = {s.key: (s.count, s.amount, s.weighted) for s in east.pipeline.stages if s.count}
    assert stages == {
        "prospecting": (1, 1_000_000, 100_000),
        "proposal": (1, 2_000_000, 1_200_000),
        "negotiation": (1, 500_000, 400_000),
        "closed won": (2, 1_000_000, 1_000_000),
        "closed lost": (1, 400_000, 0),
    }
    assert [s.key for s in east.pipeline.stages][:2] == ["prospecting", "qualification"]  # pipeline order
    t = east.pipeline.total
    assert (t.open_count, t.open_amount, t.weighted) == (3, 3_500_000, 1_700_000)
    assert (t.won_count, t.won_amount, t.lost_count, t.lost_amount) == (2, 1_000_000, 1, 400_000)
    assert t.win_rate == pytest.approx(2 / 3)
    ann, bob = by_rep(east.pipeline.reps, "Ann Archer"), by_rep(east.pipeline.reps, "Bob Baker")
    assert (ann.open_amount, ann.weighted, ann.won_amount, ann.win_rate) == (
        3_000_000,
        1_300_000,
        800_000,
        1.0,
    )
    assert (bob.open_amount, bob.weighted, bob.lost_amount, bob.win_rate) == (500_000, 400_000, 400_000, 0.5)


def test_revenue_against_the_previous_period(east: TerritoryReport) -> None:
    rev = east.revenue
    assert (rev.total.current, rev.total.previous, rev.total.orders, rev.total.previous_orders) == (
        150_000,
        550_000,
        2,
        3,
    )
    assert rev.total.change == pytest.approx((1500 - 5500) / 5500)
    assert rev.current == [0, 100_000, 50_000, 0, 0]
    assert rev.previous == [200_000, 300_000, 50_000, 0, 0]  # from 2 May: 5th, 15th, 20th
    ann, bob = by_rep(rev.reps, "Ann Archer"), by_rep(rev.reps, "Bob Baker")
    assert (ann.current, ann.previous) == (100_000, 300_000)
    assert (bob.current, bob.previous) == (50_000, 250_000)


def test_customer_profitability_margin_cost_to_serve_and_segments(east: TerritoryReport) -> None:
    prof = east.profitability
    rows = [
        (a.name, a.orders, a.revenue, a.margin, a.activities, a.cost, a.net, a.segment) for a in prof.accounts
    ]
    # A1: margin 380 - (visit 180 + call 15 + task 10 + email 4 + one order 35) = 136
    # A2: no June order (cancelled), a call: -15; A3: margin unknown (0), meeting 120 + note 0 + order 35
    assert rows == [
        ("A1 Corp", 1, 100_000, 38_000, 4, 24_400, 13_600, "A"),
        ("A2 Corp", 0, 0, 0, 1, 1_500, -1_500, "C"),
        ("A3 Corp", 1, 50_000, 0, 2, 15_500, -15_500, "C"),
    ]
    assert [a.rank for a in prof.accounts] == [1, 2, 3]
    assert [a.cumulative for a in prof.accounts] == [13_600, 12_100, -3_400]
    segments = {s.name: (s.accounts, s.net, s.revenue, s.losing) for s in prof.segments}
    assert segments == {"A": (1, 13_600, 100_000, 0), "B": (0, 0, 0, 0), "C": (2, -17_000, 50_000, 2)}
    assert prof.total_net == -3_400
    assert prof.curve[0] == (0.0, 0.0)
    assert prof.curve[-1][0] == 1.0
    assert prof.curve[-1][1] == pytest.approx(-1.0)


def test_segments_a_b_c_by_share_of_profit(store: LocalStore, fx: Fixture) -> None:
    """With enough profitable accounts: A earns the first 80%, B up to 95%, C the rest."""
    from sfa_desktop.core.records import services

    with store.transaction() as s:
        for n, amount in enumerate((7_000, 1_500, 1_000, 400, 100)):  # net = amount - order cost 35
            account = services.create(s, "accounts", {"name": f"Z{n}", "territory_id": fx["WEST"]}).id
            services.create(
                s,
                "orders",
                {
                    "account_id": account,
                    "number": f"Z{n}",
                    "order_date": "2026-06-10",
                    "total_cents": amount * 100,
                    "cost_cents": 0,
                },
            )
    west = report(store, fx["WEST"]).profitability
    segments = {a.name: a.segment for a in west.accounts}
    # positive nets 6965, 1465, 965, 365, 65: 9825 (West's W1 costs more than it earns: -215)
    assert segments["Z0"] == "A"
    assert segments["Z1"] == "A"
    assert segments["Z2"] == "B"  # 85.8% before it: under 95%
    assert segments["W1 Corp"] == "C"
    assert segments["Z3"] == "C"
    assert segments["Z4"] == "C"


def test_accounts_at_risk(east: TerritoryReport) -> None:
    risk = east.at_risk
    assert risk.customers == 4  # A1, A3, A4 ordered; A2 won deals
    rows = [(r.name, r.previous, r.current, r.declining, r.lapsed, r.last_contact) for r in risk.accounts]
    assert rows == [
        ("A4 Corp", 200_000, 0, True, True, None),  # never contacted, orders gone
        ("A1 Corp", 300_000, 100_000, True, False, dt.date(2026, 6, 25)),
    ]
    assert risk.accounts[0].reasons == "orders declining, never contacted"
    reps = {r.rep: (r.declining, r.lapsed, r.both, r.at_stake) for r in risk.reps}
    assert reps == {"Ann Archer": (1, 0, 0, 200_000), "Bob Baker": (0, 0, 1, 200_000)}


def test_a_child_territory_and_all_territories(store: LocalStore, fx: Fixture) -> None:
    ne = report(store, fx["NE"])
    assert ne.coverage.total.accounts == 2
    assert {r.rep for r in ne.coverage.reps} == {"Ann Archer"}
    assert ne.revenue.total.current == 100_000
    everything = report(store, None)
    assert everything.scope.label == "All territories"
    assert everything.coverage.total.accounts == 5
    assert everything.revenue.total.current == 200_000  # West's order too
    mine = report(store, None, visible=frozenset({fx["SE"]}))
    assert mine.scope.label == "All my territories"
    assert mine.coverage.total.accounts == 2
    assert {r.rep for r in mine.coverage.reps} == {"Bob Baker"}


def test_a_territory_not_the_users_is_refused(store: LocalStore, fx: Fixture) -> None:
    with pytest.raises(ReportError, match=r"Southeast \(SE\) is not one of your territories"):
        report(store, fx["SE"], visible=frozenset({fx["NE"]}))


def test_a_deleted_territory_says_so(store: LocalStore, fx: Fixture) -> None:
    from sfa_desktop.core.records import services

    with store.transaction() as s:
        services.delete(s, "territories", fx["WEST"])
    with pytest.raises(TerritoryGone, match=r"The territory West \(WEST\) no longer exists.*Choose another"):
        report(store, fx["WEST"])
    with pytest.raises(TerritoryGone, match="no longer exists"):
        report(store, "no-such-id")


def test_end_before_start_names_the_dates() -> None:
    with pytest.raises(ReportError, match="ends on 2026-05-01, before it starts on 2026-06-01"):
        Period(dt.date(2026, 6, 1), dt.date(2026, 5, 1))
    with pytest.raises(ReportError, match="The start date '2026-13-01' is not a date"):
        Period.parse("2026-13-01", "2026-12-31")


def test_period_lengths_and_buckets() -> None:
    assert PERIOD.days == 30
    assert PERIOD.previous == Period(dt.date(2026, 5, 2), dt.date(2026, 5, 31))
    year = Period(dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    assert year.bucket_days == 30
    assert len(year.buckets()) == 13
    assert Period.last_days(90, dt.date(2026, 3, 31)).start == dt.date(2026, 1, 1)
    assert PERIOD.label() == "1\u201330 Jun 2026"
    assert PERIOD.previous.label() == "2\u201331 May 2026"
    assert Period(dt.date(2026, 5, 2), dt.date(2026, 7, 1)).label() == "2 May \u2013 1 Jul 2026"
    assert Period(dt.date(2025, 12, 27), dt.date(2026, 1, 5)).label() == "27 Dec 2025 \u2013 5 Jan 2026"
    assert Period(dt.date(2026, 1, 5), dt.date(2026, 1, 5)).label() == "5 Jan 2026"


def test_an_empty_period_says_no_activity_in_every_section(store: LocalStore, fx: Fixture) -> None:
    empty = report(store, fx["EAST"], Period(dt.date(2030, 1, 1), dt.date(2030, 1, 31)))
    assert not empty.has_activity
    sections = {s.key: s for s in report_sections.sections(empty)}
    assert sections["activity"].empty == "No activity in this period."
    assert sections["leads"].empty == "No leads were created in this period."
    assert sections["revenue"].empty == "No orders in this period or the one before."
    assert sections["profitability"].empty == "No orders or activities for any account in this period."
    assert sections["coverage"].empty is None  # accounts are still held
    assert sections["pipeline"].empty is None  # and deals still open
    assert report(store, fx["EAST"]).has_activity  # June has some


def test_no_orders_at_all_is_handled(store: LocalStore) -> None:
    """A laptop without any orders (no sales history imported yet): revenue and profitability say so."""
    from sfa_desktop.core.records import services

    with store.transaction() as s:
        territory = services.create(s, "territories", {"code": "X", "name": "X"}).id
        account = services.create(s, "accounts", {"name": "Solo", "territory_id": territory}).id
        services.create(
            s,
            "activities",
            {"kind": "call", "subject": "hi", "account_id": account, "done_at": "2026-06-10 10:00+00:00"},
        )
    result = report(store, territory)
    sections = {s.key: s for s in report_sections.sections(result)}
    assert sections["revenue"].empty == "No orders in this period or the one before."
    assert (
        sections["at_risk"].empty
        == "No customers yet: no orders and no won opportunities in these territories."
    )
    assert result.profitability.accounts[0].net == -1_500  # a call, and nothing earned


def test_reps_at_a_glance(east: TerritoryReport) -> None:
    table = report_sections.reps_at_a_glance(east)
    rows = {r[0]: r[1:] for r in table.rows}
    assert rows["Ann Archer"] == (2, 0.5, 5, 1, 3_000_000, 800_000, 100_000, pytest.approx(-2 / 3), 1)
    assert rows["Bob Baker"] == (2, 0.5, 2, 2, 500_000, 200_000, 50_000, pytest.approx(-0.8), 1)


def _lead(store: LocalStore, owner: str | None, territory: str, created: str, converted: str | None) -> str:
    from sqlalchemy import text

    from sfa_desktop.core.records import services

    with store.transaction() as s:
        lead = services.create(
            s,
            "leads",
            {"last_name": "Late", "territory_id": territory, "owner_id": owner, "status": "qualified"},
        ).id
        s.execute(
            text("UPDATE leads SET created_at = :c, status = 'converted', converted_at = :v WHERE id = :i"),
            {
                "c": f"{created} 09:00:00.000000",
                "v": f"{converted} 09:00:00.000000" if converted else None,
                "i": lead,
            },
        )
    return lead


def test_a_lead_converted_before_it_was_created_is_left_out_of_the_median_and_counted(
    store: LocalStore, fx: Fixture
) -> None:
    """Issue 14, item 7: the demo wrote leads created after their conversion and the median came out at
    -75.8 days.  Such a lead is bad data: counted as such, never averaged."""
    _lead(store, fx["bob"], fx["SE"], "2026-06-21", "2026-03-01")  # converted 112 days before created
    east = report(store, fx["EAST"])
    assert east.leads.median_days == pytest.approx(6.0)  # still of 10, 4 and 6 days
    assert east.leads.misdated == 1
    bob = by_rep(east.lead_reps, "Bob Baker")
    assert (bob.converted, bob.median_days, bob.misdated) == (3, pytest.approx(5.0), 1)
    section = {s.key: s for s in report_sections.sections(east)}["leads"]
    median = next(k for k in section.kpis if k.label == "Median time to convert")
    assert median.value == "6.0 days"
    assert median.detail == "1 lead converted before created: left out"
    (table,) = section.tables
    assert table.columns[-1].label == "Converted before created"
    assert table.total is not None
    assert table.total[-1] == 1
    assert "left out of the median" in table.note


def test_changes_carry_their_sign_everywhere(east: TerritoryReport) -> None:
    """Issue 14, item 7: 'vs previous' showed '86%' in the tables while its card said '+86%'; every change
    is now signed the same way, a rise with '+', a fall with a minus sign."""
    from sfa_desktop.core.reports.view import format_value, signed_percent

    assert [signed_percent(v) for v in (0.86, -0.124, 0.004, None)] == ["+86%", "\u221212%", "0%", "\u2013"]
    glance = report_sections.reps_at_a_glance(east)
    column = [c.label for c in glance.columns].index("vs previous")
    assert glance.columns[column].kind == "change"
    assert {format_value("change", r[column]) for r in glance.rows} == {"\u221267%", "\u221280%"}
    revenue = {s.key: s for s in report_sections.sections(east)}["revenue"]
    change = next(c for c in revenue.tables[0].columns if c.label == "Change")
    assert change.kind == "change"
    assert next(k for k in revenue.kpis if k.label == "Change").value == "\u221273%"  # 1,500 against 5,500
    risk = {s.key: s for s in report_sections.sections(east)}["at_risk"]
    assert all(c.kind != "percent" for c in risk.tables[0].columns if c.label == "Change")


def test_no_row_of_zeros_for_records_without_an_owner(store: LocalStore, fx: Fixture) -> None:
    """Issue 14, item 7: Reps at a glance showed a '(no owner)' row of zeros (a lead nobody owns was created
    in the period: the glance shows only leads converted).  A row with something to show stays."""
    from sfa_desktop.core.records import services

    with store.transaction() as s:  # a lead nobody owns, created in the period, not converted
        lead = services.create(s, "leads", {"last_name": "Nobody's", "territory_id": fx["NE"]}).id
    with store.engine.begin() as conn:
        from sqlalchemy import text

        conn.execute(
            text("UPDATE leads SET created_at = '2026-06-03 09:00:00.000000' WHERE id = :i"), {"i": lead}
        )
    east = report(store, fx["EAST"])
    assert by_rep(east.lead_reps, "(no owner)").created == 1  # the leads table counts it
    glance = {r[0] for r in report_sections.reps_at_a_glance(east).rows}
    assert glance == {"Ann Archer", "Bob Baker"}
    with store.transaction() as s:  # an account nobody owns: now the row has an account to show
        services.create(s, "accounts", {"name": "Orphan", "territory_id": fx["NE"]})
    east = report(store, fx["EAST"])
    assert "(no owner)" in {r[0] for r in report_sections.reps_at_a_glance(east).rows}
    assert by_rep(east.coverage.reps, "(no owner)").accounts == 1


def test_the_report_says_how_far_it_is_and_stops_when_cancelled(store: LocalStore, fx: Fixture) -> None:
    """Issue 14, item 7: a blank page for seconds at 5,000 accounts, no progress shown."""
    from sfa_desktop.core.progress import Cancelled, Progress
    from sfa_desktop.core.reports.territory import STAGES

    heard: list[tuple[str, int, int]] = []
    report(store, fx["EAST"], progress=Progress(lambda *step: heard.append(step), interval=0))
    assert heard == [(stage, n, len(STAGES)) for n, stage in enumerate(STAGES)] + [
        ("Done", len(STAGES), len(STAGES))
    ]
    stopped = Progress()
    stopped.cancel()
    with pytest.raises(Cancelled):
        report(store, fx["EAST"], progress=stopped)


def test_the_csv_has_reps_at_a_glance_as_the_screen_and_paper_do(
    store: LocalStore, fx: Fixture, tmp_path: Any
) -> None:
    import csv

    from sfa_desktop.ops import territories as territory_ops

    result = territory_ops.make_report(store, fx["EAST"], PERIOD.start, PERIOD.end)
    written = territory_ops.write_csv(result, tmp_path / "east.csv")
    rows = list(csv.reader(written.read_text(encoding="utf-8").splitlines()))
    start = rows.index(["Summary: Reps at a glance"])
    assert rows[start + 1][0] == "Rep"
    assert rows[start + 1][8] == "vs previous"
    assert [r[0] for r in rows[start + 2 : start + 4]] == ["Ann Archer", "Bob Baker"]
