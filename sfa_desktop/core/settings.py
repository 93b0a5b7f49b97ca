"""This laptop's preferences, kept in the local database (not synced)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from sfa_desktop.core import scoring_rules
from sfa_desktop.core.models import Setting

#: Every setting with its default.  Reading an unknown key is a programming error.
DEFAULTS: dict[str, str] = {
    "phone_region": "US",
    "currency": "USD",
    "page_size": "A4",
    "sync_interval_minutes": "15",
    # territory report: what each activity and each order costs (cost to serve, in the currency's units),
    # and the thresholds of its coverage and at-risk sections (see core.report_settings)
    "cost_call": "15",
    "cost_email": "4",
    "cost_visit": "180",
    "cost_meeting": "120",
    "cost_task": "10",
    "cost_note": "0",
    "cost_order": "35",
    "report_recent_days": "30",
    "report_no_contact_days": "60",
    "report_decline_percent": "20",
    #: JSON: the lead-scoring rules (see core.scoring_rules).
    "lead_scoring_rules": scoring_rules.default_json(),
}
#: Settings whose values are checked (and normalised) when they are put; a bad value raises ValueError
#: with a message for a person.
VALIDATORS: dict[str, Callable[[str], str]] = {
    "lead_scoring_rules": scoring_rules.normalize,
}


def get(session: Session, key: str) -> str:
    if key not in DEFAULTS:
        raise KeyError(f"unknown setting {key!r}")
    row = session.get(Setting, key)
    return DEFAULTS[key] if row is None else row.value


def put(session: Session, key: str, value: str) -> None:
    if key not in DEFAULTS:
        raise KeyError(f"unknown setting {key!r}; known: {', '.join(DEFAULTS)}")
    validator = VALIDATORS.get(key)
    if validator is not None:
        value = validator(value)
    row = session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value=value))
    else:
        row.value = value


def all_settings(session: Session) -> dict[str, str]:
    stored = {row.key: row.value for row in session.query(Setting)}
    return {key: stored.get(key, default) for key, default in DEFAULTS.items()}
