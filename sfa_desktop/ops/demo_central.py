"""The embedded demo central store: so that sync and the conflict view work the moment a newcomer opens the
app, with no server.

``sfa demo`` seeds the laptop, then this module creates a central store in a SQLite file in the data
folder, publishes the demo data to it as an administrator (the region, its three territories, three reps
and their manager come with the data), connects the laptop as one of the reps and syncs: the laptop then
holds what that rep may see, like any rep's laptop.  All of it through the real protocol: the sync service's
app served in process (``ops.inprocess.serve_in_process``); the laptop's device is signed in directly (the
process holds the file) and its token kept in the keyring like any other.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sfa_desktop.core.records.models import new_id
from sfa_desktop.ops import inprocess
from sfa_desktop.protocol.address import normalize_url, safe_url
from sfa_desktop.protocol.errors import CentralError
from sfa_desktop.server import admin, auth, central
from sfa_desktop.store.database import LocalStore
from sfa_desktop.sync.engine import SyncEngine, SyncReport

CENTRAL_FILENAME = "demo-central.sqlite3"
ADMIN_LOGIN = "admin"
#: The rep this laptop is connected as (see core.demo.STAFF).
DEMO_REP = "dokafor"


@dataclass(frozen=True)
class DemoCentral:
    path: Path
    login: str
    report: SyncReport


def is_embedded(store: LocalStore, url: str) -> bool:
    """Is this central store the demo's own SQLite file in the laptop's data folder?"""
    parsed = normalize_url(url)
    database = parsed.database
    return (
        parsed.drivername.startswith("sqlite")
        and database is not None
        and Path(database).resolve() == (store.path.parent / CENTRAL_FILENAME).resolve()
    )


def upgrade_if_embedded(store: LocalStore, url: str) -> None:
    """The embedded demo store belongs to this laptop alone, which is its administrator: bring it to this
    app's schema (an app update would otherwise leave it "older" and sync refused)."""
    if is_embedded(store, url):
        engine = central.make_central_engine(url)
        try:
            central.init_central(engine)
        finally:
            engine.dispose()


def publish_and_connect(store: LocalStore, *, login: str = DEMO_REP) -> DemoCentral:
    path = store.path.parent / CENTRAL_FILENAME
    if path.exists():
        raise CentralError(f"{path} already exists; the demo central store is only made once.")
    engine = central.make_central_engine(str(path))
    url = safe_url(engine.url)
    try:
        central.init_central(engine)
        with central.central_transaction(engine) as cc:
            admin.add_user(
                central.Writer(cc, login=ADMIN_LOGIN), ADMIN_LOGIN, full_name="Administrator", role="admin"
            )
        with central.central_transaction(engine) as cc:
            publishing = auth.grant_device(cc, ADMIN_LOGIN, "demo publisher")
        with inprocess.serve_in_process(engine, publishing.token, ADMIN_LOGIN, url) as link:
            SyncEngine(store, link).push(client_id=new_id())  # the whole demo outbox, as the administrator
            link.sign_out()
        token = inprocess.grant_local(engine, url, login)
        with inprocess.serve_in_process(engine, token, login, url) as link:
            laptop = SyncEngine(store, link)
            laptop.connect(url)
            report = laptop.sync()
    finally:
        engine.dispose()
    return DemoCentral(path, login, report)
