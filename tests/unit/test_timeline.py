"""The customer timeline (core.timeline): what an account's and a contact's stories hold, in which order,
with the change history's old and new values, local changes not synced yet, filters and limits."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import text

from sfa_desktop.core.records import services
from sfa_desktop.core.timeline import feed as timeline
from sfa_desktop.core.timeline.feed import Filter
from sfa_desktop.store import capture
from sfa_desktop.store.database import LocalStore

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)


def ago(days: float) -> dt.datetime:
    return NOW - dt.timedelta(days=days)


def stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


@dataclass
class Story:
    account: str
    other_account: str
    jane: str
    raj: str
    deal: str
    old_deal: str
    call: str
    visit: str
    planned: str
    raj_email: str
    order: str
    ann: str
    bob: str


def history(
    store: LocalStore,
    seq: int,
    table: str,
    record: str,
    op: str,
    changes: dict[str, Any],
    who: str,
    when: dt.datetime,
) -> None:
    with store.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO change_history (seq, table_name, record_id, territory_id, op, changes, db_user, "
                "applied_at) VALUES (:seq, :t, :r, NULL, :op, :c, :who, :at)"
            ),
            {
                "seq": seq,
                "t": table,
                "r": record,
                "op": op,
                "c": json.dumps(changes),
                "who": who,
                "at": stamp(when),
            },
        )


@pytest.fixture
def story(store: LocalStore) -> Story:
    with store.transaction() as s:
        ann, bob = services.create_many(
            s,
            "users",
            [{"login": "ann", "full_name": "Ann Lee"}, {"login": "bob", "full_name": "Bob Stone"}],
        )
        product = services.create(
            s, "products", {"sku": "TEL-1", "name": "Fleet tracker", "unit_price_cents": 120000}
        ).id
        account = services.create(
            s, "accounts", {"name": "Acme Tools", "phone": "+16175550100", "owner_id": ann}
        ).id
        other = services.create(s, "accounts", {"name": "Globex"}).id
        jane = services.create(
            s, "contacts", {"first_name": "Jane", "last_name": "Doe", "account_id": account}
        ).id
        raj = services.create(
            s, "contacts", {"first_name": "Raj", "last_name": "Patel", "account_id": account}
        ).id
        deal = services.create(
            s,
            "opportunities",
            {
                "name": "Fleet rollout",
                "account_id": account,
                "contact_id": jane,
                "amount_cents": 5_000_000,
                "owner_id": ann,
            },
        ).id
        old_deal = services.create(
            s,
            "opportunities",
            {
                "name": "Pilot 2024",
                "account_id": account,
                "stage": "closed lost",
                "lost_reason": "Budget frozen",
                "amount_cents": 900_000,
                "close_date": (NOW - dt.timedelta(days=400)).date(),
                "owner_id": ann,
            },
        ).id
        call = services.create(
            s,
            "activities",
            {
                "kind": "call",
                "subject": "Intro call",
                "account_id": account,
                "contact_id": jane,
                "done_at": ago(10),
                "outcome": "interested",
                "duration_minutes": 20,
                "owner_id": ann,
            },
        ).id
        visit = services.create(
            s,
            "activities",
            {
                "kind": "visit",
                "subject": "Depot visit",
                "account_id": account,
                "done_at": ago(5),
                "owner_id": bob,
            },
        ).id
        planned = services.create(
            s,
            "activities",
            {
                "kind": "meeting",
                "subject": "QBR",
                "account_id": account,
                "due_at": NOW + dt.timedelta(days=3),
                "owner_id": ann,
            },
        ).id
        # an activity of a contact of the account that is not linked to the account itself
        raj_email = services.create(
            s,
            "activities",
            {"kind": "email", "subject": "Sent brochure", "contact_id": raj, "done_at": ago(2)},
        ).id
        services.create(
            s, "activities", {"kind": "call", "subject": "Elsewhere", "account_id": other, "done_at": ago(1)}
        )
        order = services.create(
            s,
            "orders",
            {
                "account_id": account,
                "number": "SO-7",
                "order_date": (NOW - dt.timedelta(days=20)).date(),
                "total_cents": 240000,
            },
        ).id
        services.create(
            s,
            "order_lines",
            {
                "order_id": order,
                "account_id": account,
                "product_id": product,
                "quantity": 2,
                "unit_price_cents": 120000,
                "line_total_cents": 240000,
            },
        )
    with store.engine.begin() as conn:  # everything so far has been synced
        conn.execute(text("DELETE FROM outbox"))
    history(store, 1, "accounts", account, "insert", {}, "ann", ago(30))
    history(store, 2, "contacts", jane, "insert", {}, "ann", ago(30) + dt.timedelta(seconds=30))
    history(store, 3, "opportunities", deal, "insert", {}, "ann", ago(29))
    history(
        store,
        4,
        "accounts",
        account,
        "update",
        {"phone": ["+16175550100", "+16175550199"], "owner_id": [ann, bob], "updated_at": ["a", "b"]},
        "bob",
        ago(8),
    )
    history(
        store,
        5,
        "opportunities",
        deal,
        "update",
        {"stage": ["prospecting", "proposal"], "probability": [10, 60]},
        "bob",
        ago(7),
    )
    history(
        store,
        6,
        "contacts",
        jane,
        "update",
        {"title": [None, "CFO"], "consent_email": [0, 1]},
        "postgres",
        ago(6),
    )
    history(
        store, 7, "accounts", other, "update", {"city": [None, "Boston"]}, "ann", ago(4)
    )  # another account
    return Story(account, other, jane, raj, deal, old_deal, call, visit, planned, raj_email, order, ann, bob)


def build(store: LocalStore, kind: str, record: str, **kwargs: Any) -> list[timeline.TimelineItem]:
    with store.engine.connect() as conn:
        return timeline.build(conn, kind, record, unsent=capture.Unsent(conn), now=NOW, **kwargs)


def test_an_accounts_story_newest_first_with_every_kind(store: LocalStore, story: Story) -> None:
    items = build(store, "accounts", story.account)
    whens = [item.when for item in items]
    assert whens == sorted(whens, reverse=True)
    assert items[0].record_id == story.planned
    assert items[0].planned
    assert not items[0].overdue
    ids = {item.record_id for item in items}
    assert {story.call, story.visit, story.planned, story.raj_email, story.order} <= ids
    assert "Elsewhere" not in {item.title for item in items}  # another account's activity
    assert timeline.counts(items) == {"activities": 4, "opportunities": 3, "orders": 1, "changes": 3}
    order = next(item for item in items if item.kind == "orders")
    assert order.title == "Order SO-7"
    assert order.all_day
    assert order.amount_cents == 240000
    assert "Fleet tracker \N{MULTIPLICATION SIGN}2" in order.detail
    assert "$2,400.00" in order.detail
    call = next(item for item in items if item.record_id == story.call)
    assert (call.event, call.who, call.planned) == ("call", "Ann Lee", False)
    assert call.detail.startswith("Interested · 20 min")
    raj = next(item for item in items if item.record_id == story.raj_email)
    assert "with Raj Patel" in raj.detail


def test_changes_show_who_changed_which_field_from_what_to_what(store: LocalStore, story: Story) -> None:
    items = build(store, "accounts", story.account, only=Filter(frozenset({"changes"})))
    update = next(item for item in items if item.record_kind == "accounts" and item.event == "update")
    assert update.who == "Bob Stone"
    assert update.when == ago(8)
    assert [(c.label, c.old, c.new) for c in update.changes] == [
        ("Phone", "+1 617-555-0100", "+1 617-555-0199"),
        ("Owner", "Ann Lee", "Bob Stone"),  # references by name; bookkeeping columns left out
    ]
    assert update.detail == "Phone: +1 617-555-0100 → +1 617-555-0199; Owner: Ann Lee → Bob Stone"
    jane = next(item for item in items if item.record_kind == "contacts" and item.event == "update")
    assert jane.title == "Jane Doe updated"
    assert jane.who == "postgres"  # a login that is no app user is shown as it is
    assert [(c.label, c.old, c.new) for c in jane.changes] == [
        ("Job title", "—", "CFO"),
        ("Agrees to email", "no", "yes"),
    ]
    created = [item for item in items if item.event == "insert"]
    assert len(created) == 1  # the account and its contact, created together, read as one item
    assert created[0].title == "Account created with 1 contact"
    assert created[0].detail == "Jane Doe"
    assert not any(item.record_id == story.other_account for item in items)


def test_stage_changes_and_closed_opportunities(store: LocalStore, story: Story) -> None:
    items = build(store, "accounts", story.account, only=Filter(frozenset({"opportunities"})))
    events = [(item.event, item.record_id) for item in items]
    assert ("stage", story.deal) in events
    assert ("created", story.deal) in events
    stage = next(item for item in items if item.event == "stage")
    assert stage.detail == "Prospecting → Proposal · Probability %: 10 → 60"
    assert stage.who == "Bob Stone"
    created = next(item for item in items if item.event == "created")
    assert created.who == "Ann Lee"
    assert "$50,000.00" in created.detail
    # entered already lost, closed long before it was entered: one "lost" item on its close date
    old = [item for item in items if item.record_id == story.old_deal]
    assert [item.event for item in old] == ["lost"]
    assert old[0].all_day
    assert old[0].when.date() == (NOW - dt.timedelta(days=400)).date()
    assert "Reason: Budget frozen" in old[0].detail


def test_local_changes_not_synced_yet_come_from_the_outbox(store: LocalStore, story: Story) -> None:
    with store.transaction() as s:
        services.update(s, "accounts", story.account, {"city": "Boston"})
        services.update(s, "opportunities", story.deal, {"stage": "closed won"})
        note = services.create(
            s,
            "activities",
            {"kind": "note", "subject": "Met at fair", "account_id": story.account, "done_at": NOW},
        )
    items = build(store, "accounts", story.account)
    pending = {(item.kind, item.event): item for item in items if item.pending}
    assert set(pending) == {("changes", "update"), ("opportunities", "won"), ("activities", "note")}
    city = pending[("changes", "update")]
    assert [(c.label, c.old, c.new) for c in city.changes] == [("City", "—", "Boston")]
    assert city.who == "You"  # the laptop is not connected: no user
    won = pending[("opportunities", "won")]
    assert won.record_id == story.deal
    assert "$50,000.00" in won.detail
    assert pending[("activities", "note")].record_id == note.id
    synced = [item for item in items if item.record_id == story.call]
    assert not synced[0].pending


def test_a_contacts_story(store: LocalStore, story: Story) -> None:
    items = build(store, "contacts", story.jane)
    kinds = {(item.kind, item.record_id) for item in items}
    assert ("activities", story.call) in kinds
    assert ("activities", story.visit) not in kinds  # the account's, not Jane's
    assert ("opportunities", story.deal) in kinds  # Jane is its contact
    assert ("opportunities", story.old_deal) not in kinds
    assert not any(item.kind == "orders" for item in items)
    changes = [item for item in items if item.kind == "changes"]
    assert {item.title for item in changes} == {"Contact created", "Contact updated"}
    assert all(item.record_id == story.jane for item in changes)


def test_a_leads_story_its_activities_and_changes(store: LocalStore, story: Story) -> None:
    with store.transaction() as s:
        lead = services.create(s, "leads", {"first_name": "Mia", "last_name": "Chen", "company": "Vexa"}).id
        call = services.create(
            s,
            "activities",
            {
                "kind": "call",
                "subject": "Intro call",
                "lead_id": lead,
                "done_at": ago(3),
                "outcome": "interested",
            },
        ).id
        other = services.create(s, "leads", {"last_name": "Other", "company": "Elsewhere Ltd"}).id
        services.create(
            s, "activities", {"kind": "call", "subject": "Not hers", "lead_id": other, "done_at": ago(2)}
        )
    history(store, 90, "leads", lead, "update", {"company": ["Vexa", "Vexa Robotics"]}, "bob", ago(1))
    with store.transaction() as s:
        services.update(s, "leads", lead, {"title": "CTO"})
    items = build(store, "leads", lead)
    # the local edits (not synced yet) are stamped with the real clock, the rest by NOW
    assert [item.title for item in items] == ["Lead updated", "Lead created", "Lead updated", "Intro call"]
    assert timeline.counts(items) == {"activities": 1, "opportunities": 0, "orders": 0, "changes": 3}
    local, synced, logged = items[0], items[2], items[3]
    assert local.pending
    assert "CTO" in local.detail
    assert (synced.who, synced.pending) == ("Bob Stone", False)
    assert "Vexa → Vexa Robotics" in synced.detail
    assert logged.record_id == call
    assert logged.detail.startswith("Interested")
    assert build(store, "leads", lead, only=Filter(frozenset({"opportunities", "orders"}))) == []


def test_filters_by_kind_and_activity_kind(store: LocalStore, story: Story) -> None:
    calls = build(store, "accounts", story.account, only=Filter.parse(["calls"]))
    assert [item.record_id for item in calls] == [story.call]
    mixed = build(store, "accounts", story.account, only=Filter.parse(["orders,visit"]))
    assert {item.record_id for item in mixed} == {story.order, story.visit}
    everything = build(store, "accounts", story.account)
    for words in (["activities"], ["changes", "email"], ["opportunity"], ["meeting", "note"]):
        only = Filter.parse(words)
        assert build(store, "accounts", story.account, only=only) == [
            i for i in everything if only.matches(i)
        ]
    with pytest.raises(ValueError, match="'parcel' is not a kind of timeline item"):
        Filter.parse(["parcel"])


def test_limit_keeps_the_newest(store: LocalStore, story: Story) -> None:
    everything = build(store, "accounts", story.account)
    for limit in (1, 3, 7):
        assert build(store, "accounts", story.account, limit=limit) == everything[:limit]
    assert build(store, "accounts", story.account, limit=1000) == everything


def test_overdue_and_unknown_or_deleted_records(store: LocalStore, story: Story) -> None:
    with store.transaction() as s:
        services.create(
            s,
            "activities",
            {"kind": "task", "subject": "Send quote", "contact_id": story.jane, "due_at": ago(1)},
        )
        services.delete(s, "contacts", story.raj)
    items = build(store, "contacts", story.jane)
    task = next(item for item in items if item.event == "task")
    assert task.planned
    assert task.overdue
    with store.engine.connect() as conn:
        with pytest.raises(LookupError):
            timeline.build(conn, "contacts", story.raj, unsent=capture.Unsent(conn))
        with pytest.raises(ValueError, match="only accounts, contacts and leads have a timeline"):
            timeline.build(conn, "opportunities", story.deal, unsent=capture.Unsent(conn))
    account = build(store, "accounts", story.account, only=Filter(frozenset({"changes"})))
    removed = [item for item in account if item.title == "Contact removed: Raj Patel"]
    assert len(removed) == 1
    assert removed[0].pending
    assert not any(item.record_id == story.raj_email for item in build(store, "accounts", story.account))


def test_relative_times() -> None:
    def item(when: dt.datetime, all_day: bool = False) -> timeline.TimelineItem:
        return timeline.TimelineItem("orders", "order", when, "t", "", "", "orders", "x", all_day=all_day)

    now = dt.datetime(2026, 6, 15, 12, 0, tzinfo=dt.UTC)
    today = now.astimezone().date()
    assert timeline.relative_time(item(now - dt.timedelta(seconds=20)), now) == "just now"
    assert timeline.relative_time(item(now - dt.timedelta(minutes=5)), now) == "5 min ago"
    earlier = now - dt.timedelta(hours=3)
    if earlier.astimezone().date() == today:
        assert timeline.relative_time(item(earlier), now) == "3 h ago"

    def day(offset: int) -> dt.datetime:
        return dt.datetime.combine(today + dt.timedelta(days=offset), dt.time(12), dt.UTC)

    assert timeline.relative_time(item(day(0), True), now) == "today"
    assert timeline.relative_time(item(day(-1), True), now) == "yesterday"
    assert timeline.relative_time(item(day(1), True), now) == "tomorrow"
    assert timeline.relative_time(item(day(-3), True), now) == "3 days ago"
    assert timeline.relative_time(item(day(3), True), now) == "in 3 days"
    assert timeline.relative_time(item(dt.datetime(2026, 2, 3, 12, tzinfo=dt.UTC), True), now) == "3 Feb"
    assert timeline.relative_time(item(dt.datetime(2024, 2, 3, 12, tzinfo=dt.UTC), True), now) == "3 Feb 2024"


def test_as_json_is_plain_data(store: LocalStore, story: Story) -> None:
    items = build(store, "accounts", story.account)
    document = json.loads(json.dumps([item.as_json() for item in items]))
    update = next(d for d in document if d["record_kind"] == "accounts" and d["event"] == "update")
    assert update["changes"][0] == {
        "field": "phone",
        "label": "Phone",
        "old": "+1 617-555-0100",
        "new": "+1 617-555-0199",
    }
    assert update["who"] == "Bob Stone"
    assert update["when"].endswith("Z")


@pytest.mark.parametrize("number", ["+16175550199", "+12125550143", "+442079460958", "+4930123456", "+1617"])
def test_phone_fast_path_agrees_with_phonenumbers(number: str) -> None:
    from sfa_desktop.core.records.validation import format_phone
    from sfa_desktop.core.timeline.values import phone_text

    assert phone_text(number) == format_phone(number)
