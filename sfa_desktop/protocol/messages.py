"""The answers a laptop gets from the central store (see ``sync.link.Link``)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sfa_desktop.core.access import Identity
from sfa_desktop.protocol.changes import Change
from sfa_desktop.protocol.digest import SLICES, Digest
from sfa_desktop.protocol.wire import from_wire, to_wire


@dataclass(frozen=True)
class PushResult:
    #: the last change number the central store has applied for this laptop (the outbox may drop them)
    confirmed: int
    applied: int
    conflicts: int


@dataclass(frozen=True)
class Head:
    #: the highest sequence number committed
    seq: int
    #: tombstones at or below this sequence number were purged
    purged_through: int
    #: the cut-off time of the last purge (laptops drop their own older tombstones)
    purged_before: str | None
    #: the company's offline limits: days without reaching the central store before a laptop's data locks,
    #: and before it is wiped (None: the store sets none, the laptop keeps its defaults)
    lock_after_days: int | None = None
    wipe_after_days: int | None = None


@dataclass(frozen=True)
class Page:
    #: wire values in the central table's column order without seq, then seq (tuples, or lists as a
    #: primed page's JSON gives them)
    rows: Sequence[Sequence[Any]]
    #: the pull continues after this sequence number
    page_hi: int
    departures: list[dict[str, Any]]


# -- on the wire ------------------------------------------------------------------------------------------
#
# sfa-server and the laptop exchange JSON (see ``server.app`` and ``sync.http``); these functions are the one
# definition of each message's shape.  Rows and digest keys travel as lists, datetimes as naive-UTC ISO text
# in the wire format (``protocol.wire``: ``YYYY-MM-DD HH:MM:SS.ffffff``).  A decoder given a message of the
# wrong shape raises :class:`BadMessage` (the server answers 400, the laptop reports a server fault).

#: The version of the HTTP protocol, in every path (``/v1/...``) and in ``GET /v1/status``.
HTTP_VERSION = 1
PREFIX = f"/v{HTTP_VERSION}"
#: The header a rotated token comes back in (the laptop keeps the new token at once).
TOKEN_HEADER = "X-SFA-Token"


class BadMessage(ValueError):
    """A message that does not have the shape its endpoint expects."""


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return to_wire("datetime", value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _field(message: Any, name: str, kind: type | tuple[type, ...]) -> Any:
    if not isinstance(message, dict):
        raise BadMessage("the request body must be a JSON object")
    if name not in message:
        raise BadMessage(f"'{name}' is missing")
    value = message[name]
    # bool is an int in Python; a count or a sequence number given as true/false is malformed
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
        raise BadMessage(f"'{name}' has the wrong type")
    return value


def _strings(message: Any, name: str) -> list[str]:
    values = _field(message, name, list)
    if not all(isinstance(v, str) for v in values):
        raise BadMessage(f"'{name}' must be a list of strings")
    return list(values)


def _optional_time(value: Any, name: str) -> dt.datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadMessage(f"'{name}' must be a time as text")
    try:
        parsed: dt.datetime = from_wire("datetime", value)
    except ValueError:
        raise BadMessage(f"'{name}' is not a time") from None
    return parsed


def _row(values: Any) -> tuple[Any, ...]:
    if not isinstance(values, list):
        raise BadMessage("a row must be a list")
    return tuple(values)


def _records(values: Any, name: str) -> list[dict[str, Any]]:
    if not isinstance(values, list) or not all(isinstance(v, dict) for v in values):
        raise BadMessage(f"'{name}' must be a list of objects")
    return [dict(v) for v in values]


def encode_rows(rows: Iterable[Sequence[Any]]) -> list[list[Any]]:
    return [[_json_value(v) for v in row] for row in rows]


def encode_records(records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: _json_value(v) for k, v in r.items()} for r in records]


# identity


def encode_identity(identity: Identity) -> dict[str, Any]:
    return {
        "user_id": identity.user_id,
        "login": identity.login,
        "role": identity.role,
        "territories": sorted(identity.territories),
        "full_name": identity.full_name,
        "team": sorted(identity.team),
        "above": sorted(identity.above),
    }


def decode_identity(message: Any) -> Identity:
    return Identity(
        user_id=_field(message, "user_id", str),
        login=_field(message, "login", str),
        role=_field(message, "role", str),
        territories=frozenset(_strings(message, "territories")),
        full_name=_field(message, "full_name", str),
        team=frozenset(_strings(message, "team")),
        above=frozenset(_strings(message, "above")) if "above" in message else frozenset(),
    )


# push


def encode_change(change: Change) -> dict[str, Any]:
    return {
        "change_no": change.change_no,
        "table": change.table,
        "record_id": change.record_id,
        "op": change.op,
        "changes": change.changes,
        "user_id": change.user_id,
        "recorded_at": change.recorded_at,
    }


def decode_change(message: Any) -> Change:
    user_id = message.get("user_id") if isinstance(message, dict) else None
    if user_id is not None and not isinstance(user_id, str):
        raise BadMessage("'user_id' has the wrong type")
    return Change(
        change_no=_field(message, "change_no", int),
        table=_field(message, "table", str),
        record_id=_field(message, "record_id", str),
        op=_field(message, "op", str),
        changes=_field(message, "changes", dict),
        user_id=user_id,
        recorded_at=_field(message, "recorded_at", str),
    )


def encode_push(client_id: str, batch: Sequence[Change]) -> dict[str, Any]:
    return {"client_id": client_id, "changes": [encode_change(c) for c in batch]}


def decode_push(message: Any) -> tuple[str, list[Change]]:
    client_id = _field(message, "client_id", str)
    if not client_id:
        raise BadMessage("'client_id' is empty")
    return client_id, [decode_change(c) for c in _field(message, "changes", list)]


def encode_push_result(result: PushResult) -> dict[str, Any]:
    return {"confirmed": result.confirmed, "applied": result.applied, "conflicts": result.conflicts}


def decode_push_result(message: Any) -> PushResult:
    return PushResult(
        _field(message, "confirmed", int), _field(message, "applied", int), _field(message, "conflicts", int)
    )


# pull


def encode_head(head: Head) -> dict[str, Any]:
    return {
        "seq": head.seq,
        "purged_through": head.purged_through,
        "purged_before": head.purged_before,
        "lock_after_days": head.lock_after_days,
        "wipe_after_days": head.wipe_after_days,
    }


def decode_head(message: Any) -> Head:
    purged_before = message.get("purged_before") if isinstance(message, dict) else None
    if purged_before is not None and not isinstance(purged_before, str):
        raise BadMessage("'purged_before' has the wrong type")
    limits = []
    for name in ("lock_after_days", "wipe_after_days"):
        value = message.get(name) if isinstance(message, dict) else None
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 1):
            raise BadMessage(f"'{name}' must be a number of days")
        limits.append(value)
    return Head(_field(message, "seq", int), _field(message, "purged_through", int), purged_before, *limits)


def encode_range(after: int, hi: int, territories: Sequence[str], **more: Any) -> dict[str, Any]:
    """The body of a page, conflicts or history request."""
    return {"after": after, "hi": hi, "territories": list(territories), **more}


def decode_range(message: Any) -> tuple[int, int, list[str]]:
    return _field(message, "after", int), _field(message, "hi", int), _strings(message, "territories")


def encode_page_request(table: str, after: int, hi: int, territories: Sequence[str]) -> dict[str, Any]:
    return encode_range(after, hi, territories, table=table)


def decode_page_request(message: Any) -> tuple[str, int, int, list[str]]:
    return (_field(message, "table", str), *decode_range(message))


def encode_prime_request(
    table: str, after: int, hi: int, territories: Sequence[str], pages: int | None
) -> dict[str, Any]:
    more = {} if pages is None else {"pages": pages}
    return encode_range(after, hi, territories, table=table, **more)


def decode_prime_request(message: Any) -> tuple[str, int, int, list[str], int | None]:
    """A page request, and how many pages at most the answer streams (None: up to ``hi``)."""
    request = decode_page_request(message)
    if "pages" not in message:
        return (*request, None)
    pages = _field(message, "pages", int)
    if pages < 1:
        raise BadMessage("'pages' must be at least 1")
    return (*request, pages)


def encode_page(page: Page) -> dict[str, Any]:
    return {
        "rows": encode_rows(page.rows),
        "page_hi": page.page_hi,
        "departures": encode_records(page.departures),
    }


def decode_page(message: Any) -> Page:
    rows = [_row(r) for r in _field(message, "rows", list)]
    return Page(
        rows, _field(message, "page_hi", int), _records(_field(message, "departures", list), "departures")
    )


# a prime: a stream of pages, one JSON object a line, ending with the page that reaches ``hi`` (a stream that
# stops before it was cut short); a failure after the stream began is a last line {error, message, status}


def encode_page_line(page: Page) -> bytes:
    """One page of a prime's stream: compact JSON (rows as arrays; the database already gave wire values,
    so only an odd value needs ``_json_value``) and a newline."""
    body = {"rows": page.rows, "page_hi": page.page_hi, "departures": page.departures}
    return json.dumps(body, separators=(",", ":"), default=_json_value).encode() + b"\n"


def encode_page_json_line(rows: str, page_hi: int, departures: list[dict[str, Any]]) -> bytes:
    """:func:`encode_page_line` of rows already encoded as a JSON array of arrays (by the database)."""
    rest = json.dumps(
        {"page_hi": page_hi, "departures": departures}, separators=(",", ":"), default=_json_value
    )
    # a raw newline in JSON text is whitespace between values (inside a string it is escaped): the line
    # stays one line
    return b'{"rows":' + rows.replace("\n", " ").encode() + b"," + rest[1:].encode() + b"\n"


def encode_error_line(status: int, kind: str, message: str) -> bytes:
    return json.dumps({**encode_error(kind, message), "status": status}).encode() + b"\n"


def decode_page_line(line: bytes) -> Page | tuple[int, str]:
    """A page of a prime's stream, or the (status, message) of the error that ended it."""
    try:
        message = json.loads(line)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise BadMessage("a line of the stream is not JSON") from None
    if isinstance(message, dict) and "error" in message:
        return _field(message, "status", int), str(message.get("message", ""))
    rows = _field(message, "rows", list)
    if not all(type(r) is list for r in rows):
        raise BadMessage("a row must be a list")
    return Page(
        rows, _field(message, "page_hi", int), _records(_field(message, "departures", list), "departures")
    )


