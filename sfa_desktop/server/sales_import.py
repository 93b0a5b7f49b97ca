"""Importing the company's sales history into the central store: products and orders from CSV files.

``sfa central import-products`` and ``sfa central import-orders`` read a file (see
:mod:`sfa_desktop.core.sales.csvfile` for the format), resolve what it refers to on the central store and
write through :class:`~sfa_desktop.server.central.Writer` in the caller's central transaction, so every row
gets its sequence number and reaches the laptops of its territory.  Everything is checked before anything
is written: a file with bad rows imports nothing (:class:`ImportRefused` lists them by line).  Importing a
file again updates what changed and writes nothing else: orders are keyed by their number, their lines
matched by product, products by SKU.  Only an administrator, or the central store's owner (a login that is
not an app user), may import; on PostgreSQL row-level security enforces it too.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select

from sfa_desktop.core.records.models import new_id
from sfa_desktop.core.sales.csvfile import (
    ORDER_COLUMNS,
    PRODUCT_COLUMNS,
    CsvFileError,
    OrderLineIn,
    RowProblem,
    parse_orders,
    parse_products,
    read_table,
)
from sfa_desktop.server import schema
from sfa_desktop.server.central import CentralError, Writer

_CHUNK = 900
ACCOUNTS = schema.SYNCED["accounts"]
PRODUCTS = schema.SYNCED["products"]
ORDERS = schema.SYNCED["orders"]
LINES = schema.SYNCED["order_lines"]
USERS = schema.SYNCED["users"]


class ImportRefused(CentralError):
    """The file has bad rows; nothing was imported.  ``problems`` lists them by line."""

    def __init__(self, path: Path, problems: list[RowProblem]) -> None:
        self.path = path
        self.problems = sorted(problems, key=lambda p: p.line)
        rows = len({p.line for p in problems})
        super().__init__(
            f"{rows} row{'s' if rows != 1 else ''} of {path.name} {'have' if rows != 1 else 'has'} problems; "
            "nothing was imported. Fix them and import the file again."
        )


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    lines_written: int = 0
    lines_removed: int = 0
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


def check_admin(writer: Writer, what: str) -> None:
    """Only an administrator, or the store's owner (a database login that is not an app user), imports."""
    row = writer.conn.execute(
        select(USERS.c.role, USERS.c.active, USERS.c.deleted_at).where(USERS.c.login == writer.user)
    ).first()
    if row is not None and (row.role != "admin" or not row.active or row.deleted_at is not None):
        who = f"a {row.role}" if row.active and row.deleted_at is None else "no longer active"
        raise CentralError(
            f"'{writer.user}' is {who}: only an administrator may import {what}. Connect with an "
            "administrator's login (--url postgresql://ADMIN@host/db)."
        )


def _read(path: Path, columns: Any) -> Any:
    try:
        return read_table(path, columns)
    except CsvFileError as exc:
        raise CentralError(str(exc)) from None


def _chunks(values: Iterable[Any]) -> Iterable[list[Any]]:
    items = list(values)
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def _fold(name: str) -> str:
    return unicodedata.normalize("NFKC", " ".join(name.split())).casefold()


# -- orders ------------------------------------------------------------------------------------------------


def import_orders(writer: Writer, path: Path, *, dry_run: bool = False) -> ImportReport:
    """Import an orders file (one row per order line); ``dry_run`` checks everything and writes nothing."""
    table = _read(path, ORDER_COLUMNS)
    lines, problems = parse_orders(table)
    check_admin(writer, "orders")
    conn = writer.conn
    accounts = _resolve_accounts(conn, {line.account for line in lines}, lines, problems)
    products = _resolve_products(conn, {line.sku for line in lines if line.sku}, lines, problems)
    orders: dict[str, list[OrderLineIn]] = {}
    for line in lines:
        orders.setdefault(line.number, []).append(line)
    for order_lines in orders.values():
        for line in order_lines:
            if line.sku is None and line.unit_price is None and line.line_total is None:
                problems.append(
                    RowProblem(line.line, "A line without a product needs a unit price or a total.")
                )
    existing = _existing_orders(conn, orders, problems)
    if problems:
        raise ImportRefused(path, problems)
    report = ImportReport(ignored_columns=table.ignored)
    old_lines = _existing_lines(conn, [row["id"] for row in existing.values()])
    for number, order_lines in orders.items():
        account = accounts[order_lines[0].account]
        wanted = _order_values(number, order_lines, account, products)
        current = existing.get(number)
        order_id = current["id"] if current is not None else new_id()
        changed = _write(writer, "orders", order_id, wanted["order"], current, dry_run)
        written, removed = _write_lines(
            writer, order_id, wanted["lines"], old_lines.get(order_id, []), dry_run
        )
        report.lines_written += written
        report.lines_removed += removed
        if current is None:
            report.created += 1
        elif changed or written or removed:
            report.updated += 1
        else:
            report.unchanged += 1
    if not dry_run:
        writer.flush()
    return report


