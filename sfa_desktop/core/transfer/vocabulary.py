"""Other systems' picklist values -> ours: Salesforce's and HubSpot's lead statuses, lead sources and
industries, as their exports write them (labels such as "Open - Not Contacted", or API values such as
IN_PROGRESS).

:func:`fit` runs on a row's raw values before they are cleaned: a value that is ours already is left as it
is, a known value of another system is translated, and any other value is not refused but moved into the
notes with a warning, so an export imports whole and nothing it said is lost.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from sfa_desktop.core.records.fields import ENTITIES


def _key(value: str) -> str:
    return re.sub(r"[^a-z0-9]", "", value.lower())


#: Lead statuses (Salesforce's standard picklist, HubSpot's lead status) -> (ours, reason when one is needed).
STATUSES: dict[str, tuple[str, str]] = {
    _key(k): v
    for k, v in {
        "Open - Not Contacted": ("new", ""),
        "Open": ("new", ""),
        "Working - Contacted": ("working", ""),
        "Contacted": ("working", ""),
        "In progress": ("working", ""),
        "Attempted to contact": ("working", ""),
        "Connected": ("working", ""),
        "Open deal": ("qualified", ""),
        "Closed - Converted": ("qualified", ""),  # a lead here becomes converted only by converting it
        "Closed - Not Converted": ("disqualified", "Closed - Not Converted"),
        "Unqualified": ("disqualified", "Unqualified"),
        "Bad timing": ("disqualified", "Bad timing"),
    }.items()
}
#: Lead sources (Salesforce's standard picklist, HubSpot's original source) -> ours.
SOURCES: dict[str, str] = {
    _key(k): v
    for k, v in {
        "Web": "web",
        "Website": "web",
        "Organic search": "web",
        "Direct traffic": "web",
        "Social media": "web",
        "Organic social": "web",
        "Phone inquiry": "other",
        "Partner referral": "referral",
        "Employee referral": "referral",
        "External referral": "referral",
        "Word of mouth": "referral",
        "Referrals": "referral",
        "Purchased list": "other",
        "Partner": "partner",
        "Public relations": "other",
        "Seminar - Internal": "event",
        "Seminar - Partner": "event",
        "Trade show": "trade show",
        "Advertisement": "advertisement",
        "Paid search": "advertisement",
        "Paid social": "advertisement",
        "Email marketing": "email campaign",
        "Other campaigns": "other",
        "Offline sources": "other",
        "Offline": "other",
        "Other": "other",
    }.items()
}
#: Industries (Salesforce's standard picklist, HubSpot's) -> ours; the rest go to the notes.
INDUSTRIES: dict[str, str] = {
    _key(k): v
    for k, v in {
        "Apparel": "Retail",
        "Biotechnology": "Pharmaceuticals",
        "Communications": "Telecommunications",
        "Electronics": "Manufacturing",
        "Environmental": "Utilities",
        "Finance": "Banking",
        "Financial services": "Banking",
        "Food": "Food & Beverage",
        "Food and beverage": "Food & Beverage",
        "Machinery": "Manufacturing",
        "Recreation": "Hospitality",
        "Shipping": "Logistics",
        "Transportation": "Logistics",
        "Technology": "Software",
        "Computer software": "Software",
        "Information technology and services": "Software",
        "Entertainment": "Media",
        "Hospital & health care": "Healthcare",
        "Real estate": "Real Estate",
    }.items()
}
_TABLES: Mapping[str, Mapping[str, object]] = {"status": STATUSES, "source": SOURCES, "industry": INDUSTRIES}


def fit(kind: str, values: dict[str, str], warnings: list[str]) -> None:
    """Translate other systems' picklist values in ``values`` (raw, in place); move what has no
    counterpart into the notes, with a warning."""
    ent = ENTITIES[kind]
    kept: list[str] = []
    for name, table in _TABLES.items():
        spec = ent.by_name.get(name)
        value = values.get(name, "").strip()
        if spec is None or not value or value.lower() in {c.lower() for c in spec.choices}:
            continue
        found = table.get(_key(value))
        if isinstance(found, tuple):
            values[name] = found[0]
            if found[1] and not values.get("status_reason"):
                values["status_reason"] = found[1]
        elif isinstance(found, str):
            values[name] = found
        else:
            del values[name]
            kept.append(f"{spec.label}: {value}")
            warnings.append(f"{spec.label} '{value}' is not one of ours; it was kept in the notes.")
    if kept and "notes" in ent.by_name:
        values["notes"] = "\n".join([values["notes"], *kept] if values.get("notes") else kept)
