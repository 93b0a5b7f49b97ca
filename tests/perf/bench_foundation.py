"""Foundation benchmarks (issue 2).  Not a test: run ``python tests/perf/bench_foundation.py [--accounts N]``.

Budgets, each measured in this run:
- seeding through the services (validation, outbox and search index included) within 5x of a plain
  SQLite executemany of the same rows into the same tables without triggers, in one transaction;
- ``sfa-desktop --screenshot`` from process start to PNG written <= 2.5 s with ~50,000 contacts (median of
  three starts after a first one that warms the bytecode and file caches), reported also as a ratio to a
  bare Qt window's screenshot (the floor: interpreter + Qt start-up);
- resident memory of that process <= 250 MB;
- search as you type <= 20 ms median; fetching the next 100 rows of the contact list <= 10 ms median.

Prints a table and exits 1 when a budget is missed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine

from sfa_desktop.core.demo import generator as demo
from sfa_desktop.core.records.models import SYNCED_TABLES, Base
from sfa_desktop.store import lists, search
from sfa_desktop.store.database import DB_FILENAME, LocalStore

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run as a script: tests is importable
from tests import local_files
from tests.perf.benchlib import Result, print_results

TODAY = dt.date(2026, 11, 2)
_BARE_QT = """
import sys
from PySide6.QtWidgets import QApplication, QMainWindow, QTableView, QLabel
app = QApplication(sys.argv)
w = QMainWindow()
w.setCentralWidget(QTableView())
w.statusBar().addWidget(QLabel("ready"))
w.resize(1280, 800)
w.show(); app.processEvents()
w.grab().save(sys.argv[1])
"""


def seed_through_services(folder: Path, accounts: int) -> tuple[float, LocalStore]:
    store = LocalStore.open(folder)
    start = time.perf_counter()
    with store.transaction() as session:
        demo.seed(session, accounts=accounts, seed=7, today=TODAY)
    return time.perf_counter() - start, store


def seed_floor(source: Path, folder: Path) -> float:
    """The same rows (read back from the seeded file) into the same tables, no triggers, one transaction."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / DB_FILENAME
    engine = create_engine(f"sqlite:///{target}")
    Base.metadata.create_all(engine)
    engine.dispose()
    src = local_files.connect(source)
    tables = {t: src.execute(f"SELECT * FROM {t} ORDER BY rowid").fetchall() for t in SYNCED_TABLES}
    columns = {t: [r[1] for r in src.execute(f"PRAGMA table_info({t})")] for t in SYNCED_TABLES}
    src.close()
    dst = sqlite3.connect(target)
    dst.execute("PRAGMA journal_mode = WAL")
    dst.execute("PRAGMA synchronous = NORMAL")
    dst.execute("PRAGMA foreign_keys = ON")
    # Parents before children (each table's rows in the order they were written), so the keys are
    # checked as the rows go in, as in the app.
    ordered = [t.name for t in Base.metadata.sorted_tables if t.name in SYNCED_TABLES]
    start = time.perf_counter()
    with dst:
        for table in ordered:
            cols = columns[table]
            dst.executemany(
                f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                tables[table],
            )
    elapsed = time.perf_counter() - start
    dst.close()
    return elapsed


