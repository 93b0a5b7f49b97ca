"""The records of visits by service level (issue 16): the service levels per segment, visit checklists,
visit reports with check-in and check-out, attachments (their bytes travel apart, by content hash) and
how far this laptop has sent them.  Listed in ``models.SYNCED_MODELS`` with the others.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Boolean, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from sfa_desktop.core.records.base_models import Base, SyncedRecord, UTCDateTime


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
    record_reference = ("record_table", "record_id")

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
