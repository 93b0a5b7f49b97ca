"""Column filters in SQL (text contains, choice is, date ranges, relative dates, is empty, owner is me) and
saved filters kept on the laptop."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text

from sfa_desktop.core.records import services
from sfa_desktop.store import lists, saved_filters
from sfa_desktop.store.database import LocalStore
from sfa_desktop.store.filters import ColumnFilter, FilterError, describe
from sfa_desktop.store.saved_filters import SavedFilter

NOW = dt.datetime(2026, 11, 20, 15, 0, tzinfo=dt.UTC)


@pytest.fixture
def leads(store: LocalStore) -> dict[str, str]:
    """Leads of two owners, some worked on recently, some long ago, one never; the laptop's user is ann."""
    with store.transaction() as session:
        ann = services.create(session, "users", {"login": "ann", "full_name": "Ann Lee"}).id
        bob = services.create(session, "users", {"login": "bob", "full_name": "Bob Roe"}).id
        ids = {
            "fresh": services.create(
                session, "leads", {"last_name": "Fresh", "status": "new", "owner_id": ann, "company": "Acme"}
            ).id,
            "stale": services.create(
                session,
                "leads",
                {"last_name": "Stale", "status": "working", "owner_id": ann, "city": "Boston"},
            ).id,
            "never": services.create(
                session, "leads", {"last_name": "Never", "status": "new", "owner_id": ann}
            ).id,
            "theirs": services.create(
                session, "leads", {"last_name": "Theirs", "status": "new", "owner_id": bob}
            ).id,
            "done": services.create(
                session, "leads", {"last_name": "Done", "status": "qualified", "owner_id": ann}
            ).id,
        }
        for key, days in (("fresh", 3), ("stale", 30), ("theirs", 40), ("done", 60)):
            services.create(
                session,
                "activities",
                {
                    "kind": "call",
                    "subject": "Call",
                    "lead_id": ids[key],
                    "done_at": NOW - dt.timedelta(days=days),
                },
            )
        services.create(  # a planned call that is not done does not count as contact
            session,
            "activities",
            {
                "kind": "call",
                "subject": "Plan",
                "lead_id": ids["stale"],
                "due_at": NOW + dt.timedelta(days=1),
            },
        )
    with store.engine.begin() as conn:
        conn.execute(text("INSERT INTO sync_state (key, value) VALUES ('user_id', :u)"), {"u": ann})
    ids["ann"], ids["bob"] = ann, bob
    return ids


def _ids(store: LocalStore, kind: str, *filters: ColumnFilter) -> set[str]:
    with store.engine.connect() as conn:
        found = lists.list_ids(conn, kind, column_filters=filters, now=NOW)
        assert lists.count(conn, kind, column_filters=filters, now=NOW) == len(found)
    return set(found)


def test_my_leads_not_contacted_in_14_days(store: LocalStore, leads: dict[str, str]) -> None:
    mine = ColumnFilter("owner", "is", ("me",))
    quiet = ColumnFilter("last_activity", "not_in_last_days", 14)
    open_ = ColumnFilter("status", "is", ("new", "Working"))
    assert _ids(store, "leads", mine, quiet, open_) == {leads["stale"], leads["never"]}
    assert _ids(store, "leads", mine, quiet) == {leads["stale"], leads["never"], leads["done"]}
    assert _ids(store, "leads", ColumnFilter("last_activity", "in_last_days", 14)) == {leads["fresh"]}
    assert _ids(store, "leads", ColumnFilter("owner", "is", (leads["bob"],))) == {leads["theirs"]}


def test_text_contains_empty_and_date_ranges(store: LocalStore, leads: dict[str, str]) -> None:
    assert _ids(store, "leads", ColumnFilter("company", "contains", "cm")) == {leads["fresh"]}
    assert _ids(store, "leads", ColumnFilter("company", "contains", "%")) == set()  # wildcards are text
    assert _ids(store, "leads", ColumnFilter("city", "not_empty")) == {leads["stale"]}
    assert len(_ids(store, "leads", ColumnFilter("city", "empty"))) == 4
    month_ago = (NOW - dt.timedelta(days=31)).date().isoformat()
    week_ago = (NOW - dt.timedelta(days=7)).date().isoformat()
    between = ColumnFilter("last_activity", "between", (month_ago, week_ago))
    assert _ids(store, "leads", between) == {leads["stale"]}
    assert _ids(store, "leads", ColumnFilter("last_activity", "between", (None, week_ago))) == {
        leads["stale"],
        leads["theirs"],
        leads["done"],
    }
    assert _ids(store, "leads", ColumnFilter("last_activity", "empty")) == {leads["never"]}


