"""Sync benchmarks (issues 3 and 19).  Not a test: ``python tests/perf/bench_sync.py [--scale 1.0]``.

Starts a throwaway PostgreSQL (or uses SFA_TEST_PG_URL), loads one territory of 20k accounts, 60k contacts,
20k leads, 30k opportunities and 200k activities (330k rows at --scale 1; --scale 3 is 990k) into the
central store with COPY, then measures, in the same run:

- the floor: COPY of the same rows to memory plus a plain SQLite executemany of them into an empty file
  in one transaction;
- priming a new laptop directly: the sync service in the priming process, over the rep's own PostgreSQL
  login (row-level security on), as laptops did before sfa-server: page by page as before the streamed
  prime (the budget's reference), then with the streamed bulk prime (a figure);
- priming a new laptop through a real ``sfa-server`` process on 127.0.0.1 (HttpLink over loopback http,
  the device signed in with a token from ``server.auth``; ``--gzip``: compressed as over a network).
  Budget (issue 19): no slower than the direct prime as before, aiming at 1.2x of the floor; peak memory of
  the priming process under 300 MB;
- a sync with nothing to do through the server, with the primed rows held: under 100 ms;
- 1,000 local edits pushed plus 1,000 remote edits pulled through the server: under 2 s.

Prints a table and exits 1 when a budget is missed.  ``--profile FILE`` writes a cProfile of the priming
child through the server.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sfa_desktop.core.records import services  # noqa: E402
from sfa_desktop.core.records.models import Base  # noqa: E402
from sfa_desktop.protocol.changes import Change  # noqa: E402
from sfa_desktop.protocol.errors import Unreachable  # noqa: E402
from sfa_desktop.server import admin, auth, central, roles, schema  # noqa: E402
from sfa_desktop.store.database import LocalStore  # noqa: E402
from sfa_desktop.sync.engine import PUSH_BATCH, SyncEngine  # noqa: E402
from sfa_desktop.sync.http import HttpLink, status  # noqa: E402
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
_DIRECT = """
import sys, time, json
sys.path.insert(0, {root!r})
from pathlib import Path
from sfa_desktop.store.database import LocalStore
from sfa_desktop.server import central
from sfa_desktop.server.service import SyncService
from sfa_desktop.sync import replica
from sfa_desktop.sync.engine import SyncEngine

if {paged!r}:
    # priming as laptops did before the streamed prime: a page request at a time, each page applied in a
    # transaction of its own, one slice of ids checked after
    def paged(self, table, hi, territories, total):
        after = 0
        while after < hi:
            page = self.link.page(table, after, hi, sorted(territories))
            if page.rows or page.departures:
                merges = replica.apply_page(self.store, table, page.rows, page.departures)
                self._merges_pulled = self._merges_pulled or merges
            total += len(page.rows)
            after = page.page_hi
        return total

    verify = SyncEngine._verify
    SyncEngine._prime_table = paged
    SyncEngine._verify = lambda self, identity, head, fresh: verify(self, identity, head, fresh=False)

store = LocalStore.open(Path({data!r}))
from sfa_desktop.server import roles
if {paged!r}:  # nor did a laptop note the slices it wrote (replica_marks)
    with store.engine.begin() as conn:
        for name in [r[0] for r in conn.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'replica_marks_%'"
        )]:
            conn.exec_driver_sql("DROP TRIGGER " + name)
engine = central.make_central_engine({url!r}, password={password!r})
sync = SyncEngine(store, SyncService(engine, {login!r}, role=roles.role_hook({login!r})))
sync.connect(central.safe_url(engine.url))
start = time.perf_counter()
report = sync.sync()
print(json.dumps({{"seconds": time.perf_counter() - start, "pulled": report.pulled}}))
"""
_THROUGH_SERVER = """
import sys, time, json
sys.path.insert(0, {root!r})
from collections.abc import Sequence
from pathlib import Path
from sfa_desktop.store.database import LocalStore
from sfa_desktop.sync.engine import SyncEngine
from sfa_desktop.sync.http import HttpLink
store = LocalStore.open(Path({data!r}))
link = HttpLink({server!r}, {token!r})
if {gzip!r}:
    link._caller.local = False  # compressed, as over a network
