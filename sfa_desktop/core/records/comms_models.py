"""The records of communication with the home office (issue 15): comments with mentions, the
notifications and their synced read state, announcements and their read receipts, customer requests and
complaints with their threads, defections.  Listed in ``models.SYNCED_MODELS`` with the others.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from sfa_desktop.core.records.base_models import Base, SyncedRecord, UTCDateTime, utcnow


class Comment(SyncedRecord):
    """A comment on a record (an account, an opportunity; any record table and id): plain text in which
    ``@login`` names a user, who is told (``core.notifications``).  It follows the account the record
    belongs to, so it reaches the laptops that see that account's territory."""

    __tablename__ = "comments"
    follows_account = True
    record_reference = ("table_name", "record_id")

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