def encode_conflicts(conflicts: Iterable[dict[str, Any]]) -> dict[str, Any]:
    return {"conflicts": encode_records(conflicts)}


def decode_conflicts(message: Any) -> list[dict[str, Any]]:
    return _records(_field(message, "conflicts", list), "conflicts")


def encode_history_request(
    after: int, hi: int, territories: Sequence[str], since: dt.datetime | None
) -> dict[str, Any]:
    return encode_range(after, hi, territories, since=_json_value(since))


def decode_history_request(message: Any) -> tuple[int, int, list[str], dt.datetime | None]:
    since = _optional_time(message.get("since") if isinstance(message, dict) else None, "since")
    return (*decode_range(message), since)


def encode_history(rows: Iterable[Sequence[Any]]) -> dict[str, Any]:
    return {"rows": encode_rows(rows)}


def decode_history(message: Any) -> list[tuple[Any, ...]]:
    return [_row(r) for r in _field(message, "rows", list)]


def encode_digest_request(slice_no: int, territories: Sequence[str], at_seq: int) -> dict[str, Any]:
    return {"slice": slice_no, "territories": list(territories), "at_seq": at_seq}


def decode_digest_request(message: Any) -> tuple[int, list[str], int]:
    return _field(message, "slice", int), _strings(message, "territories"), _field(message, "at_seq", int)


