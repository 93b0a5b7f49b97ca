"""How this laptop reaches its central store: the :class:`~sfa_desktop.sync.link.Link` a sync runs over.

A central store given by a database URL is served by the server code in process, signed in as the laptop's
user with that user's own database login (the single-office and demo set-up; a company's laptops reach
sfa-server over HTTPS instead)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine

from sfa_desktop.protocol.address import normalize_url, safe_url
from sfa_desktop.server import central
from sfa_desktop.server.service import SyncService
from sfa_desktop.store.database import LocalStore
from sfa_desktop.sync import credentials, state
from sfa_desktop.sync.engine import Progress, SyncEngine, SyncReport
from sfa_desktop.sync.link import Link
from sfa_desktop.sync.scheduler import PasswordNeeded


def needs_password(url: str) -> bool:
    """Does reaching this central store take a password (PostgreSQL) or not (a SQLite file)?"""
    return not normalize_url(url).drivername.startswith("sqlite")


def central_engine(url: str, login: str, password: str | None) -> Engine:
    """An engine for ``url`` logged in as ``login``; the password is only ever passed in memory."""
    parsed = normalize_url(url)
    if parsed.drivername.startswith("sqlite"):
        return central.make_central_engine(parsed)
    return central.make_central_engine(parsed.set(username=login), password=password)


def stored_url(url: str, login: str) -> str:
    """The central store's address as the laptop keeps it: with the login, without any password."""
    parsed = normalize_url(url)
    if not parsed.drivername.startswith("sqlite"):
        parsed = parsed.set(username=login)
    return safe_url(parsed)


@contextmanager
def open_link(url: str, login: str, password: str | None) -> Iterator[Link]:
    """A link to the central store at ``url`` as ``login``, closed on leaving."""
    engine = central_engine(url, login, password)
    try:
        yield SyncService(engine, login)
    finally:
        engine.dispose()


def _password(url: str, login: str, password: str | None) -> str | None:
    if password is not None or not needs_password(url):
        return password
    try:
        remembered = credentials.get_password(url, login)
    except credentials.NoKeyring as exc:
        raise PasswordNeeded(str(exc)) from None
    if remembered is None:
        raise PasswordNeeded(f"No password is remembered for {login} at {safe_url(url)}.")
    return remembered


def sync_store(
    store: LocalStore, progress: Progress | None = None, *, password: str | None = None
) -> SyncReport:
    """One sync of this laptop with the central store it is connected to.

    The password comes from the argument, else the keyring; raises :class:`PasswordNeeded` when neither has
    one (``credentials.NoKeyring`` is turned into it too, with its explanation)."""
    from sfa_desktop.ops import demo_central
    from sfa_desktop.protocol.errors import CentralError

    with store.engine.connect() as conn:
        st = state.load(conn)
    if not st.connected:
        raise CentralError(
            "This laptop is not connected to a central store. Use 'sfa connect URL --user LOGIN'."
        )
    assert st.url is not None
    assert st.login is not None
    secret = _password(st.url, st.login, password)
    demo_central.upgrade_if_embedded(store, st.url)
    with open_link(st.url, st.login, secret) as link:
        return SyncEngine(store, link, progress=progress).sync()