sync = SyncEngine(store, link)
sync.connect({server!r})
profile = {profile!r}
if profile:
    import cProfile
    profiler = cProfile.Profile()
    profiler.enable()
start = time.perf_counter()
report = sync.sync()
seconds = time.perf_counter() - start
if profile:
    profiler.disable()
    profiler.dump_stats(profile)
print(json.dumps({{"seconds": seconds, "pulled": report.pulled}}))
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
        admin.add_territory(writer, "SE", "Southeast")  # another rep's: it moves the head, not this laptop
        owner = admin.add_user(writer, "bench", role="rep", territories=("NE",), password=PASSWORD)
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


def colleague_push(address: str, token: str, held: Sequence[Any]) -> None:
    """Another laptop of the rep's pushes an edit of each of these contacts (id, title, updated_at)
    through the server, as its outbox would hold them."""
    colleague = HttpLink(address, token)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
    changes = [
        Change(
            n + 1,
            "contacts",
            record_id,
            "update",
            {"title": [title, f"Manager {n}"], "updated_at": [updated_at, now]},
            None,
            now,
        )
        for n, (record_id, title, updated_at) in enumerate(held)
    ]
    client = str(uuid.uuid4())
    for start in range(0, len(changes), PUSH_BATCH):
        colleague.push(client, changes[start : start + PUSH_BATCH])
    colleague.close()


def write_elsewhere(url: str, n: int) -> None:
    """An account added in another territory (SE): the central store moves on, this laptop has nothing to
    pull."""
    engine = central.make_central_engine(url)
    try:
        with central.central_transaction(engine) as cc:
            se = cc.execute(text("SELECT id FROM territories WHERE code = 'SE'")).scalar_one()
            central.Writer(cc, login="admin").insert(
                "accounts", {"id": str(uuid.uuid4()), "name": f"Elsewhere {n}", "territory_id": se}
            )
    finally:
        engine.dispose()


