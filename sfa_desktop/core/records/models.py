"""The domain model: SQLAlchemy 2 declarative classes for every synced record.

Every synced record has a client-generated UUID text key, ``created_at`` and ``updated_at`` in UTC and a
soft-delete tombstone (``deleted_at``).  Nothing here knows about Qt, the outbox or sync: change capture
is installed on the tables by the local store (see ``sfa_desktop.store.capture``), so no write path can
bypass it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, ClassVar

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_id() -> str:
    """A fresh client-generated record key: never collides with one made on another laptop."""
    return str(uuid.uuid4())


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Aware UTC datetimes in Python, stored as naive UTC (SQLite has no time zones)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where an aware UTC time is required")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if isinstance(value, str):  # values written by SQL (triggers, replays) come back as text
            value = dt.datetime.fromisoformat(value)
        result: dt.datetime = value.replace(tzinfo=dt.UTC)
        return result


def _merged_index(table: str) -> Index:
    """The merged-away records of a table (local migration 0503): a partial index, empty while nothing is
    merged, so that finding them (``core.merge.follow_merges_in_history``) does not read the whole table."""
    return Index(
        f"ix_{table}_merged_into_id", "merged_into_id", sqlite_where=text("merged_into_id IS NOT NULL")
    )


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class SyncedRecord(Base):
    """Columns every synced record carries."""

    __abstract__ = True
    # Table facts: declared here once, every list of tables derives from them (``core.records.tables``).
    #: Reference data: rows go to every laptop, whatever its territories, and only admins write them
    #: (managers too where ``managers_write``).  Every other synced table is territory-scoped: its rows
    #: carry ``territory_id`` and ``owner_id`` and go to the laptops that see their territory (or, without
    #: one, their owner's).
    is_reference_data: ClassVar[bool] = False
    #: Reference data that managers write too (within their territories where the row has one).
    managers_write: ClassVar[bool] = False
    #: Rows take their account's territory (denormalised, so that sync scopes them cheaply) ...
    follows_account: ClassVar[bool] = False
    #: ... and, without an account, their lead's.
    follows_lead: ClassVar[bool] = False
    #: The company's records (from its systems, imported on the central store): only admins write them,
    #: laptops hold them read-only, and the central store moves them with their account.
    company_records: ClassVar[bool] = False
    #: Rows of one user alone (``owner_id``, never a territory): they go to that user's laptops only, and
    #: nobody else reads or writes them, administrators included (a user's read state of notifications).
    owner_only: ClassVar[bool] = False
    #: Addressed to an audience (announcements and their read receipts): neither reference data nor
    #: territory-scoped; the central store sends a row to the laptops whose user it is addressed to or who
    #: oversee it (``core.announcements.audience``), and row-level security says the same (c0702).
    audience_scoped: ClassVar[bool] = False

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    deleted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)


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


class Defection(SyncedRecord):
    """A customer defecting, as the rep saw it (issue 15): lost (gone to a competitor or given up buying) or
    declining (buying less, flagged in the at-risk list), the defection type (why, in the textbook's six
    kinds: price, product, service, market, technological, organisational) and the reason in the rep's
    words.  One row each time it is recorded, so the account keeps its history; rows follow the account."""

    __tablename__ = "defections"
    follows_account = True

    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    #: lost | declining
    status: Mapped[str] = mapped_column(String(16), default="lost")
    #: price | product | service | market | technological | organisational
    defection_type: Mapped[str] = mapped_column(String(20), index=True)
    reason: Mapped[str] = mapped_column(Text)
    #: When the customer left or started buying less (the rep's date; the period the report counts it in).
    defected_on: Mapped[dt.date] = mapped_column(Date, index=True)
    #: Who recorded it (the account's owner, the rep, is ``owner_id``).
    recorded_by_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
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


class Comment(SyncedRecord):
    """A comment on a record (an account, an opportunity; any record table and id): plain text in which
    ``@login`` names a user, who is told (``core.notifications``).  It follows the account the record
    belongs to, so it reaches the laptops that see that account's territory."""

    __tablename__ = "comments"
    follows_account = True

    #: The record commented on: its table and id.
    table_name: Mapped[str] = mapped_column(String(64))
    record_id: Mapped[str] = mapped_column(String(36))
    account_id: Mapped[str | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    author_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text, default="")
    #: JSON list of the ids of the users the body mentions (resolved from ``@login`` when written).
    mentions: Mapped[str | None] = mapped_column(Text)
    edited_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    territory_id: Mapped[str | None] = mapped_column(ForeignKey("territories.id"), index=True)
    owner_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), index=True)

    __table_args__ = (Index("ix_comments_record", "table_name", "record_id", "created_at"),)


