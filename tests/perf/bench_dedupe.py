"""Duplicate-check benchmark (issue 4, item 5).  Not a test: ``python tests/perf/bench_dedupe.py [--n N]``.

A real local store with 50,000 contacts (through ``services.create_many``) and 50,000 incoming contacts, of
which one in ten is a planted duplicate of an existing one (the same email typed in capitals, or the same
person at the same company with a slip in the last name, or the same mobile).  Measured:

- the duplicate check of the incoming rows against the existing ones: reading the existing profiles from
  SQLite, filing them by blocking key, and finding the best match of every incoming row.  Budget: under
  30 s.  How many planted duplicates were found, and how many new rows were wrongly matched, is reported;
- for comparison: every group of likely duplicates among all 100,000 (Find duplicates on the merged set).

Prints a table and exits 1 when a budget is missed.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sfa_desktop.core.demo.data import load  # noqa: E402
from sfa_desktop.core.records import duplicates, services  # noqa: E402
from sfa_desktop.core.records.matching import Index, find_groups, profile  # noqa: E402
from sfa_desktop.store.database import LocalStore  # noqa: E402
from tests.perf.benchlib import Result, print_results  # noqa: E402

BUDGET_S = 30.0


def _company(rng: random.Random) -> str:
    names = load()
    core = rng.choice([c for cores in names.company_cores.values() for c in cores])
    return f"{rng.choice(names.company_prefixes)} {core}{rng.choice(names.company_suffixes)}"


def _person(rng: random.Random, n: int, accounts: list[tuple[str, str]]) -> dict[str, Any]:
    first, last = rng.choice(load().first_names), rng.choice(load().last_names)
    account_id, company = rng.choice(accounts)
    domain = "".join(ch for ch in company.lower() if ch.isalnum())[:20] + ".com"
    local = "".join(ch for ch in f"{first}.{last}".lower() if ch.isascii() and (ch.isalnum() or ch == "."))
    return {
        "first_name": first,
        "last_name": last,
        "account_id": account_id,
        "account_name": company,
        "email": f"{local}{n}@{domain}",
        "mobile": f"+1 617 {200 + n // 10000:03d} {n % 10000:04d}" if rng.random() < 0.5 else None,
    }


def _slip(rng: random.Random, word: str) -> str:
    if len(word) < 5:
        return word + "e"
    at = rng.randrange(1, len(word) - 1)
    return word[:at] + word[at + 1 :]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=50_000, help="existing and incoming contacts (50,000 each)")
    args = parser.parse_args()
    rng = random.Random(11)
    work = Path(tempfile.mkdtemp(prefix="sfa-bench-dedupe-"))
    results: list[Result] = []
    try:
        store = LocalStore.open(work)
        print(f"seeding {args.n:,} contacts ...", flush=True)
        with store.transaction() as session:
            companies = list(dict.fromkeys(_company(rng) for _ in range(args.n // 8)))
            ids = services.create_many(session, "accounts", [{"name": c} for c in companies])
            accounts = list(zip(ids, companies, strict=True))
            existing = [_person(rng, n, accounts) for n in range(args.n)]
            services.create_many(
                session, "contacts", [{k: v for k, v in p.items() if k != "account_name"} for p in existing]
            )
        incoming: list[dict[str, Any]] = []
        planted: set[int] = set()
        for n in range(args.n):
            if n % 10 == 0:
                original = existing[rng.randrange(len(existing))]
                copy = dict(original)
                way = n % 30
                if way == 0:
                    copy["email"] = str(original["email"]).upper()
                elif way == 10:
                    copy["last_name"] = _slip(rng, str(original["last_name"]))
                    copy["email"] = None
                else:
                    copy["email"] = None
                    copy["mobile"] = original["mobile"] or "+1 212 555 0100"
                    if original["mobile"] is None:
                        copy["last_name"] = _slip(rng, str(original["last_name"]))
                incoming.append(copy)
                planted.add(n)
            else:
                incoming.append(_person(rng, args.n + n, accounts))
        for row in incoming:
            if row.get("mobile"):
                row["mobile"] = "+1" + "".join(ch for ch in str(row["mobile"]) if ch.isdigit())[-10:]

        print("checking ...", flush=True)
        started = time.perf_counter()
        with store.reading() as session:
            index = Index("contacts", duplicates.load_profiles(session, "contacts"))
        loaded = time.perf_counter() - started
        found: set[int] = set()
        for n, row in enumerate(incoming):
            if index.best(profile("contacts", f"line {n}", row)) is not None:
                found.add(n)
        elapsed = time.perf_counter() - started
        hits = len(found & planted)
        false = len(found - planted)
        results.append(
            (
                f"duplicate check, {args.n:,} incoming vs {args.n:,} existing",
                f"{elapsed:.1f} s (reading and filing the existing {loaded:.1f} s)",
                f"< {BUDGET_S:.0f} s",
                elapsed < BUDGET_S,
            )
        )
        results.append(
            (
                "planted duplicates found",
                f"{hits:,} of {len(planted):,} ({100 * hits / len(planted):.1f}%); "
                f"{false:,} other rows matched an existing contact",
                "reported",
                True,
            )
        )
        started = time.perf_counter()
        everyone = index.profiles + [profile("contacts", f"line {n}", r) for n, r in enumerate(incoming)]
        groups = find_groups("contacts", everyone)
        elapsed = time.perf_counter() - started
        results.append(
            (
                f"Find duplicates among all {len(everyone):,}",
                f"{elapsed:.1f} s, {len(groups):,} groups",
                "reported",
                True,
            )
        )
        store.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return print_results(results)


if __name__ == "__main__":
    sys.exit(main())
