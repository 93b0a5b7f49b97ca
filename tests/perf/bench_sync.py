"""Sync benchmarks (issue 3).  Not a test: ``python tests/perf/bench_sync.py [--scale 1.0]``.

Starts a throwaway PostgreSQL (or uses SFA_TEST_PG_URL), loads one territory of 20k accounts, 60k contacts,
20k leads, 30k opportunities and 200k activities (330k rows) into the central store with COPY, then measures:

- priming a new laptop with that territory, connected with the rep's own PostgreSQL login (row-level
  security on), against a floor measured in the same run: COPY of the same rows to memory plus a plain
  SQLite executemany of them into an empty file in one transaction.  Budget: within 3x, under 30 s, peak
  memory of the priming process under 300 MB;
- a sync with nothing to do: under 200 ms;
- 1,000 local edits pushed plus 1,000 remote edits pulled: under 2 s.

Prints a table and exits 1 when a budget is missed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sfa_desktop.core.records import services  # noqa: E402
from sfa_desktop.core.records.models import Base  # noqa: E402
from sfa_desktop.server import admin, central, roles, schema  # noqa: E402
from sfa_desktop.server.service import SyncService  # noqa: E402
from sfa_desktop.store.database import LocalStore  # noqa: E402
from sfa_desktop.sync.engine import SyncEngine  # noqa: E402
from tests.perf.benchlib import Result, print_results  # noqa: E402

COUNTS = {
    "accounts": 20_000,
    "contacts": 60_000,
    "leads": 20_000,
    "opportunities": 30_000,
    "activities": 200_000,
}
PASSWORD = "bench-secret"
SERVICE_LOGIN = "sfa_bench_sync"
_PRIME = """
import sys, time, json
sys.path.insert(0, {root!r})
from pathlib import Path
from sfa_desktop.store.database import LocalStore
from sfa_desktop.server import central
from sfa_desktop.server.service import SyncService
from sfa_desktop.sync.engine import SyncEngine
store = LocalStore.open(Path({data!r}))
from sfa_desktop.server import roles
engine = central.make_central_engine({url!r}, password={password!r})
sync = SyncEngine(store, SyncService(engine, {login!r}, role=roles.role_hook({login!r})))
sync.connect(central.safe_url(engine.url))
start = time.perf_counter()
report = sync.sync()
print(json.dumps({{"seconds": time.perf_counter() - start, "pulled": report.pulled}}))
"""


def synthetic_rows(territory: str, owner: str, scale: float) -> dict[str, list[dict[str, Any]]]:
    rng = random.Random(5)
    now = dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.UTC)
    counts = {k: max(1, int(v * scale)) for k, v in COUNTS.items()}
    ids = {
        k: [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(n)] for k, n in counts.items()
    }
    base = {
        "created_at": now,
        "updated_at": now,
        "deleted_at": None,
        "territory_id": territory,
        "owner_id": owner,
    }
    cities = ["Boston", "Hartford", "Providence", "Portland", "Burlington", "Worcester", "Springfield"]
    rows: dict[str, list[dict[str, Any]]] = {}
    rows["accounts"] = [
        {
            **base,
            "id": i,
            "name": f"Account {n} Holdings",
            "industry": "Manufacturing",
            "employee_count": n % 900,
            "website": f"https://account{n}.example.com",
            "phone": f"+1617555{n % 10000:04d}",
            "email": f"info@account{n}.example.com",
            "street": f"{n} Main Street",
            "city": cities[n % 7],
            "region": "MA",
            "postcode": f"02{n % 1000:03d}",
            "country": "US",
        }
        for n, i in enumerate(ids["accounts"])
    ]
    accounts = ids["accounts"]
    rows["contacts"] = [
        {
            **base,
            "id": i,
            "account_id": accounts[n % len(accounts)],
            "first_name": f"First{n}",
            "last_name": f"Last{n % 5000}",
            "title": "Buyer",
            "email": f"first{n}@account{n}.example.com",
            "phone": f"+1617556{n % 10000:04d}",
            "city": cities[n % 7],
            "consent_email": True,
            "consent_phone": False,
        }
        for n, i in enumerate(ids["contacts"])
    ]
    rows["leads"] = [
        {
            **base,
            "id": i,
            "first_name": f"Lead{n}",
            "last_name": f"Prospect{n % 3000}",
            "company": f"Prospect {n} Inc",
            "email": f"lead{n}@prospect{n}.example.com",
            "status": "new",
            "source": "web",
            "city": cities[n % 7],
        }
        for n, i in enumerate(ids["leads"])
    ]
    rows["opportunities"] = [
        {
            **base,
            "id": i,
            "account_id": accounts[n % len(accounts)],
            "name": f"Deal {n}",
            "stage": "proposal",
            "probability": 60,
            "amount_cents": 100_000 + n,
            "currency": "USD",
            "close_date": dt.date(2026, 12, 1),
        }
        for n, i in enumerate(ids["opportunities"])
    ]
    rows["activities"] = [
        {
            **base,
            "id": i,
            "account_id": accounts[n % len(accounts)],
            "kind": "call",
            "subject": f"Call {n}",
            "done_at": now,
            "outcome": "completed",
            "duration_minutes": 15,
            "notes": "Discussed the renewal.",
        }
        for n, i in enumerate(ids["activities"])
    ]
    return rows


def load_central(url: str, scale: float) -> tuple[str, int]:
    """A central store with one territory of data for the rep 'bench'; returns (territory id, rows)."""
    engine = central.make_central_engine(url)
    central.init_central(engine)
    with central.central_transaction(engine) as cc:
        writer = central.Writer(cc, login="postgres")
        admin.add_user(writer, "admin", role="admin")
        territory = admin.add_territory(writer, "NE", "New England")
        owner = admin.add_user(writer, "bench", role="rep", territories=("NE",))
        roles.create_server_login(cc, SERVICE_LOGIN)  # reps cannot log in: the service acts as them
    rows = synthetic_rows(territory, owner, scale)
    total = 0
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        seq = int(cursor.execute("SELECT value FROM seq_counter").fetchone()[0])
        for table, items in rows.items():
            t = schema.SYNCED[table]
            names = [c.name for c in t.columns]
            with cursor.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN") as copy:
                for item in items:
                    seq += 1
                    copy.write_row([seq if n == "seq" else item.get(n, _default(t, n)) for n in names])
            total += len(items)
        cursor.execute("UPDATE seq_counter SET value = %s", (seq,))
        raw.commit()
    finally:
        raw.close()
    engine.dispose()
    return territory, total


def _default(table: Any, name: str) -> Any:
    return {"consent_email": False, "consent_phone": False, "currency": "USD", "probability": 10}.get(name)


def floor_seconds(url: str, work: Path, territory: str) -> float:
    """COPY of the same rows to memory, then a plain executemany into an empty SQLite file."""
    import psycopg

    target = work / "floor.sqlite3"
    engine = create_engine(f"sqlite:///{target}")
    Base.metadata.create_all(engine)
    engine.dispose()
    plain = url.replace("postgresql+psycopg://", "postgresql://")
    start = time.perf_counter()
    fetched: dict[str, list[tuple[Any, ...]]] = {}
    with psycopg.connect(plain) as pg, pg.cursor() as cursor:
        for table in COUNTS:
            names = [c.name for c in schema.SYNCED[table].columns if c.name != "seq"]
            with cursor.copy(
                f"COPY (SELECT {', '.join(names)} FROM {table} WHERE territory_id = %s) TO STDOUT",
                (territory,),
            ) as copy:
                fetched[table] = list(copy.rows())
    db = sqlite3.connect(target)
    with db:
        for table, items in fetched.items():
            names = [c.name for c in schema.SYNCED[table].columns if c.name != "seq"]
            db.executemany(
                f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
                [tuple(str(v) if isinstance(v, dt.date | dt.datetime) else v for v in r) for r in items],
            )
    db.close()
    return time.perf_counter() - start


def run_child(code: str) -> tuple[dict[str, Any], float]:
    """Run python code in a child; returns its JSON line and its own peak RSS in MB."""
    import json

    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    peak_kb = 0
    status = Path(f"/proc/{child.pid}/status")
    while child.poll() is None:
        try:
            for line in status.read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak_kb = max(peak_kb, int(line.split()[1]))
        except (OSError, ValueError):
            pass
        time.sleep(0.01)
    out = child.stdout.read() if child.stdout else ""
    if child.returncode != 0:
        raise SystemExit(f"the priming child failed ({child.returncode})")
    return json.loads(out.strip().splitlines()[-1]), peak_kb / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the 330k rows (1.0)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="sfa-bench-sync-"))
    cluster = None
    results: list[Result] = []
    try:
        url = os.environ.get("SFA_TEST_PG_URL")
        if not url:
            from tests.pg import start_cluster

            cluster = start_cluster("sfa_bench")
            url = cluster.url()
        url = url.replace("postgresql://", "postgresql+psycopg://")
        territory, rows = load_central(url, args.scale)
        floor = floor_seconds(url, work, territory)
        from sqlalchemy.engine import make_url

        # the sync service's login, acting as the rep 'bench' in each transaction (server.roles)
        service = make_url(url).set(username=SERVICE_LOGIN, password=None)
        rep_url = service.render_as_string(hide_password=False)
        outcome, peak = run_child(
            _PRIME.format(
                root=str(ROOT), data=str(work / "laptop"), url=rep_url, password=PASSWORD, login="bench"
            )
        )
        seconds = outcome["seconds"]
        results.append(
            (
                f"prime {outcome['pulled']:,} rows (of {rows:,}) from PostgreSQL",
                f"{seconds:.1f} s; floor {floor:.1f} s",
                f"{seconds / floor:.1f}x (<= 3x), < 30 s",
                seconds / floor <= 3 and seconds < 30,
            )
        )
        results.append(("peak memory while priming", f"{peak:.0f} MB", "< 300 MB", peak < 300))

        store = LocalStore.open(work / "laptop")
        engine = central.make_central_engine(rep_url, password=PASSWORD)
        laptop = SyncEngine(store, SyncService(engine, "bench", role=roles.role_hook("bench")))
        idle = []
        for _ in range(7):
            start = time.perf_counter()
            laptop.sync()
            idle.append(time.perf_counter() - start)
        ms = statistics.median(idle) * 1000
        results.append(("sync with nothing to do", f"median {ms:.0f} ms", "< 200 ms", ms < 200))

        with store.engine.connect() as conn:
            ids = [r[0] for r in conn.exec_driver_sql("SELECT id FROM contacts ORDER BY id LIMIT 2000")]
        with store.transaction() as session:
            for n, record_id in enumerate(ids[:1000]):
                services.update(session, "contacts", record_id, {"title": f"Director {n}"})
        other = LocalStore.open(work / "other")
        colleague_engine = central.make_central_engine(rep_url, password=PASSWORD)
        colleague = SyncEngine(other, SyncService(colleague_engine, "bench", role=roles.role_hook("bench")))
        colleague.connect(central.safe_url(colleague_engine.url))
        colleague.sync()
        with other.transaction() as session:
            for n, record_id in enumerate(ids[1000:]):
                services.update(session, "contacts", record_id, {"title": f"Manager {n}"})
        colleague.sync()
        start = time.perf_counter()
        report = laptop.sync()
        both = time.perf_counter() - start
        results.append(
            (
                f"push {report.pushed:,} + pull {report.pulled:,} edits",
                f"{both:.2f} s",
                "< 2 s",
                both < 2 and report.pushed == 1000 and report.pulled >= 1000,
            )
        )
        store.close()
        other.close()
    finally:
        if cluster is not None:
            cluster.stop()
        shutil.rmtree(work, ignore_errors=True)
    return print_results(results)


if __name__ == "__main__":
    sys.exit(main())