class NotificationRead(SyncedRecord):
    """That a user read a notification (by its key): the user's alone, on every laptop of theirs.  The id
    is derived from the user and the key, so two laptops marking the same notification write one row."""

    __tablename__ = "notification_reads"
    owner_only = True

    key: Mapped[str] = mapped_column(String(200))
    read_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Always empty: the row is its owner's, not a territory's.
    territory_id: Mapped[str | None] = mapped_column(ForeignKey("territories.id"))
    owner_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))

    __table_args__ = (Index("ix_notification_reads_owner_key", "owner_id", "key"),)


class Notification(Base):
    """Something this laptop's user should be told (local, not synced: made again on each laptop from the
    synced records by ``core.notifications``; the read state is the synced ``notification_reads``)."""

    __tablename__ = "notifications"

    user_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    table_name: Mapped[str | None] = mapped_column(String(64))
    record_id: Mapped[str | None] = mapped_column(String(36))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    #: When the tray showed it (urgent ones only, once).
    shown_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    #: newest first, a page at a time, from the index alone
    __table_args__ = (Index("ix_notifications_user_at", "user_id", "at", "key"),)


class Announcement(SyncedRecord):
    """A bulletin from a manager or the office: Markdown, links to articles or pages, an audience (everyone,
    a territory with its children, or a role), pinned or not, until an expiry date."""

    __tablename__ = "announcements"
    audience_scoped = True

    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    #: JSON list of {"label", "target"}: ``kb:<article id>`` or an http(s) address.
    links: Mapped[str | None] = mapped_column(Text)
    #: everyone | territory | role
    audience: Mapped[str] = mapped_column(String(16), default="everyone")
    audience_territory_id: Mapped[str | None] = mapped_column(ForeignKey("territories.id"), index=True)
    #: rep | manager, when ``audience`` is role
    audience_role: Mapped[str | None] = mapped_column(String(16))
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    #: The last day it is shown (None: until withdrawn).
    expires_on: Mapped[dt.date | None] = mapped_column(Date)
    author_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), index=True)
    published_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class AnnouncementReceipt(SyncedRecord):
    """That a user opened an announcement, and when: one per user and announcement (its id is derived
    from both, so two laptops of one user make the same record)."""

    __tablename__ = "announcement_receipts"
    audience_scoped = True

    announcement_id: Mapped[str] = mapped_column(ForeignKey("announcements.id"), index=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    read_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class ChecklistTemplate(SyncedRecord):
    """A visit checklist (issue 16): the items a rep answers on site, chosen by the account's segment (A, B,
    C; none: the company's default).  Reference data that managers and admins write; ``items`` is a JSON
    list validated as a whole by ``core.visits.templates``."""

    __tablename__ = "checklist_templates"
    is_reference_data = True
    managers_write = True

    name: Mapped[str] = mapped_column(String(200))
    #: A | B | C, or None for the default template (used when no template names the account's segment).
    segment: Mapped[str | None] = mapped_column(String(1), index=True)
    items: Mapped[str] = mapped_column(Text, default="[]")
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class VisitReport(SyncedRecord):
    """What happened on site at a visit activity: check-in and check-out (time and, when the computer knows
    it, the place), the checklist's answers and the customer's signature.  One per activity; follows the
    activity's account (or lead)."""

    __tablename__ = "visit_reports"
    follows_lead = True
    follows_account = True

    activity_id: Mapped[str] = mapped_column(ForeignKey("activities.id"), index=True)
    account_id: Mapped[str | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    lead_id: Mapped[str | None] = mapped_column(ForeignKey("leads.id"), index=True)
    template_id: Mapped[str | None] = mapped_column(ForeignKey("checklist_templates.id"))
    checkin_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    checkin_latitude: Mapped[float | None]
    checkin_longitude: Mapped[float | None]
    checkout_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    checkout_latitude: Mapped[float | None]
    checkout_longitude: Mapped[float | None]
    #: JSON object: item key -> answer (bool, number, text; a photo item: a list of attachment ids).
    answers: Mapped[str] = mapped_column(Text, default="{}")
    #: None while being filled in; the time the report was submitted.
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    signer_name: Mapped[str | None] = mapped_column(String(200))
    signed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    signature_id: Mapped[str | None] = mapped_column(String(36))
    territory_id: Mapped[str | None] = mapped_column(ForeignKey("territories.id"), index=True)
    owner_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), index=True)


