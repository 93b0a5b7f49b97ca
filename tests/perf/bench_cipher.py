"""The encrypted local database against a plain one, in the same run (issue 17).  Not a test: run
``python tests/perf/bench_cipher.py [--accounts N] [--prime-scale F | --no-prime]``.

The same data (the demo generator's, ~2.5 contacts per account) in two files: the app's, encrypted with
SQLCipher, and a plain copy of it opened the way the app opened its file before (stdlib sqlite3, the same
pragmas, the same checks and the migrations' look at the revision).  Budgets (issue 17):

- opening the store and the contact list's first paint (its ids sorted by name, then its first 100 rows)
  within 1.2x of the plain one (median of the opens, the file in the OS cache; the two alternate, so that
  neither gets a quieter machine);
- search as you type and the next 100 rows of the list: the list budgets unchanged (bench_foundation.py:
  <= 20 ms and <= 10 ms median); the ratio to the plain file is printed as a figure;
- inserting 10,000 contacts through the services (capture and the search index included) within 1.3x;
- priming a new laptop from a central store as bench_sync.py does (PostgreSQL, a real ``sfa-server`` on
  loopback, the streamed prime), encrypted against the app writing a plain file as before: within 1.3x
  (median of the runs, alternating).

Each figure is wall-clock time; the CPU time of the process is printed beside it, as the machine is shared.
Prints a table and exits 1 when a budget is missed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Connection, create_engine, event

from sfa_desktop.core.demo import generator as demo
from sfa_desktop.core.records import services
from sfa_desktop.store import cipher, database, lists, migrations, search
from sfa_desktop.store.database import DB_FILENAME, LocalStore

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run as a script: tests is importable
from tests import local_files
from tests.perf.benchlib import Result, print_results

TODAY = dt.date(2026, 11, 2)
PLAIN_KEY = cipher.Key(b"", b"", "none (plain file)")
#: A figure: (wall-clock seconds, CPU seconds of this process).
Sample = tuple[float, float]


def open_plain(folder: Path) -> LocalStore:
    """What ``LocalStore.open`` did before encryption, step by step: the read-only checks, the revision,
    an engine with the same pragmas, WAL, the migrations' look."""
    path = folder / DB_FILENAME
    revision = database._check_existing_file(path)
    migrations.check_revision(path, revision)
    engine = create_engine(f"sqlite:///{path}", connect_args={"check_same_thread": False, "timeout": 5.0})
    event.listen(engine, "connect", database._on_connect)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA journal_mode = WAL")
    migrations.upgrade(engine)
    return LocalStore(path, engine, PLAIN_KEY)


def first_paint(store: LocalStore) -> None:
    with store.reading() as session:
        conn = session.connection()
        ids = lists.list_ids(conn, "contacts", sort="name")
        lists.fetch_rows(conn, "contacts", ids[:100])


def timed(run: Callable[[], object]) -> Sample:
    wall, cpu = time.perf_counter(), time.process_time()
    run()
    return time.perf_counter() - wall, time.process_time() - cpu


def median(samples: list[Sample], per: int = 1) -> Sample:
    return (
        statistics.median(s[0] for s in samples) / per,
        statistics.median(s[1] for s in samples) / per,
    )


Openers = dict[str, Callable[[], LocalStore]]


