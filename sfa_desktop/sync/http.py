"""The laptop's side of sfa-server: a :class:`~sfa_desktop.sync.link.Link` over HTTPS (httpx).

Certificates are always verified: against this computer's store and certifi's, or only the company's
certificate authority given with ``--ca-file``.  Clear-text ``http://`` is allowed only to this computer
(localhost, 127.0.0.0/8, ::1), e.g. a server behind a local proxy, or the in-process server of the demo.

Each answer maps to one of the sync errors (``protocol.errors``): no connection, a timeout or a 5xx is
:class:`Unreachable` (the work stays on the laptop; the next sync tries again; a push is idempotent, so
retrying a batch whose answer was lost applies nothing twice); 401 :class:`AuthenticationFailed`; 410
:class:`Revoked`, the one answer on which the laptop wipes its copy; 409 :class:`Incompatible`; any other 4xx
a :class:`CentralError` with the server's message.  A token the server rotates (header ``X-SFA-Token``) is
used from then on and handed to ``on_token`` to be kept.
"""

from __future__ import annotations

import datetime as dt
import gzip
import ipaddress
import json
import ssl
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import certifi
import httpx

from sfa_desktop.core.access import Identity
from sfa_desktop.protocol import blobs as blob_messages
from sfa_desktop.protocol import messages
from sfa_desktop.protocol.blobs import BatchAnswer, BlobState
from sfa_desktop.protocol.changes import Change
from sfa_desktop.protocol.digest import Digest
from sfa_desktop.protocol.errors import AuthenticationFailed, CentralError, Incompatible, Revoked, Unreachable
from sfa_desktop.protocol.limits import PRIME_PAGES
from sfa_desktop.protocol.messages import BadMessage, Head, Page, PushResult

CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 60.0
#: Request bodies above this size travel gzip-compressed.
COMPRESS_ABOVE = 16 * 1024
_KEPT = "Your work is kept on this laptop; sync will try again."


@dataclass(frozen=True)
class Grant:
    """A good sign-in: the device's token (keep it in the keyring) and who it stands for."""

    token: str
    device_id: str
    login: str
    expires_at: str


@dataclass(frozen=True)
class ServerStatus:
    service: str
    protocol: int
    app: str


def is_server_url(url: str) -> bool:
    """Is this the address of an sfa-server (https://, or http:// to this computer), not a database?"""
    return url.lower().startswith(("https://", "http://"))


def _loopback(host: str) -> bool:
    if host.lower() in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_url(url: str) -> str:
    """The server's base URL, refused when it would send passwords and data in clear over a network."""
    try:
        parsed = httpx.URL(url.strip())
    except (httpx.InvalidURL, TypeError):
        raise CentralError(f"'{url}' is not a server address; give it as https://HOST:PORT.") from None
    if parsed.scheme not in ("https", "http") or not parsed.host:
        raise CentralError(f"'{url}' is not a server address; give it as https://HOST:PORT.")
    if parsed.scheme == "http" and not _loopback(parsed.host):
        raise CentralError(
            f"Refusing clear-text http:// to {parsed.host}: passwords and customer data would cross the "
            f"network unencrypted. Use https://{parsed.host}"
            + (f":{parsed.port}" if parsed.port else "")
            + "."
        )
    if parsed.userinfo:
        raise CentralError("Give the login with --user, not in the server address.")
    return str(parsed.copy_with(query=None, fragment=None)).rstrip("/")


def _verify(ca_file: str | None) -> ssl.SSLContext:
    if ca_file is None:
        context = ssl.create_default_context(cafile=certifi.where())
        context.load_default_certs()
        return context
    path = Path(ca_file).expanduser()
    if not path.is_file():
        raise CentralError(f"The certificate file {path} (--ca-file) does not exist.")
    try:
        return ssl.create_default_context(cafile=str(path))
    except (ssl.SSLError, OSError) as exc:
        raise CentralError(f"The certificate file {path} (--ca-file) cannot be read: {exc}.") from None


def _client(ca_file: str | None, transport: httpx.BaseTransport | None) -> httpx.Client:
    timeout = httpx.Timeout(READ_TIMEOUT, connect=CONNECT_TIMEOUT)
    if transport is not None:
        return httpx.Client(transport=transport, timeout=timeout)
    return httpx.Client(verify=_verify(ca_file), timeout=timeout, trust_env=False)


def _certificate_problem(exc: BaseException) -> str | None:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLCertVerificationError):
            return seen.verify_message or str(seen)
        if "CERTIFICATE_VERIFY_FAILED" in str(seen):
            return str(seen)
        seen = seen.__cause__ or seen.__context__
    return None


