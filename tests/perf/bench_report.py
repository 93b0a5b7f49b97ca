"""Territory report benchmarks (issue 6).  Not a test: run ``python tests/perf/bench_report.py``.

Data: 20,000 accounts, 50,000 contacts, 200,000 activities, 30,000 opportunities, 20,000 leads, 25,000
orders with 100,000 order lines, about 600 defections, over two years, in one region with four territories
and eight reps, written with plain executemany into a migrated local store (change capture suspended, as
sync does).

Budgets, measured in this run:
- the report (every section, in SQL) for the whole region over 90 days: <= 2 s;
- the same report as a PDF: <= 3 s;
- as ratios against a floor: one full scan of the tables the report reads (count and sum a column of
  each), measured the same way.

Prints a table and exits 1 when a budget is missed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sfa_desktop.core.records.vocabularies import DEFECTION_TYPES
from sfa_desktop.core.reports.base import Period
from sfa_desktop.core.reports.territory import build
from sfa_desktop.printing.territory_report import write_pdf
from sfa_desktop.store.database import DB_FILENAME, LocalStore

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run as a script: tests is importable
from tests import local_files
from tests.perf.benchlib import Result, print_results

TODAY = dt.date(2026, 11, 2)
STAMP = "2026-01-01 00:00:00.000000"
KINDS = ("call", "call", "call", "email", "email", "visit", "meeting", "task", "note")
STAGES = (
    "prospecting",
    "qualification",
    "needs analysis",
    "proposal",
    "negotiation",
    "closed won",
    "closed lost",
)
PROBABILITY = {
    "prospecting": 10,
    "qualification": 20,
    "needs analysis": 40,
    "proposal": 60,
    "negotiation": 80,
    "closed won": 100,
    "closed lost": 0,
}


def uid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def moment(rng: random.Random, days: int = 730) -> str:
    when = dt.datetime.combine(TODAY, dt.time(14)) - dt.timedelta(
        days=rng.randint(0, days), minutes=rng.randint(0, 480)
    )
    return when.strftime("%Y-%m-%d %H:%M:%S.%f")


Row = dict[str, Any]


def insert(db: sqlite3.Connection, table: str, rows: list[Row]) -> None:
    columns = list(rows[0])
    common = {"created_at": STAMP, "updated_at": STAMP, "deleted_at": None}
    names = [*columns, *(c for c in common if c not in columns)]
    sql = f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
    db.executemany(sql, ([r.get(c, common.get(c)) for c in names] for r in rows))


def generate(path: Path, accounts: int, seed: int = 11) -> dict[str, int]:
    """Write the data set straight into the SQLite file (one transaction, capture suspended)."""
    rng = random.Random(seed)
    db = local_files.connect(path)
    db.execute("PRAGMA foreign_keys = OFF")
    counts: dict[str, int] = {}
    with db:
        db.execute("UPDATE capture_control SET suspended = 1 WHERE id = 1")
        region = uid(rng)
        territories: list[Row] = [{"id": region, "code": "EAST", "name": "East", "parent_id": None}]
        for code in ("NE", "MA", "SE", "MW"):
            territories.append({"id": uid(rng), "code": code, "name": code, "parent_id": region})
        insert(db, "territories", territories)
        leaves = [t["id"] for t in territories[1:]]
        reps: list[Row] = [
            {"id": uid(rng), "login": f"rep{n}", "full_name": f"Rep {n}", "role": "rep", "active": 1}
            for n in range(8)
        ]
        insert(db, "users", reps)
        rep_of = {t: [r["id"] for r in reps[i * 2 : i * 2 + 2]] for i, t in enumerate(leaves)}
        products: list[Row] = [
            {
                "id": uid(rng),
                "sku": f"P{n}",
                "name": f"Product {n}",
                "unit_price_cents": p,
                "unit_cost_cents": int(p * 0.6),
                "currency": "USD",
                "active": 1,
            }
            for n, p in enumerate(rng.randint(1_000, 90_000) for _ in range(40))
        ]
        insert(db, "products", products)
        price = {p["id"]: int(p["unit_price_cents"]) for p in products}
        account_rows: list[Row] = []
        contact_rows: list[Row] = []
        activity_rows: list[Row] = []
        opportunity_rows: list[Row] = []
        order_rows: list[Row] = []
        line_rows: list[Row] = []
        lead_rows: list[Row] = []
        defection_rows: list[Row] = []
        lost = random.Random(seed + 1)  # its own stream: the rest of the data is as before defections
        for n in range(accounts):
            territory = rng.choice(leaves)
            owner = rng.choice(rep_of[territory])
            account = uid(rng)
            account_rows.append(
                {
                    "id": account,
                    "name": f"Account {n}",
                    "territory_id": territory,
                    "owner_id": owner,
                    "industry": "Software",
                    "employee_count": rng.randint(5, 5000),
                }
            )
            for _ in range(rng.choice((1, 2, 3, 4))):
                contact_rows.append(
                    {
                        "id": uid(rng),
                        "account_id": account,
                        "last_name": f"Person {n}",
                        "territory_id": territory,
                        "owner_id": owner,
                        "consent_email": 0,
                        "consent_phone": 0,
                    }
                )
            for _ in range(10):
                done = rng.random() < 0.9
                when = moment(rng)
                activity_rows.append(
                    {
                        "id": uid(rng),
                        "kind": rng.choice(KINDS),
                        "subject": "Activity",
                        "account_id": account,
                        "territory_id": territory,
                        "owner_id": owner,
                        "due_at": when,
                        "done_at": when if done else None,
                    }
                )
            for _ in range(rng.choice((1, 2))):
                stage = rng.choice(STAGES)
                opportunity_rows.append(
                    {
                        "id": uid(rng),
                        "account_id": account,
                        "name": "Deal",
                        "stage": stage,
                        "probability": PROBABILITY[stage],
                        "amount_cents": rng.randint(100, 50_000) * 100,
                        "currency": "USD",
                        "close_date": moment(rng)[:10],
                        "territory_id": territory,
                        "owner_id": owner,
                    }
                )
            for _ in range(rng.choice((0, 1, 1, 2))):
                order = uid(rng)
                lines = [(rng.choice(products), rng.randint(1, 10)) for _ in range(5)]
                order_rows.append(
                    {
                        "id": order,
                        "account_id": account,
                        "number": f"SO{len(order_rows)}",
                        "order_date": moment(rng)[:10],
                        "status": "invoiced",
                        "currency": "USD",
                        "total_cents": sum(price[p["id"]] * q for p, q in lines),
                        "territory_id": territory,
                        "owner_id": owner,
                    }
                )
                for product, quantity in lines:
                    line_rows.append(
                        {
                            "id": uid(rng),
                            "order_id": order,
                            "account_id": account,
                            "product_id": product["id"],
                            "quantity": quantity,
                            "unit_price_cents": product["unit_price_cents"],
                            "unit_cost_cents": product["unit_cost_cents"],
                            "line_total_cents": price[product["id"]] * quantity,
                            "territory_id": territory,
                            "owner_id": owner,
                        }
                    )
            lead_rows.append(
                {
                    "id": uid(rng),
                    "last_name": f"Lead {n}",
                    "status": rng.choice(("new", "qualified", "converted")),
                    "territory_id": territory,
                    "owner_id": owner,
                    "created_at": moment(rng),
                }
            )
            if lost.random() < 0.03:  # about 600 defections in two years
                defection_rows.append(
                    {
                        "id": uid(lost),
                        "account_id": account,
                        "status": lost.choice(("lost", "declining")),
                        "defection_type": lost.choice(DEFECTION_TYPES),
                        "reason": "Moved to a cheaper supplier",
                        "defected_on": moment(lost)[:10],
                        "territory_id": territory,
                        "owner_id": owner,
                    }
                )
        for table, rows in (
            ("accounts", account_rows),
            ("contacts", contact_rows),
            ("activities", activity_rows),
            ("opportunities", opportunity_rows),
            ("orders", order_rows),
            ("order_lines", line_rows),
            ("leads", lead_rows),
            ("defections", defection_rows),
        ):
            insert(db, table, rows)
            counts[table] = len(rows)
        db.execute("UPDATE capture_control SET suspended = 0 WHERE id = 1")
    db.execute("ANALYZE")
    db.close()
    return counts


def timed(fn: Callable[[], object], repeat: int = 3) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=20_000)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="sfa-bench-report-"))
    results: list[Result] = []
    try:
        LocalStore.open(work).close()  # a migrated store
        started = time.perf_counter()
        counts = generate(work / DB_FILENAME, args.accounts)
        made = ", ".join(f"{n:,} {t}" for t, n in counts.items())
        print(f"generated {made} in {time.perf_counter() - started:.1f} s")
        store = LocalStore.open(work)
        period = Period.last_days(90, TODAY)

        def floor_scan() -> None:
            with store.engine.connect() as conn:
                for table, column in (
                    ("accounts", "employee_count"),
                    ("contacts", "length(last_name)"),
                    ("activities", "length(done_at)"),
                    ("opportunities", "amount_cents"),
                    ("leads", "length(created_at)"),
                    ("orders", "total_cents"),
                    ("order_lines", "line_total_cents"),
                ):
                    conn.exec_driver_sql(
                        f"SELECT count(*), sum({column}) FROM {table} WHERE deleted_at IS NULL"
                    ).all()

        floor = timed(floor_scan)
        results.append(("floor: one full scan of the report's tables", f"{floor * 1000:.0f} ms", "-", True))
        holder: dict[str, object] = {}

        def compute(territory: str | None) -> None:
            with store.reading() as session:
                holder["report"] = build(session, territory, period)

        seconds = timed(lambda: compute(None))
        report = holder["report"]
        results.append(
            (
                "territory report, whole region, 90 days",
                f"{seconds:.2f} s ({seconds / floor:.1f}x the floor)",
                "<= 2 s",
                seconds <= 2,
            )
        )
        with store.reading() as session:
            one = (
                session.connection()
                .exec_driver_sql("SELECT id FROM territories WHERE code = 'NE'")
                .scalar_one()
            )
        single = timed(lambda: compute(one))
        results.append(
            (
                "territory report, one territory",
                f"{single:.2f} s ({single / floor:.1f}x)",
                "<= 2 s",
                single <= 2,
            )
        )
        pdf = timed(lambda: write_pdf(report, work / "report.pdf"), repeat=2)  # type: ignore[arg-type]
        results.append(
            ("the same report as a PDF", f"{pdf:.2f} s ({pdf / floor:.1f}x the floor)", "<= 3 s", pdf <= 3)
        )
        store.close()
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return print_results(results)


if __name__ == "__main__":
    sys.exit(main())
