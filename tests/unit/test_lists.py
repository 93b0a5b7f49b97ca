"""Record lists in SQL: the order matches Python's sort of the same values (case-insensitive, deterministic
ties), equality filters select exactly the matching live records, deleted records never appear, and display
rows hold the right values."""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection

from sfa_desktop.core.records import services
from sfa_desktop.core.records.fields import INDUSTRIES, LEAD_SOURCES, LEAD_STATUSES, OPPORTUNITY_STAGES
from sfa_desktop.store import lists
from sfa_desktop.store.database import LocalStore

#: SQLite's NOCASE folds ASCII letters only.
_ASCII_FOLD = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")

# Few distinct values, differing in case, so that ties and case folding are exercised every time.
WORDS = st.sampled_from(("ab", "AB", "Ab", "b", "B", "a b", "Zed", "zed", "z", "10", "9", "_x", "éa"))
OPTIONAL_WORD = st.one_of(st.none(), WORDS)
PHONES = st.one_of(st.none(), st.sampled_from(("+12125550143", "+14155552671", "+442079460958")))


@contextmanager
def fresh_store() -> Iterator[LocalStore]:
    folder = Path(tempfile.mkdtemp(prefix="sfa-lists-"))
    local = LocalStore.open(folder)
    try:
        yield local
    finally:
        local.close()
        shutil.rmtree(folder, ignore_errors=True)


def sort_key(value: Any) -> tuple[int, Any]:
    if value is None:
        return (0, "")  # NULL sorts first in SQLite
    if isinstance(value, str):
        return (1, value.translate(_ASCII_FOLD))
    return (1, value)


def expected_order(conn: Connection, kind: str, key: str, descending: bool) -> list[str]:
    """The live ids in the order Python's sort gives for the column's values, ties broken by id."""
    spec = lists.LISTS[kind]
    ids = sorted(r[0] for r in conn.exec_driver_sql(f"SELECT id FROM {kind} WHERE deleted_at IS NULL"))
    rows = lists.fetch_rows(conn, kind, ids)
    keys: dict[str, tuple[tuple[int, Any], ...]]
    if key == "name" and kind in ("contacts", "leads"):
        raw = {
            r[0]: (r[1], r[2]) for r in conn.exec_driver_sql(f"SELECT id, last_name, first_name FROM {kind}")
        }
        keys = {i: (sort_key(raw[i][0]), sort_key(raw[i][1])) for i in ids}
    else:
        index = [c.key for c in spec.columns].index(key)
        keys = {i: (sort_key(rows[i][index]),) for i in ids}
    by_key = sorted(ids, key=lambda i: keys[i], reverse=descending)  # stable: equal keys stay in id order
    return by_key


@st.composite
def dataset(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "accounts": draw(
            st.lists(
                st.fixed_dictionaries(
                    {
                        "name": WORDS,
                        "industry": st.one_of(st.none(), st.sampled_from(INDUSTRIES[:3])),
                        "city": OPTIONAL_WORD,
                        "region": OPTIONAL_WORD,
                        "phone": PHONES,
                        "territory": st.one_of(st.none(), st.integers(0, 2)),
                        "owner": st.one_of(st.none(), st.integers(0, 2)),
                        "deleted": st.booleans(),
                    }
                ),
                max_size=8,
            )
        ),
        "contacts": draw(
            st.lists(
                st.fixed_dictionaries(
                    {
                        "first_name": OPTIONAL_WORD,
                        "last_name": WORDS,
                        "title": OPTIONAL_WORD,
                        "account": st.one_of(st.none(), st.integers(0, 7)),
                        "email": st.one_of(st.none(), st.sampled_from(("a@x.com", "B@x.com", "b@x.com"))),
                        "phone": PHONES,
                        "mobile": PHONES,
                        "city": OPTIONAL_WORD,
                        "deleted": st.booleans(),
                    }
                ),
                max_size=8,
            )
        ),
        "leads": draw(
            st.lists(
                st.fixed_dictionaries(
                    {
                        "first_name": OPTIONAL_WORD,
                        "last_name": WORDS,
                        "company": OPTIONAL_WORD,
                        # converted: only by a conversion; disqualified: with a reason (test_lead_status)
                        "status": st.sampled_from(LEAD_STATUSES[:3]),
                        "source": st.one_of(st.none(), st.sampled_from(LEAD_SOURCES[:3])),
                        "city": OPTIONAL_WORD,
                        "deleted": st.booleans(),
                    }
                ),
                max_size=8,
            )
        ),
        "opportunities": draw(
            st.lists(
                st.fixed_dictionaries(
                    {
                        "name": WORDS,
                        "account": st.integers(0, 7),
                        "stage": st.sampled_from(tuple(OPPORTUNITY_STAGES)),
                        "amount_cents": st.one_of(st.none(), st.integers(0, 3)),
                        "close_date": st.one_of(
                            st.none(), st.dates(dt.date(2026, 1, 1), dt.date(2026, 1, 4))
                        ),
                        "owner": st.one_of(st.none(), st.integers(0, 2)),
                        "deleted": st.booleans(),
                    }
                ),
                max_size=8,
            )
        ),
    }


