"""Shared helpers for the sync tests: a central store (SQLite file or a fresh PostgreSQL database) with an
admin, territories NE/SE/MA under EAST, reps and a manager; laptops as real LocalStores each with a
SyncEngine over the real protocol (HttpLink to sfa-server's app, served in process); a fault injector."""

from __future__ import annotations

import atexit
import contextlib
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, and_, create_engine, func, or_, select, text
from sqlalchemy.engine import make_url

from sfa_desktop.core import access
from sfa_desktop.core.records import services
from sfa_desktop.protocol.wire import kind_of, to_wire
from sfa_desktop.server import admin, auth, central, roles, schema
from sfa_desktop.server.app import build_app
from sfa_desktop.server.service import SyncService
from sfa_desktop.store.database import LocalStore
from sfa_desktop.sync.asgi_transport import InProcessTransport
from sfa_desktop.sync.engine import TERRITORY_TABLES, SyncEngine
from sfa_desktop.sync.http import HttpLink
from tests.fresh_store import open_fresh_store
from tests.integration import acting

LOGINS = ("admin", "ann", "bob", "cat", "mgr")
#: The login role the sync service connects as on PostgreSQL (a member of sfa_server), acting as each user.
SERVICE_LOGIN = acting.SERVICE_LOGIN
FAULT_POINTS = ("push.before_commit", "push.after_commit", "pull.page_fetched", "pull.page_applied")


class InjectedFault(Exception):
    """Raised by the fault injector: stands for a lost connection or a crash at that point."""


@dataclass
class Faults:
    """``engine.fault``: raises ``error`` once at ``point`` (when armed), counts the points passed."""

    point: str | None = None
    error: BaseException | None = None
    seen: list[str] = field(default_factory=list)

    def arm(self, point: str, error: BaseException | None = None) -> None:
        self.point, self.error = point, error or InjectedFault(point)

    def __call__(self, point: str) -> None:
        self.seen.append(point)
        if point == self.point and self.error is not None:
            error, self.point, self.error = self.error, None, None
            raise error


def pg_database(pg_url: str, prefix: str, *, migrated: bool = False) -> tuple[str, Engine]:
    """A fresh PostgreSQL database; returns its URL and an AUTOCOMMIT engine on the server.  Empty, or with
    ``migrated`` a copy of a database ``init_central`` made once per server and process (CREATE DATABASE
    ... TEMPLATE: the same schema, grants and policies, byte for byte, without running every migration)."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    root = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    template = _pg_central_template(pg_url, root) if migrated else None
    with root.connect() as conn:
        if template is None:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        else:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
        conn.execute(
            text(
                "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'sfa_user') "
                "THEN CREATE ROLE sfa_user NOLOGIN; END IF; END $$"
            )
        )
    return make_url(pg_url).set(database=name).render_as_string(hide_password=False), root


#: server URL -> the name of the migrated template database made on it by this process
_pg_templates: dict[str, str] = {}


def _pg_central_template(pg_url: str, root: Engine) -> str:
    found = _pg_templates.get(pg_url)
    if found is not None:
        return found
    name = f"central_template_{uuid.uuid4().hex[:12]}"
    with root.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(pg_url).set(database=name)
    engine = central.make_central_engine(url.render_as_string(hide_password=False))
    try:
        central.init_central(engine)
    finally:
        engine.dispose()  # a template may have no connection open while it is copied
    _pg_templates[pg_url] = name
    atexit.register(_drop_pg_template, pg_url, name)
    return name


def _drop_pg_template(pg_url: str, name: str) -> None:
    """At exit, for a server that outlives the tests (SFA_TEST_PG_URL); a throwaway cluster is gone."""
    with contextlib.suppress(Exception):
        server = create_engine(pg_url, isolation_level="AUTOCOMMIT")
        try:
            with server.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        finally:
            server.dispose()


#: the central SQLite file ``init_central`` made once per process (copied by ``sqlite_central``)
_sqlite_template: list[Path] = []


def sqlite_central(path: Path) -> str:
    """A new central SQLite file at ``path`` as ``init_central`` makes it (a copy of one made once per
    process); returns its URL for :class:`World`."""
    if not _sqlite_template:
        folder = Path(tempfile.mkdtemp(prefix="sfa-central-template-"))
        atexit.register(shutil.rmtree, folder, True)
        engine = central.make_central_engine(str(folder / "central.sqlite3"))
        try:
            central.init_central(engine)
        finally:
            engine.dispose()
        assert not (folder / "central.sqlite3-wal").exists()
        _sqlite_template.append(folder / "central.sqlite3")
    assert not path.exists()
    shutil.copyfile(_sqlite_template[0], path)
    return str(path)


def drop_pg_database(root: Engine, url: str) -> None:
    name = make_url(url).database
    with root.connect() as conn:
        conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    root.dispose()


@dataclass
class Laptop:
    login: str
    store: LocalStore
    engine: SyncEngine
    faults: Faults
    #: the central store's side of this laptop's requests (its ``engine`` and ``fault`` may be swapped)
    service: SyncService
    #: the laptop's side: HTTP to sfa-server's app served in process
    link: HttpLink
    transport: InProcessTransport

    def territory(self, code: str) -> str:
        with self.store.engine.connect() as conn:
            value = conn.execute(text("SELECT id FROM territories WHERE code = :c"), {"c": code}).scalar()
        assert value is not None, f"{self.login}'s laptop does not know territory {code}"
        return str(value)

    def create(self, kind: str, values: dict[str, Any], *, unchecked: bool = False) -> str:
        """``unchecked``: as a laptop that writes behind its services' back (the central store judges)."""
        with self.store.transaction() as session:
            if unchecked:
                access.check_as(session, None)
            return str(services.create(session, kind, values).id)

    def update(self, kind: str, record_id: str, changes: dict[str, Any], *, unchecked: bool = False) -> None:
        with self.store.transaction() as session:
            if unchecked:
                access.check_as(session, None)
            services.update(session, kind, record_id, changes)

    def delete(self, kind: str, record_id: str) -> None:
        with self.store.transaction() as session:
            services.delete(session, kind, record_id)

    def row(self, table: str, record_id: str) -> dict[str, Any] | None:
        with self.store.engine.connect() as conn:
            found = conn.execute(text(f"SELECT * FROM {table} WHERE id = :i"), {"i": record_id}).mappings()
            first = found.first()
        return dict(first) if first is not None else None

    def scalar(self, sql: str, **params: Any) -> Any:
        with self.store.engine.connect() as conn:
            return conn.execute(text(sql), params).scalar()

    def outbox(self) -> int:
        return int(self.scalar("SELECT count(*) FROM outbox"))

    def cursor(self) -> int:
        return int(self.scalar("SELECT value FROM sync_state WHERE key = 'cursor'") or 0)

    def sync(self) -> Any:
        return self.engine.sync()