class Attachment(SyncedRecord):
    """A photo or file attached to a record (a visit report today; any table and id): its metadata syncs
    like the record's other rows, its bytes are stored by content hash (``store.attachments``) and travel
    separately, in resumable chunks, after the records (``sync.blobs``)."""

    __tablename__ = "attachments"
    follows_lead = True
    follows_account = True

    record_table: Mapped[str] = mapped_column(String(64))
    record_id: Mapped[str] = mapped_column(String(36), index=True)
    #: The checklist item it answers (a photo item), if any.
    item_key: Mapped[str | None] = mapped_column(String(40))
    #: photo | file | signature
    kind: Mapped[str] = mapped_column(String(16), default="file")
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    file_name: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100), default="application/octet-stream")
    caption: Mapped[str | None] = mapped_column(String(300))
    account_id: Mapped[str | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    lead_id: Mapped[str | None] = mapped_column(ForeignKey("leads.id"), index=True)
    territory_id: Mapped[str | None] = mapped_column(ForeignKey("territories.id"), index=True)
    owner_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), index=True)


class BlobTransfer(Base):
    """How far this laptop's copy of an attachment's bytes has reached the central store (local only, not
    synced): the bytes the server confirmed, and when it holds them whole (``store.attachments``)."""

    __tablename__ = "blob_transfers"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sent_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    uploaded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    #: The last failure, for a person (sfa attachments list).
    problem: Mapped[str | None] = mapped_column(Text)


class ServiceLevel(SyncedRecord):
    """How a customer segment is served (issue 16): how often it is visited and for how long, how fast its
    requests are answered and resolved.  Set by managers per territory (the territories below inherit it)
    and by administrators for the whole company (no territory); see ``core.service_levels``."""

    __tablename__ = "service_levels"
    is_reference_data = True
    managers_write = True

    territory_id: Mapped[str | None] = mapped_column(ForeignKey("territories.id"), index=True)
    segment: Mapped[str] = mapped_column(String(8))  # A | B | C
    visit_min_days: Mapped[int] = mapped_column(Integer)
    visit_max_days: Mapped[int] = mapped_column(Integer)
    visit_minutes: Mapped[int] = mapped_column(Integer)
    answer_hours: Mapped[float] = mapped_column(Float)
    resolve_hours: Mapped[float] = mapped_column(Float)


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


class ServiceRequest(SyncedRecord):
    """A customer's request or complaint raised from the field (issue 15): it follows its account's territory,
    lands in that territory's queue, and managers assign, answer and resolve it (``core.requests``)."""

    __tablename__ = "service_requests"
    follows_account = True

    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    contact_id: Mapped[str | None] = mapped_column(ForeignKey("contacts.id"))
    #: The visit (or other activity) it was raised from.
    activity_id: Mapped[str | None] = mapped_column(ForeignKey("activities.id"))
    #: delivery | billing | quality | service | price | other
    category: Mapped[str] = mapped_column(String(16), default="other")
    #: low | normal | high | critical
    severity: Mapped[str] = mapped_column(String(16), default="normal")
    subject: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    #: new | in progress | waiting on customer | resolved | closed
    status: Mapped[str] = mapped_column(String(24), default="new", index=True)
    raised_by_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    assigned_to_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), index=True)
    first_answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    resolution: Mapped[str | None] = mapped_column(Text)
    #: JSON list of links: knowledge-base articles ("kb:<id>") and web addresses.
    links: Mapped[str | None] = mapped_column(Text)
    territory_id: Mapped[str | None] = mapped_column(ForeignKey("territories.id"), index=True)
    owner_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), index=True)


class RequestComment(SyncedRecord):
    """One message of a service request's thread; it follows the request's account."""

    __tablename__ = "request_comments"
    follows_account = True

    request_id: Mapped[str] = mapped_column(ForeignKey("service_requests.id"), index=True)
    #: The request's account, repeated so the comment follows the account's territory.
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    author_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    territory_id: Mapped[str | None] = mapped_column(ForeignKey("territories.id"), index=True)
    owner_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), index=True)


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
