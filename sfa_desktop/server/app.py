"""sfa-server's HTTP face: a Starlette ASGI app in front of the central store (``server.service``).

Every endpoint is versioned (``/v1/...``) and speaks JSON in the shapes of ``protocol.messages``:

* ``GET /v1/status`` (no sign-in): the protocol and app versions; the laptop's "Test connection".
* ``POST /v1/sign-in`` {login, password, device} -> {token, device_id, login, expires_at}; a refused
  sign-in is answered only after the delay ``server.auth`` asks for.
* With ``Authorization: Bearer <token>``: ``POST /v1/sign-out``, ``GET /v1/hello`` (who, and whether this
  device is ``leaving``), ``POST /v1/push``, ``GET /v1/head``, ``POST /v1/page``, ``POST /v1/conflicts``,
  ``POST /v1/history``, ``POST /v1/digest`` (``/v1/digests``: every slice at once), and ``POST /v1/prime``
  (a page request answered with every page up to ``hi``, one JSON line each, gzip level 1 when asked for:
  a new laptop's prime in one request).
* The attachments' bytes (``protocol.blobs``): ``POST /v1/blobs/status``, ``PUT /v1/blobs/<hash>`` (a
  chunk), ``POST /v1/blobs/batch`` (small blobs whole), ``POST /v1/blobs/<hash>/finalize``,
  ``GET /v1/blobs/<hash>``.
  A token the server rotated comes back in the ``X-SFA-Token`` header of the answer.  A device revoked
  with grace may still say hello and push; its next other call ends the grace and is answered "revoked".

Errors are JSON {error, message} with a message for a person: 400 malformed, 401 sign in again, 408 a
body not sent in time (a slow client), 409 incompatible versions, 410 revoked (the only answer on which a
laptop wipes itself), 413 too large, 422 the central store refused, 503 the central store is unreachable.
Nothing is written before a request has been read and checked whole.

The app is stateless: each request authenticates its token (one short transaction) and then runs one
``SyncService`` call (one transaction); the database work runs in worker threads, never on the event loop.
The engine's connection pool is the only way to the database.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import anyio
import anyio.to_thread
from sqlalchemy import Connection, Engine
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from sfa_desktop import __version__
from sfa_desktop.protocol import blobs as blob_messages
from sfa_desktop.protocol import messages
from sfa_desktop.protocol.errors import (
    AuthenticationFailed,
    CentralError,
    Incompatible,
    Revoked,
    Unreachable,
)
from sfa_desktop.protocol.messages import BadMessage
from sfa_desktop.server import auth, central
from sfa_desktop.server.blob_files import BlobFolder, Content
from sfa_desktop.server.service import Fault, SyncService

#: The largest request body accepted (after decompression); a push batch of 500 changes is far below it.
MAX_BODY = 16 * 1024 * 1024

#: Run first in every transaction of a request as ``login`` (PostgreSQL: ``SET LOCAL ROLE`` and the claims
#: row-level security reads); None: the server's own connection acts for every user.
RoleHook = Callable[[Connection, str], None]
#: Who a bearer token stands for: ``server.auth`` against the central store, unless the app is told to
#: trust the process (an in-process store reached with the user's own database login).
Authenticate = Callable[[str], auth.Caller]
#: The SyncService that serves ``login`` (the default makes one per request; tests hand in their own).
ServiceFor = Callable[[str], SyncService]


#: Seconds a client has to send a request's body; a slower one is answered 408 and dropped.
READ_TIMEOUT = 30.0

#: Passwords checked at once by one server process.  An argon2 check takes 64 MiB and a CPU for about a
#: tenth of a second: unbounded, a burst of sign-ins (a morning after the tokens expired, or someone trying
#: passwords) ran one per worker thread and took a process from 90 MB to 270 MB with five at once.  The
#: others wait their turn without holding a thread or a database connection.
PASSWORD_CHECKS = 2


class TooLarge(Exception):
    pass


class TooSlow(Exception):
    pass


@dataclass(frozen=True)
class _Settings:
    engine: Engine
    max_body: int
    read_timeout: float
    authenticate: Authenticate
    service_for: ServiceFor
    password_checks: anyio.CapacityLimiter


def _error(status: int, kind: str, message: str) -> JSONResponse:
    return JSONResponse(messages.encode_error(kind, message), status_code=status)


def _error_of(exc: Exception) -> tuple[int, str, str]:
    """(status, kind, message) of an error answered to the laptop."""
    if isinstance(exc, Revoked):
        return 410, "revoked", str(exc)
    if isinstance(exc, AuthenticationFailed):
        return 401, "auth", str(exc)
    if isinstance(exc, Incompatible):
        return 409, "incompatible", str(exc)
    if isinstance(exc, Unreachable):
        return 503, "unavailable", str(exc)
    if isinstance(exc, BadMessage):
        return 400, "bad-request", f"The request is malformed: {exc}."
    if isinstance(exc, TooLarge):
        return 413, "too-large", str(exc)
    if isinstance(exc, TooSlow):
        return 408, "timeout", str(exc)
    assert isinstance(exc, CentralError)
    return 422, "central", str(exc)


def _answer_error(exc: Exception) -> JSONResponse:
    return _error(*_error_of(exc))


_ANSWERED = (CentralError, BadMessage, TooLarge, TooSlow)


async def _read(request: Request, limit: int, timeout: float) -> bytes:
    return b"".join(await _read_pieces(request, limit, timeout))


async def _read_pieces(request: Request, limit: int, timeout: float) -> list[bytes]:
    """The request's body as the pieces it arrived in, within ``timeout`` seconds and ``limit`` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise TooLarge(f"The request is larger than the server accepts ({limit // 1024 // 1024} MB).")
    pieces, size = [], 0
    try:
        with anyio.fail_after(timeout):
            async for chunk in request.stream():
                pieces.append(chunk)  # kept apart (growing a buffer would copy it again and again)
                size += len(chunk)
                if size > limit:
                    raise TooLarge(
                        f"The request is larger than the server accepts ({limit // 1024 // 1024} MB)."
                    )
    except TimeoutError:
        raise TooSlow(
            f"The request was not sent within {timeout:g} s; nothing was done. Try again."
        ) from None
    return pieces


