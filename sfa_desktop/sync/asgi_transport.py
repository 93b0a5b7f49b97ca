"""An httpx transport that serves requests from an ASGI app in this process: the demo, a single-office
SQLite store and the tests run the real sync protocol (``sync.http`` against ``server.app``) with no server
to start and no socket.

The app runs on an event loop of its own in a background thread (an anyio blocking portal, kept for the
transport's lifetime); any thread may send requests, the window's sync runner included.  An exception the
app raises is raised again in the caller (as httpx's own ASGI transport does): in process, a server-side
crash shows up as what it is.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any

import anyio.from_thread
import httpx


class InProcessTransport(httpx.BaseTransport):
    def __init__(self, app: Any) -> None:
        self._inner = httpx.ASGITransport(app=app, raise_app_exceptions=True)
        self._portal_cm: AbstractContextManager[anyio.from_thread.BlockingPortal] | None = (
            anyio.from_thread.start_blocking_portal(name="sfa-in-process-server")
        )
        self._portal = self._portal_cm.__enter__()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self._portal_cm is None:
            raise RuntimeError("the in-process transport is closed")
        body = request.read()

        async def send() -> tuple[int, list[tuple[bytes, bytes]], bytes]:
            forwarded = httpx.Request(request.method, request.url, headers=request.headers, content=body)
            answer = await self._inner.handle_async_request(forwarded)
            raw = b"".join([chunk async for chunk in answer.stream])  # type: ignore[union-attr]
            return answer.status_code, answer.headers.raw, raw

        status, headers, content = self._portal.call(send)
        return httpx.Response(status, headers=headers, stream=httpx.ByteStream(content), request=request)

    def close(self) -> None:
        if self._portal_cm is not None:
            cm, self._portal_cm = self._portal_cm, None
            cm.__exit__(None, None, None)