def _resolve_accounts(
    conn: Connection, refs: set[str], lines: list[OrderLineIn], problems: list[RowProblem]
) -> dict[str, Mapping[str, Any]]:
    """Account reference (id or exact name) -> the live account row; problems for the others."""
    columns = (ACCOUNTS.c.id, ACCOUNTS.c.name, ACCOUNTS.c.territory_id, ACCOUNTS.c.owner_id)
    found: dict[str, Mapping[str, Any]] = {}
    by_id: dict[str, Mapping[str, Any]] = {}
    for chunk in _chunks(refs):
        query = select(*columns, ACCOUNTS.c.deleted_at, ACCOUNTS.c.merged_into_id).where(
            ACCOUNTS.c.id.in_(chunk)
        )
        by_id.update({row.id: dict(row._mapping) for row in conn.execute(query)})
    reasons: dict[str, str] = {}
    for ref, account in by_id.items():
        survivor = _follow_merges(conn, account)
        if survivor is None:
            reasons[ref] = f"Account {ref} was deleted; give the account the order belongs to now."
        else:
            found[ref] = survivor
    by_name = [ref for ref in refs if ref not in by_id]
    if by_name:
        named: dict[str, list[Mapping[str, Any]]] = {}
        for live in conn.execute(select(*columns).where(ACCOUNTS.c.deleted_at.is_(None))):
            named.setdefault(_fold(live.name), []).append(dict(live._mapping))
        for ref in by_name:
            matches = named.get(_fold(ref), [])
            if len(matches) == 1:
                found[ref] = matches[0]
            elif matches:
                ids = ", ".join(sorted(m["id"] for m in matches)[:4])
                reasons[ref] = (
                    f"Account '{ref}' is the name of {len(matches)} accounts ({ids}); give the account's id."
                )
            else:
                reasons[ref] = f"There is no account '{ref}' (by id or exact name)."
    problems += [RowProblem(line.line, reasons[line.account]) for line in lines if line.account in reasons]
    return found


