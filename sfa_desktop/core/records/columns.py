"""Which column of an import file is which field: the header names of common exports, recognised.

Salesforce, HubSpot, Outlook, Google Contacts and LinkedIn connections exports (and this app's own) name
their columns differently; each header is folded (lower case, letters and digits only) and looked up.  A few
exports need their own reading, recognised by columns only they have: Outlook's "Title" is Mr./Ms. (its job
title is "Job Title"), LinkedIn's "URL" is the person's profile, and Google Contacts gives phones as numbered
type and value pairs.  The person can fix any column in the mapping step; :func:`row_values` then turns a
row's cells into field values for :func:`sfa_desktop.core.records.fields.clean`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from sfa_desktop.core import csvfiles
from sfa_desktop.core.records.fields import ENTITIES

IMPORT_KINDS = ("contacts", "leads", "accounts")
#: Targets besides the record's own fields.
EXTRA_TARGETS: dict[str, dict[str, str]] = {
    "contacts": {"account_name": "Company (account)", "full_name": "Full name", "owner_name": "Owner"},
    "leads": {"full_name": "Full name", "owner_name": "Owner", "territory_name": "Territory"},
    "accounts": {"owner_name": "Owner", "territory_name": "Territory"},
}
_NOT_IMPORTED = {"owner_id", "territory_id", "account_id"}

_PERSON = {
    "first_name": "firstname givenname first forename vorname prenom",
    "last_name": "lastname familyname surname last nachname",
    "full_name": "name fullname contactname displayname leadname",
    "title": "title jobtitle position organizationtitle organization1title role",
    "email": "email emailaddress email1value primaryemail workemail businessemail mail",
    "phone": "phone phonenumber businessphone workphone telephone tel officephone primaryphone",
    "mobile": "mobile mobilephone mobilephonenumber cell cellphone handy",
}
# Salesforce writes its address fields by label ("Mailing State/Province") or by API name (MailingState,
# MailingPostalCode); a contact has Mailing and Other addresses, an account Billing and Shipping ones.
_PLACE = {
    "street": "street mailingstreet streetaddress businessstreet address address1street billingstreet "
    "address1 addressline1 otherstreet shippingstreet",
    "city": "city mailingcity businesscity address1city billingcity town othercity shippingcity",
    "region": "state region stateprovince mailingstateprovince businessstate stateregion address1region "
    "billingstateprovince province mailingstate otherstate billingstate shippingstate otherstateprovince "
    "shippingstateprovince",
    "postcode": "zip zipcode postalcode postcode mailingzippostalcode businesspostalcode address1postalcode "
    "billingzippostalcode zippostalcode mailingpostalcode otherpostalcode billingpostalcode "
    "shippingpostalcode otherzippostalcode shippingzippostalcode",
    "country": "country mailingcountry businesscountryregion countryregion address1country billingcountry "
    "othercountry shippingcountry",
    "notes": "notes description note comments",
}
_COMPANY = (
    "company companyname account accountname organization organizationname organization1name employer "
    "companyaccount"
)
_ALIASES: dict[str, dict[str, str]] = {
    "contacts": {
        **_PERSON,
        **_PLACE,
        "account_name": _COMPANY,
        "consent_email": "agreestoemail consentemail emailoptin",
        "consent_phone": "agreestocalls consentphone",
        "owner_name": "owner",
        "id": "id",
    },
    "leads": {
        **_PERSON,
        **_PLACE,
        "company": _COMPANY,
        "website": "website web webpage websiteurl companydomainname website1value",
        "industry": "industry",
        "employee_count": "employees numberofemployees noofemployees employeecount",
        "source": "leadsource source",
        "status": "leadstatus status",
        "status_reason": "statusreason",
        "owner_name": "owner",
        "territory_name": "territory",
        "id": "id",
    },
    "accounts": {
        "name": "name accountname company companyname organization organizationname organization1name",
        "industry": "industry",
        "employee_count": "employees numberofemployees noofemployees employeecount",
        "website": "website web webpage websiteurl companydomainname website1value",
        "phone": "phone phonenumber businessphone telephone tel mainphone",
        "email": "email emailaddress",
        **_PLACE,
        "latitude": "latitude lat",
        "longitude": "longitude lng lon long",
        "owner_name": "owner accountowner companyowner",
        "territory_name": "territory",
        "id": "id",
    },
}
_LOOKUP: dict[str, dict[str, str]] = {
    kind: {alias: target for target, words in aliases.items() for alias in words.split()}
    for kind, aliases in _ALIASES.items()
}
#: Exports recognised by columns only they have: (name, signature, overrides of folded headers).
_SOURCES: tuple[tuple[str, frozenset[str], dict[str, str | None]], ...] = (
    ("Outlook", frozenset({"emailaddress", "businessstreet"}), {"title": None, "jobtitle": "title"}),
    ("Outlook", frozenset({"emailaddress", "businessphone"}), {"title": None, "jobtitle": "title"}),
    ("LinkedIn connections", frozenset({"connectedon"}), {"url": None}),
    ("Google Contacts", frozenset({"email1value"}), {}),
    ("Google Contacts", frozenset({"givenname", "familyname"}), {}),
    ("Salesforce", frozenset({"mailingstreet"}), {}),
    ("Salesforce", frozenset({"mailingcity"}), {}),
    ("Salesforce", frozenset({"billingstreet"}), {}),
    ("Salesforce", frozenset({"leadstatus", "company"}), {}),
    ("Salesforce", frozenset({"mailingstate"}), {}),
    ("Salesforce", frozenset({"mailingpostalcode"}), {}),
    ("Salesforce", frozenset({"billingstate"}), {}),
    ("Salesforce", frozenset({"isconverted"}), {}),
    ("Salesforce", frozenset({"leadsource", "status", "company", "numberofemployees"}), {}),
    ("Salesforce", frozenset({"leadstatus", "companyaccount"}), {}),
    ("Salesforce", frozenset({"leadid"}), {}),
    ("HubSpot", frozenset({"recordid"}), {"recordid": None}),
    ("HubSpot", frozenset({"stateregion", "countryregion"}), {}),
    ("SFA Desktop", frozenset({"agreestoemail"}), {}),
)
#: How Google Contacts separates several values in one cell.
MULTI = ":::"
_GOOGLE_PHONE = re.compile(r"phone(\d+)(value|type|label)")
_NUMBERED = re.compile(r"(email|website|organization|address)(\d+)")


def fold_header(header: str) -> str:
    """'E-mail Address' -> 'emailaddress'; 'Mailing State/Province' -> 'mailingstateprovince'."""
    return re.sub(r"[^a-z0-9]", "", header.lower())


def targets(kind: str) -> dict[str, str]:
    """Every target a column can be mapped to, with its label, in form order."""
    ent = ENTITIES[kind]
    found = {f.name: f.label for f in ent.fields if f.name not in _NOT_IMPORTED}
    return {**found, **EXTRA_TARGETS[kind]}


def detect_source(headers: Sequence[str]) -> str | None:
    folded = {fold_header(h) for h in headers}
    return next((name for name, signature, _o in _SOURCES if signature <= folded), None)


#: Columns only a contacts export has (Salesforce contacts also have Lead Source, HubSpot contacts a Lead
#: Status: those say nothing about the kind).
_CONTACT_ONLY = frozenset(
    {
        "contactid",
        "accountname",
        "accountid",
        "contactowner",
        "mailingstreet",
        "mailingcity",
        "mailingstate",
        "mailingstateprovince",
        "mailingpostalcode",
        "mailingzippostalcode",
        "mailingcountry",
        "reportsto",
        "birthdate",
        "associatedcompany",
        "associatedcompanyid",
        "connectedon",
    }
)
_LEAD_ONLY = frozenset({"leadid", "leadowner", "isconverted", "convertedaccountid", "convertedcontactid"})


def guess_kind(headers: Sequence[str]) -> str:
    """The record kind a file most likely holds, by its columns."""
    folded = {fold_header(h) for h in headers}
    people = bool(folded & {"firstname", "lastname", "givenname", "familyname", "fullname", "contactname"})
    if not people and folded & {"accountname", "billingstreet", "companydomainname", "name", "companyname"}:
        return "accounts"
    if folded & _LEAD_ONLY:
        return "leads"
    if folded & _CONTACT_ONLY:
        return "contacts"
    if folded & {"leadstatus", "leadsource", "status"}:
        return "leads"
    return "contacts"


def _target(kind: str, folded: str, overrides: Mapping[str, str | None]) -> str | None:
    if folded in overrides:
        return overrides[folded]
    phone = _GOOGLE_PHONE.fullmatch(folded)
    if phone:
        part = "value" if phone.group(2) == "value" else "type"
        return f"phone_{part}:{phone.group(1)}"
    numbered = _NUMBERED.match(folded)
    if numbered and numbered.group(2) != "1":
        return None  # the second email, address... of a person: not a field here
    target = _LOOKUP[kind].get(folded)
    if target is None and numbered:
        target = _LOOKUP[kind].get(folded.replace("1", "", 1))
    return target


def suggest(kind: str, headers: Sequence[str]) -> list[str | None]:
    """A target for each column (None: not imported); each target is used once, by its first column."""
    folded = {fold_header(h) for h in headers}
    overrides: dict[str, str | None] = {}
    for _name, signature, extra in _SOURCES:
        if signature <= folded:
            overrides.update(extra)
            break
    used: set[str] = set()
    mapping: list[str | None] = []
    for header in headers:
        target = _target(kind, fold_header(header), overrides)
        if target is not None and target in used:
            target = None
        if target is not None:
            used.add(target)
        mapping.append(target)
    return mapping


def looks_like_header(cells: Sequence[str]) -> bool:
    """True for a line that names at least two known columns (finds the header after an export's notes)."""
    known = sum(
        1
        for cell in cells
        if any(_target(kind, fold_header(cell), {}) for kind in IMPORT_KINDS) and len(cell) < 60
    )
    return known >= 2


def row_values(kind: str, mapping: Sequence[str | None], cells: Sequence[str]) -> dict[str, str]:
    """Field values of one row by the mapping (empty cells left out); full names are split, numbered
    phone types and values (Google Contacts) become phone and mobile."""
    values: dict[str, str] = {}
    typed: dict[str, dict[str, str]] = {}
    more: list[str] = []  # the second and further values of a multi-value cell: kept in the notes
    for target, cell in zip(mapping, cells, strict=False):
        text = csvfiles.read_cell(cell.strip())
        if target is None or not text:
            continue
        if target.startswith("phone_"):
            part, _, number = target[6:].partition(":")
            typed.setdefault(number, {})[part] = text
            continue
        if target == "email" and MULTI in text:  # Google Contacts: "a@x.com ::: b@y.com"
            text, *others = [t.strip() for t in text.split(MULTI) if t.strip()] or [""]
            more += [f"Other email: {o}" for o in others]
        values.setdefault(target, text)
    for number in sorted(typed, key=int):
        value, *others = [v.strip() for v in typed[number].get("value", "").split(MULTI)]
        more += [f"Other phone: {o}" for o in others if o]
        if not value:
            continue
        label = typed[number].get("type", "").strip()
        kind_of_phone = label.lower()
        slot = "mobile" if "mobile" in kind_of_phone or "cell" in kind_of_phone else "phone"
        if slot == "mobile" and kind not in ("contacts",):
            slot = "phone"
        if slot in values:  # a second work number is not a mobile: it is kept in the notes
            more.append(f"Other phone{f' ({label.lstrip(chr(42)).strip()})' if label else ''}: {value}")
            continue
        values[slot] = value
    if more and "notes" in ENTITIES[kind].by_name:
        values["notes"] = "\n".join([values["notes"], *more] if values.get("notes") else more)
    full = values.pop("full_name", None)
    if full and "last_name" not in values:
        first, _, last = full.rpartition(" ")
        values["last_name"] = last or first
        if first and "first_name" not in values:
            values["first_name"] = first
    return values