def peak_mb(pid: int) -> float:
    """A running process's peak resident memory so far (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(url: str, work: Path) -> tuple[subprocess.Popen[bytes], str]:
    """A real ``sfa-server`` process serving the central store on 127.0.0.1 (clear text on loopback)."""
    port = free_port()
    log = (work / "server.log").open("wb")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    server = subprocess.Popen(
        [sys.executable, "-m", "sfa_desktop.server.main", "--central", url, "--listen", f"127.0.0.1:{port}"],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
    )
    address = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"sfa-server did not start: {(work / 'server.log').read_text()}")
        try:
            status(address)
            return server, address
        except Unreachable:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("sfa-server did not answer within 60 s")


def device_token(url: str, login: str, name: str) -> str:
    """Sign a device of ``login`` in (server.auth), as ``sfa connect`` would after the password."""
    engine = central.make_central_engine(url)
    try:
        with central.central_transaction(engine) as cc:
            return auth.grant_device(cc, login, name).token
    finally:
        engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the 330k rows (1.0)")
    parser.add_argument("--profile", metavar="FILE", help="cProfile the prime through the server into FILE")
    parser.add_argument("--skip-direct", action="store_true", help="leave out the direct primes")
    parser.add_argument("--gzip", action="store_true", help="prime through the server gzip-compressed")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="sfa-bench-sync-"))
    cluster = None
    server = None
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
        rep_url = (
            make_url(url).set(username=SERVICE_LOGIN, password=None).render_as_string(hide_password=False)
        )
        print(f"     floor: {floor:.1f} s", flush=True)
        direct = None
        for paged in (True, False):
            if args.skip_direct:
                break
            outcome, direct_peak = run_child(
                _DIRECT.format(
                    root=str(ROOT),
                    data=str(work / "direct"),
                    url=rep_url,
                    password=PASSWORD,
                    login="bench",
                    paged=paged,
                )
            )
            seconds = outcome["seconds"]
            direct = seconds if paged else direct
            how = "page by page, as before" if paged else "streamed in bulk, as now"
            print(
                f"     direct prime ({how}): {outcome['pulled']:,} rows in {seconds:.1f} s "
                f"({seconds / floor:.2f}x the floor), peak {direct_peak:.0f} MB",
                flush=True,
            )
            shutil.rmtree(work / "direct", ignore_errors=True)

        server, address = start_server(url, work)
        outcome, peak = run_child(
            _THROUGH_SERVER.format(
                root=str(ROOT),
                data=str(work / "laptop"),
                server=address,
                token=device_token(url, "bench", "bench laptop"),
                profile=args.profile or "",
                gzip=args.gzip,
            )
        )
        seconds = outcome["seconds"]
        figure = f"{seconds:.1f} s ({rows / seconds / 1000:.0f}k rows/s); floor {floor:.1f} s"
        if direct is not None:
            figure += f", direct as before {direct:.1f} s"
        results.append(
            (
                f"prime {outcome['pulled']:,} rows (of {rows:,}) through sfa-server",
                figure,
                f"{seconds / floor:.2f}x the floor (aim 1.2x); <= the direct prime as before",
                direct is None or seconds <= direct,
            )
        )
        results.append(("peak memory while priming", f"{peak:.0f} MB", "< 300 MB", peak < 300))
        results.append(("server peak memory", f"{peak_mb(server.pid):.0f} MB", "(figure)", True))

        store = LocalStore.open(work / "laptop")
        link = HttpLink(address, device_token(url, "bench", "bench laptop 2"))
        laptop = SyncEngine(store, link)
        laptop.connect(address)
        laptop.sync()  # the first sync of this process (the server has seen this device once)
        idle = []
        for _ in range(9):
            start = time.perf_counter()
            laptop.sync()
            idle.append(time.perf_counter() - start)
        ms = statistics.median(idle) * 1000
        results.append(
            (
                f"sync with nothing to do, {rows:,} rows held",
                f"median {ms:.0f} ms (max {max(idle) * 1000:.0f})",
                "< 100 ms",
                ms < 100,
            )
        )
        moving = []
        for n in range(9):
            write_elsewhere(url, n)
            start = time.perf_counter()
            laptop.sync()
            moving.append(time.perf_counter() - start)
        results.append(
            (
                "the same while another territory changes",
                f"median {statistics.median(moving) * 1000:.0f} ms (max {max(moving) * 1000:.0f})",
                "(figure)",
                True,
            )
        )

        with store.engine.connect() as conn:
            ids = [r[0] for r in conn.exec_driver_sql("SELECT id FROM contacts ORDER BY id LIMIT 2000")]
        with store.transaction() as session:
            for n, record_id in enumerate(ids[:1000]):
                services.update(session, "contacts", record_id, {"title": f"Director {n}"})
        with store.engine.connect() as conn:
            held = conn.exec_driver_sql(
                "SELECT id, title, updated_at FROM contacts WHERE id IN (SELECT value FROM json_each(?))",
                (json.dumps(ids[1000:]),),
            ).fetchall()
        colleague_push(address, device_token(url, "bench", "colleague"), held)
        start = time.perf_counter()
        report = laptop.sync()
        both = time.perf_counter() - start
        results.append(
            (
                f"push {report.pushed:,} + pull {report.pulled:,} edits through sfa-server",
                f"{both:.2f} s",
                "< 2 s",
                both < 2 and report.pushed == 1000 and report.pulled >= 1000,
            )
        )
        link.close()
        store.close()
    finally:
        if server is not None:
            server.terminate()
            server.wait(30)
        if cluster is not None:
            cluster.stop()
        shutil.rmtree(work, ignore_errors=True)
    return print_results(results)


if __name__ == "__main__":
    sys.exit(main())