def measure(openers: Openers, opens: int) -> dict[str, dict[str, Sample]]:
    """The figures of each opener (``plain``, ``encrypted``), their samples taken in turn."""
    samples: dict[str, dict[str, list[Sample]]] = {name: {} for name in openers}

    def add(name: str, figure: str, sample: Sample) -> None:
        samples[name].setdefault(figure, []).append(sample)

    def open_and_paint(opener: Callable[[], LocalStore]) -> Callable[[], None]:
        def run() -> None:
            store = opener()
            first_paint(store)
            store.close()

        return run

    for opener in openers.values():
        open_and_paint(opener)()  # warm the OS cache and the imports
    for _ in range(opens):
        for name, opener in openers.items():
            add(name, "open", timed(open_and_paint(opener)))
    typed = [
        q[:n] for q in ("john smi", "acme", "katharina m", "212 555", "boston") for n in range(1, len(q) + 1)
    ]
    stores = {name: opener() for name, opener in openers.items()}
    pages: list[list[str]] = []
    for store in stores.values():
        with store.reading() as session:
            ids = lists.list_ids(session.connection(), "contacts", sort="name")
            pages = [ids[o : o + 100] for o in range(100, min(len(ids), 100 * 101), 100)]
    for _ in range(5):
        for name, store in stores.items():
            with store.reading() as session:
                conn = session.connection()

                def typing(conn: Connection = conn) -> None:
                    for q in typed:
                        search.search(conn, q, limit=20)

                add(name, "search", timed(typing))
    for _ in range(3):
        for name, store in stores.items():
            # the next pages of a list just painted: the list's ids read first, on the same connection
            with store.reading() as session:
                conn = session.connection()
                lists.list_ids(conn, "contacts", sort="name")

                def scrolling(conn: Connection = conn) -> None:
                    for page in pages:
                        lists.fetch_rows(conn, "contacts", page)

                add(name, "page", timed(scrolling))
    rows = [{"first_name": f"Bench{i}", "last_name": f"Insert{i}", "city": "Boston"} for i in range(10_000)]
    for name, store in stores.items():

        def insert(store: LocalStore = store) -> None:
            with store.transaction() as session:
                services.create_many(session, "contacts", rows)

        add(name, "insert", timed(insert))
        store.close()
    per = {"search": len(typed), "page": len(pages)}
    return {
        name: {figure: median(values, per.get(figure, 1)) for figure, values in figures.items()}
        for name, figures in samples.items()
    }


_PRIME_CHILD = """
import sys, time, json
sys.path.insert(0, {root!r})
from pathlib import Path
from sfa_desktop.store import database
from sfa_desktop.store.database import LocalStore
from sfa_desktop.sync.engine import SyncEngine
from sfa_desktop.sync.http import HttpLink
if {plain!r}:
    # the app as it was before encryption: the stdlib sqlite3 module, the same pragmas
    from sqlalchemy import Connection, create_engine, event

    def make_engine(path, key):
        engine = create_engine(
            f"sqlite:///{{path}}", connect_args={{"check_same_thread": False, "timeout": 5.0}}
        )
        event.listen(engine, "connect", database._on_connect)
        return engine

    database.make_engine = make_engine
store = LocalStore.open(Path({data!r}))
sync = SyncEngine(store, HttpLink({server!r}, {token!r}))
sync.connect({server!r})
start, cpu = time.perf_counter(), time.process_time()
report = sync.sync()
print(json.dumps({{"seconds": time.perf_counter() - start, "cpu": time.process_time() - cpu,
                  "pulled": report.pulled}}))
"""


def prime(work: Path, scale: float, runs: int) -> tuple[dict[str, Sample], int]:
    """Prime a new laptop through sfa-server, encrypted and plain in turn; the medians and the rows."""
    from tests.perf import bench_sync
    from tests.pg import start_cluster

    cluster = start_cluster("sfa_bench_cipher")
    server = None
    try:
        url = cluster.url().replace("postgresql://", "postgresql+psycopg://")
        _territory, total = bench_sync.load_central(url, scale)
        server, address = bench_sync.start_server(url, work)
        samples: dict[str, list[Sample]] = {"plain": [], "encrypted": []}
        pulled = 0
        for n in range(runs):
            for name, values in samples.items():
                data = work / f"prime-{name}-{n}"
                outcome, _peak = bench_sync.run_child(
                    _PRIME_CHILD.format(
                        root=str(bench_sync.ROOT),
                        data=str(data),
                        server=address,
                        token=bench_sync.device_token(url, "bench", f"{name} {n}"),
                        plain=name == "plain",
                    )
                )
                encrypted = cipher.is_encrypted(data / DB_FILENAME)
                if encrypted != (name == "encrypted"):
                    raise SystemExit(
                        f"the {name} prime wrote {'an encrypted' if encrypted else 'a plain'} file"
                    )
                values.append((outcome["seconds"], outcome["cpu"]))
                pulled = int(outcome["pulled"])
                shutil.rmtree(data, ignore_errors=True)
        print(f"     primed {pulled:,} of {total:,} rows, {runs} runs each", flush=True)
        return {name: median(values) for name, values in samples.items()}, pulled
    finally:
        if server is not None:
            server.terminate()
            server.wait(30)
        cluster.stop()


