"""Demo data for duplicates: a few accounts, contacts and leads entered twice, the way it happens in real
life (a legal form added, a typo, an address in capitals, a business card typed in again), so that Find
duplicates and the merge have something to show.  Deterministic: a seeded RNG and ids drawn from it."""

from __future__ import annotations

import random
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sfa_desktop.core.demo import data
from sfa_desktop.core.records import services
from sfa_desktop.core.records.models import Account, Contact, Lead

#: One record in this many gets a duplicate (at least two of each kind).
EVERY = 40


def _typo(rng: random.Random, text: str) -> str:
    """Drop one letter from the longest word (not its first)."""
    words = text.split(" ")
    longest = max(range(len(words)), key=lambda i: len(words[i]))
    word = words[longest]
    if len(word) < 5:
        return text
    at = rng.randrange(2, len(word) - 1)
    words[longest] = word[:at] + word[at + 1 :]
    return " ".join(words)


def _picks(rng: random.Random, rows: list[Any]) -> list[Any]:
    count = min(len(rows), max(2, len(rows) // EVERY)) if rows else 0
    return rng.sample(rows, count)


def seed_duplicates(session: Session, *, seed: int) -> dict[str, int]:
    """Add the duplicates through the services; returns how many of each kind."""
    rng = random.Random(f"sfa-demo-duplicates-{seed}")

    def uid() -> str:
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))

    accounts = list(session.execute(select(Account).order_by(Account.id)).scalars())
    # a prospect's company is not a customer: a second entry must not take a lead's company name
    taken = set(session.execute(select(Lead.company).where(Lead.status != "converted")).scalars())
    suffixes = data.load().duplicate_suffixes
    rows: list[dict[str, Any]] = []
    for account in _picks(rng, accounts):
        has_suffix = account.name.endswith(tuple(s.strip() for s in suffixes))
        name = _typo(rng, account.name) if has_suffix else account.name + rng.choice(suffixes)
        if name in taken:
            name = _typo(rng, account.name + rng.choice(suffixes))
        rows.append(
            {
                "id": uid(),
                "name": name,
                "industry": account.industry,
                "phone": account.phone if rng.random() < 0.5 else None,
                "website": account.website if rng.random() < 0.5 else None,
                "street": (account.street or "").upper() or None,
                "city": account.city,
                "region": account.region,
                "postcode": account.postcode,
                "country": account.country,
                "latitude": account.latitude,
                "longitude": account.longitude,
                "territory_id": account.territory_id,
                "owner_id": account.owner_id,
                "notes": "Entered again from a trade-show badge scan.",
            }
        )
    counts = {"accounts": len(services.create_many(session, "accounts", rows))}

    contacts = list(session.execute(select(Contact).order_by(Contact.id)).scalars())
    rows = []
    for contact in _picks(rng, contacts):
        same_email = bool(contact.email) and rng.random() < 0.6
        email = contact.email.upper() if same_email and contact.email else None  # the same, in capitals
        if contact.email and not same_email:  # a second address, typed with a slip
            local, _, domain = contact.email.partition("@")
            email = f"{local[:-1] or local}@{domain}"
        rows.append(
            {
                "id": uid(),
                "account_id": contact.account_id,
                "first_name": contact.first_name,
                "last_name": contact.last_name if same_email else _typo(rng, contact.last_name),
                "title": contact.title,
                "email": email,
                "mobile": contact.phone or contact.mobile,
                "street": contact.street,
                "city": contact.city,
                "region": contact.region,
                "postcode": contact.postcode,
                "country": contact.country,
                "owner_id": contact.owner_id,
            }
        )
    counts["contacts"] = len(services.create_many(session, "contacts", rows))

    leads = list(session.execute(select(Lead).order_by(Lead.id)).scalars())
    rows = []
    for lead in _picks(rng, leads):
        rows.append(
            {
                "id": uid(),
                "first_name": lead.first_name,
                "last_name": lead.last_name,
                "company": lead.company,
                "email": lead.email.upper() if lead.email else None,  # typed in capitals: the same address
                "phone": lead.phone,
                "website": lead.website,
                "street": lead.street,
                "city": lead.city,
                "region": lead.region,
                "postcode": lead.postcode,
                "country": lead.country,
                "source": "event",
                "status": "new",
                "territory_id": lead.territory_id,
                "owner_id": lead.owner_id,
            }
        )
    counts["leads"] = len(services.create_many(session, "leads", rows))
    return counts
