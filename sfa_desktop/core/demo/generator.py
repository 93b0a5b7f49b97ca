"""Realistic, deterministic demo data, written through the services like anything a person types.

``seed(session, accounts=200, seed=0, today=...)`` fills an empty database with one sales region ("EAST")
and its three territories, a manager and three reps, a product catalogue, and per account: contacts, leads,
opportunities, a history of activities and two years of orders (``demo_sales``).  The same seed and
``today`` give the same rows, ids included.
Rows go through :func:`sfa_desktop.core.records.services.create_many` in batches, so they are validated and
the
outbox and search index are filled exactly as when a person enters them.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import random
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, fields
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sfa_desktop.core.demo import leads as demo_leads
from sfa_desktop.core.demo import names
from sfa_desktop.core.demo import sales as demo_sales
from sfa_desktop.core.demo import territories as demo_territories
from sfa_desktop.core.errors import UserError
from sfa_desktop.core.records import services
from sfa_desktop.core.records.fields import INDUSTRIES, LEAD_SOURCES
from sfa_desktop.core.records.models import Account, Territory, User
from sfa_desktop.core.records.pipeline import WON_REASONS

#: Accounts generated (and written) per round; each round writes every kind for those accounts.
ACCOUNTS_PER_ROUND = 800
#: Rows per create_many call.
BATCH_ROWS = 2000
#: How far back the activity history goes.
HISTORY_DAYS = 548

REGION_CODE = "EAST"
COMPANY_DOMAIN = "fieldline-sales.com"
#: (login, full name, role, territory code); the manager covers the region, each rep one territory.
STAFF = (
    ("cwalsh", "Catherine Walsh", "manager", REGION_CODE),
    ("dokafor", "Daniel Okafor", "rep", "EAST-NE"),
    ("smartinez", "Sofía Martínez", "rep", "EAST-MA"),
    ("mgreene", "Marcus Greene", "rep", "EAST-SE"),
)

_LEAD_STATUS_WEIGHTS = {"new": 30, "working": 25, "qualified": 15, "disqualified": 15, "converted": 15}
_STAGE_WEIGHTS = {
    "prospecting": 15,
    "qualification": 14,
    "needs analysis": 12,
    "proposal": 12,
    "negotiation": 8,
    "closed won": 22,
    "closed lost": 17,
}
_ACTIVITY_WEIGHTS = {"call": 30, "email": 25, "visit": 15, "meeting": 10, "task": 10, "note": 10}
_OUTCOMES = {
    "call": ("completed", "no answer", "left message", "interested", "follow-up needed", "meeting booked"),
    "visit": ("completed", "interested", "follow-up needed", "order placed", "not interested"),
    "meeting": ("completed", "interested", "follow-up needed", "order placed", "not interested"),
    "email": ("completed", "interested", "follow-up needed"),
    "task": ("completed",),
    "note": (None,),
}
#: 13:00 to 21:45 UTC in quarter hours (8:00 to 16:45 US Eastern standard time).
_QUARTER_HOURS = tuple(dt.timedelta(minutes=m) for m in range(13 * 60, 22 * 60, 15))
_ACCOUNT_MAILBOXES = ("info", "sales", "office", "contact")
_DURATION = {"call": (5, 30), "visit": (30, 120), "meeting": (30, 90)}
_PRICE_RANGE = {  # dollars
    "Telematics": (90, 900),
    "Software": (120, 6000),
    "Safety": (40, 700),
    "Services": (400, 2400),
    "Support": (150, 9000),
}
_ASCII_FOLD = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "ß": "ss", "æ": "ae", "Æ": "AE"})


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


@functools.lru_cache(maxsize=4096)
def ascii_fold(text: str) -> str:
    """'Zoë Müller' -> 'Zoe Muller': for email addresses and web domains made from names."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_ASCII_FOLD))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@functools.lru_cache(maxsize=4096)
