"""Requests benchmark (issue 15).  Not a test: run ``python tests/perf/bench_requests.py [--requests N]``.

Budget: a list of 5,000 requests filters as you type within the search budget of the foundation benchmark
(``bench_foundation``: search as you type <= 20 ms median), measured per keystroke over every prefix of a
few realistic queries, for the open requests (the page's default) and for every status:

- the list query with its service-level flags (``core.requests.listing.find``: the ids and the overdue
  ones, what the page runs; it reads the rows on screen a page at a time);
- the Requests page's whole refresh in real Qt widgets (offscreen): query, model reset, count line, the
  table painted with its visible rows read (the page waits for a 150 ms pause in the typing, as the
  record lists do; measured here for every key);
- reported also as a ratio to a floor measured in the same run: the same rows read by a bare sqlite3
  ``LIKE`` query with no joins, no flags and no objects.

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
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run as a script: tests is importable
from sfa_desktop.core.demo import generator as demo
from sfa_desktop.core.records import services
from sfa_desktop.core.records.fields import REQUEST_CATEGORIES, REQUEST_SEVERITIES, REQUEST_STATUSES
from sfa_desktop.core.records.models import Account, User
from sfa_desktop.core.requests import listing
from sfa_desktop.store.database import LocalStore
from tests.perf.benchlib import Result, print_results

TODAY = dt.date(2026, 11, 2)
QUERIES = ("pallet", "invoice twice", "acme", "late deliv", "seal")
BUDGET_MS = 20.0
WORDS = (
    "Pallets crushed on delivery of order",
    "Invoice charged twice for order",
    "Late delivery of order",
    "Seals leaking on units",
    "Labels peel off in the cold room",
    "Price match with a competitor quote",
    "Technician visit not confirmed",
)


def seed(folder: Path, requests: int) -> LocalStore:
    store = LocalStore.open(folder)
    with store.transaction() as session:
        demo.seed(session, accounts=600, seed=7, today=TODAY)
        accounts = [a for (a,) in session.query(Account.id).filter(Account.deleted_at.is_(None))]
        users = [u for (u,) in session.query(User.id)]
        rng = random.Random(15)
        now = dt.datetime.now(dt.UTC)
        rows = []
        for number in range(requests):
            status = rng.choice(REQUEST_STATUSES)
            raised = now - dt.timedelta(hours=rng.uniform(1, 24 * 90))
            rows.append(
                {
                    "account_id": rng.choice(accounts),
                    "category": rng.choice(REQUEST_CATEGORIES),
                    "severity": rng.choice(REQUEST_SEVERITIES),
                    "subject": f"{rng.choice(WORDS)} SO-{40000 + number}",
                    "description": "The customer called about it; details in the thread.",
                    "status": status,
                    "raised_by_id": rng.choice(users),
                    "assigned_to_id": rng.choice(users) if status != "new" else None,
                    "first_answered_at": raised + dt.timedelta(hours=rng.uniform(1, 12))
                    if status != "new"
                    else None,
                    "resolved_at": raised + dt.timedelta(hours=rng.uniform(12, 100))
                    if status in ("resolved", "closed")
                    else None,
                    "created_at": raised,
                }
            )
        services.create_many(session, "service_requests", rows)
    return store


def typed() -> list[str]:
    return [q[:n] for q in QUERIES for n in range(1, len(q) + 1)]


def ms(samples: list[float]) -> str:
    return f"median {statistics.median(samples) * 1000:.2f} ms, max {max(samples) * 1000:.1f} ms"


def floor_samples(path: Path, key: str) -> list[float]:
    from tests import local_files

    conn = local_files.connect(path) if key else sqlite3.connect(path)
    samples = []
    for text in typed() * 2:
        pattern = "%" + text.split()[-1] + "%"
        start = time.perf_counter()
        conn.execute(
            "SELECT id, subject, status, created_at FROM service_requests WHERE deleted_at IS NULL "
            "AND (subject LIKE ? OR description LIKE ?) ORDER BY created_at DESC",
            (pattern, pattern),
        ).fetchall()
        samples.append(time.perf_counter() - start)
    conn.close()
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=5_000)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="sfa-bench-requests-"))
    results: list[Result] = []
    try:
        store = seed(work / "data", args.requests)
        floor = statistics.median(floor_samples(store.path, os.environ.get("SFA_DATABASE_KEY", "")))
        for status in (listing.OPEN, listing.ANY):
            samples = []
            shown = 0
            with store.reading() as session:
                for text in typed() * 2:
                    start = time.perf_counter()
                    found = listing.find(session, listing.Filters(text=text, status=status), None).ids
                    samples.append(time.perf_counter() - start)
                    shown = max(shown, len(found))
                    if text == "p":
                        first = len(found)
            median = statistics.median(samples) * 1000
            results.append(
                (
                    f"filter {args.requests:,} requests as you type ({status}; 'p' finds {first:,})",
                    f"{ms(samples)}; {median / (floor * 1000):.1f}x the floor ({floor * 1000:.2f} ms)",
                    f"<= {BUDGET_MS:.0f} ms",
                    median <= BUDGET_MS,
                )
            )
        with store.reading() as session:
            start = time.perf_counter()
            every = listing.query_rows(session, listing.Filters(status=listing.ANY), None)
            results.append(
                (
                    f"every row read, as 'sfa requests list --status any' ({len(every):,})",
                    f"{(time.perf_counter() - start) * 1000:.0f} ms",
                    "-",
                    True,
                )
            )
        results += page_figures(store, args.requests)
        store.close()
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return print_results(results)


def page_figures(store: LocalStore, requests: int) -> list[Result]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from sfa_desktop.ops import requests as ops
    from sfa_desktop.ui.requests_page import RequestsPage

    app = QApplication.instance() or QApplication([])
    page = RequestsPage(store)
    page.resize(1400, 860)
    page.show()
    app.processEvents()
    results: list[Result] = []
    for status in (listing.OPEN, listing.ANY):
        page.status.setCurrentIndex(page.status.findData(status))
        refreshes, paints = [], []
        for text in typed() * 2:
            page.search.blockSignals(True)  # the page waits for a pause in the typing; here: every key
            page.search.setText(text)
            page.search.blockSignals(False)
            start = time.perf_counter()
            page.refresh()
            middle = time.perf_counter()
            app.processEvents()  # painted, the rows on screen read
            refreshes.append(middle - start)
            paints.append(time.perf_counter() - middle)
        median = statistics.median(refreshes) * 1000
        results.append(
            (
                f"Requests page: query and list reset per keystroke ({status})",
                ms(refreshes),
                f"<= {BUDGET_MS:.0f} ms",
                median <= BUDGET_MS,
            )
        )
        results.append((f"  then painted, visible rows read ({status})", ms(paints), "-", True))
    ids = page.model.ids
    pages = []
    for offset in range(0, min(len(ids), 100 * 40), 100):
        start = time.perf_counter()
        ops.request_rows(store, ids[offset : offset + 100])
        pages.append(time.perf_counter() - start)
    median = statistics.median(pages) * 1000
    results.append(("next 100 rows of the requests list", ms(pages), "<= 10 ms", median <= 10))
    page.close()
    return results


if __name__ == "__main__":
    raise SystemExit(main())
