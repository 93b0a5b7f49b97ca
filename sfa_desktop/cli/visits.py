"""``sfa visit checkin|checkout|report|show|sign`` and ``sfa attachments list|get|purge``: visits on site
(issue 16), as the window's Check in, Check out and Visit report… do them."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sfa_desktop.cli.common import CliError, Commands, open_store, print_table, short
from sfa_desktop.core.visits.reports import Place
from sfa_desktop.ops import links, visits
from sfa_desktop.ops.visits import AttachmentView, VisitView


def _place(args: argparse.Namespace) -> Place | None:
    if (args.lat is None) != (args.lon is None):
        raise CliError("Give both --lat and --lon, or neither.")
    return None if args.lat is None else Place(args.lat, args.lon)


def _when(moment: object) -> str:
    import datetime as dt

    return moment.astimezone().strftime("%Y-%m-%d %H:%M") if isinstance(moment, dt.datetime) else "-"


def _size(n: int) -> str:
    return f"{n / 1048576:.1f} MB" if n >= 1048576 else f"{max(n // 1024, 1)} kB"


def _answer(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _print_visit(view: VisitView) -> None:
    print(f"{view.subject}  ({short(view.activity_id)})")
    print(f"Checklist: {view.template.name}")
    for label, moment, place in (
        ("Checked in", view.checkin_at, view.checkin_place),
        ("Checked out", view.checkout_at, view.checkout_place),
    ):
        where = f" at {place.latitude:.5f}, {place.longitude:.5f}" if place else ""
        print(f"{label}: {_when(moment)}{where}")
    for item in view.template.items:
        if item.type == "photo":
            photos = view.photos(item.key)
            answer = ", ".join(p.file_name for p in photos) if photos else "-"
        else:
            value = view.answers.get(item.key)
            answer = (
                "-" if value is None else ("yes" if value is True else "no" if value is False else f"{value}")
            )
            if isinstance(value, float) and value.is_integer():
                answer = str(int(value))
        mark = "*" if item.required else " "
        print(f" {mark} {item.key:<16} {item.label}: {answer}")
    others = [a for a in view.attachments if a.item_key is None and a.kind != "signature"]
    for a in others:
        print(f"   attached: {a.file_name} ({_size(a.size_bytes)})")
    if view.signer_name:
        print(f"Signed by {view.signer_name} at {_when(view.signed_at)}")
    state = f"submitted {_when(view.submitted_at)}" if view.submitted_at else "not submitted"
    print(f"Report: {state}" + (f"; visit logged: {view.outcome}" if view.outcome else ""))


def cmd_checkin(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        view = visits.check_in(store, args.activity, _place(args))
    print(f"Checked in to '{view.subject}' at {_when(view.checkin_at)} (checklist: {view.template.name}).")
    return 0


def cmd_checkout(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        view = visits.check_out(store, args.activity, _place(args))
    print(f"Checked out of '{view.subject}' at {_when(view.checkout_at)}.")
    return 0


def _photos(pairs: list[str]) -> list[tuple[str | None, Path]]:
    found: list[tuple[str | None, Path]] = []
    for pair in pairs:
        key, sep, path = pair.partition("=")
        if sep and key and "/" not in key and not Path(pair).exists():
            found.append((key.strip(), Path(path)))
        else:
            found.append((None, Path(pair)))
    return found


def cmd_report(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        answers = visits.parse_answers(store, args.activity, args.answer or [])
        photos = _photos(args.photo or []) + [(None, Path(p)) for p in args.file or []]
        view = visits.save_report(
            store,
            args.activity,
            answers,
            photos=photos,
            submit=not args.draft,
            outcome=args.outcome,
            notes=args.notes,
        )
    _print_visit(view)
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        _print_visit(visits.show(store, args.activity))
    return 0


def cmd_sign(args: argparse.Namespace) -> int:
    png = Path(args.image).read_bytes()
    with open_store(args) as store:
        view = visits.sign(store, args.activity, args.name, png)
    print(f"Signed by {view.signer_name} at {_when(view.signed_at)}.")
    return 0


def _state(a: AttachmentView) -> str:
    if a.uploaded:
        return "on the central store"
    if not a.here:
        return "elsewhere (sfa attachments get)"
    if a.problem:
        return f"waiting: {a.problem}"
    if a.sent_bytes:
        return f"uploading ({_size(a.sent_bytes)} of {_size(a.size_bytes)})"
    return "waiting to upload"


def cmd_list(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        record = None
        if args.activity:
            record = visits.show(store, args.activity).report_id or "-"
        rows = visits.list_attachments(store, record)
    if not rows:
        print("No attachments.")
        return 0
    print_table(
        ("ID", "FILE", "KIND", "ITEM", "SIZE", "STATE"),
        [(short(a.id), a.file_name, a.kind, a.item_key or "", _size(a.size_bytes), _state(a)) for a in rows],
        sys.stdout,
    )
    return 0


def cmd_get(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        view, data = visits.attachment_bytes(store, args.id, fetch=None if args.offline else links.blob_link)
    target = Path(args.output) if args.output else Path(view.file_name)
    if target.is_dir():
        target = target / view.file_name
    if target.exists() and not args.force:
        raise CliError(f"{target} exists; give --force to replace it, or -o FILE.")
    target.write_bytes(data)
    print(f"Wrote {target} ({_size(len(data))}).")
    return 0


def cmd_purge(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        removed = visits.purge_attachments(store, args.older_than)
    print(removed.describe())
    return 0


def cmd_templates(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        found = visits.list_templates(store)
    if not found:
        print("No checklist templates: every visit uses the built-in 'Standard visit'.")
        return 0
    for template in found:
        state = "" if template.active else ", inactive"
        print(f"{template.name}  (segment {template.segment or 'default'}{state}; id {template.template_id})")
        for item in template.items:
            print(f"   {item.key:<20} {item.label}  [{item.describe()}]")
    return 0


def cmd_template_save(args: argparse.Namespace) -> int:
    items = Path(args.items).read_text(encoding="utf-8")
    with open_store(args) as store:
        template = visits.save_template(store, args.name, args.segment, items, active=not args.inactive)
    print(
        f"Saved the checklist '{template.name}' ({len(template.items)} items); "
        "it goes out with the next sync."
    )
    return 0


def cmd_template_delete(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        found = visits.find_template(store, args.template)
        assert found.template_id is not None
        removal = visits.template_removal(store, found.template_id)
        print(removal.question())
        if not args.yes:
            if not sys.stdin.isatty():
                raise CliError("Nothing was changed: add --yes to remove it without a question.")
            if input("Go ahead? [y/N] ").strip().lower() not in ("y", "yes"):
                print("Nothing was changed.")
                return 1
        done = visits.remove_template(store, found.template_id)
    print(f"{done.done()} It goes out with the next sync.")
    return 0


def register(commands: Commands) -> None:
    """Add ``sfa visit ...`` and ``sfa attachments ...``."""
    common = commands.data_dir
    commands.group("visit", help="check in, check out and report a visit on site")
    for words, handler, what in (
        ("visit checkin", cmd_checkin, "check in to a visit (now; where you are, when given)"),
        ("visit checkout", cmd_checkout, "check out of a visit (now)"),
    ):
        parser = commands.command(words, parents=[common], help=what)
        parser.add_argument("activity", metavar="ACTIVITY", help="the visit activity's id or id prefix")
        parser.add_argument("--lat", type=float, metavar="DEG", help="latitude where you are")
        parser.add_argument("--lon", type=float, metavar="DEG", help="longitude where you are")
        parser.set_defaults(handler=handler)
    report = commands.command(
        "visit report",
        parents=[common],
        help="answer the visit's checklist, attach photos, submit and log the visit",
        description=(
            "Answer the visit's checklist (the template of the account's segment; 'sfa visit show' lists "
            "its items) with --answer ITEM=VALUE (yes/no, a number, text), attach photos to a photo item "
            "with --photo ITEM=FILE (or to the report with --photo FILE), then submit: every required item "
            "must be answered. --outcome logs the visit on the agenda as 'sfa log-outcome' does. Works "
            "offline; the report and photos go with the next sync."
        ),
    )
    report.add_argument("activity", metavar="ACTIVITY", help="the visit activity's id or id prefix")
    report.add_argument("--answer", action="append", metavar="ITEM=VALUE", help="an answer (repeat)")
    report.add_argument("--photo", action="append", metavar="[ITEM=]FILE", help="a photo to attach (repeat)")
    report.add_argument("--file", action="append", metavar="FILE", help="a file to attach (repeat)")
    report.add_argument("--outcome", metavar="O", help="log the visit with this outcome (e.g. completed)")
    report.add_argument("--notes", help="notes added to the visit when it is logged")
    report.add_argument("--draft", action="store_true", help="keep the answers without submitting")
    report.set_defaults(handler=cmd_report)
    show = commands.command("visit show", parents=[common], help="a visit's check-in, answers and photos")
    show.add_argument("activity", metavar="ACTIVITY", help="the visit activity's id or id prefix")
    show.set_defaults(handler=cmd_show)
    sign = commands.command("visit sign", parents=[common], help="keep the customer's signature (a PNG)")
    sign.add_argument("activity", metavar="ACTIVITY", help="the visit activity's id or id prefix")
    sign.add_argument("--name", required=True, help="who signed")
    sign.add_argument("image", metavar="PNG", help="the signature as a PNG file")
    sign.set_defaults(handler=cmd_sign)

    templates = commands.command(
        "visit templates", parents=[common], help="the checklist templates and their items, by segment"
    )
    templates.set_defaults(handler=cmd_templates)
    saver = commands.command(
        "visit template-save",
        parents=[common],
        help="add or replace a checklist template (managers and admins)",
        description=(
            "Add a checklist template, or replace the one of that name. ITEMS is a JSON file: a list of "
            '{"key", "label", "type" (yesno, number, text, photo), "required", "min", "max"}. A template '
            "with --segment A, B or C serves the accounts of that segment; one without is the default."
        ),
    )
    saver.add_argument("name", metavar="NAME")
    saver.add_argument("items", metavar="ITEMS", help="the items as a JSON file")
    saver.add_argument(
        "--segment", choices=("A", "B", "C"), help="the segment it serves (default: all others)"
    )
    saver.add_argument("--inactive", action="store_true", help="keep it, but do not use it for new visits")
    saver.set_defaults(handler=cmd_template_save)
    remover = commands.command(
        "visit template-delete",
        parents=[common],
        help="delete a checklist template, or retire it when visit reports used it (managers and admins)",
        description=(
            "Delete a checklist template no visit report used (for everyone, at the next sync). One that "
            "reports used is retired instead: made inactive, so no new visit uses it, and kept so those "
            "reports still show their items. Says which of the two it does and asks first (--yes: don't)."
        ),
    )
    remover.add_argument(
        "template", metavar="NAME|ID", help="the template's name or id ('sfa visit templates')"
    )
    remover.add_argument("--yes", action="store_true", help="do not ask")
    remover.set_defaults(handler=cmd_template_delete)

    commands.group("attachments", help="photos and files attached to visits")
    lister = commands.command("attachments list", parents=[common], help="attachments and their upload state")
    lister.add_argument("--activity", metavar="ACTIVITY", help="only this visit's")
    lister.set_defaults(handler=cmd_list)
    getter = commands.command(
        "attachments get",
        parents=[common],
        help="save an attachment to a file (fetched from the central store when it is not here)",
    )
    getter.add_argument("id", metavar="ID", help="the attachment's id or id prefix")
    getter.add_argument("-o", "--output", metavar="FILE", help="where to write it (default: its file name)")
    getter.add_argument("--force", action="store_true", help="replace an existing file")
    getter.add_argument("--offline", action="store_true", help="only from this laptop, never fetch")
    getter.set_defaults(handler=cmd_get)
    purge = commands.command(
        "attachments purge",
        parents=[common],
        help="let go of the bytes of attachments deleted more than 30 days ago (also done after each sync)",
        description=(
            "Remove from this laptop the bytes of attachments that no live attachment names and whose last "
            "one was deleted more than --older-than days ago (default 30: a deletion undone within it still "
            "finds its photo). The files are encrypted with this laptop's key; they are unlinked. Bytes of "
            "live attachments, also those waiting to upload, are never removed."
        ),
    )
    purge.add_argument(
        "--older-than", type=int, default=30, metavar="DAYS", help="the grace period in days (default 30)"
    )
    purge.set_defaults(handler=cmd_purge)
