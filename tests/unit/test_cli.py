"""The ``sfa`` command line, driven in-process through ``main([...])`` (and once as a real process)."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from sfa_desktop.cli import RECORD_KINDS, main
from sfa_desktop.store.database import DB_FILENAME, LocalStore
from tests import local_files


def run(capsys: pytest.CaptureFixture[str], data: Path, *args: str) -> tuple[int, str, str]:
    code = main(["--data-dir", str(data), *args])
    out, err = capsys.readouterr()
    return code, out, err


def count(data: Path, table: str) -> int:
    store = LocalStore.open(data, create=False)
    try:
        with store.engine.connect() as conn:
            return int(
                conn.execute(text(f"SELECT count(*) FROM {table} WHERE deleted_at IS NULL")).scalar_one()
            )
    finally:
        store.close()


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("cli") / "data"
    assert (
        main(["--data-dir", str(data), "demo", "--accounts", "30", "--seed", "3", "--today", "2026-03-14"])
        == 0
    )
    return data


@pytest.fixture
def demo_dir(demo_template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """A fresh copy of a small demo database (seeded once per module)."""
    capsys.readouterr()
    return Path(shutil.copytree(demo_template, tmp_path / "data"))


def first_account(capsys: pytest.CaptureFixture[str], data: Path) -> dict[str, str]:
    code, out, _ = run(capsys, data, "accounts", "list", "--format", "json", "--limit", "1")
    assert code == 0
    records: list[dict[str, str]] = json.loads(out)
    return records[0]


def test_init_creates_the_database_and_says_where(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "new"
    code, out, err = run(capsys, data, "init")
    assert code == 0, err
    assert str(data / DB_FILENAME) in out
    assert "created" in out
    assert (data / DB_FILENAME).exists()
    code, out, _ = run(capsys, data, "init")
    assert code == 0
    assert "up to date" in out


def test_data_dir_from_the_environment(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SFA_DATA_DIR", str(tmp_path / "env"))
    assert main(["init"]) == 0
    assert (tmp_path / "env" / DB_FILENAME).exists()
    capsys.readouterr()


def _central_count(data: Path, table: str) -> int:
    conn = local_files.connect(data / "demo-central.sqlite3")  # encrypted with the laptop's key
    try:
        return int(conn.execute(f"SELECT count(*) FROM {table} WHERE deleted_at IS NULL").fetchone()[0])
    finally:
        conn.close()


def test_demo_prints_counts_and_fills_the_lists(demo_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # all thirty accounts went to the embedded central store; the laptop, connected as the New England
    # rep, holds that territory's share and nothing of the others
    assert _central_count(demo_dir, "accounts") == 30 + 2  # and two entered twice, for Find duplicates
    assert 0 < count(demo_dir, "accounts") < 30
    store = LocalStore.open(demo_dir, create=False)
    try:
        with store.engine.connect() as conn:
            codes = (
                conn.execute(
                    text("SELECT DISTINCT t.code FROM accounts a JOIN territories t ON t.id = a.territory_id")
                )
                .scalars()
                .all()
            )
            assert codes == ["EAST-NE"]
            assert conn.execute(text("SELECT count(*) FROM outbox")).scalar_one() == 0
    finally:
        store.close()
    assert count(demo_dir, "contacts") >= count(demo_dir, "accounts")
    code, out, err = run(capsys, demo_dir, "contacts", "list", "--limit", "0")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].split()[:2] == ["ID", "Name"]
    assert len(lines) == 2 + count(demo_dir, "contacts")


def test_demo_without_central_keeps_everything(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, tmp_path, "demo", "--accounts", "5", "--no-central")
    assert code == 0, err
    assert count(tmp_path, "accounts") == 5 + 2  # and two entered twice, for Find duplicates
    assert not (tmp_path / "demo-central.sqlite3").exists()


def test_demo_again_adds_nothing_and_succeeds(demo_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = count(demo_dir, "accounts")
    code, out, err = run(capsys, demo_dir, "demo", "--accounts", "3")
    assert code == 0, err
    assert "already holds demo data" in out
    assert count(demo_dir, "accounts") == before


def test_demo_refuses_a_database_with_other_data(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, tmp_path, "init")[0] == 0
    code, _, err = run(capsys, tmp_path, "accounts", "add", "--name", "Real Customer Inc.")
    assert code == 0, err
    code, _, err = run(capsys, tmp_path, "demo", "--accounts", "3")
    assert code == 1
    assert err.startswith("sfa: error: ")
    assert "empty" in err
    assert len(err.splitlines()) == 1
    assert count(tmp_path, "accounts") == 1
    assert count(tmp_path, "territories") == 0


def test_add_with_invalid_email_names_the_field_and_saves_nothing(
    demo_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = count(demo_dir, "contacts")
    code, out, err = run(capsys, demo_dir, "contacts", "add", "--last-name", "Ng", "--email", "ng@@acme")
    assert code == 1
    assert err.startswith("sfa: error: email: ")
    assert "Traceback" not in err
    assert out == ""
    assert count(demo_dir, "contacts") == before


def test_add_reports_every_bad_field_at_once(demo_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(
        capsys, demo_dir, "contacts", "add", "--email", "x@", "--phone", "12", "--account", "no such account"
    )
    assert code == 1
    fields = {line.removeprefix("sfa: error: ").split(":")[0] for line in err.splitlines()}
    assert fields == {"last_name", "email", "phone", "account_id"}


def test_add_then_list_search_show_edit_delete(demo_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    account = first_account(capsys, demo_dir)
    code, out, err = run(
        capsys,
        demo_dir,
        *("contacts", "add", "--first-name", "Zoë", "--last-name", "Quillfeather"),
        *("--email", "Zoe.Quillfeather@Example-Tools.com", "--phone", "(617) 555-0143"),
        *("--account", account["id"][:8], "--consent-email", "yes"),
    )
    assert code == 0, err
    assert "Zoë Quillfeather" in out
    contact_id = out.split("(")[-1].split(")")[0]
    assert len(contact_id) == 36

    code, out, _ = run(capsys, demo_dir, "contacts", "list", "--filter", "quill", "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["id"] for r in rows] == [contact_id]
    assert rows[0]["email"] == "Zoe.Quillfeather@example-tools.com"
    assert rows[0]["phone"] == "'+16175550143"  # neutralised: text in a spreadsheet (issue 13, item 13)
    assert rows[0]["account"] == account["name"]

    code, out, _ = run(capsys, demo_dir, "contacts", "list", "--account", account["id"], "--format", "json")
    assert contact_id in {r["id"] for r in json.loads(out)}

    code, out, _ = run(capsys, demo_dir, "search", "zoe", "quill")
    assert code == 0
    assert contact_id[:8] in out
    assert "Zoë Quillfeather" in out

    code, out, _ = run(capsys, demo_dir, "contacts", "show", contact_id[:8])
    assert code == 0
    shown = {line[:16].strip(): line[17:] for line in out.splitlines()}
    assert shown["ID"] == contact_id
    assert shown["First name"] == "Zoë"
    assert "+1 617-555-0143" in out
    assert f"{account['name']} ({account['id'][:8]})" in out
    assert shown["Agrees to email"] == "yes"

    code, out, err = run(
        capsys, demo_dir, "contacts", "edit", "Zoë Quillfeather", "--title", "Fleet Manager", "--email", ""
    )
    assert code == 0, err
    code, out, _ = run(capsys, demo_dir, "contacts", "show", contact_id)
    assert "Fleet Manager" in out
    assert "example-tools" not in out

    code, out, err = run(capsys, demo_dir, "contacts", "edit", contact_id, "--mobile", "not a phone")
    assert code == 1
    assert err.startswith("sfa: error: mobile: ")

    before = count(demo_dir, "contacts")
    code, out, err = run(capsys, demo_dir, "contacts", "delete", contact_id)
    assert code == 0, err
    assert count(demo_dir, "contacts") == before - 1
    code, _, err = run(capsys, demo_dir, "contacts", "show", contact_id)
    assert code == 1
    assert err.startswith("sfa: error: There is no contact")


def test_every_record_kind_lists_sorted_and_in_each_format(
    demo_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for kind in RECORD_KINDS:
        code, out, err = run(capsys, demo_dir, kind, "list", "--sort", "name", "--desc", "--format", "json")
        assert code == 0, err
        records = json.loads(out)
        assert records, kind
        names = [r["name"] for r in records]
        if kind in ("accounts", "opportunities"):
            assert names == sorted(names, key=str.lower, reverse=True)
        code, out, err = run(capsys, demo_dir, kind, "list", "--limit", "3")
        assert code == 0
        assert len(out.splitlines()) == 5
        assert "of" in err
        assert "--limit" in err


def test_opportunity_money_and_stage_from_the_command_line(
    demo_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    account = first_account(capsys, demo_dir)
    code, out, err = run(
        capsys,
        demo_dir,
        *("opportunities", "add", "--name", "Depot rollout", "--account", account["name"]),
        *("--amount", "12,500.50", "--stage", "Proposal", "--close-date", "2026-12-31"),
    )
    assert code == 0, err
    code, out, _ = run(capsys, demo_dir, "opportunities", "list", "--filter", "depot", "--format", "json")
    [record] = json.loads(out)
    assert record["amount"] == "12500.50"
    assert record["stage"] == "proposal"
    code, out, _ = run(capsys, demo_dir, "opportunities", "list", "--stage", "PROPOSAL", "--format", "csv")
    assert "Depot rollout" in out


def test_deleting_an_account_takes_its_contacts(demo_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    account = first_account(capsys, demo_dir)
    code, out, _ = run(capsys, demo_dir, "contacts", "list", "--account", account["id"], "--format", "json")
    contacts = json.loads(out)
    assert contacts
    code, out, err = run(capsys, demo_dir, "accounts", "delete", account["id"])
    assert code == 0, err
    assert "related record" in out
    code, out, _ = run(
        capsys, demo_dir, "contacts", "list", "--filter", contacts[0]["name"], "--format", "json"
    )
    assert contacts[0]["id"] not in {r["id"] for r in json.loads(out)}


def test_unknown_and_ambiguous_ids(demo_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, demo_dir, "accounts", "show", "ffffffff-ffff")
    assert code == 1
    assert err.startswith("sfa: error: There is no account")
    code, _, err = run(capsys, demo_dir, "accounts", "show", "-")
    assert code == 1
    code, _, err = run(capsys, demo_dir, "contacts", "edit", "whoever")
    assert code == 1
    assert "Nothing to change" in err
    ids = []
    for _ in range(2):
        code, out, _ = run(capsys, demo_dir, "contacts", "add", "--first-name", "Jo", "--last-name", "Twin")
        ids.append(out.split("(")[-1].split(")")[0])
    code, _, err = run(capsys, demo_dir, "contacts", "show", "jo twin")
    assert code == 1
    assert all(i[:8] in err for i in ids)
    code, out, _ = run(capsys, demo_dir, "contacts", "show", ids[1][:8])
    assert code == 0
    assert ids[1] in out


@pytest.mark.parametrize(
    "content",
    [b"this is not a database\n" * 10, b"SQLite format 3\x00" + b"\x00\xff" * 600],
    ids=["text-file", "corrupt-sqlite"],
)
def test_a_bad_data_file_is_reported_and_left_untouched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    bad = data / DB_FILENAME
    bad.write_bytes(content)
    for args in (("init",), ("contacts", "list"), ("demo", "--accounts", "2"), ("search", "x")):
        code, _out, err = run(capsys, data, *args)
        assert code == 1, args
        assert err.startswith("sfa: error: ")
        assert str(bad) in err
        assert len(err.splitlines()) == 1
        assert "Traceback" not in err
    assert bad.read_bytes() == content
    assert sorted(p.name for p in data.iterdir()) == [DB_FILENAME]


def test_missing_database_says_to_run_init(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, tmp_path / "nothing", "contacts", "list")
    assert code == 1
    assert "init" in err
    assert not (tmp_path / "nothing").exists()


def test_settings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, tmp_path, "init")
    code, out, _ = run(capsys, tmp_path, "settings", "list")
    assert code == 0
    assert "phone_region" in out
    assert run(capsys, tmp_path, "settings", "set", "phone_region", "gb")[0] == 0
    assert run(capsys, tmp_path, "settings", "get", "phone_region")[1].strip() == "GB"
    code, _, err = run(capsys, tmp_path, "settings", "set", "phone_region", "Narnia")
    assert code == 1
    assert err.startswith("sfa: error: ")
    code, _, err = run(capsys, tmp_path, "settings", "get", "colour")
    assert code == 1
    assert "phone_region" in err
    # the phone region is used for national numbers typed on the command line
    code, out, err = run(
        capsys, tmp_path, "contacts", "add", "--last-name", "Brown", "--phone", "020 7946 0958"
    )
    assert code == 0, err
    code, out, _ = run(capsys, tmp_path, "contacts", "list", "--format", "csv")
    assert "+442079460958" in out


def test_search_by_kind(demo_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    account = first_account(capsys, demo_dir)
    word = account["name"].split()[0]
    code, out, _ = run(capsys, demo_dir, "search", word, "--kind", "accounts")
    assert code == 0
    kinds = {line.split()[0] for line in out.splitlines()[2:]}
    assert kinds == {"account"}
    code, out, _ = run(capsys, demo_dir, "search", word, "--limit", "50")
    assert "account" in out


def test_search_odd_input_never_fails(demo_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for words in ('"', "AND OR NOT", "(*)^:", "zoë  'x", "NEAR(a b)"):
        code, _, err = run(capsys, demo_dir, "search", words)
        assert code == 0, (words, err)


def help_commands() -> list[list[str]]:
    commands = [[], ["init"], ["demo"], ["search"], ["settings"], ["settings", "list"]]
    commands += [["settings", "get"], ["settings", "set"]]
    for kind in RECORD_KINDS:
        commands += [[kind], *([kind, action] for action in ("list", "add", "show", "edit", "delete"))]
    return commands


@pytest.mark.parametrize("command", help_commands(), ids=lambda c: " ".join(c) or "sfa")
def test_help_of_every_command(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*command, "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: sfa")


def test_add_help_offers_every_field(capsys: pytest.CaptureFixture[str]) -> None:
    from sfa_desktop.core.records.fields import ENTITIES

    main(["contacts", "add", "--help"])
    out = capsys.readouterr().out
    for spec in ENTITIES["contacts"].fields:
        assert spec.label in out


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert main(["contacts", "list", "--sort", "shoe size"]) == 2
    assert main(["frobnicate"]) == 2
    capsys.readouterr()


def test_the_installed_command(tmp_path: Path) -> None:
    LocalStore.open(tmp_path).close()
    exe = shutil.which("sfa")
    command = [exe] if exe else [sys.executable, "-m", "sfa_desktop.cli"]
    env = {**os.environ, "SFA_DATA_DIR": str(tmp_path)}
    done = subprocess.run(
        [*command, "contacts", "add", "--last-name", "X", "--email", "nope"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1
    assert done.stderr.startswith("sfa: error: email:")
    assert len(done.stderr.splitlines()) == 1
    assert count(tmp_path, "contacts") == 0
    # a console that cannot show every name gets '?' instead of a crash
    assert (
        main(["--data-dir", str(tmp_path), "contacts", "add", "--first-name", "Zoë", "--last-name", "Łoś"])
        == 0
    )
    listed = subprocess.run(
        [*command, "contacts", "list"],
        capture_output=True,
        env={**env, "PYTHONIOENCODING": "ascii"},
        timeout=120,
        check=False,
    )
    assert listed.returncode == 0, listed.stderr
    assert b"Zo? ?o?" in listed.stdout
