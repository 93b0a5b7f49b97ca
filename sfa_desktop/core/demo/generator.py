"""Realistic, deterministic demo data, written through the services like anything a person types.

``seed(session, accounts=200, seed=0, today=...)`` fills an empty database with one sales region ("EAST")
and its three territories, a manager and three reps, a product catalogue, and per account: contacts, leads,
opportunities, a history of activities and two years of orders (``demo_sales``).  The same seed and
``today`` give the same rows, ids included.
Rows go through :func:`sfa_desktop.core.records.services.create_many` in batches, so they are validated
and the outbox and search index are filled exactly as when a person enters them.  The rows are drawn by
:class:`sfa_desktop.core.demo.rows.Generator` from the words and facts of ``resources/demo``
(:mod:`sfa_desktop.core.demo.data`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sfa_desktop.core.callsheet.sheet import local_zone
from sfa_desktop.core.demo import leads as demo_leads
from sfa_desktop.core.demo import sales as demo_sales
from sfa_desktop.core.demo import territories as demo_territories
from sfa_desktop.core.demo.rows import REGION_CODE, STAFF, Generator
from sfa_desktop.core.errors import UserError
from sfa_desktop.core.records import services
from sfa_desktop.core.records.models import Account, Territory, User

__all__ = ["REGION_CODE", "STAFF", "DemoDataError", "DemoSummary", "holds_demo_data", "is_empty", "seed"]

#: Accounts generated (and written) per round; each round writes every kind for those accounts.
ACCOUNTS_PER_ROUND = 800
#: Rows per create_many call.
BATCH_ROWS = 2000


@dataclass(frozen=True)
class DemoSummary:
    """How many records of each kind were created."""

    territories: int = 0
    users: int = 0
    territory_memberships: int = 0
    products: int = 0
    accounts: int = 0
    contacts: int = 0
    leads: int = 0
    opportunities: int = 0
    activities: int = 0
    sequence_templates: int = 0
    sequence_enrollments: int = 0
    orders: int = 0
    order_lines: int = 0
    #: Accounts, contacts and leads entered twice (counted in their kinds too): for Find duplicates.
    duplicates: int = 0
    kb_articles: int = 0
    territory_rules: int = 0
    #: Comment threads with @mentions (the notification centre's mentions).
    comments: int = 0
    announcements: int = 0
    announcement_receipts: int = 0
    #: Customer requests and complaints, and their comments (issue 15).
    service_requests: int = 0
    request_comments: int = 0
    defections: int = 0

    def counts(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @property
    def total(self) -> int:
        return sum(self.counts().values())


class DemoDataError(UserError, RuntimeError):
    """The database cannot take demo data (it already holds records); the message is for a person."""


def is_empty(session: Session) -> bool:
    """True when there are no accounts, territories or users yet (demo data needs an empty database)."""
    for model in (Account, Territory, User):
        if session.execute(select(func.count()).select_from(model)).scalar_one():
            return False
    return True


def holds_demo_data(session: Session) -> bool:
    """True when the demo region and its staff are there (a database seeded by :func:`seed` before)."""
    region = session.execute(select(Territory.id).where(Territory.code == REGION_CODE)).first()
    logins = set(session.execute(select(User.login)).scalars())
    return region is not None and {login for login, *_ in STAFF} <= logins


def _write(session: Session, kind: str, rows: list[dict[str, Any]], counts: dict[str, int]) -> None:
    for start in range(0, len(rows), BATCH_ROWS):
        services.create_many(session, kind, rows[start : start + BATCH_ROWS])
    counts[kind] += len(rows)


def seed(
    session: Session,
    *,
    accounts: int = 200,
    seed: int = 0,
    today: dt.date | None = None,
    progress: Callable[[int, int], None] | None = None,
    tz: dt.tzinfo | None = None,
) -> DemoSummary:
    """Fill an empty database with demo data; ``progress(accounts_done, accounts)`` is called per round.

    Times of day fall in the working hours (8:00 to 17:00) of ``tz``, the laptop's time zone when None:
    the same seed, ``today`` and time zone give the same rows.

    Raises DemoDataError when the database already holds accounts, territories or users.  Runs in the
    caller's transaction: nothing is kept if anything fails.
    """
    if accounts < 0:
        raise ValueError("the number of accounts cannot be negative")
    if not is_empty(session):
        raise DemoDataError(
            "This database already holds data; demo data goes into an empty one only. "
            "Choose a new folder with --data-dir."
        )
    zone = tz or local_zone()
    gen = Generator(seed, today or dt.date.today(), zone)
    counts = dict.fromkeys(DemoSummary().counts(), 0)
    territories = gen.territories()
    users, memberships = gen.staff()
    # parents first: children of the same batch refer to them (region -> territories, manager -> reps)
    for rows in (territories[:1], territories[1:]):
        _write(session, "territories", rows, counts)
    for rows in (users[:1], users[1:]):
        _write(session, "users", rows, counts)
    _write(session, "territory_memberships", memberships, counts)
    _write(session, "products", gen.products(), counts)

    companies = [gen.company() for _ in range(accounts)]
    lead_companies = iter(gen.company, None)  # an endless supply of further companies, never an account
    if progress is not None:
        progress(0, accounts)
    for start in range(0, accounts, ACCOUNTS_PER_ROUND):
        batch: dict[str, list[dict[str, Any]]] = {
            kind: [] for kind in ("accounts", "contacts", "leads", "opportunities", "activities")
        }
        for name, industry, domain in companies[start : start + ACCOUNTS_PER_ROUND]:
            account, place = gen.account(name, industry, domain)
            contacts = gen.contacts(account, domain, place)
            opportunities = gen.opportunities(account, contacts)
            batch["accounts"].append(account)
            batch["contacts"] += contacts
            batch["leads"] += gen.leads(lead_companies)
            batch["opportunities"] += opportunities
            batch["activities"] += gen.activities(account, contacts, opportunities)
        for kind, rows in batch.items():
            _write(session, kind, rows, counts)
        if progress is not None:
            progress(min(start + ACCOUNTS_PER_ROUND, accounts), accounts)
    demo_leads.seed(session, gen, lambda kind, rows: _write(session, kind, rows, counts))
    from sfa_desktop.core.demo import sequences as demo_sequences

    for kind, number in demo_sequences.seed(session, gen.rng, gen.today, gen.uid, zone).items():
        counts[kind] += number
    counts["orders"], counts["order_lines"] = demo_sales.seed_orders(session, seed=seed, today=gen.today)
    from sfa_desktop.core.demo import retention as demo_retention

    territory_ids = [t for code, t in gen.territory_ids.items() if code != REGION_CODE]
    counts["defections"] = demo_retention.seed(session, territory_ids, seed=seed, today=gen.today)
    if accounts:
        from sfa_desktop.core.demo.dedupe import seed_duplicates

        made = seed_duplicates(session, seed=seed)
        for kind, number in made.items():
            counts[kind] += number
        counts["duplicates"] = sum(made.values())
    # the knowledge base, the reps' home bases and today's calls and visits (call sheets)
    from sfa_desktop.core.demo import day as demo_day
    from sfa_desktop.core.demo import kb as demo_kb

    counts["kb_articles"] += demo_kb.seed(session)
    from sfa_desktop.core.demo import checklists as demo_checklists

    demo_checklists.seed(session)
    counts["activities"] += demo_day.seed(session, today=gen.today, seed=seed, tz=zone)
    counts["territory_rules"] = demo_territories.seed(session, gen.territory_ids, REGION_CODE, seed)
    from sfa_desktop.core.demo import comments as demo_comments

    counts["comments"] = demo_comments.seed(session, seed=seed, today=gen.today)

    from sfa_desktop.core.demo import announcements as demo_announcements

    counts.update(demo_announcements.seed(session, gen.today))

    from sfa_desktop.core.demo import requests as demo_requests

    counts.update(demo_requests.seed(session, today=gen.today, seed=seed, tz=zone))

    # service levels per segment, the accounts' segments and some visiting hours (issue 16)
    from sfa_desktop.core.demo import visits as demo_visits

    demo_visits.seed(session, gen.territory_ids.get(REGION_CODE), today=gen.today)
    return DemoSummary(**counts)
