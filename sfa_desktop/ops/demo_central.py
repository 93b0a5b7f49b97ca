"""The embedded demo central store: so that sync and the conflict view work the moment a newcomer opens the
app, with no server.

``sfa demo`` seeds the laptop, then this module creates a central store in a SQLite file in the data
folder, publishes the demo data to it as an administrator (the region, its three territories, three reps
and their manager come with the data), connects the laptop as one of the reps and syncs: the laptop then
holds what that rep may see, like any rep's laptop.  All of it through the real protocol: the sync service's
app served in process (``ops.inprocess.serve_in_process``); the laptop's device is signed in directly (the
process holds the file) and its token kept in the keyring like any other.

The file holds the whole company's demo data, in the data folder: it is encrypted like the laptop's own
database (SQLCipher, the laptop's key with the file's own salt, so no other key is kept or asked for); one an
earlier version left in plain is encrypted the first time it is used (:func:`embedded_engine`).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from sfa_desktop.core.records.models import new_id
from sfa_desktop.ops import inprocess
from sfa_desktop.protocol.address import normalize_url, safe_url
from sfa_desktop.protocol.errors import CentralError
from sfa_desktop.server import admin, auth, central
from sfa_desktop.store import cipher
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


def central_key(store: LocalStore, path: Path) -> cipher.Key:
    """The demo store's key: the laptop's own, with the file's salt (a new one for a file still empty or
    still plain)."""
    salt = b""
    if path.exists() and path.stat().st_size and cipher.is_encrypted(path):
        with path.open("rb") as fh:
            salt = fh.read(cipher.SALT_BYTES)
    if len(salt) != cipher.SALT_BYTES:
        salt = secrets.token_bytes(cipher.SALT_BYTES)
    return cipher.Key(store.key.raw, salt, store.key.kept)


def embedded_engine(store: LocalStore, path: Path | None = None) -> Engine:
    """An engine on the embedded demo store at ``path`` (by default the data folder's), encrypted with
    :func:`central_key`; a plain one (an earlier version's) is encrypted first."""
    path = path or store.path.parent / CENTRAL_FILENAME
    key = central_key(store, path)
    if path.exists() and path.stat().st_size and not cipher.is_encrypted(path):
        cipher.encrypt_plain(path, key)

    def connect(database: str, **options: Any) -> Any:
        return cipher.connect(database, key, **options)

    return central.make_central_engine(str(path), sqlite_connect=connect, sqlite_module=cipher.dbapi)


def upgrade_if_embedded(store: LocalStore, url: str) -> None:
    """The embedded demo store belongs to this laptop alone, which is its administrator: bring it to this
    app's schema (an app update would otherwise leave it "older" and sync refused)."""
    if is_embedded(store, url):
        engine = embedded_engine(store)
        try:
            central.init_central(engine)
        finally:
            engine.dispose()


def publish_and_connect(store: LocalStore, *, login: str = DEMO_REP) -> DemoCentral:
    path = store.path.parent / CENTRAL_FILENAME
    if path.exists():
        raise CentralError(f"{path} already exists; the demo central store is only made once.")
    engine = embedded_engine(store, path)
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
