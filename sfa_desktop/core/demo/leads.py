"""Demo data for lead management: a history of work with each lead, and the converted leads.

Called once by :func:`core.demo.seed` after the account rounds.  Each lead gets the calls, emails and
meetings its status suggests (a new lead one email at most, a qualified one a booked meeting...), so that
scores and their reasons differ from lead to lead.  The leads drawn as converted became what a conversion
makes of them when they turn out to work for a customer (see :mod:`core.conversion`): a new contact at
that account, for more than half of them an opportunity, their activities linked to the account and
contact, and the lead itself converted with the links.  A few more leads are new people at existing
customers, not converted yet: the conversion dialog offers their account instead of a duplicate.

Draws come from a random generator of its own, seeded from the demo's, so the rest of the demo stays as it
was.  Everything is written with ``services.create_many``, so large demos stay fast.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from sfa_desktop.core.records.conversion import contact_values

if TYPE_CHECKING:
    from sfa_desktop.core.demo.rows import Generator

Write = Callable[[str, list[dict[str, Any]]], None]

#: Per status: (how many activities, over how many days back, the outcomes drawn from).
_HISTORY: dict[str, tuple[tuple[int, int], int, tuple[str, ...]]] = {
    "new": ((0, 1), 12, ("completed",)),
    "working": ((1, 4), 45, ("no answer", "left message", "completed", "interested", "follow-up needed")),
    "qualified": ((2, 5), 75, ("interested", "meeting booked", "completed", "follow-up needed")),
    "disqualified": ((1, 3), 200, ("no answer", "not interested", "left message", "completed")),
    "converted": ((2, 5), 120, ("interested", "meeting booked", "order placed", "completed")),
}
_KINDS = ("call", "call", "call", "email", "email", "meeting", "visit")
_OPEN_STAGES = ("prospecting", "qualification", "qualification", "needs analysis", "proposal", "negotiation")


def seed(session: Session, gen: Generator, write: Write) -> None:
    rng = random.Random(gen.rng.getrandbits(64))
    customers = [
        dict(row)
        for row in session.execute(
            text(
                "SELECT id, name, website, industry, employee_count, street, city, region, postcode, "
                "country, territory_id, owner_id FROM accounts WHERE deleted_at IS NULL ORDER BY id"
            )
        ).mappings()
    ]
    converted = _convert(rng, gen, customers, write) if customers else {}
    write("leads", _known_companies(rng, gen, customers))
    rows = session.execute(
        text("SELECT id, status, owner_id FROM leads WHERE deleted_at IS NULL ORDER BY id")
    ).all()
    activities: list[dict[str, Any]] = []
    for lead_id, status, owner_id in rows:
        links = converted.get(lead_id, {})
        activities += _history(rng, gen, lead_id, status, owner_id, links)
    write("activities", activities)


def _at(lead: dict[str, Any], account: dict[str, Any], gen: Generator) -> None:
    """Make the lead someone who works at the account: its company, web domain, address, territory."""
    domain = str(account["website"] or "").split("://")[-1].removeprefix("www.")
    lead["company"] = account["name"]
    lead["website"] = account["website"]
    lead["email"] = gen.email(lead["first_name"], lead["last_name"], domain) if domain else None
    for key in ("industry", "employee_count", "street", "city", "region", "postcode", "country"):
        lead[key] = account[key]
    lead["territory_id"] = account["territory_id"]
    lead["owner_id"] = account["owner_id"]
    city = next(
        (c for c in gen.data.cities if (c.name, c.state) == (account["city"], account["region"])), None
    )
    lead["phone"] = gen.phone(city) if city is not None and lead.get("phone", True) else None


def _convert(
    rng: random.Random, gen: Generator, customers: list[dict[str, Any]], write: Write
) -> dict[str, dict[str, Any]]:
    """The converted leads: each became a new contact at an existing customer (the account the conversion
    attached it to), some with an opportunity; written as a conversion leaves them.  Returns lead id ->
    the account and contact its activities now belong to."""
    contacts: list[dict[str, Any]] = []
    opportunities: list[dict[str, Any]] = []
    links: dict[str, dict[str, Any]] = {}
    for lead in gen.converted_leads:
        account = rng.choice(customers)
        _at(lead, account, gen)
        contact = {"id": new_id_from(rng), **contact_values(lead, account["id"])}
        contacts.append(contact)
        lead["converted_account_id"] = account["id"]
        lead["converted_contact_id"] = contact["id"]
        converted_days_ago = rng.randint(3, 120)
        lead["converted_at"] = gen.business_time(-converted_days_ago)
        # worked for a few days to a few months before it converted, never after
        lead["created_at"] = gen.business_time(-converted_days_ago - rng.randint(4, 75))
        if rng.random() < 0.6:
            opportunity = {
                "id": new_id_from(rng),
                "name": f"{account['name']}: {rng.choice(gen.data.first_deals)}",
                "account_id": account["id"],
                "contact_id": contact["id"],
                "stage": rng.choice(_OPEN_STAGES),
                # $3,900 to $158,000, in whole hundreds of dollars, as cents
                "amount_cents": int(round(10 ** (3.6 + 1.6 * rng.random()), -2)) * 100,
                "close_date": gen.today + dt.timedelta(days=rng.randint(10, 150)),
                "next_step": rng.choice(gen.data.next_steps),
                "owner_id": account["owner_id"],
            }
            opportunities.append(opportunity)
            lead["converted_opportunity_id"] = opportunity["id"]
        links[lead["id"]] = {"account_id": account["id"], "contact_id": contact["id"]}
    write("contacts", contacts)
    write("opportunities", opportunities)
    write("leads", gen.converted_leads)
    return links


def _known_companies(
    rng: random.Random, gen: Generator, customers: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """A few new people at existing customers (met at a trade show): leads that a conversion should attach
    to the account they work for rather than duplicate it."""
    rows = []
    for account in rng.sample(customers, k=min(len(customers) // 40, 400)):
        lead = {
            "id": new_id_from(rng),
            "first_name": rng.choice(gen.data.first_names),
            "last_name": rng.choice(gen.data.last_names),
            "title": rng.choice(gen.data.job_titles),
            "source": "trade show",
            "status": "working",
        }
        _at(lead, account, gen)
        rows.append(lead)
    return rows


def new_id_from(rng: random.Random) -> str:
    """A version-4 UUID drawn from the demo's generator: the same seed gives the same ids."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _history(
    rng: random.Random,
    gen: Generator,
    lead_id: str,
    status: str,
    owner_id: str | None,
    links: dict[str, Any],
) -> list[dict[str, Any]]:
    (low, high), span, outcomes = _HISTORY[status]
    count = rng.randint(low, high)
    if status == "new" and rng.random() < 0.5:
        count = 0
    rows = []
    for _ in range(count):
        kind = rng.choice(_KINDS) if status != "new" else "email"
        done = gen.business_time(-rng.randint(1, span))
        outcome = rng.choice(outcomes) if kind != "email" else rng.choice(("completed", "interested"))
        rows.append(
            {
                "id": new_id_from(rng),
                "kind": kind,
                "subject": rng.choice(gen.data.activity_subjects[kind]),
                "due_at": done,
                "done_at": done,
                "outcome": outcome,
                "notes": rng.choice(gen.data.activity_notes) if rng.random() < 0.3 else None,
                "duration_minutes": rng.randint(5, 45) if kind == "call" else None,
                "lead_id": lead_id,
                "owner_id": owner_id,
                **links,
            }
        )
    return rows
