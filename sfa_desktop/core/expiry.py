"""Offline expiry: how long a laptop may go without reaching the central store.

The company sets two limits (days since the last successful sync): past the first the synced data locks
until the next successful sync; past the second it is wiped.  The rep is warned :data:`WARN_DAYS` ahead.
Pure rules: :mod:`sfa_desktop.sync.expiry` reads the laptop's state and applies them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

DEFAULT_LOCK_DAYS = 30
DEFAULT_WIPE_DAYS = 60
#: The rep is warned this many days before the data locks.
WARN_DAYS = 7


def _plural(n: int) -> str:
    return f"{n} day" if n == 1 else f"{n} days"


@dataclass(frozen=True)
class Expiry:
    """Where a laptop stands against the company's limits.  ``last_contact`` None: no clock runs (never
    connected, or never synced yet)."""

    last_contact: datetime | None
    now: datetime
    lock_after: int = DEFAULT_LOCK_DAYS
    wipe_after: int = DEFAULT_WIPE_DAYS

    @property
    def applies(self) -> bool:
        return self.last_contact is not None

    @property
    def elapsed(self) -> timedelta:
        return self.now - self.last_contact if self.last_contact is not None else timedelta(0)

    @property
    def days_since(self) -> int:
        """Whole days since the last contact."""
        return max(0, self.elapsed.days)

    @property
    def locked(self) -> bool:
        return self.applies and self.elapsed >= timedelta(days=self.lock_after)

    @property
    def wipe_due(self) -> bool:
        return self.applies and self.elapsed >= timedelta(days=self.wipe_after)

    def _days_until(self, limit: int) -> int | None:
        if not self.applies:
            return None
        left = timedelta(days=limit) - self.elapsed
        return max(0, math.ceil(left.total_seconds() / 86400))

    @property
    def days_to_lock(self) -> int | None:
        """Days (started) left before the data locks; 0 once locked; None when no clock runs."""
        return self._days_until(self.lock_after)

    @property
    def days_to_wipe(self) -> int | None:
        return self._days_until(self.wipe_after)

    @property
    def warning(self) -> str | None:
        """Said days ahead of the lock (the status bar, the Today page); None when not yet or locked."""
        left = self.days_to_lock
        if left is None or self.locked or left > WARN_DAYS:
            return None
        return (
            f"Sync within {_plural(left)} or this laptop's data locks "
            f"(after {_plural(self.lock_after)} without a sync)."
        )

    @property
    def locked_message(self) -> str:
        wipe = self.days_to_wipe
        then = f" In {_plural(wipe)} it is wiped from this laptop." if wipe else ""
        return (
            f"Not synced for {_plural(self.days_since)}: this laptop's data is locked "
            f"(the company allows {_plural(self.lock_after)}). Sign in / sync to unlock it "
            f"('sfa sync', or Sync now in the window).{then}"
        )

    @property
    def wiped_message(self) -> str:
        return (
            f"Not synced for {_plural(self.days_since)} (the company allows {_plural(self.wipe_after)}): the "
            "synced data on this laptop was wiped. Sign in again ('sfa connect', then 'sfa sync') to get it "
            "back from the central store."
        )


def assess(
    last_sync_at: str | None,
    now: datetime,
    lock_after: int = DEFAULT_LOCK_DAYS,
    wipe_after: int = DEFAULT_WIPE_DAYS,
) -> Expiry:
    """The standing of a laptop whose last successful sync was at ``last_sync_at`` (ISO 8601; UTC when it
    names no zone)."""
    last: datetime | None = None
    if last_sync_at:
        last = datetime.fromisoformat(last_sync_at)
        last = last if last.tzinfo else last.replace(tzinfo=UTC)
    return Expiry(last, now, lock_after, max(wipe_after, lock_after))
