"""The CSV files the company's systems send for the sales history: orders (one row per order line) and
products.  Reading and checking them needs no database: :mod:`sfa_desktop.server.sales_import` resolves
accounts and products on the central store and writes.

Files are UTF-8 (with or without a byte-order mark; Windows-1252 is accepted too), separated by commas,
semicolons or tabs (read from the header line), with a header row.  Header names are matched without regard
to case, spaces, hyphens and underscores ("Order number", "order_number"); unknown columns are ignored and
reported.  Every problem names its line in the file.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sfa_desktop.core.errors import UserError
from sfa_desktop.core.records.fields import ORDER_STATUSES
from sfa_desktop.core.records.validation import FieldError, parse_date, parse_int, parse_money_cents
from sfa_desktop.core.transfer import textfile

MAX_QUANTITY = 1_000_000


@dataclass(frozen=True)
class CsvColumn:
    key: str
    names: tuple[str, ...]
    required: bool
    help: str


ORDER_COLUMNS = (
    CsvColumn(
        "order_number",
        ("order_number", "order_no", "order", "number"),
        True,
        "the order's number in the company's system, the key: rows with the same number are the lines of "
        "one order, and importing an order again updates it",
    ),
    CsvColumn("order_date", ("order_date", "date"), True, "YYYY-MM-DD"),
    CsvColumn(
        "account",
        ("account", "account_id", "account_name", "customer"),
        True,
        "the account's id, or its exact name (case and surrounding spaces ignored); a name that several "
        "accounts share is refused: give the id",
    ),
    CsvColumn(
        "sku",
        ("sku", "product", "product_sku", "item"),
        False,
        "the product's SKU (import products first); empty for a line without a product, which then needs a "
        "description",
    ),
    CsvColumn("description", ("description", "line_description"), False, "default: the product's name"),
    CsvColumn("quantity", ("quantity", "qty"), True, "a whole number, 0 or more"),
    CsvColumn("unit_price", ("unit_price", "price"), False, "such as 1250.00; default: the product's price"),
    CsvColumn("unit_cost", ("unit_cost", "cost"), False, "default: the product's cost"),
    CsvColumn(
        "line_total",
        ("line_total", "line_amount", "amount"),
        False,
        "default: quantity \N{MULTIPLICATION SIGN} unit price",
    ),
    CsvColumn("order_total", ("order_total", "total"), False, "default: the sum of the order's line totals"),
    CsvColumn("status", ("status", "order_status"), False, f"{', '.join(ORDER_STATUSES)}; default invoiced"),
    CsvColumn("currency", ("currency",), False, "three letters; default USD"),
    CsvColumn("notes", ("notes", "order_notes"), False, "the order's notes"),
)
PRODUCT_COLUMNS = (
    CsvColumn("sku", ("sku", "product_sku"), True, "the key: importing a SKU again updates the product"),
    CsvColumn("name", ("name", "product_name", "product"), False, "required for a new product"),
    CsvColumn("family", ("family", "product_family", "category"), False, "the product family"),
    CsvColumn("description", ("description",), False, ""),
    CsvColumn("unit_price", ("unit_price", "price", "list_price"), False, "such as 1250.00"),
    CsvColumn("unit_cost", ("unit_cost", "cost"), False, "what one unit costs the company"),
    CsvColumn("currency", ("currency",), False, "three letters; default USD"),
    CsvColumn("active", ("active",), False, "yes or no; default yes"),
)


class CsvFileError(UserError, ValueError):
    """The file as a whole cannot be read (not CSV, no header, missing columns); the message says why."""


@dataclass(frozen=True)
class RowProblem:
    line: int
    message: str


@dataclass(frozen=True)
class Table:
    rows: list[tuple[int, dict[str, str]]]  # (line in the file, column key -> text)
    ignored: list[str]  # header names no column takes


@dataclass(frozen=True)
class OrderLineIn:
    line: int
    number: str
    order_date: dt.date
    account: str
    sku: str | None
    description: str | None
    quantity: int
    unit_price: int | None
    unit_cost: int | None
    line_total: int | None
    order_total: int | None
    status: str
    currency: str
    notes: str | None


@dataclass(frozen=True)
class ProductIn:
    line: int
    sku: str
    name: str | None
    family: str | None
    description: str | None
    unit_price: int | None
    unit_cost: int | None
    currency: str | None
    active: bool | None


def _normal(name: str) -> str:
    return re.sub(r"[\s\-_.]+", "_", name.strip().lstrip("\ufeff").lower()).strip("_")


def _decode(path: Path) -> str:
    """The file's text, read as the contacts import reads its files (``core.textfile``: UTF-8 with or
    without BOM, UTF-16, Windows-1252).  A file that mixes encodings is refused: the company's sales
    history is imported whole, not with guessed letters."""
    try:
        decoded = textfile.decode(path.read_bytes(), str(path))
    except textfile.FileError as exc:
        raise CsvFileError(str(exc)) from None
    if decoded.notes:
        raise CsvFileError(f"{path}: {' '.join(decoded.notes)} Save it as UTF-8 CSV and import it again.")
    return decoded.text


def read_table(path: Path, columns: Sequence[CsvColumn]) -> Table:
    """The file's rows as column key -> stripped text, with their line numbers; blank rows are skipped."""
    content = _decode(path)
    delimiter = textfile.detect_separator(content.split("\n", 20)[:20])
    # strict: a stray quote is an error at once, not a cell that swallows the rest of the file (textfile
    # raises csv's field size limit for long cells, so that limit no longer catches it)
    reader = csv.reader(io.StringIO(content, newline=""), delimiter=delimiter, strict=True)
    try:
        header = next(reader, None)
        if header is None or not any(cell.strip() for cell in header):
            raise CsvFileError(f"{path} is empty; it needs a header row and one row per record.")
        by_name = {name: column for column in columns for name in column.names}
        keys: list[str | None] = []
        ignored = []
        for cell in header:
            column = by_name.get(_normal(cell))
            if column is not None and column.key in keys:
                raise CsvFileError(f"{path}: the header has two columns for {column.key} ('{cell.strip()}').")
            keys.append(column.key if column else None)
            if column is None and cell.strip():
                ignored.append(cell.strip())
        missing = [c.key for c in columns if c.required and c.key not in keys]
        if missing:
            raise CsvFileError(
                f"{path} has no column {', '.join(missing)}. Its header is: "
                f"{', '.join(h.strip() for h in header)}. See --help for the columns."
            )
        rows: list[tuple[int, dict[str, str]]] = []
        line = reader.line_num + 1
        for cells in reader:
            start, line = line, reader.line_num + 1
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) > len(keys):
                rows.append((start, {"__ragged__": f"has {len(cells)} cells; the header has {len(keys)}."}))
                continue
            rows.append((start, {k: c.strip() for k, c in zip(keys, cells, strict=False) if k is not None}))
    except csv.Error as exc:
        raise CsvFileError(f"{path} line {reader.line_num}: {exc}; it is not well-formed CSV.") from None
    if not rows:
        raise CsvFileError(f"{path} has a header but no rows; there is nothing to import.")
    return Table(rows, ignored)


