"""What every command group of ``sfa`` shares: the command tree, naming records, the local store, tables.

:class:`CommandTree` holds the commands the groups declare (``sfa leads``, ``sfa leads score``...), each with
its parser options and arguments, in whatever order the groups are called; :meth:`CommandTree.build` makes
the argparse subcommands from it.  Siblings are listed by the place of the declaring group in the top
module's ``GROUPS``, then in the order that group declared them, so one group can add subcommands to
another's group (``sfa opportunities won``) without either knowing the other.

:func:`resolve` turns what a person typed (a full id, a name, an id prefix) into a record id and
:func:`label_of` names a record back (both asked of :mod:`sfa_desktop.ops.records`: the command line holds
no SQL); :func:`open_store` opens the local database of ``--data-dir``; :func:`print_table` prints aligned
columns; :func:`count`, :func:`digits` and :func:`date` are argument types.  :class:`CliError` is a mistake
on the command line.
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TextIO

from sfa_desktop.core.errors import UserError
from sfa_desktop.ops import expiry as expiry_ops
from sfa_desktop.ops import records as record_ops
from sfa_desktop.store.database import LocalStore, default_data_dir

SHORT_ID = record_ops.SHORT_ID
MAX_CELL = 40
DEFAULT_TABLE_LIMIT = 50
#: The namespace attribute every command's parser sets to its words ("leads score"), for the error log.
WORDS = "command_words"


class CliError(UserError):
    """A mistake on the command line; the message says what to do."""


# -- records, the local store, tables ----------------------------------------------------------------------


def short(record_id: str) -> str:
    return record_id[:SHORT_ID]


def label_of(store: LocalStore, kind: str, record_id: str) -> str:
    """How a person names the record (its id when it has no name)."""
    return record_ops.label_of(store, kind, record_id)


def resolve(store: LocalStore, kind: str, given: str) -> str:
    """The id of the live record of ``kind`` that ``given`` names: a full id, a name, or an id prefix."""
    return record_ops.resolve_ref(store, kind, given)


def passphrase_source(args: argparse.Namespace) -> Callable[[bool], str | None]:
    """How ``sfa`` gets the data's passphrase where the machine has no keyring (``SFA_PASSPHRASE`` is read by
    the store first): one line of standard input with ``--passphrase-stdin``, else a prompt on a terminal
    (twice for a new one), else none (the store then says how to give one)."""

    def ask(new: bool) -> str | None:
        if getattr(args, "passphrase_stdin", False):
            return sys.stdin.readline().rstrip("\r\n") or None
        if not sys.stdin.isatty():
            return None
        if new:
            sys.stderr.write(
                "This computer has no keyring: choose a passphrase to encrypt this laptop's SFA Desktop data "
                "(it is asked at every start; forgotten, the data must be downloaded again).\n"
            )
        first = getpass.getpass("Passphrase for the SFA Desktop data: ")
        if new and first and getpass.getpass("The same passphrase again: ") != first:
            raise CliError("The two passphrases differ; nothing was created. Try again.")
        return first or None

    return ask


def open_store(args: argparse.Namespace, *, create: bool = False, locked_ok: bool = False) -> LocalStore:
    """The local store of ``--data-dir``.  Unless ``locked_ok`` (sync, connect, status), a laptop past the
    company's offline limit is refused (its data locked), or wiped past the second limit."""
    folder = args.data_dir if getattr(args, "data_dir", None) is not None else default_data_dir()
    store = LocalStore.open(folder, create=create, passphrase=passphrase_source(args))
    if locked_ok:
        return store
    try:
        enforced = expiry_ops.enforce(store)
    except BaseException:
        store.close()
        raise
    if enforced.wiped or enforced.locked:
        store.close()
        raise CliError(enforced.expiry.wiped_message if enforced.wiped else enforced.expiry.locked_message)
    return store


