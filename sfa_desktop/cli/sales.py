"""``sfa sales ACCOUNT``: an account's sales figures, offline (``sfa central import-orders`` and
``import-products`` are in :mod:`sfa_desktop.cli.central.sales`)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys

from sfa_desktop.cli.common import Commands, date, digits, label_of, open_store, resolve
from sfa_desktop.core.records.validation import format_money
from sfa_desktop.core.sales import history as sales
from sfa_desktop.ops import sales as sales_ops

SHOWN_PROBLEMS = 50
BAR_WIDTH = 32
_BLOCKS = " ▏▎▍▌▋▊▉█"


def _day(day: dt.date) -> str:
    return f"{day.day} {day.strftime('%b %Y')}"


def _bar(cents: int, top: int) -> str:
    if top <= 0 or cents <= 0:
        return ""
    eighths = max(1, round(cents / top * BAR_WIDTH * 8))
    return "█" * (eighths // 8) + (_BLOCKS[eighths % 8] if eighths % 8 else "")


def cmd_sales(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        account_id = resolve(store, "accounts", args.account)
        name = label_of(store, "accounts", account_id)
        figures, every_order = sales_ops.load_sales(store, account_id, args.today)
    total_orders = len(every_order)
    orders = every_order[: args.orders] if args.orders else every_order

    def money(cents: int) -> str:
        return format_money(cents, figures.currency)

    if args.format == "json":
        document = {"account": {"id": account_id, "name": name}, **figures.as_json()}
        document["orders"] = [
            {
                "number": o.number,
                "date": o.order_date.isoformat(),
                "status": o.status,
                "total_cents": o.total_cents,
                "lines": [
                    {
                        "sku": line.sku,
                        "product": line.product,
                        "quantity": line.quantity,
                        "unit_price_cents": line.unit_price_cents,
                        "line_total_cents": line.line_total_cents,
                    }
                    for line in o.lines
                ],
            }
            for o in orders
        ]
        json.dump(document, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return 0
    print(f"Sales of {name}, as of {_day(figures.today)} ({figures.currency})\n")
    change = figures.change
    compared = (
        f"   {change:+.1%} on the same period last year ({money(figures.last_year_to_date_cents)})"
        if change is not None
        else "   (no sales in the same period last year)"
    )
    last = (
        f"{_day(figures.last_order_date)} ({figures.last_order_number})"
        if figures.last_order_date
        else "none"
    )
    for label, value in (
        ("This year to date", money(figures.this_year_cents) + compared),
        ("Last year", money(figures.last_year_cents)),
        ("Last order", last),
        ("Orders this year", f"{figures.orders_this_year:,}"),
    ):
        print(f"  {label:<18}  {value}")
    print(f"\nMonthly totals, last {sales.MONTHS} months")
    top = max((m.cents for m in figures.months), default=0)
    width = max(len(money(m.cents)) for m in figures.months)
    for month in figures.months:
        label = dt.date(month.year, month.month, 1).strftime("%b %Y")
        print(f"  {label}  {money(month.cents):>{width}}  {_bar(month.cents, top)}".rstrip())
    print(f"\nTop products, last {sales.MONTHS} months")
    if figures.top_products:
        rows = [
            [p.sku, p.name, f"{p.quantity:,}", money(p.cents), f"{p.share:.0%}"] for p in figures.top_products
        ]
        _table(["SKU", "Product", "Qty", "Revenue", "Share"], rows, right=(2, 3, 4))
    else:
        print("  none")
    shown = f"newest {len(orders)} of {total_orders}" if len(orders) < total_orders else f"{total_orders}"
    print(
        f"\nOrders ({shown}; --orders N for more, 0 for all)"
        if len(orders) < total_orders
        else f"\nOrders ({shown})"
    )
    for order in orders:
        note = "" if order.counted else "  (not counted)"
        print(
            f"  {order.number:<12} {order.order_date.isoformat()}  {order.status.capitalize():<10}"
            f"{money(order.total_cents):>14}{note}"
        )
        for line in order.lines:
            what = f"{line.sku} {line.product}".strip()
            print(
                f"      {what[:44]:<44} {line.quantity:>6,} \N{MULTIPLICATION SIGN} "
                f"{money(line.unit_price_cents):>12} = {money(line.line_total_cents):>12}"
            )
    return 0


def _table(headers: list[str], rows: list[list[str]], right: tuple[int, ...] = ()) -> None:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]

    def fit(value: str, i: int) -> str:
        return value.rjust(widths[i]) if i in right else value.ljust(widths[i])

    print("  " + "  ".join(fit(h, i) for i, h in enumerate(headers)).rstrip())
    for row in rows:
        print("  " + "  ".join(fit(v, i) for i, v in enumerate(row)).rstrip())


def register(commands: Commands) -> None:
    common = commands.data_dir
    parser = commands.command(
        "sales",
        parents=[common],
        help="an account's sales figures and orders",
        description="An account's sales history from the orders on this laptop: this year's total to date "
        "against the same period last year, last year's total, the last order, monthly totals for the last "
        f"{sales.MONTHS} months, the top products by revenue and the orders with their lines. Cancelled and "
        "returned orders are listed but not counted. Works offline.",
    )
    parser.add_argument("account", metavar="ACCOUNT", help="the account's id, id prefix or name")
    parser.add_argument("--orders", type=digits, default=10, metavar="N", help="orders listed (10; 0: all)")
    parser.add_argument(
        "--today", type=date, default=None, metavar="YYYY-MM-DD", help="figures as of this day"
    )
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format")
    parser.set_defaults(handler=cmd_sales)
