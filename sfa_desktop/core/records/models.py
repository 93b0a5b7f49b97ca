"""The domain model: SQLAlchemy 2 declarative classes for every synced record.

Every synced record has a client-generated UUID text key, ``created_at`` and ``updated_at`` in UTC and a
soft-delete tombstone (``deleted_at``).  Nothing here knows about Qt, the outbox or sync: change capture
is installed on the tables by the local store (see ``sfa_desktop.store.capture``), so no write path can
bypass it.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from sfa_desktop.core.records.base_models import (
    NAMING_CONVENTION,
    Base,
    SyncedRecord,
    UTCDateTime,
    _merged_index,
    new_id,
    utcnow,
)
from sfa_desktop.core.records.comms_models import (
    Announcement,
    AnnouncementReceipt,
    Comment,
    Defection,
    Notification,
    NotificationRead,
    RequestComment,
    ServiceRequest,
)
from sfa_desktop.core.records.visit_models import (
    Attachment,
    BlobTransfer,
    ChecklistTemplate,
    ServiceLevel,
    VisitReport,
)

#: Names this module re-exports from the modules it was split into (``base_models``, ``comms_models``,
#: ``visit_models``): the rest of the app imports every model from here.
__all__ = [
    "NAMING_CONVENTION",
    "Announcement",
    "AnnouncementReceipt",
    "Attachment",
    "Base",
    "BlobTransfer",
    "ChecklistTemplate",
    "Comment",
    "Defection",
    "Notification",
    "NotificationRead",
    "RequestComment",
    "ServiceLevel",
    "ServiceRequest",
    "SyncedRecord",
    "UTCDateTime",
    "VisitReport",
    "new_id",
    "utcnow",
]


class User(SyncedRecord):
    __tablename__ = "users"
    is_reference_data = True

    login: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(32))
    role: Mapped[str] = mapped_column(String(16), default="rep")  # rep | manager | admin
    manager_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Where the rep's day starts (call-sheet routes): a label and its coordinates.
    home_base: Mapped[str | None] = mapped_column(String(200))
    home_latitude: Mapped[float | None]
    home_longitude: Mapped[float | None]


class Territory(SyncedRecord):
    __tablename__ = "territories"
    is_reference_data = True
    managers_write = True

    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("territories.id"))
    description: Mapped[str | None] = mapped_column(Text)


class TerritoryMembership(SyncedRecord):
    __tablename__ = "territory_memberships"
    is_reference_data = True
    managers_write = True

    territory_id: Mapped[str] = mapped_column(ForeignKey("territories.id"), index=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[str] = mapped_column(String(16), default="rep")  # rep | manager


class Account(SyncedRecord):
    __tablename__ = "accounts"

    name: Mapped[str] = mapped_column(String(200))
    industry: Mapped[str | None] = mapped_column(String(80))
    employee_count: Mapped[int | None] = mapped_column(Integer)
    website: Mapped[str | None] = mapped_column(String(300))
    phone: Mapped[str | None] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(254))
    street: Mapped[str | None] = mapped_column(String(200))
    city: Mapped[str | None] = mapped_column(String(100))
    region: Mapped[str | None] = mapped_column(String(100))
    postcode: Mapped[str | None] = mapped_column(String(20))
    country: Mapped[str | None] = mapped_column(String(2))
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    territory_id: Mapped[str | None] = mapped_column(ForeignKey("territories.id"), index=True)
    owner_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), index=True)
    notes: Mapped[str | None] = mapped_column(Text)
    #: Set (with the tombstone) when this record was merged into another: the id resolves to that one.
    merged_into_id: Mapped[str | None] = mapped_column(String(36))
    #: The customer segment (A, B or C) whose service level applies; None is served as C.  A manager's
    #: choice: the territory report's ABC ranking suggests it (``core.service_levels``).
    segment: Mapped[str | None] = mapped_column(String(8))
    #: This account's own visit frequency, overriding its service level's (None: the level's).
    visit_min_days: Mapped[int | None] = mapped_column(Integer)
    visit_max_days: Mapped[int | None] = mapped_column(Integer)
    #: When the customer receives visits ("Mon-Fri 08:00-12:00"); None: the rep's working day.
    visiting_hours: Mapped[str | None] = mapped_column(String(60))

    __table_args__ = (Index("ix_accounts_name", "name"), _merged_index("accounts"))


class Contact(SyncedRecord):
    __tablename__ = "contacts"
    follows_account = True

    account_id: Mapped[str | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    first_name: Mapped[str | None] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    title: Mapped[str | None] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(32))
    mobile: Mapped[str | None] = mapped_column(String(32))
    street: Mapped[str | None] = mapped_column(String(200))
    city: Mapped[str | None] = mapped_column(String(100))
    region: Mapped[str | None] = mapped_column(String(100))
    postcode: Mapped[str | None] = mapped_column(String(20))
    country: Mapped[str | None] = mapped_column(String(2))
    #: Permission marketing: how the contact agreed to be reached.
    consent_email: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_phone: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Follows the account (denormalised so that sync can scope rows by territory cheaply).
    territory_id: Mapped[str | None] = mapped_column(ForeignKey("territories.id"), index=True)
    owner_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), index=True)
    notes: Mapped[str | None] = mapped_column(Text)
    merged_into_id: Mapped[str | None] = mapped_column(String(36))

    __table_args__ = (
        Index("ix_contacts_last_first", "last_name", "first_name"),
        _merged_index("contacts"),
    )


class Lead(SyncedRecord):
    __tablename__ = "leads"
    #: Counting the live leads from this small index is what tells the leads list, before each query, that
    #: every score is fresh (``core.scoring``); a count over the table reads every lead's row.
    __table_args__ = (
        Index("ix_leads_live", "id", sqlite_where=text("deleted_at IS NULL")),
        _merged_index("leads"),
    )

    first_name: Mapped[str | None] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    company: Mapped[str | None] = mapped_column(String(200))
    title: Mapped[str | None] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(32))
    website: Mapped[str | None] = mapped_column(String(300))
    industry: Mapped[str | None] = mapped_column(String(80))
    employee_count: Mapped[int | None] = mapped_column(Integer)
    street: Mapped[str | None] = mapped_column(String(200))
    city: Mapped[str | None] = mapped_column(String(100))
    region: Mapped[str | None] = mapped_column(String(100))
    postcode: Mapped[str | None] = mapped_column(String(20))
    country: Mapped[str | None] = mapped_column(String(2))
    source: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), default="new", index=True)
    status_reason: Mapped[str | None] = mapped_column(String(200))
    territory_id: Mapped[str | None] = mapped_column(ForeignKey("territories.id"), index=True)
    owner_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), index=True)
    notes: Mapped[str | None] = mapped_column(Text)
    merged_into_id: Mapped[str | None] = mapped_column(String(36))
    #: What the lead became when it was converted.
    converted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    converted_account_id: Mapped[str | None] = mapped_column(ForeignKey("accounts.id"))
    converted_contact_id: Mapped[str | None] = mapped_column(ForeignKey("contacts.id"))
    converted_opportunity_id: Mapped[str | None] = mapped_column(ForeignKey("opportunities.id"))


class Opportunity(SyncedRecord):
    __tablename__ = "opportunities"
    follows_account = True

    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    contact_id: Mapped[str | None] = mapped_column(ForeignKey("contacts.id"))
    name: Mapped[str] = mapped_column(String(200))
    stage: Mapped[str] = mapped_column(String(30), default="prospecting", index=True)
    probability: Mapped[int] = mapped_column(Integer, default=10)
    #: Money in minor units (cents): exact sums, no float rounding, no Decimal on SQLite.
    amount_cents: Mapped[int | None] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    close_date: Mapped[dt.date | None] = mapped_column(Date, index=True)
    next_step: Mapped[str | None] = mapped_column(String(200))
    lost_reason: Mapped[str | None] = mapped_column(String(200))
    #: Why the deal was won (asked for by the Won action), as ``lost_reason`` says why one was lost.
    won_reason: Mapped[str | None] = mapped_column(String(200))
    territory_id: Mapped[str | None] = mapped_column(ForeignKey("territories.id"), index=True)
    owner_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), index=True)
    notes: Mapped[str | None] = mapped_column(Text)


class Activity(SyncedRecord):
    __tablename__ = "activities"
    follows_lead = True
    follows_account = True

    kind: Mapped[str] = mapped_column(String(16))  # call | visit | email | meeting | task | note
    subject: Mapped[str] = mapped_column(String(200))
    notes: Mapped[str | None] = mapped_column(Text)
    due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    done_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str | None] = mapped_column(String(40))
    duration_minutes: Mapped[int | None] = mapped_column(Integer)
    account_id: Mapped[str | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    contact_id: Mapped[str | None] = mapped_column(ForeignKey("contacts.id"), index=True)
    lead_id: Mapped[str | None] = mapped_column(ForeignKey("leads.id"), index=True)
    opportunity_id: Mapped[str | None] = mapped_column(ForeignKey("opportunities.id"), index=True)
    territory_id: Mapped[str | None] = mapped_column(ForeignKey("territories.id"), index=True)
    owner_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), index=True)
    #: The sequence enrollment and step this activity carries out (guided selling).
    enrollment_id: Mapped[str | None] = mapped_column(ForeignKey("sequence_enrollments.id"), index=True)
    step_key: Mapped[str | None] = mapped_column(String(40))
    #: Its stop's number on the day's route of the accepted week plan that put it in the agenda (None: not
    #: planned, or moved to another day since); the call sheet follows it.
    plan_stop: Mapped[int | None] = mapped_column(Integer)


class Product(SyncedRecord):
    __tablename__ = "products"
    is_reference_data = True

    sku: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    family: Mapped[str | None] = mapped_column(String(80))
    description: Mapped[str | None] = mapped_column(Text)
    unit_price_cents: Mapped[int] = mapped_column(Integer, default=0)
    unit_cost_cents: Mapped[int] = mapped_column(Integer, default=0)
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Order(SyncedRecord):
    """A customer order from the company's systems (imported on the central store; read-only on laptops)."""

    __tablename__ = "orders"
    company_records = True
    follows_account = True

    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    number: Mapped[str] = mapped_column(String(40))
    order_date: Mapped[dt.date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(20), default="invoiced")
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    total_cents: Mapped[int] = mapped_column(Integer, default=0)
    #: What the goods cost the company (for margins); None when unknown.
    cost_cents: Mapped[int | None] = mapped_column(Integer)
    territory_id: Mapped[str | None] = mapped_column(ForeignKey("territories.id"), index=True)
    owner_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), index=True)
    notes: Mapped[str | None] = mapped_column(Text)


