"""An account's sales history, from the orders on the laptop (read-only copies of the company's records).

:func:`summary` gives the figures the Sales tab and ``sfa sales`` show: this year's total (to date) and
last year's, the change against the same period last year, the last order date, monthly totals for the
last 24 months and the top products by revenue over them.  :func:`order_list` gives the orders with their
lines.  Revenue counts orders that are open, shipped or invoiced: cancelled and returned orders are listed
but not counted.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text

#: Order statuses that count as revenue.
REVENUE_STATUSES = ("open", "shipped", "invoiced")
MONTHS = 24
TOP_PRODUCTS = 5
_COUNTED = "o.deleted_at IS NULL AND o.status IN ('open', 'shipped', 'invoiced')"


@dataclass(frozen=True)
class MonthTotal:
    year: int
    month: int
    cents: int
    orders: int

    @property
    def label(self) -> str:
        return f"{self.year}-{self.month:02d}"


@dataclass(frozen=True)
class ProductTotal:
    product_id: str | None
    sku: str
    name: str
    quantity: int
    cents: int
    #: Share of the revenue of the period, 0..1.
    share: float


@dataclass(frozen=True)
class SalesSummary:
    account_id: str
    today: dt.date
    currency: str
    this_year_cents: int
    last_year_cents: int
    #: Last year from 1 January to the same day as today: what this year's total is compared with.
    last_year_to_date_cents: int
    last_order_date: dt.date | None
    last_order_number: str | None
    orders_this_year: int
    #: Monthly totals of the last MONTHS months, oldest first, this month last.
    months: tuple[MonthTotal, ...]
    top_products: tuple[ProductTotal, ...]

    @property
    def change(self) -> float | None:
        """This year against the same period last year as a fraction (0.12: 12 % up); None without a base."""
        if self.last_year_to_date_cents <= 0:
            return None
        return self.this_year_cents / self.last_year_to_date_cents - 1

    @property
    def period_cents(self) -> int:
        return sum(m.cents for m in self.months)

    def as_json(self) -> dict[str, Any]:
        return {
            "account_id": self.account_id,
            "today": self.today.isoformat(),
            "currency": self.currency,
            "this_year_cents": self.this_year_cents,
            "last_year_cents": self.last_year_cents,
            "last_year_to_date_cents": self.last_year_to_date_cents,
            "change": None if self.change is None else round(self.change, 4),
            "last_order_date": self.last_order_date.isoformat() if self.last_order_date else None,
            "last_order_number": self.last_order_number,
            "orders_this_year": self.orders_this_year,
            "months": [{"month": m.label, "cents": m.cents, "orders": m.orders} for m in self.months],
            "top_products": [
                {
                    "sku": p.sku,
                    "name": p.name,
                    "quantity": p.quantity,
                    "cents": p.cents,
                    "share": round(p.share, 4),
                }
                for p in self.top_products
            ],
        }


@dataclass(frozen=True)
class OrderLineRow:
    sku: str
    product: str
    quantity: int
    unit_price_cents: int
    line_total_cents: int


@dataclass(frozen=True)
class OrderRow:
    order_id: str
    number: str
    order_date: dt.date
    status: str
    currency: str
    total_cents: int
    lines: tuple[OrderLineRow, ...]

    @property
    def counted(self) -> bool:
        return self.status in REVENUE_STATUSES


def same_day_last_year(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def month_start(day: dt.date, months_back: int) -> dt.date:
    index = day.year * 12 + day.month - 1 - months_back
    return dt.date(index // 12, index % 12 + 1, 1)


def _sum(conn: Connection, account_id: str, start: dt.date, end: dt.date) -> tuple[int, int]:
    """(revenue, orders) of the account's counted orders dated start..end (inclusive)."""
    row = conn.execute(
        text(
            f"SELECT coalesce(sum(o.total_cents), 0), count(*) FROM orders o WHERE o.account_id = :a "
            f"AND {_COUNTED} AND o.order_date BETWEEN :start AND :end"
        ),
        {"a": account_id, "start": start.isoformat(), "end": end.isoformat()},
    ).one()
    return int(row[0]), int(row[1])