class World:
    """A central store with territories EAST > NE, SE, MA; users admin, ann (NE), bob (SE), cat (MA),
    mgr (manager of EAST); laptops made on demand in ``root``."""

    def __init__(self, url: str, root: Path) -> None:
        self.url = url
        self.root = root
        self.central = central.make_central_engine(url)
        central.init_central(self.central)
        with central.central_transaction(self.central) as cc:
            w = central.Writer(cc, login="admin")
            admin.add_user(w, "admin", role="admin")
            admin.add_territory(w, "EAST", "East")
            for code, name in (("NE", "New England"), ("SE", "Southeast"), ("MA", "Mid-Atlantic")):
                admin.add_territory(w, code, name, parent="EAST")
            admin.add_user(w, "ann", territories=("NE",))
            admin.add_user(w, "bob", territories=("SE",))
            admin.add_user(w, "cat", territories=("MA",))
            admin.add_user(w, "mgr", role="manager", territories=("EAST",))
            roles.create_server_login(cc, SERVICE_LOGIN)
        #: what laptops' requests run on: on PostgreSQL the sync service's own login, which acts as the
        #: laptop's user in each transaction (``roles.act_as``), as sfa-server does
        self.postgres = self.central.dialect.name == "postgresql"
        self.service_engine = (
            central.make_central_engine(make_url(url).set(username=SERVICE_LOGIN))
            if self.postgres
            else self.central
        )
        self.laptops: list[Laptop] = []

    @contextmanager
    def acting_as(self, login: str) -> Iterator[Connection]:
        """A central transaction as the sync service runs a request of ``login`` (its role on PostgreSQL)."""
        with central.central_transaction(self.service_engine) as cc:
            roles.act_as(cc, login)
            yield cc

    def service(self, login: str, faults: Faults | None = None) -> SyncService:
        """The sync service's side of ``login``'s requests (as the user's role on PostgreSQL)."""
        role = roles.role_hook(login) if self.postgres else None
        return SyncService(self.service_engine, login, role=role, fault=faults)

    def laptop(self, login: str, name: str | None = None, *, sync: bool = True) -> Laptop:
        store = open_fresh_store(self.root / (name or f"{login}-{len(self.laptops)}"))
        faults = Faults()
        service = self.service(login, faults)
        # The laptop reaches the central store as every laptop does: HttpLink -> sfa-server's app (in
        # process), signed in with a device token; the app serves this laptop's requests with ``service``,
        # so tests can still swap its engine or its fault hook.
        with central.central_transaction(self.central) as cc:
            grant = auth.grant_device(cc, login, name or login)
        transport = InProcessTransport(build_app(self.central, service_for=lambda _login: service))
        link = HttpLink("http://localhost", grant.token, transport=transport)
        engine = SyncEngine(store, link, fault=faults)
        engine.connect(central.safe_url(self.central.url))
        lap = Laptop(login, store, engine, faults, service, link, transport)
        self.laptops.append(lap)
        if sync:
            lap.sync()
        return lap

    def admin(self, action: str, *args: Any) -> None:
        with central.central_transaction(self.central) as cc:
            getattr(admin, action)(central.Writer(cc, login="admin"), *args)

    def central_row(self, table: str, record_id: str) -> dict[str, Any] | None:
        t = schema.SYNCED[table]
        with self.central.connect() as cc:
            found = cc.execute(select(t).where(t.c.id == record_id)).mappings().first()
        return dict(found) if found is not None else None

    def count(self, table: str, **where: Any) -> int:
        t = schema.metadata.tables[table]
        query = select(func.count()).select_from(t)
        for key, value in where.items():
            query = query.where(t.c[key] == value)
        with self.central.connect() as cc:
            return int(cc.execute(query).scalar_one())

    def territory(self, code: str) -> str:
        t = schema.SYNCED["territories"]
        with self.central.connect() as cc:
            return str(cc.execute(select(t.c.id).where(t.c.code == code)).scalar_one())

    def close(self) -> None:
        for lap in self.laptops:
            lap.link.close()
            lap.transport.close()
            lap.store.engine.dispose()
        self.service_engine.dispose()
        self.central.dispose()


