"""How this laptop reaches its central store: the :class:`~sfa_desktop.sync.link.Link` a sync runs over.

Always the same client and server code (``sync.http.HttpLink`` talking to ``server.app``):

* ``https://HOST:PORT`` (or ``http://`` to this computer): sfa-server over the network, with this
  device's token from the OS keyring (``sfa connect`` signed it in with the password).
* A database URL (a single-office SQLite file, the embedded demo, a PostgreSQL store reached with the
  user's own database login): the server app runs in this process over an in-process transport
  (``sync.asgi_transport``); no socket, no server to start.  For a SQLite file there is no password to check
  (the process holds the file): the device is signed in directly through ``server.auth`` when it connects
  and keeps its token in the keyring like any other, so an administrator can revoke it.  Without a kept
  token (no keyring) and for PostgreSQL reached with the user's own login the in-process app trusts the
  process as that user (the database itself already checked who it is).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress

from sqlalchemy import Engine

from sfa_desktop.ops.inprocess import device_name, grant_local, keep_token, kept_token, serve_in_process
from sfa_desktop.protocol.address import normalize_url, safe_url
from sfa_desktop.protocol.errors import AuthenticationFailed, CentralError
from sfa_desktop.server import central
from sfa_desktop.store.database import LocalStore
from sfa_desktop.sync import credentials, http, state
from sfa_desktop.sync.engine import Progress, SyncEngine, SyncReport
from sfa_desktop.sync.scheduler import PasswordNeeded


def is_server(url: str) -> bool:
    """Is ``url`` an sfa-server address (not a database URL)?"""
    return http.is_server_url(url)


def needs_password(url: str) -> bool:
    """Does connecting take a password: sfa-server (to sign in) and PostgreSQL reached directly do; a SQLite
    file does not."""
    return is_server(url) or not normalize_url(url).drivername.startswith("sqlite")


def central_engine(url: str, login: str, password: str | None, store: LocalStore | None = None) -> Engine:
    """An engine for ``url`` logged in as ``login``; the password is only ever passed in memory.  ``store``:
    the laptop's, whose embedded demo store (encrypted with its key) ``url`` may be."""
    parsed = normalize_url(url)
    if store is not None:
        from sfa_desktop.ops import demo_central

        if demo_central.is_embedded(store, url):
            return demo_central.embedded_engine(store)
    if parsed.drivername.startswith("sqlite"):
        return central.make_central_engine(parsed)
    return central.make_central_engine(parsed.set(username=login), password=password)


def stored_url(url: str, login: str) -> str:
    """The central store's address as the laptop keeps it: with the login, without any password."""
    if is_server(url):
        return http.check_url(url)
    parsed = normalize_url(url)
    if not parsed.drivername.startswith("sqlite"):
        parsed = parsed.set(username=login)
    return safe_url(parsed)


# -- a database served in process ---------------------------------------------------------------------------


def _local_token(url: str, login: str) -> str | None:
    """The token of a SQLite store's device, None for trusted (PostgreSQL by the user's own login, or no
    token kept)."""
    if not normalize_url(url).drivername.startswith("sqlite"):
        return None
    return kept_token(url, login)


@contextmanager
def open_link(
    url: str, login: str, password: str | None, store: LocalStore | None = None
) -> Iterator[http.HttpLink]:
    """A link to the central store at database ``url`` as ``login``, served in process, closed on leaving
    (``store``: see :func:`central_engine`)."""
    engine = central_engine(url, login, password, store)
    try:
        with serve_in_process(
            engine, _local_token(stored_url(url, login), login), login, stored_url(url, login)
        ) as link:
            yield link
    finally:
        engine.dispose()


# -- sfa-server ----------------------------------------------------------------------------------------------


@contextmanager
def open_server_link(url: str, login: str, token: str, ca_file: str | None) -> Iterator[http.HttpLink]:
    link = http.HttpLink(url, token, ca_file=ca_file, on_token=keep_token(url, login))
    try:
        yield link
    finally:
        link.close()


