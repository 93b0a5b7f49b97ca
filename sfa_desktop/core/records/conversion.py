"""Converting a lead: it becomes an account, a contact and, if wanted, an opportunity.

:func:`find_matches` offers existing accounts and contacts the lead probably is already (same company name,
same email, same email or web domain), so that the person can attach to them instead of making a
duplicate; it is the one place that decides what "probably the same" means (fuzzy matching can replace it).

:func:`convert` does the whole conversion in the caller's transaction: the account (new or chosen), the
contact (new or chosen; the lead's notes go with it), the optional opportunity, every activity of the lead
linked to the account and contact (their notes travel with them), and the lead marked converted with links
to what it became.  A failure anywhere raises and the caller's transaction rolls back: the old state, or
the new one, never a mix.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from sfa_desktop.core.records import services
from sfa_desktop.core.records.fields import OPPORTUNITIES, clean
from sfa_desktop.core.records.models import Account, Contact, Lead, utcnow
from sfa_desktop.core.records.stages import StageIndex
from sfa_desktop.core.records.validation import ValidationError

#: Mail services whose domain says nothing about a person's company.
FREE_MAIL = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "yahoo.com",
        "hotmail.com",
        "outlook.com",
        "live.com",
        "msn.com",
        "aol.com",
        "icloud.com",
        "me.com",
        "proton.me",
        "protonmail.com",
        "gmx.com",
        "gmx.de",
        "web.de",
        "mail.com",
        "comcast.net",
        "verizon.net",
    }
)
_LEGAL = frozenset(
    {
        *("inc", "incorporated", "llc", "ltd", "limited", "co", "corp", "corporation", "company"),
        *("gmbh", "plc", "sa", "ag", "llp", "lp", "bv", "nv", "srl", "the"),
    }
)
_WORD = re.compile(r"[^\w]+")
_ADDRESS = ("street", "city", "region", "postcode", "country")
_OPPORTUNITY_FIELDS = ("name", "amount_cents", "close_date", "stage", "next_step")


@dataclass(frozen=True)
class Match:
    """An existing record the lead may already be."""

    kind: str  # accounts | contacts
    id: str
    label: str
    detail: str
    reasons: tuple[str, ...]
    account_id: str | None = None  # a contact's account


@dataclass
class Matches:
    accounts: list[Match] = field(default_factory=list)
    contacts: list[Match] = field(default_factory=list)


@dataclass
class Plan:
    """What the conversion makes: ``account_id`` / ``contact_id`` attach to existing records (None: new ones
    from the lead); ``opportunity`` holds an opportunity's fields (name, amount_cents, close_date, stage)
    or is None for none."""

    account_id: str | None = None
    contact_id: str | None = None
    opportunity: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Result:
    lead_id: str
    account_id: str
    contact_id: str
    opportunity_id: str | None
    created_account: bool
    created_contact: bool
    activities: int


def company_key(name: str | None) -> str:
    """A company name reduced to what identifies it: 'The ACME Corp.' -> 'acme'."""
    words = [w for w in _WORD.split((name or "").casefold()) if w and w not in _LEGAL]
    return " ".join(words)


def domain_of(value: str | None) -> str | None:
    """The domain of an email address or a web address ('https://www.acme.com/x' -> 'acme.com')."""
    if not value:
        return None
    text_ = value.strip().casefold()
    if "@" in text_ and "://" not in text_:
        host = text_.rsplit("@", 1)[1]
    else:
        host = text_.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
    host = host.removeprefix("www.")
    return host or None


# -- matching ----------------------------------------------------------------------------------------------


def find_matches(session: Session, lead_id: str) -> Matches:
    """Existing accounts and contacts this lead probably is, best first, each with its reasons."""
    lead = services.get(session, "leads", lead_id)
    assert isinstance(lead, Lead)
    accounts: dict[str, list[str]] = {}
    contacts: dict[str, list[str]] = {}

    def note(found: dict[str, list[str]], record_id: str, reason: str) -> None:
        reasons = found.setdefault(record_id, [])
        if reason not in reasons:
            reasons.append(reason)

    wanted = company_key(lead.company)
    if wanted:
        longest = max(wanted.split(), key=len)
        rows = session.execute(
            text("SELECT id, name FROM accounts WHERE deleted_at IS NULL AND name LIKE :p"),
            {"p": f"%{_escape_like(longest)}%"},
        )
        for record_id, name in rows:
            if company_key(name) == wanted:
                note(accounts, record_id, "Same company name")
    email_domain = domain_of(lead.email)
    web_domain = domain_of(lead.website)
    for domain, what in ((email_domain, "email"), (web_domain, "web")):
        if not domain or domain in FREE_MAIL:
            continue
        like = _escape_like(domain)
        rows = session.execute(
            text(
                "SELECT id, website, email FROM accounts WHERE deleted_at IS NULL AND (website LIKE :w1 "
                "ESCAPE '\\' OR website LIKE :w2 ESCAPE '\\' OR email LIKE :e ESCAPE '\\')"
            ),
            {"w1": f"%://{like}%", "w2": f"%://www.{like}%", "e": f"%@{like}"},
        )
        for record_id, website, email in rows:
            if domain in (domain_of(website), domain_of(email)):
                note(accounts, record_id, f"The lead's {what} domain {domain} is the account's")
        rows = session.execute(
            text(
                "SELECT DISTINCT account_id FROM contacts WHERE deleted_at IS NULL "
                "AND account_id IS NOT NULL AND email LIKE :e ESCAPE '\\'"
            ),
            {"e": f"%@{like}"},
        )
        for (account_id,) in rows:
            note(accounts, account_id, f"Its contacts have {domain} addresses")
    if lead.email:
        rows = session.execute(
            text("SELECT id FROM contacts WHERE deleted_at IS NULL AND email = :e COLLATE NOCASE"),
            {"e": lead.email},
        )
        for (record_id,) in rows:
            note(contacts, record_id, "Same email address")
    if accounts:
        ids = list(accounts)[:50]
        marks = ", ".join(f":a{n}" for n in range(len(ids)))
        rows = session.execute(
            text(
                "SELECT id FROM contacts WHERE deleted_at IS NULL AND last_name = :last COLLATE NOCASE "
                f"AND coalesce(first_name, '') = :first COLLATE NOCASE AND account_id IN ({marks})"
            ),
            {
                "last": lead.last_name,
                "first": lead.first_name or "",
                **{f"a{n}": i for n, i in enumerate(ids)},
            },
        )
        for (record_id,) in rows:
            note(contacts, record_id, "Same name, at a matching account")
    return Matches(_describe_accounts(session, accounts), _describe_contacts(session, contacts))


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _describe_accounts(session: Session, found: dict[str, list[str]]) -> list[Match]:
    result = []
    for record_id, reasons in found.items():
        row = session.execute(
            text("SELECT name, city, deleted_at FROM accounts WHERE id = :i"), {"i": record_id}
        ).first()
        if row is None or row[2] is not None:
            continue
        result.append(Match("accounts", record_id, row[0], row[1] or "", tuple(reasons)))
    return sorted(result, key=lambda m: (-len(m.reasons), m.label.casefold()))[:20]


def _describe_contacts(session: Session, found: dict[str, list[str]]) -> list[Match]:
    result = []
    for record_id, reasons in found.items():
        row = session.execute(
            text(
                "SELECT trim(coalesce(c.first_name, '') || ' ' || c.last_name), c.email, a.name, "
                "c.account_id FROM contacts c LEFT JOIN accounts a ON a.id = c.account_id WHERE c.id = :i"
            ),
            {"i": record_id},
        ).first()
        if row is None:
            continue
        detail = " · ".join(x for x in (row[2], row[1]) if x)
        result.append(Match("contacts", record_id, row[0], detail, tuple(reasons), row[3]))
    return sorted(result, key=lambda m: (-len(m.reasons), m.label.casefold()))[:20]


# -- converting --------------------------------------------------------------------------------------------


def convert(session: Session, lead_id: str, plan: Plan) -> Result:
    """Convert the lead as planned, in the caller's transaction (see the module's description).

    Everything a person can get wrong is checked before anything is written (ValidationError, nothing
    written); a failure while writing (a full disk, a crash) is undone by the caller's transaction."""
    lead = services.get(session, "leads", lead_id)
    assert isinstance(lead, Lead)
    if lead.status == "converted":
        when = f" on {lead.converted_at:%Y-%m-%d}" if lead.converted_at else ""
        raise ValidationError({"status": f"This lead was already converted{when}."})
    _check(session, plan)
    account_id, created_account = _account(session, lead, plan.account_id)
    contact_id, created_contact = _contact(session, lead, account_id, plan.contact_id)
    opportunity_id = None
    if plan.opportunity is not None:
        opportunity_id = _opportunity(session, lead, account_id, contact_id, plan.opportunity)
    moved = _carry_activities(session, lead.id, account_id, contact_id)
    services.update(
        session,
        "leads",
        lead.id,
        {
            "status": "converted",
            "converted_at": utcnow(),
            "converted_account_id": account_id,
            "converted_contact_id": contact_id,
            "converted_opportunity_id": opportunity_id,
        },
    )
    return Result(lead.id, account_id, contact_id, opportunity_id, created_account, created_contact, moved)


