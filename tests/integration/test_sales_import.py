"""Importing the company's sales history into the central store (sync.sales_import, ``sfa central
import-orders|import-products``), on SQLite and PostgreSQL central stores: good files, bad rows that import
nothing, re-imports that update instead of duplicating, territories from the accounts, reps refused, and the
orders reaching the right laptops."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text

from sfa_desktop import cli
from sfa_desktop.core.records.models import new_id
from sfa_desktop.core.sales import history as sales
from sfa_desktop.protocol.errors import CentralError
from sfa_desktop.server import central, schema
from sfa_desktop.server.sales_import import ImportRefused, import_orders, import_products
from tests.integration.sync_harness import World, world_fixture

PRODUCTS = """sku,name,family,unit_price,unit_cost
TEL-110,Fleet tracker,Telematics,1200.00,540.00
SAF-120,Hi-vis pack,Safety,45.50,20.00
SUP-130,Premium support,Support,9000,
"""
ORDERS = """order_number,order_date,account,sku,quantity,unit_price,line_total,order_total,status,notes
SO-1001,2026-10-02,Acme Tools,TEL-110,4,,,,,Rush delivery
SO-1001,2026-10-02,Acme Tools,SAF-120,10,40.00,,,,
SO-1002,2026-10-05,{south},SUP-130,1,,,,shipped,
SO-1003,2026-11-01,acme tools ,TEL-110,1,1100.00,,1000.00,open,
"""


@pytest.fixture(params=["sqlite", "postgresql"])
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    pg = request.getfixturevalue("pg_url") if request.param == "postgresql" else None
    yield from world_fixture(request.param, tmp_path, pg)


@pytest.fixture
def accounts(world: World) -> dict[str, str]:
    """Acme Tools (NE, owned by ann), Southwind (SE, bob's), two accounts named Twin Co, one deleted."""
    ids: dict[str, str] = {}
    territory = {code: world.territory(code) for code in ("NE", "SE")}  # before the write locks the store
    with central.central_transaction(world.central) as cc:
        writer = central.Writer(cc, login="admin")
        users = {row.login: row.id for row in cc.execute(select(schema.SYNCED["users"]))}
        for key, name, code, owner in (
            ("acme", "Acme Tools", "NE", "ann"),
            ("south", "Southwind Freight", "SE", "bob"),
            ("twin1", "Twin Co", "NE", "ann"),
            ("twin2", "Twin Co", "SE", "bob"),
            ("gone", "Gone Ltd", "NE", "ann"),
        ):
            ids[key] = new_id()
            writer.insert(
                "accounts",
                {
                    "id": ids[key],
                    "name": name,
                    "territory_id": territory[code],
                    "owner_id": users[owner],
                },
            )
        writer.update(
            "accounts",
            ids["gone"],
            {"deleted_at": writer.now},
            op="delete",
            old_territory=territory["NE"],
        )
    return ids


def write(tmp_path: Path, name: str, content: str) -> Path:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return path


def run_import(world: World, kind: str, path: Path, *, login: str = "admin", dry_run: bool = False) -> Any:
    with central.central_transaction(world.central) as cc:
        writer = central.Writer(cc, login=login, buffered=True)
        run = import_orders if kind == "orders" else import_products
        return run(writer, path, dry_run=dry_run)


def rows(world: World, table: str, **where: Any) -> list[dict[str, Any]]:
    t = schema.SYNCED[table]
    query = select(t)
    for key, value in where.items():
        query = query.where(t.c[key] == value)
    with world.central.connect() as cc:
        return [dict(r) for r in cc.execute(query).mappings()]


def seq(world: World) -> int:
    with world.central.connect() as cc:
        return central.current_seq(cc)


def test_products_import_and_reimport(world: World, tmp_path: Path) -> None:
    report = run_import(world, "products", write(tmp_path, "products.csv", PRODUCTS))
    assert (report.created, report.updated, report.unchanged) == (3, 0, 0)
    tracker = rows(world, "products", sku="TEL-110")[0]
    assert (tracker["name"], tracker["unit_price_cents"], tracker["unit_cost_cents"]) == (
        "Fleet tracker",
        120000,
        54000,
    )
    assert rows(world, "products", sku="SUP-130")[0]["unit_cost_cents"] == 0
    before = seq(world)
    again = run_import(world, "products", write(tmp_path, "products.csv", PRODUCTS))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert seq(world) == before  # nothing written: no sequence numbers used
    changed = run_import(
        world, "products", write(tmp_path, "p2.csv", "sku,unit_price,active\nTEL-110,1250,no\n")
    )
    assert (changed.created, changed.updated) == (0, 1)
    tracker = rows(world, "products", sku="TEL-110")[0]
    assert (tracker["name"], tracker["unit_price_cents"], tracker["active"]) == (
        "Fleet tracker",
        125000,
        False,
    )
    assert tracker["seq"] > before
    assert world.count("products") == 3
    with pytest.raises(ImportRefused) as refused:
        run_import(world, "products", write(tmp_path, "p3.csv", "sku,name\nNEW-1,\nTEL-110,\n"))
    assert [(p.line, p.message) for p in refused.value.problems] == [
        (2, "Product 'NEW-1' is new and needs a name.")
    ]


def test_orders_import_territories_totals_and_reimport(
    world: World, accounts: dict[str, str], tmp_path: Path
) -> None:
    run_import(world, "products", write(tmp_path, "products.csv", PRODUCTS))
    path = write(tmp_path, "orders.csv", ORDERS.format(south=accounts["south"]))
    report = run_import(world, "orders", path)
    assert (report.created, report.updated, report.unchanged, report.lines_written) == (3, 0, 0, 4)
    first = rows(world, "orders", number="SO-1001")[0]
    assert first["account_id"] == accounts["acme"]
    assert first["territory_id"] == world.territory("NE")  # from the account
    assert first["total_cents"] == 4 * 120000 + 10 * 4000  # computed from the lines
    assert first["cost_cents"] == 4 * 54000 + 10 * 2000
    assert (first["status"], first["notes"], first["order_date"]) == (
        "invoiced",
        "Rush delivery",
        dt.date(2026, 10, 2),
    )
    lines = rows(world, "order_lines", order_id=first["id"])
    assert sorted((r["quantity"], r["unit_price_cents"], r["line_total_cents"]) for r in lines) == [
        (4, 120000, 480000),
        (10, 4000, 40000),
    ]
    assert {r["territory_id"] for r in lines} == {world.territory("NE")}
    assert {r["account_id"] for r in lines} == {accounts["acme"]}
    south = rows(world, "orders", number="SO-1002")[0]
    assert (south["territory_id"], south["status"], south["total_cents"]) == (
        world.territory("SE"),
        "shipped",
        900000,
    )
    assert rows(world, "orders", number="SO-1003")[0]["total_cents"] == 100000  # the total given wins
    with world.central.connect() as cc:
        logged = cc.execute(
            select(func.count())
            .select_from(schema.change_log)
            .where(schema.change_log.c.table_name.in_(["orders", "order_lines"]))
        ).scalar_one()
    assert logged == 7  # every row numbered and logged

    # the same file again: nothing changes, nothing is written
    before = seq(world)
    again = run_import(world, "orders", path)
    assert (again.created, again.updated, again.unchanged, again.lines_written, again.lines_removed) == (
        3 * 0,
        0,
        3,
        0,
        0,
    )
    assert seq(world) == before
    # a corrected file: a quantity changes, a line goes, an order's date moves; orders are not duplicated
    corrected = (
        "order_number,order_date,account,sku,quantity\n"
        "SO-1001,2026-10-02,Acme Tools,TEL-110,5\n"
        f"SO-1002,2026-10-06,{accounts['south']},SUP-130,1\n"
    )
    changed = run_import(world, "orders", write(tmp_path, "corrected.csv", corrected))
    assert (changed.created, changed.updated, changed.lines_written, changed.lines_removed) == (0, 2, 1, 1)
    assert world.count("orders") == 3
    first = rows(world, "orders", number="SO-1001")[0]
    assert first["total_cents"] == 5 * 120000
    live = [r for r in rows(world, "order_lines", order_id=first["id"]) if r["deleted_at"] is None]
    assert [(r["quantity"], r["line_total_cents"]) for r in live] == [(5, 600000)]
    assert rows(world, "orders", number="SO-1002")[0]["order_date"] == dt.date(2026, 10, 6)


def test_bad_rows_import_nothing(world: World, accounts: dict[str, str], tmp_path: Path) -> None:
    run_import(world, "products", write(tmp_path, "products.csv", PRODUCTS))
    content = (
        "order_number,order_date,account,sku,quantity\n"
        "SO-1,2026-10-02,Acme Tools,TEL-110,1\n"  # 2: good
        "SO-2,2026-10-02,Nobody Inc,TEL-110,1\n"  # 3: unknown account
        "SO-3,2026-10-02,Twin Co,TEL-110,1\n"  # 4: ambiguous name
        f"SO-4,2026-10-02,{accounts['gone']},TEL-110,1\n"  # 5: deleted account
        "SO-5,2026-10-02,Acme Tools,NOPE-1,1\n"  # 6: unknown SKU
        "SO-6,2026-10-02,Acme Tools,,1\n"  # 7: neither SKU nor description
        "SO-7,2026-10-02,Acme Tools,TEL-110,many\n"  # 8: bad quantity
        "SO-8,2026-10-02,Acme Tools,,1,\n"  # 9: one cell too many
    )
    before = (world.count("orders"), world.count("order_lines"), seq(world))
    with pytest.raises(ImportRefused) as refused:
        run_import(world, "orders", write(tmp_path, "bad.csv", content))
    problems = {p.line: p.message for p in refused.value.problems}
    assert sorted(problems) == [3, 4, 5, 6, 7, 8, 9]
    assert problems[3] == "There is no account 'Nobody Inc' (by id or exact name)."
    assert problems[4].startswith("Account 'Twin Co' is the name of 2 accounts (")
    assert problems[4].endswith("); give the account's id.")
    assert (
        problems[5] == f"Account {accounts['gone']} was deleted; give the account the order belongs to now."
    )
    assert problems[6].startswith("There is no product with SKU 'NOPE-1'; import it first")
    assert problems[8] == "Quantity: 'many' is not a whole number."
    assert (
        str(refused.value)
        == "7 rows of bad.csv have problems; nothing was imported. Fix them and import the file again."
    )
    assert (world.count("orders"), world.count("order_lines"), seq(world)) == before
    # dry run of a good file: everything checked, nothing written
    report = run_import(
        world,
        "orders",
        write(tmp_path, "good.csv", content.splitlines()[0] + "\n" + content.splitlines()[1] + "\n"),
        dry_run=True,
    )
    assert report.created == 1
    assert (world.count("orders"), world.count("order_lines"), seq(world)) == before


def test_a_rep_cannot_import(world: World, accounts: dict[str, str], tmp_path: Path) -> None:
    path = write(tmp_path, "products.csv", PRODUCTS)
    if world.central.dialect.name == "sqlite":
        with pytest.raises(CentralError, match="'ann' is a rep: only an administrator may import products"):
            run_import(world, "products", path, login="ann")
        assert world.count("products") == 0
        return
    # as sfa-server runs ann's requests: its own login acting as ann's role
    with world.acting_as("ann") as cc:
        assert cc.execute(text("SELECT current_user")).scalar() == "ann"
        with pytest.raises(CentralError, match="'ann' is a rep: only an administrator may import products"):
            import_products(central.Writer(cc, login="ann", buffered=True), path)
    # and PostgreSQL itself refuses a rep's order, whatever the app does
    with pytest.raises(CentralError, match="row-level security"), world.acting_as("ann") as cc:
        central.Writer(cc, login="ann").insert(
            "orders",
            {
                "id": new_id(),
                "account_id": accounts["acme"],
                "number": "SO-X",
                "order_date": dt.date(2026, 10, 2),
                "status": "invoiced",
                "currency": "USD",
                "total_cents": 1,
                "territory_id": world.territory("NE"),
            },
        )
    assert world.count("products") == 0
    assert world.count("orders") == 0


def test_imported_orders_reach_their_territorys_laptops(
    world: World, accounts: dict[str, str], tmp_path: Path
) -> None:
    run_import(world, "products", write(tmp_path, "products.csv", PRODUCTS))
    run_import(world, "orders", write(tmp_path, "orders.csv", ORDERS.format(south=accounts["south"])))
    ann, bob = world.laptop("ann"), world.laptop("bob")
    assert ann.scalar("SELECT count(*) FROM orders") == 2
    assert ann.scalar("SELECT count(*) FROM order_lines") == 3
    assert bob.scalar("SELECT count(*) FROM orders") == 1
    with ann.store.engine.connect() as conn:
        figures = sales.summary(conn, accounts["acme"], dt.date(2026, 11, 24))
    assert figures.this_year_cents == 520000 + 100000
    assert figures.last_order_number == "SO-1003"
    # a re-import that changes a quantity reaches the laptop as an update, not a second order
    run_import(
        world,
        "orders",
        write(
            tmp_path,
            "o2.csv",
            "order_number,order_date,account,sku,quantity\nSO-1003,2026-11-01,Acme Tools,TEL-110,2\n",
        ),
    )
    ann.sync()
    assert ann.scalar("SELECT count(*) FROM orders") == 2
    assert ann.scalar("SELECT total_cents FROM orders WHERE number = 'SO-1003'") == 240000


def cli_import(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, world: World, *argv: str
) -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    monkeypatch.delenv("SFA_CENTRAL_PASSWORD", raising=False)
    code = cli.main(["central", *argv, "--url", world.url])
    out, err = capsys.readouterr()
    return code, out, err


def test_the_import_commands(
    world: World,
    accounts: dict[str, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    products = write(tmp_path, "products.csv", PRODUCTS)
    code, out, err = cli_import(capsys, monkeypatch, world, "import-products", str(products))
    assert (code, err) == (0, "")
    assert out.startswith(
        "Imported products.csv into the central store: 3 products (3 new, 0 updated, 0 unchanged)."
    )
    orders = write(
        tmp_path, "orders.csv", ORDERS.format(south=accounts["south"]).replace("notes\n", "notes,Region\n", 1)
    )
    code, out, err = cli_import(capsys, monkeypatch, world, "import-orders", str(orders), "--dry-run")
    assert code == 0
    assert "it would import 3 orders (3 new, 0 updated, 0 unchanged), 4 order lines written" in out
    assert "Ignored columns: Region." in out
    assert world.count("orders") == 0
    code, out, _err = cli_import(capsys, monkeypatch, world, "import-orders", str(orders))
    assert code == 0
    assert "3 orders (3 new, 0 updated, 0 unchanged), 4 order lines written, 0 removed" in out
    bad = write(
        tmp_path,
        "bad.csv",
        "order_number,order_date,account,sku,quantity\nSO-9,2026-10-02,Nobody,TEL-110,1\n",
    )
    code, out, err = cli_import(capsys, monkeypatch, world, "import-orders", str(bad))
    assert code == 1
    assert out == ""
    assert err.splitlines() == [
        "bad.csv line 2: There is no account 'Nobody' (by id or exact name).",
        "sfa: error: 1 row of bad.csv has problems; nothing was imported. Fix them and import the file "
        "again.",
    ]
    code, _out, err = cli_import(capsys, monkeypatch, world, "import-orders", str(tmp_path / "missing.csv"))
    assert code == 1
    assert err.strip() == f"sfa: error: There is no file {tmp_path / 'missing.csv'}."
    assert world.count("orders") == 3
