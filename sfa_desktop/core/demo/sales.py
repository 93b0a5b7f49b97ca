"""Two years of orders for the demo accounts: the sales history the Sales tab and the timeline show.

About three in four accounts are customers.  Each has a fleet size from its head count, a few products it
keeps buying (from the demo catalogue, at list price with a volume discount for the large ones, and their
cost), a buying rate that grows or shrinks from one year to the next, and the seasonality of the trade:
busy before summer and in the autumn budget rush, quiet in January, August and December.  Numbers run in
date order (SO-100001...).  Deterministic for a seed and a ``today``; written through
:func:`sfa_desktop.core.records.services.create_many` like everything else in the demo.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sfa_desktop.core.demo import data
from sfa_desktop.core.records import services
from sfa_desktop.core.records.models import Account, Product

#: Relative order volume by month (January first).
SEASONALITY = (0.6, 0.85, 1.1, 1.05, 1.1, 1.2, 0.85, 0.6, 1.15, 1.3, 1.35, 0.75)
MONTHS = 25
CUSTOMER_SHARE = 0.75
BATCH_ROWS = 5000


def _fleet(employees: int | None) -> int:
    return max(3, min(400, (employees or 30) // 12))


def _month_days(today: dt.date, back: int) -> list[dt.date]:
    """The working days of the month ``back`` months before today's (up to today)."""
    index = today.year * 12 + today.month - 1 - back
    first = dt.date(index // 12, index % 12 + 1, 1)
    days = []
    day = first
    while day.month == first.month and day <= today:
        if day.weekday() < 5:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


class _Orders:
    def __init__(self, seed: int, today: dt.date, products: Sequence[Any]) -> None:
        self.rng = random.Random(f"sfa-demo-orders-{seed}")
        self.today = today
        self.products = products
        family_weights = {family.name: family.order_weight for family in data.load().families}
        self.weights = [family_weights.get(p.family or "", 1) for p in products]
        self.months = [_month_days(today, back) for back in range(MONTHS - 1, -1, -1)]

    def uid(self) -> str:
        bits = (
            self.rng.getrandbits(128) & ~((0xF000 << 64) | (0xC000 << 48)) | (0x4000 << 64) | (0x8000 << 48)
        )
        h = f"{bits:032x}"
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def quantity(self, price_cents: int, fleet: int) -> int:
        rng = self.rng
        if price_cents < 15_000:
            return rng.randint(2, max(3, fleet // 2))
        if price_cents < 100_000:
            return rng.randint(1, max(1, fleet // 6))
        return rng.randint(1, max(1, fleet // 40) + 1)

    def status(self, day: dt.date) -> str:
        age = (self.today - day).days
        r = self.rng.random()
        if age < 7:
            return "open" if r < 0.6 else "shipped"
        if age < 30:
            return "shipped" if r < 0.4 else "invoiced"
        return "cancelled" if r < 0.03 else "returned" if r < 0.045 else "invoiced"

    def account(self, account: Any) -> list[tuple[dt.date, dict[str, Any], list[dict[str, Any]]]]:
        """(day, order row, line rows) of one account; order numbers are given later, in date order."""
        rng = self.rng
        if rng.random() > CUSTOMER_SHARE:
            return []
        fleet = _fleet(account.employee_count)
        basket = list(
            {id(p): p for p in rng.choices(self.products, self.weights, k=rng.randint(2, 5))}.values()
        )
        per_year = (1 + math.log2(fleet)) * rng.uniform(0.5, 1.2)
        growth = rng.uniform(-0.35, 0.45)  # change of the buying rate over a year
        discount = 0.0 if fleet < 60 else rng.choice((0.05, 0.08, 0.1, 0.12))
        result = []
        for back, days in zip(range(MONTHS - 1, -1, -1), self.months, strict=True):
            if not days:
                continue
            month = days[0].month
            trend = 1 + growth * (0.5 - back / 12)
            expected = per_year / 12 * SEASONALITY[month - 1] * max(trend, 0.1)
            for _ in range(int(expected + rng.random())):
                day = rng.choice(days)
                order_id = self.uid()
                chosen = rng.sample(basket, k=min(len(basket), rng.choice((1, 1, 2, 2, 3))))
                if rng.random() < 0.1:
                    chosen.append(rng.choice(self.products))
                lines = []
                for product in {p.id: p for p in chosen}.values():
                    price = int(round(product.unit_price_cents * (1 - discount), -2))
                    quantity = self.quantity(price, fleet)
                    lines.append(
                        {
                            "id": self.uid(),
                            "order_id": order_id,
                            "account_id": account.id,
                            "product_id": product.id,
                            "quantity": quantity,
                            "unit_price_cents": price,
                            "unit_cost_cents": product.unit_cost_cents,
                            "line_total_cents": quantity * price,
                            "owner_id": account.owner_id,
                        }
                    )
                order = {
                    "id": order_id,
                    "account_id": account.id,
                    "order_date": day,
                    "status": self.status(day),
                    "total_cents": sum(line["line_total_cents"] for line in lines),
                    "cost_cents": sum(line["quantity"] * line["unit_cost_cents"] for line in lines),
                    "owner_id": account.owner_id,
                }
                result.append((day, order, lines))
        return result


def seed_orders(session: Session, *, seed: int, today: dt.date) -> tuple[int, int]:
    """Write orders and order lines for the accounts in the database; returns (orders, lines)."""
    products = session.execute(
        select(Product.id, Product.family, Product.unit_price_cents, Product.unit_cost_cents)
        .where(Product.deleted_at.is_(None), Product.active.is_(True))
        .order_by(Product.sku)
    ).all()
    if not products:
        return 0, 0
    accounts = session.execute(
        select(Account.id, Account.employee_count, Account.owner_id)
        .where(Account.deleted_at.is_(None))
        .order_by(Account.id)
    ).all()
    generator = _Orders(seed, today, products)
    made = [entry for account in accounts for entry in generator.account(account)]
    made.sort(key=lambda entry: (entry[0], entry[1]["id"]))
    orders, lines = [], []
    for number, (_day, order, order_lines) in enumerate(made, start=100_001):
        orders.append({**order, "number": f"SO-{number}"})
        lines += order_lines
    for kind, rows in (("orders", orders), ("order_lines", lines)):
        for start in range(0, len(rows), BATCH_ROWS):
            services.create_many(session, kind, rows[start : start + BATCH_ROWS])
    return len(orders), len(lines)
