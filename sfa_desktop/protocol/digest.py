"""The replica integrity check: per territory, the number of live rows and a hash of them, laptop vs central.

A laptop that holds exactly what the central store holds for a territory has the same live rows with the
same ``updated_at`` (every change, the laptop's own included, comes back from the central store with the
central store's time).  So both sides compute, per territory, ``count(*)`` and the sum of a 32-bit hash of
``id|updated_at`` over the live rows; any missing, extra or stale row changes one of the two.  Tombstones
are left out: the central store purges old ones while laptops may still hold them.

Hashing every row on every sync would cost more than the rest of an idle sync (about 0.7 s for 330,000
rows), so each sync checks one slice of the id space, ``SLICES`` slices in turn: every row is checked
once every ``SLICES`` syncs (a working day at the default interval) and an idle sync stays cheap.  Ids
are UUID text, so the slices split the range of the first two hex digits evenly (the first and last are
open-ended, so no id is ever missed).
"""

from __future__ import annotations

import bisect
import hashlib
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, text

SLICES = 32
_TIME = "YYYY-MM-DD HH24:MI:SS.US"  # PostgreSQL's spelling of the wire format (see ``wire``)
#: On PostgreSQL: the first 32 bits of md5(id|updated_at), as ``row_hash`` computes them in Python.
_PG_HASH = (
    "('x' || substr(md5(id || '|' || coalesce(to_char(updated_at, '" + _TIME + "'), '')), 1, 8))"
    "::bit(32)::bigint"
)

Digest = dict[tuple[str, str], tuple[int, int]]  # (table, territory) -> (live rows, hash sum)


def row_hash(record_id: str, updated_at: str | None) -> int:
    """The first 32 bits of md5 of ``id|updated_at`` (updated_at as wire text)."""
    digest = hashlib.md5(f"{record_id}|{updated_at or ''}".encode(), usedforsecurity=False).digest()
    return int.from_bytes(digest[:4], "big")


def _bounds(slice_no: int) -> tuple[str | None, str | None]:
    low = f"{slice_no * 256 // SLICES:02x}" if slice_no > 0 else None
    high = f"{(slice_no + 1) * 256 // SLICES:02x}" if slice_no + 1 < SLICES else None
    return low, high


def _id_range(slice_no: int) -> tuple[str, dict[str, str]]:
    low, high = _bounds(slice_no)
    conditions, params = [], {}
    if low is not None:
        conditions.append("id >= :low")
        params["low"] = low
    if high is not None:
        conditions.append("id < :high")
        params["high"] = high
    return " AND ".join(conditions) or "1 = 1", params


def _install_hash(conn: Connection) -> None:
    """Give a SQLite connection ``sfa_row_hash(id, updated_at)`` (PostgreSQL computes it in SQL)."""
    raw: Any = conn.connection.driver_connection
    raw.create_function("sfa_row_hash", 2, row_hash, deterministic=True)


def _hash_sql(conn: Connection) -> str:
    if conn.dialect.name == "postgresql":
        return _PG_HASH
    _install_hash(conn)
    return "sfa_row_hash(id, updated_at)"


def compute(conn: Connection, tables: Iterable[str], slice_no: int, territories: Iterable[str]) -> Digest:
    """Count and hash the live rows of ``tables`` in one id slice, per territory among ``territories``.

    Works on the laptop and on the central store alike (wire-format ``updated_at`` on both)."""
    ids = sorted(territories)
    if not ids:
        return {}
    id_range, params = _id_range(slice_no)
    marks = ", ".join(f":t{i}" for i in range(len(ids)))
    params.update({f"t{i}": territory for i, territory in enumerate(ids)})
    hashed = _hash_sql(conn)
    result: Digest = {}
    for table in tables:
        # The id range comes first for SQLite's planner: walk the primary key through one slice rather
        # than the territory index through every row (the unary + keeps it off the territory index).
        sql = (
            f"SELECT territory_id, count(*), coalesce(sum({hashed}), 0) FROM {table} "
            f"WHERE {id_range} AND deleted_at IS NULL AND +territory_id IN ({marks}) GROUP BY territory_id"
        )
        if conn.dialect.name == "postgresql":
            sql = sql.replace("+territory_id", "territory_id")
        for territory, count, total in conn.execute(text(sql), params):
            result[(table, territory)] = (int(count), int(total))
    return result


def slice_of(record_id: str) -> int:
    """The slice an id falls in (as ``_id_range`` bounds them)."""
    return bisect.bisect_right(_LOWS, record_id)


_LOWS = [low for low, _high in (_bounds(n) for n in range(1, SLICES)) if low is not None]


def slice_sql(column: str = "id") -> str:
    """SQL giving the slice of the id in ``column`` (the same on both sides, and in the laptop's triggers
    that note which slices were written: ``store.replica_marks``)."""
    cases = " ".join(f"WHEN {column} < '{low}' THEN {n}" for n, low in enumerate(_LOWS))
    return f"CASE {cases} ELSE {SLICES - 1} END"


def compute_all(conn: Connection, tables: Iterable[str], territories: Iterable[str]) -> dict[int, Digest]:
    """:func:`compute` for every slice at once, in one pass over the rows (a prime is checked whole)."""
    ids = sorted(territories)
    result: dict[int, Digest] = {n: {} for n in range(SLICES)}
    if not ids:
        return result
    marks = ", ".join(f":t{i}" for i in range(len(ids)))
    params = {f"t{i}": territory for i, territory in enumerate(ids)}
    hashed = _hash_sql(conn)
    for table in tables:
        sql = (
            f"SELECT {slice_sql()} AS slice, territory_id, count(*), coalesce(sum({hashed}), 0) FROM {table} "
            f"WHERE deleted_at IS NULL AND territory_id IN ({marks}) GROUP BY 1, 2"
        )
        for slice_no, territory, count, total in conn.execute(text(sql), params):
            result[int(slice_no)][(table, territory)] = (int(count), int(total))
    return result


def mismatched(local: Digest, remote: Digest) -> set[str]:
    """Territories whose digests differ in any table."""
    return {key[1] for key in set(local) | set(remote) if local.get(key) != remote.get(key)}
