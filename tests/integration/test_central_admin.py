"""``sfa central ...`` against a SQLite central file and a real PostgreSQL."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from sfa_desktop import cli
from sfa_desktop.server import schema

SECRET = "s3cret-Pa55word"


@pytest.fixture(params=["sqlite", "postgresql"])
def central_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield str(tmp_path / "central.db")
        return
    pg_url: str = request.getfixturevalue("pg_url")
    name = f"admin_{tmp_path.name.lower().replace('-', '_')}"[:60]
    root = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with root.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
        conn.execute(
            text(
                "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'sfa_user') "
                "THEN CREATE ROLE sfa_user NOLOGIN; END IF; END $$"
            )
        )
    try:
        yield make_url(pg_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with root.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
            for login in ("ann", "bob", "max"):
                conn.execute(text(f'DROP ROLE IF EXISTS "{login}"'))
        root.dispose()


def run(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, url: str, *argv: str, stdin: str = ""
) -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = cli.main(["central", *argv, "--url", url])
    out, err = capsys.readouterr()
    return code, out, err


def counts(url: str) -> dict[str, int]:
    engine = create_engine(url if "://" in url else f"sqlite:///{url}")
    try:
        with engine.connect() as conn:
            return {
                name: conn.execute(
                    select(func.count()).select_from(schema.metadata.tables[name])
                ).scalar_one()
                for name in ("users", "territories", "territory_memberships", "change_log")
            }
    finally:
        engine.dispose()


def test_admin_commands(
    central_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SFA_CENTRAL_URL", raising=False)
    monkeypatch.delenv("SFA_CENTRAL_PASSWORD", raising=False)
    for _ in range(2):  # idempotent
        code, out, _err = run(capsys, monkeypatch, central_url, "init")
        assert code == 0
        assert re.search(r"is at revision c\d{4}", out)
    code, _out, err = run(capsys, monkeypatch, central_url, "add-territory", "E", "--name", "East")
    assert code == 0, err
    assert (
        run(capsys, monkeypatch, central_url, "add-territory", "NE", "--name", "North", "--parent", "E")[0]
        == 0
    )
    code, out, err = run(
        capsys,
        monkeypatch,
        central_url,
        "add-user",
        "ann",
        "--role",
        "rep",
        "--territory",
        "NE",
        "--password-stdin",
        stdin=SECRET + "\n",
    )
    assert code == 0, err
    assert SECRET not in out + err
    assert (
        run(capsys, monkeypatch, central_url, "add-user", "max", "--role", "manager", stdin=SECRET + "\n")[0]
        == 0
    )
    assert run(capsys, monkeypatch, central_url, "assign", "max", "E")[0] == 0
    assert counts(central_url) == {"users": 2, "territories": 2, "territory_memberships": 2, "change_log": 6}

    before = counts(central_url)
    for argv, words in (
        (("add-user", "bob", "--role", "rep", "--territory", "ZZ"), "no territory 'ZZ'"),
        (("add-user", "ann", "--role", "rep"), "already exists"),
        (("add-user", "bob", "--role", "boss"), "Unknown role 'boss'"),
        (("assign", "nobody", "E"), "no user 'nobody'"),
        (("add-territory", "NE", "--name", "Again"), "already exists"),
    ):
        code, out, err = run(capsys, monkeypatch, central_url, *argv, stdin=SECRET + "\n")
        assert code == 1, argv
        assert err.startswith("sfa: error: "), err
        assert words in err, err
        assert err.count("\n") == 1, err
        assert SECRET not in out + err
    assert counts(central_url) == before

    code, out, _err = run(capsys, monkeypatch, central_url, "users")
    assert code == 0
    assert "ann\trep\tactive\tNE" in out
    assert "max\tmanager\tactive\tE" in out
    assert run(capsys, monkeypatch, central_url, "unassign", "ann", "NE")[0] == 0
    code, _out, err = run(capsys, monkeypatch, central_url, "unassign", "ann", "NE")
    assert code == 1
    assert "not assigned" in err
    assert run(capsys, monkeypatch, central_url, "revoke", "ann")[0] == 0
    code, out, _err = run(capsys, monkeypatch, central_url, "users")
    assert "ann\trep\trevoked\t-" in out
    code, out, _err = run(capsys, monkeypatch, central_url, "territories")
    assert out.splitlines() == ["E\tEast\t-", "NE\tNorth\tE"]
    assert counts(central_url)["change_log"] == 8

    engine = create_engine(central_url if "://" in central_url else f"sqlite:///{central_url}")
    with engine.connect() as conn:
        log = conn.execute(text("SELECT table_name, op FROM change_log ORDER BY seq")).all()
        if engine.dialect.name == "postgresql":
            can_login = conn.execute(text("SELECT rolcanlogin FROM pg_roles WHERE rolname = 'ann'")).scalar()
            assert can_login is False
    engine.dispose()
    assert log[-2:] == [("territory_memberships", "delete"), ("users", "update")]


def test_purge_command(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, central_url: str
) -> None:
    assert run(capsys, monkeypatch, central_url, "init")[0] == 0
    assert run(capsys, monkeypatch, central_url, "add-territory", "E", "--name", "East")[0] == 0
    assert run(capsys, monkeypatch, central_url, "revoke", "nobody")[0] == 1
    code, out, err = run(capsys, monkeypatch, central_url, "purge")
    assert code == 0, err
    assert out.strip() == "Nothing older than 90 days to purge."
    code, _out, err = run(capsys, monkeypatch, central_url, "purge", "--days", "0")
    assert code == 1
    assert err.startswith("sfa: error: --days must be at least 1"), err


def test_missing_url(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SFA_CENTRAL_URL", raising=False)
    assert cli.main(["central", "users"]) == 1
    assert "--url" in capsys.readouterr().err


def test_passwords_and_devices(
    central_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Passwords are set for sign-in on either kind of store (hashed; never shown); signed-in devices are
    listed and revoked one by one or all of a user's at once, with or without grace."""
    from sfa_desktop.server import auth, central

    monkeypatch.delenv("SFA_CENTRAL_URL", raising=False)
    assert run(capsys, monkeypatch, central_url, "init")[0] == 0
    assert run(capsys, monkeypatch, central_url, "add-territory", "E", "--name", "East")[0] == 0
    code, out, err = run(
        capsys, monkeypatch, central_url, "add-user", "ann", "--role", "rep", "--territory", "E",
        "--password-stdin", stdin=SECRET + "\n",
    )  # fmt: skip
    assert code == 0, err
    code, out, err = run(
        capsys, monkeypatch, central_url, "set-password", "ann", "--password-stdin", stdin="short\n"
    )
    assert code == 1
    assert "at least 8 characters" in err
    assert "short" not in err
    engine = central.make_central_engine(central_url)
    try:
        laptop = auth.sign_in(engine, "ann", SECRET, "ann's laptop")
        spare = auth.sign_in(engine, "ann", SECRET, "spare")
        code, out, err = run(
            capsys, monkeypatch, central_url, "set-password", "ann", "--password-stdin", stdin="n3w-Secret!\n"
        )
        assert code == 0, err
        with pytest.raises(auth.Refused):
            auth.sign_in(engine, "ann", SECRET, "again")
        assert auth.sign_in(engine, "ann", "n3w-Secret!", "third").login == "ann"

        code, out, _err = run(capsys, monkeypatch, central_url, "devices", "ann")
        assert code == 0
        assert [line.split("\t")[2] for line in out.splitlines()] == ["ann's laptop", "spare", "third"]
        assert laptop.token not in out
        code, out, err = run(capsys, monkeypatch, central_url, "revoke-device", laptop.device_id[:8])
        assert code == 0, err
        assert "ann's device 'ann's laptop'" in out
        with pytest.raises(central.Revoked), central.central_transaction(engine) as cc:
            auth.authenticate(cc, laptop.token)
        code, out, err = run(capsys, monkeypatch, central_url, "revoke", "ann", "--grace")
        assert code == 0, err
        assert "2 devices" in out
        assert "hand in their waiting changes" in out
        with central.central_transaction(engine) as cc:
            assert auth.authenticate(cc, spare.token).leaving
        code, out, _err = run(capsys, monkeypatch, central_url, "devices")
        assert out.count("leaving") == 2
        assert out.count("\trevoked") == 1
        code, _out, err = run(capsys, monkeypatch, central_url, "revoke-device", "zzzz")
        assert code == 1
        assert "No device has the id 'zzzz'" in err
    finally:
        engine.dispose()
