"""Knowledge-base search benchmark (issue 5).  Not a test: run ``python tests/perf/bench_kb.py``.

Budget: search as you type over 2,000 articles (ranked, with highlighted snippets, drafts left out) in
<= 20 ms median.  The floor, measured in the same run, is a bare FTS5 table of the same texts in plain
sqlite3 answering the same queries ranked by bm25 (``ORDER BY rank LIMIT 20``) with no snippets, joins or
filters: what FTS5 alone costs for the ranked question; the ratio is reported against it (<= 5x: the
snippets, a pass over each body shown, are most of the difference).  The
corpus is pessimistic: the demo's texts recombined, so most words match most articles.  Also reported:
writing the 2,000 articles through the services with the index triggers on.

Prints a table and exits 1 when a budget is missed.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sfa_desktop.core.demo.data import load
from sfa_desktop.core.records import services
from sfa_desktop.store import kb_search
from sfa_desktop.store.database import LocalStore
from sfa_desktop.store.search import fts_query

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run as a script: tests is importable
from tests.perf.benchlib import Result, print_results

QUERIES = (
    "too expensive",
    "gt-400 fuel",
    "competitor trackstar",
    "discount authority",
    "pilot success",
    "idling",
    "renewal price increase",
    "driver privacy union",
    "temperature pharma",
    "api webhooks",
)
CATEGORIES = ("Product sheets", "Objection handling", "Pricing rules", "Competitor notes", "Sales playbook")


def articles(count: int, seed: int = 5) -> list[dict[str, Any]]:
    """Realistic articles: the demo's texts recombined, 1.5-4 KB each, a few percent drafts."""
    rng = random.Random(seed)
    demo = load()
    paragraphs = [article.body for article in demo.kb_articles]
    talk = [family.talking_point for family in demo.families]
    for name, product in demo.products.items():
        paragraphs.append(
            f"**{product.pitch}**\n\n## Key features\n"
            + "\n".join(f"- {f}" for f in product.features)
            + f"\n\n{product.buyers} {product.goes_with}."
        )
        paragraphs.append(f"{name}: {rng.choice(talk)}")
    words = " ".join(paragraphs).split()
    rows = []
    for number in range(count):
        body = "\n\n".join(rng.sample(paragraphs, 3))
        while len(body) < rng.randint(1500, 4000):
            body += "\n\n" + " ".join(rng.choice(words) for _ in range(60))
        title_words = [w.strip('.,:;*“”"()') for w in rng.sample(words, 5)]
        rows.append(
            {
                "title": f"{' '.join(w for w in title_words if w).capitalize()} ({number})"[:200],
                "category": rng.choice(CATEGORIES),
                "tags": ", ".join(
                    rng.sample(
                        (
                            "pricing",
                            "objections",
                            "competitors",
                            "telematics",
                            "safety",
                            "software",
                            "services",
                            "support",
                            "renewals",
                            "pilots",
                        ),
                        3,
                    )
                ),
                "body": body,
                "published": rng.random() > 0.03,
            }
        )
    return rows


def typed_prefixes() -> list[str]:
    """Every prefix of the queries, as a person types them (from two characters)."""
    return [q[:n] for q in QUERIES for n in range(2, len(q) + 1)]


def floor_ms(folder: Path, rows: list[dict[str, Any]], queries: list[str]) -> list[float]:
    conn = sqlite3.connect(folder / "floor.sqlite3")
    conn.execute("CREATE VIRTUAL TABLE t USING fts5(title, tags, category, body, prefix = '1 2 3')")
    conn.executemany(
        "INSERT INTO t (title, tags, category, body) VALUES (?, ?, ?, ?)",
        [(r["title"], r["tags"], r["category"], r["body"]) for r in rows],
    )
    conn.commit()
    samples = []
    for typed in queries:
        query = fts_query(typed)
        start = time.perf_counter()
        conn.execute("SELECT rowid FROM t WHERE t MATCH ? ORDER BY rank LIMIT 20", (query,)).fetchall()
        samples.append(time.perf_counter() - start)
    conn.close()
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3, help="times each typed prefix is searched")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="sfa-bench-kb-"))
    results: list[Result] = []
    try:
        rows = articles(args.articles)
        store = LocalStore.open(work / "data")
        start = time.perf_counter()
        with store.transaction() as session:
            services.create_many(session, "kb_articles", rows)
        written = time.perf_counter() - start
        size = sum(len(r["body"]) for r in rows) / len(rows)
        results.append(
            (
                f"write {len(rows):,} articles (avg {size / 1000:.1f} KB) with the index",
                f"{written:.2f} s ({written / len(rows) * 1000:.2f} ms each)",
                "-",
                True,
            )
        )
        queries = typed_prefixes() * args.rounds
        samples = []
        found = 0
        with store.engine.connect() as conn:
            for typed in queries:
                begin = time.perf_counter()
                hits = kb_search.search(conn, typed, limit=20)
                samples.append(time.perf_counter() - begin)
                found += len(hits)
        store.close()
        ms = statistics.median(samples) * 1000
        p95 = statistics.quantiles(samples, n=20)[-1] * 1000
        floor = statistics.median(floor_ms(work, rows, queries)) * 1000
        ratio = ms / floor
        results.append(
            (
                f"search as you type, {len(rows):,} articles ({len(queries)} searches)",
                f"median {ms:.2f} ms, p95 {p95:.2f} ms, max {max(samples) * 1000:.1f} ms, "
                f"{found / len(queries):.1f} hits each",
                "<= 20 ms median",
                ms <= 20,
            )
        )
        results.append(
            (
                "  against a bare ranked FTS5 match (floor)",
                f"floor median {floor:.2f} ms; {ratio:.1f}x",
                "<= 5x",
                ratio <= 5,
            )
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return print_results(results)


if __name__ == "__main__":
    sys.exit(main())