def _money(value: str, label: str, problems: list[str]) -> int | None:
    if not value:
        return None
    try:
        return parse_money_cents(value)
    except FieldError as exc:
        problems.append(f"{label} {exc}" if str(exc)[:1].islower() else f"{label}: {exc}")
        return None


def _currency(value: str, problems: list[str]) -> str | None:
    if not value:
        return None
    if not re.fullmatch(r"[A-Za-z]{3}", value):
        problems.append(f"currency '{value}' is not a three-letter code such as USD.")
        return None
    return value.upper()


def parse_orders(table: Table) -> tuple[list[OrderLineIn], list[RowProblem]]:
    """Typed order lines, and every row's problems (one message per bad row, naming each bad value)."""
    lines: list[OrderLineIn] = []
    problems: list[RowProblem] = []
    for number, row in table.rows:
        bad: list[str] = []
        if "__ragged__" in row:
            problems.append(RowProblem(number, f"The row {row['__ragged__']}"))
            continue
        order_number = row.get("order_number", "")
        if not order_number:
            bad.append("the order number is empty.")
        elif len(order_number) > 40:
            bad.append(f"order number '{order_number[:20]}…' is longer than 40 characters.")
        day = None
        try:
            day = parse_date(row.get("order_date", ""))
        except FieldError as exc:
            bad.append(f"order date: {exc}" if row.get("order_date") else "the order date is empty.")
        account = row.get("account", "")
        if not account:
            bad.append("the account is empty.")
        sku, description = row.get("sku") or None, row.get("description") or None
        if sku is None and description is None:
            bad.append("the line has neither a SKU nor a description.")
        if description is not None and len(description) > 200:
            bad.append("the description is longer than 200 characters.")
        quantity = 0
        try:
            quantity = parse_int(row.get("quantity", ""), minimum=0, maximum=MAX_QUANTITY)
        except FieldError as exc:
            text = str(exc)
            bad.append(f"quantity {text}" if text[:1].islower() else f"quantity: {text}")
        status = (row.get("status") or "invoiced").lower()
        if status not in ORDER_STATUSES:
            bad.append(f"status '{row.get('status')}' is not one of: {', '.join(ORDER_STATUSES)}.")
        currency = _currency(row.get("currency", ""), bad) or "USD"
        prices = {
            key: _money(row.get(key, ""), key.replace("_", " "), bad)
            for key in ("unit_price", "unit_cost", "line_total", "order_total")
        }
        if bad:
            problems.append(RowProblem(number, " ".join(m[:1].upper() + m[1:] for m in bad)))
            continue
        assert day is not None
        lines.append(
            OrderLineIn(
                number,
                order_number,
                day,
                account,
                sku,
                description,
                quantity,
                prices["unit_price"],
                prices["unit_cost"],
                prices["line_total"],
                prices["order_total"],
                status,
                currency,
                row.get("notes") or None,
            )
        )
    return lines, problems + _disagreements(lines)


