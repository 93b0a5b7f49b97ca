"""``sfa duplicates``, ``sfa merge``, ``sfa import`` and ``sfa export`` in-process through ``main``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import text

from sfa_desktop.cli import main
from sfa_desktop.core.records import services
from sfa_desktop.store.database import LocalStore


def run(capsys: pytest.CaptureFixture[str], data: Path, *args: str) -> tuple[int, str, str]:
    code = main(["--data-dir", str(data), *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def data(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    store = LocalStore.open(folder)
    with store.transaction() as session:
        acme = services.create(session, "accounts", {"name": "Acme Corporation", "website": "acme.com"}).id
        services.create(session, "accounts", {"name": "ACME Corp.", "phone": "+1 617 555 0100"})
        services.create(session, "contacts", {"first_name": "Jane", "last_name": "Doe", "account_id": acme})
    store.close()
    return folder


def _scalar(folder: Path, sql: str) -> object:
    store = LocalStore.open(folder, create=False)
    try:
        with store.engine.connect() as conn:
            return conn.execute(text(sql)).scalar()
    finally:
        store.close()


def test_duplicates_and_merge(capsys: pytest.CaptureFixture[str], data: Path) -> None:
    code, out, err = run(capsys, data, "duplicates", "accounts")
    assert code == 0
    assert out.splitlines()[0].split() == ["Group", "Score", "ID", "Name", "Why"]
    assert "same name" in out
    assert "1 group of likely duplicates" in err
    code, out, _ = run(capsys, data, "duplicates", "accounts", "--format", "json")
    groups = json.loads(out)
    assert [sorted(r["label"] for r in g["records"]) for g in groups] == [["ACME Corp.", "Acme Corporation"]]
    code, out, err = run(
        capsys, data, "merge", "accounts", "Acme Corporation", "ACME Corp.", "--take", "phone"
    )
    assert (code, err) == (0, "")
    assert "took phone" in out
    assert _scalar(data, "SELECT phone FROM accounts WHERE name = 'Acme Corporation'") == "+16175550100"
    merged = str(_scalar(data, "SELECT id FROM accounts WHERE merged_into_id IS NOT NULL"))
    code, out, _ = run(capsys, data, "accounts", "show", merged)  # the merged-away id leads to the survivor
    assert code == 0
    assert "Acme Corporation" in out
    code, _, err = run(capsys, data, "duplicates", "accounts")
    assert "No likely duplicates among the accounts" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("accounts", "Acme Corporation", "Acme Corporation"), "are the same account; name two"),
        (
            ("accounts", "Acme Corporation", "ACME Corp.", "--take", "colour"),
            "Accounts have no field 'colour'",
        ),
        (("accounts", "Acme Corporation", "Nobody Inc"), "There is no account 'Nobody Inc'"),
    ],
)
def test_merge_mistakes_are_one_line(
    capsys: pytest.CaptureFixture[str], data: Path, args: tuple[str, ...], message: str
) -> None:
    code, out, err = run(capsys, data, "merge", *args)
    assert code == 1
    assert out == ""
    assert err.startswith("sfa: error: ")
    assert message in err
    assert err.count("\n") == 1


def test_import_dry_run_rejects_and_reimport(
    capsys: pytest.CaptureFixture[str], data: Path, tmp_path: Path
) -> None:
    file = tmp_path / "people.csv"
    file.write_text(
        "First Name;Last Name;E-mail Address;Company\n"
        "Jane;Doe;jane@acme.com;Acme\nBad;;nope;\nAl;Ng;;Globex\n",
        encoding="cp1252",
    )
    code, out, err = run(capsys, data, "import", str(file), "--dry-run")
    assert code == 0
    assert "Read people.csv: 3 rows (CSV, semicolons, UTF-8); importing contacts." in out
    assert "Dry run, nothing written: 1 new, 1 to complete, 0 already there, 1 with problems" in out
    assert "line 3: Email 'nope' is not a valid address: An email address must have an @-sign." in err
    assert _scalar(data, "SELECT count(*) FROM contacts") == 1
    rejects = tmp_path / "rejects.csv"
    code, out, err = run(capsys, data, "import", str(file), "--rejects", str(rejects))
    assert code == 0
    assert "Imported 1 new contacts and 1 accounts, completed 1; 0 were there already, 1 rejected" in out
    assert rejects.read_text(encoding="utf-8-sig").splitlines()[1].startswith("3,")
    code, out, _ = run(capsys, data, "import", str(file))
    assert "Imported 0 new contacts, completed 0; 2 were there already, 1 rejected." in out
    assert _scalar(data, "SELECT count(*) FROM contacts") == 2
    assert _scalar(data, "SELECT email FROM contacts WHERE last_name = 'Doe'") == "jane@acme.com"


def test_import_with_a_mapping_and_a_type(
    capsys: pytest.CaptureFixture[str], data: Path, tmp_path: Path
) -> None:
    file = tmp_path / "leads.csv"
    file.write_text("Who,Firm,Mail\nKim Ng,Umbrella,kim@umbrella.com\n", encoding="utf-8")
    code, out, err = run(
        capsys,
        data,
        "import",
        str(file),
        "--type",
        "leads",
        "--map",
        "Who=full_name",
        "--map",
        "Firm=company",
        "--map",
        "Mail=email",
    )
    assert (code, err) == (0, "")
    assert "Imported 1 new leads" in out
    assert (
        _scalar(data, "SELECT first_name || ' ' || last_name || ' ' || company FROM leads")
        == "Kim Ng Umbrella"
    )
    code, _, err = run(capsys, data, "import", str(file), "--type", "leads", "--map", "Who=colour")
    assert code == 1
    assert "'colour' is not a field of leads" in err
    code, _, err = run(capsys, data, "import", str(file), "--map", "Nope=email")
    assert code == 1
    assert "give COLUMN=FIELD with a column of the file" in err


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty"),
        (b"Last Name,Email\n", "has a header (Last Name, Email) but no rows"),
        (b"PK\x03\x04" + b"\x00" * 64, "looks like a ZIP archive or an Excel workbook"),
    ],
)
def test_import_of_files_that_cannot_be_read(
    capsys: pytest.CaptureFixture[str], data: Path, tmp_path: Path, content: bytes, message: str
) -> None:
    file = tmp_path / "contacts.csv"
    file.write_bytes(content)
    code, out, err = run(capsys, data, "import", str(file))
    assert (code, out) == (1, "")
    assert message in err
    assert err.count("\n") == 1
    code, _, err = run(capsys, data, "import", str(tmp_path / "missing.csv"))
    assert code == 1
    assert "No such file or directory" in err


def test_export_csv_and_vcards(capsys: pytest.CaptureFixture[str], data: Path, tmp_path: Path) -> None:
    target = tmp_path / "accounts.csv"
    code, out, _ = run(capsys, data, "export", "accounts", "-o", str(target))
    assert (code, out) == (0, f"Exported 2 accounts as CSV to {target}.\n")
    assert (
        target.read_text(encoding="utf-8-sig").splitlines()[0].startswith("Name,Industry,Employees,Website")
    )
    code, out, _ = run(
        capsys, data, "export", "contacts", "--format", "vcard", "--vcard-version", "4.0", "-o", "-"
    )
    assert code == 0
    assert out.startswith("BEGIN:VCARD\r\nVERSION:4.0\r\n")
    assert "ORG:Acme Corporation" in out
    code, _, err = run(capsys, data, "export", "contacts", "-o", str(tmp_path / "no" / "such" / "x.csv"))
    assert code == 1
    assert "does not exist" in err
