"""Running SQL on a PostgreSQL central store as a user, the way sfa-server does: reps' roles cannot log in,
so a connection as the sync service's login switches to the user's role in each transaction
(``server.roles.act_as``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL

from sfa_desktop.server import central, roles

SERVICE_LOGIN = "sfa_test_sync"


def service_login(owner_url: URL | str) -> URL:
    """Create (if missing) the sync service's login role on the store at ``owner_url``; its URL."""
    engine = create_engine(owner_url)
    try:
        with central.central_transaction(engine) as cc:
            roles.create_server_login(cc, SERVICE_LOGIN)
        return engine.url.set(username=SERVICE_LOGIN, password=None)
    finally:
        engine.dispose()


def acting_engine(service_url: URL, login: str, **kwargs: Any) -> Engine:
    """An engine on the service's login whose every transaction runs as ``login``'s role."""
    engine = create_engine(service_url, **kwargs)

    def begin(conn: Connection) -> None:
        roles.act_as(conn, login)

    event.listen(engine, "begin", begin)
    return engine
