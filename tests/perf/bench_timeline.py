"""Timeline benchmark (issue 4).  Not a test: run ``python tests/perf/bench_timeline.py``.

Builds an account with about 2,000 timeline items of every kind (activities done and planned, opportunities
with stage changes in the change history, orders with lines, changes to the account and its contacts from
the change history, and local changes not synced yet), among many other accounts' records so that every
query has to find its rows by index.  Budgets, each measured in this run:

- the core query (``core.timeline.build``) for that account: <= 200 ms (median), reported also as a ratio
  to a floor: plain SELECTs of the same rows with no formatting;
- the Timeline tab: from asking it to show the record to the rows being in the model (the job on the task
  runner, the result handed to the GUI thread, the model reset): <= 200 ms (median).

Prints a table and exits 1 when a budget is missed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from sqlalchemy import text

from sfa_desktop.core.records import services
from sfa_desktop.core.records.models import new_id
from sfa_desktop.core.timeline import feed as timeline
from sfa_desktop.store import capture
from sfa_desktop.store.database import LocalStore

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run as a script: tests is importable
from tests.perf.benchlib import Result, print_results

BUDGET_MS = 200.0
NOW = dt.datetime.now(dt.UTC)
KINDS = ("call", "visit", "email", "meeting", "task", "note")
STAGES = ("prospecting", "qualification", "needs analysis", "proposal", "negotiation")


def _ago(rng: random.Random, days: int) -> dt.datetime:
    return NOW - dt.timedelta(days=rng.uniform(0, days))


def _phone(rng: random.Random) -> str:
    """A different North American number each time (formatting is not helped by repeats)."""
    return f"+1{rng.choice((212, 617, 646, 857))}{rng.randint(200, 999)}{rng.randint(0, 9999):04d}"


def _stamp(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")


def build_store(folder: Path, *, others: int) -> tuple[LocalStore, str]:
    """The benchmark database; returns it and the account with the long story."""
    rng = random.Random(4)
    store = LocalStore.open(folder)
    history: list[tuple[Any, ...]] = []
    with store.transaction() as s:
        users = services.create_many(
            s, "users", [{"login": f"rep{n}", "full_name": f"Rep {n}"} for n in range(8)]
        )
        products = services.create_many(
            s,
            "products",
            [
                {"sku": f"P-{n}", "name": f"Product {n}", "unit_price_cents": 1000 * (n + 1)}
                for n in range(40)
            ],
        )
        accounts = services.create_many(
            s,
            "accounts",
            [{"name": f"Account {n}", "owner_id": rng.choice(users)} for n in range(others + 1)],
        )
        story = accounts[0]
        contacts_of: dict[str, list[str]] = {}
        contact_rows = []
        for account in accounts:
            for n in range(12 if account == story else 3):
                contact_rows.append({"id": new_id(), "last_name": f"Person {n}", "account_id": account})
                contacts_of.setdefault(account, []).append(contact_rows[-1]["id"])
        services.create_many(s, "contacts", contact_rows)
        activities, opportunities, orders, lines = [], [], [], []
        for account in accounts:
            mine = account == story
            contacts = contacts_of[account]
            for _ in range(800 if mine else 10):
                done = rng.random() < 0.9
                when = _ago(rng, 900)
                activities.append(
                    {
                        "kind": rng.choice(KINDS),
                        "subject": "Follow-up on the proposal",
                        "account_id": account if rng.random() < 0.8 else None,
                        "contact_id": rng.choice(contacts),
                        "done_at": when if done else None,
                        "due_at": when if done else NOW + dt.timedelta(days=rng.randint(1, 30)),
                        "outcome": "completed" if done else None,
                        "duration_minutes": rng.randint(5, 90),
                        "notes": "Talked about the fleet rollout and the pilot."
                        if rng.random() < 0.3
                        else None,
                        "owner_id": rng.choice(users),
                    }
                )
            for n in range(60 if mine else 2):
                opportunities.append(
                    {
                        "id": new_id(),
                        "name": f"Deal {n}",
                        "account_id": account,
                        "contact_id": rng.choice(contacts),
                        "stage": rng.choice(STAGES),
                        "amount_cents": rng.randint(10, 900) * 10_000,
                        "close_date": (NOW + dt.timedelta(days=rng.randint(-30, 200))).date(),
                        "owner_id": rng.choice(users),
                    }
                )
                if mine:
                    for step in range(3):  # stage changes from the central store's history
                        history.append(
                            (
                                "opportunities",
                                opportunities[-1]["id"],
                                "update",
                                {"stage": [STAGES[step], STAGES[step + 1]], "probability": [10, 20]},
                                f"rep{step}",
                                _ago(rng, 600),
                            )
                        )
            for n in range(500 if mine else 3):
                order_id = new_id()
                count = rng.randint(1, 3)
                total = 0
                for _ in range(count):
                    product = rng.choice(products)
                    quantity = rng.randint(1, 20)
                    total += quantity * 1000
                    lines.append(
                        {
                            "order_id": order_id,
                            "account_id": account,
                            "product_id": product,
                            "quantity": quantity,
                            "unit_price_cents": 1000,
                            "line_total_cents": quantity * 1000,
                        }
                    )
                orders.append(
                    {
                        "id": order_id,
                        "account_id": account,
                        "number": f"SO-{account[:6]}-{n}",
                        "order_date": _ago(rng, 900).date(),
                        "total_cents": total,
                    }
                )
            targets = [("accounts", account)] + [("contacts", c) for c in contacts]
            for _ in range(400 if mine else 6):
                table, record = rng.choice(targets)
                history.append(
                    (
                        table,
                        record,
                        "update",
                        {
                            "phone": ["+16175550100", "+16175550199"],
                            "city": [None, "Boston"],
                            "owner_id": [users[0], users[1]],
                        },
                        f"rep{rng.randint(0, 7)}",
                        _ago(rng, 365),
                    )
                )
        for kind, rows in (
            ("activities", activities),
            ("opportunities", opportunities),
            ("orders", orders),
            ("order_lines", lines),
        ):
            for start in range(0, len(rows), 5000):
                services.create_many(s, kind, rows[start : start + 5000])
    with store.engine.begin() as conn:
        conn.execute(text("DELETE FROM outbox"))  # synced
        conn.execute(
            text(
                "INSERT INTO change_history (seq, table_name, record_id, op, changes, db_user, applied_at) "
                "SELECT key + 1, value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, "
                "value ->> 5 FROM json_each(:rows)"
            ),
            {
                "rows": json.dumps(
                    [(t, r, op, json.dumps(c), who, _stamp(at)) for t, r, op, c, who, at in history]
                )
            },
        )
    with store.transaction() as s:  # local changes not synced yet
        for n in range(40):
            services.update(s, "accounts", story, {"notes": f"Visit notes, version {n}"})
    return store, story


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def core_figures(store: LocalStore, story: str, runs: int) -> tuple[int, float, float, dict[str, int]]:
    with store.engine.connect() as conn:
        items = timeline.build(conn, "accounts", story, unsent=capture.Unsent(conn))
        samples, floors = [], []
        for _ in range(runs):
            start = time.perf_counter()
            timeline.build(conn, "accounts", story, unsent=capture.Unsent(conn))
            samples.append(time.perf_counter() - start)
            start = time.perf_counter()
            _floor(conn, story)
            floors.append(time.perf_counter() - start)
    return len(items), median_ms(samples), median_ms(floors), timeline.counts(items)


def _floor(conn: Any, story: str) -> None:
    """The same rows, fetched with plain SELECTs and nothing done with them."""
    params = {"a": story}
    contacts = "SELECT id FROM contacts WHERE account_id = :a"
    for sql in (
        "SELECT * FROM activities WHERE deleted_at IS NULL "
        f"AND (account_id = :a OR contact_id IN ({contacts}))",
        "SELECT * FROM opportunities WHERE account_id = :a AND deleted_at IS NULL",
        "SELECT * FROM orders WHERE account_id = :a AND deleted_at IS NULL",
        "SELECT * FROM order_lines WHERE account_id = :a AND deleted_at IS NULL",
        "SELECT * FROM change_history WHERE (table_name = 'accounts' AND record_id = :a) "
        f"OR (table_name = 'contacts' AND record_id IN ({contacts})) "
        "OR (table_name = 'opportunities' AND record_id IN "
        "(SELECT id FROM opportunities WHERE account_id = :a))",
        "SELECT * FROM outbox WHERE record_id = :a",
    ):
        conn.execute(text(sql), params).all()


def gui_figure(store: LocalStore, story: str, runs: int) -> tuple[float, int]:
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from sfa_desktop.ui.tasks import TaskRunner
    from sfa_desktop.ui.timeline import TimelineTab

    app = QApplication.instance() or QApplication([])
    runner = TaskRunner()
    tab = TimelineTab(store, runner, "accounts")
    tab.setMinimumSize(520, 760)
    tab.show()
    samples = []
    try:
        for run in range(runs + 1):
            loop = QEventLoop()
            tab.loaded.connect(loop.quit)
            QTimer.singleShot(10_000, loop.quit)
            if run % 2:
                tab.clear()  # a record not on screen yet: the tab starts empty
            start = time.perf_counter()
            tab.show_record(story)
            loop.exec()
            elapsed = time.perf_counter() - start
            tab.loaded.disconnect(loop.quit)
            app.processEvents()
            if run:  # the first run imports and warms up
                samples.append(elapsed)
        rows = len(tab.model.items)
    finally:
        runner.shutdown()
    return median_ms(samples), rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--others", type=int, default=3000, help="other accounts in the database (3,000)")
    parser.add_argument("--runs", type=int, default=15, help="timed runs of each figure (15)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="sfa-bench-timeline-"))
    results: list[Result] = []
    try:
        start = time.perf_counter()
        store, story = build_store(work / "data", others=args.others)
        built = time.perf_counter() - start
        count, core_ms, floor_ms, kinds = core_figures(store, story, args.runs)
        described = ", ".join(f"{n:,} {k}" for k, n in kinds.items())
        results.append((f"test data ({args.others:,} other accounts)", f"built in {built:.1f} s", "-", True))
        results.append(
            (
                f"core timeline, {count:,} items ({described})",
                f"median {core_ms:.0f} ms; floor (plain SELECTs) {floor_ms:.0f} ms, "
                f"{core_ms / floor_ms:.1f}x",
                f"<= {BUDGET_MS:.0f} ms",
                core_ms <= BUDGET_MS and count >= 1900,
            )
        )
        gui_ms, rows = gui_figure(store, story, args.runs)
        results.append(
            (
                "Timeline tab: show_record to rows in the model",
                f"median {gui_ms:.0f} ms ({rows:,} items)",
                f"<= {BUDGET_MS:.0f} ms",
                gui_ms <= BUDGET_MS and rows == count,
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
