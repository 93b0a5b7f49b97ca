"""``sfa central import-orders`` and ``sfa central import-products``: the company's sales history (orders and
products from CSV files) into the central store."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sfa_desktop.cli.central.common import connect, url_option
from sfa_desktop.cli.common import Commands
from sfa_desktop.core.sales.csvfile import ORDER_COLUMNS, PRODUCT_COLUMNS, columns_help
from sfa_desktop.server import central, sales_import

SHOWN_PROBLEMS = 50


def _run_import(args: argparse.Namespace, what: str) -> int:
    path = Path(args.file)
    if not path.is_file():
        raise central.CentralError(f"There is no file {path}.")
    engine, login = connect(args)
    try:
        with central.central_transaction(engine) as conn:
            central.check_compatible(conn)
            writer = central.Writer(conn, login=login, buffered=True)
            run = sales_import.import_orders if what == "orders" else sales_import.import_products
            report = run(writer, path, dry_run=args.dry_run)
    except sales_import.ImportRefused as exc:
        for problem in exc.problems[:SHOWN_PROBLEMS]:
            sys.stderr.write(f"{path.name} line {problem.line}: {problem.message}\n")
        if len(exc.problems) > SHOWN_PROBLEMS:
            sys.stderr.write(f"... and {len(exc.problems) - SHOWN_PROBLEMS} more problems.\n")
        raise
    finally:
        engine.dispose()
    noun = "orders" if what == "orders" else "products"
    counts = f"{report.total:,} {noun} ({report.created:,} new, {report.updated:,} updated, "
    counts += f"{report.unchanged:,} unchanged)"
    if what == "orders":
        counts += f", {report.lines_written:,} order lines written, {report.lines_removed:,} removed"
    if args.dry_run:
        print(f"Checked {path.name}: it would import {counts}. Nothing was written (--dry-run).")
    else:
        print(
            f"Imported {path.name} into the central store: {counts}. Laptops receive them at their next sync."
        )
    if report.ignored_columns:
        print(f"Ignored columns: {', '.join(report.ignored_columns)}.")
    return 0


def cmd_import_orders(args: argparse.Namespace) -> int:
    return _run_import(args, "orders")


def cmd_import_products(args: argparse.Namespace) -> int:
    return _run_import(args, "products")


_ORDERS_HELP = f"""\
The file has a header row and one row per order line; rows with the same order number are one order.
Columns (names are matched ignoring case, spaces and underscores; others are ignored):
{columns_help(ORDER_COLUMNS)}

The order's territory and owner are its account's. Every row is checked first: bad rows are listed with
their line numbers and nothing is imported. Importing a file again updates the orders it holds (lines are
matched by product) and writes nothing that did not change. Only an administrator may import; each row is
numbered and logged by the central store and reaches the laptops of its territory at their next sync.

Example:
  order_number,order_date,account,sku,quantity,unit_price
  SO-1001,2026-10-02,Acme Tools,TEL-110,4,1200.00
  SO-1001,2026-10-02,Acme Tools,SAF-120,10,
"""
_PRODUCTS_HELP = f"""\
The file has a header row and one row per product. Columns:
{columns_help(PRODUCT_COLUMNS)}

Importing a SKU again updates the product; empty cells leave its current values. Bad rows are listed with
their line numbers and nothing is imported.

Example:
  sku,name,family,unit_price,unit_cost
  TEL-110,Fleet tracker,Telematics,1200.00,540.00
"""


def register(commands: Commands) -> None:
    """Add ``sfa central import-orders`` and ``sfa central import-products``."""
    dry_run = argparse.ArgumentParser(add_help=False)
    dry_run.add_argument("--dry-run", action="store_true", help="check the file and report; write nothing")
    for name, handler, summary, epilog in (
        ("import-orders", cmd_import_orders, "import orders and order lines from a CSV file", _ORDERS_HELP),
        ("import-products", cmd_import_products, "import products from a CSV file", _PRODUCTS_HELP),
    ):
        command = commands.command(
            f"central {name}",
            parents=[url_option(), dry_run],
            help=summary,
            description=summary[0].upper() + summary[1:] + " into the central store, in one transaction.",
            epilog=epilog,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        command.add_argument("file", metavar="FILE.csv")
        command.set_defaults(handler=handler)
