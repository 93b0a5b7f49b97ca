"""``sfa leads score``, ``sfa leads convert`` and ``sfa leads rules``: scoring and converting leads.

The scoring rules are the ``lead_scoring_rules`` setting (``sfa settings set lead_scoring_rules JSON``, or
``sfa leads rules --file FILE``); they are checked before anything is saved.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from sfa_desktop.cli.common import CliError, Commands, label_of, open_store, print_table, resolve, short
from sfa_desktop.core.records.conversion import Match, Plan
from sfa_desktop.core.records.validation import parse_date, parse_money_cents
from sfa_desktop.core.scoring import rules as scoring_rules
from sfa_desktop.core.scoring import scores as scoring
from sfa_desktop.ops import leads as lead_ops
from sfa_desktop.ops import records as record_ops


def _points(value: int) -> str:
    return f"+{value}" if value > 0 else str(value)


def cmd_score(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        if args.id is not None:
            lead_id = resolve(store, "leads", args.id)
            score = lead_ops.lead_score(store, lead_id)
            label = label_of(store, "leads", lead_id)
            if score is None:
                raise CliError(f"The lead {label} has no score.")
            _print_score(label, score, args.format)
            return 0
        found = lead_ops.best_leads(store, args.limit or None)
    if args.format == "json":
        out = [
            {
                "id": lead.lead_id,
                "name": lead.values["name"],
                "company": lead.values["company"],
                "status": lead.values["status"],
                "score": lead.values["score"],
                "reasons": lead.reasons,
            }
            for lead in found
        ]
        json.dump(out, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
        return 0
    table = []
    for lead in found:
        r = lead.values
        best = max(lead.reasons, key=lambda x: abs(x["points"]), default=None)
        table.append(
            [
                short(lead.lead_id),
                r["name"] or "",
                r["company"] or "",
                r["status"] or "",
                str(r["score"]),
                f"{best['text']} ({_points(best['points'])})" if best else "",
            ]
        )
    print_table(["ID", "Name", "Company", "Status", "Score", "Weightiest reason"], table, sys.stdout)
    return 0


def _print_score(label: str, score: scoring.Score, fmt: str) -> None:
    if fmt == "json":
        document = {
            "lead": label,
            "score": score.score,
            "fit": score.fit,
            "engagement": score.engagement,
            "reasons": [r.__dict__ for r in score.reasons],
        }
        json.dump(document, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
        return
    print(f"{label}: score {score.score} (fit {_points(score.fit)}, engagement {_points(score.engagement)})")
    if not score.reasons:
        print("  No rule applies to this lead.")
    for group in ("fit", "engagement"):
        for reason in (r for r in score.reasons if r.group == group):
            print(f"  {_points(reason.points):>4}  {group:<10}  {reason.text}")


def _matches_message(kind: str, found: list[Match], flags: str) -> str:
    listed = "; ".join(f"{m.label} ({short(m.id)}: {', '.join(m.reasons).lower()})" for m in found[:5])
    return f"The lead matches existing {kind}: {listed}. Choose with {flags}."


def cmd_convert(args: argparse.Namespace) -> int:
    opportunity: dict[str, Any] | None = None
    if args.opportunity is None and (args.amount or args.close_date or args.stage):
        raise CliError(
            "--amount, --close-date and --stage describe the opportunity: give --opportunity NAME too."
        )
    with open_store(args) as store:
        lead_id = resolve(store, "leads", args.id)
        lead = record_ops.load_record(store, "leads", lead_id).values
        if lead.get("status") == "converted":
            when = lead.get("converted_at")
            raise CliError(f"This lead was already converted{f' on {when:%Y-%m-%d}' if when else ''}.")
        plan = Plan()
        matches = lead_ops.conversion_start(store, lead_id).matches
        if args.account is not None:
            plan.account_id = resolve(store, "accounts", args.account)
        elif not args.new_account and matches.accounts:
            raise CliError(
                _matches_message(
                    "accounts", matches.accounts, "--account REF, or --new-account to create one"
                )
            )
        if args.contact is not None:
            plan.contact_id = resolve(store, "contacts", args.contact)
        elif not args.new_contact and matches.contacts:
            raise CliError(
                _matches_message(
                    "contacts", matches.contacts, "--contact REF, or --new-contact to create one"
                )
            )
        if args.opportunity is not None:
            opportunity = {"name": args.opportunity}
            try:
                if args.amount is not None:
                    opportunity["amount_cents"] = parse_money_cents(args.amount)
                if args.close_date is not None:
                    opportunity["close_date"] = parse_date(args.close_date)
            except ValueError as exc:
                raise CliError(f"Opportunity: {exc}") from None
            if args.stage is not None:
                opportunity["stage"] = args.stage
            plan.opportunity = opportunity
        result, sentence = lead_ops.convert(store, lead_id, plan)
        label = label_of(store, "leads", lead_id)
    print(f"{label}: {sentence}")
    print(f"  account {result.account_id}\n  contact {result.contact_id}")
    if result.opportunity_id:
        print(f"  opportunity {result.opportunity_id}")
    return 0


def cmd_rules(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        if args.file is not None or args.reset:
            try:
                raw = (
                    scoring_rules.default_json()
                    if args.reset
                    else Path(args.file).read_text(encoding="utf-8")
                )
            except UnicodeDecodeError:
                raise CliError(f"{args.file} is not UTF-8 text; save the rules as UTF-8 JSON.") from None
            try:
                lead_ops.save_rules(store, raw, rescore=False)
            except scoring_rules.RulesError as exc:
                raise CliError("The rules were not saved: " + " ".join(exc.problems)) from None
            print("Saved the lead-scoring rules; scores are recomputed when next shown.")
            return 0
        text_ = scoring_rules.default_json() if args.defaults else lead_ops.load_rules(store)
    print(json.dumps(json.loads(text_), indent=2, ensure_ascii=False))
    return 0


def register(commands: Commands) -> None:
    """Add ``sfa leads score``, ``sfa leads convert`` and ``sfa leads rules``."""
    common = commands.data_dir
    score = commands.command(
        "leads score",
        parents=[common],
        help="lead scores and the reasons for them",
        description="Without a lead: the leads by score, best first, with the weightiest reason. With one: "
        "its score and every reason. The rules are the lead_scoring_rules setting ('sfa leads rules').",
    )
    score.add_argument("id", nargs="?", metavar="ID", help="a lead's id, id prefix or name")
    score.add_argument("--limit", type=int, default=20, metavar="N", help="at most N leads (20; 0 for all)")
    score.add_argument("--format", choices=("table", "json"), default="table", help="output format")
    score.set_defaults(handler=cmd_score)

    convert = commands.command(
        "leads convert",
        parents=[common],
        help="turn a lead into an account, a contact and optionally an opportunity",
        description="Convert a lead: an account and a contact (new, or existing ones given with --account "
        "and --contact), optionally an opportunity; the lead's activities and notes go along. When the lead "
        "matches existing accounts or contacts (same company, email or domain), say which to use or ask "
        "for new ones: nothing is duplicated silently.",
    )
    convert.add_argument("id", metavar="ID", help="the lead's id, id prefix or name")
    account = convert.add_mutually_exclusive_group()
    account.add_argument("--account", metavar="REF", help="attach to this existing account")
    account.add_argument("--new-account", action="store_true", help="create a new account from the lead")
    contact = convert.add_mutually_exclusive_group()
    contact.add_argument("--contact", metavar="REF", help="attach to this existing contact")
    contact.add_argument("--new-contact", action="store_true", help="create a new contact from the lead")
    convert.add_argument("--opportunity", metavar="NAME", help="also create an opportunity of this name")
    convert.add_argument("--amount", metavar="X", help="the opportunity's amount, e.g. 12500")
    convert.add_argument("--close-date", metavar="YYYY-MM-DD", help="the opportunity's expected close date")
    convert.add_argument("--stage", metavar="STAGE", help="the opportunity's stage (default: the first)")
    convert.set_defaults(handler=cmd_convert)

    rules = commands.command(
        "leads rules",
        parents=[common],
        help="show or change the lead-scoring rules",
        description="Show the lead-scoring rules as JSON, or replace them from a file (checked first: "
        "nothing is saved if any rule is wrong). See the documentation of core/scoring_rules.py.",
    )
    which = rules.add_mutually_exclusive_group()
    which.add_argument("--defaults", action="store_true", help="show the default rules")
    which.add_argument("--file", metavar="FILE", help="use the rules in this JSON file")
    which.add_argument("--reset", action="store_true", help="go back to the default rules")
    rules.set_defaults(handler=cmd_rules)