def _server_message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        body = None
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return str(body["message"])
    return f"HTTP {response.status_code} {response.reason_phrase}".strip()


class _Caller:
    """One server (or a round-robin list of them) and the requests to it."""

    def __init__(
        self,
        urls: str | Sequence[str],
        *,
        ca_file: str | None,
        transport: httpx.BaseTransport | None,
    ) -> None:
        listed = [urls] if isinstance(urls, str) else list(urls)
        if not listed:
            raise CentralError("No server address given.")
        self.urls = [check_url(u) for u in listed]
        #: every server is on this computer (or in this process)
        self.local = transport is not None or all(_loopback(httpx.URL(u).host) for u in self.urls)
        #: answers come whole, not as they are sent (a transport handed in: the in-process server, tests)
        self.held_whole = transport is not None
        self._next = 0
        #: a transport handed in belongs to the caller (closing the client would close it)
        self._owned = transport is None
        self.client = _client(ca_file, transport)

    @property
    def where(self) -> str:
        return self.urls[0] if len(self.urls) == 1 else ", ".join(self.urls)

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        token: str | None = None,
        *,
        raw: bytes | list[bytes] | None = None,
    ) -> httpx.Response:
        with self.stream(method, path, body, token, raw=raw) as response:
            response.read()
            return response

    @contextmanager
    def stream(
        self,
        method: str,
        path: str,
        body: Any = None,
        token: str | None = None,
        *,
        accept_encoding: str | None = None,
        raw: bytes | list[bytes] | None = None,
    ) -> Iterator[httpx.Response]:
        """A request whose answer is read as it arrives (a failure reaching the server or reading the
        answer raises the sync error it stands for); an error status is raised before anything is read."""
        base = self.urls[self._next % len(self.urls)]
        self._next += 1
        headers = {"Accept": "application/json"}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        if accept_encoding is not None:
            headers["Accept-Encoding"] = accept_encoding
        content: bytes | Iterator[bytes] | None = None
        if body is not None:
            content = json.dumps(body, separators=(",", ":")).encode("utf-8")
            headers["Content-Type"] = "application/json"
            if len(content) > COMPRESS_ABOVE:
                content = gzip.compress(content, compresslevel=5)
                headers["Content-Encoding"] = "gzip"
        elif raw is not None:  # blobs' bytes as they are (photos do not compress)
            # several blobs go one after the other without being copied into one buffer first
            content = iter(raw) if isinstance(raw, list) else raw
            headers["Content-Type"] = "application/octet-stream"
            headers["Content-Length"] = str(sum(map(len, raw)) if isinstance(raw, list) else len(raw))
        try:
            with self.client.stream(
                method, f"{base}{messages.PREFIX}/{path}", content=content, headers=headers
            ) as response:
                if response.status_code >= 400:
                    response.read()
                    self._check(base, response)
                yield response
        except httpx.TransportError as exc:
            problem = _certificate_problem(exc)
            if problem is not None:
                raise CentralError(
                    f"The certificate of the sync server {base} does not verify ({problem}). If your company "
                    "uses its own certificate authority, give its certificate with --ca-file FILE; otherwise "
                    "do not connect: someone may be impersonating the server."
                ) from None
            what = (
                "timed out" if isinstance(exc, httpx.TimeoutException) else (str(exc) or type(exc).__name__)
            )
            raise Unreachable(f"The sync server {base} cannot be reached ({what}). {_KEPT}") from None

    @staticmethod
    def _check(base: str, response: httpx.Response) -> None:
        if response.status_code >= 400:
            _raise_for(base, response.status_code, _server_message(response))

    @staticmethod
    def json(response: httpx.Response) -> Any:
        try:
            return response.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise CentralError(
                f"The server at {response.request.url.host} does not answer like an SFA sync server "
                "(its answer is not JSON); check the address."
            ) from None

    def close(self) -> None:
        if self._owned:
            self.client.close()


def _raise_for(base: str, status: int, message: str) -> None:
    """Raise the sync error an error status of the server stands for."""
    if status >= 500:
        raise Unreachable(f"The sync server {base} could not answer now: {message} {_KEPT}")
    if status == 401:
        raise AuthenticationFailed(message)
    if status == 410:
        raise Revoked(message)
    if status == 409:
        raise Incompatible(message)
    raise CentralError(f"The sync server {base} refused the request: {message}")


