"""What an account is connected to: its contacts, open opportunities, open tasks and next steps, and recent
orders (the account's Related tab; ``sfa accounts show``).  One read, plain values."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from sfa_desktop.core.records.models import Activity, Contact, Opportunity, Order, PipelineStage
from sfa_desktop.core.records.validation import format_money, format_phone
from sfa_desktop.store.database import LocalStore

#: At most this many rows of each kind are listed; the counts are always complete.
LIMIT = 50
RECENT_ORDERS = 10


@dataclass(frozen=True)
class RelatedRow:
    """One line of a related section.  ``kind``/``record_id``: the record it opens (a section's kind, or
    "orders" for the account's Sales tab); ``cells``: the values shown, as text."""

    kind: str
    record_id: str
    cells: tuple[str, ...]


@dataclass(frozen=True)
class RelatedSection:
    key: str  # contacts | opportunities | tasks | orders
    title: str
    columns: tuple[str, ...]
    total: int
    rows: list[RelatedRow] = field(default_factory=list)

    @property
    def heading(self) -> str:
        return f"{self.title} ({self.total:,})"


def _day(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        local = value.astimezone()
        return (
            local.strftime("%Y-%m-%d %H:%M") if (local.hour, local.minute) != (0, 0) else f"{local:%Y-%m-%d}"
        )
    return value.isoformat()


def _person(first: str | None, last: str) -> str:
    return f"{first or ''} {last}".strip()


def related_of(store: LocalStore, account_id: str) -> list[RelatedSection]:
    """The account's related records: contacts (by name), open opportunities (soonest close first), open
    tasks and next steps (soonest due first, undated last) and the most recent orders."""
    with Session(store.engine) as session:
        return [
            _contacts(session, account_id),
            _opportunities(session, account_id),
            _tasks(session, account_id),
            _orders(session, account_id),
        ]


def _contacts(session: Session, account_id: str) -> RelatedSection:
    live = (Contact.account_id == account_id, Contact.deleted_at.is_(None))
    total = session.scalar(select(func.count()).select_from(Contact).where(*live)) or 0
    rows = session.execute(
        select(
            Contact.id, Contact.first_name, Contact.last_name, Contact.title, Contact.phone, Contact.mobile
        )
        .add_columns(Contact.email)
        .where(*live)
        .order_by(func.lower(Contact.last_name), func.lower(Contact.first_name), Contact.id)
        .limit(LIMIT)
    )
    return RelatedSection(
        "contacts",
        "Contacts",
        ("Name", "Title", "Phone", "Email"),
        total,
        [
            RelatedRow(
                "contacts",
                r.id,
                (
                    _person(r.first_name, r.last_name),
                    r.title or "",
                    format_phone(r.phone or r.mobile or ""),
                    r.email or "",
                ),
            )
            for r in rows
        ],
    )


def _open_stages() -> Select[str]:
    return select(PipelineStage.key).where(
        PipelineStage.category == "open", PipelineStage.deleted_at.is_(None)
    )


def _opportunities(session: Session, account_id: str) -> RelatedSection:
    live = (
        Opportunity.account_id == account_id,
        Opportunity.deleted_at.is_(None),
        Opportunity.stage.in_(_open_stages()),
    )
    total = session.scalar(select(func.count()).select_from(Opportunity).where(*live)) or 0
    stage_name = (
        select(PipelineStage.name)
        .where(PipelineStage.key == Opportunity.stage, PipelineStage.deleted_at.is_(None))
        .scalar_subquery()
    )
    rows = session.execute(
        select(
            Opportunity.id,
            Opportunity.name,
            Opportunity.stage,
            stage_name.label("stage_name"),
            Opportunity.amount_cents,
            Opportunity.currency,
            Opportunity.close_date,
        )
        .where(*live)
        .order_by(Opportunity.close_date.is_(None), Opportunity.close_date, Opportunity.name)
        .limit(LIMIT)
    )
    return RelatedSection(
        "opportunities",
        "Open opportunities",
        ("Name", "Stage", "Amount", "Close date"),
        total,
        [
            RelatedRow(
                "opportunities",
                r.id,
                (
                    r.name,
                    r.stage_name or r.stage,
                    format_money(r.amount_cents, r.currency),
                    _day(r.close_date),
                ),
            )
            for r in rows
        ],
    )


def _tasks(session: Session, account_id: str) -> RelatedSection:
    """Activities not done yet (tasks, planned calls and visits) of the account, its contacts and its
    opportunities; then the next steps written on its open opportunities."""
    contacts = select(Contact.id).where(Contact.account_id == account_id)
    deals = select(Opportunity.id).where(Opportunity.account_id == account_id)
    open_activity = (
        Activity.deleted_at.is_(None),
        Activity.done_at.is_(None),
        Activity.kind != "note",
        (Activity.account_id == account_id)
        | Activity.contact_id.in_(contacts)
        | Activity.opportunity_id.in_(deals),
    )
    steps = (
        Opportunity.account_id == account_id,
        Opportunity.deleted_at.is_(None),
        Opportunity.stage.in_(_open_stages()),
        func.trim(func.coalesce(Opportunity.next_step, "")) != "",
    )
    total = (session.scalar(select(func.count()).select_from(Activity).where(*open_activity)) or 0) + (
        session.scalar(select(func.count()).select_from(Opportunity).where(*steps)) or 0
    )
    found: list[RelatedRow] = []
    activities = session.execute(
        select(Activity.id, Activity.kind, Activity.subject, Activity.due_at)
        .add_columns(Activity.contact_id, Activity.opportunity_id)
        .where(*open_activity)
        .order_by(Activity.due_at.is_(None), Activity.due_at, Activity.subject)
        .limit(LIMIT)
    )
    for r in activities:
        # an activity has no section of its own: it opens what it is about
        kind, target = (
            ("opportunities", r.opportunity_id)
            if r.opportunity_id
            else ("contacts", r.contact_id)
            if r.contact_id
            else ("accounts", account_id)
        )
        found.append(RelatedRow(kind, target, (f"{r.kind.capitalize()}: {r.subject}", _day(r.due_at))))
    room = LIMIT - len(found)
    if room > 0:
        for r in session.execute(
            select(Opportunity.id, Opportunity.name, Opportunity.next_step, Opportunity.close_date)
            .where(*steps)
            .order_by(Opportunity.close_date.is_(None), Opportunity.close_date, Opportunity.name)
            .limit(room)
        ):
            found.append(
                RelatedRow("opportunities", r.id, (f"Next step: {r.next_step.strip()} ({r.name})", ""))
            )
    return RelatedSection("tasks", "Open tasks and next steps", ("Subject", "Due"), total, found)


def _orders(session: Session, account_id: str) -> RelatedSection:
    live = (Order.account_id == account_id, Order.deleted_at.is_(None))
    total = session.scalar(select(func.count()).select_from(Order).where(*live)) or 0
    rows = session.execute(
        select(Order.id, Order.number, Order.order_date, Order.total_cents, Order.currency, Order.status)
        .where(*live)
        .order_by(Order.order_date.desc(), Order.number.desc())
        .limit(RECENT_ORDERS)
    )
    return RelatedSection(
        "orders",
        "Recent orders",
        ("Number", "Date", "Total"),
        total,
        [
            RelatedRow(
                "orders",
                r.id,
                (
                    r.number + ("" if r.status in ("invoiced", "shipped", "open") else f" ({r.status})"),
                    _day(r.order_date),
                    format_money(r.total_cents, r.currency),
                ),
            )
            for r in rows
        ],
    )


def summary_lines(sections: list[RelatedSection]) -> list[str]:
    """The related records as text lines (``sfa accounts show``)."""
    lines: list[str] = []
    for section in sections:
        lines.append("")
        lines.append(section.heading)
        if not section.rows:
            lines.append("  none")
            continue
        widths = [
            max(len(c), *(len(r.cells[i]) for r in section.rows)) for i, c in enumerate(section.columns)
        ]
        for row in section.rows:
            lines.append(
                "  " + "  ".join(cell.ljust(w) for cell, w in zip(row.cells, widths, strict=True)).rstrip()
            )
        if section.total > len(section.rows):
            lines.append(f"  … and {section.total - len(section.rows):,} more")
    return lines