def load(store: LocalStore, data: dict[str, Any]) -> dict[str, dict[str, dict[str, Any]]]:
    """Create the records; returns kind -> id -> the values given (for the live ones)."""
    live: dict[str, dict[str, dict[str, Any]]] = {k: {} for k in lists.LISTS}
    with store.transaction() as s:
        territories = [
            services.create(s, "territories", {"code": f"T{i}", "name": n}).id
            for i, n in enumerate(("north", "South", "east"))
        ]
        users = [
            services.create(s, "users", {"login": f"u{i}", "full_name": n}).id
            for i, n in enumerate(("bea", "Al", "carl"))
        ]
        accounts: list[str] = []
        for row in data["accounts"]:
            values = {k: v for k, v in row.items() if k not in ("territory", "owner", "deleted")}
            values["territory_id"] = None if row["territory"] is None else territories[row["territory"]]
            values["owner_id"] = None if row["owner"] is None else users[row["owner"]]
            accounts.append(services.create(s, "accounts", values).id)
            live["accounts"][accounts[-1]] = {**values, "deleted": row["deleted"]}
        for kind in ("contacts", "leads", "opportunities"):
            for row in data[kind]:
                values = {k: v for k, v in row.items() if k not in ("account", "owner", "deleted")}
                if "account" in row:
                    if not accounts or row["account"] is None:
                        if kind == "opportunities":
                            continue
                        values["account_id"] = None
                    else:
                        values["account_id"] = accounts[row["account"] % len(accounts)]
                if "owner" in row:
                    values["owner_id"] = None if row["owner"] is None else users[row["owner"]]
                record_id = services.create(s, kind, values).id
                live[kind][record_id] = {**values, "deleted": row["deleted"]}
    with store.transaction() as s:
        for kind in ("contacts", "leads", "opportunities", "accounts"):
            for record_id, values in live[kind].items():
                if values["deleted"] and services.get(s, kind, record_id).deleted_at is None:
                    services.delete(s, kind, record_id)
    with store.engine.connect() as conn:
        for kind, records in list(live.items()):
            gone = {r[0] for r in conn.exec_driver_sql(f"SELECT id FROM {kind} WHERE deleted_at IS NOT NULL")}
            live[kind] = {i: v for i, v in records.items() if i not in gone}
    live["_territories"] = {
        t: {"name": n} for t, n in zip(territories, ("north", "South", "east"), strict=True)
    }
    live["_users"] = {u: {"name": n} for u, n in zip(users, ("bea", "Al", "carl"), strict=True)}
    return live


@pytest.mark.slow
@settings(max_examples=30, deadline=None)
@given(dataset())
def test_sorting_matches_python_and_filters_select_exactly(data: dict[str, Any]) -> None:
    with fresh_store() as store:
        live = load(store, data)
        with store.engine.connect() as conn:
            for kind, spec in lists.LISTS.items():
                assert sorted(lists.list_ids(conn, kind)) == sorted(live[kind]), kind
                assert lists.count(conn, kind) == len(live[kind])
                for column in spec.columns:
                    for descending in (False, True):
                        got = lists.list_ids(conn, kind, sort=column.key, descending=descending)
                        want = expected_order(conn, kind, column.key, descending)
                        assert got == want, (kind, column.key, descending)
                        limited = lists.list_ids(conn, kind, sort=column.key, descending=descending, limit=3)
                        assert limited == want[:3]
                check_filters(conn, kind, live)
                check_rows(conn, kind, live)


def check_filters(conn: Connection, kind: str, live: dict[str, dict[str, dict[str, Any]]]) -> None:
    spec = lists.LISTS[kind]
    records = live[kind]
    for key in spec.filters:
        column = {"territory_id": "territory_id", "owner_id": "owner_id"}.get(key, key)
        values = {v.get(column) for v in records.values()} | {None, "no such value"}
        for value in values:
            want = {i for i, v in records.items() if v.get(column) == value}
            if column == "territory_id" and kind != "accounts":
                continue  # derived from the account: checked in test_services
            got = lists.list_ids(conn, kind, filters={key: value})
            assert set(got) == want, (kind, key, value)
            assert lists.count(conn, kind, filters={key: value}) == len(want)
    with pytest.raises(KeyError, match="cannot be filtered"):
        lists.list_ids(conn, kind, filters={"deleted_at": None})


