"""The answers a laptop gets from the central store (see ``sync.link.Link``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class PushResult:
    #: the last change number the central store has applied for this laptop (the outbox may drop them)
    confirmed: int
    applied: int
    conflicts: int


@dataclass(frozen=True)
class Head:
    #: the highest sequence number committed
    seq: int
    #: tombstones at or below this sequence number were purged
    purged_through: int
    #: the cut-off time of the last purge (laptops drop their own older tombstones)
    purged_before: str | None


@dataclass(frozen=True)
class Page:
    rows: list[tuple[Any, ...]]
    #: the pull continues after this sequence number
    page_hi: int
    departures: list[dict[str, Any]]