def timed_process(args: list[str]) -> tuple[float, float]:
    """Wall time of a child process and its own peak RSS in MB (VmHWM polled from /proc: getrusage's
    RUSAGE_CHILDREN would report the parent's high-water mark, which a forked child inherits)."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    # As on a user's machine, where the installed package has its bytecode: a process that compiles
    # every module from source each start (PYTHONDONTWRITEBYTECODE, set on some CI machines) adds ~0.5 s.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    start = time.perf_counter()
    child = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL)
    peak_kb = 0
    status = Path(f"/proc/{child.pid}/status")
    while child.poll() is None:
        try:
            for line in status.read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak_kb = max(peak_kb, int(line.split()[1]))
        except (OSError, ValueError):
            pass
        time.sleep(0.005)
    elapsed = time.perf_counter() - start
    if child.returncode != 0:
        raise SystemExit(f"{args} exited with {child.returncode}")
    return elapsed, peak_kb / 1024


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--accounts", type=int, default=20_000, help="demo accounts (20,000 gives ~50k contacts)"
    )
    parser.add_argument("--skip-gui", action="store_true", help="skip the start-up and memory figures")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="sfa-bench-"))
    results: list[Result] = []
    try:
        seconds, store = seed_through_services(work / "services", args.accounts)
        with store.reading() as session:
            rows = sum(
                session.connection().exec_driver_sql(f"SELECT count(*) FROM {t}").scalar_one()
                for t in SYNCED_TABLES
            )
        floor = seed_floor(store.path, work / "floor")
        ratio = seconds / floor
        results.append(
            (
                f"seed {rows:,} rows through the services",
                f"{seconds:.2f} s ({seconds / rows * 1e6:.0f} us/row); floor {floor:.2f} s",
                f"{ratio:.1f}x (<= 5x)",
                ratio <= 5,
            )
        )
        with store.reading() as session:
            conn = session.connection()
            contacts = conn.exec_driver_sql(
                "SELECT count(*) FROM contacts WHERE deleted_at IS NULL"
            ).scalar_one()
            # search as you type: every prefix of a few realistic queries
            typed = [
                q[:n]
                for q in ("john smi", "acme", "katharina m", "212 555", "boston")
                for n in range(1, len(q) + 1)
            ]
            samples = []
            for query in typed * 3:
                start = time.perf_counter()
                search.search(conn, query, limit=20)
                samples.append(time.perf_counter() - start)
            ms = median_ms(samples)
            results.append(
                (
                    f"search as you type ({contacts:,} contacts)",
                    f"median {ms:.2f} ms, max {max(samples) * 1000:.1f} ms",
                    "<= 20 ms",
                    ms <= 20,
                )
            )
            ids = lists.list_ids(conn, "contacts", sort="name")
            pages = []
            for offset in range(0, min(len(ids), 100 * 200), 100):
                start = time.perf_counter()
                lists.fetch_rows(conn, "contacts", ids[offset : offset + 100])
                pages.append(time.perf_counter() - start)
            ms = median_ms(pages)
            results.append(("next 100 rows of the contact list", f"median {ms:.2f} ms", "<= 10 ms", ms <= 10))
            start = time.perf_counter()
            lists.list_ids(conn, "contacts", sort="account", descending=True)
            results.append(
                (
                    "re-sort the contact list (ids, in SQL)",
                    f"{(time.perf_counter() - start) * 1000:.0f} ms",
                    "-",
                    True,
                )
            )
        store.close()
        if not args.skip_gui:
            results += gui_figures(work)
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return print_results(results)


def median_run(args: list[str], runs: int = 3) -> tuple[float, float]:
    """Median wall time and median peak memory of ``runs`` starts."""
    times, peaks = zip(*(timed_process(args) for _ in range(runs)), strict=True)
    return statistics.median(times), statistics.median(peaks)


def gui_figures(work: Path) -> list[tuple[str, str, str, bool]]:
    results = []
    png = work / "bare.png"
    app_png = work / "app.png"
    command = [sys.executable, "-m", "sfa_desktop.app"]  # the console script, minus the pyenv shim
    bare_args = [sys.executable, "-c", _BARE_QT, str(png)]
    # the contact list: the window's heaviest first page with 50,000 contacts (it opens on Today by default)
    page = ["--page", "contacts"]
    app_args = [*command, "--data-dir", str(work / "services"), *page, "--screenshot", str(app_png)]
    # A first start of each warms the bytecode and the file cache (a user starts the app more than once);
    # then the median of three starts.
    timed_process(bare_args)
    timed_process(app_args)
    bare, bare_rss = median_run(bare_args)
    app_s, app_rss = median_run(app_args)
    if not app_png.exists() or app_png.stat().st_size < 10_000:
        raise SystemExit("the screenshot was not written")
    results.append(
        (
            "sfa-desktop --screenshot, start to PNG",
            f"{app_s:.2f} s (bare Qt window {bare:.2f} s, {app_s / bare:.1f}x)",
            "<= 2.5 s",
            app_s <= 2.5,
        )
    )
    results.append(
        (
            "resident memory of that process",
            f"{app_rss:.0f} MB (bare Qt {bare_rss:.0f} MB)",
            "<= 250 MB",
            app_rss <= 250,
        )
    )
    return results


if __name__ == "__main__":
    sys.exit(main())