def check_rows(conn: Connection, kind: str, live: dict[str, dict[str, dict[str, Any]]]) -> None:
    """Display tuples hold the stored values (names joined, account/territory/owner looked up)."""
    every = [r[0] for r in conn.exec_driver_sql(f"SELECT id FROM {kind}")]
    rows = lists.fetch_rows(conn, kind, every)
    assert set(rows) == set(live[kind])  # deleted ids are absent
    names = {i: v["name"] for i, v in live["accounts"].items()}
    territory = {i: v["name"] for i, v in live["_territories"].items()}
    owner = {i: v["name"] for i, v in live["_users"].items()}
    for record_id, row in rows.items():
        v = live[kind][record_id]
        if kind == "accounts":
            where = (territory.get(v["territory_id"]), owner.get(v["owner_id"]))
            # never visited, no segment: served as C, its next visit due today
            visits = ("C", conn.exec_driver_sql("SELECT date('now', 'localtime')").scalar(), "due")
            assert row == (
                v["name"],
                v["industry"],
                v["city"],
                v["region"],
                v["phone"],
                *where,
                None,
                *visits,
            )
        elif kind == "contacts":
            person = f"{v['first_name'] or ''} {v['last_name']}".strip()
            email = v["email"]
            phone = v["phone"] or v["mobile"]
            account = names.get(v["account_id"]) if v["account_id"] else None
            who = owner.get(v.get("owner_id") or "")
            assert row == (person, v["title"], account, email, phone, v["city"], who, None)
        elif kind == "leads":
            person = f"{v['first_name'] or ''} {v['last_name']}".strip()
            who = owner.get(v.get("owner_id") or "")
            expected = (person, v["company"], v["status"], v["source"], None, v["city"], who, None)
            assert row[:2] + row[3:9] == expected
            assert isinstance(row[2], int)  # the score (test_scoring checks its value)
            assert dt.datetime.fromisoformat(row[9]) <= dt.datetime.now(dt.UTC).replace(tzinfo=None)
        else:
            close = v["close_date"].isoformat() if v["close_date"] else None
            who = owner.get(v["owner_id"])
            assert row == (v["name"], names[v["account_id"]], v["stage"], v["amount_cents"], close, who)


def test_opportunity_text_filter_escapes_like_wildcards(store: LocalStore) -> None:
    with store.transaction() as s:
        account = services.create(s, "accounts", {"name": "Acme"}).id
        ids = {
            name: services.create(s, "opportunities", {"name": name, "account_id": account}).id
            for name in ("100% renewal", "1000 renewal", "a_b deal", "axb deal", "back\\slash", "plain")
        }
    with store.engine.connect() as conn:

        def matching(typed: str) -> set[str]:
            return set(lists.list_ids(conn, "opportunities", filter_text=typed))

        assert matching("100%") == {ids["100% renewal"]}
        assert matching("a_b") == {ids["a_b deal"]}
        assert matching("back\\slash") == {ids["back\\slash"]}
        assert matching("renewal") == {ids["100% renewal"], ids["1000 renewal"]}
        assert matching("acme") == set(ids.values())  # the account name is searched too
        assert matching("renewal 1000") == {ids["1000 renewal"]}
        assert matching("%") == set(ids.values())  # no word typed: nothing to filter by
        assert lists.count(conn, "opportunities", filter_text="a_b") == 1


def test_unknown_sort_column_is_a_clear_error(store: LocalStore) -> None:
    with store.engine.connect() as conn, pytest.raises(KeyError, match="no column 'shoe'"):
        lists.list_ids(conn, "contacts", sort="shoe")


def test_fetch_rows_of_nothing(store: LocalStore) -> None:
    with store.engine.connect() as conn:
        assert lists.fetch_rows(conn, "contacts", []) == {}
        assert lists.fetch_rows(conn, "contacts", ["no-such-id"]) == {}


@pytest.mark.xfail(
    strict=True,
    reason="bug: list sorting uses SQLite NOCASE, which folds ASCII only, so 'Émile' and 'émile' are not "
    "sorted together (between them come names starting with Ö, Ø, Ü...)",
)
def test_sorting_is_case_insensitive_beyond_ascii(store: LocalStore) -> None:
    with store.transaction() as s:
        for name in ("émile", "Özil", "Émile"):
            services.create(s, "accounts", {"name": name})
    with store.engine.connect() as conn:
        ordered = [lists.fetch_rows(conn, "accounts", [i])[i][0] for i in lists.list_ids(conn, "accounts")]
    assert [n.casefold() for n in ordered] == sorted(n.casefold() for n in ordered)
