"""sfa connect / sync / conflicts against a real central store (SQLite file; one PostgreSQL test)."""

from __future__ import annotations

import io
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail
from sqlalchemy import text
from sqlalchemy.engine import make_url

from sfa_desktop import cli
from sfa_desktop.core.records import services
from sfa_desktop.server import admin, central
from sfa_desktop.store import capture
from sfa_desktop.store.database import LocalStore
from sfa_desktop.sync import credentials
from tests.integration.sync_harness import pg_database
from tests.memory_keyring import MemoryKeyring, memory_keyring


@pytest.fixture
def keys() -> Iterator[MemoryKeyring]:
    with memory_keyring() as backend:
        yield backend


@pytest.fixture
def central_file(tmp_path: Path) -> Path:
    path = tmp_path / "central" / "central.sqlite3"
    path.parent.mkdir()
    engine = central.make_central_engine(str(path))
    central.init_central(engine)
    with central.central_transaction(engine) as cc:
        w = central.Writer(cc, login="admin")
        admin.add_user(w, "admin", role="admin")
        admin.add_territory(w, "NE", "New England")
        admin.add_user(w, "ann", territories=("NE",))
        admin.add_user(w, "bob", territories=("NE",))
    engine.dispose()
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def connect(capsys: pytest.CaptureFixture[str], folder: Path, central_file: Path, login: str) -> None:
    code, out, err = run(capsys, "connect", str(central_file), "--user", login, "--data-dir", str(folder))
    assert code == 0, err
    assert f"as {login}" in out


def test_connect_sync_status(
    tmp_path: Path, central_file: Path, keys: MemoryKeyring, capsys: pytest.CaptureFixture[str]
) -> None:
    ann = tmp_path / "ann"
    code, out, err = run(capsys, "sync", "--data-dir", str(ann))
    assert code == 1
    assert "not connected" in err
    connect(capsys, ann, central_file, "ann")
    code, out, _ = run(capsys, "sync", "--status", "--data-dir", str(ann))
    assert "as ann" in out
    assert "Last successful sync: never" in out
    code, out, err = run(capsys, "sync", "--data-dir", str(ann))
    assert code == 0, err
    assert re.search(r"Synced: sent 0, received \d+", out)
    store = LocalStore.open(ann)
    with store.engine.connect() as conn:
        ne = conn.execute(text("SELECT id FROM territories WHERE code = 'NE'")).scalar()
    with store.transaction() as session:
        services.create(session, "accounts", {"name": "Acme", "territory_id": ne})
    store.engine.dispose()
    code, out, _ = run(capsys, "sync", "--status", "--data-dir", str(ann))
    assert "Changes waiting: 1" in out
    assert "min ago" in out or "just now" in out
    code, out, _ = run(capsys, "sync", "--data-dir", str(ann))
    assert "sent 1" in out
    assert "0 changes waiting" in out
    # a SQLite central store has no password: the keyring keeps only this device's sync token
    assert [service for service, _account in keys.items] == [credentials.TOKEN_SERVICE]


def test_unreachable_says_so_and_counts_waiting_changes(
    tmp_path: Path, central_file: Path, keys: MemoryKeyring, capsys: pytest.CaptureFixture[str]
) -> None:
    ann = tmp_path / "ann"
    connect(capsys, ann, central_file, "ann")
    assert run(capsys, "sync", "--data-dir", str(ann))[0] == 0
    store = LocalStore.open(ann)
    with store.transaction() as session:
        services.create(session, "leads", {"last_name": "Doe", "company": "X"})
    store.engine.dispose()
    shutil.rmtree(central_file.parent)
    code, _, err = run(capsys, "sync", "--data-dir", str(ann))
    assert code == 1
    assert "central store unreachable" in err
    assert "1 changes waiting" in err


