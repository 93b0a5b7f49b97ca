"""Call-sheet benchmark (issue 5).  Not a test: run ``python tests/perf/bench_callsheet.py``.

Budget: a call sheet of 30 calls with their history (contacts, open opportunities, the last activities,
orders and top products, sequence steps with scripts and linked articles) read and written as a PDF in
<= 1.5 s (median of a few runs), on the demo data set (--accounts) plus orders for every account of the
rep.  The floor, measured in the same run, is reportlab setting the same number of paragraphs holding the
same amount of text, one after the other in the same fonts with the same page decoration (no tables, no
keeping blocks together); the ratio is reported against it (<= 3x).

Prints a table and exits 1 when a budget is missed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from reportlab.platypus import Paragraph, SimpleDocTemplate
from sqlalchemy import text

from sfa_desktop.core.callsheet import sheet as callsheet
from sfa_desktop.core.demo import generator as demo
from sfa_desktop.core.demo.data import load
from sfa_desktop.core.records import services
from sfa_desktop.printing.base import MARGIN, numbered_canvas, page_size, styles
from sfa_desktop.printing.callsheet import render
from sfa_desktop.store.database import LocalStore

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run as a script: tests is importable
from tests.perf.benchlib import Result, print_results

TODAY = dt.date(2026, 11, 2)
CALLS = 30
REP = "dokafor"


def prepare(folder: Path, accounts: int) -> tuple[LocalStore, str]:
    """The demo, orders for the rep's accounts, a sequence linking articles, and 30 calls today."""
    store = LocalStore.open(folder)
    rng = random.Random(11)
    with store.transaction() as session:
        demo.seed(session, accounts=accounts, seed=3, today=TODAY)
        rep = session.execute(text("SELECT id FROM users WHERE login = :l"), {"l": REP}).scalar_one()
        mine = session.execute(
            text(
                "SELECT a.id, (SELECT c.id FROM contacts c WHERE c.account_id = a.id LIMIT 1) "
                "FROM accounts a WHERE a.owner_id = :rep ORDER BY a.id"
            ),
            {"rep": rep},
        ).all()
        products = session.execute(text("SELECT id, unit_price_cents FROM products")).all()
        orders, lines = [], []
        for account, _contact in mine:
            for number in range(8):
                order_id = f"{account[:8]}-order-{number}"
                chosen = rng.sample(products, 4)
                total = 0
                for product, price in chosen:
                    quantity = rng.randint(1, 40)
                    total += quantity * price
                    lines.append(
                        {
                            "order_id": order_id,
                            "account_id": account,
                            "product_id": product,
                            "quantity": quantity,
                            "unit_price_cents": price,
                            "line_total_cents": quantity * price,
                        }
                    )
                orders.append(
                    {
                        "id": order_id,
                        "account_id": account,
                        "number": f"SO-{rng.randint(10000, 99999)}",
                        "order_date": TODAY - dt.timedelta(days=rng.randint(1, 700)),
                        "total_cents": total,
                    }
                )
        services.create_many(session, "orders", orders)
        services.create_many(session, "order_lines", lines)
        articles = [
            a
            for (a,) in session.execute(text("SELECT id FROM kb_articles WHERE category <> 'Product sheets'"))
        ]
        steps = [
            {
                "key": f"step{n}",
                "kind": "visit" if n % 2 else "call",
                "title": f"Step {n}",
                "wait_days": 2,
                "business_days": True,
                "instructions": load().kb_articles[n % len(load().kb_articles)].body,
                "article_ids": rng.sample(articles, 2),
                "outcomes": {"interested": {"goto": f"step{n + 1}"}, "no answer": {"repeat_after_days": 2}},
            }
            for n in range(6)
        ]
        template = services.create(
            session, "sequence_templates", {"name": "Bench sequence", "steps": json.dumps(steps)}
        ).id
        calls = []
        for number, (account, contact) in enumerate(rng.sample(mine, CALLS)):
            enrollment = services.create(
                session,
                "sequence_enrollments",
                {"template_id": template, "account_id": account, "contact_id": contact, "step_key": "step1"},
            ).id
            calls.append(
                {
                    "kind": ("visit", "call", "meeting")[number % 3],
                    "subject": f"Planned call {number}",
                    "due_at": dt.datetime.combine(TODAY, dt.time(13 + number % 8, 0), dt.UTC),
                    "notes": "Bring the demo unit.",
                    "account_id": account,
                    "contact_id": contact,
                    "owner_id": rep,
                    "enrollment_id": enrollment,
                    "step_key": f"step{number % 6}",
                }
            )
        # the demo's own day keeps its planned calls; ours are the bench's 30
        session.execute(
            text("UPDATE activities SET done_at = due_at WHERE owner_id = :rep AND done_at IS NULL"),
            {"rep": rep},
        )
        services.create_many(session, "activities", calls)
    return store, rep