def wire_rows(rows: Any, table: str) -> dict[str, dict[str, Any]]:
    t = schema.SYNCED[table]
    kinds = {c.name: kind_of(table, c) for c in t.columns if c.name != "seq"}
    return {r["id"]: {n: to_wire(k, r[n]) for n, k in kinds.items()} for r in rows}


def central_state(world: World, lap: Laptop) -> dict[str, dict[str, dict[str, Any]]]:
    """The central rows this laptop's user may see, in wire form, per table: all reference rows, and the
    rows of the territories the user may see plus the user's own records that have no territory (and a
    manager's team's leads without one)."""
    from sfa_desktop.server.scope import REFERENCE_TABLES, identify

    result: dict[str, dict[str, dict[str, Any]]] = {}
    with world.central.connect() as cc:
        identity = identify(cc, lap.login)
        for table in (*REFERENCE_TABLES, *TERRITORY_TABLES):
            t = schema.SYNCED[table]
            query = select(t)
            if table in TERRITORY_TABLES:
                owners = {identity.user_id}
                if table in access.TEAM_TABLES and identity.is_manager:
                    owners |= identity.team  # a manager's team's leads without a territory
                query = query.where(
                    or_(
                        t.c.territory_id.in_(sorted(identity.territories)),
                        and_(t.c.territory_id.is_(None), t.c.owner_id.in_(sorted(owners))),
                    )
                )
            result[table] = wire_rows(cc.execute(query).mappings(), table)
    return result


def local_state(lap: Laptop) -> dict[str, dict[str, dict[str, Any]]]:
    from sfa_desktop.sync.engine import REFERENCE_TABLES

    result: dict[str, dict[str, dict[str, Any]]] = {}
    with lap.store.engine.connect() as conn:
        for table in (*REFERENCE_TABLES, *TERRITORY_TABLES):
            rows = conn.execute(text(f"SELECT * FROM {table}")).mappings()
            result[table] = wire_rows(rows, table)
    return result


def assert_replica_matches(world: World, lap: Laptop) -> None:
    expected, actual = central_state(world, lap), local_state(lap)
    for table in expected:
        exp, act = expected[table], actual[table]
        assert set(act) == set(exp), (
            f"{lap.login}: {table} ids differ: missing {set(exp) - set(act)}, extra {set(act) - set(exp)}"
        )
        for record_id, values in exp.items():
            assert act[record_id] == values, f"{lap.login}: {table} {record_id} differs"


def world_fixture(kind: str, tmp_path: Path, pg_url: str | None) -> Iterator[World]:
    """Body of a central-store fixture parametrized over "sqlite" and "postgresql"."""
    if kind == "sqlite":
        world = World(sqlite_central(tmp_path / "central.sqlite3"), tmp_path)
        try:
            yield world
        finally:
            world.close()
        return
    assert pg_url is not None
    url, root = pg_database(pg_url, "sync", migrated=True)
    world = World(url, tmp_path)
    try:
        yield world
    finally:
        world.close()
        drop_pg_database(root, url)
        server = create_engine(pg_url, isolation_level="AUTOCOMMIT")
        try:
            with server.connect() as conn:
                for login in LOGINS:
                    conn.execute(text(f'DROP ROLE IF EXISTS "{login}"'))
        finally:
            server.dispose()


def migrate_url(url: str, revision: str, *, down: bool = False) -> None:
    """The central store at ``url`` migrated up (or ``down``) to ``revision`` (a test of a migration)."""
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            central.migrate(conn, revision, down=down)
    finally:
        engine.dispose()
