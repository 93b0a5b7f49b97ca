"""Demo visit checklists (``resources/demo/checklists.json``): one per segment A, B, C (A the longest: shelf
check, facings, competitor presence, order taken, photo of the display) and the company's default."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from sfa_desktop.core.demo import data
from sfa_desktop.core.records.models import ChecklistTemplate
from sfa_desktop.core.visits import templates


def template_id(name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"sfa-desktop:demo-checklist:{name}"))


def seed(session: Session) -> int:
    """Add the demo checklists (checked as any template is); returns how many."""
    raw = data.load().checklists
    for entry in raw:
        items = templates.parse_items(entry["items"])
        session.add(
            ChecklistTemplate(
                id=template_id(entry["name"]),
                name=entry["name"],
                segment=templates.check_segment(entry.get("segment")),
                items=templates.items_json(items),
                active=True,
            )
        )
    session.flush()
    return len(raw)