def _slug(text: str) -> str:
    """'Müller & Sons' -> 'mullerandsons'."""
    return "".join(ch for ch in ascii_fold(text).lower().replace("&", "and") if ch.isalnum())


@functools.lru_cache(maxsize=4096)
def _name_part(text: str) -> str:
    """'O'Brien' -> 'obrien', 'Min-jun' -> 'min-jun': a name as it appears in an email address."""
    return "".join(ch for ch in ascii_fold(text).lower() if ch.isalnum() or ch == "-").strip("-")


def _local_part(first: str, last: str) -> str:
    return f"{_name_part(first)}.{_name_part(last)}"


_T = TypeVar("_T")
# uuid4 layout: version nibble 4, variant bits 10 (as uuid.UUID(int=..., version=4) sets them)
_UUID_CLEAR = ~((0xF000 << 64) | (0xC000 << 48)) & ((1 << 128) - 1)
_UUID_SET = (0x4000 << 64) | (0x8000 << 48)


class _Weighted:
    """Weighted choice with cumulative weights computed once."""

    def __init__(self, weights: dict[str, int]) -> None:
        self.values = tuple(weights)
        total = sum(weights.values())
        running = 0.0
        self.bounds: list[float] = []
        for weight in weights.values():
            running += weight / total
            self.bounds.append(running)

    def draw(self, r: float) -> str:
        return self.values[min(bisect.bisect_right(self.bounds, r), len(self.values) - 1)]


@dataclass
class _Place:
    territory: str
    city: names.City


