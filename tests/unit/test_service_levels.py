"""Service levels per segment: inheritance down the territory tree, the company default, the built-in
defaults, the account's own frequency, the next visit due and who may set an account's segment."""

from __future__ import annotations

import datetime as dt

import pytest

from sfa_desktop.core import access, service_levels
from sfa_desktop.core.access import Identity, NotPermitted
from sfa_desktop.core.records import services
from sfa_desktop.core.records.validation import ValidationError
from sfa_desktop.core.service_levels import DEFAULTS, ServiceLevel
from sfa_desktop.store.database import LocalStore

TODAY = dt.date(2026, 12, 7)


def _level(territory: str | None, segment: str, low: int, high: int, minutes: int = 40) -> dict[str, object]:
    return {
        "territory_id": territory,
        "segment": segment,
        "visit_min_days": low,
        "visit_max_days": high,
        "visit_minutes": minutes,
        "answer_hours": 6,
        "resolve_hours": 50,
    }


@pytest.fixture
def tree(store: LocalStore) -> dict[str, str]:
    with store.transaction() as s:
        east = services.create(s, "territories", {"code": "EAST", "name": "East"}).id
        ne = services.create(s, "territories", {"code": "NE", "name": "North-East", "parent_id": east}).id
        boston = services.create(s, "territories", {"code": "BOS", "name": "Boston", "parent_id": ne}).id
        other = services.create(s, "territories", {"code": "WEST", "name": "West"}).id
        ids = {"east": east, "ne": ne, "boston": boston, "west": other}
        for key, territory, segment in (
            ("a_bos", boston, "A"),
            ("b_bos", boston, "B"),
            ("a_west", other, "A"),
            ("none", None, None),
        ):
            ids[key] = services.create(
                s, "accounts", {"name": key, "territory_id": territory, "segment": segment}
            ).id
    return ids


def test_built_in_defaults_without_any_row(store: LocalStore, tree: dict[str, str]) -> None:
    with store.transaction() as s:
        assert (
            service_levels.level_for(s, tree["a_bos"])
            == DEFAULTS["A"]
            == ServiceLevel("A", 14, 21, 60, 4, 48)
        )
        assert service_levels.level_for(s, tree["b_bos"]) == ServiceLevel("B", 30, 45, 45, 8, 72)
        # an account without a segment is served as C
        assert service_levels.level_for(s, tree["none"]) == ServiceLevel("C", 90, 120, 30, 24, 120)


def test_children_inherit_the_nearest_territory_then_the_company(
    store: LocalStore, tree: dict[str, str]
) -> None:
    with store.transaction() as s:
        services.create(s, "service_levels", _level(None, "A", 10, 12))
        assert service_levels.level_for(s, tree["a_bos"]).visit_min_days == 10  # the company's
        services.create(s, "service_levels", _level(tree["east"], "A", 7, 9, 90))
        level = service_levels.level_for(s, tree["a_bos"])
        assert (level.visit_min_days, level.visit_max_days, level.visit_minutes) == (7, 9, 90)  # East's
        services.create(s, "service_levels", _level(tree["ne"], "A", 5, 6))
        assert service_levels.level_for(s, tree["a_bos"]).visit_min_days == 5  # the nearest: North-East
        assert service_levels.level_for(s, tree["a_west"]).visit_min_days == 10  # West: the company's
        assert service_levels.level_for(s, tree["b_bos"]) == DEFAULTS["B"]  # no B row anywhere
        rows = service_levels.effective_levels(s, tree["boston"])
        assert [(r.segment, r.source, r.row_id) for r in rows] == [
            ("A", "North-East", None),
            ("B", "default", None),
            ("C", "default", None),
        ]
    ne_b = _level(tree["ne"], "B", 20, 30)
    ne_b.update({"answer_hours": 2.0, "resolve_hours": 24.0})
    with store.transaction() as s:
        services.create(s, "service_levels", ne_b)
    with store.reading() as s:  # a request's targets: the same levels, read once per territory
        for account in ("a_bos", "a_west", "b_bos", "none"):
            level = service_levels.level_for(s, tree[account])
            targets = service_levels.request_targets(s, [tree[account]])[tree[account]]
            assert targets == (level.answer_hours, level.resolve_hours)
        assert service_levels.request_targets(s, [tree["b_bos"]]) == {
            tree["b_bos"]: (2.0, 24.0)
        }  # North-East's B
        assert service_levels.request_targets(s, ["no such account"]) == {
            "no such account": (24.0, 120.0)
        }  # served as C


