"""An account's sales figures (core.sales) against values computed by hand."""

from __future__ import annotations

import datetime as dt

import pytest

from sfa_desktop.core.records import services
from sfa_desktop.core.sales import history as sales
from sfa_desktop.store.database import LocalStore

TODAY = dt.date(2026, 3, 15)


@pytest.fixture
def account(store: LocalStore) -> str:
    with store.transaction() as s:
        a = services.create(s, "products", {"sku": "A-1", "name": "Tracker", "unit_price_cents": 80000}).id
        b = services.create(s, "products", {"sku": "B-1", "name": "Camera", "unit_price_cents": 200000}).id
        account = services.create(s, "accounts", {"name": "Acme Tools"}).id
        other = services.create(s, "accounts", {"name": "Globex"}).id

        def order(
            number: str, day: str, status: str, *lines: tuple[str | None, int, int], on: str = account
        ) -> None:
            total = sum(quantity * price for _p, quantity, price in lines)
            made = services.create(
                s,
                "orders",
                {
                    "account_id": on,
                    "number": number,
                    "order_date": day,
                    "status": status,
                    "total_cents": total,
                },
            )
            for product, quantity, price in lines:
                services.create(
                    s,
                    "order_lines",
                    {
                        "order_id": made.id,
                        "account_id": on,
                        "product_id": product,
                        "description": None if product else "Freight",
                        "quantity": quantity,
                        "unit_price_cents": price,
                        "line_total_cents": quantity * price,
                    },
                )

        order("SO-1", "2026-01-10", "invoiced", (a, 10, 80000), (b, 1, 200000))
        order("SO-2", "2026-03-15", "shipped", (a, 2, 100000), (None, 1, 50000))
        order("SO-3", "2026-03-16", "open", (a, 1, 9900))  # after "today"
        order("SO-4", "2026-02-01", "cancelled", (a, 5, 100000))
        order("SO-5", "2025-02-20", "invoiced", (b, 2, 200000))
        order("SO-6", "2025-03-15", "invoiced", (a, 1, 100000))  # the last day of last year's "to date"
        order("SO-7", "2025-03-16", "invoiced", (b, 1, 300000))
        order("SO-8", "2025-12-31", "returned", (b, 7, 100000))
        order("SO-9", "2024-03-01", "invoiced", (a, 1, 80000))  # before the 24 months
        order("SO-10", "2024-04-02", "open", (None, 1, 60000))  # the first of the 24 months
        order("SO-11", "2026-01-05", "invoiced", (a, 100, 100000), on=other)
    return account


def test_figures_against_hand_computed_values(store: LocalStore, account: str) -> None:
    with store.engine.connect() as conn:
        figures = sales.summary(conn, account, TODAY)
    assert figures.this_year_cents == 1_000_000 + 250_000
    assert figures.last_year_cents == 400_000 + 100_000 + 300_000
    assert figures.last_year_to_date_cents == 400_000 + 100_000
    assert figures.change == pytest.approx(1_250_000 / 500_000 - 1)
    assert (figures.last_order_date, figures.last_order_number) == (dt.date(2026, 3, 15), "SO-2")
    assert figures.orders_this_year == 2
    assert len(figures.months) == 24
    assert (figures.months[0].year, figures.months[0].month) == (2024, 4)
    assert (figures.months[-1].year, figures.months[-1].month) == (2026, 3)
    by_month = {m.label: m.cents for m in figures.months if m.cents}
    assert by_month == {
        "2024-04": 60_000,
        "2025-02": 400_000,
        "2025-03": 400_000,
        "2026-01": 1_000_000,
        "2026-03": 250_000,
    }
    assert figures.period_cents == 2_110_000
    top = [(p.sku, p.name, p.quantity, p.cents) for p in figures.top_products]
    assert top == [
        ("A-1", "Tracker", 13, 1_100_000),
        ("B-1", "Camera", 4, 900_000),
        ("", "Freight", 2, 110_000),
    ]
    assert figures.top_products[0].share == pytest.approx(1_100_000 / 2_110_000)
    assert figures.as_json()["change"] == 1.5


def test_no_base_no_change_and_leap_days(store: LocalStore, account: str) -> None:
    with store.engine.connect() as conn:
        early = sales.summary(conn, account, dt.date(2025, 1, 5))
    assert early.last_year_to_date_cents == 0
    assert early.change is None
    assert sales.same_day_last_year(dt.date(2028, 2, 29)) == dt.date(2027, 2, 28)
    assert sales.month_start(dt.date(2026, 3, 15), 23) == dt.date(2024, 4, 1)
    assert sales.month_start(dt.date(2026, 1, 31), 1) == dt.date(2025, 12, 1)


def test_orders_with_their_lines_newest_first(store: LocalStore, account: str) -> None:
    with store.engine.connect() as conn:
        orders = sales.order_list(conn, account)
        assert [o.number for o in sales.order_list(conn, account, limit=2)] == ["SO-3", "SO-2"]
    assert [o.number for o in orders] == [f"SO-{n}" for n in (3, 2, 4, 1, 8, 7, 6, 5, 10, 9)]
    first = next(o for o in orders if o.number == "SO-1")
    assert [(line.sku, line.product, line.quantity, line.line_total_cents) for line in first.lines] == [
        ("A-1", "Tracker", 10, 800_000),
        ("B-1", "Camera", 1, 200_000),
    ]
    cancelled = next(o for o in orders if o.number == "SO-4")
    assert not cancelled.counted
    assert first.counted


def test_an_account_without_orders(store: LocalStore) -> None:
    with store.transaction() as s:
        account = services.create(s, "accounts", {"name": "New Co"}).id
    with store.engine.connect() as conn:
        figures = sales.summary(conn, account, TODAY)
        assert sales.order_list(conn, account) == []
    assert figures.this_year_cents == figures.last_year_cents == 0
    assert figures.last_order_date is None
    assert figures.top_products == ()
    assert figures.period_cents == 0
    assert len(figures.months) == 24
