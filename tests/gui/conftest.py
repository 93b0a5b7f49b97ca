"""GUI fixtures: a store seeded through the services, a task runner, the main window."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from sfa_desktop.core.records import services
from sfa_desktop.store.database import LocalStore

FIRST = [
    "Anna",
    "Ben",
    "Carla",
    "David",
    "Elena",
    "Farid",
    "Grace",
    "Hugo",
    "Ines",
    "Jonas",
    "Keiko",
    "Liam",
    "Maya",
    "Noah",
    "Olga",
    "Pedro",
    "Quinn",
    "Rosa",
    "Sam",
    "Tara",
    "Umar",
    "Vera",
    "Will",
    "Yara",
    "Zoe",
]
LAST = [
    "Adams",
    "Baker",
    "Chen",
    "Dubois",
    "Evans",
    "Fischer",
    "Garcia",
    "Haddad",
    "Ito",
    "Jensen",
    "Kowalski",
    "Lopez",
    "Moreau",
    "Nguyen",
    "Okafor",
    "Patel",
    "Quintero",
    "Rossi",
    "Schmidt",
    "Tanaka",
    "Usman",
    "Varga",
    "Walsh",
    "Xu",
    "Young",
    "Zimmer",
]
TITLES = [
    "Purchasing Manager",
    "Operations Director",
    "CFO",
    "Head of IT",
    "Plant Manager",
    "Buyer",
    "Procurement Lead",
    "VP Sales",
    "Office Manager",
    "Engineering Manager",
]
COMPANIES = [
    "Northwind Traders",
    "Contoso Logistics",
    "Fabrikam Foods",
    "Tailspin Toys",
    "Adventure Works",
    "Blue Yonder Air",
    "Coho Winery",
    "Litware Systems",
    "Proseware Labs",
    "Wingtip Hotels",
    "Alpine Ski House",
    "Margie's Travel",
]
DEALS = ["Fleet renewal", "Annual supply", "Pilot", "Service contract", "Expansion"]
CITIES = [
    ("Boston", "MA"),
    ("Hartford", "CT"),
    ("Albany", "NY"),
    ("Newark", "NJ"),
    ("Providence", "RI"),
    ("Portland", "ME"),
    ("Burlington", "VT"),
    ("Concord", "NH"),
]


@dataclass
class Seeded:
    territory: str
    users: list[str]
    accounts: list[str]
    contacts: list[str]
    leads: list[str]
    opportunities: list[str]


def seed_store(store: LocalStore, contacts: int = 300, seed: int = 7) -> Seeded:
    """Realistic records written through services.create_many (validated, outbox and index filled)."""
    rng = random.Random(seed)
    with store.transaction() as session:
        territory = services.create(session, "territories", {"code": "EAST-NE", "name": "Northeast"}).id
        users = services.create_many(
            session,
            "users",
            [
                {"login": "cwalsh", "full_name": "Catherine Walsh", "role": "manager"},
                {"login": "dokafor", "full_name": "Daniel Okafor", "role": "rep"},
            ],
        )
        account_rows = []
        for n, name in enumerate(COMPANIES):
            city, region = CITIES[n % len(CITIES)]
            account_rows.append(
                {
                    "name": name,
                    "industry": ["Logistics", "Retail", "Manufacturing", "Software"][n % 4],
                    "city": city,
                    "region": region,
                    "country": "US",
                    "phone": f"+1 617 555 {1000 + n:04d}",
                    "territory_id": territory,
                    "owner_id": users[n % 2],
                }
            )
        accounts = services.create_many(session, "accounts", account_rows)
        contact_rows = []
        for n in range(contacts):
            first, last = rng.choice(FIRST), LAST[n % len(LAST)]
            account = n % len(accounts)
            city, region = CITIES[account % len(CITIES)]
            domain = COMPANIES[account].lower().replace("'", "").replace(" ", "") + ".com"
            contact_rows.append(
                {
                    "first_name": first,
                    "last_name": last,
                    "title": rng.choice(TITLES),
                    "account_id": accounts[account],
                    "email": f"{first.lower()}.{last.lower()}{n}@{domain}",
                    "phone": f"+1 212 555 {n % 10000:04d}",
                    "city": city,
                    "region": region,
                    "country": "US",
                    "owner_id": users[n % 2],
                }
            )
        contact_ids = services.create_many(session, "contacts", contact_rows)
        leads = services.create_many(
            session,
            "leads",
            [
                {
                    "first_name": rng.choice(FIRST),
                    "last_name": LAST[n % len(LAST)],
                    "company": f"{LAST[(n * 7) % len(LAST)]} & Sons",
                    "status": ["new", "working", "qualified"][n % 3],
                    "source": ["web", "referral", "trade show"][n % 3],
                    "email": f"lead{n}@example-lead.com",
                    "city": CITIES[n % len(CITIES)][0],
                }
                for n in range(40)
            ],
        )
        opportunities = services.create_many(
            session,
            "opportunities",
            [
                {
                    "name": f"{COMPANIES[n % len(COMPANIES)]} — {DEALS[n % len(DEALS)]}",
                    "account_id": accounts[n % len(accounts)],
                    "stage": ["prospecting", "proposal", "negotiation", "closed won"][n % 4],
                    "amount_cents": (n * 7919 % 500 + 5) * 10_000,
                    "close_date": f"2026-{n % 12 + 1:02d}-{n % 27 + 1:02d}",
                    "owner_id": users[n % 2],
                }
                for n in range(30)
            ],
        )
    return Seeded(territory, users, accounts, contact_ids, leads, opportunities)


@pytest.fixture
def seeded(store: LocalStore) -> Seeded:
    return seed_store(store)


@pytest.fixture
def runner(qtbot) -> Iterator[object]:
    from sfa_desktop.ui.tasks import TaskRunner

    task_runner = TaskRunner()
    yield task_runner
    task_runner.shutdown()


@pytest.fixture(autouse=True)
def _no_bug_dialog_left_open() -> Iterator[None]:
    """A bug dialog a test opened (on purpose or not) is closed before the next test."""
    yield
    from sfa_desktop.ui import failures

    found = failures._state.get("reporter")
    if found is not None:
        found.close_dialog()