def _check(session: Session, plan: Plan) -> None:
    """The plan's problems, before anything is written: records that do not exist, a contact of another
    account, an opportunity's bad values."""
    if plan.account_id is not None:
        _existing(session, "accounts", plan.account_id, "account_id")
    if plan.contact_id is not None:
        contact = _existing(session, "contacts", plan.contact_id, "contact_id")
        if contact.account_id is not None and contact.account_id != plan.account_id:
            raise ValidationError(
                {
                    "contact_id": "That contact works for another account; choose a contact of the account "
                    "the lead is converted to, or a new contact."
                }
            )
    if plan.opportunity is not None:
        values = {k: v for k, v in plan.opportunity.items() if k in _OPPORTUNITY_FIELDS}
        try:
            cleaned = clean(OPPORTUNITIES, values, partial=True, phone_region="US")
            if cleaned.get("stage"):
                StageIndex.load(session).resolve(cleaned["stage"])
            else:
                StageIndex.load(session).first("open")
        except ValidationError as exc:
            raise ValidationError(
                {f"opportunity_{k}": f"Opportunity: {v}" for k, v in exc.errors.items()}
            ) from None


def account_values(lead: Mapping[str, Any]) -> dict[str, Any]:
    """A new account's fields from a lead's: its company (or, with none, the person), industry, size,
    website, address, territory and owner."""
    person = f"{lead.get('first_name') or ''} {lead['last_name']}".strip()
    values = {
        "name": lead.get("company") or person,
        **{k: lead.get(k) for k in ("industry", "employee_count", "website", *_ADDRESS)},
        "territory_id": lead.get("territory_id"),
        "owner_id": lead.get("owner_id"),
    }
    return _given(values)