def test_a_deleted_level_no_longer_applies(store: LocalStore, tree: dict[str, str]) -> None:
    with store.transaction() as s:
        row = services.create(s, "service_levels", _level(tree["boston"], "A", 3, 4)).id
        assert service_levels.level_for(s, tree["a_bos"]).visit_min_days == 3
        services.delete(s, "service_levels", row)
        assert service_levels.level_for(s, tree["a_bos"]) == DEFAULTS["A"]


def test_the_account_overrides_the_frequency(store: LocalStore, tree: dict[str, str]) -> None:
    with store.transaction() as s:
        services.update(s, "accounts", tree["a_bos"], {"visit_min_days": 3})
        level = service_levels.level_for(s, tree["a_bos"])
        assert (level.visit_min_days, level.visit_max_days, level.visit_minutes) == (3, 21, 60)
        services.update(s, "accounts", tree["a_bos"], {"visit_min_days": 30, "visit_max_days": 40})
        assert service_levels.level_for(s, tree["a_bos"]).visit_max_days == 40
        # a "most" below the "least" is read as the least
        services.update(s, "accounts", tree["a_bos"], {"visit_max_days": 10})
        assert service_levels.level_for(s, tree["a_bos"]).visit_max_days == 30


def _visit(s: object, account: str, days_ago: int, **extra: object) -> str:
    when = dt.datetime.combine(TODAY - dt.timedelta(days=days_ago), dt.time(12), dt.UTC)
    values = {"kind": "visit", "subject": "v", "account_id": account, "done_at": when, **extra}
    return services.create(s, "activities", values).id  # type: ignore[arg-type]


def test_next_visit_due_from_the_last_visit_done(store: LocalStore, tree: dict[str, str]) -> None:
    with store.transaction() as s:
        never = service_levels.next_visit_due(s, tree["a_bos"], TODAY)
        assert (never.state, never.due_from, never.due_by, never.last_visit) == ("due", TODAY, None, None)
        _visit(s, tree["a_bos"], 10)  # A: 14 to 21 days
        due = service_levels.next_visit_due(s, tree["a_bos"], TODAY)
        assert (due.state, due.last_visit, due.due_from, due.due_by) == (
            "later",
            TODAY - dt.timedelta(days=10),
            TODAY + dt.timedelta(days=4),
            TODAY + dt.timedelta(days=11),
        )
        assert service_levels.next_visit_due(s, tree["a_bos"], TODAY + dt.timedelta(days=4)).state == "due"
        assert service_levels.next_visit_due(s, tree["a_bos"], TODAY + dt.timedelta(days=11)).state == "due"
        late = service_levels.next_visit_due(s, tree["a_bos"], TODAY + dt.timedelta(days=12))
        assert late.state == "overdue"
        # what does not count: a call, a visit not done, a deleted visit
        services.create(
            s,
            "activities",
            {
                "kind": "call",
                "subject": "c",
                "account_id": tree["b_bos"],
                "done_at": dt.datetime(2026, 12, 6, tzinfo=dt.UTC),
            },
        )
        services.create(
            s,
            "activities",
            {
                "kind": "visit",
                "subject": "p",
                "account_id": tree["b_bos"],
                "due_at": dt.datetime(2026, 12, 6, tzinfo=dt.UTC),
            },
        )
        _visit(s, tree["b_bos"], 100)
        gone = _visit(s, tree["b_bos"], 1)
        services.delete(s, "activities", gone)
        b = service_levels.next_visit_due(s, tree["b_bos"], TODAY)
        assert (b.state, b.last_visit) == ("overdue", TODAY - dt.timedelta(days=100))  # B: overdue after 45