def encode_digest(value: Digest | None) -> dict[str, Any]:
    if value is None:
        return {"digest": None}
    return {
        "digest": [[table, territory, count, total] for (table, territory), (count, total) in value.items()]
    }


def decode_digest(message: Any) -> Digest | None:
    if not isinstance(message, dict) or "digest" not in message:
        raise BadMessage("'digest' is missing")
    entries = message["digest"]
    if entries is None:
        return None
    if not isinstance(entries, list):
        raise BadMessage("'digest' must be a list")
    result: Digest = {}
    for entry in entries:
        if (
            not isinstance(entry, list)
            or len(entry) != 4
            or not all(isinstance(v, str) for v in entry[:2])
            or not all(isinstance(v, int) for v in entry[2:])
        ):
            raise BadMessage("a digest entry must be [table, territory, count, hash]")
        result[(entry[0], entry[1])] = (entry[2], entry[3])
    return result


def encode_digests_request(territories: Sequence[str], at_seq: int) -> dict[str, Any]:
    return {"territories": list(territories), "at_seq": at_seq}


def decode_digests_request(message: Any) -> tuple[list[str], int]:
    return _strings(message, "territories"), _field(message, "at_seq", int)


def encode_digests(value: dict[int, Digest] | None) -> dict[str, Any]:
    if value is None:
        return {"digests": None}
    return {
        "digests": [
            [slice_no, table, territory, count, total]
            for slice_no, entries in sorted(value.items())
            for (table, territory), (count, total) in entries.items()
        ]
    }


def decode_digests(message: Any) -> dict[int, Digest] | None:
    if not isinstance(message, dict) or "digests" not in message:
        raise BadMessage("'digests' is missing")
    entries = message["digests"]
    if entries is None:
        return None
    if not isinstance(entries, list):
        raise BadMessage("'digests' must be a list")
    result: dict[int, Digest] = {n: {} for n in range(SLICES)}
    for entry in entries:
        if (
            not isinstance(entry, list)
            or len(entry) != 5
            or not isinstance(entry[0], int)
            or entry[0] not in result
            or not all(isinstance(v, str) for v in entry[1:3])
            or not all(isinstance(v, int) for v in entry[3:])
        ):
            raise BadMessage("a digests entry must be [slice, table, territory, count, hash]")
        result[entry[0]][(entry[1], entry[2])] = (entry[3], entry[4])
    return result


# signing in


def encode_grant(token: str, device_id: str, login: str, expires_at: dt.datetime) -> dict[str, Any]:
    return {"token": token, "device_id": device_id, "login": login, "expires_at": _json_value(expires_at)}


def decode_sign_in(message: Any) -> tuple[str, str, str]:
    """(login, password, device name)"""
    return _field(message, "login", str), _field(message, "password", str), _field(message, "device", str)


def encode_error(kind: str, message: str) -> dict[str, Any]:
    return {"error": kind, "message": message}