def _follow_merges(conn: Connection, row: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """A live account, or the one a merged-away account now lives on as; None when it is just deleted."""
    for _ in range(10):
        if row["deleted_at"] is None:
            return row
        target = row["merged_into_id"]
        if target is None:
            return None
        found = conn.execute(select(ACCOUNTS).where(ACCOUNTS.c.id == target)).first()
        if found is None:
            return None
        row = dict(found._mapping)
    return None


def _resolve_products(
    conn: Connection, skus: set[str], lines: list[OrderLineIn], problems: list[RowProblem]
) -> dict[str, Mapping[str, Any]]:
    found: dict[str, Mapping[str, Any]] = {}
    for chunk in _chunks(skus):
        for row in conn.execute(select(PRODUCTS).where(PRODUCTS.c.sku.in_(chunk))):
            found[row.sku] = dict(row._mapping)
    for line in lines:
        if line.sku is None:
            continue
        product = found.get(line.sku)
        if product is None:
            problems.append(
                RowProblem(
                    line.line,
                    f"There is no product with SKU '{line.sku}'; import it first with "
                    "'sfa central import-products'.",
                )
            )
        elif product["deleted_at"] is not None:
            problems.append(RowProblem(line.line, f"Product '{line.sku}' was deleted."))
    return found


def _existing_orders(
    conn: Connection, orders: Mapping[str, list[OrderLineIn]], problems: list[RowProblem]
) -> dict[str, Mapping[str, Any]]:
    """Order number -> the central order it updates (a live one before a deleted one)."""
    rows: dict[str, list[Mapping[str, Any]]] = {}
    for chunk in _chunks(orders):
        for row in conn.execute(select(ORDERS).where(ORDERS.c.number.in_(chunk))):
            rows.setdefault(row.number, []).append(dict(row._mapping))
    result = {}
    for number, found in rows.items():
        live = [r for r in found if r["deleted_at"] is None]
        if len(live) > 1:
            problems.append(
                RowProblem(
                    orders[number][0].line,
                    f"Order number {number} is used by {len(live)} orders on the central store; "
                    "ask for them to be merged first.",
                )
            )
        result[number] = (live or sorted(found, key=lambda r: r["updated_at"]))[-1]
    return result


def _existing_lines(conn: Connection, order_ids: list[str]) -> dict[str, list[Mapping[str, Any]]]:
    result: dict[str, list[Mapping[str, Any]]] = {}
    for chunk in _chunks(order_ids):
        query = select(LINES).where(LINES.c.order_id.in_(chunk), LINES.c.deleted_at.is_(None))
        for row in conn.execute(query.order_by(LINES.c.created_at, LINES.c.id)):
            result.setdefault(row.order_id, []).append(dict(row._mapping))
    return result


def _order_values(
    number: str,
    lines: list[OrderLineIn],
    account: Mapping[str, Any],
    products: Mapping[str, Mapping[str, Any]],
) -> dict[str, Any]:
    head = lines[0]
    common = {
        "account_id": account["id"],
        "territory_id": account["territory_id"],
        "owner_id": account["owner_id"],
    }
    wanted_lines = []
    for line in lines:
        product = products.get(line.sku) if line.sku else None
        price = line.unit_price
        if price is None:
            price = (
                product["unit_price_cents"]
                if product is not None
                else (line.line_total or 0) // max(line.quantity, 1)
            )
        cost = (
            line.unit_cost
            if line.unit_cost is not None
            else (product["unit_cost_cents"] if product else None)
        )
        wanted_lines.append(
            {
                **common,
                "product_id": product["id"] if product is not None else None,
                "description": line.description,
                "quantity": line.quantity,
                "unit_price_cents": price,
                "unit_cost_cents": cost,
                "line_total_cents": line.line_total if line.line_total is not None else line.quantity * price,
            }
        )
    costs = [line["unit_cost_cents"] for line in wanted_lines]
    order = {
        **common,
        "number": number,
        "order_date": head.order_date,
        "status": head.status,
        "currency": head.currency,
        "total_cents": next(
            (x.order_total for x in lines if x.order_total is not None),
            sum(line["line_total_cents"] for line in wanted_lines),
        ),
        "cost_cents": None
        if any(c is None for c in costs)
        else sum(line["quantity"] * line["unit_cost_cents"] for line in wanted_lines),
        "notes": next((x.notes for x in lines if x.notes), None),
    }
    return {"order": order, "lines": wanted_lines}


def _write(
    writer: Writer,
    table: str,
    record_id: str,
    wanted: dict[str, Any],
    current: Mapping[str, Any] | None,
    dry_run: bool,
) -> bool:
    """Insert, restore or update a record so that it holds ``wanted``; True when something was written."""
    if current is None:
        if not dry_run:
            writer.insert(table, {"id": record_id, **wanted})
        return True
    changes = {k: v for k, v in wanted.items() if current[k] != v}
    op = "update"
    if current["deleted_at"] is not None:
        changes["deleted_at"], op = None, "restore"
    if changes and not dry_run:
        writer.update(
            table,
            record_id,
            changes,
            op=op,
            old_territory=current.get("territory_id"),
            old={k: current[k] for k in changes},
        )
    return bool(changes)


def _write_lines(
    writer: Writer,
    order_id: str,
    wanted: list[dict[str, Any]],
    current: list[Mapping[str, Any]],
    dry_run: bool,
) -> tuple[int, int]:
    """Match the order's lines by product (and description) in order; returns (written, removed)."""
    pool: dict[tuple[Any, Any], list[Mapping[str, Any]]] = {}
    for row in current:
        pool.setdefault((row["product_id"], row["description"]), []).append(row)
    written = 0
    for values in wanted:
        candidates = pool.get((values["product_id"], values["description"]))
        old = candidates.pop(0) if candidates else None
        line_id = old["id"] if old is not None else new_id()
        written += _write(writer, "order_lines", line_id, {"order_id": order_id, **values}, old, dry_run)
    leftovers = [row for rows in pool.values() for row in rows]
    if not dry_run:
        for row in leftovers:
            writer.update(
                "order_lines",
                row["id"],
                {"deleted_at": writer.now},
                op="delete",
                old_territory=row["territory_id"],
                old={"deleted_at": None},
            )
    return written, len(leftovers)


# -- products ------------------------------------------------------------------------------------------


def import_products(writer: Writer, path: Path, *, dry_run: bool = False) -> ImportReport:
    """Import a products file, keyed by SKU; empty cells leave a product's current values."""
    table = _read(path, PRODUCT_COLUMNS)
    products, problems = parse_products(table)
    check_admin(writer, "products")
    existing: dict[str, Mapping[str, Any]] = {}
    for chunk in _chunks(p.sku for p in products):
        for row in writer.conn.execute(select(PRODUCTS).where(PRODUCTS.c.sku.in_(chunk))):
            existing[row.sku] = dict(row._mapping)
    problems += [
        RowProblem(p.line, f"Product '{p.sku}' is new and needs a name.")
        for p in products
        if p.sku not in existing and not p.name
    ]
    if problems:
        raise ImportRefused(path, problems)
    report = ImportReport(ignored_columns=table.ignored)
    for product in products:
        given = {
            "name": product.name,
            "family": product.family,
            "description": product.description,
            "unit_price_cents": product.unit_price,
            "unit_cost_cents": product.unit_cost,
            "currency": product.currency,
            "active": product.active,
        }
        current = existing.get(product.sku)
        if current is None:
            defaults = {"unit_price_cents": 0, "unit_cost_cents": 0, "currency": "USD", "active": True}
            values = {**defaults, **{k: v for k, v in given.items() if v is not None}, "sku": product.sku}
            _write(writer, "products", new_id(), values, None, dry_run)
            report.created += 1
            continue
        values = {k: v for k, v in given.items() if v is not None}
        if _write(writer, "products", current["id"], values, current, dry_run):
            report.updated += 1
        else:
            report.unchanged += 1
    if not dry_run:
        writer.flush()
    return report
