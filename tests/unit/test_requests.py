"""Service requests and complaints (issue 15): who may raise, assign, answer and resolve them
(``core.access``, enforced by the services), their service levels, the list filters, the statistics for the
territory report and the notification events."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from sfa_desktop.core import access, service_levels
from sfa_desktop.core.access import Identity, NotPermitted
from sfa_desktop.core.records import services
from sfa_desktop.core.records.models import ChangeHistory, RequestComment, ServiceRequest
from sfa_desktop.core.records.validation import ValidationError
from sfa_desktop.core.reports.base import Period, Scope
from sfa_desktop.core.requests import events, listing, report, sla, stats, workflow
from sfa_desktop.ops import requests as ops
from sfa_desktop.store.database import LocalStore
from sfa_desktop.sync import state

T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def company(tmp_path: Path) -> Iterator[tuple[LocalStore, dict[str, Any]]]:
    """East above North East and South East, West apart; mara manages East, rena is a rep in NE, otto a rep
    in W, adam an admin; an account in NE and one in W."""
    store = LocalStore.open(tmp_path / "data")
    ids: dict[str, Any] = {}
    with store.transaction() as s:
        ids["E"] = services.create(s, "territories", {"code": "E", "name": "East"}).id
        for code, parent in (("NE", "E"), ("SE", "E"), ("W", None)):
            values = {"code": code, "name": code, "parent_id": ids[parent] if parent else None}
            ids[code] = services.create(s, "territories", values).id
        for login, role, home in (("mara", "manager", "E"), ("rena", "rep", "NE"), ("otto", "rep", "W")):
            ids[login] = services.create(
                s, "users", {"login": login, "full_name": login.title(), "role": role}
            ).id
            services.create(s, "territory_memberships", {"territory_id": ids[home], "user_id": ids[login]})
        ids["adam"] = services.create(s, "users", {"login": "adam", "full_name": "Adam", "role": "admin"}).id
        # segment B: 8 h to answer, 72 h to resolve (core.service_levels' defaults)
        ids["acme"] = services.create(
            s, "accounts", {"name": "Acme NE", "territory_id": ids["NE"], "segment": "B"}
        ).id
        ids["west"] = services.create(
            s, "accounts", {"name": "Acme W", "territory_id": ids["W"], "segment": "B"}
        ).id
    try:
        yield store, ids
    finally:
        store.close()


def sign_in(store: LocalStore, user_id: str) -> None:
    with store.engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM sync_state")
        state.save(conn, state.SyncState(client_id="c", url="sqlite:///c", login=None, user_id=user_id))


def raise_one(store: LocalStore, account: str, **extra: Any) -> str:
    values = {"category": "delivery", "severity": "high", "subject": "Pallets arrived damaged", **extra}
    return ops.raise_request(store, account=account, **values)


def who(ids: dict[str, Any], login: str, role: str, *territories: str) -> Identity:
    return Identity(ids[login], login, role, frozenset(ids[t] for t in territories))


# -- the rules ------------------------------------------------------------------------------------------


def test_the_rules_of_the_workflow(company: tuple[LocalStore, dict[str, Any]]) -> None:
    _, ids = company
    rena = who(ids, "rena", "rep", "NE")
    mara = who(ids, "mara", "manager", "E", "NE", "SE")
    otto = who(ids, "otto", "rep", "W")
    new = {"territory_id": ids["NE"], "raised_by_id": ids["rena"], "status": "new"}
    # raising: everyone who sees the account, as themselves, new and unassigned
    assert access.may_write_row(rena, "service_requests", None, new)
    assert not access.may_write_row(otto, "service_requests", None, new)
    assert not access.may_write_row(rena, "service_requests", None, {**new, "raised_by_id": ids["otto"]})
    assert not access.may_write_row(rena, "service_requests", None, {**new, "status": "resolved"})
    assert not access.may_write_row(rena, "service_requests", None, {**new, "assigned_to_id": ids["rena"]})
    assert access.may_write_row(mara, "service_requests", None, {**new, "assigned_to_id": ids["rena"]})
    row = {**new, "id": "r1", "owner_id": None, "assigned_to_id": None}
    # a rep neither assigns nor resolves; details and comments are everyone's who sees it
    assert not access.may_write_row(rena, "service_requests", row, {"assigned_to_id": ids["rena"]})
    assert not access.may_write_row(rena, "service_requests", row, {"status": "resolved"})
    assert not access.may_write_row(rena, "service_requests", row, {"resolved_at": "2026-11-02 10:00:00"})
    assert access.may_write_row(
        rena, "service_requests", row, {"severity": "critical", "description": "more"}
    )
    assert access.may_write_row(
        mara, "service_requests", row, {"assigned_to_id": ids["rena"], "status": "closed"}
    )
    assert not access.may_write_row(otto, "service_requests", row, {"severity": "low"})
    # the rep it is assigned to moves it between the working statuses, and answers it first
    working = {**row, "assigned_to_id": ids["rena"], "status": "in progress"}
    assert access.may_write_row(rena, "service_requests", working, {"status": "waiting on customer"})
    assert not access.may_write_row(rena, "service_requests", working, {"status": "closed"})
    assert access.may_write_row(rena, "service_requests", working, {"first_answered_at": T0})
    assert not access.may_write_row(
        rena,
        "service_requests",
        {**working, "first_answered_at": T0},
        {"first_answered_at": T0 + dt.timedelta(hours=1)},
    )
    # the same value written again (a push carries text, the laptop datetimes) is no change
    assert access.may_write_row(
        rena, "service_requests", {**row, "resolved_at": T0}, {"resolved_at": "2026-11-02 09:00:00.000000"}
    )
    # comments: by their author; their text changes by that author only
    comment = {"territory_id": ids["NE"], "author_id": ids["rena"], "body": "x"}
    assert access.may_write_row(rena, "request_comments", None, comment)
    assert not access.may_write_row(mara, "request_comments", None, comment)
    assert not access.may_write_row(mara, "request_comments", {**comment, "id": "c"}, {"body": "edited"})
    assert access.may_write_row(mara, "request_comments", {**comment, "id": "c"}, {"territory_id": ids["SE"]})
    assert access.may_write_row(rena, "request_comments", {**comment, "id": "c"}, {"body": "edited"})
    # comments on records: the same, their mentions and edit time included; a delete goes with the account
    said = {**comment, "id": "c", "mentions": None}
    assert access.may_write_row(rena, "comments", None, comment)
    assert not access.may_write_row(mara, "comments", None, comment)
    assert not access.may_write_row(mara, "comments", said, {"mentions": '["x"]'})
    assert not access.may_write_row(mara, "comments", said, {"author_id": ids["mara"]})
    assert access.may_write_row(mara, "comments", said, {"deleted_at": T0})
    assert access.may_write_row(rena, "comments", said, {"body": "edited", "edited_at": T0})


def test_the_services_enforce_the_rules_with_messages(company: tuple[LocalStore, dict[str, Any]]) -> None:
    store, ids = company
    sign_in(store, ids["rena"])
    made = raise_one(store, ids["acme"])
    with pytest.raises(NotPermitted, match="managers and administrators assign"):
        ops.assign(store, made, ids["rena"])
    with pytest.raises(NotPermitted, match="set this request to 'resolved'"):
        ops.resolve(store, made, "done")
    ops.comment(store, made, "The customer sent photos.")
    with pytest.raises(NotPermitted):
        raise_one(store, ids["west"])
    sign_in(store, ids["mara"])
    assert [(u, n) for u, n in ops.assignable(store, made)] == sorted(
        [(ids["mara"], "Mara"), (ids["rena"], "Rena"), (ids["adam"], "Adam")], key=lambda p: p[1]
    )
    ops.assign(store, made, ids["rena"])
    shown = ops.detail(store, made)
    assert shown.row.status == "in progress"
    assert shown.row.assigned_to == "Rena"
    assert shown.row.first_answered_at is not None  # the manager's assignment answered it
    sign_in(store, ids["rena"])
    assert ops.detail(store, made).statuses == ("waiting on customer",)
    ops.set_status(store, made, "waiting on customer")
    sign_in(store, ids["mara"])
    ops.resolve(store, made, "Credit note for two pallets")
    shown = ops.detail(store, made)
    assert shown.row.status == "resolved"
    assert shown.resolution == "Credit note for two pallets"
    assert shown.row.resolved_at is not None
    assert [c.body for c in shown.thread] == ["The customer sent photos."]
    ops.set_status(store, made, "in progress")  # reopened: no longer resolved
    assert ops.detail(store, made).row.resolved_at is None


def test_clear_validation_messages(company: tuple[LocalStore, dict[str, Any]]) -> None:
    store, ids = company
    with pytest.raises(ValidationError, match="Category: choose one of delivery, billing"):
        raise_one(store, ids["acme"], category="weather")
    with pytest.raises(ValidationError, match="say in a few words"):
        raise_one(store, ids["acme"], subject="   ")
    with pytest.raises(ValidationError, match="not a link"):
        raise_one(store, ids["acme"], links=["ftp://x"])
    made = raise_one(store, ids["acme"], links=["https://kb.example.com/returns", "kb:0123abcd"])
    assert ops.detail(store, made).links == ["https://kb.example.com/returns", "kb:0123abcd"]
    with pytest.raises(ValidationError, match="write something"):
        ops.comment(store, made, "  ")
    with pytest.raises(workflow.RequestError, match="already 'new'"):
        ops.set_status(store, made, "new")


def test_raised_from_a_visit(company: tuple[LocalStore, dict[str, Any]]) -> None:
    store, ids = company
    with store.transaction() as s:
        visit = services.create(
            s, "activities", {"kind": "visit", "subject": "Quarterly visit", "account_id": ids["acme"]}
        ).id
    made = ops.raise_from_activity(
        store, visit, category="quality", severity="normal", subject="Labels peel off"
    )
    shown = ops.detail(store, made)
    assert shown.activity == "visit: Quarterly visit"
    assert shown.row.territory_id == ids["NE"]


# -- service levels -------------------------------------------------------------------------------------


def test_service_levels_in_hours_since_raised() -> None:
    target = (8.0, 72.0)
    fresh = sla.measure(T0, None, None, "new", target, T0 + dt.timedelta(hours=3))
    assert not fresh.overdue
    assert fresh.describe() == "answer due in 5 h"
    late = sla.measure(T0, None, None, "new", target, T0 + dt.timedelta(hours=10))
    assert late.answer_overdue
    assert not late.resolve_overdue
    assert late.describe() == "answer overdue by 2 h"
    answered = sla.measure(
        T0, T0 + dt.timedelta(hours=2), None, "in progress", target, T0 + dt.timedelta(hours=80)
    )
    assert not answered.answer_overdue
    assert answered.resolve_overdue
    assert answered.answered_in_time
    done = sla.measure(
        T0,
        T0 + dt.timedelta(hours=9),
        T0 + dt.timedelta(hours=30),
        "resolved",
        target,
        T0 + dt.timedelta(days=30),
    )
    assert not done.overdue
    assert done.answered_in_time is False
    assert done.resolved_in_time is True
    tight = sla.measure(T0, None, None, "new", (4.0, 48.0), T0 + dt.timedelta(hours=5))
    assert tight.answer_overdue  # the targets come from the parameter (segment A's here)


def _backdate(store: LocalStore, request_id: str, hours_ago: float, now: dt.datetime, **values: Any) -> None:
    with store.transaction() as s:
        found = s.get(ServiceRequest, request_id)
        assert found is not None
        found.created_at = now - dt.timedelta(hours=hours_ago)
        for key, value in values.items():
            setattr(found, key, value)


def test_the_targets_are_the_accounts_service_level(company: tuple[LocalStore, dict[str, Any]]) -> None:
    """Segment A answers in 4 hours, B in 8, an account without a segment is served as C (24 hours)."""
    store, ids = company
    now = dt.datetime.now(dt.UTC)
    sign_in(store, ids["adam"])
    with store.transaction() as s:
        plain = services.create(s, "accounts", {"name": "Plain NE", "territory_id": ids["NE"]}).id
        key = services.create(s, "accounts", {"name": "Key NE", "territory_id": ids["NE"], "segment": "A"}).id
    made = {
        name: raise_one(store, account, subject=name) for name, account in (("a", key), ("b", ids["acme"]))
    }
    made["c"] = raise_one(store, plain, subject="c")
    for request_id in made.values():
        _backdate(store, request_id, 6, now)
    late = {r.subject for r in ops.list_requests(store, listing.Filters(overdue=True), now=now)}
    assert late == {"a"}  # 6 hours: past A's 4, within B's 8 and C's 24
    for request_id in made.values():
        _backdate(store, request_id, 20, now)
    late = {r.subject for r in ops.list_requests(store, listing.Filters(overdue=True), now=now)}
    assert late == {"a", "b"}


def test_the_list_filters_and_flags(company: tuple[LocalStore, dict[str, Any]]) -> None:
    store, ids = company
    now = dt.datetime.now(dt.UTC)
    sign_in(store, ids["adam"])
    old = raise_one(store, ids["acme"], subject="Invoice charged twice", category="billing")
    fresh = raise_one(store, ids["acme"], subject="Late delivery of order 4411")
    west = raise_one(store, ids["west"], subject="Broken seal", category="quality", severity="low")
    _backdate(store, old, 12, now)
    ops.assign(store, fresh, ids["rena"])
    ops.resolve(store, west)

    def subjects(**given: Any) -> list[str]:
        return [r.subject for r in ops.list_requests(store, listing.Filters(**given), now=now)]

    assert subjects() == ["Late delivery of order 4411", "Invoice charged twice"]
    assert subjects(status=listing.ANY) == [
        "Broken seal",
        "Late delivery of order 4411",
        "Invoice charged twice",
    ]
    assert subjects(status="resolved") == ["Broken seal"]
    assert subjects(category="billing") == ["Invoice charged twice"]
    assert subjects(overdue=True) == ["Invoice charged twice"]
    assert subjects(text="deliv 4411") == ["Late delivery of order 4411"]
    assert len(subjects(text="ACME", status=listing.ANY)) == 3  # the account's name too
    assert subjects(text="100%") == []
    assert subjects(whose=listing.ASSIGNED) == []
    sign_in(store, ids["rena"])
    assert subjects(whose=listing.ASSIGNED) == ["Late delivery of order 4411"]
    assert subjects(whose=listing.MINE) == []


def test_a_list_reads_the_service_levels_in_a_few_queries_whatever_its_length(
    company: tuple[LocalStore, dict[str, Any]],
) -> None:
    """The page runs ``find`` for every key typed: the targets of all the accounts it lists come in one
    query, not one per request (it was one per account: 5,000 requests took 50 ms a key)."""
    store, ids = company
    sign_in(store, ids["adam"])
    with store.transaction() as s:
        accounts = [
            services.create(
                s, "accounts", {"name": f"Shop {n}", "territory_id": ids["NE"], "segment": "A"}
            ).id
            for n in range(40)
        ]
    for account in accounts:
        raise_one(store, account)
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(store.engine, "before_cursor_execute", count)
    try:
        found = ops.find_requests(store, listing.Filters(status=listing.ANY))
        rows = ops.request_rows(store, found.ids)
    finally:
        event.remove(store.engine, "before_cursor_execute", count)
    assert len(found.ids) == 40
    assert len(rows) == 40
    assert {r.level.answer_hours for r in rows.values()} == {4.0}  # segment A's level, for every one
    assert len(statements) <= 12, statements


# -- statistics -----------------------------------------------------------------------------------------


def test_statistics_over_a_territory_and_a_period(company: tuple[LocalStore, dict[str, Any]]) -> None:
    store, ids = company
    now = T0 + dt.timedelta(days=10)
    made = {}
    for key, account, category in (
        ("a", "acme", "delivery"),
        ("b", "acme", "delivery"),
        ("c", "acme", "billing"),
        ("d", "west", "price"),
        ("e", "acme", "quality"),
    ):
        made[key] = raise_one(store, ids[account], category=category, subject=f"Request {key}")
    # a: answered in 2 h, resolved in 20 h; b: answered in 10 h (late), still open and past 72 h;
    # c: unanswered, raised 1 h before now; d: another territory; e: raised before the period
    _backdate(
        store,
        made["a"],
        9 * 24,
        now,
        first_answered_at=now - dt.timedelta(hours=9 * 24 - 2),
        resolved_at=now - dt.timedelta(hours=9 * 24 - 20),
        status="resolved",
    )
    _backdate(
        store,
        made["b"],
        8 * 24,
        now,
        first_answered_at=now - dt.timedelta(hours=8 * 24 - 10),
        status="in progress",
    )
    _backdate(store, made["c"], 1, now)
    _backdate(store, made["d"], 48, now)
    _backdate(store, made["e"], 30 * 24, now)
    start, end = T0, now
    with store.reading() as s:
        east = stats.by_category(s, ids["E"], start, end)
        assert [(c.category, c.raised, c.open) for c in east if c.raised] == [
            ("delivery", 2, 1),
            ("billing", 1, 1),
        ]
        assert len(east) == 6
        assert {c.category for c in stats.by_category(s, None, start, end) if c.raised} == {
            "delivery",
            "billing",
            "price",
        }
        (times,) = stats.response_times(s, ids["NE"], start, end, now=now)
        assert (times.segment, times.raised, times.answered, times.answered_in_time) == ("B", 3, 2, 1)
        assert (times.resolved, times.resolved_in_time, times.median_to_answer, times.median_to_resolve) == (
            1,
            1,
            6.0,
            20.0,
        )
        assert times.overdue_now == 1
        assert times.answer_rate == 0.5
        segments = stats.response_times(
            s,
            ids["NE"],
            start,
            end,
            now=now,
            targets=lambda _s, ids: dict.fromkeys(ids, (1.0, 10.0)),
            segment_of=lambda _s, _a: "A",
        )
        assert [(t.segment, t.answered_in_time, t.resolved_in_time) for t in segments] == [("A", 0, 0)]
        per = stats.open_per_account(s, ids["E"], now=now)
        assert [(o.account, o.open, o.overdue, o.categories) for o in per] == [
            ("Acme NE", 3, 2, ("billing", "delivery", "quality"))
        ]


# -- notifications --------------------------------------------------------------------------------------


def test_notification_events(company: tuple[LocalStore, dict[str, Any]]) -> None:
    store, ids = company
    sign_in(store, ids["rena"])
    made = raise_one(store, ids["acme"])
    with store.reading() as s:
        raised = events.notification_events(s, ids["mara"], None)
        assert [(e.key, e.kind, e.urgent, e.table) for e in raised] == [
            (f"request-raised:{made}", "request", True, "service_requests")
        ]
        assert events.notification_events(s, ids["otto"], None) == []  # not his territory's queue
        assert events.notification_events(s, ids["rena"], None) == []  # she raised it herself
    sign_in(store, ids["mara"])
    ops.assign(store, made, ids["rena"])
    ops.comment(store, made, "Photos please.")
    since = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    with store.transaction() as s:  # who changed it, as the pulled change log says
        s.add(
            ChangeHistory(
                seq=1,
                table_name="service_requests",
                record_id=made,
                territory_id=ids["NE"],
                op="update",
                changes=json.dumps({"status": ["new", "in progress"], "assigned_to_id": [None, ids["rena"]]}),
                db_user="mara",
                applied_at=dt.datetime.now(dt.UTC),
            )
        )
    with store.reading() as s:
        told = events.notification_events(s, ids["rena"], since)
        keys = sorted(e.key.split(":")[0] for e in told)
        assert keys == ["request-assigned", "request-comment", "request-status"]
        assert f"request-status:{made}:in progress" in {e.key for e in told}
        assert all(e.record_id == made for e in told)
        assert (
            events.notification_events(s, ids["rena"], dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1))
            == []
        )
        # mara made those changes herself: she is not told about them
        assert {e.key.split(":")[0] for e in events.notification_events(s, ids["mara"], since)} <= {
            "request-raised"
        }


def test_requests_follow_a_merged_account(company: tuple[LocalStore, dict[str, Any]]) -> None:
    from sfa_desktop.core.records import merge

    store, ids = company
    with store.transaction() as s:
        twin = services.create(s, "accounts", {"name": "Acme NE (2)", "territory_id": ids["NE"]}).id
    made = raise_one(store, twin)
    ops.comment(store, made, "Entered on the duplicate.")
    with store.transaction() as s:
        merge.merge(s, "accounts", ids["acme"], [twin])
    shown = ops.detail(store, made)
    assert shown.row.account_id == ids["acme"]
    with store.reading() as s:
        assert {c.account_id for c in s.query(RequestComment)} == {ids["acme"]}


def test_the_reports_complaint_figures(company: tuple[LocalStore, dict[str, Any]]) -> None:
    """The territory report's Retention section gets its complaints from the request statistics, against
    each account's service level (segment B here: 8 h to answer)."""
    store, ids = company
    now = dt.datetime.now(dt.UTC)
    late = raise_one(store, ids["acme"], category="billing", subject="Invoice charged twice")
    raise_one(store, ids["acme"], category="delivery", subject="Late delivery")
    raise_one(store, ids["west"], category="price", subject="Price too high")  # another territory
    _backdate(store, late, 30, now, first_answered_at=now - dt.timedelta(hours=10))  # answered after 20 h
    today = dt.date.today()
    period = Period(today - dt.timedelta(days=7), today)
    with store.reading() as s:
        figures = report.complaint_figures(
            s, Scope(ids["E"], "East", (ids["E"], ids["NE"])), period, targets=service_levels.request_targets
        )
        assert figures is not None
        assert {(c.category, c.raised, c.open) for c in figures.categories if c.raised} == {
            ("billing", 1, 1),
            ("delivery", 1, 1),
        }
        (times,) = figures.times
        assert (times.answered, times.answer_hours, times.answer_target, times.answered_late) == (
            1,
            20.0,
            8.0,
            1,
        )
        assert dict(figures.open_by_account) == {ids["acme"]: 2}
        nothing = report.complaint_figures(
            s,
            Scope(ids["E"], "East", ()),
            Period(today - dt.timedelta(days=400), today - dt.timedelta(days=300)),
        )
    assert nothing is not None  # still open now, though raised after that period
    assert not any(c.raised for c in nothing.categories)