def print_table(headers: Sequence[str], rows: Sequence[Sequence[str]], out: TextIO) -> None:
    def cut(value: str) -> str:
        value = value.replace("\n", " ")
        return value if len(value) <= MAX_CELL else value[: MAX_CELL - 1] + "…"

    cells = [[cut(v) for v in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in cells:
        widths = [max(w, len(v)) for w, v in zip(widths, row, strict=True)]
    out.write("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip() + "\n")
    out.write("  ".join("-" * w for w in widths) + "\n")
    for row in cells:
        out.write("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip() + "\n")


# -- argument types ----------------------------------------------------------------------------------------


def count(value: str) -> int:
    """An argument type: a whole number, 0 or more."""
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{value}' is not a whole number") from None
    if number < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return number


def digits(value: str) -> int:
    """An argument type: a whole number 0 or more, written in digits only (``--limit``, ``--orders``)."""
    if not value.isdigit():
        raise argparse.ArgumentTypeError(f"'{value}' is not a whole number 0 or more")
    return int(value)


def date(value: str) -> dt.date:
    """An argument type: a day, YYYY-MM-DD."""
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{value}' is not a date like 2026-03-31") from None


# -- the command tree ----------------------------------------------------------------------------------------


class _Container(Protocol):
    """An argparse parser or argument group: what recorded arguments are added to."""

    def add_argument(self, *args: Any, **kwargs: Any) -> Any: ...


class Arguments:
    """A command's arguments (or those of an exclusive group), recorded to be added when the parser is built;
    the methods are argparse's, with the same parameters."""

    def __init__(self) -> None:
        self._steps: list[Callable[[Any], None]] = []

    def add_argument(self, *args: Any, **kwargs: Any) -> None:
        self._steps.append(lambda target: target.add_argument(*args, **kwargs))

    def add_mutually_exclusive_group(self, *, required: bool = False) -> Arguments:
        group = Arguments()
        self._steps.append(
            lambda target: group.add_to(target.add_mutually_exclusive_group(required=required))
        )
        return group

    def add_to(self, target: _Container) -> None:
        for step in self._steps:
            step(target)


class Command(Arguments):
    """One command's parser as declared: its arguments and defaults (``set_defaults(handler=...)``)."""

    def __init__(self) -> None:
        super().__init__()
        self.defaults: dict[str, Any] = {}

    def set_defaults(self, **kwargs: Any) -> None:
        self.defaults.update(kwargs)


@dataclass
class _Node:
    words: tuple[str, ...]
    order: tuple[int, int]
    options: dict[str, Any]
    command: Command
    subcommands: dict[str, Any] | None = None  # add_subparsers' options, for a command group
    children: list[_Node] = field(default_factory=list)


class CommandTree:
    """Every command of ``sfa`` below the top, as the groups declare them; see the module's docstring."""

    def __init__(self, data_dir: argparse.ArgumentParser) -> None:
        self.data_dir = data_dir
        self._nodes: dict[tuple[str, ...], _Node] = {}
        self._declared = 0

    def part(self, rank: int) -> Commands:
        """Where the group at ``rank`` in ``GROUPS`` declares its commands."""
        return Commands(self, rank)

    def declare(
        self, words: str, rank: int, options: dict[str, Any], subcommands: dict[str, Any] | None
    ) -> Command:
        path = tuple(words.split())
        if path in self._nodes:
            raise ValueError(f"'sfa {words}' is declared twice")
        self._declared += 1
        node = _Node(path, (rank, self._declared), options, Command(), subcommands)
        self._nodes[path] = node
        return node.command

    def paths(self) -> list[tuple[str, ...]]:
        """The words of every command and command group, in the order ``--help`` lists them."""
        found: list[tuple[str, ...]] = []

        def walk(nodes: list[_Node]) -> None:
            for node in nodes:
                found.append(node.words)
                walk(node.children)

        walk(self._tops())
        return found

    def build(self, parser: argparse.ArgumentParser, **subcommands: Any) -> None:
        """Add every declared command to ``parser``, as made by ``add_subparsers(**subcommands)``."""
        self._add(parser, subcommands, self._tops())

    def _tops(self) -> list[_Node]:
        for node in self._nodes.values():
            node.children = []
        tops: list[_Node] = []
        for path, node in self._nodes.items():
            if len(path) == 1:
                tops.append(node)
                continue
            parent = self._nodes.get(path[:-1])
            if parent is None or parent.subcommands is None:
                raise LookupError(f"'sfa {' '.join(path)}' is declared, but no command group 'sfa {path[0]}'")
            parent.children.append(node)
        for node in self._nodes.values():
            node.children.sort(key=lambda child: child.order)
        return sorted(tops, key=lambda node: node.order)

    def _add(self, parser: argparse.ArgumentParser, subcommands: dict[str, Any], nodes: list[_Node]) -> None:
        actions = parser.add_subparsers(**subcommands)
        for node in nodes:
            sub = actions.add_parser(node.words[-1], **node.options)
            node.command.add_to(sub)
            if node.subcommands is None or not node.subcommands["required"]:
                sub.set_defaults(**node.command.defaults, **{WORDS: " ".join(node.words)})
            else:
                sub.set_defaults(**node.command.defaults)
            if node.subcommands is not None:
                self._add(sub, node.subcommands, node.children)


class Commands:
    """What a command group declares its commands on (one part of the :class:`CommandTree`).

    ``command("leads score", help=..., ...)`` declares a command and returns it for its arguments;
    ``group("leads", help=..., ...)`` declares a command group, whose subcommands are named ``ACTION`` unless
    ``metavar`` says otherwise.  The keyword options are those of argparse's ``add_parser``.
    """

    def __init__(self, tree: CommandTree, rank: int) -> None:
        self._tree = tree
        self._rank = rank

    @property
    def data_dir(self) -> argparse.ArgumentParser:
        """The parent parser of ``--data-dir``, for ``parents=[...]`` of every command on the local store."""
        return self._tree.data_dir

    def command(self, words: str, **options: Any) -> Command:
        return self._tree.declare(words, self._rank, options, None)

    def group(
        self,
        words: str,
        *,
        dest: str = "action",
        metavar: str = "ACTION",
        required: bool = True,
        **options: Any,
    ) -> Command:
        """``required=False``: a command that also works alone (``sfa agenda``, ``sfa agenda week``); its
        handler is set with ``set_defaults`` like a command's."""
        return self._tree.declare(
            words, self._rank, options, {"dest": dest, "metavar": metavar, "required": required}
        )
