"""``sfa requests list|new|show|comment|assign|status|resolve`` on demo data (a demo central store, the
laptop connected as the region's manager or as a rep)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from sfa_desktop.cli import main


def run(capsys: pytest.CaptureFixture[str], data: Path, *args: str) -> tuple[int, str, str]:
    code = main(["--data-dir", str(data), *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("cli-requests") / "data"
    assert main(["--data-dir", str(data), "demo", "--accounts", "40", "--as", "cwalsh"]) == 0
    return data


def test_list_filters_and_formats(capsys: pytest.CaptureFixture[str], demo: Path) -> None:
    code, out, _ = run(capsys, demo, "requests", "list", "--status", "any", "--format", "json")
    assert code == 0
    everything = json.loads(out)
    assert len(everything) >= 12
    assert {r["category"] for r in everything} >= {"delivery", "billing"}
    code, out, _ = run(capsys, demo, "requests", "list", "--format", "json")
    opened = json.loads(out)
    assert opened
    assert all(r["status"] not in ("resolved", "closed") for r in opened)
    code, out, _ = run(capsys, demo, "requests", "list", "--overdue", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows
    assert all("True" in (r["answer_overdue"], r["resolve_overdue"]) for r in rows)
    code, out, _ = run(capsys, demo, "requests", "list", "--category", "billing", "--status", "any")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split()[:4] == ["ID", "Raised", "Account", "Category"]
    assert all(" billing " in line for line in lines[2:])


def test_raise_comment_assign_resolve(capsys: pytest.CaptureFixture[str], demo: Path) -> None:
    code, out, _ = run(capsys, demo, "accounts", "list", "--limit", "1", "--format", "json")
    account = json.loads(out)[0]["name"]
    code, out, err = run(
        capsys, demo, "requests", "new", "--account", account, "--category", "quality",
        "--severity", "critical", "--subject", "Seals leaking on 40 units",
        "--description", "Found at goods-in.", "--link", "https://example.com/seals",
    )  # fmt: skip
    assert code == 0, err
    made = out.split()[1]
    assert out.endswith("it reaches the territory's queue with the next sync.\n")
    assert run(capsys, demo, "requests", "comment", made, "Replacement", "seals", "ordered.")[0] == 0
    code, out, err = run(capsys, demo, "requests", "assign", made, "dokafor")
    assert (code, out) == (0, f"Request {made} assigned to dokafor.\n"), err
    code, out, err = run(capsys, demo, "requests", "resolve", made, "--note", "Replaced under warranty")
    assert code == 0, err
    code, out, _ = run(capsys, demo, "requests", "show", made)
    assert out.startswith("Seals leaking on 40 units  [resolved]\n")
    assert "Assigned to: Daniel Okafor" in out
    assert "Resolution: Replaced under warranty" in out
    assert "link: https://example.com/seals" in out
    assert "Catherine Walsh:\n    Replacement seals ordered." in out
    code, out, _ = run(capsys, demo, "requests", "list", "--status", "resolved", "--format", "json")
    assert made in {r["id"][:8] for r in json.loads(out)}


def test_clear_errors(capsys: pytest.CaptureFixture[str], demo: Path) -> None:
    code, _, err = run(capsys, demo, "requests", "show", "ffffffff")
    assert (code, err) == (1, "sfa: error: There is no request 'ffffffff'.\n")
    code, _, err = run(
        capsys,
        demo,
        "requests",
        "new",
        "--account",
        "No Such Company",
        "--category",
        "price",
        "--subject",
        "x",
    )
    assert code == 1
    assert "There is no account 'No Such Company'" in err
    code, out, _ = run(capsys, demo, "requests", "list", "--format", "json")
    first = json.loads(out)[0]["id"]
    code, _, err = run(capsys, demo, "requests", "assign", first, "nobody")
    assert (code, err) == (
        1,
        "sfa: error: There is no active user 'nobody'. 'sfa users list' shows the logins.\n",
    )


def test_a_rep_may_not_assign_or_resolve(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    data = tmp_path / "rep"
    assert main(["--data-dir", str(data), "demo", "--accounts", "40", "--as", "dokafor"]) == 0
    capsys.readouterr()
    code, out, _ = run(capsys, data, "requests", "list", "--status", "any", "--format", "json")
    mine = json.loads(out)
    assert mine
    assert {r["territory"] for r in mine} == {"EAST-NE"}  # his territory's queue only
    code, _, err = run(capsys, data, "requests", "resolve", mine[0]["id"])
    assert code == 1
    assert "territory's managers and administrators assign, answer for and resolve its requests" in err
    code, _, err = run(capsys, data, "requests", "comment", mine[0]["id"], "Customer", "called", "again.")
    assert code == 0, err