def test_conflicts_list_use_dismiss(
    tmp_path: Path, central_file: Path, keys: MemoryKeyring, capsys: pytest.CaptureFixture[str]
) -> None:
    folders = {who: tmp_path / who for who in ("ann", "bob")}
    for who, folder in folders.items():
        connect(capsys, folder, central_file, who)
        assert run(capsys, "sync", "--data-dir", str(folder))[0] == 0
    ann, bob = (LocalStore.open(folders[w]) for w in ("ann", "bob"))
    with ann.engine.connect() as conn:
        ne = conn.execute(text("SELECT id FROM territories WHERE code = 'NE'")).scalar()
    with ann.transaction() as session:
        acme = services.create(session, "accounts", {"name": "Acme", "territory_id": ne}).id
    for who in ("ann", "bob"):
        assert run(capsys, "sync", "--data-dir", str(folders[who]))[0] == 0
    with ann.transaction() as session:
        services.update(session, "accounts", acme, {"phone": "+1 617 555 0100", "city": "Boston"})
    with bob.transaction() as session:
        services.update(session, "accounts", acme, {"phone": "+1 617 555 0199"})
    for who in ("bob", "ann", "bob", "ann"):
        assert run(capsys, "sync", "--data-dir", str(folders[who]))[0] == 0
    code, out, _ = run(capsys, "conflicts", "list", "--data-dir", str(folders["ann"]))
    assert code == 0
    lines = out.strip().splitlines()
    assert len(lines) == 1, out
    assert "Account Acme" in lines[0]
    assert "Phone" in lines[0]
    assert "617" in lines[0]
    assert "by bob" in lines[0]
    assert "by ann" in lines[0]
    conflict_id = lines[0].split()[0]
    with ann.engine.connect() as conn:
        phone_now = conn.execute(text("SELECT phone FROM accounts WHERE id = :i"), {"i": acme}).scalar()
    assert phone_now == "+16175550100"  # ann's edit arrived later and won
    code, out, err = run(capsys, "conflicts", "use", conflict_id, "--data-dir", str(folders["ann"]))
    assert code == 0, err
    with ann.engine.connect() as conn:
        phone_now = conn.execute(text("SELECT phone FROM accounts WHERE id = :i"), {"i": acme}).scalar()
        assert capture.pending_count(conn) == 1
    assert phone_now == "+16175550199"
    assert "No conflicts" in run(capsys, "conflicts", "list", "--data-dir", str(folders["ann"]))[1]
    assert "(dismissed)" in run(capsys, "conflicts", "list", "--all", "--data-dir", str(folders["ann"]))[1]
    assert run(capsys, "sync", "--data-dir", str(folders["ann"]))[0] == 0
    assert run(capsys, "sync", "--data-dir", str(folders["bob"]))[0] == 0
    code, out, _ = run(capsys, "conflicts", "list", "--data-dir", str(folders["bob"]))
    conflict_id = out.split()[0]
    code, out, _ = run(capsys, "conflicts", "dismiss", conflict_id, "--data-dir", str(folders["bob"]))
    assert code == 0
    assert "No conflicts" in run(capsys, "conflicts", "list", "--data-dir", str(folders["bob"]))[1]
    code, _, err = run(capsys, "conflicts", "use", "nonesuch", "--data-dir", str(folders["bob"]))
    assert code == 1
    assert "no conflict 'nonesuch'" in err
    for store in (ann, bob):
        store.engine.dispose()


def test_postgres_connect_keeps_the_password_in_the_keyring_only(
    tmp_path: Path,
    pg_url: str,
    keys: MemoryKeyring,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url, root = pg_database(pg_url, "cli_sync")
    engine = central.make_central_engine(url)
    central.init_central(engine)
    with central.central_transaction(engine) as cc:
        w = central.Writer(cc, login="postgres")
        admin.add_user(w, "admin", role="admin")
        admin.add_territory(w, "NE", "New England")
        admin.add_user(w, "ann", territories=("NE",), password="Ann-s3cret")
        # Rep roles cannot log in (sfa-server acts as them); this test is about the laptop's keyring with a
        # direct database URL, so it lets ann's role log in as a store before issue 19 did.
        cc.execute(text("ALTER ROLE ann LOGIN CONNECTION LIMIT -1 PASSWORD 'Ann-s3cret'"))
    engine.dispose()
    bare = make_url(url).set(username=None, password=None).render_as_string(hide_password=False)
    folder = tmp_path / "ann"
    monkeypatch.setattr("sys.stdin", io.StringIO("Ann-s3cret\n"))
    code, out, err = run(
        capsys, "connect", bare, "--user", "ann", "--password-stdin", "--data-dir", str(folder)
    )
    assert code == 0, err
    assert "Ann-s3cret" not in out + err
    assert list(keys.items.values()) == ["Ann-s3cret"]
    code, out, err = run(capsys, "sync", "--data-dir", str(folder))
    assert code == 0, err
    assert "Synced" in out
    assert (
        b"Ann-s3cret" not in (folder / "sfa.sqlite3").read_bytes()
        if (folder / "sfa.sqlite3").exists()
        else True
    )
    for file in folder.iterdir():
        assert b"Ann-s3cret" not in file.read_bytes()
    # without a keyring, a sync off a terminal explains instead of guessing
    keyring.set_keyring(fail.Keyring())  # type: ignore[no-untyped-call]
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    code, out, err = run(capsys, "sync", "--data-dir", str(folder))
    assert code == 1
    assert "No password keyring" in err
    assert "Ann-s3cret" not in err
    assert credentials.SERVICE == "sfa-desktop"
    root.dispose()
