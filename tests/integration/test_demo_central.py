"""The embedded demo central store (a SQLite file in the laptop's data folder) follows the app's schema: a
sync after an app update upgrades it; any other central store is left to its administrator."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, text

from sfa_desktop.core.records.models import new_id
from sfa_desktop.ops import demo_central, links
from sfa_desktop.ops.demo_central import CENTRAL_FILENAME
from sfa_desktop.server import central
from sfa_desktop.store.database import LocalStore
from sfa_desktop.sync import state


def _older_central(path: Path) -> None:
    """A central store at revision c0003 (before this app's newest) with one rep, written as c0003 had it."""
    engine = create_engine(f"sqlite:///{path}")
    config = Config()
    config.set_main_option("script_location", str(central.migrations_dir()))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "c0003")
        conn.execute(
            text(
                "INSERT INTO users (id, login, full_name, role, active, created_at, updated_at, seq) "
                "VALUES (:id, 'dokafor', 'Daniel Okafor', 'rep', 1, '2026-11-01 00:00:00.000000', "
                "'2026-11-01 00:00:00.000000', 1)"
            ),
            {"id": new_id()},
        )
        conn.execute(text("UPDATE seq_counter SET value = 1"))
    engine.dispose()


def _connected(folder: Path, central_path: Path) -> LocalStore:
    store = LocalStore.open(folder)
    with store.engine.begin() as conn:  # connected when the store was at c0003 (connect checks the schema)
        st = state.SyncState(client_id=new_id(), url=f"sqlite:///{central_path}", login="dokafor")
        state.save(conn, st)
    return store


def test_a_sync_upgrades_the_embedded_demo_store(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    _older_central(folder / CENTRAL_FILENAME)
    store = _connected(folder, folder / CENTRAL_FILENAME)
    try:
        report = links.sync_store(store)
        assert report.pulled >= 1
        with store.engine.connect() as conn:
            assert conn.execute(text("SELECT login FROM users")).scalars().all() == ["dokafor"]
        engine = demo_central.embedded_engine(store)  # encrypted on the way (it was plain)
        with engine.connect() as cc:
            central.check_compatible(cc)  # at this app's schema now
        engine.dispose()
    finally:
        store.close()


def test_another_older_central_store_is_left_to_its_administrator(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    elsewhere = tmp_path / "office-central.sqlite3"
    _older_central(elsewhere)
    store = _connected(folder, elsewhere)
    try:
        with pytest.raises(central.Incompatible, match="is older"):
            links.sync_store(store)
    finally:
        store.close()
