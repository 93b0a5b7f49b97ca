"""The laptop's line to the central store: what the sync engine asks of it, whatever carries the request.

sfa-server answers these calls over HTTPS (``sync.http``); the same server code answers them in process for
the demo and the tests.  Every call may raise a :mod:`~sfa_desktop.protocol.errors` error: ``Unreachable``
(keep working, retry later), ``AuthenticationFailed`` (sign in again), ``Revoked`` (the server said this
device or user may no longer sync: the only answer that wipes the laptop), ``Incompatible``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Generator, Sequence
from typing import Any, Protocol

from sfa_desktop.core.access import Identity
from sfa_desktop.protocol.changes import Change
from sfa_desktop.protocol.digest import Digest
from sfa_desktop.protocol.messages import Head, Page, PushResult


class Link(Protocol):
    def hello(self) -> Identity: ...

    def push(self, client_id: str, batch: Sequence[Change]) -> PushResult: ...

    def head(self) -> Head: ...

    def page(self, table: str, after: int, hi: int, territories: Sequence[str]) -> Page: ...

    def prime(
        self, table: str, after: int, hi: int, territories: Sequence[str]
    ) -> Generator[Page, None, None]:
        """Every page of ``table`` from ``after`` to ``hi`` (what successive ``page`` calls give), sent
        one after the other without being asked for each: a prime."""
        ...

    def conflicts(self, after: int, hi: int, territories: Sequence[str]) -> list[dict[str, Any]]: ...

    def history(
        self, after: int, hi: int, territories: Sequence[str], since: dt.datetime | None
    ) -> list[tuple[Any, ...]]: ...

    def digest(self, slice_no: int, territories: Sequence[str], at_seq: int) -> Digest | None: ...

    def digests(self, territories: Sequence[str], at_seq: int) -> dict[int, Digest] | None: ...