def make(store: LocalStore, rep: str, path: Path) -> tuple[float, int, int]:
    start = time.perf_counter()
    with store.reading() as session:
        sheet = callsheet.build(session, [rep], TODAY, tz=dt.UTC)
    pages = render(sheet, path)
    return time.perf_counter() - start, pages, len(sheet.calls)


class ParagraphCount:
    """Counts the paragraphs (and their characters) reportlab sets while it is on."""

    def __init__(self) -> None:
        self.count = 0
        self.characters = 0
        self._original = Paragraph.__init__

    def __enter__(self) -> ParagraphCount:
        original = self._original

        def counting(paragraph: Any, text_: str, *args: Any, **kwargs: Any) -> None:
            self.count += 1
            self.characters += len(text_)
            original(paragraph, text_, *args, **kwargs)

        Paragraph.__init__ = counting
        return self

    def __exit__(self, *exc: object) -> None:
        Paragraph.__init__ = self._original


def floor(path: Path, paragraphs: int, characters: int) -> float:
    """As many paragraphs with as much text, one after the other, same fonts and page decoration."""
    start = time.perf_counter()
    doc = SimpleDocTemplate(str(path), pagesize=page_size("A4"), leftMargin=MARGIN, rightMargin=MARGIN)
    words = [
        "lorem",
        "ipsum",
        "dolor",
        "sit",
        "amet",
        "consectetur",
        "adipiscing",
        "elit",
        "sed",
        "do",
        "eiusmod",
        "tempor",
    ]
    size = max(1, characters // paragraphs)
    story = []
    for number in range(paragraphs):
        text_ = " ".join(words[(number + i) % len(words)] for i in range(size // 5 + 1))[:size]
        story.append(Paragraph(text_, styles()["small"]))
    doc.build(story, canvasmaker=numbered_canvas("Call sheet", "floor"))
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=2000, help="demo accounts (2,000)")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="sfa-bench-callsheet-"))
    results: list[Result] = []
    try:
        store, rep = prepare(work / "data", args.accounts)
        pdf = work / "sheet.pdf"
        make(store, rep, pdf)  # warm: fonts registered, modules imported
        runs = [make(store, rep, pdf) for _ in range(args.runs)]
        seconds = statistics.median(r[0] for r in runs)
        _, pages, calls = runs[0]
        with store.reading() as session:
            build_times = []
            for _ in range(args.runs):
                start = time.perf_counter()
                callsheet.build(session, [rep], TODAY, tz=dt.UTC)
                build_times.append(time.perf_counter() - start)
        with ParagraphCount() as counted, store.reading() as session:
            render(callsheet.build(session, [rep], TODAY, tz=dt.UTC), work / "counted.pdf")
        store.close()
        floors = [floor(work / "floor.pdf", counted.count, counted.characters) for _ in range(args.runs)]
        bottom = statistics.median(floors)
        results.append(
            (
                f"call sheet of {calls} calls ({pages} pages)",
                f"median {seconds:.2f} s (reading the data {statistics.median(build_times) * 1000:.0f} ms)",
                "<= 1.5 s",
                seconds <= 1.5 and calls == CALLS,
            )
        )
        results.append(
            (
                f"  against {counted.count:,} plain paragraphs (floor)",
                f"floor {bottom:.2f} s; {seconds / bottom:.1f}x",
                "<= 3x",
                seconds / bottom <= 3,
            )
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return print_results(results)


if __name__ == "__main__":
    sys.exit(main())
