"""Lead-scoring benchmarks (issue 4, item 4).  Not a test: ``python tests/perf/bench_scoring.py [--leads N]``.

Budgets, each measured in this run on 20,000 leads with about three activities each:
- scoring every lead (the default rules; reading, evaluating, storing scores with their reasons) within 8x
  of a floor: plain sqlite3 reading the same columns and activities and writing the same number of rows to
  a table of the same shape, without any rule; and under 2 s;
- the leads list's check that scores are fresh, when nothing changed (it runs before every list query):
  <= 15 ms median;
- the ids of all leads sorted by score (SQL): <= 80 ms median;
- after one lead is edited, re-scoring it and listing the leads by score: at most 15 ms (median) more than
  the same listing after a write no score depends on.  (An absolute 60 ms was set when the list query was
  lighter; the lists now carry the owner and last-activity columns and the listing alone takes ~50 ms, so
  the budget is on what scoring adds.)

Prints a table and exits 1 when a budget is missed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import text

from sfa_desktop.core import settings
from sfa_desktop.core.records import services
from sfa_desktop.core.records.fields import ACTIVITY_OUTCOMES, INDUSTRIES, LEAD_SOURCES
from sfa_desktop.core.scoring import scores as scoring
from sfa_desktop.store import lists
from sfa_desktop.store.database import LocalStore

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run as a script: tests is importable
from tests import local_files
from tests.perf.benchlib import Result, print_results

TODAY = dt.date.today()


def build(folder: Path, leads: int) -> LocalStore:
    """Leads in three territories with owners, and about three activities each over the last 200 days."""
    rng = random.Random(11)
    store = LocalStore.open(folder)
    with store.transaction() as s:
        territories = [
            services.create(s, "territories", {"code": code, "name": code}).id for code in ("NE", "SE", "MA")
        ]
        users = [
            services.create(s, "users", {"login": f"rep{n}", "full_name": f"Rep {n}"}).id for n in range(3)
        ]
        for territory, user in zip(territories, users, strict=True):
            services.create(s, "territory_memberships", {"territory_id": territory, "user_id": user})
        services.create(
            s, "territory_rules", {"territory_id": territories[0], "name": "Boston", "region": "MA"}
        )
        rows = []
        for n in range(leads):
            owner = rng.randrange(3)
            rows.append(
                {
                    "last_name": f"Lead {n}",
                    "company": f"Company {n}",
                    "industry": rng.choice(INDUSTRIES),
                    "employee_count": int(10 ** (0.7 + 3.7 * rng.random())),
                    "source": rng.choice(LEAD_SOURCES),
                    "region": rng.choice(("MA", "NY", "FL", "GA")),
                    "territory_id": territories[rng.randrange(3)] if rng.random() < 0.9 else None,
                    "owner_id": users[owner],
                    "status": rng.choice(("new", "working", "qualified")),
                }
            )
        ids = services.create_many(s, "leads", rows)
        activities = []
        for lead in ids:
            for _ in range(rng.choice((0, 1, 2, 3, 4, 5, 6))):
                done = TODAY - dt.timedelta(days=rng.randrange(1, 200))
                activities.append(
                    {
                        "kind": "call",
                        "subject": "Call",
                        "lead_id": lead,
                        "done_at": f"{done} 14:00",
                        "outcome": rng.choice(ACTIVITY_OUTCOMES),
                    }
                )
        services.create_many(s, "activities", activities)
    return store


def floor(path: Path) -> float:
    """The same reads and writes as a full scoring, in plain sqlite3, with no rule evaluated."""
    conn = local_files.connect(path)
    conn.execute(
        "CREATE TEMP TABLE floor_scores (lead_id TEXT PRIMARY KEY, score INT, fit INT, engagement INT, "
        "reasons TEXT, basis TEXT)"
    )
    start = time.perf_counter()
    leads = conn.execute(
        "SELECT id, industry, employee_count, source, territory_id, owner_id, country, region, city, "
        "postcode, created_at FROM leads WHERE deleted_at IS NULL"
    ).fetchall()
    conn.execute(
        "SELECT lead_id, done_at, outcome, kind FROM activities WHERE deleted_at IS NULL "
        "AND done_at IS NOT NULL AND lead_id IS NOT NULL"
    ).fetchall()
    with conn:
        conn.executemany(
            "INSERT INTO floor_scores VALUES (?, 0, 0, 0, '[]', 'x')", [(row[0],) for row in leads]
        )
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=20_000, help="leads (20,000)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="sfa-bench-scoring-"))
    results: list[Result] = []
    try:
        store = build(work / "data", args.leads)
        with store.engine.connect() as conn:
            activities = conn.exec_driver_sql("SELECT count(*) FROM activities").scalar_one()
        full = []
        for _ in range(3):
            with store.transaction() as s:
                s.execute(text("DELETE FROM lead_scores"))
            start = time.perf_counter()
            with store.transaction() as s:
                scored = scoring.refresh(s, today=TODAY)
            full.append(time.perf_counter() - start)
        assert scored == args.leads
        seconds = min(full)
        base = min(floor(store.path) for _ in range(3))
        ratio = seconds / base
        results.append(
            (
                f"score {args.leads:,} leads ({activities:,} activities)",
                f"{seconds:.2f} s ({seconds / args.leads * 1e6:.0f} us/lead); floor {base:.3f} s",
                f"{ratio:.1f}x (<= 8x), <= 2 s",
                ratio <= 8 and seconds <= 2,
            )
        )
        with store.engine.connect() as conn:
            checks = []
            for _ in range(30):
                start = time.perf_counter()
                lists.refresh_lead_scores(conn)
                checks.append(time.perf_counter() - start)
        ms = median_ms(checks)
        results.append(
            ("check that scores are fresh (nothing changed)", f"median {ms:.1f} ms", "<= 15 ms", ms <= 15)
        )
        sorts = []
        with store.engine.connect() as conn:
            ids = lists.list_ids(conn, "leads")
            for _ in range(10):
                start = time.perf_counter()
                lists.list_ids(conn, "leads", sort="score", descending=True)
                sorts.append(time.perf_counter() - start)
        listing = median_ms(sorts)
        results.append(
            (f"ids of {args.leads:,} leads by score", f"median {listing:.1f} ms", "<= 80 ms", listing <= 80)
        )
        # Each edit is paired with a write that no score depends on (a local setting), so that both listings
        # pay for what any write costs a reader (SQLite drops its page cache when another connection
        # writes); the difference is what re-scoring the edited lead adds.
        edits, writes = [], []
        for n in range(20):
            with store.transaction() as s:
                settings.put(s, "page_size", ("A4", "Letter")[n % 2])
            start = time.perf_counter()
            with store.engine.connect() as conn:
                lists.list_ids(conn, "leads", sort="score", descending=True)
            writes.append(time.perf_counter() - start)
            with store.transaction() as s:
                services.update(s, "leads", ids[n * 97], {"employee_count": str(50 + n)})
            start = time.perf_counter()
            with store.engine.connect() as conn:
                lists.list_ids(conn, "leads", sort="score", descending=True)
            edits.append(time.perf_counter() - start)
        ms, after_write = median_ms(edits), median_ms(writes)
        results.append(
            (
                "one lead edited: re-score it and list by score",
                f"median {ms:.1f} ms ({ms - after_write:+.1f} ms over listing after another write)",
                "<= that listing + 15 ms",
                ms - after_write <= 15,
            )
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