def _disagreements(lines: list[OrderLineIn]) -> list[RowProblem]:
    """Rows of one order must agree on what belongs to the order."""
    first: dict[str, OrderLineIn] = {}
    problems = []
    for line in lines:
        head = first.setdefault(line.number, line)
        for attribute, label in (
            ("order_date", "date"),
            ("account", "account"),
            ("status", "status"),
            ("currency", "currency"),
            ("order_total", "order total"),
            ("notes", "notes"),
        ):
            mine, theirs = getattr(line, attribute), getattr(head, attribute)
            if attribute in ("order_total", "notes") and (mine is None or theirs is None):
                continue
            if mine != theirs:
                problems.append(
                    RowProblem(
                        line.line,
                        f"Order {line.number} has the {label} '{theirs}' on line {head.line} but '{mine}' "
                        "here; the rows of one order must agree.",
                    )
                )
                break
    return problems


def parse_products(table: Table) -> tuple[list[ProductIn], list[RowProblem]]:
    products: list[ProductIn] = []
    problems: list[RowProblem] = []
    seen: dict[str, int] = {}
    for number, row in table.rows:
        if "__ragged__" in row:
            problems.append(RowProblem(number, f"The row {row['__ragged__']}"))
            continue
        bad: list[str] = []
        sku = row.get("sku", "")
        if not sku:
            bad.append("the SKU is empty.")
        elif len(sku) > 40:
            bad.append("the SKU is longer than 40 characters.")
        elif sku in seen:
            bad.append(f"SKU '{sku}' is on line {seen[sku]} already.")
        if sku:
            seen.setdefault(sku, number)
        for key, limit in (("name", 200), ("family", 80)):
            if len(row.get(key, "")) > limit:
                bad.append(f"the {key} is longer than {limit} characters.")
        active: bool | None = None
        if row.get("active"):
            flag = row["active"].lower()
            if flag not in ("yes", "no", "true", "false", "1", "0", "y", "n"):
                bad.append(f"active '{row['active']}' is not yes or no.")
            active = flag in ("yes", "true", "1", "y")
        price = _money(row.get("unit_price", ""), "unit price", bad)
        cost = _money(row.get("unit_cost", ""), "unit cost", bad)
        currency = _currency(row.get("currency", ""), bad)
        if bad:
            problems.append(RowProblem(number, " ".join(m[:1].upper() + m[1:] for m in bad)))
            continue
        products.append(
            ProductIn(
                number,
                sku,
                row.get("name") or None,
                row.get("family") or None,
                row.get("description") or None,
                price,
                cost,
                currency,
                active,
            )
        )
    return products, problems


def columns_help(columns: Sequence[CsvColumn]) -> str:
    """The columns, one per line, for --help and the README."""
    lines = []
    for column in columns:
        names = column.names[0] + (f" (or {', '.join(column.names[1:])})" if len(column.names) > 1 else "")
        required = "required; " if column.required else ""
        entry = f"{names}: {required}{column.help}".rstrip("; :")
        lines.append(textwrap.fill(entry, width=100, initial_indent="  ", subsequent_indent="      "))
    return "\n".join(lines)
