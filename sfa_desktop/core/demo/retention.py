"""Demo defections: in each territory a few customers lost and a few declining, spread over the six
defection types with one leading in each territory, with the reasons a rep would write, recorded by the
account's rep.

They are drawn from the sales history (``demo_sales`` runs first): the declining ones are the customers whose
orders fell most over the last 90 days against the 90 before (what the at-risk list flags), the lost ones
customers who stopped buying: their orders after the day they left are cancelled.  One lost customer per
territory was recorded as declining a few months before (the account's history).  Deterministic for a seed
and a ``today``.
"""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import text
from sqlalchemy.orm import Session

from sfa_desktop.core.records import services
from sfa_desktop.core.records.vocabularies import DEFECTION_TYPES

LOST_PER_TERRITORY = 2
DECLINING_PER_TERRITORY = 3
#: What reps write, per type.
REASONS: dict[str, tuple[str, ...]] = {
    "price": (
        "Moved to a cheaper supplier after our spring price rise",
        "Competitor offered 12% below our list on a two-year contract",
        "Buyer says our prices are no longer competitive for the volume",
    ),
    "product": (
        "Switched to a range with longer service intervals",
        "Needed the cordless line we do not carry",
        "Our consumables did not fit the new machines they bought",
    ),
    "service": (
        "Three late deliveries in a row; the complaint took weeks to answer",
        "Unhappy with the repair turnaround; went to a local dealer",
        "Invoices were wrong twice and nobody called back",
    ),
    "market": (
        "Their main customer closed the plant; they are cutting back",
        "Left the construction business for facilities management",
        "Work in the region dried up this year",
    ),
    "technological": (
        "Moving to automated cells that need different tooling",
        "Replaced our product with a digital inspection system",
    ),
    "organisational": (
        "Bought by a group that buys centrally from a national contract",
        "New purchasing manager brought in her own suppliers",
        "Head office moved purchasing to a framework agreement",
    ),
}


def _revenue_change(
    session: Session, territory_id: str, today: dt.date
) -> list[tuple[str, str | None, int, int]]:
    """(account, owner, revenue of the last 90 days, of the 90 before) for the territory's customers."""
    recent = (today - dt.timedelta(days=89)).isoformat()
    before = (today - dt.timedelta(days=179)).isoformat()
    rows = session.execute(
        text(
            "SELECT a.id, a.owner_id, "
            "sum(CASE WHEN o.order_date >= :recent THEN o.total_cents ELSE 0 END), "
            "sum(CASE WHEN o.order_date < :recent THEN o.total_cents ELSE 0 END) "
            "FROM accounts a JOIN orders o ON o.account_id = a.id "
            "WHERE a.territory_id = :t AND a.deleted_at IS NULL AND o.deleted_at IS NULL "
            "AND o.status NOT IN ('cancelled', 'returned') AND o.order_date >= :before "
            "GROUP BY a.id ORDER BY a.id"
        ),
        {"t": territory_id, "recent": recent, "before": before},
    ).all()
    return [(r[0], r[1], int(r[2] or 0), int(r[3] or 0)) for r in rows]


def seed(session: Session, territory_ids: list[str], *, seed: int, today: dt.date) -> int:
    """Write the demo defections; returns how many."""
    rng = random.Random(f"sfa-demo-defections-{seed}")
    kinds = list(DEFECTION_TYPES)
    turn = 0

    rows: list[dict[str, object]] = []

    def uid() -> str:
        bits = rng.getrandbits(128) & ~((0xF000 << 64) | (0xC000 << 48)) | (0x4000 << 64) | (0x8000 << 48)
        h = f"{bits:032x}"
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def record(account: str, owner: str | None, status: str, kind: str, day: dt.date) -> None:
        rows.append(
            {
                "id": uid(),
                "account_id": account,
                "owner_id": owner,
                "status": status,
                "defection_type": kind,
                "reason": rng.choice(REASONS[kind]),
                "defected_on": day,
                "recorded_by_id": owner,
            }
        )

    for territory in territory_ids:
        customers = [c for c in _revenue_change(session, territory, today) if c[3] > 0]
        # the steepest falls first (the at-risk list's "orders declining")
        customers.sort(key=lambda c: (c[2] / c[3], c[0]))
        picked = customers[: LOST_PER_TERRITORY + DECLINING_PER_TERRITORY]
        theme = kinds[(len(kinds) - 1 - territory_ids.index(territory) * 2) % len(kinds)]
        for n, (account, owner, _recent, _before) in enumerate(picked):
            # each territory has its own story: one type leads (a price war, poor service...)
            kind = theme if n in (1, 3) else kinds[turn % len(kinds)]
            turn += 1
            if n < LOST_PER_TERRITORY:
                left = today - dt.timedelta(days=rng.randint(20, 75))
                if n == 0:  # seen declining first, months before
                    earlier = left - dt.timedelta(days=rng.randint(60, 120))
                    record(account, owner, "declining", rng.choice(kinds), earlier)
                record(account, owner, "lost", kind, left)
                after = session.execute(
                    text(
                        "SELECT id FROM orders WHERE account_id = :a AND order_date > :d "
                        "AND deleted_at IS NULL AND status NOT IN ('cancelled', 'returned') ORDER BY id"
                    ),
                    {"a": account, "d": left.isoformat()},
                ).scalars()
                for order_id in list(after):
                    services.update(session, "orders", order_id, {"status": "cancelled"})
            else:
                record(account, owner, "declining", kind, today - dt.timedelta(days=rng.randint(3, 40)))
    services.create_many(session, "defections", rows)
    return len(rows)
