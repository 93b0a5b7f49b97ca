"""A record's story: its timeline (activities, opportunities, orders and field changes, newest first) and
logging an activity to it (the Timeline tab and Log activity…; ``sfa timeline`` and ``sfa log``)."""

from __future__ import annotations

from typing import Any

from sfa_desktop.core.records import activity_log
from sfa_desktop.core.timeline import feed as timeline
from sfa_desktop.core.timeline.feed import Filter, TimelineItem
from sfa_desktop.store import capture
from sfa_desktop.store.database import LocalStore
from sfa_desktop.sync import state


def load_timeline(
    store: LocalStore, kind: str, record_id: str, only: Filter | None = None
) -> list[TimelineItem]:
    """The record's whole timeline (of the kinds in ``only`` when given)."""
    with store.engine.connect() as conn:
        return timeline.build(conn, kind, record_id, unsent=capture.Unsent(conn), only=only)


def log_activity(
    store: LocalStore, kind: str, record_kind: str, record_id: str, values: dict[str, Any]
) -> activity_log.Logged:
    """Log the activity (and its follow-up) in one transaction, as this laptop's user."""
    with store.transaction() as session:
        owner = state.load(session.connection()).user_id
        return activity_log.log_activity(session, kind, record_kind, record_id, owner_id=owner, **values)


def record_name(store: LocalStore, kind: str, record_id: str) -> str:
    """The name of the record an activity is logged on (``NotFound`` for a missing or deleted one)."""
    with store.reading() as session:
        return activity_log.record_name(session, kind, record_id)