def _lines(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """The newline-ended lines of a byte stream (a last line without its newline is not yielded)."""
    parts: list[bytes] = []
    for chunk in chunks:
        start = 0
        while (end := chunk.find(b"\n", start)) >= 0:
            parts.append(chunk[start:end])
            yield b"".join(parts)
            parts = []
            start = end + 1
        if start < len(chunk):
            parts.append(chunk[start:])


def _decode(decoder: Callable[[Any], Any], message: Any, where: str) -> Any:
    try:
        return decoder(message)
    except BadMessage as exc:
        raise CentralError(f"The sync server {where} sent an answer this app cannot read ({exc}).") from None


class HttpLink:
    """A :class:`~sfa_desktop.sync.link.Link` to sfa-server with this device's token.

    ``url``: the server's base URL, or a list of them used in turn (several stateless servers).
    ``transport``: an httpx transport to use instead of the network (``sync.asgi_transport``).
    ``on_token``: called with a token the server rotated, to keep it (the link uses it from then on)."""

    def __init__(
        self,
        url: str | Sequence[str],
        token: str,
        *,
        ca_file: str | None = None,
        transport: httpx.BaseTransport | None = None,
        on_token: Callable[[str], None] | None = None,
    ) -> None:
        self._caller = _Caller(url, ca_file=ca_file, transport=transport)
        self.token = token
        self._on_token = on_token
        #: the last hello said this device is revoked with grace: hand in the outbox, then it is wiped
        self.leaving = False

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        response = self._caller.request(method, path, body, self.token)
        self._rotated(response)
        return self._caller.json(response)

    def _rotated(self, response: httpx.Response) -> None:
        rotated = response.headers.get(messages.TOKEN_HEADER)
        if rotated and rotated != self.token:
            self.token = rotated
            if self._on_token is not None:
                self._on_token(rotated)

    def _get(self, decoder: Callable[[Any], Any], method: str, path: str, body: Any = None) -> Any:
        return _decode(decoder, self._call(method, path, body), self._caller.where)

    def hello(self) -> Identity:
        answer = self._call("GET", "hello")
        identity: Identity = _decode(
            lambda m: (
                messages.decode_identity(m["identity"]) if isinstance(m, dict) and "identity" in m else None
            ),
            answer,
            self._caller.where,
        )
        if identity is None:
            raise CentralError(f"The sync server {self._caller.where} sent an answer this app cannot read.")
        self.leaving = bool(answer.get("leaving"))
        return identity

    def push(self, client_id: str, batch: Sequence[Change]) -> PushResult:
        result: PushResult = self._get(
            messages.decode_push_result, "POST", "push", messages.encode_push(client_id, batch)
        )
        return result

    def head(self) -> Head:
        result: Head = self._get(messages.decode_head, "GET", "head")
        return result

    def page(self, table: str, after: int, hi: int, territories: Sequence[str]) -> Page:
        body = messages.encode_page_request(table, after, hi, territories)
        result: Page = self._get(messages.decode_page, "POST", "page", body)
        return result

    def prime(
        self, table: str, after: int, hi: int, territories: Sequence[str]
    ) -> Generator[Page, None, None]:
        """The pages of ``table`` up to ``hi`` in one streamed answer (gzip-compressed, except from a server
        on this computer, where compressing costs more than it saves).  Over a socket the answer is read as
        it arrives; a transport that hands answers over whole (the in-process server) is asked for
        PRIME_PAGES pages an answer, again and again from where the last one ended."""
        where = self._caller.where
        encoding = "identity" if self._caller.local else "gzip"
        limit = PRIME_PAGES if self._caller.held_whole else None
        while True:
            body = messages.encode_prime_request(table, after, hi, territories, limit)
            received = 0
            with self._caller.stream("POST", "prime", body, self.token, accept_encoding=encoding) as answer:
                self._rotated(answer)
                for line in _lines(answer.iter_bytes()):
                    page = _decode(messages.decode_page_line, line, where)
                    if isinstance(page, tuple):
                        _raise_for(where, *page)
                    yield page
                    received += 1
                    if page.page_hi >= hi:
                        return
                    after = page.page_hi
            if limit is None or received < limit:
                raise Unreachable(f"The sync server {where} stopped before sending every page. {_KEPT}")

    def conflicts(self, after: int, hi: int, territories: Sequence[str]) -> list[dict[str, Any]]:
        body = messages.encode_range(after, hi, territories)
        result: list[dict[str, Any]] = self._get(messages.decode_conflicts, "POST", "conflicts", body)
        return result

    def history(
        self, after: int, hi: int, territories: Sequence[str], since: dt.datetime | None
    ) -> list[tuple[Any, ...]]:
        body = messages.encode_history_request(after, hi, territories, since)
        result: list[tuple[Any, ...]] = self._get(messages.decode_history, "POST", "history", body)
        return result

    def digest(self, slice_no: int, territories: Sequence[str], at_seq: int) -> Digest | None:
        body = messages.encode_digest_request(slice_no, territories, at_seq)
        result: Digest | None = self._get(messages.decode_digest, "POST", "digest", body)
        return result

    def digests(self, territories: Sequence[str], at_seq: int) -> dict[int, Digest] | None:
        body = messages.encode_digests_request(territories, at_seq)
        result: dict[int, Digest] | None = self._get(messages.decode_digests, "POST", "digests", body)
        return result

    # the attachments' bytes (``protocol.blobs``) ----------------------------------------------------------

    def blob_status(self, hashes: Sequence[str]) -> dict[str, BlobState]:
        found: dict[str, BlobState] = {}
        for start in range(0, len(hashes), blob_messages.MAX_STATUS):
            batch = list(hashes[start : start + blob_messages.MAX_STATUS])
            found.update(
                self._get(
                    blob_messages.decode_status,
                    "POST",
                    "blobs/status",
                    blob_messages.encode_status_request(batch),
                )
            )
        return found

    def blob_put(self, sha: str, offset: int, size: int, data: bytes) -> BlobState:
        response = self._caller.request(
            "PUT", f"blobs/{sha}?offset={offset}&size={size}", None, self.token, raw=data
        )
        self._rotated(response)
        state: BlobState = _decode(
            blob_messages.decode_state, self._caller.json(response), self._caller.where
        )
        return state

    def blob_put_many(self, items: Sequence[tuple[str, bytes]]) -> BatchAnswer:
        query = blob_messages.encode_batch_query([(sha, len(data)) for sha, data in items])
        response = self._caller.request(
            "POST", f"blobs/batch?blobs={query}", None, self.token, raw=[d for _sha, d in items]
        )
        self._rotated(response)
        answer: BatchAnswer = _decode(
            blob_messages.decode_batch_answer, self._caller.json(response), self._caller.where
        )
        return answer

    def blob_finalize(self, sha: str) -> BlobState:
        response = self._caller.request("POST", f"blobs/{sha}/finalize", None, self.token)
        self._rotated(response)
        state: BlobState = _decode(
            blob_messages.decode_state, self._caller.json(response), self._caller.where
        )
        return state

    def blob_get(self, sha: str, offset: int = 0) -> bytes:
        response = self._caller.request("GET", f"blobs/{sha}?offset={offset}", None, self.token)
        self._rotated(response)
        return response.content

    def sign_out(self) -> None:
        """Forget this device's token on the server (its data stays on the laptop)."""
        self._call("POST", "sign-out", {})

    def close(self) -> None:
        self._caller.close()


def sign_in(
    url: str,
    login: str,
    password: str,
    device: str,
    *,
    ca_file: str | None = None,
    transport: httpx.BaseTransport | None = None,
) -> Grant:
    """Sign this device in with a password; the server answers with the device's token."""
    caller = _Caller(url, ca_file=ca_file, transport=transport)
    try:
        body = {"login": login, "password": password, "device": device}
        answer = caller.json(caller.request("POST", "sign-in", body))
    finally:
        caller.close()
    if not isinstance(answer, dict) or not all(
        isinstance(answer.get(k), str) for k in ("token", "device_id", "login", "expires_at")
    ):
        raise CentralError(f"The sync server {caller.where} sent a sign-in answer this app cannot read.")
    return Grant(answer["token"], answer["device_id"], answer["login"], answer["expires_at"])


def status(
    url: str, *, ca_file: str | None = None, transport: httpx.BaseTransport | None = None
) -> ServerStatus:
    """Is there an sfa-server speaking this protocol at ``url`` (no sign-in needed)?"""
    caller = _Caller(url, ca_file=ca_file, transport=transport)
    try:
        answer = caller.json(caller.request("GET", "status"))
    finally:
        caller.close()
    if not isinstance(answer, dict) or answer.get("service") != "sfa-server":
        raise CentralError(f"{caller.where} is not an SFA sync server; check the address.")
    protocol = answer.get("protocol")
    if protocol != messages.HTTP_VERSION:
        raise Incompatible(
            f"The sync server {caller.where} speaks protocol {protocol}, this app {messages.HTTP_VERSION}: "
            "update the older one."
        )
    return ServerStatus("sfa-server", int(protocol), str(answer.get("app", "")))