def _shown(sample: Sample, unit: float) -> str:
    wall, cpu = sample
    if unit > 1:
        return f"{wall * unit:.2f} ms (CPU {cpu * unit:.2f})"
    return f"{wall:.2f} s (CPU {cpu:.2f})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=20_000, help="demo accounts (20,000: ~50k contacts)")
    parser.add_argument("--opens", type=int, default=15, help="opens of each file (15)")
    parser.add_argument("--prime-scale", type=float, default=1.0, help="of bench_sync's 330k rows (1.0)")
    parser.add_argument("--prime-runs", type=int, default=3, help="primes of each kind (3)")
    parser.add_argument("--no-prime", action="store_true", help="leave out the prime (no PostgreSQL)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="sfa-bench-cipher-"))
    results: list[Result] = []
    try:
        encrypted = work / "encrypted"
        with LocalStore.open(encrypted) as store, store.transaction() as session:
            demo.seed(session, accounts=args.accounts, seed=7, today=TODAY)
        plain = work / "plain"
        plain.mkdir()
        conn = local_files.connect(encrypted / DB_FILENAME)
        conn.execute("ATTACH DATABASE ? AS plain KEY ''", (str(plain / DB_FILENAME),))
        conn.execute("SELECT sqlcipher_export('plain')")
        conn.execute("DETACH DATABASE plain")
        with LocalStore.open(encrypted) as store, store.reading() as session:
            contacts = session.connection().exec_driver_sql("SELECT count(*) FROM contacts").scalar_one()
        conn.close()
        figures = measure(
            {"plain": lambda: open_plain(plain), "encrypted": lambda: LocalStore.open(encrypted)}, args.opens
        )
        p, c = figures["plain"], figures["encrypted"]
        for name, label, unit, budget in (
            ("open", f"open + first paint of the contact list ({contacts:,} contacts)", 1e3, 1.2),
            ("insert", "insert 10,000 contacts through the services", 1, 1.3),
        ):
            ratio = c[name][0] / p[name][0]
            shown = f"plain {_shown(p[name], unit)}, encrypted {_shown(c[name], unit)}"
            results.append((label, shown, f"{ratio:.2f}x (<= {budget}x)", ratio <= budget))
        for name, label, limit in (
            ("search", "search as you type (per query)", 20),
            ("page", "next 100 rows of the contact list", 10),
        ):
            ms = c[name][0] * 1000
            ratio = c[name][0] / p[name][0]
            shown = f"encrypted {_shown(c[name], 1e3)}, plain {_shown(p[name], 1e3)} = {ratio:.2f}x"
            results.append((label, shown, f"<= {limit} ms (the list budget)", ms <= limit))
        if not args.no_prime:
            primes, pulled = prime(work, args.prime_scale, args.prime_runs)
            ratio = primes["encrypted"][0] / primes["plain"][0]
            shown = f"plain {_shown(primes['plain'], 1)}, encrypted {_shown(primes['encrypted'], 1)}"
            results.append(
                (f"prime {pulled:,} rows through sfa-server", shown, f"{ratio:.2f}x (<= 1.3x)", ratio <= 1.3)
            )
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return print_results(results)


if __name__ == "__main__":
    raise SystemExit(main())
