"""The attachments' bytes on the wire (what sync and sfa-server share): content-addressed blobs uploaded in
chunks, resumed from what the server already holds, finished with a hash check, read back on demand.

* ``POST /v1/blobs/status`` {"hashes": [...]} -> {"blobs": {hash: {"size", "received", "complete"}}}, for
  the hashes the user may see that the server knows (a hash not answered: nothing received yet);
* ``PUT /v1/blobs/<hash>?offset=N&size=TOTAL`` with the chunk's bytes (application/octet-stream) ->
  {"size", "received", "complete"}; a chunk at another offset than the server's ``received`` is not written
  (the answer says where to go on from);
* ``POST /v1/blobs/<hash>/finalize`` -> the same, ``complete`` once the bytes hash to ``<hash>`` (else they
  are dropped and the upload starts again);
* ``GET /v1/blobs/<hash>?offset=N`` -> the bytes from ``offset`` (the whole blob by default);
* ``POST /v1/blobs/batch?blobs=<hash>:<size>,...`` with those blobs' bytes one after the other -> {"blobs":
  {hash: state}, "problems": {hash: message}}: several small blobs (photos) whole in one request and one
  transaction; a blob the server holds part of already is answered with its state (the laptop goes on
  from there with ``PUT``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sfa_desktop.protocol.messages import BadMessage

#: A chunk's most bytes (the server refuses more in one request).
MAX_CHUNK = 8 * 1024 * 1024
#: The chunk the laptop sends by default.
CHUNK = 4 * 1024 * 1024
#: A batch's most bytes, and most blobs (a blob bigger than ``CHUNK`` is never batched).
MAX_BATCH = 16 * 1024 * 1024
MAX_BATCH_BLOBS = 32
#: Hashes asked about in one status request.
MAX_STATUS = 1000
_HASH = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class BlobState:
    size: int
    received: int
    complete: bool


def check_hash(value: Any) -> str:
    if not isinstance(value, str) or not _HASH.match(value):
        raise BadMessage("a blob is named by its SHA-256 hash, 64 lower-case hexadecimal digits")
    return value


def encode_state(state: BlobState) -> dict[str, Any]:
    return {"size": state.size, "received": state.received, "complete": state.complete}


def decode_state(message: Any) -> BlobState:
    if not isinstance(message, dict):
        raise BadMessage("a blob's state is an object")
    size, received, complete = message.get("size"), message.get("received"), message.get("complete")
    if not isinstance(size, int) or not isinstance(received, int) or not isinstance(complete, bool):
        raise BadMessage("a blob's state has size, received and complete")
    return BlobState(size, received, complete)


def encode_status_request(hashes: list[str]) -> dict[str, Any]:
    return {"hashes": hashes}


def decode_status_request(message: Any) -> list[str]:
    hashes = message.get("hashes") if isinstance(message, dict) else None
    if not isinstance(hashes, list) or len(hashes) > MAX_STATUS:
        raise BadMessage(f"a status request names up to {MAX_STATUS} hashes")
    return [check_hash(h) for h in hashes]


def encode_status(states: dict[str, BlobState]) -> dict[str, Any]:
    return {"blobs": {sha: encode_state(s) for sha, s in states.items()}}


def decode_status(message: Any) -> dict[str, BlobState]:
    blobs = message.get("blobs") if isinstance(message, dict) else None
    if not isinstance(blobs, dict):
        raise BadMessage("a status answer has blobs")
    return {check_hash(sha): decode_state(s) for sha, s in blobs.items()}


def parse_int(value: str | None, name: str, default: int | None = None) -> int:
    if value is None or value == "":
        if default is None:
            raise BadMessage(f"the request needs {name}")
        return default
    if not value.isdigit() or len(value) > 15:
        raise BadMessage(f"{name} is a whole number of bytes")
    return int(value)


@dataclass(frozen=True)
class BatchAnswer:
    states: dict[str, BlobState]
    #: blobs refused (not seen by the user, bytes not matching their hash): why, in words for the user
    problems: dict[str, str]


def encode_batch_query(blobs: list[tuple[str, int]]) -> str:
    return ",".join(f"{sha}:{size}" for sha, size in blobs)


def decode_batch_query(value: str | None) -> list[tuple[str, int]]:
    """(hash, size) of the blobs a batch carries, in the order of its bytes."""
    items = (value or "").split(",")
    if not value or len(items) > MAX_BATCH_BLOBS:
        raise BadMessage(f"a batch names 1 to {MAX_BATCH_BLOBS} blobs as hash:size")
    found: list[tuple[str, int]] = []
    for item in items:
        sha, _, size = item.partition(":")
        found.append((check_hash(sha), parse_int(size, "a batched blob's size")))
    if len({sha for sha, _size in found}) != len(found) or any(size == 0 for _sha, size in found):
        raise BadMessage("a batch names each blob once, none empty")
    if sum(size for _sha, size in found) > MAX_BATCH:
        raise BadMessage(f"a batch carries at most {MAX_BATCH // 1024 // 1024} MB")
    return found


def encode_batch_answer(answer: BatchAnswer) -> dict[str, Any]:
    return {
        "blobs": {sha: encode_state(s) for sha, s in answer.states.items()},
        "problems": dict(answer.problems),
    }


def decode_batch_answer(message: Any) -> BatchAnswer:
    problems = message.get("problems") if isinstance(message, dict) else None
    if not isinstance(problems, dict) or not all(isinstance(p, str) for p in problems.values()):
        raise BadMessage("a batch's answer has problems")
    return BatchAnswer(decode_status(message), {check_hash(sha): p for sha, p in problems.items()})