def contact_values(lead: Mapping[str, Any], account_id: str) -> dict[str, Any]:
    """A new contact's fields from a lead's: the person, how to reach them, the lead's notes."""
    names = ("first_name", "last_name", "title", "email", "phone", "owner_id", "notes", *_ADDRESS)
    return _given({**{k: lead.get(k) for k in names}, "account_id": account_id})


def _account(session: Session, lead: Lead, account_id: str | None) -> tuple[str, bool]:
    if account_id is not None:
        record = _existing(session, "accounts", account_id, "account_id")
        return record.id, False
    return services.create(session, "accounts", account_values(services.as_dict(lead))).id, True


def _contact(session: Session, lead: Lead, account_id: str, contact_id: str | None) -> tuple[str, bool]:
    if contact_id is not None:
        record = _existing(session, "contacts", contact_id, "contact_id")
        assert isinstance(record, Contact)
        changes: dict[str, Any] = {}
        if record.account_id is None:
            changes["account_id"] = account_id
        for name in ("title", "email", "phone"):  # fill in what the contact lacks, never overwrite
            if getattr(record, name) is None and getattr(lead, name) is not None:
                changes[name] = getattr(lead, name)
        if lead.notes:
            changes["notes"] = _with_lead_notes(record.notes, lead)
        if changes:
            services.update(session, "contacts", record.id, changes)
        return record.id, False
    values = contact_values(services.as_dict(lead), account_id)
    return services.create(session, "contacts", values).id, True


def _with_lead_notes(existing: str | None, lead: Lead) -> str:
    who = f"{lead.first_name or ''} {lead.last_name}".strip()
    block = f"— From the lead {who}, converted {dt.date.today():%Y-%m-%d} —\n{lead.notes}"
    return f"{existing.rstrip()}\n\n{block}" if existing else block


def _opportunity(
    session: Session, lead: Lead, account_id: str, contact_id: str, given: Mapping[str, Any]
) -> str:
    values = {
        "account_id": account_id,
        "contact_id": contact_id,
        "owner_id": lead.owner_id,
        **{
            k: v
            for k, v in given.items()
            if k in ("name", "amount_cents", "close_date", "stage", "next_step")
        },
    }
    if not str(values.get("name") or "").strip():
        values["name"] = f"{lead.company or lead.last_name}: new business"
    try:
        return services.create(session, "opportunities", values).id
    except ValidationError as exc:
        raise ValidationError(
            {f"opportunity_{k}": f"Opportunity: {v}" for k, v in exc.errors.items()}
        ) from None


def _carry_activities(session: Session, lead_id: str, account_id: str, contact_id: str) -> int:
    """Link every live activity of the lead to the account (and the contact, unless it names another)."""
    rows = session.execute(
        text("SELECT id, account_id, contact_id FROM activities WHERE lead_id = :l AND deleted_at IS NULL"),
        {"l": lead_id},
    ).all()
    for activity_id, has_account, has_contact in rows:
        changes: dict[str, Any] = {}
        if has_account is None:
            changes["account_id"] = account_id
        if has_contact is None:
            changes["contact_id"] = contact_id
        if changes:
            services.update(session, "activities", activity_id, changes)
    return len(rows)


def _existing(session: Session, kind: str, record_id: str, name: str) -> Any:
    try:
        return services.get(session, kind, record_id)
    except services.NotFound as exc:
        raise ValidationError({name: str(exc)}) from None


def _given(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


def describe(session: Session, result: Result) -> str:
    """What a conversion did, in a sentence."""
    account = session.get(Account, result.account_id)
    contact = session.get(Contact, result.contact_id)
    person = f"{contact.first_name or ''} {contact.last_name}".strip() if contact else "?"
    parts = [
        f"the {'new' if result.created_account else 'existing'} account {account.name if account else '?'}",
        f"the {'new' if result.created_contact else 'existing'} contact {person}",
    ]
    if result.opportunity_id:
        parts.append("a new opportunity")
    sentence = "Converted to " + ", ".join(parts[:-1]) + " and " + parts[-1]
    if result.activities:
        sentence += f"; {result.activities} activit{'y' if result.activities == 1 else 'ies'} moved along"
    return sentence + "."
