"""An account's sales: its figures (this year, last year, by month, top products) and its orders (the
Sales tab; ``sfa sales``)."""

from __future__ import annotations

import datetime as dt

from sfa_desktop.core.sales import history as sales
from sfa_desktop.core.sales.history import OrderRow, SalesSummary
from sfa_desktop.store.database import LocalStore


def load_sales(
    store: LocalStore, account_id: str, today: dt.date | None = None
) -> tuple[SalesSummary, list[OrderRow]]:
    """The account's figures and its orders, newest first."""
    with store.engine.connect() as conn:
        return sales.summary(conn, account_id, today), sales.order_list(conn, account_id)