def sign_in(url: str, login: str, password: str, ca_file: str | None) -> tuple[str, bool]:
    """Sign this device in to sfa-server; returns (token, kept in the keyring)."""
    grant = http.sign_in(url, login, password, device_name(), ca_file=ca_file)
    try:
        credentials.store_token(url, login, grant.token)
    except credentials.NoKeyring:
        return grant.token, False
    return grant.token, True


def sign_out(url: str, token: str, ca_file: str | None) -> None:
    with open_server_link(url, "", token, ca_file) as link:
        link.sign_out()


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


def _sync_server(
    st: state.SyncState, store: LocalStore, progress: Progress | None, password: str | None
) -> SyncReport:
    assert st.url is not None
    assert st.login is not None
    kept = True
    if password is None:
        try:
            token = credentials.get_token(st.url, st.login)
        except credentials.NoKeyring as exc:
            raise PasswordNeeded(str(exc)) from None
        if token is None:
            raise PasswordNeeded(
                f"This device is not signed in to {st.url} as {st.login}; give your password."
            )
    else:
        token, kept = sign_in(st.url, st.login, password, st.ca_file)
    with open_server_link(st.url, st.login, token, st.ca_file) as link:
        try:
            return SyncEngine(store, link, progress=progress).sync()
        finally:
            if not kept:  # no keyring: the token served this sync only
                with suppress(CentralError):
                    link.sign_out()


def sync_store(
    store: LocalStore, progress: Progress | None = None, *, password: str | None = None
) -> SyncReport:
    """One sync of this laptop with the central store it is connected to.

    sfa-server: with the device's token from the keyring, or signing in with ``password``; a database URL:
    served in process (the password, for PostgreSQL reached directly, from the argument or the keyring).
    Raises :class:`PasswordNeeded` when a password is needed and none is given or kept
    (``credentials.NoKeyring`` is turned into it too, with its explanation)."""
    from sfa_desktop.ops import demo_central

    with store.engine.connect() as conn:
        st = state.load(conn)
    if not st.connected:
        raise CentralError(
            "This laptop is not connected to a central store. Use 'sfa connect URL --user LOGIN'."
        )
    assert st.url is not None
    assert st.login is not None
    if is_server(st.url):
        return _sync_server(st, store, progress, password)
    secret = _password(st.url, st.login, password)
    demo_central.upgrade_if_embedded(store, st.url)
    try:
        with open_link(st.url, st.login, secret, store) as link:
            return SyncEngine(store, link, progress=progress).sync()
    except AuthenticationFailed:
        if _local_token(st.url, st.login) is None:
            raise
        # the kept token expired or was forgotten centrally: the process holds the file, so sign in again
        engine = central_engine(st.url, st.login, secret, store)
        try:
            if grant_local(engine, st.url, st.login) is None:
                raise
        finally:
            engine.dispose()
        with open_link(st.url, st.login, secret, store) as link:
            return SyncEngine(store, link, progress=progress).sync()


@contextmanager
def blob_link(store: LocalStore, password: str | None = None) -> Iterator[http.HttpLink]:
    """A link to the central store this laptop is connected to, for fetching attachments' bytes on demand
    (as :func:`sync_store` reaches it)."""
    with store.engine.connect() as conn:
        st = state.load(conn)
    if not st.connected or st.url is None or st.login is None:
        raise CentralError(
            "This laptop is not connected to a central store: an attachment made elsewhere cannot be fetched."
        )
    if is_server(st.url):
        try:
            token = credentials.get_token(st.url, st.login)
        except credentials.NoKeyring as exc:
            raise PasswordNeeded(str(exc)) from None
        if token is None:
            raise PasswordNeeded(f"This device is not signed in to {st.url} as {st.login}; sync first.")
        with open_server_link(st.url, st.login, token, st.ca_file) as link:
            yield link
        return
    with open_link(st.url, st.login, _password(st.url, st.login, password)) as local:
        yield local
