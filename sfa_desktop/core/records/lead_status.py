"""A lead's status and the moves between statuses, checked by the services on every write of a lead.

* new -> working, qualified, disqualified
* working -> new (set by mistake), qualified, disqualified
* qualified -> working, disqualified
* disqualified -> working (reopened: worked again before it is qualified again)
* converted: only by converting the lead (which links the account and contact it became), and final.

A disqualified lead needs a reason.  A lead may start in any status but converted.  The messages say what is
wrong and what to do instead; they are keyed by the field to fix (``status`` or ``status_reason``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sfa_desktop.core.records.validation import ValidationError

OPEN_STATUSES = ("new", "working", "qualified")
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "new": ("working", "qualified", "disqualified"),
    "working": ("new", "qualified", "disqualified"),
    "qualified": ("working", "disqualified"),
    "disqualified": ("working",),
    "converted": (),
}
#: Fields the conversion sets together with the status "converted" (system fields: no form offers them).
CONVERSION_LINKS = ("converted_account_id", "converted_contact_id")

TO_CONVERTED = (
    "A lead becomes converted only by converting it, which creates (or links) its account and contact: "
    "use Convert… on the lead, or 'sfa leads convert'."
)
DISQUALIFY_REASON = (
    "Say why the lead is disqualified in Status reason (for example 'no budget' or 'already a customer of "
    "a competitor')."
)


def allowed_from(status: str) -> tuple[str, ...]:
    return TRANSITIONS.get(status, ())


def check(current: Mapping[str, Any] | None, values: Mapping[str, Any]) -> None:
    """Refuse a write of a lead that breaks the rules.  ``current``: the lead's stored values (None for a
    new lead); ``values``: the cleaned values being written (a new status, a reason, conversion links)."""
    stored = current or {}
    old = (stored.get("status") or "new") if current is not None else None
    new = (values.get("status") or "new") if "status" in values else (old or "new")
    if old == "converted":
        if _changes_conversion(stored, values):
            when = stored.get("converted_at")
            day = f" on {when:%Y-%m-%d}" if when is not None else ""
            raise ValidationError(
                {
                    "status": f"This lead was converted{day}; a converted lead keeps its status. Work with "
                    "the account and contact it became instead."
                }
            )
        return  # its other fields (a phone number, notes) may still be corrected
    if new == "converted":
        if not all(values.get(link) for link in CONVERSION_LINKS):
            raise ValidationError({"status": TO_CONVERTED})
        return
    if old is not None and new != old and new not in allowed_from(old):
        allowed = allowed_from(old)
        choices = ", ".join(allowed[:-1]) + (" or " if len(allowed) > 1 else "") + allowed[-1]
        hint = " (a disqualified lead is reopened as working first)" if old == "disqualified" else ""
        raise ValidationError({"status": f"A {old} lead cannot become {new}{hint}; it can become {choices}."})
    reason = values["status_reason"] if "status_reason" in values else stored.get("status_reason")
    if new == "disqualified" and (new != old or "status_reason" in values) and not reason:
        raise ValidationError({"status_reason": DISQUALIFY_REASON})


def _changes_conversion(stored: Mapping[str, Any], values: Mapping[str, Any]) -> bool:
    """A write of a converted lead that changes its status or what it was converted to."""
    watched = ("status", *CONVERSION_LINKS, "converted_opportunity_id", "converted_at")
    return any(name in values and (values[name] or None) != stored.get(name) for name in watched)
