"""Demo assignment rules for the demo territories, and a few accounts deliberately outside them, so that
Run assignment shows real moves: accounts entered by hand in the wrong territory, and two overlapping
rules that the preview explains (Albany is covered from New England by priority; Northern Virginia goes
with the Mid-Atlantic because its rule is more specific).  The rules are in
``resources/demo/territory_rules.json``.  Written through the services, deterministic."""

from __future__ import annotations

import random
import uuid

from sqlalchemy import text
from sqlalchemy.orm import Session

from sfa_desktop.core.demo import data
from sfa_desktop.core.records import services

#: Share of accounts put in a wrong territory by hand (at least MIN_MISPLACED).
MISPLACED_SHARE = 0.02
MIN_MISPLACED = 3


def seed(session: Session, territory_ids: dict[str, str], region: str, seed: int) -> int:
    """Write the rules and put a few accounts in a wrong territory (one of the region's other
    territories).  Returns the number of rules."""
    rng = random.Random(f"territories-{seed}")
    rows = [
        {
            "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "territory_id": territory_ids[rule.territory],
            "name": rule.name,
            "priority": rule.priority,
            "applies_to": "both",
            "active": True,
            **rule.conditions,
        }
        for rule in data.load().territory_rules
    ]
    services.create_many(session, "territory_rules", rows)
    accounts = session.execute(
        text(
            "SELECT id, territory_id FROM accounts WHERE deleted_at IS NULL "
            "AND city NOT IN ('Albany', 'Arlington') ORDER BY id"
        )
    ).all()
    leaves = [territory_id for code, territory_id in sorted(territory_ids.items()) if code != region]
    count = min(len(accounts), max(MIN_MISPLACED, round(len(accounts) * MISPLACED_SHARE)))
    for account_id, territory_id in rng.sample(accounts, count):
        wrong = rng.choice([t for t in leaves if t != territory_id])
        services.update(session, "accounts", account_id, {"territory_id": wrong})
    return len(rows)
