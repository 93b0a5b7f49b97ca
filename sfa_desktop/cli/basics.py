"""``sfa init``, ``sfa demo``, ``sfa search`` and ``sfa settings``: the local database, demo data, finding
records and this laptop's settings."""

from __future__ import annotations

import argparse
import sys
import time
from typing import TextIO

from sfa_desktop.cli.common import CliError, Commands, count, date, open_store, print_table, short
from sfa_desktop.core import settings
from sfa_desktop.core.demo.generator import STAFF as DEMO_STAFF
from sfa_desktop.core.demo.generator import DemoDataError
from sfa_desktop.core.records.fields import ENTITIES
from sfa_desktop.ops import records as record_ops
from sfa_desktop.ops import settings as settings_ops
from sfa_desktop.store.database import DB_FILENAME, default_data_dir

# -- init, demo ------------------------------------------------------------------------------------------


def cmd_init(args: argparse.Namespace) -> int:
    folder = args.data_dir if args.data_dir is not None else default_data_dir()
    existed = (folder / DB_FILENAME).exists()
    with open_store(args, create=True) as store:
        state = "is up to date" if existed else "was created"
        print(f"The local database {store.path} {state}.")
    return 0


class _Progress:
    """Progress on stderr when seeding takes long: a live line on a terminal, a few lines otherwise."""

    def __init__(self, out: TextIO, *, after: float = 1.0) -> None:
        self.out = out
        self.started = time.monotonic()
        self.after = after
        self.shown = False
        self.last = 0.0
        self.next_step = 25
        self.tty = out.isatty()

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.started < self.after or total == 0:
            return
        percent = 100 * done // total
        message = f"Seeding demo data: {percent}% ({done:,} of {total:,} accounts)"
        if self.tty:
            if now - self.last >= 0.2 or done == total:
                self.out.write("\r" + message)
                self.out.flush()
                self.shown = True
                self.last = now
        elif percent >= self.next_step:
            self.out.write(message + "\n")
            self.next_step = (percent // 25 + 1) * 25

    def finish(self) -> None:
        if self.tty and self.shown:
            self.out.write("\n")
            self.out.flush()


def cmd_demo(args: argparse.Namespace) -> int:
    from sfa_desktop.core.demo import generator as demo

    progress = _Progress(sys.stderr)
    with open_store(args, create=True) as store:
        started = time.perf_counter()
        with store.transaction() as session:
            if not demo.is_empty(session):
                # every account row, deleted ones too, as this message always counted
                accounts = record_ops.section_counts(store, ("accounts",), deleted_too=True)["accounts"]
                if demo.holds_demo_data(session):
                    # pasting 'sfa demo && sfa-desktop' again must not fail: the demo data is there
                    print(
                        f"The database {store.path} already holds demo data ({accounts:,} accounts); "
                        "nothing was added. For fresh demo data, choose a new folder with --data-dir DIR."
                    )
                    return 0
                raise DemoDataError(
                    f"The database {store.path} already holds data ({accounts:,} accounts); demo data only "
                    "goes into an empty one, so that it never mixes with real records. Choose a new folder "
                    "with --data-dir DIR."
                )
            summary = demo.seed(
                session, accounts=args.accounts, seed=args.seed, today=args.today, progress=progress
            )
        progress.finish()
        elapsed = time.perf_counter() - started
        print(f"Demo data (seed {args.seed}) written to {store.path} in {elapsed:.1f} s:")
        counts = summary.counts()
        width = max(len(k) for k in counts)
        for kind, number in counts.items():
            label = ENTITIES[kind].plural if kind in ENTITIES else kind
            print(f"  {label.ljust(width)}  {number:>9,}")
        if not args.no_central:
            from sfa_desktop.ops.demo_central import publish_and_connect

            started = time.perf_counter()
            made = publish_and_connect(store, login=args.login)
            role = next(r for login, _name, r, _code in demo.STAFF if login == made.login)
            print(
                f"Demo central store {made.path} made in {time.perf_counter() - started:.1f} s; this laptop "
                f"is connected as the {role} '{made.login}' and synced ({made.report.summary()}): it now "
                f"holds what that {role} may see. Run 'sfa sync' any time."
            )
    return 0


# -- search, settings ------------------------------------------------------------------------------------


def cmd_search(args: argparse.Namespace) -> int:
    words = " ".join(args.text)
    with open_store(args) as store:
        hits = record_ops.run_search(store, words, limit=args.limit, kind=args.kind)
    if not hits:
        sys.stderr.write(f"Nothing matches '{words}'.\n")
        return 0
    print_table(
        ["Kind", "Name", "Detail", "ID"],
        [[ENTITIES[h.kind].singular, h.title, h.detail, short(h.record_id)] for h in hits],
        sys.stdout,
    )
    return 0


def _check_setting(key: str, value: str) -> str:
    if key not in settings.DEFAULTS:
        raise CliError(f"There is no setting '{key}'. Known settings: {', '.join(settings.DEFAULTS)}.")
    validator = settings.VALIDATORS.get(key)
    if validator is not None:
        try:
            return validator(value)
        except ValueError as exc:
            raise CliError(f"{key} was not changed: {exc}") from None
    return value.strip()


def cmd_settings(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        if args.action == "set":
            value = _check_setting(args.key, args.value)
            settings_ops.put(store, {args.key: value})
            print(f"{args.key} = {value}")
            return 0
        if args.action == "get":
            _check_setting_known(args.key)
            print(settings_ops.get(store, args.key))
            return 0
        current = settings_ops.all_settings(store)
    width = max(len(k) for k in current)
    for key, value in current.items():
        shown = " ".join(value.split())
        if len(shown) > 60:  # a JSON document: 'sfa settings get KEY' shows all of it
            shown = shown[:24] + f"…  ('sfa settings get {key}' for all)"
        print(f"{key.ljust(width)}  {shown}")
    return 0


def _check_setting_known(key: str) -> None:
    if key not in settings.DEFAULTS:
        raise CliError(f"There is no setting '{key}'. Known settings: {', '.join(settings.DEFAULTS)}.")


# -- the parsers -------------------------------------------------------------------------------------------


def register_setup(commands: Commands) -> None:
    """Add ``sfa init`` and ``sfa demo``."""
    common = commands.data_dir
    init = commands.command(
        "init",
        parents=[common],
        help="create or upgrade the local database",
        description="Create the local database (or bring an existing one up to date) and say where it is.",
    )
    init.set_defaults(handler=cmd_init)

    demo = commands.command(
        "demo",
        parents=[common],
        help="fill an empty database with demo data",
        description="Fill an empty database with realistic demo data: the East region with three "
        "territories, a manager and three reps, products, and per account about 2.5 contacts, one lead, "
        "1.5 opportunities and a history of activities. The same --seed and --today give the same data. "
        "Demo data only goes into an empty database, so it never mixes with real records: on a "
        "database that holds other data the command fails (exit 1); on one that already holds demo data it "
        "adds nothing and succeeds. Use --data-dir with a new folder for fresh demo data.",
    )
    demo.add_argument("--accounts", type=count, default=200, metavar="N", help="number of accounts (200)")
    demo.add_argument("--seed", type=int, default=0, metavar="S", help="random seed (0)")
    demo.add_argument(
        "--today",
        type=date,
        default=None,
        metavar="YYYY-MM-DD",
        help="the day the history leads up to (default: today)",
    )
    demo.add_argument(
        "--as",
        dest="login",
        choices=tuple(login for login, *_rest in DEMO_STAFF),
        default="dokafor",
        help="whose laptop this is: a rep (dokafor, default) or the region's manager (cwalsh), who edits "
        "territories and reports on the whole region",
    )
    demo.add_argument(
        "--no-central",
        action="store_true",
        help="only seed this laptop; do not make the embedded demo central store nor connect to it",
    )
    demo.set_defaults(handler=cmd_demo)


def register_lookup(commands: Commands) -> None:
    """Add ``sfa search`` and ``sfa settings``."""
    common = commands.data_dir
    search = commands.command(
        "search",
        parents=[common],
        help="find accounts, contacts and leads",
        description="Find accounts, contacts and leads by name, company, email, phone or city; each word "
        "matches as a prefix. Best matches first.",
    )
    search.add_argument("text", nargs="+", metavar="TEXT", help="words to look for")
    search.add_argument("--limit", type=count, default=20, metavar="N", help="at most N matches (20)")
    search.add_argument(
        "--kind", choices=("accounts", "contacts", "leads"), default=None, help="only records of this kind"
    )
    search.set_defaults(handler=cmd_search)

    commands.group(
        "settings",
        parents=[common],
        help="show or change this laptop's settings",
        description="Show or change this laptop's settings: " + ", ".join(settings.DEFAULTS) + ".",
    )
    commands.command("settings list", parents=[common], help="every setting and its value").set_defaults(
        handler=cmd_settings
    )
    getter = commands.command("settings get", parents=[common], help="one setting's value")
    getter.add_argument("key", metavar="KEY")
    getter.set_defaults(handler=cmd_settings)
    setter = commands.command("settings set", parents=[common], help="change a setting")
    setter.add_argument("key", metavar="KEY")
    setter.add_argument("value", metavar="VALUE")
    setter.set_defaults(handler=cmd_settings)
