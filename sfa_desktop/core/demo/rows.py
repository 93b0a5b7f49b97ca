"""The demo's rows: the region, its territories and staff, the product catalogue, and per account its
contacts, leads, opportunities and history of activities, drawn by :class:`Generator` in a fixed order.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any

from sfa_desktop.core.demo.draws import Draws, Place, Weighted
from sfa_desktop.core.records.fields import LEAD_SOURCES
from sfa_desktop.core.records.pipeline import WON_REASONS

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
_DURATION = {"call": (5, 30), "visit": (30, 120), "meeting": (30, 90)}


class Generator(Draws):
    """The rows of the demo, drawn in a fixed order (see :class:`Draws`)."""

    def __init__(self, seed: int, today: dt.date, tz: dt.tzinfo = dt.UTC) -> None:
        super().__init__(seed, today, tz)
        self.territory_ids: dict[str, str] = {}
        self.rep_of: dict[str, str] = {}
        self.stages = Weighted(_STAGE_WEIGHTS)
        self.statuses = Weighted(_LEAD_STATUS_WEIGHTS)
        self.kinds = Weighted(_ACTIVITY_WEIGHTS)
        self.families = tuple(family.name for family in self.data.families)
        #: Leads drawn as converted: written by demo_leads with what they were converted to.
        self.converted_leads: list[dict[str, Any]] = []

    # -- reference data ---------------------------------------------------------------------------------
    def territories(self) -> list[dict[str, Any]]:
        region_id = self.uid()
        self.territory_ids[REGION_CODE] = region_id
        rows = [
            {
                "id": region_id,
                "code": REGION_CODE,
                "name": "East Region",
                "description": "US East Coast sales region: " + ", ".join(self.data.territories),
            }
        ]
        for code, (name, states) in self.data.territories.items():
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
        for entry in self.data.families:
            family, (low, high) = entry.name, entry.price_range
            for number, name in enumerate((product.name for product in entry.products), start=1):
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
    def account(self, name: str, industry: str, domain: str) -> tuple[dict[str, Any], Place]:
        place = self.place()
        city = place.city
        row = {
            "id": self.uid(),
            "name": name,
            "industry": industry,
            "employee_count": self.employees(),
            "website": f"www.{domain}",
            "phone": self.phone(city),
            "email": f"{self.pick(self.data.mailboxes)}@{domain}" if self.chance(0.5) else None,
            **self.address(city),
            "territory_id": self.territory_ids[place.territory],
            "owner_id": self.rep_of[place.territory],
            "latitude": round(city.latitude + (self.random() - 0.5) * 0.12, 5),
            "longitude": round(city.longitude + (self.random() - 0.5) * 0.15, 5),
        }
        return row, place

    def contacts(self, account: dict[str, Any], domain: str, place: Place) -> list[dict[str, Any]]:
        rows = []
        for _ in range(self.between(1, 4)):
            first, last = self.person()
            rows.append(
                {
                    "id": self.uid(),
                    "account_id": account["id"],
                    "first_name": first,
                    "last_name": last,
                    "title": self.pick(self.data.job_titles),
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
                    "title": self.pick(self.data.job_titles),
                    "email": self.email(first, last, domain),
                    "phone": self.phone(place.city) if self.chance(0.7) else None,
                    "website": f"www.{domain}",
                    "industry": industry,
                    "employee_count": self.employees(),
                    **self.address(place.city),
                    "source": self.pick(LEAD_SOURCES),
                    "status": status,
                    "status_reason": (
                        self.pick(self.data.disqualify_reasons) if status == "disqualified" else None
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
                    f"{self.pick(self.data.opportunity_themes)}",
                    "account_id": account["id"],
                    "contact_id": self.pick(contacts)["id"] if contacts and self.chance(0.7) else None,
                    "stage": stage,
                    # $3,200 to $500,000, in whole hundreds of dollars, as cents
                    "amount_cents": int(round(10 ** (3.5 + 2.2 * self.random()), -2)) * 100,
                    "close_date": self.today + dt.timedelta(days=offset),
                    "next_step": None if closed else self.pick(self.data.next_steps),
                    "lost_reason": self.pick(self.data.lost_reasons) if stage == "closed lost" else None,
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
            subject = self.pick(self.data.activity_subjects[kind])
            if contact is not None and kind in ("call", "visit", "meeting"):
                subject += f" with {contact['first_name']} {contact['last_name']}"
            done: dt.datetime | None
            note: str | None = None
            if number < done_count:
                when = done = self.business_time(-self.between(1, HISTORY_DAYS))
                outcome = self.pick(_OUTCOMES[kind])
                if self.chance(0.35):
                    note = self.pick(self.data.activity_notes)
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
