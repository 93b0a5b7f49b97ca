"""A rep's planned day with everything a call sheet shows, written through the services: a territory, a
manager and two reps (one with a home base in Boston), products, knowledge-base articles with talking
points, a sequence template whose steps link articles, accounts at known coordinates (one without), contacts,
opportunities, a history of activities, orders with lines, an enrollment, and the day's planned calls,
visits and meetings, plus activities that must stay off the sheet (done, a task, deleted, another day,
another rep)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from sfa_desktop.core.kb.articles import article_id
from sfa_desktop.core.records import services
from sfa_desktop.store.database import LocalStore

HOME = (42.3541, -71.0595)  # Boston
#: name -> (latitude, longitude, city): going west from Boston, Worcester furthest; Nowhere Inc. has none
PLACES = {
    "Acme Tools": (42.3370, -71.2092, "Newton"),  # ~12.6 km from home
    "Globex Freight": (42.2626, -71.8023, "Worcester"),  # ~62 km
    "Initech Logistics": (42.3765, -71.2356, "Waltham"),  # ~14.7 km; ~3.5 km from Acme
    "Nowhere Inc.": (None, None, "Springfield"),
}
SCRIPT = """Open with the pilot results at their depot.

- Ask how many **vehicles** run each day
- Confirm who signs the order
- Offer the [90-day pilot](playbook-pilot.md)

