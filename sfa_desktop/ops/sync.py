"""This laptop and the central store: where it stands (connected, to where, as whom, the last sync, how
many local changes wait to be sent: the status bar, the sync controller, ``sfa sync --status``), connecting
to a store (Settings…, ``sfa connect``) and the conflicts a sync archived (the Conflicts page,
``sfa conflicts``)."""

from __future__ import annotations

from dataclasses import dataclass

from sfa_desktop.core import access
from sfa_desktop.ops import links
from sfa_desktop.store import capture
from sfa_desktop.store.database import LocalStore
from sfa_desktop.sync import conflicts, credentials, state
from sfa_desktop.sync.engine import Progress, SyncEngine, SyncReport
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


def local_user(store: LocalStore) -> access.Identity | None:
    """The user this laptop syncs as, with their role; None when it was never connected."""
    with store.engine.connect() as conn:
        return access.this_user(conn)


# -- connecting ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Connected:
    #: the central store as this laptop keeps it (no password in it)
    url: str
    #: the password was kept in the OS keyring
    remembered: bool
    #: why it could not be kept there (None: it was, or there was none to keep)
    keyring_problem: str | None


def needs_password(url: str) -> bool:
    """Does connecting to this central store take a password (PostgreSQL) or not (a SQLite file)?"""
    return links.needs_password(url)


def saved_password(url: str, login: str) -> str | None:
    """The password the OS keyring keeps for this store and login (None: none, or no keyring)."""
    try:
        return credentials.get_password(url, login)
    except credentials.NoKeyring:
        return None


def connect(store: LocalStore, url: str, login: str, password: str | None) -> Connected:
    """Connect this laptop to a central store as ``login`` (checked there; ``CentralError`` says why not),
    then keep the password in the OS keyring.  Settings… and ``sfa connect``."""
    saved = links.stored_url(url, login)
    with links.open_link(url, login, password) as link:
        SyncEngine(store, link).connect(saved)
    if password is None:
        return Connected(saved, False, None)
    try:
        credentials.store_password(saved, login, password)
    except credentials.NoKeyring as exc:
        return Connected(saved, False, str(exc))
    return Connected(saved, True, None)


def sync_now(
    store: LocalStore, progress: Progress | None = None, *, password: str | None = None
) -> SyncReport:
    """One sync with the central store this laptop is connected to (the window's runner, ``sfa sync``)."""
    return links.sync_store(store, progress, password=password)


# -- conflicts ----------------------------------------------------------------------------------------------


def list_conflicts(store: LocalStore, *, include_dismissed: bool = False) -> list[conflicts.Conflict]:
    """The values that lost when two people edited the same field (the Conflicts page, ``sfa conflicts``)."""
    with store.engine.connect() as conn:
        return conflicts.list_conflicts(conn, include_dismissed=include_dismissed)


def open_conflicts(store: LocalStore) -> int:
    """How many conflicts wait for a look (not dismissed): a sync that raises it made new ones."""
    with store.engine.connect() as conn:
        return conflicts.open_count(conn)


def use_conflict(store: LocalStore, conflict_id: str) -> conflicts.Conflict:
    """Apply the losing value again, as a new edit that goes out with the next sync."""
    return conflicts.use_value(store, conflict_id)


def dismiss_conflict(store: LocalStore, conflict_id: str) -> str:
    """Hide a conflict on this laptop; returns its full id."""
    return conflicts.dismiss(store, conflict_id)