def test_visits_due_for_many_accounts_by_state_and_segment(store: LocalStore, tree: dict[str, str]) -> None:
    with store.transaction() as s:
        _visit(s, tree["a_bos"], 5)
        _visit(s, tree["a_west"], 30)
        everything = service_levels.visits_due(s, today=TODAY)
        assert {k: v.state for k, v in everything.items()} == {
            tree["a_bos"]: "later",
            tree["a_west"]: "overdue",
            tree["b_bos"]: "due",
            tree["none"]: "due",
        }
        overdue = service_levels.visits_due(s, today=TODAY, states=("overdue",))
        assert list(overdue) == [tree["a_west"]]
        b_only = service_levels.visits_due(s, today=TODAY, segments=("B",))
        assert list(b_only) == [tree["b_bos"]]
        boston = service_levels.visits_due(s, today=TODAY, territory_ids=[tree["boston"]])
        assert set(boston) == {tree["a_bos"], tree["b_bos"]}
        with pytest.raises(service_levels.UnknownAccount):
            service_levels.next_visit_due(s, "no-such-account", TODAY)


def test_a_rep_may_not_set_the_segment_a_manager_may(store: LocalStore, tree: dict[str, str]) -> None:
    visible = frozenset({tree["east"], tree["ne"], tree["boston"]})
    rep = Identity("u-rep", "ann", "rep", visible)
    manager = Identity("u-mgr", "mgr", "manager", visible)
    with store.transaction() as s:
        access.check_as(s, rep)
        services.update(s, "accounts", tree["a_bos"], {"visiting_hours": "Mon-Fri 09:00-12:00"})  # a rep may
        services.update(s, "accounts", tree["a_bos"], {"segment": "A"})  # unchanged: fine
        with pytest.raises(NotPermitted, match="set by managers"):
            services.update(s, "accounts", tree["a_bos"], {"segment": "B"})
        with pytest.raises(NotPermitted, match="set by managers"):
            services.update(s, "accounts", tree["a_bos"], {"visit_min_days": 3})
        with pytest.raises(NotPermitted):
            services.create(s, "service_levels", _level(tree["boston"], "A", 1, 2))
    with store.transaction() as s:
        access.check_as(s, manager)
        services.update(s, "accounts", tree["a_bos"], {"segment": "B", "visit_min_days": 3})
        services.create(s, "service_levels", _level(tree["ne"], "A", 1, 2))  # a territory the manager sees
        with pytest.raises(NotPermitted):
            services.create(s, "service_levels", _level(tree["west"], "A", 1, 2))  # not theirs
        with pytest.raises(NotPermitted):
            services.create(s, "service_levels", _level(None, "A", 1, 2))  # the company's: admins only


def test_service_level_values_are_checked(store: LocalStore) -> None:
    with store.transaction() as s, pytest.raises(ValidationError) as raised:
        services.create(s, "service_levels", {**_level(None, "D", 0, 2), "visit_minutes": 2})
    assert set(raised.value.errors) == {"segment", "visit_min_days", "visit_minutes"}


def test_the_accounts_list_sorts_and_filters_by_visits(store: LocalStore, tree: dict[str, str]) -> None:
    from sfa_desktop.store import lists
    from sfa_desktop.store.filters import ColumnFilter

    with store.transaction() as s:
        _visit(s, tree["a_bos"], 5)  # A: next visit in 9 days
        _visit(s, tree["a_west"], 30)  # A: overdue, due 16 days ago
        _visit(s, tree["b_bos"], 10)  # B: due in 20 days
    with store.engine.connect() as conn:
        ascending = lists.list_ids(conn, "accounts", sort="next_visit")
        descending = lists.list_ids(conn, "accounts", sort="next_visit", descending=True)
        # never visited ("none") is due today: between the overdue one and those due later
        assert ascending == [tree["a_west"], tree["none"], tree["a_bos"], tree["b_bos"]]
        assert descending == ascending[::-1]
        overdue = [ColumnFilter("visit", "is", ("overdue",))]
        assert lists.list_ids(conn, "accounts", column_filters=overdue) == [tree["a_west"]]
        due = [ColumnFilter("visit", "is", ("overdue", "due"))]
        assert set(lists.list_ids(conn, "accounts", column_filters=due)) == {tree["a_west"], tree["none"]}
        by_segment = [ColumnFilter("segment", "is", ("C",))]
        assert lists.list_ids(conn, "accounts", column_filters=by_segment) == [tree["none"]]
