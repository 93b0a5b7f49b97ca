"""The central store's schema: the synced tables as on the laptops plus ``seq``, and the sync bookkeeping.

The same definition serves PostgreSQL (a company) and SQLite (a single office, demos); the migrations in
``db/central`` are generated from it.  Every synced row carries ``seq``, the server sequence number of its
latest change.  Sequence numbers come from the single row of ``seq_counter``: a writer increments it inside
its own transaction, which locks that row until it commits, so numbers are handed out in commit order and a
pull by ``seq > cursor`` can never skip a change committed late (DESIGN.md, sync rule 3).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

from sfa_desktop.core.records.models import NAMING_CONVENTION, SYNCED_MODELS, SyncedRecord, UTCDateTime

#: Bumped when the sync protocol changes incompatibly; the central store records the one it speaks.
PROTOCOL_VERSION = 1

metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _synced_table(model: type[SyncedRecord]) -> Table:
    model_table: Table = model.__table__  # type: ignore[assignment]
    columns = [
        Column(c.name, c.type, primary_key=c.primary_key, nullable=c.nullable if not c.primary_key else False)
        for c in model_table.columns
    ]
    table = Table(model_table.name, metadata, *columns, Column("seq", BigInteger, nullable=False))
    Index(f"ix_{table.name}_seq", table.c.seq)
    if "territory_id" in table.c:
        Index(f"ix_{table.name}_territory_seq", table.c.territory_id, table.c.seq)
    if "territory_id" in table.c and not model.is_reference_data:
        # the integrity check (``digest``) reads one slice of ids per territory from the index alone
        # (owner_id too: the row-level security policy reads it)
        Index(
            f"ix_{table.name}_territory_id",
            table.c.territory_id,
            table.c.id,
            postgresql_include=["updated_at", "deleted_at", "owner_id"],
        )
    for column in ("login", "code", "sku", "key", "name"):
        if column in table.c and model_table.c[column].unique:
            Index(f"uq_{table.name}_{column}", table.c[column], unique=True)
    return table


SYNCED: dict[str, Table] = {m.__tablename__: _synced_table(m) for m in SYNCED_MODELS}
#: Who may read a blob is found through the attachments that name its hash (``server.blobs``, and the
#: row-level security of ``blobs`` on PostgreSQL).
Index("ix_attachments_sha256", SYNCED["attachments"].c.sha256)

seq_counter = Table(
    "seq_counter",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("value", BigInteger, nullable=False),
    # PostgreSQL: the transaction holding the counter and the first number it took (revision c0402)
    Column("holder", BigInteger, nullable=True),
    Column("lo", BigInteger, nullable=True),
)

sync_info = Table(
    "sync_info",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

#: The last change number applied per laptop, written in the same transaction as the changes: a retried
#: or duplicated push applies nothing twice.
sync_clients = Table(
    "sync_clients",
    metadata,
    Column("client_id", String(36), primary_key=True),
    Column("login", String(64), nullable=False),
    Column("last_change_no", BigInteger, nullable=False),
    Column("first_seen_at", UTCDateTime, nullable=False),
    Column("last_push_at", UTCDateTime),
)

#: Every applied change: who (the database's own notion of the current user), which laptop, what.
change_log = Table(
    "change_log",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("table_name", String(64), nullable=False),
    Column("record_id", String(36), nullable=False),
    Column("territory_id", String(36)),
    Column("op", String(16), nullable=False),
    Column("changes", Text, nullable=False),
    Column("client_id", String(36)),
    Column("change_no", BigInteger),
    Column("db_user", String(128), nullable=False),
    Column("applied_at", UTCDateTime, nullable=False),
    Index("ix_change_log_record", "table_name", "record_id"),
    Index("ix_change_log_territory_seq", "territory_id", "seq"),  # laptops pull their territories' history
)

#: A record that left a territory (moved to another one, or was removed from it) at ``seq``: the
#: territory's subscribers drop it.
departures = Table(
    "departures",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("table_name", String(64), nullable=False),
    Column("record_id", String(36), nullable=False),
    Column("territory_id", String(36), nullable=False),
    Index("ix_departures_territory_seq", "territory_id", "seq"),
)

#: Values that lost a same-field conflict, kept so a person can see and restore them.
conflicts = Table(
    "conflicts",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("seq", BigInteger, nullable=False),
    Column("table_name", String(64), nullable=False),
    Column("record_id", String(36), nullable=False),
    Column("territory_id", String(36)),
    Column("field", String(64), nullable=False),
    Column("lost_value", Text),  # JSON
    Column("won_value", Text),  # JSON
    Column("lost_by", String(128)),
    Column("won_by", String(128), nullable=False),
    # same-field | edit-after-delete | deleted-after-edit | not-permitted | missing
    Column("reason", String(32), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("dismissed", Boolean, nullable=False, default=False),
    Index("ix_conflicts_seq", "seq"),
)

#: Each user's password as an argon2 hash, with failed sign-ins counted and a lock (see ``server.auth``).
user_secrets = Table(
    "user_secrets",
    metadata,
    Column("login", String(64), primary_key=True),
    Column("password_hash", Text, nullable=False),
    Column("failed", Integer, nullable=False, server_default="0"),
    Column("locked_until", UTCDateTime),
    Column("changed_at", UTCDateTime, nullable=False),
)

#: A signed-in laptop: its token as a SHA-256 hash, expiring, rotated by use, revocable (see ``server.auth``).
devices = Table(
    "devices",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("login", String(64), nullable=False),
    Column("name", String(200), nullable=False),
    Column("token_hash", String(64), nullable=False),
    Column("previous_hash", String(64)),
    Column("created_at", UTCDateTime, nullable=False),
    Column("rotated_at", UTCDateTime, nullable=False),
    Column("last_seen_at", UTCDateTime),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime),
    Column("revoked_by", String(64)),
    Column("grace", Boolean, nullable=False, server_default="0"),
    Index("uq_devices_token_hash", "token_hash", unique=True),
    Index("ix_devices_previous_hash", "previous_hash"),
    Index("ix_devices_login", "login"),
)

#: Attachments' bytes by content hash (SHA-256), uploaded in chunks (``server.blobs``): ``received_bytes``
#: is how far the upload has come; ``complete`` once the whole was checked against the hash.  Kept in the
#: store itself on PostgreSQL and SQLite alike: the servers stay stateless, the bytes are backed up with the
#: records, and row-level security decides who reads them (those who see an attachment that names the hash).
blobs = Table(
    "blobs",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("size_bytes", BigInteger, nullable=False),
    Column("received_bytes", BigInteger, nullable=False),
    Column("complete", Boolean, nullable=False),
    Column("created_by", String(128), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("completed_at", UTCDateTime),
)

#: The chunks of a blob, by their offset in it.
blob_chunks = Table(
    "blob_chunks",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("offset", BigInteger, primary_key=True, autoincrement=False),
    Column("data", LargeBinary, nullable=False),
)

BOOKKEEPING = (seq_counter, sync_info, sync_clients, change_log, departures, conflicts)