class OrderLine(SyncedRecord):
    __tablename__ = "order_lines"
    company_records = True
    follows_account = True

    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), index=True)
    #: The order's account, repeated so lines follow the account's territory and reports need no join.
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    product_id: Mapped[str | None] = mapped_column(ForeignKey("products.id"), index=True)
    description: Mapped[str | None] = mapped_column(String(200))
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    unit_price_cents: Mapped[int] = mapped_column(Integer, default=0)
    unit_cost_cents: Mapped[int | None] = mapped_column(Integer)
    line_total_cents: Mapped[int] = mapped_column(Integer, default=0)
    territory_id: Mapped[str | None] = mapped_column(ForeignKey("territories.id"), index=True)
    owner_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), index=True)


class KbArticle(SyncedRecord):
    """A knowledge-base article: Markdown written by managers and admins, read by everyone offline."""

    __tablename__ = "kb_articles"
    is_reference_data = True
    managers_write = True

    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str | None] = mapped_column(String(80), index=True)
    #: Comma-separated tags.
    tags: Mapped[str | None] = mapped_column(String(300))
    #: JSON list of product ids the article is about.
    product_ids: Mapped[str | None] = mapped_column(Text)
    author_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    published: Mapped[bool] = mapped_column(Boolean, default=True)


class SequenceTemplate(SyncedRecord):
    """A guided-selling sequence: its steps and branching as one JSON document, validated as a whole."""

    __tablename__ = "sequence_templates"
    is_reference_data = True
    managers_write = True

    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    #: What it can be enrolled: lead | contact | opportunity | any.
    target: Mapped[str] = mapped_column(String(16), default="any")
    steps: Mapped[str] = mapped_column(Text, default="[]")
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class SequenceEnrollment(SyncedRecord):
    """One lead, contact or opportunity going through a sequence template."""

    __tablename__ = "sequence_enrollments"
    follows_lead = True
    follows_account = True

    template_id: Mapped[str] = mapped_column(ForeignKey("sequence_templates.id"), index=True)
    lead_id: Mapped[str | None] = mapped_column(ForeignKey("leads.id"), index=True)
    contact_id: Mapped[str | None] = mapped_column(ForeignKey("contacts.id"), index=True)
    opportunity_id: Mapped[str | None] = mapped_column(ForeignKey("opportunities.id"), index=True)
    #: The account the record belongs to (none for a lead), for grouping and the territory.
    account_id: Mapped[str | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="active", index=True)
    step_key: Mapped[str | None] = mapped_column(String(40))
    #: How many steps this enrollment has been given so far (names the next step's activity).
    step_no: Mapped[int] = mapped_column(Integer, default=0)
    #: Repeats of the current step so far.
    attempt: Mapped[int] = mapped_column(Integer, default=0)
    due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    activity_id: Mapped[str | None] = mapped_column(String(36))
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    result: Mapped[str | None] = mapped_column(String(40))
    reason: Mapped[str | None] = mapped_column(String(200))
    territory_id: Mapped[str | None] = mapped_column(ForeignKey("territories.id"), index=True)
    owner_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), index=True)


