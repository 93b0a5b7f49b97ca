"""Demo customer requests and complaints (issue 15): about one account in six, across the territories,
raised by the account's rep over the last six weeks, worked by the region's manager: most of the older
ones resolved (some late), a few open ones past their service level, with comment threads."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sfa_desktop.core.records import services
from sfa_desktop.core.records.models import Account, User, utcnow

#: (category, weight, subjects, descriptions)
_TOPICS: tuple[tuple[str, int, tuple[str, ...], tuple[str, ...]], ...] = (
    (
        "delivery",
        30,
        (
            "Order {order} arrived two days late",
            "Two pallets damaged on delivery of {order}",
            "Short shipment: {n} cartons missing from {order}",
            "Delivery window missed again this week",
        ),
        (
            "Receiving signed under protest; photos of the crushed cartons were taken at the dock.",
            "The buyer says this is the second late delivery this quarter and production had to wait.",
        ),
    ),
    (
        "billing",
        22,
        (
            "Invoice for {order} charged twice",
            "Volume discount missing on the last invoice",
            "Credit note for returned goods not received",
            "Payment terms on the invoice are 30 days, contract says 45",
        ),
        (
            "Accounts payable is holding all open invoices until this is corrected.",
            "The controller asked for a corrected invoice before the month-end close.",
        ),
    ),
    (
        "quality",
        18,
        (
            "Labels peel off after a week in the cold room",
            "Batch {batch} out of tolerance",
            "Seals leaking on {n} units",
            "Colour differs from the approved sample",
        ),
        (
            "Their quality lead quarantined the batch and wants a root-cause report.",
            "Samples kept for inspection; the customer asks whether other batches are affected.",
        ),
    ),
    (
        "service",
        14,
        (
            "Technician visit not confirmed",
            "Nobody answered the support line on Friday",
            "Installation manual missing for the new line",
            "Request for on-site training of the night shift",
        ),
        ("The plant manager would like a call back before the end of the week.",),
    ),
    (
        "price",
        10,
        (
            "Asks for a price match with a competitor quote",
            "Price increase announced at short notice",
            "Wants the framework price extended to the new sites",
        ),
        ("Purchasing has a competing offer about 6% lower and is reviewing suppliers next month.",),
    ),
    (
        "other",
        6,
        ("Change of delivery address for all future orders", "Asks for certificates of origin"),
        ("Details in the customer's email to the rep.",),
    ),
)
_SEVERITIES = (("low", 20), ("normal", 50), ("high", 22), ("critical", 8))
_REP_COMMENTS = (
    "Customer called again this morning; they are waiting for an answer.",
    "Photos and the delivery note are with purchasing; I can forward them.",
    "Spoke with the buyer on site: they are calm but want a date.",
    "The customer confirmed the count.",
)
_OFFICE_COMMENTS = (
    "Logistics is checking with the carrier; I will update you tomorrow.",
    "Credit note approved; finance issues it this week.",
    "Quality has the batch numbers and will send the report to the customer.",
    "Please confirm the quantities with the customer before we ship replacements.",
    "Priced at the framework rate; the corrected invoice goes out today.",
)


def _pick(rng: random.Random, weighted: tuple[tuple[Any, int], ...]) -> Any:
    return rng.choices([v for v, _ in weighted], weights=[w for _, w in weighted])[0]


def seed(session: Session, *, today: dt.date, seed: int = 0, tz: dt.tzinfo | None = None) -> dict[str, int]:
    """Write the demo requests and their comments; returns how many of each."""
    rng = random.Random(f"requests-{seed}")

    def uid() -> str:
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))

    zone = tz or dt.UTC
    now = min(dt.datetime.combine(today, dt.time(16, 0), zone).astimezone(dt.UTC), utcnow())
    manager = session.execute(select(User.id).where(User.role == "manager").order_by(User.login)).scalar()
    accounts = list(
        session.execute(
            select(Account.id, Account.owner_id).where(Account.deleted_at.is_(None)).order_by(Account.id)
        )
    )
    if not accounts or manager is None:
        return {"service_requests": 0, "request_comments": 0}
    chosen = rng.sample(accounts, max(min(len(accounts), 12), len(accounts) // 6))
    requests: list[dict[str, Any]] = []
    comments: list[dict[str, Any]] = []
    for account_id, owner_id in chosen:
        rep = owner_id or manager
        category, _w, subjects, descriptions = _pick(rng, tuple((t, t[1]) for t in _TOPICS))
        age = rng.uniform(1.0, 42 * 24.0)  # hours since raised
        raised = now - dt.timedelta(hours=age)
        local = raised.astimezone(zone)  # raised in working hours, on a weekday
        local = local.replace(hour=rng.randint(8, 16)) - dt.timedelta(days=max(0, local.weekday() - 4))
        raised = min(local.astimezone(dt.UTC), now - dt.timedelta(minutes=30))
        age = (now - raised).total_seconds() / 3600
        subject = rng.choice(subjects).format(
            order=f"SO-{rng.randint(40000, 49999)}", n=rng.randint(2, 12), batch=f"L{rng.randint(1000, 9999)}"
        )
        request: dict[str, Any] = {
            "id": uid(),
            "account_id": account_id,
            "category": category,
            "severity": _pick(rng, _SEVERITIES),
            "subject": subject,
            "description": rng.choice(descriptions),
            "raised_by_id": rep,
            "owner_id": rep,
            "created_at": raised,
            "status": "new",
        }
        answered = age > 3 and rng.random() < (0.95 if age > 72 else 0.6)
        if answered:
            answer_after = min(
                age - 0.5, rng.choice((rng.uniform(0.5, 7.5), rng.uniform(0.5, 7.5), rng.uniform(9, 30)))
            )
            request["first_answered_at"] = raised + dt.timedelta(hours=answer_after)
            request["assigned_to_id"] = rng.choice((manager, manager, rep))
            request["status"] = rng.choice(("in progress", "in progress", "waiting on customer"))
            if age > 30 and rng.random() < (0.85 if age > 96 else 0.4):
                resolve_after = min(
                    age - 0.2, rng.choice((rng.uniform(10, 70), rng.uniform(10, 70), rng.uniform(80, 200)))
                )
                request["resolved_at"] = raised + dt.timedelta(hours=resolve_after)
                request["status"] = "closed" if age > 24 * 21 and rng.random() < 0.5 else "resolved"
                request["resolution"] = rng.choice(
                    (
                        "Credit note issued and confirmed with the customer.",
                        "Replacement shipped; the customer confirmed receipt.",
                        "Corrected invoice sent; payment released.",
                        "Explained the terms; the customer accepted.",
                    )
                )
        requests.append(request)
        last = raised
        for number in range(rng.choice((0, 1, 2, 2, 3))):
            office = number % 2 == 0 and answered
            author = manager if office else rep
            last = min(now, last + dt.timedelta(hours=rng.uniform(0.5, 30)))
            comments.append(
                {
                    "id": uid(),
                    "request_id": request["id"],
                    "account_id": account_id,
                    "author_id": author,
                    "body": rng.choice(_OFFICE_COMMENTS if office else _REP_COMMENTS),
                    "owner_id": rep,
                    "created_at": last,
                }
            )
    services.create_many(session, "service_requests", requests)
    services.create_many(session, "request_comments", comments)
    return {"service_requests": len(requests), "request_comments": len(comments)}
