"""The throwaway PostgreSQL is real, recent, and round-trips the value types the central store relies on."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from decimal import Decimal

import pytest
from sqlalchemy import (
    Column,
    DateTime,
    Engine,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    create_engine,
    select,
    text,
)

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_engine(pg_url: str) -> Iterator[Engine]:
    engine = create_engine(pg_url)
    yield engine
    engine.dispose()


def test_server_is_postgresql_15_or_newer(pg_engine: Engine) -> None:
    with pg_engine.connect() as conn:
        assert pg_engine.dialect.name == "postgresql"
        assert int(conn.execute(text("SHOW server_version_num")).scalar_one()) >= 150000
        assert conn.execute(text("SHOW server_encoding")).scalar_one() == "UTF8"


def test_row_round_trips_exactly(pg_engine: Engine) -> None:
    metadata = MetaData()
    table = Table(
        f"roundtrip_{uuid.uuid4().hex[:12]}",
        metadata,
        Column("id", String(36), primary_key=True),
        Column("at", DateTime(timezone=True), nullable=False),
        Column("name", Text, nullable=False),
        Column("amount", Numeric(18, 6), nullable=False),
    )
    record_id = str(uuid.uuid4())
    # A time with microseconds in a non-UTC, non-whole-hour offset, on a DST-change night in Europe.
    at = dt.datetime(2026, 3, 29, 1, 30, 15, 123456, tzinfo=dt.timezone(dt.timedelta(hours=5, minutes=30)))
    name = "Zoë Ångström-Núñez — 東京支社 «Δοκιμή» 🚀 e\u0301 'quoted' \"double\" \\ %_"
    amount = Decimal("-123456789012.345678")

    metadata.create_all(pg_engine)
    try:
        with pg_engine.begin() as conn:
            conn.execute(table.insert().values(id=record_id, at=at, name=name, amount=amount))
        with pg_engine.connect() as conn:
            row = conn.execute(select(table).where(table.c.id == record_id)).one()
            stored_type = conn.execute(
                text("SELECT pg_typeof(at)::text FROM " + table.name + " WHERE id = :id"), {"id": record_id}
            ).scalar_one()
    finally:
        metadata.drop_all(pg_engine)

    assert row.id == record_id
    assert stored_type == "timestamp with time zone"
    assert row.at.tzinfo is not None
    assert row.at == at  # the same instant...
    assert row.at.astimezone(dt.UTC) == dt.datetime(2026, 3, 28, 20, 0, 15, 123456, tzinfo=dt.UTC)
    assert row.name == name  # ...and the same text, code point for code point (no normalisation)
    assert len(row.name) == len(name)
    assert isinstance(row.amount, Decimal)
    assert row.amount == amount
    assert str(row.amount) == "-123456789012.345678"
