"""Offline expiry on the laptop: the rules of :mod:`sfa_desktop.core.expiry` applied to its sync state.

:func:`assess` says where the laptop stands (the status bar, ``sfa status``); :func:`enforce` wipes the
synced data once the second limit has passed (:func:`sfa_desktop.sync.replica.wipe`) and says whether the
data is locked; the command line and the window refuse the data while it is, until a sync succeeds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sfa_desktop.core.expiry import Expiry
from sfa_desktop.core.expiry import assess as _assess
from sfa_desktop.core.records.models import utcnow
from sfa_desktop.store.database import LocalStore
from sfa_desktop.sync import replica, state


def assess(store: LocalStore, now: datetime | None = None) -> Expiry:
    """The laptop's standing; no clock runs while it is not connected to a central store."""
    with store.engine.connect() as conn:
        st = state.load(conn)
    last = st.last_sync_at if st.connected else None
    return _assess(last, now or utcnow(), st.lock_after_days, st.wipe_after_days)


@dataclass(frozen=True)
class Enforced:
    expiry: Expiry
    #: the synced data was wiped just now (past the second limit)
    wiped: bool

    @property
    def locked(self) -> bool:
        return self.expiry.locked


def enforce(store: LocalStore, now: datetime | None = None) -> Enforced:
    """Wipe the synced data when the second limit has passed; otherwise say where the laptop stands."""
    expiry = assess(store, now)
    if not expiry.wipe_due:
        return Enforced(expiry, wiped=False)
    with store.engine.begin() as conn:
        replica.wipe(conn)
    return Enforced(expiry, wiped=True)


def set_limits(store: LocalStore, lock_after_days: int, wipe_after_days: int) -> None:
    """Keep the company's limits (the central store sends them with a sync)."""
    with store.engine.begin() as conn:
        st = state.load(conn)
        st.lock_after_days = lock_after_days
        st.wipe_after_days = max(wipe_after_days, lock_after_days)
        state.save(conn, st, "lock_after_days", "wipe_after_days")