def test_filters_on_other_lists(store: LocalStore) -> None:
    with store.transaction() as session:
        acme = services.create(session, "accounts", {"name": "Acme", "industry": "Retail"}).id
        services.create(session, "accounts", {"name": "Globex", "industry": "Software"})
        deal = services.create(
            session,
            "opportunities",
            {"name": "Deal", "account_id": acme, "amount_cents": 500000, "close_date": "2026-12-01"},
        ).id
        services.create(session, "opportunities", {"name": "Small", "account_id": acme, "amount_cents": 1000})
    assert _ids(store, "accounts", ColumnFilter("industry", "is", ("retail",))) == {acme}
    assert _ids(store, "opportunities", ColumnFilter("amount", "between", (100000, None))) == {deal}
    assert _ids(
        store, "opportunities", ColumnFilter("close_date", "between", ("2026-11-01", "2026-12-01"))
    ) == {deal}
    assert _ids(store, "opportunities", ColumnFilter("close_date", "in_last_days", 400)) == set()


@pytest.mark.parametrize(
    ("f", "message"),
    [
        (ColumnFilter("shoe", "contains", "x"), "Leads lists have no column 'shoe'"),
        (ColumnFilter("status", "contains", "x"), "The column Status cannot be filtered by 'contains'"),
        (ColumnFilter("last_activity", "in_last_days", "soon"), "'soon' is not a number of days"),
        (ColumnFilter("last_activity", "between", ("31/12/2026", None)), "'31/12/2026' is not a date"),
        (ColumnFilter("status", "is", ()), "Choose at least one value of Status"),
        (ColumnFilter("created", "between", (None, None)), "Give a start or an end for Created"),
    ],
)
def test_bad_filters_say_what_is_wrong(store: LocalStore, f: ColumnFilter, message: str) -> None:
    with store.engine.connect() as conn, pytest.raises(FilterError, match=message):
        lists.list_ids(conn, "leads", column_filters=[f])


def test_filters_read_as_sentences() -> None:
    spec = lists.LISTS["leads"]
    assert describe(spec.column("status"), ColumnFilter("status", "is", ("new", "working"))) == (
        "Status is New or Working"
    )
    assert describe(spec.column("owner"), ColumnFilter("owner", "is", ("me",))) == "Owner is me"
    assert describe(spec.column("last_activity"), ColumnFilter("last_activity", "not_in_last_days", 14)) == (
        "Last activity not in the last 14 days"
    )
    assert (
        describe(spec.column("company"), ColumnFilter("company", "contains", "acme"))
        == "Company contains “acme”"
    )
    assert describe(spec.column("created"), ColumnFilter("created", "between", ("2026-01-01", None))) == (
        "Created from 2026-01-01"
    )


def test_saved_filters_are_kept_by_name_and_stay_relative(store: LocalStore, leads: dict[str, str]) -> None:
    item = SavedFilter(
        "leads",
        "  My leads not contacted in 14 days ",
        (ColumnFilter("owner", "is", ("me",)), ColumnFilter("last_activity", "not_in_last_days", 14)),
        sort="last_activity",
    )
    with store.engine.begin() as conn:
        kept = saved_filters.save(conn, item)
        saved_filters.save(
            conn, SavedFilter("leads", "Qualified", (ColumnFilter("status", "is", ("qualified",)),))
        )
        saved_filters.save(conn, SavedFilter("contacts", "Other list"))
    assert kept.name == "My leads not contacted in 14 days"
    with store.engine.connect() as conn:
        names = [f.name for f in saved_filters.saved(conn, "leads")]
        loaded = saved_filters.get(conn, "leads", "my leads not contacted in 14 days")
    assert names == ["My leads not contacted in 14 days", "Qualified"]
    assert loaded == SavedFilter(
        "leads", "My leads not contacted in 14 days", item.filters, sort="last_activity"
    )
    later = NOW + dt.timedelta(days=20)  # the same saved filter, used 20 days later
    with store.engine.connect() as conn:
        now_ids = set(lists.list_ids(conn, "leads", column_filters=loaded.filters, now=NOW))
        later_ids = set(lists.list_ids(conn, "leads", column_filters=loaded.filters, now=later))
    assert now_ids == {leads["stale"], leads["never"], leads["done"]}
    assert later_ids == now_ids | {leads["fresh"]}
    with store.engine.begin() as conn:
        replaced = saved_filters.save(conn, SavedFilter("leads", "qualified", ()))  # same name, other case
        assert replaced.filters == ()
        saved_filters.delete(conn, "leads", "Qualified")
        with pytest.raises(FilterError, match="There is no saved filter 'Qualified' for leads"):
            saved_filters.delete(conn, "leads", "Qualified")
        with pytest.raises(FilterError, match="Give the filter a name"):
            saved_filters.save(conn, SavedFilter("leads", "   "))
        with pytest.raises(FilterError, match="saved: My leads not contacted in 14 days"):
            saved_filters.get(conn, "leads", "nope")
