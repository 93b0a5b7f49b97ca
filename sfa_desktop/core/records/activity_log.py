"""Logging what just happened with a customer: a call, visit, email, meeting or note, done now, linked to
the record it is about, with an optional follow-up task created in the same transaction.

The quick-log dialog and ``sfa log`` both call :func:`log_activity` inside one ``store.transaction()``;
a problem raises ValidationError naming the field, and nothing is written.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from sfa_desktop.core.records import services
from sfa_desktop.core.records.fields import ACTIVITIES, clean_value
from sfa_desktop.core.records.validation import FieldError, ValidationError, parse_date

#: What can be logged (a task is what a follow-up becomes).
LOG_KINDS = ("call", "visit", "email", "meeting", "note")
#: The records an activity can be logged on.
TARGETS = ("accounts", "contacts", "leads", "opportunities")
#: A follow-up is due at this local time on its day.
FOLLOW_UP_TIME = dt.time(9, 0)
_PERSON = "trim(coalesce(first_name, '') || ' ' || last_name)"
_NAMES = {"accounts": "name", "contacts": _PERSON, "leads": _PERSON, "opportunities": "name"}
_DEFAULT_SUBJECT = {
    "call": "Call with {}",
    "visit": "Visit to {}",
    "email": "Email to {}",
    "meeting": "Meeting with {}",
    "note": "Note on {}",
}
#: Labels of the dialog's and the command's fields that are not activity fields.
FOLLOW_UP_LABELS = {"follow_up": "Follow-up subject", "follow_up_due": "Follow-up due date"}


@dataclass(frozen=True)
class Logged:
    activity_id: str
    follow_up_id: str | None
    subject: str


def record_name(session: Session, kind: str, record_id: str) -> str:
    if kind not in _NAMES:
        raise ValueError(f"activities are logged on {', '.join(TARGETS)}, not {kind}")
    services.get(session, kind, record_id)  # NotFound for a missing or deleted record
    value = session.execute(
        text(f"SELECT {_NAMES[kind]} FROM {kind} WHERE id = :id"), {"id": record_id}
    ).scalar()
    return str(value or "")


def links(session: Session, kind: str, record_id: str) -> dict[str, str | None]:
    """The activity's links for a record: a contact's account, an opportunity's account and contact."""
    if kind == "accounts":
        return {"account_id": record_id}
    if kind == "leads":
        return {"lead_id": record_id}
    if kind == "contacts":
        account = session.execute(
            text("SELECT account_id FROM contacts WHERE id = :id"), {"id": record_id}
        ).scalar()
        return {"contact_id": record_id, "account_id": account}
    row = session.execute(
        text("SELECT account_id, contact_id FROM opportunities WHERE id = :id"), {"id": record_id}
    ).one()
    return {"opportunity_id": record_id, "account_id": row[0], "contact_id": row[1]}


def default_subject(kind: str, name: str) -> str:
    return _DEFAULT_SUBJECT.get(kind, "{}").format(name or "customer")


def _clean(name: str, value: Any, errors: dict[str, str]) -> Any:
    spec = ACTIVITIES.by_name[name]
    try:
        return clean_value(spec, value)
    except FieldError as exc:
        message = str(exc)
        errors[name] = message if message[:1].isupper() else f"{spec.label} {message}"
        return None


def log_activity(
    session: Session,
    kind: str,
    record_kind: str,
    record_id: str,
    *,
    subject: str | None = None,
    outcome: str | None = None,
    duration: str | int | None = None,
    notes: str | None = None,
    follow_up: str | None = None,
    follow_up_due: str | dt.date | None = None,
    owner_id: str | None = None,
    now: dt.datetime | None = None,
) -> Logged:
    """Log an activity done now on a record, and optionally a follow-up task; in the caller's transaction.

    ``owner_id`` is who logs it (the laptop's user); by default the record's owner."""
    errors: dict[str, str] = {}
    if kind not in LOG_KINDS:
        errors["kind"] = f"Kind '{kind}' cannot be logged; use one of: {', '.join(LOG_KINDS)}."
    name = record_name(session, record_kind, record_id)
    moment = now or dt.datetime.now(dt.UTC)
    values: dict[str, Any] = {
        "kind": kind,
        "subject": _clean("subject", subject or default_subject(kind, name), errors),
        "outcome": _clean("outcome", outcome, errors),
        "duration_minutes": _clean("duration_minutes", _minutes(duration), errors),
        "notes": _clean("notes", notes, errors),
        "done_at": moment,
        "due_at": moment,
    }
    due = _follow_up_due(follow_up, follow_up_due, moment, errors)
    task_subject = None
    if follow_up is not None and follow_up.strip():
        try:
            task_subject = clean_value(ACTIVITIES.by_name["subject"], follow_up)
        except FieldError as exc:
            errors["follow_up"] = f"{FOLLOW_UP_LABELS['follow_up']} {exc}"
    if errors:
        raise ValidationError(errors)
    linked = links(session, record_kind, record_id)
    owner = (
        owner_id
        or session.execute(
            text(f"SELECT owner_id FROM {record_kind} WHERE id = :id"), {"id": record_id}
        ).scalar()
    )
    common = {**{k: v for k, v in linked.items() if v}, "owner_id": owner}
    activity = services.create(session, "activities", {**values, **common})
    follow_up_id = None
    if task_subject is not None and due is not None:
        task = services.create(
            session, "activities", {"kind": "task", "subject": task_subject, "due_at": due, **common}
        )
        follow_up_id = task.id
    return Logged(activity.id, follow_up_id, values["subject"])


def _minutes(value: str | int | None) -> str | int | None:
    """'45', '45 min' and '45 minutes' are 45 minutes."""
    if isinstance(value, str):
        text = value.strip().lower()
        for unit in ("minutes", "minute", "mins", "min", "m"):
            if text.endswith(unit) and text[: -len(unit)].strip().isdigit():
                return text[: -len(unit)].strip()
    return value


def _follow_up_due(
    subject: str | None, due: str | dt.date | None, now: dt.datetime, errors: dict[str, str]
) -> dt.datetime | None:
    has_subject = subject is not None and bool(subject.strip())
    has_due = due is not None and (not isinstance(due, str) or bool(due.strip()))
    label = FOLLOW_UP_LABELS["follow_up_due"]
    if has_subject and not has_due:
        errors["follow_up_due"] = f"{label}: give the day the follow-up is due (YYYY-MM-DD)."
        return None
    if has_due and not has_subject:
        errors["follow_up"] = f"{FOLLOW_UP_LABELS['follow_up']}: say what the follow-up is."
        return None
    if not has_due:
        return None
    assert due is not None
    try:
        day = parse_date(due)
    except FieldError as exc:
        errors["follow_up_due"] = f"{label}: {exc}"
        return None
    if day < now.astimezone().date():
        errors["follow_up_due"] = f"{label}: {day.isoformat()} is in the past; choose today or a later day."
        return None
    return dt.datetime.combine(day, FOLLOW_UP_TIME).astimezone().astimezone(dt.UTC)