def summary(conn: Connection, account_id: str, today: dt.date | None = None) -> SalesSummary:
    today = today or dt.date.today()
    this_year, orders_this_year = _sum(conn, account_id, dt.date(today.year, 1, 1), today)
    last_year, _ = _sum(conn, account_id, dt.date(today.year - 1, 1, 1), dt.date(today.year - 1, 12, 31))
    last_ytd, _ = _sum(conn, account_id, dt.date(today.year - 1, 1, 1), same_day_last_year(today))
    last = conn.execute(
        text(
            f"SELECT o.order_date, o.number FROM orders o WHERE o.account_id = :a AND {_COUNTED} "
            "AND o.order_date <= :today ORDER BY o.order_date DESC, o.number DESC LIMIT 1"
        ),
        {"a": account_id, "today": today.isoformat()},
    ).first()
    currency = conn.execute(
        text(
            "SELECT currency FROM orders WHERE account_id = :a AND deleted_at IS NULL "
            "GROUP BY currency ORDER BY count(*) DESC LIMIT 1"
        ),
        {"a": account_id},
    ).scalar()
    start = month_start(today, MONTHS - 1)
    by_month = {
        row[0]: (int(row[1]), int(row[2]))
        for row in conn.execute(
            text(
                "SELECT substr(o.order_date, 1, 7), sum(o.total_cents), count(*) FROM orders o "
                f"WHERE o.account_id = :a AND {_COUNTED} AND o.order_date BETWEEN :start AND :end "
                "GROUP BY 1"
            ),
            {"a": account_id, "start": start.isoformat(), "end": today.isoformat()},
        )
    }
    months = []
    for back in range(MONTHS - 1, -1, -1):
        first = month_start(today, back)
        cents, count = by_month.get(f"{first.year}-{first.month:02d}", (0, 0))
        months.append(MonthTotal(first.year, first.month, cents, count))
    return SalesSummary(
        account_id=account_id,
        today=today,
        currency=str(currency or "USD"),
        this_year_cents=this_year,
        last_year_cents=last_year,
        last_year_to_date_cents=last_ytd,
        last_order_date=dt.date.fromisoformat(str(last[0])[:10]) if last else None,
        last_order_number=str(last[1]) if last else None,
        orders_this_year=orders_this_year,
        months=tuple(months),
        top_products=tuple(_top_products(conn, account_id, start, today)),
    )


def _top_products(conn: Connection, account_id: str, start: dt.date, end: dt.date) -> list[ProductTotal]:
    rows = conn.execute(
        text(
            "SELECT l.product_id, coalesce(p.sku, ''), coalesce(p.name, l.description, 'Other'), "
            "sum(l.quantity), sum(l.line_total_cents) FROM order_lines l "
            "JOIN orders o ON o.id = l.order_id LEFT JOIN products p ON p.id = l.product_id "
            f"WHERE l.account_id = :a AND l.deleted_at IS NULL AND {_COUNTED} "
            "AND o.order_date BETWEEN :start AND :end "
            "GROUP BY l.product_id, CASE WHEN l.product_id IS NULL THEN l.description END "
            "ORDER BY 5 DESC, 3"
        ),
        {"a": account_id, "start": start.isoformat(), "end": end.isoformat()},
    ).all()
    total = sum(int(r[4]) for r in rows)
    return [
        ProductTotal(r[0], r[1], r[2], int(r[3]), int(r[4]), int(r[4]) / total if total else 0.0)
        for r in rows[:TOP_PRODUCTS]
    ]


def order_list(conn: Connection, account_id: str, limit: int | None = None) -> list[OrderRow]:
    """The account's orders, newest first, each with its lines (largest first)."""
    orders = conn.execute(
        text(
            "SELECT id, number, order_date, status, currency, total_cents FROM orders "
            "WHERE account_id = :a AND deleted_at IS NULL ORDER BY order_date DESC, number DESC LIMIT :limit"
        ),
        {"a": account_id, "limit": limit if limit is not None else -1},
    ).all()
    lines: dict[str, list[OrderLineRow]] = {}
    for row in conn.execute(
        text(
            "SELECT l.order_id, coalesce(p.sku, ''), coalesce(l.description, p.name, 'Item'), l.quantity, "
            "l.unit_price_cents, l.line_total_cents FROM order_lines l "
            "LEFT JOIN products p ON p.id = l.product_id WHERE l.account_id = :a AND l.deleted_at IS NULL "
            "ORDER BY l.line_total_cents DESC"
        ),
        {"a": account_id},
    ):
        lines.setdefault(row[0], []).append(
            OrderLineRow(row[1], row[2], int(row[3]), int(row[4]), int(row[5]))
        )
    return [
        OrderRow(
            r[0],
            r[1],
            dt.date.fromisoformat(str(r[2])[:10]),
            r[3],
            r[4] or "USD",
            int(r[5]),
            tuple(lines.get(r[0], ())),
        )
        for r in orders
    ]
