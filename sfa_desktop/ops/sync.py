"""Where this laptop stands with the central store: the sync state (connected, to where, as whom, the last
sync) and how many local changes wait to be sent (the status bar, the sync controller; ``sfa status``)."""

from __future__ import annotations

from dataclasses import dataclass

from sfa_desktop.store import capture
from sfa_desktop.store.database import LocalStore
from sfa_desktop.sync import local_user as local_users
from sfa_desktop.sync import state
from sfa_desktop.sync.local_user import LocalUser
from sfa_desktop.sync.state import SyncState


@dataclass(frozen=True)
class Standing:
    state: SyncState
    #: local changes in the outbox, not sent yet
    pending: int


def standing(store: LocalStore) -> Standing:
    """The sync state and the changes waiting, read together."""
    with store.engine.connect() as conn:
        return Standing(state.load(conn), capture.pending_count(conn))


def pending_changes(store: LocalStore) -> int:
    """How many local changes wait to be sent."""
    with store.engine.connect() as conn:
        return capture.pending_count(conn)


def sync_state(store: LocalStore) -> SyncState:
    with store.engine.connect() as conn:
        return state.load(conn)


def local_user(store: LocalStore) -> LocalUser | None:
    """The user this laptop syncs as, with their role; None when it was never connected."""
    with store.engine.connect() as conn:
        return local_users.local_user(conn)
