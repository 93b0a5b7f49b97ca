"""``sfa territories``, ``sfa report territory``, the report settings, and ``sfa central add-rule | rules |
remove-rule | move-territory``: what they print, what they change, and one-line errors."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import text

from sfa_desktop.cli import main
from sfa_desktop.store.database import LocalStore
from tests import report_fixture


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def data(store: LocalStore) -> str:
    fx = report_fixture.build(store)
    with store.transaction() as s:
        s.execute(
            text(
                "INSERT INTO territory_rules (id, territory_id, name, priority, applies_to, region, active, "
                "created_at, updated_at) VALUES ('r1', :t, 'Massachusetts', 100, 'both', 'MA', 1, "
                "'2026-01-01 00:00:00.000000', '2026-01-01 00:00:00.000000')"
            ),
            {"t": fx["SE"]},
        )
        s.execute(text("UPDATE accounts SET region = 'MA' WHERE name = 'A1 Corp'"))
    return str(store.path.parent)


def test_territories_list_shows_the_tree(data: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--data-dir", data, "territories", "list")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["Code", "Name", "Accounts", "Open", "leads", "Members", "Rules"]
    assert lines[2].split()[:4] == ["EAST", "East", "4", "2"]
    assert lines[3].startswith("  NE ")  # indented under EAST


def test_assign_previews_and_applies_only_with_apply(data: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--data-dir", data, "territories", "assign")
    assert code == 0
    assert "1 account would move" in out
    assert "A1 Corp" in out
    assert "New England (NE)" in out
    assert "Southeast (SE)" in out
    assert "Nothing was changed. Run again with --apply to move 1 records." in out
    code, out, _ = run(capsys, "--data-dir", data, "territories", "assign", "--territory", "NE", "--apply")
    assert code == 0
    assert "Moved 1 records" in out
    code, out, _ = run(capsys, "--data-dir", data, "territories", "assign")
    assert "Nothing would move" in out


def test_report_as_csv_and_pdf(data: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    csv_file = tmp_path / "east.csv"
    code, out, err = run(
        capsys,
        "--data-dir",
        data,
        "report",
        "territory",
        "--territory",
        "EAST",
        "--from",
        "2026-06-01",
        "--to",
        "2026-06-30",
        "-o",
        str(csv_file),
    )
    assert (code, err) == (0, "")
    assert out == f"Wrote the territory report for East (EAST), 1\u201330 Jun 2026, to {csv_file}.\n"
    raw = csv_file.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfTerritory report,East (EAST)\r\n")  # one dialect: BOM and CRLF
    assert b"\n" not in raw.replace(b"\r\n", b"")
    rows = list(csv.reader(io.StringIO(csv_file.read_text(encoding="utf-8-sig"), newline="")))
    assert rows[0] == ["Territory report", "East (EAST)"]
    start = rows.index(["Coverage: Coverage per rep"])
    assert rows[start + 1][:3] == ["Rep", "Accounts", "Contacts"]
    assert ["All reps", "4", "4", "3", "0.7500", "3"] in rows  # the default: activity in 30 days
    revenue = rows.index(["Revenue: Revenue per rep"])
    assert rows[revenue + 4] == ["All reps", "1500.00", "5500.00", "-0.7273", "2", "3"]

    pdf = tmp_path / "east.pdf"
    code, _out, _err = run(
        capsys,
        "--data-dir",
        data,
        "report",
        "territory",
        "--from",
        "2026-06-01",
        "--to",
        "2026-06-30",
        "-o",
        str(pdf),
    )
    assert code == 0
    reader = PdfReader(pdf)
    first = reader.pages[0].extract_text()
    assert "Territory report" in first
    assert "All territories" in first
    assert f"Page 1 of {len(reader.pages)}" in first


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("--from", "2026-06-30", "--to", "2026-06-01", "-o", "x.csv"),
            "sfa: error: The period ends on 2026-06-01, before it starts on 2026-06-30: choose an end date",
        ),
        (
            ("-o", "report.docx"),
            "sfa: error: Cannot tell the format of 'report.docx': name the file .pdf or .csv.",
        ),
        (("--territory", "NOWHERE", "-o", "x.csv"), "sfa: error: There is no territory 'NOWHERE'."),
    ],
)
def test_report_errors_are_one_line(
    data: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], args: tuple[str, ...], message: str
) -> None:
    code, out, err = run(capsys, "--data-dir", data, "report", "territory", *args)
    assert code == 1
    assert out == ""
    assert err.startswith(message)
    assert err.count("\n") == 1


def test_bad_date_format_is_a_usage_error(data: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = run(capsys, "--data-dir", data, "report", "territory", "--from", "June", "-o", "x.csv")
    assert code == 2
    assert "'June' is not a date like 2026-03-31" in err


def test_report_settings_are_checked(data: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        run(capsys, "--data-dir", data, "settings", "set", "cost_visit", "$212.50")[1]
        == "cost_visit = 212.50\n"
    )
    assert run(capsys, "--data-dir", data, "settings", "set", "cost_order", "40")[1] == "cost_order = 40\n"
    code, _out, err = run(capsys, "--data-dir", data, "settings", "set", "cost_call", "cheap")
    assert code == 1
    assert "cost_call was not changed: 'cheap' is not an amount; type one such as 180 or 12.50." in err
    code, _out, err = run(capsys, "--data-dir", data, "settings", "set", "report_decline_percent", "150")
    assert "must be a whole number from 1 to 100" in err
    assert run(capsys, "--data-dir", data, "settings", "get", "cost_visit")[1] == "212.50\n"


def test_central_rules_and_moves(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = str(tmp_path / "central.sqlite3")

    def central(*args: str) -> tuple[int, str, str]:
        return run(capsys, "central", args[0], "--url", url, *args[1:])

    assert central("init")[0] == 0
    for territory, name, parent in (
        ("EAST", "East", None),
        ("NE", "New England", "EAST"),
        ("WEST", "West", None),
    ):
        assert (
            central("add-territory", territory, "--name", name, *(("--parent", parent) if parent else ()))[0]
            == 0
        )
    assert (
        central(
            "add-rule",
            "NE",
            "--name",
            "NE ZIPs",
            "--country",
            "us",
            "--postcode-from",
            "01000",
            "--postcode-to",
            "06999",
        )[0]
        == 0
    )
    assert (
        central(
            "add-rule",
            "NE",
            "--name",
            "Boston",
            "--postcodes",
            "021 ,022",
            "--priority",
            "10",
            "--applies-to",
            "accounts",
            "--min-employees",
            "100",
        )[0]
        == 0
    )
    code, out, _ = central("rules")
    assert code == 0
    lines = [line.split("\t") for line in out.splitlines()]
    assert [line[1:5] for line in lines] == [
        ["NE", "10", "accounts", "Boston"],
        ["NE", "100", "both", "NE ZIPs"],
    ]
    assert lines[0][5] == "postcode 021…, 022…, 100+ employees"
    assert lines[1][5] == "country US, postcode 01000\u201306999"

    code, _out, err = central("add-rule", "NE", "--name", "Nothing")
    assert code == 1
    assert "A rule needs at least one condition" in err
    code, _out, err = central("add-rule", "NE", "--name", "x", "--postcodes", "021", "--postcode-from", "01")
    assert code == 1
    assert "not both" in err
    code, _out, err = central("add-rule", "NOPE", "--name", "x", "--city", "Boston")
    assert code == 1
    assert "There is no territory 'NOPE'" in err

    assert central("remove-rule", "Boston") == (0, "Removed rule 'Boston'.\n", "")
    assert len(central("rules", "NE")[1].splitlines()) == 1
    code, _out, err = central("remove-rule", "Boston")
    assert code == 1
    assert "There is no rule 'Boston'" in err

    assert central("move-territory", "NE", "--parent", "WEST")[0] == 0
    code, out, _ = central("territories")
    assert "NE\tNew England\tWEST" in out
    code, _out, err = central("move-territory", "WEST", "--parent", "NE")
    assert code == 1
    assert "cannot be put under itself" in err
    code, _out, err = central("move-territory", "NE")
    assert code == 1
    assert "--parent CODE, or --top" in err
    assert central("move-territory", "NE", "--top")[0] == 0
    assert "NE\tNew England\t-" in central("territories")[1]


def test_the_demo_as_the_manager_shows_assignment_moves(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = str(tmp_path / "demo")
    code, out, _ = run(
        capsys, "--data-dir", data, "demo", "--accounts", "60", "--today", "2026-03-14", "--as", "cwalsh"
    )
    assert code == 0
    assert "connected as the manager 'cwalsh'" in out
    code, out, _ = run(capsys, "--data-dir", data, "territories", "assign")
    assert code == 0
    assert "would move" in out
    assert "[not yours to move]" not in out  # the manager may make every move in the region


def test_assign_undo_last_and_the_log_of_runs(data: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 14, item 8: 'sfa territories runs' lists the runs; '--undo-last' moves the last run back."""
    code, out, _ = run(capsys, "--data-dir", data, "territories", "runs")
    assert (code, out) == (0, "No assignment runs on this laptop yet.\n")
    code, _out, err = run(capsys, "--data-dir", data, "territories", "assign", "--undo-last")
    assert code == 1
    assert "No assignment run to undo" in err
    run(capsys, "--data-dir", data, "territories", "assign", "--territory", "NE", "--apply")
    code, out, _ = run(capsys, "--data-dir", data, "territories", "runs", "--moves")
    assert code == 0
    assert out.splitlines()[0].split() == ["When", "Moved", "Where", "Undone"]
    assert "in New England (NE) and below" in out
    assert "A1 Corp" in out
    code, out, _ = run(capsys, "--data-dir", data, "territories", "assign", "--undo-last")
    assert code == 0
    assert out.startswith("Moved 1 records back where they were")
    code, out, _ = run(capsys, "--data-dir", data, "territories", "assign")
    assert "1 account would move" in out  # back in New England, where the rule would take it from
    code, out, _ = run(capsys, "--data-dir", data, "territories", "runs")
    assert "undone " in out
