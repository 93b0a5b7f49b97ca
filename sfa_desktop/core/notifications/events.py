"""What a source tells a user: one :class:`NotificationEvent` (the contract every source keeps, see
WAVE_CONTEXT contract 1) and the shape of a source."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

#: The kinds of notification, as the centre filters them.
KINDS = ("announcement", "request", "mention", "conflict", "territory", "sync")
KIND_LABELS = {
    "announcement": "Announcements",
    "request": "Requests",
    "mention": "Mentions",
    "conflict": "Conflicts",
    "territory": "Territory changes",
    "sync": "Sync",
}


@dataclass(frozen=True)
class NotificationEvent:
    #: Deterministic: the same on every laptop for the same event ("mention:<comment id>").
    key: str
    #: One of :data:`KINDS`.
    kind: str
    title: str
    body: str
    #: The record it opens (None: nothing to open).
    table: str | None
    record_id: str | None
    #: When it happened (UTC).
    at: dt.datetime
    #: Shown by the tray as well (once).
    urgent: bool


#: A source: what ``user_id`` should be told since ``since`` (None: everything still relevant).
Source = Callable[[Session, str, "dt.datetime | None"], list[NotificationEvent]]
