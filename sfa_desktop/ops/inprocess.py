"""The sync service's app served in this process over a database the process holds: the same client and
server code as over the network, with no socket (``sync.asgi_transport``).  Used by ``ops.links`` for a
database URL and by the embedded demo (``ops.demo_central``)."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress

from sqlalchemy import Engine

from sfa_desktop.server import app as server_app
from sfa_desktop.server import auth, central
from sfa_desktop.sync import credentials, http
from sfa_desktop.sync.asgi_transport import InProcessTransport

#: The base URL of the server app served in process (never leaves the process).
IN_PROCESS_URL = "http://localhost"


def device_name() -> str:
    """How this laptop is listed among the user's devices (``sfa central devices``)."""
    return socket.gethostname() or "laptop"


def keep_token(url: str, login: str) -> Callable[[str], None]:
    def keep(token: str) -> None:
        # without a keyring the token lives as long as this sync; the next one signs in again
        with suppress(credentials.NoKeyring):
            credentials.store_token(url, login, token)

    return keep


def kept_token(url: str, login: str) -> str | None:
    try:
        return credentials.get_token(url, login)
    except credentials.NoKeyring:
        return None


@contextmanager
def serve_in_process(engine: Engine, token: str | None, login: str, url: str) -> Iterator[http.HttpLink]:
    """An HttpLink to ``build_app(engine)`` in this process: with ``token`` (checked by ``server.auth``),
    or, when None, trusting the process as ``login``."""
    authenticate = None if token is not None else server_app.trusting(login)
    transport = InProcessTransport(server_app.build_app(engine, authenticate=authenticate))
    link = http.HttpLink(
        IN_PROCESS_URL, token or "in-process", transport=transport, on_token=keep_token(url, login)
    )
    try:
        yield link
    finally:
        link.close()
        transport.close()


def grant_local(engine: Engine, url: str, login: str) -> str | None:
    """Sign this device in to a SQLite store it holds (no password: the process holds the file) and keep the
    token in the keyring; returns it, or None when there is no keyring (syncs then run trusted as
    ``login``)."""
    with central.central_transaction(engine) as conn:
        central.check_compatible(conn)
        grant = auth.grant_device(conn, login, device_name())
    try:
        credentials.store_token(url, login, grant.token)
    except credentials.NoKeyring:
        with central.central_transaction(engine) as conn:
            auth.sign_out(conn, grant.token)
        return None
    return grant.token