Close by booking the demo."""


@dataclass
class World:
    day: dt.date
    rep: str
    other_rep: str
    manager: str
    accounts: dict[str, str] = field(default_factory=dict)
    contacts: dict[str, str] = field(default_factory=dict)
    planned: dict[str, str] = field(default_factory=dict)  # label -> activity id
    excluded: dict[str, str] = field(default_factory=dict)
    articles: list[str] = field(default_factory=list)
    template: str = ""


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), dt.UTC)


def seed_world(store: LocalStore, day: dt.date, *, orders: bool = True) -> World:
    with store.transaction() as s:
        territory = services.create(s, "territories", {"code": "NE", "name": "New England"}).id
        manager = services.create(
            s, "users", {"login": "cwalsh", "full_name": "Catherine Walsh", "role": "manager"}
        ).id
        rep = services.create(
            s,
            "users",
            {
                "login": "dokafor",
                "full_name": "Daniel Okafor",
                "role": "rep",
                "manager_id": manager,
                "home_base": "Boston office",
                "home_latitude": HOME[0],
                "home_longitude": HOME[1],
            },
        ).id
        other = services.create(
            s,
            "users",
            {"login": "smartinez", "full_name": "Sofía Martínez", "role": "rep", "manager_id": manager},
        ).id
        world = World(day, rep, other, manager)
        products = [
            services.create(
                s, "products", {"sku": sku, "name": name, "unit_price_cents": price, "family": "Telematics"}
            ).id
            for sku, name, price in (
                ("TEL-110", "Fleet tracker GT-200", 19900),
                ("TEL-120", "Fleet tracker GT-400 (4G)", 37000),
                ("SUP-110", "Standard support (year)", 15000),
            )
        ]
        world.articles = services.create_many(
            s,
            "kb_articles",
            [
                {
                    "id": article_id("objection-too-expensive"),
                    "title": "Objection: too expensive",
                    "body": "Do not discount first.\n\n## Talking points\n- Saves one hour of idling a week\n"
                    "- Cuts fuel by 8-12%\n- Costs $1.20 a vehicle a day\n- A fourth point not shown\n",
                    "category": "Objection handling",
                },
                {
                    "id": article_id("playbook-pilot"),
                    "title": "Playbook: the 90-day pilot",
                    "body": "Pilots close when success is defined first. Agree three goals.",
                    "category": "Sales playbook",
                },
            ],
        )
        steps = [
            {
                "key": "intro",
                "kind": "call",
                "title": "Introduction call",
                "wait_days": 0,
                "business_days": True,
                "instructions": "Introduce yourself.",
                "article_ids": [],
                "outcomes": {"no answer": {"repeat_after_days": 2, "max_attempts": 3}},
            },
            {
                "key": "discovery",
                "kind": "visit",
                "title": "Discovery visit",
                "wait_days": 3,
                "business_days": True,
                "instructions": SCRIPT,
                "article_ids": world.articles,
                "outcomes": {"interested": {"goto": "demo"}, "not interested": {"exit": "lost"}},
            },
            {"key": "demo", "kind": "meeting", "title": "Demo", "wait_days": 5, "business_days": True},
        ]
        world.template = services.create(
            s,
            "sequence_templates",
            {"name": "Fleet onboarding", "target": "contact", "steps": json.dumps(steps)},
        ).id
        for name, (lat, lon, city) in PLACES.items():
            values: dict[str, Any] = {
                "name": name,
                "street": "1 Main Street",
                "city": city,
                "region": "MA",
                "postcode": "02100",
                "country": "US",
                "phone": "+1 617 555 0100",
                "industry": "Logistics",
                "territory_id": territory,
                "owner_id": rep,
            }
            if lat is not None:
                values.update(latitude=lat, longitude=lon)
            account = world.accounts[name] = services.create(s, "accounts", values).id
            world.contacts[name] = services.create(
                s,
                "contacts",
                {
                    "first_name": "Jane",
                    "last_name": name.split()[0] + "son",
                    "title": "Fleet Manager",
                    "phone": "+1 617 555 0199",
                    "mobile": "+1 617 555 0142",
                    "email": f"jane@{name.split()[0].lower()}.example.com",
                    "account_id": account,
                },
            ).id
            for number, (stage, amount) in enumerate((("proposal", 1_250_000), ("closed won", 90_000))):
                services.create(
                    s,
                    "opportunities",
                    {
                        "name": f"{name}: {'Fleet rollout' if number == 0 else 'Old deal'}",
                        "account_id": account,
                        "stage": stage,
                        "amount_cents": amount,
                        "close_date": day + dt.timedelta(days=40),
                        "next_step": "Send revised proposal" if number == 0 else None,
                    },
                )
            for back in range(1, 6):  # five past activities: the sheet shows the last three
                services.create(
                    s,
                    "activities",
                    {
                        "kind": "call",
                        "subject": f"{name} history call {back}",
                        "due_at": _at(day - dt.timedelta(days=10 * back), 15),
                        "done_at": _at(day - dt.timedelta(days=10 * back), 15),
                        "outcome": "interested",
                        "notes": f"Note {back} about {name}" if back == 1 else None,
                        "account_id": account,
                        "owner_id": rep,
                    },
                )
            if orders:
                for number, (days_ago, status) in enumerate(
                    ((200, "invoiced"), (30, "invoiced"), (5, "cancelled"))
                ):
                    order = services.create(
                        s,
                        "orders",
                        {
                            "account_id": account,
                            "number": f"SO-{name[:3].upper()}-{number}",
                            "order_date": day - dt.timedelta(days=days_ago),
                            "status": status,
                            "total_cents": 10_000 * (number + 1),
                        },
                    ).id
                    for product, quantity in zip(products, (3 + number, 1, 2 + number), strict=True):
                        services.create(
                            s,
                            "order_lines",
                            {
                                "order_id": order,
                                "account_id": account,
                                "product_id": product,
                                "quantity": quantity,
                                "line_total_cents": quantity * 1000 * (1 + products.index(product)),
                            },
                        )
        enrollment = services.create(
            s,
            "sequence_enrollments",
            {
                "template_id": world.template,
                "contact_id": world.contacts["Acme Tools"],
                "account_id": world.accounts["Acme Tools"],
                "status": "active",
                "step_key": "discovery",
                "step_no": 2,
                "attempt": 1,
            },
        ).id

        def plan(label: str, kind: str, name: str, hour: int, **extra: Any) -> str:
            values = {
                "kind": kind,
                "subject": f"{label} at {name}",
                "due_at": _at(day, hour),
                "account_id": world.accounts[name],
                "contact_id": world.contacts[name],
                "owner_id": rep,
                **extra,
            }
            return services.create(s, "activities", values).id

        # times out of route order on purpose: the route is by distance, not by the clock
        world.planned["acme visit"] = plan(
            "Discovery visit",
            "visit",
            "Acme Tools",
            13,
            enrollment_id=enrollment,
            step_key="discovery",
            notes="Bring the demo unit.",
            duration_minutes=60,
        )
        world.planned["globex visit"] = plan("Quarterly review", "visit", "Globex Freight", 14)
        world.planned["initech meeting"] = plan("Contract review", "meeting", "Initech Logistics", 16)
        world.planned["nowhere visit"] = plan("Site visit", "visit", "Nowhere Inc.", 17)
        world.planned["globex call"] = plan("Follow-up call", "call", "Globex Freight", 19)
        world.planned["acme call"] = plan("Pricing call", "call", "Acme Tools", 20)
        world.excluded["done"] = plan("Done visit", "visit", "Acme Tools", 15, done_at=_at(day, 15))
        world.excluded["task"] = plan("A task", "task", "Acme Tools", 15)
        world.excluded["tomorrow"] = plan(
            "Tomorrow's visit", "visit", "Acme Tools", 15, due_at=_at(day + dt.timedelta(days=1), 15)
        )
        world.excluded["other rep"] = plan("Her visit", "visit", "Acme Tools", 15, owner_id=other)
        deleted = plan("Deleted visit", "visit", "Acme Tools", 15)
        services.delete(s, "activities", deleted)
        world.excluded["deleted"] = deleted
    return world