class _Generator:
    """Draws every value from one random.Random, in a fixed order, so that a seed gives the same rows.

    Hot draws use ``random()`` directly (``pick``, ``between``): several times faster than ``choice`` and
    ``randint``, which matters for a few hundred thousand rows.
    """

    def __init__(self, seed: int, today: dt.date) -> None:
        self.rng = random.Random(seed)
        self.random = self.rng.random
        self.today = today
        self.midnight = dt.datetime.combine(today, dt.time(0, 0), dt.UTC)
        self.territory_ids: dict[str, str] = {}
        self.rep_of: dict[str, str] = {}
        self.territory_codes = tuple(names.TERRITORY_STATES)
        self.cities = {
            code: tuple(c for c in names.CITIES if c.state in states)
            for code, (_name, states) in names.TERRITORY_STATES.items()
        }
        self.used_names: set[str] = set()
        self.used_domains: set[str] = set()
        self.used_emails: set[str] = set()
        self.stages = _Weighted(_STAGE_WEIGHTS)
        self.statuses = _Weighted(_LEAD_STATUS_WEIGHTS)
        self.kinds = _Weighted(_ACTIVITY_WEIGHTS)
        self.families = tuple(names.PRODUCT_FAMILIES)
        self._days: dict[int, dt.datetime] = {}
        #: Leads drawn as converted: written by demo_leads with what they were converted to.
        self.converted_leads: list[dict[str, Any]] = []

    # -- small draws ------------------------------------------------------------------------------------
    def uid(self) -> str:
        """Same text as ``str(uuid.UUID(int=getrandbits(128), version=4))``, without the object."""
        bits = self.rng.getrandbits(128) & _UUID_CLEAR | _UUID_SET
        h = f"{bits:032x}"
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def pick(self, seq: Sequence[_T]) -> _T:
        return seq[int(self.random() * len(seq))]

    def between(self, low: int, high: int) -> int:
        """An integer in [low, high]."""
        return low + int(self.random() * (high - low + 1))

    def chance(self, p: float) -> bool:
        return self.random() < p

    def place(self) -> _Place:
        territory = self.pick(self.territory_codes)
        return _Place(territory, self.pick(self.cities[territory]))

    def phone(self, city: names.City) -> str:
        area = self.pick(city.area_codes)
        exchange = self.between(200, 999)
        if exchange % 100 == 11 or exchange == 555:  # N11 service codes, 555 fiction numbers
            exchange += 1
        line = self.between(0, 9999)
        style = self.between(0, 3)
        if style == 0:
            return f"({area}) {exchange}-{line:04d}"
        if style == 1:
            return f"{area}-{exchange}-{line:04d}"
        if style == 2:
            return f"{area}.{exchange}.{line:04d}"
        return f"+1 {area} {exchange} {line:04d}"

    def address(self, city: names.City) -> dict[str, Any]:
        street = f"{self.between(1, 2999)} {self.pick(names.STREET_NAMES)} {self.pick(names.STREET_TYPES)}"
        if self.chance(0.25):
            street += f", Suite {self.between(1, 9)}{self.between(0, 2)}0"
        return {
            "street": street,
            "city": city.name,
            "region": city.state,
            "postcode": f"{int(city.zip_code) + self.between(0, 14):05d}",
            "country": "US",
        }

    def person(self) -> tuple[str, str]:
        return self.pick(names.FIRST_NAMES), self.pick(names.LAST_NAMES)

    def email(self, first: str, last: str, domain: str) -> str:
        local = _local_part(first, last)
        address = f"{local}@{domain}"
        number = 2
        while address in self.used_emails:
            address = f"{local}{number}@{domain}"
            number += 1
        self.used_emails.add(address)
        return address

    def employees(self) -> int:
        return int(10 ** (0.7 + 3.7 * self.random()))

    def company(self) -> tuple[str, str, str]:
        """A new company: (name, industry, web domain), unique in this data set."""
        for attempt in range(1000):
            industry = self.pick(INDUSTRIES)
            prefix = self.pick(names.LAST_NAMES if self.chance(0.3) else names.COMPANY_PREFIXES)
            core = self.pick(names.COMPANY_CORES[industry])
            name = f"{prefix} {core}{self.pick(names.COMPANY_SUFFIXES)}"
            if attempt > 20:
                name += f" {attempt}"
            if name not in self.used_names:
                break
        self.used_names.add(name)
        base = _slug(prefix) + _slug(core)
        for ending in names.DOMAIN_ENDINGS:
            domain = base + ending
            if domain not in self.used_domains:
                break
        number = 2
        while domain in self.used_domains:
            domain = f"{base}{number}.com"
            number += 1
        self.used_domains.add(domain)
        return name, industry, domain

    def business_time(self, days_from_today: int) -> dt.datetime:
        """A quarter hour between 8:00 and 16:45 US Eastern, in UTC (daylight saving ignored: demo data)."""
        day = self._days.get(days_from_today)
        if day is None:
            day = self._days[days_from_today] = self.midnight + dt.timedelta(days=days_from_today)
        return day + self.pick(_QUARTER_HOURS)

    # -- reference data ---------------------------------------------------------------------------------
    def territories(self) -> list[dict[str, Any]]:
        region_id = self.uid()
        self.territory_ids[REGION_CODE] = region_id
        rows = [
            {
                "id": region_id,
                "code": REGION_CODE,
                "name": "East Region",
                "description": "US East Coast sales region: " + ", ".join(names.TERRITORY_STATES),
            }
        ]
        for code, (name, states) in names.TERRITORY_STATES.items():
            self.territory_ids[code] = self.uid()
            rows.append(
                {
                    "id": self.territory_ids[code],
                    "code": code,
                    "name": name,
                    "parent_id": region_id,
                    "description": "States: " + ", ".join(states),
                }
            )
        return rows

    def staff(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        users: list[dict[str, Any]] = []
        memberships: list[dict[str, Any]] = []
        manager_id: str | None = None
        for login, full_name, role, territory in STAFF:
            user_id = self.uid()
            home = territory if territory != REGION_CODE else "EAST-MA"
            users.append(
                {
                    "id": user_id,
                    "login": login,
                    "full_name": full_name,
                    "email": f"{login}@{COMPANY_DOMAIN}",
                    "phone": self.phone(self.rng.choice(self.cities[home])),
                    "role": role,
                    "manager_id": None if role == "manager" else manager_id,
                    "active": True,
                }
            )
            if role == "manager":
                manager_id = user_id
            else:
                self.rep_of[territory] = user_id
            memberships.append(
                {
                    "id": self.uid(),
                    "territory_id": self.territory_ids[territory],
                    "user_id": user_id,
                    "role": "manager" if role == "manager" else "rep",
                }
            )
        return users, memberships

    def products(self) -> list[dict[str, Any]]:
        rows = []
        for family, products in names.PRODUCT_FAMILIES.items():
            low, high = _PRICE_RANGE[family]
            for number, name in enumerate(products, start=1):
                price = self.rng.randrange(low, high + 1, 5) * 100
                rows.append(
                    {
                        "id": self.uid(),
                        "sku": f"{family[:3].upper()}-{100 + number * 10}",
                        "name": name,
                        "family": family,
                        "description": f"{name}: part of our {family.lower()} range.",
                        "unit_price_cents": price,
                        "unit_cost_cents": int(price * self.rng.uniform(0.35, 0.7)),
                        "active": True,
                    }
                )
        return rows

    # -- per account --------------------------------------------------------------------------------------
    def account(self, name: str, industry: str, domain: str) -> tuple[dict[str, Any], _Place]:
        place = self.place()
        city = place.city
        row = {
            "id": self.uid(),
            "name": name,
            "industry": industry,
            "employee_count": self.employees(),
            "website": f"www.{domain}",
            "phone": self.phone(city),
            "email": f"{self.pick(_ACCOUNT_MAILBOXES)}@{domain}" if self.chance(0.5) else None,
            **self.address(city),
            "territory_id": self.territory_ids[place.territory],
            "owner_id": self.rep_of[place.territory],
            "latitude": round(city.latitude + (self.random() - 0.5) * 0.12, 5),
            "longitude": round(city.longitude + (self.random() - 0.5) * 0.15, 5),
        }
        return row, place

    def contacts(self, account: dict[str, Any], domain: str, place: _Place) -> list[dict[str, Any]]:
        rows = []
        for _ in range(self.between(1, 4)):
            first, last = self.person()
            rows.append(
                {
                    "id": self.uid(),
                    "account_id": account["id"],
                    "first_name": first,
                    "last_name": last,
                    "title": self.pick(names.JOB_TITLES),
                    "email": self.email(first, last, domain),
                    "phone": self.phone(place.city) if self.chance(0.6) else None,
                    "mobile": self.phone(place.city) if self.chance(0.4) else None,
                    "street": account["street"],
                    "city": account["city"],
                    "region": account["region"],
                    "postcode": account["postcode"],
                    "country": "US",
                    "consent_email": self.chance(0.65),
                    "consent_phone": self.chance(0.45),
                    "owner_id": account["owner_id"],
                }
            )
        return rows

    def leads(self, companies: Iterator[tuple[str, str, str]]) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        for _ in range(self.pick((0, 1, 1, 2))):
            company, industry, domain = next(companies)
            place = self.place()
            first, last = self.person()
            status = self.statuses.draw(self.random())
            (self.converted_leads if status == "converted" else rows).append(
                {
                    "id": self.uid(),
                    "first_name": first,
                    "last_name": last,
                    "company": company,
                    "title": self.pick(names.JOB_TITLES),
                    "email": self.email(first, last, domain),
                    "phone": self.phone(place.city) if self.chance(0.7) else None,
                    "website": f"www.{domain}",
                    "industry": industry,
                    "employee_count": self.employees(),
                    **self.address(place.city),
                    "source": self.pick(LEAD_SOURCES),
                    "status": status,
                    "status_reason": (
                        self.pick(names.DISQUALIFY_REASONS) if status == "disqualified" else None
                    ),
                    "territory_id": self.territory_ids[place.territory],
                    "owner_id": self.rep_of[place.territory],
                }
            )
        return rows

    def opportunities(
        self, account: dict[str, Any], contacts: Sequence[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        rows = []
        for _ in range(self.between(0, 3)):
            stage = self.stages.draw(self.random())
            closed = stage.startswith("closed")
            offset = -self.between(1, HISTORY_DAYS) if closed else self.between(-20, 180)
            rows.append(
                {
                    "id": self.uid(),
                    "name": f"{account['name']}: {self.pick(self.families)} "
                    f"{self.pick(names.OPPORTUNITY_THEMES)}",
                    "account_id": account["id"],
                    "contact_id": self.pick(contacts)["id"] if contacts and self.chance(0.7) else None,
                    "stage": stage,
                    # $3,200 to $500,000, in whole hundreds of dollars, as cents
                    "amount_cents": int(round(10 ** (3.5 + 2.2 * self.random()), -2)) * 100,
                    "close_date": self.today + dt.timedelta(days=offset),
                    "next_step": None if closed else self.pick(names.NEXT_STEPS),
                    "lost_reason": self.pick(names.LOST_REASONS) if stage == "closed lost" else None,
                    "owner_id": account["owner_id"],
                }
            )
            if stage == "closed won":  # a reason from the id, so that the draws stay as they were
                rows[-1]["won_reason"] = WON_REASONS[int(rows[-1]["id"][:8], 16) % len(WON_REASONS)]
        return rows

    def activities(
        self,
        account: dict[str, Any],
        contacts: Sequence[dict[str, Any]],
        opportunities: Sequence[dict[str, Any]],
    ) -> list[dict[str, Any]]:
        """About five done activities over the past 18 months, sometimes one due in the next two weeks."""
        rows = []
        done_count = self.between(3, 7)
        for number in range(done_count + (1 if self.chance(0.4) else 0)):
            kind = self.kinds.draw(self.random())
            contact = self.pick(contacts) if contacts and self.chance(0.75) else None
            subject = self.pick(names.ACTIVITY_SUBJECTS[kind])
            if contact is not None and kind in ("call", "visit", "meeting"):
                subject += f" with {contact['first_name']} {contact['last_name']}"
            done: dt.datetime | None
            note: str | None = None
            if number < done_count:
                when = done = self.business_time(-self.between(1, HISTORY_DAYS))
                outcome = self.pick(_OUTCOMES[kind])
                if self.chance(0.35):
                    note = self.pick(names.ACTIVITY_NOTES)
            else:
                when = self.business_time(self.between(0, 14))
                done = outcome = None
            low_high = _DURATION.get(kind)
            rows.append(
                {
                    "id": self.uid(),
                    "kind": kind,
                    "subject": subject,
                    "due_at": when,
                    "done_at": done,
                    "outcome": outcome,
                    "notes": note,
                    "duration_minutes": self.between(*low_high) if low_high else None,
                    "account_id": account["id"],
                    "contact_id": contact["id"] if contact else None,
                    "opportunity_id": (
                        self.pick(opportunities)["id"] if opportunities and self.chance(0.4) else None
                    ),
                    "owner_id": account["owner_id"],
                }
            )
        return rows


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
) -> DemoSummary:
    """Fill an empty database with demo data; ``progress(accounts_done, accounts)`` is called per round.

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
    gen = _Generator(seed, today or dt.date.today())
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

    for kind, number in demo_sequences.seed(session, gen.rng, gen.today, gen.uid).items():
        counts[kind] += number
    counts["orders"], counts["order_lines"] = demo_sales.seed_orders(session, seed=seed, today=gen.today)
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
    counts["activities"] += demo_day.seed(session, today=gen.today, seed=seed)
    counts["territory_rules"] = demo_territories.seed(session, gen.territory_ids, REGION_CODE, seed)
    return DemoSummary(**counts)