async def _body(request: Request, limit: int, timeout: float = READ_TIMEOUT) -> Any:
    """The request's JSON, read whole (gzip-encoded or not) within ``timeout`` seconds and refused beyond
    ``limit`` bytes."""
    data = await _read(request, limit, timeout)
    encoding = request.headers.get("content-encoding", "identity").lower()
    if encoding == "gzip":
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            data = inflater.decompress(data, limit + 1)
        except zlib.error:
            raise BadMessage("the gzip body cannot be read") from None
        if len(data) > limit or inflater.unconsumed_tail:
            raise TooLarge(f"The request is larger than the server accepts ({limit // 1024 // 1024} MB).")
    elif encoding != "identity":
        raise BadMessage(f"the content encoding '{encoding}' is not supported (use gzip)")
    if not data:
        raise BadMessage("the request has no body")
    try:
        return json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise BadMessage("the body is not JSON") from None


def _token(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationFailed("This request carries no sign-in token. Sign in (sfa connect) first.")
    return token.strip()


def _server_auth(engine: Engine) -> Authenticate:
    def authenticate(token: str) -> auth.Caller:
        with central.central_transaction(engine) as conn:
            return auth.authenticate(conn, token)

    return authenticate


def _end_grace(engine: Engine, device_id: str) -> None:
    with central.central_transaction(engine) as conn:
        auth.end_grace(conn, device_id)


@dataclass
class _Stream:
    """A prime's lines (``messages.encode_page_line``), the first already read (a failure before it is
    answered with its status)."""

    first: bytes
    rest: Iterator[bytes]

    def response(self, request: Request) -> Response:
        compress = "gzip" in request.headers.get("accept-encoding", "").lower()
        headers = {"Content-Encoding": "gzip"} if compress else {}
        return StreamingResponse(self._lines(compress), media_type="application/x-ndjson", headers=headers)

    def _lines(self, compress: bool) -> Iterator[bytes]:
        # gzip level 1: on JSON nearly the ratio of level 9 at a fraction of the time (each page is flushed,
        # so the laptop writes one while the next is read)
        deflate = zlib.compressobj(1, zlib.DEFLATED, 16 + zlib.MAX_WBITS) if compress else None
        for line in self._pages():
            yield line if deflate is None else deflate.compress(line) + deflate.flush(zlib.Z_SYNC_FLUSH)
        if deflate is not None:
            yield deflate.flush()

    def _pages(self) -> Iterator[bytes]:
        yield self.first
        try:
            yield from self.rest
        except _ANSWERED as exc:  # the answer has begun: the error is its last line
            yield messages.encode_error_line(*_error_of(exc))


def _prime(service: SyncService, message: Any) -> _Stream:
    lines = service.prime_lines(*messages.decode_prime_request(message))
    return _Stream(next(lines), lines)


Work = Callable[[SyncService, Any], Any]


def _endpoint(
    settings: _Settings, work: Work, *, body: bool, leaving_may: bool = False
) -> Callable[[Request], Awaitable[Response]]:
    """An authenticated endpoint: read and check the body, authenticate, then ``work`` in a worker thread."""

    async def endpoint(request: Request) -> Response:
        rotated = None
        response: Response
        try:
            message = await _body(request, settings.max_body, settings.read_timeout) if body else None
            token = _token(request)
            caller = await anyio.to_thread.run_sync(settings.authenticate, token)
            rotated = caller.rotated
            if caller.leaving and not leaving_may:
                await anyio.to_thread.run_sync(_end_grace, settings.engine, caller.device_id)
                raise Revoked(
                    "This device was signed out by an administrator; its waiting changes were handed in and "
                    "the synced data on it is removed."
                )
            service = settings.service_for(caller.login)
            answer = await anyio.to_thread.run_sync(work, service, message)
            if work is _hello:
                answer["leaving"] = caller.leaving
            response = answer.response(request) if isinstance(answer, _Stream) else JSONResponse(answer)
        except _ANSWERED as exc:
            response = _answer_error(exc)
        if rotated is not None:
            response.headers[messages.TOKEN_HEADER] = rotated
        return response

    return endpoint


def _hello(service: SyncService, _message: Any) -> dict[str, Any]:
    return {"identity": messages.encode_identity(service.hello())}


def _push(service: SyncService, message: Any) -> dict[str, Any]:
    client_id, batch = messages.decode_push(message)
    return messages.encode_push_result(service.push(client_id, batch))


def _head(service: SyncService, _message: Any) -> dict[str, Any]:
    return messages.encode_head(service.head())


def _page(service: SyncService, message: Any) -> dict[str, Any]:
    return messages.encode_page(service.page(*messages.decode_page_request(message)))


def _conflicts(service: SyncService, message: Any) -> dict[str, Any]:
    return messages.encode_conflicts(service.conflicts(*messages.decode_range(message)))


def _history(service: SyncService, message: Any) -> dict[str, Any]:
    return messages.encode_history(service.history(*messages.decode_history_request(message)))


def _digest(service: SyncService, message: Any) -> dict[str, Any]:
    return messages.encode_digest(service.digest(*messages.decode_digest_request(message)))


def _digests(service: SyncService, message: Any) -> dict[str, Any]:
    return messages.encode_digests(service.digests(*messages.decode_digests_request(message)))


# -- attachments' bytes (``protocol.blobs``) -----------------------------------------------------------------

#: What a blob endpoint does in a worker thread: (service, the request's path and query, its body) -> answer.
BlobWork = Callable[[SyncService, Request, bytes], Any]


def _blob_endpoint(
    settings: _Settings, work: BlobWork, *, body: str
) -> Callable[[Request], Awaitable[Response]]:
    """An authenticated blob endpoint; ``body``: "json", "raw" (a chunk's bytes), "batch" (several blobs'
    bytes one after the other) or "none"."""

    async def endpoint(request: Request) -> Response:
        rotated = None
        response: Response
        try:
            if body == "json":
                data = json.dumps(await _body(request, settings.max_body, settings.read_timeout)).encode()
            elif body == "raw":
                data = await _read(request, blob_messages.MAX_CHUNK, settings.read_timeout)
            elif body == "batch":
                manifest = blob_messages.decode_batch_query(request.query_params.get("blobs"))
                pieces = await _read_pieces(request, blob_messages.MAX_BATCH, settings.read_timeout)
                request.state.batch = _split(manifest, pieces)
                data = b""
            else:
                data = b""
            token = _token(request)

            def signed_in_work() -> tuple[str | None, Any]:
                # one trip to a worker thread for the sign-in and the work (a photo is one request)
                caller = settings.authenticate(token)
                if caller.leaving:
                    _end_grace(settings.engine, caller.device_id)
                    raise Revoked("This device was signed out by an administrator.")
                try:
                    return caller.rotated, work(settings.service_for(caller.login), request, data)
                except _ANSWERED as exc:  # answered with the rotated token all the same
                    return caller.rotated, exc

            rotated, answer = await anyio.to_thread.run_sync(signed_in_work)
            if isinstance(answer, Exception):
                raise answer
            if isinstance(answer, bytes):
                # photos do not compress: sent as they are (gzip leaves an encoded answer alone)
                response = Response(
                    answer, media_type="application/octet-stream", headers={"Content-Encoding": "identity"}
                )
            else:
                response = JSONResponse(answer)
        except _ANSWERED as exc:
            response = _answer_error(exc)
        if rotated is not None:
            response.headers[messages.TOKEN_HEADER] = rotated
        return response

    return endpoint


def _sha(request: Request) -> str:
    return blob_messages.check_hash(request.path_params["sha"])


def _blob_status(service: SyncService, request: Request, data: bytes) -> dict[str, Any]:
    hashes = blob_messages.decode_status_request(json.loads(data))
    return blob_messages.encode_status(service.blob_status(hashes))


def _blob_put(service: SyncService, request: Request, data: bytes) -> dict[str, Any]:
    offset = blob_messages.parse_int(request.query_params.get("offset"), "offset")
    size = blob_messages.parse_int(request.query_params.get("size"), "size")
    return blob_messages.encode_state(service.blob_put(_sha(request), offset, size, data))


def _split(manifest: list[tuple[str, int]], pieces: list[bytes]) -> list[tuple[str, Content]]:
    """The blobs of a batch's body, each the views of the pieces of the body it spans (not copies)."""
    if sum(len(p) for p in pieces) != sum(size for _sha, size in manifest):
        raise BadMessage("the batch's bytes do not add up to the sizes it names")
    blobs: list[tuple[str, Content]] = []
    views = iter(memoryview(p) for p in pieces)
    left = memoryview(b"")
    for sha, size in manifest:
        parts: list[memoryview] = []
        wanted = size
        while wanted:
            if not left:
                left = next(views)
            take = left[:wanted]
            parts.append(take)
            left = left[len(take) :]
            wanted -= len(take)
        blobs.append((sha, tuple(parts)))
    return blobs


def _blob_batch(service: SyncService, request: Request, data: bytes) -> dict[str, Any]:
    return blob_messages.encode_batch_answer(service.blob_put_many(request.state.batch))


def _blob_finalize(service: SyncService, request: Request, data: bytes) -> dict[str, Any]:
    return blob_messages.encode_state(service.blob_finalize(_sha(request)))


def _blob_get(service: SyncService, request: Request, data: bytes) -> bytes:
    offset = blob_messages.parse_int(request.query_params.get("offset"), "offset", 0)
    return service.blob_read(_sha(request), offset)


def _sign_in(settings: _Settings) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        try:
            login, password, device = messages.decode_sign_in(
                await _body(request, settings.max_body, settings.read_timeout)
            )
            grant = await anyio.to_thread.run_sync(
                auth.sign_in, settings.engine, login, password, device, limiter=settings.password_checks
            )
        except auth.Refused as exc:
            await anyio.sleep(exc.delay)
            return _answer_error(exc)
        except _ANSWERED as exc:
            return _answer_error(exc)
        return JSONResponse(
            messages.encode_grant(grant.token, grant.device_id, grant.login, grant.expires_at)
        )

    return endpoint


def _sign_out(settings: _Settings) -> Callable[[Request], Awaitable[Response]]:
    def forget(token: str) -> None:
        with central.central_transaction(settings.engine) as conn:
            auth.sign_out(conn, token)

    async def endpoint(request: Request) -> Response:
        try:
            await anyio.to_thread.run_sync(forget, _token(request))
        except _ANSWERED as exc:
            return _answer_error(exc)
        return JSONResponse({})

    return endpoint


async def _status(request: Request) -> Response:
    return JSONResponse({"service": "sfa-server", "protocol": messages.HTTP_VERSION, "app": __version__})


async def _other_version(request: Request) -> Response:
    """A path of another protocol version: a laptop older or newer than this server is told which side to
    update (409: ``sync.http`` raises Incompatible), instead of a bare 404."""
    version = int(request.path_params["version"])
    if version == messages.HTTP_VERSION:
        return _error(404, "not-found", f"This sync server has no {request.url.path}.")
    side = "SFA Desktop on this laptop" if version < messages.HTTP_VERSION else "the sync server"
    return _error(
        409,
        "incompatible",
        f"This sync server speaks protocol {messages.HTTP_VERSION} and this app protocol {version}: update "
        f"{side} (ask your administrator). Your work is kept on the laptop.",
    )


def build_app(
    engine: Engine,
    *,
    role: RoleHook | None = None,
    max_body: int = MAX_BODY,
    read_timeout: float = READ_TIMEOUT,
    fault: Fault | None = None,
    authenticate: Authenticate | None = None,
    service_for: ServiceFor | None = None,
    blob_folder: BlobFolder | None = None,
) -> Starlette:
    """The sync service over the central store behind ``engine``.

    ``role``: see :data:`RoleHook`; ``fault``: the SyncService fault hook (tests); ``authenticate``: who a
    token stands for (default: ``server.auth``); ``service_for``: the SyncService of a login (default: a new
    one per request over ``engine``); ``blob_folder``: where attachments' bytes go (default: the store's
    table, see ``server.blob_files``)."""

    def default_service(login: str) -> SyncService:
        hook = None if role is None else (lambda conn: role(conn, login))
        return SyncService(engine, login, role=hook, fault=fault, blob_folder=blob_folder)

    settings = _Settings(
        engine,
        max_body,
        read_timeout,
        authenticate or _server_auth(engine),
        service_for or default_service,
        anyio.CapacityLimiter(PASSWORD_CHECKS),
    )
    prefix = messages.PREFIX

    def route(path: str, work: Work, *, body: bool, leaving_may: bool = False) -> Route:
        return Route(
            f"{prefix}/{path}",
            _endpoint(settings, work, body=body, leaving_may=leaving_may),
            methods=["POST"] if body else ["GET"],
        )

    routes = [
        Route(f"{prefix}/status", _status, methods=["GET"]),
        Route(f"{prefix}/sign-in", _sign_in(settings), methods=["POST"]),
        Route(f"{prefix}/sign-out", _sign_out(settings), methods=["POST"]),
        route("hello", _hello, body=False, leaving_may=True),
        route("push", _push, body=True, leaving_may=True),
        route("head", _head, body=False),
        route("page", _page, body=True),
        route("prime", _prime, body=True),
        route("conflicts", _conflicts, body=True),
        route("history", _history, body=True),
        route("digest", _digest, body=True),
        route("digests", _digests, body=True),
        Route(
            f"{prefix}/blobs/status", _blob_endpoint(settings, _blob_status, body="json"), methods=["POST"]
        ),
        Route(f"{prefix}/blobs/batch", _blob_endpoint(settings, _blob_batch, body="batch"), methods=["POST"]),
        Route(
            f"{prefix}/blobs/{{sha}}/finalize",
            _blob_endpoint(settings, _blob_finalize, body="none"),
            methods=["POST"],
        ),
        Route(f"{prefix}/blobs/{{sha}}", _blob_endpoint(settings, _blob_put, body="raw"), methods=["PUT"]),
        Route(f"{prefix}/blobs/{{sha}}", _blob_endpoint(settings, _blob_get, body="none"), methods=["GET"]),
        Route("/v{version:int}/{rest:path}", _other_version, methods=["GET", "POST", "PUT"]),
    ]
    return Starlette(routes=routes, middleware=[Middleware(GZipMiddleware, minimum_size=1024)])


def trusting(login: str) -> Authenticate:
    """Authentication for an app served in process over a store reached with ``login``'s own database
    login: the process proved who it is to the database, and every token stands for ``login``."""

    def authenticate(token: str) -> auth.Caller:
        return auth.Caller(login, device_id="")

    return authenticate
