"""The command tree of ``sfa`` is the same whatever order the command groups declare their commands in."""

from __future__ import annotations

import argparse
import contextlib
import io

import pytest

from sfa_desktop import cli


def _help(parser: argparse.ArgumentParser, words: tuple[str, ...]) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit):
        parser.parse_args([*words, "--help"])
    return out.getvalue()


def test_the_order_the_groups_declare_their_commands_in_does_not_matter() -> None:
    forward = cli.command_tree()
    backward = cli.command_tree(order=range(len(cli.GROUPS) - 1, -1, -1))
    paths = forward.paths()
    assert backward.paths() == paths
    assert ("leads", "score") in paths
    assert ("opportunities", "won") in paths
    assert ("central", "kb", "import") in paths
    assert paths.index(("leads", "list")) < paths.index(("leads", "score"))
    first, second = cli.build_parser(forward), cli.build_parser(backward)
    for words in [(), *paths]:
        assert _help(first, words) == _help(second, words), words


def test_a_command_declared_under_a_missing_group_is_refused() -> None:
    tree = cli.command_tree()
    tree.part(0).command("nowhere at-all", help="lost")
    with pytest.raises(LookupError, match="sfa nowhere at-all"):
        cli.build_parser(tree)
    with pytest.raises(ValueError, match="declared twice"):
        tree.part(0).command("init")
