"""Reading the sales-history CSV files (core.sales_csv): formats, header names, and every kind of bad row
or bad file reported with its line number."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from sfa_desktop.core.sales.csvfile import (
    ORDER_COLUMNS,
    PRODUCT_COLUMNS,
    CsvFileError,
    OrderLineIn,
    RowProblem,
    columns_help,
    parse_orders,
    parse_products,
    read_table,
)


def write(tmp_path: Path, content: str | bytes, name: str = "orders.csv") -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def orders(tmp_path: Path, content: str | bytes) -> tuple[list[OrderLineIn], list[RowProblem]]:
    return parse_orders(read_table(write(tmp_path, content), ORDER_COLUMNS))


def test_a_good_file_with_header_aliases_bom_and_semicolons(tmp_path: Path) -> None:
    content = (
        "\ufeffOrder Number;Order-Date;Customer;SKU;Qty;Unit Price;Status;Region;Description\n"
        "SO-1;2026-10-02;Acme Tools;TEL-110;4;1,200.00;Shipped;North;\n"
        'SO-1;2026-10-02;Acme Tools;;1;"50";shipped;North;Freight\n'
    )
    table = read_table(write(tmp_path, content), ORDER_COLUMNS)
    assert table.ignored == ["Region"]
    lines, problems = parse_orders(table)
    assert problems == []
    assert [
        (x.line, x.number, x.order_date, x.account, x.sku, x.quantity, x.unit_price, x.status) for x in lines
    ] == [
        (2, "SO-1", dt.date(2026, 10, 2), "Acme Tools", "TEL-110", 4, 120000, "shipped"),
        (3, "SO-1", dt.date(2026, 10, 2), "Acme Tools", None, 1, 5000, "shipped"),
    ]
    assert (lines[0].description, lines[1].description) == (None, "Freight")


def test_bad_rows_are_named_by_line(tmp_path: Path) -> None:
    content = (
        "order_number,order_date,account,sku,quantity,unit_price,status,currency,description\n"
        "SO-1,2026-10-02,Acme,TEL-1,2,10.00,,,\n"  # 2: good
        ",2026-10-02,Acme,TEL-1,2,,,,\n"  # 3: no number
        "SO-2,2026-13-40,Acme,TEL-1,2,,,,\n"  # 4: bad date
        "SO-3,2026-10-02,,TEL-1,2,,,,\n"  # 5: no account
        "SO-4,2026-10-02,Acme,,2,,,,\n"  # 6: no SKU nor description
        "SO-5,2026-10-02,Acme,TEL-1,two,,,,\n"  # 7: bad quantity
        "SO-6,2026-10-02,Acme,TEL-1,-1,,,,\n"  # 8: negative quantity
        "SO-7,2026-10-02,Acme,TEL-1,1,12.345,,,\n"  # 9: bad price
        "SO-8,2026-10-02,Acme,TEL-1,1,,lost,,\n"  # 10: bad status
        "SO-9,2026-10-02,Acme,TEL-1,1,,,dollars,\n"  # 11: bad currency
        '"SO-10","2026-10-02","Acme","TEL-1","1","","","","a note\n'
        'over two lines"\n'  # 12-13: good, two physical lines
        "SO-1,2026-10-03,Acme,TEL-2,1,,,,\n"  # 14: another date for SO-1
        "SO-11,2026-10-02,Acme,TEL-1,1,,,,,extra\n"  # 15: ragged
        "SO-12,2026-10-02,Acme,TEL-1,1,-5,,,\n"  # 16: negative money
    )
    lines, problems = orders(tmp_path, content)
    assert [x.line for x in lines] == [2, 12, 14]
    found = {p.line: p.message for p in problems}
    assert sorted(found) == [3, 4, 5, 6, 7, 8, 9, 10, 11, 14, 15, 16]
    assert found[3] == "The order number is empty."
    assert found[4].startswith("Order date: '2026-13-40' is not a date")
    assert found[5] == "The account is empty."
    assert found[6] == "The line has neither a SKU nor a description."
    assert found[7] == "Quantity: 'two' is not a whole number."
    assert found[8] == "Quantity must be at least 0."
    assert found[9] == "Unit price has more than two decimal places."
    assert found[10].startswith("Status 'lost' is not one of: open, shipped")
    assert found[11] == "Currency 'dollars' is not a three-letter code such as USD."
    assert found[14] == (
        "Order SO-1 has the date '2026-10-02' on line 2 but '2026-10-03' here; the rows of one order must "
        "agree."
    )
    assert found[15] == "The row has 10 cells; the header has 9."
    assert found[16] == "Unit price cannot be negative."


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "is empty"),
        ("order_number,order_date,account,quantity\n", "has a header but no rows"),
        ("order_number,account,quantity\nSO-1,Acme,1\n", "has no column order_date"),
        ("number,order_date,account,account_id,quantity\n", "two columns for account"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a text file: it looks like a PNG image"),
        (
            "order_number,order_date,account,quantity\nSO-1,2026-10-02,Caf\u00e9,1\n".encode()
            + b"SO-2,2026-10-02,Caf\xe9,1\n",
            "mixes encodings",
        ),
        (
            'order_number,order_date,account,quantity\n"SO-1,2026-10-02,Acme,1\n' + "x" * 200_000,
            "not well-formed",
        ),
    ],
)
def test_bad_files(tmp_path: Path, content: str | bytes, message: str) -> None:
    with pytest.raises(CsvFileError, match=message):
        read_table(write(tmp_path, content), ORDER_COLUMNS)


def test_windows_1252_and_tabs(tmp_path: Path) -> None:
    content = (
        "order_number\torder_date\taccount\tdescription\tquantity\tunit_price\n"
        "SO-1\t2026-10-02\tMüller GmbH\tFracht\t1\t9.50\n"
    )
    lines, problems = orders(tmp_path, content.encode("cp1252"))
    assert problems == []
    assert (lines[0].account, lines[0].description, lines[0].unit_price) == ("Müller GmbH", "Fracht", 950)


def test_utf16_with_tabs_as_spreadsheets_save_unicode_text(tmp_path: Path) -> None:
    content = (
        "order_number\torder_date\taccount\tdescription\tquantity\tunit_price\n"
        "SO-1\t2026-10-02\tŁódź Trading\tFracht\t2\t9.50\n"
    )
    lines, problems = orders(tmp_path, content.encode("utf-16"))
    assert problems == []
    assert (lines[0].account, lines[0].quantity, lines[0].unit_price) == ("Łódź Trading", 2, 950)


def test_products(tmp_path: Path) -> None:
    content = (
        "SKU,Name,Category,Price,Cost,Active\n"
        "TEL-1,Tracker,Telematics,1200,540.5,yes\n"
        "TEL-2,,,,,\n"
        "TEL-1,Again,,,,\n"
        ",Nameless,,,,\n"
        "TEL-3,Bad,,12.001,,maybe\n"
    )
    table = read_table(write(tmp_path, content, "products.csv"), PRODUCT_COLUMNS)
    products, problems = parse_products(table)
    assert [(p.sku, p.name, p.family, p.unit_price, p.unit_cost, p.active) for p in products] == [
        ("TEL-1", "Tracker", "Telematics", 120000, 54050, True),
        ("TEL-2", None, None, None, None, None),
    ]
    found = {p.line: p.message for p in problems}
    assert found == {
        4: "SKU 'TEL-1' is on line 2 already.",
        5: "The SKU is empty.",
        6: "Active 'maybe' is not yes or no. Unit price has more than two decimal places.",
    }


def test_columns_help_lists_every_column() -> None:
    text = columns_help(ORDER_COLUMNS)
    for column in ORDER_COLUMNS:
        assert column.names[0] in text
    assert "required" in text
