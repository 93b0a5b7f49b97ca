"""The base of the domain model: the declarative ``Base``, the columns and table facts every synced record
carries (``SyncedRecord``), aware UTC datetimes and client-generated keys.  ``models`` holds the records
and re-exports these names, which is where the rest of the app imports them from.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, ClassVar

from sqlalchemy import (
    DateTime,
    Index,
    MetaData,
    String,
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
    #: The (table column, id column) of a reference to a record of any table (a comment on an account, an
    #: attachment of a visit report), which foreign keys cannot declare: a merge re-points those naming a
    #: merged-away record too (``core.records.merge``).
    record_reference: ClassVar[tuple[str, str] | None] = None

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    deleted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