class PipelineStage(SyncedRecord):
    """A stage of the sales pipeline, configurable company-wide; opportunities store its ``key``."""

    __tablename__ = "pipeline_stages"
    is_reference_data = True

    key: Mapped[str] = mapped_column(String(30), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(Integer, default=0)
    probability: Mapped[int] = mapped_column(Integer, default=0)
    #: open | won | lost
    category: Mapped[str] = mapped_column(String(8), default="open")
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class TerritoryRule(SyncedRecord):
    """An assignment rule: records matching every condition given belong to the territory (by priority)."""

    __tablename__ = "territory_rules"
    is_reference_data = True
    managers_write = True

    territory_id: Mapped[str] = mapped_column(ForeignKey("territories.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    #: Lower numbers are tried first.
    priority: Mapped[int] = mapped_column(Integer, default=100)
    #: accounts | leads | both
    applies_to: Mapped[str] = mapped_column(String(16), default="both")
    country: Mapped[str | None] = mapped_column(String(2))
    region: Mapped[str | None] = mapped_column(String(100))
    #: Comma-separated postcode prefixes ("021, 022").
    postcode_prefixes: Mapped[str | None] = mapped_column(String(200))
    postcode_from: Mapped[str | None] = mapped_column(String(20))
    postcode_to: Mapped[str | None] = mapped_column(String(20))
    city: Mapped[str | None] = mapped_column(String(100))
    industry: Mapped[str | None] = mapped_column(String(80))
    min_employees: Mapped[int | None] = mapped_column(Integer)
    max_employees: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class ChangeHistory(Base):
    """Who changed what, from the central store's change log (pulled, not synced back): the timeline.

    ``changes`` is JSON: for an update ``{"field": [old, new], ...}``; for an insert ``{}``."""

    __tablename__ = "change_history"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    table_name: Mapped[str] = mapped_column(String(64))
    record_id: Mapped[str] = mapped_column(String(36))
    territory_id: Mapped[str | None] = mapped_column(String(36), index=True)
    op: Mapped[str] = mapped_column(String(16))
    changes: Mapped[str] = mapped_column(Text)
    db_user: Mapped[str] = mapped_column(String(128))
    applied_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_change_history_record", "table_name", "record_id"),)


class Reminder(Base):
    """When this laptop last reminded its user of a due activity, and until when it is snoozed (local only,
    not synced: snoozing is a person's choice on one machine)."""

    __tablename__ = "reminders"

    activity_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    snoozed_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    notified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class LeadScore(Base):
    """A lead's score under the scoring rules, with the reasons (local, not synced: derived data).

    Rows are dropped by triggers when the lead or one of its activities changes, and recomputed on demand
    (see ``core.scoring``); ``basis`` names the rules, day and territory data they were computed with.
    """

    __tablename__ = "lead_scores"

    lead_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    score: Mapped[int] = mapped_column(Integer, index=True)
    fit: Mapped[int] = mapped_column(Integer)
    engagement: Mapped[int] = mapped_column(Integer)
    #: JSON list of {"group", "rule", "points", "reason"}.
    reasons: Mapped[str] = mapped_column(Text)
    basis: Mapped[str] = mapped_column(String(32))

    __table_args__ = (Index("ix_lead_scores_basis", "basis", "lead_id"),)


class LeadScorePending(Base):
    """Leads written since scores were last computed, noted by the same triggers (local migration 0504): a
    hint that lets ``core.scoring`` find the few stale leads without reading them all."""

    __tablename__ = "lead_scores_pending"

    lead_id: Mapped[str] = mapped_column(String(36), primary_key=True)


class Setting(Base):
    """A local preference of this laptop (not synced): phone region, page size, sync interval..."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


#: Every synced table, parents before children (the order a replay or a prime must insert in).
SYNCED_MODELS: tuple[type[SyncedRecord], ...] = (
    User,
    Territory,
    TerritoryMembership,
    Product,
    PipelineStage,
    KbArticle,
    SequenceTemplate,
    TerritoryRule,
    ServiceLevel,
    ChecklistTemplate,
    Account,
    Contact,
    Lead,
    Opportunity,
    SequenceEnrollment,
    Activity,
    Order,
    OrderLine,
    Comment,
    NotificationRead,
    Announcement,
    AnnouncementReceipt,
    VisitReport,
    Attachment,
    ServiceRequest,
    RequestComment,
    Defection,
)
SYNCED_TABLES: tuple[str, ...] = tuple(m.__tablename__ for m in SYNCED_MODELS)
