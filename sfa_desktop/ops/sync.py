"""This laptop and the central store: where it stands (connected, to where, as whom, the last sync, how
many local changes wait to be sent: the status bar, the sync controller, ``sfa sync --status``), connecting
to a store (Settings…, ``sfa connect``) and the conflicts a sync archived (the Conflicts page,
``sfa conflicts``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sfa_desktop.core import access
from sfa_desktop.core.records.models import utcnow
from sfa_desktop.ops import inprocess, links
from sfa_desktop.ops import notifications as notification_ops
from sfa_desktop.ops import records as record_ops
from sfa_desktop.protocol.errors import AuthenticationFailed, CentralError, Revoked, Unreachable
from sfa_desktop.store import capture
from sfa_desktop.store.database import LocalStore
from sfa_desktop.sync import conflicts, credentials, http, state
from sfa_desktop.sync.engine import Progress, SyncEngine, SyncReport
from sfa_desktop.sync.scheduler import PasswordNeeded
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


#: What a laptop that "holds data" holds: any one of these rows (deleted ones too) means it is not new.
_DATA_KINDS = ("accounts", "contacts", "leads", "opportunities", "activities", "territories", "users")


def first_start(store: LocalStore) -> bool:
    """Is this a laptop's first start: not connected to a central store and holding no data at all?  The
    window then offers the sign-in dialog (never on demo data, never once connected)."""
    if sync_state(store).connected:
        return False
    counts = record_ops.section_counts(store, _DATA_KINDS, deleted_too=True)
    return not any(counts.values())


def this_device() -> str:
    """How this laptop is named among the user's devices on the server (the name sent at sign-in)."""
    return inprocess.device_name()


def signed_in(store: LocalStore) -> bool:
    """Can this laptop sync without asking: connected, and for sfa-server with a device token kept here
    (False after Sign out, or when the keyring cannot keep it)."""
    st = sync_state(store)
    if not (st.connected and st.url and st.login):
        return False
    if not links.is_server(st.url):
        return True
    try:
        return credentials.get_token(st.url, st.login) is not None
    except credentials.NoKeyring:
        return False


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
    """Does connecting to this central store take a password (sfa-server, PostgreSQL) or not (a SQLite
    file)?"""
    return links.needs_password(url)


def is_server(url: str) -> bool:
    """Is ``url`` an sfa-server address (https://HOST:PORT) rather than a database?"""
    return links.is_server(url)


def saved_password(url: str, login: str) -> str | None:
    """The password the OS keyring keeps for this store and login (None: none, or no keyring).  Only a
    PostgreSQL store reached directly keeps a password; sfa-server keeps a device token instead."""
    if links.is_server(url):
        return None
    try:
        return credentials.get_password(url, login)
    except credentials.NoKeyring:
        return None


def test_connection(url: str, *, ca_file: str | None = None) -> http.ServerStatus:  # noqa: PT028
    """Is there an sfa-server speaking this app's protocol at ``url``? No sign-in needed (the sign-in
    dialog's "Test connection").  Raises ``CentralError`` (``Unreachable``, ``Incompatible``, a
    certificate that does not verify, a clear-text address that is not this computer) with a message."""
    return http.status(url, ca_file=ca_file)


def sign_in(
    store: LocalStore, url: str, login: str, password: str, *, ca_file: str | None = None
) -> Connected:
    """Connect this laptop to sfa-server at ``url``: the password is checked there once and the device gets a
    token, kept in the OS keyring (never in a file); the password itself is not kept.  The sign-in dialog
    and ``sfa connect https://...``.  Raises ``AuthenticationFailed`` (wrong login or password, or locked),
    ``Unreachable``, ``Incompatible`` or ``CentralError`` (certificate, address)."""
    saved = links.stored_url(url, login)
    token, kept = links.sign_in(saved, login, password, ca_file)
    with links.open_server_link(saved, login, token, ca_file) as link:
        SyncEngine(store, link).connect(saved)
        if not kept:
            link.sign_out()  # the next sync signs in again with the password
    with store.engine.begin() as conn:
        st = state.load(conn)
        st.ca_file = str(Path(ca_file).expanduser().resolve()) if ca_file else None
        state.save(conn, st, "ca_file")
    if kept:
        return Connected(saved, True, None)
    return Connected(
        saved,
        False,
        "No keyring is available on this computer to keep the sign-in, so each sync asks for the password.",
    )


def connect(
    store: LocalStore, url: str, login: str, password: str | None, *, ca_file: str | None = None
) -> Connected:
    """Connect this laptop to a central store as ``login`` (checked there; ``CentralError`` says why not).
    sfa-server: see :func:`sign_in`.  A database: a PostgreSQL password is kept in the OS keyring; a SQLite
    store signs this device in and keeps its token there.  Settings… and ``sfa connect``."""
    if links.is_server(url):
        if not password:
            raise CentralError("Signing in to the sync server needs your password.")
        return sign_in(store, url, login, password, ca_file=ca_file)
    saved = links.stored_url(url, login)
    with links.open_link(url, login, password, store) as link:
        SyncEngine(store, link).connect(saved)
    if password is None:
        engine = links.central_engine(url, login, None, store)
        try:
            inprocess.grant_local(engine, saved, login)
        finally:
            engine.dispose()
        return Connected(saved, False, None)
    try:
        credentials.store_password(saved, login, password)
    except credentials.NoKeyring as exc:
        return Connected(saved, False, str(exc))
    return Connected(saved, True, None)


def disconnect(store: LocalStore) -> bool:
    """Sign this device out of sfa-server (the server forgets its token) and forget the token here; the data
    on the laptop stays.  Returns whether the server was told (False: it could not be reached, or the laptop
    is not connected to sfa-server; the token is forgotten here anyway)."""
    st = sync_state(store)
    if not (st.connected and st.url and st.login and links.is_server(st.url)):
        return False
    try:
        token = credentials.get_token(st.url, st.login)
    except credentials.NoKeyring:
        return False
    told = False
    if token is not None:
        try:
            links.sign_out(st.url, token, st.ca_file)
            told = True
        except CentralError:
            told = False
        credentials.delete_token(st.url, st.login)
    return told


def sync_now(
    store: LocalStore, progress: Progress | None = None, *, password: str | None = None
) -> SyncReport:
    """One sync with the central store this laptop is connected to (the window's runner, ``sfa sync``).

    A failure is remembered for the notification centre (sign-in, unreachable, failed) and raised again;
    the notification sources run after the sync either way."""
    try:
        report = links.sync_store(store, progress, password=password)
    except Revoked:
        raise  # the laptop was wiped: nothing is left to tell
    except (CentralError, PasswordNeeded) as exc:
        kind = (
            "sign-in"
            if isinstance(exc, AuthenticationFailed | PasswordNeeded)
            else "unreachable"
            if isinstance(exc, Unreachable)
            else "failed"
        )
        with store.engine.begin() as conn:
            state.note_failure(conn, str(exc), kind, utcnow().isoformat(timespec="seconds"))
        notification_ops.refresh(store)
        raise
    notification_ops.refresh(store)
    return report


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
