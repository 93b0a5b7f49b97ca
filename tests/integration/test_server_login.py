"""A company deployment end to end on PostgreSQL: sfa-server runs as its own login (``sfa central
add-server-login``), which reads nothing of the company's data itself; a rep signs in with the password
kept by the server, syncs, and what the rep wrote is stamped with the rep's own role (the request acted as
the rep, so row-level security stood behind the server's checks)."""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from sfa_desktop import cli
from sfa_desktop.core.records import services
from sfa_desktop.server import admin, central, roles
from sfa_desktop.store.database import LocalStore
from tests.integration.sync_harness import drop_pg_database, pg_database
from tests.integration.test_sync_http import _free_port, _start, _stop

PASSWORD = "ann-Secret-42"
SERVICE_PASSWORD = "svc-Secret-42"


@pytest.fixture
def company(pg_url: str) -> Iterator[str]:
    url, root = pg_database(pg_url, "deploy")
    engine = central.make_central_engine(url)
    try:
        central.init_central(engine)
        with central.central_transaction(engine) as cc:
            w = central.Writer(cc, login="admin")
            admin.add_territory(w, "NE", "New England")
            admin.add_user(w, "ann", territories=("NE",), password=PASSWORD)
            roles.create_server_login(cc, "sfa_svc_deploy", SERVICE_PASSWORD)
        yield url
    finally:
        engine.dispose()
        drop_pg_database(root, url)


def _run(monkeypatch: pytest.MonkeyPatch, *argv: str, stdin: str = "") -> int:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    return cli.main(list(argv))


def test_a_rep_syncs_through_sfa_server_running_as_its_own_login(
    company: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    service_url = make_url(company).set(username="sfa_svc_deploy", password=SERVICE_PASSWORD)
    port = _free_port()
    server = _start(
        "-m", "sfa_desktop.server.main", "--central", service_url.render_as_string(hide_password=False),
        "--listen", f"127.0.0.1:{port}", port=port,
    )  # fmt: skip
    data = tmp_path / "ann"
    try:
        address = f"http://127.0.0.1:{port}"
        assert _run(monkeypatch, "connect", address, "--user", "ann", "--password-stdin",
                    "--data-dir", str(data), stdin=PASSWORD + "\n") == 0  # fmt: skip
        assert _run(monkeypatch, "sync", "--data-dir", str(data)) == 0
        store = LocalStore.open(data)
        try:
            with store.engine.connect() as conn:
                ne = conn.execute(text("SELECT id FROM territories WHERE code = 'NE'")).scalar_one()
            with store.transaction() as session:
                acme = services.create(session, "accounts", {"name": "Acme Deploy", "territory_id": ne}).id
        finally:
            store.close()
        assert _run(monkeypatch, "sync", "--data-dir", str(data)) == 0
    finally:
        _stop(server)
    owner = central.make_central_engine(company)
    try:
        with owner.connect() as cc:
            assert cc.execute(text("SELECT name FROM accounts WHERE id = :i"), {"i": acme}).scalar() == (
                "Acme Deploy"
            )
            authors = cc.execute(
                text("SELECT DISTINCT db_user FROM change_log WHERE record_id = :i"), {"i": acme}
            ).scalars()
            assert list(authors) == ["ann"]  # acted as the rep, not as the server's login
            # the server's own login reads nothing of the company's data
            cc.execute(text("SET ROLE sfa_svc_deploy"))
            with pytest.raises(DBAPIError, match="permission denied"):
                cc.execute(text("SELECT count(*) FROM accounts"))
    finally:
        owner.dispose()
