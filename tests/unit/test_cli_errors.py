"""How ``sfa`` ends: errors a person can fix in ``sfa: error:`` lines, bugs in the error log."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from pathlib import Path

import pytest

from sfa_desktop import cli
from sfa_desktop.cli import basics, leads
from sfa_desktop.core.errors import UserError
from sfa_desktop.ops import errorlog


@pytest.fixture(autouse=True)
def _no_error_log() -> Iterator[None]:
    errorlog.teardown()
    yield
    errorlog.teardown()


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


class Mistake(UserError):
    def lines(self) -> list[str]:
        return ["the first thing to fix", "the second thing to fix"]


def test_a_bug_goes_to_the_error_log_and_one_line_names_it(
    data_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(args: argparse.Namespace) -> int:
        raise RuntimeError("the index went\nmissing")

    monkeypatch.setattr(leads, "cmd_score", broken)
    code, out, err = run(capsys, "--data-dir", str(data_dir), "leads", "score")
    log = errorlog.log_path(data_dir)
    assert code == cli.EXIT_BUG == 70
    assert out == ""
    assert err == (
        "sfa: internal error (RuntimeError: the index went missing); this is a bug, "
        f"the details are in {log}\n"
    )
    written = log.read_text(encoding="utf-8")
    assert "while sfa leads score" in written
    assert "Traceback (most recent call last)" in written
    assert "RuntimeError: the index went" in written
    assert "in broken" in written


def test_a_bug_where_the_data_folder_cannot_be_written_is_reported_on_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(args: argparse.Namespace) -> int:
        raise KeyError("hits")

    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("", encoding="utf-8")
    monkeypatch.setattr(basics, "cmd_search", broken)
    code, _out, err = run(capsys, "--data-dir", str(not_a_folder), "search", "x")
    assert code == 70
    report, last = err.rstrip("\n").rsplit("\n", 1)
    assert "While: sfa search" in report
    assert "KeyError: 'hits'" in report
    assert last == "sfa: internal error (KeyError: 'hits'); this is a bug, the details are above"


def test_a_user_error_is_one_line_per_problem_and_not_logged(
    data_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def refused(args: argparse.Namespace) -> int:
        raise UserError("That cannot be done;\n  do this instead.")

    monkeypatch.setattr(basics, "cmd_search", refused)
    code, out, err = run(capsys, "--data-dir", str(data_dir), "search", "x")
    assert (code, out, err) == (1, "", "sfa: error: That cannot be done; do this instead.\n")

    def several(args: argparse.Namespace) -> int:
        raise Mistake("two things")

    monkeypatch.setattr(basics, "cmd_search", several)
    code, _out, err = run(capsys, "--data-dir", str(data_dir), "search", "x")
    assert code == 1
    assert err == "sfa: error: the first thing to fix\nsfa: error: the second thing to fix\n"
    assert not errorlog.log_path(data_dir).parent.exists()
    assert errorlog.current_path() is None
