"""The encrypted local database against a plain one, in the same run (issue 17).  Not a test: run
``python tests/perf/bench_cipher.py [--accounts N]``.

The same data (the demo generator's, ~2.5 contacts per account) in two files: the app's, encrypted with
SQLCipher, and a plain copy of it opened the way the app opened its file before (stdlib sqlite3, the same
pragmas, the same checks and the migrations' look at the revision).  Budgets, each a ratio in this run:

- opening the store and the contact list's first paint (its ids sorted by name, then its first 100 rows)
  within 1.2x of the plain one (median of 15 opens, the file in the OS cache);
- search as you type and the next 100 rows of the list: within 1.2x (their own budgets, 20 ms and 10 ms,
  stay: bench_foundation.py);
- inserting 10,000 contacts through the services (capture and the search index included; priming writes
  the same way) within 1.3x.

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

from sqlalchemy import create_engine, event

from sfa_desktop.core.demo import generator as demo
from sfa_desktop.core.records import services
from sfa_desktop.store import cipher, database, lists, migrations, search
from sfa_desktop.store.database import DB_FILENAME, LocalStore

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run as a script: tests is importable
from tests import local_files
from tests.perf.benchlib import Result, print_results

TODAY = dt.date(2026, 11, 2)
PLAIN_KEY = cipher.Key(b"", b"", "none (plain file)")


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


def median_s(run: Callable[[], object], times: int) -> float:
    samples = []
    for _ in range(times):
        start = time.perf_counter()
        run()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def measure(opener: Callable[[], LocalStore]) -> dict[str, float]:
    figures: dict[str, float] = {}

    def open_and_paint() -> None:
        store = opener()
        first_paint(store)
        store.close()

    open_and_paint()  # warm the OS cache and the imports
    figures["open"] = median_s(open_and_paint, 15)
    store = opener()
    with store.reading() as session:
        conn = session.connection()
        typed = [
            q[:n]
            for q in ("john smi", "acme", "katharina m", "212 555", "boston")
            for n in range(1, len(q) + 1)
        ]
        figures["search"] = median_s(lambda: [search.search(conn, q, limit=20) for q in typed], 5) / len(
            typed
        )
        ids = lists.list_ids(conn, "contacts", sort="name")
        pages = [ids[o : o + 100] for o in range(0, min(len(ids), 100 * 100), 100)]
        figures["page"] = median_s(lambda: [lists.fetch_rows(conn, "contacts", p) for p in pages], 3) / len(
            pages
        )
    rows = [{"first_name": f"Bench{i}", "last_name": f"Insert{i}", "city": "Boston"} for i in range(10_000)]

    def insert() -> None:
        with store.transaction() as session:
            services.create_many(session, "contacts", rows)

    figures["insert"] = median_s(insert, 1)
    store.close()
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=20_000, help="demo accounts (20,000: ~50k contacts)")
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
        # alternate the two, so that neither gets a quieter machine
        figures_plain = measure(lambda: open_plain(plain))
        figures_cipher = measure(lambda: LocalStore.open(encrypted))
        for name, label, unit, budget in (
            ("open", f"open + first paint of the contact list ({contacts:,} contacts)", 1e3, 1.2),
            ("search", "search as you type (per query)", 1e3, 1.2),
            ("page", "next 100 rows of the contact list", 1e3, 1.2),
            ("insert", "insert 10,000 contacts through the services", 1, 1.3),
        ):
            p, c = figures_plain[name], figures_cipher[name]
            shown = (
                f"plain {p * unit:.2f} ms, encrypted {c * unit:.2f} ms"
                if unit > 1
                else f"plain {p:.2f} s, encrypted {c:.2f} s"
            )
            ratio = c / p
            results.append((label, shown, f"{ratio:.2f}x (<= {budget}x)", ratio <= budget))
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return print_results(results)


if __name__ == "__main__":
    raise SystemExit(main())
