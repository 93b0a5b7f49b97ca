"""What a laptop asks of the central store, one call per request, each in its own central transaction.

These are the operations behind sfa-server's endpoints (``server.app``): who am I (``hello``), apply a
batch of my changes (``push``), where does the store stand (``head``), and the pages of a pull (``page``,
``conflicts``, ``history``, ``digest``).  Every call identifies the user again from the central store, so a
user revoked or moved between two requests is judged by what holds now, and every read is narrowed to the
territories the user may see, whatever the laptop asked for: the server's own scope check, with PostgreSQL's
row-level security as a second line behind it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Generator, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine

from sfa_desktop.core.access import Identity
from sfa_desktop.protocol import digest, messages
from sfa_desktop.protocol.blobs import BatchAnswer, BlobState
from sfa_desktop.protocol.changes import Change
from sfa_desktop.protocol.digest import Digest
from sfa_desktop.protocol.errors import CentralError
from sfa_desktop.protocol.messages import Head, Page, PushResult
from sfa_desktop.server import apply, blobs, central, pull_queries, schema
from sfa_desktop.server.blob_files import BlobFolder, Content
from sfa_desktop.server.scope import TERRITORY_TABLES, identify

#: Called at the points where a request can be cut short on the server ("push.before_flush" when the batch
#: is merged but not written, "push.before_commit" inside the push's transaction once written,
#: "pull.reading" inside a page's); tests raise (or wait) there to stand for a crash (or a slow push).
Fault = Callable[[str], None]


def _no_fault(point: str) -> None:
    pass


class SyncService:
    """The central store's side of the protocol for one user."""

    def __init__(
        self,
        engine: Engine,
        login: str,
        *,
        role: Callable[[Connection], None] | None = None,
        fault: Fault | None = None,
        blob_folder: BlobFolder | None = None,
    ) -> None:
        self.engine = engine
        self.login = login
        #: Run first in every transaction: makes the connection act as the user (PostgreSQL: the user's
        #: role, so row-level security applies); None when the connection already is the user.
        self._role = role
        self.fault = fault or _no_fault
        #: Where attachments' bytes are kept (``server.blob_files``); None: in the store's own table.
        self.blob_folder = blob_folder

    @contextmanager
    def _transaction(self, *, snapshot: bool = False) -> Iterator[tuple[Connection, Identity]]:
        with central.central_transaction(self.engine, snapshot=snapshot) as cc:
            if self._role is not None:
                self._role(cc)
            yield cc, identify(cc, self.login)

    # -- who -------------------------------------------------------------------------------------------------

    def hello(self) -> Identity:
        """Check the central store speaks this protocol and the user may sync; returns who the user is."""
        with central.central_transaction(self.engine) as cc:
            if self._role is not None:  # the service's own login may read nothing until it acts as the user
                self._role(cc)
            central.check_compatible(cc)
            return identify(cc, self.login)

    # -- push ------------------------------------------------------------------------------------------------

    def push(self, client_id: str, batch: Sequence[Change]) -> PushResult:
        """Apply one batch of a laptop's outbox in one transaction (``apply``); a change at or below the
        laptop's last applied number is skipped, so a retried push applies nothing twice."""
        with self._transaction() as (cc, identity):
            confirmed, applied, conflicts = apply.apply_batch(
                cc, identity, client_id, batch, before_flush=lambda: self.fault("push.before_flush")
            )
            self.fault("push.before_commit")
        return PushResult(confirmed, applied, conflicts)

    # -- pull ------------------------------------------------------------------------------------------------

    def head(self) -> Head:
        with self._transaction() as (cc, _identity):
            lock, wipe = (central.info(cc, key) for key in ("offline_lock_days", "offline_wipe_days"))
            return Head(
                central.current_seq(cc),
                int(central.info(cc, "purged_through_seq") or 0),
                central.info(cc, "purged_before"),
                int(lock) if lock else None,
                int(wipe) if wipe else None,
            )

    @staticmethod
    def _visible(identity: Identity, territories: Sequence[str]) -> set[str]:
        return set(territories) & set(identity.territories)

    def page(self, table: str, after: int, hi: int, territories: Sequence[str]) -> Page:
        """Rows of ``table`` with after < seq <= hi in these territories (those the user may see), with
        the departures from them in the same range."""
        with self._transaction() as (cc, identity):
            visible = self._visible(identity, territories)
            rows, page_hi = pull_queries.fetch_page(cc, identity, table, after, hi, visible)
            self.fault("pull.reading")
            departures = pull_queries.fetch_departures(cc, table, after, page_hi, visible)
        return Page(rows, page_hi, departures)

    def prime(
        self, table: str, after: int, hi: int, territories: Sequence[str], pages: int | None = None
    ) -> Generator[Page, None, None]:
        """The pages of ``table`` from ``after`` to ``hi``, one after the other (each read as ``page``
        reads it, in its own transaction, the user identified again), ``pages`` of them at most; the last
        one reaches ``hi``."""
        sent = 0
        while pages is None or sent < pages:
            page = self.page(table, after, hi, territories)
            yield page
            sent += 1
            if page.page_hi >= hi:
                return
            after = page.page_hi

    def prime_lines(
        self, table: str, after: int, hi: int, territories: Sequence[str], pages: int | None
    ) -> Generator[bytes, None, None]:
        """:meth:`prime`'s pages as the lines of sfa-server's answer (``messages.encode_page_line``); on
        PostgreSQL the rows' JSON is made by the database."""
        columns = len(schema.SYNCED[table].columns) if table in schema.SYNCED else 0
        if self.engine.dialect.name != "postgresql" or columns > pull_queries.MAX_JSON_COLUMNS:
            for page in self.prime(table, after, hi, territories, pages):
                yield messages.encode_page_line(page)
            return
        sent = 0
        while pages is None or sent < pages:
            sent += 1
            with self._transaction() as (cc, identity):
                visible = self._visible(identity, territories)
                rows, page_hi = pull_queries.fetch_page_json(cc, identity, table, after, hi, visible)
                self.fault("pull.reading")
                departures = pull_queries.fetch_departures(cc, table, after, page_hi, visible)
            yield messages.encode_page_json_line(rows, page_hi, departures)
            if page_hi >= hi:
                return
            after = page_hi

    def conflicts(self, after: int, hi: int, territories: Sequence[str]) -> list[dict[str, Any]]:
        with self._transaction() as (cc, identity):
            return pull_queries.fetch_conflicts(cc, identity, after, hi, self._visible(identity, territories))

    def history(
        self, after: int, hi: int, territories: Sequence[str], since: dt.datetime | None
    ) -> list[tuple[Any, ...]]:
        """Up to a page of change-log entries of these territories' records with after < seq <= hi."""
        with self._transaction() as (cc, identity):
            query = pull_queries.history_query(cc, after, hi, self._visible(identity, territories), since)
            return [tuple(r) for r in cc.execute(query)]

    def digest(self, slice_no: int, territories: Sequence[str], at_seq: int) -> digest.Digest | None:
        """The integrity digest of one id slice, read in one snapshot; None when the store has moved on
        from ``at_seq`` (the laptop's cursor), since changes committed meanwhile would look like damage."""
        with self._transaction(snapshot=True) as (cc, identity):
            if central.current_seq(cc) != at_seq:
                return None
            return digest.compute(cc, TERRITORY_TABLES, slice_no, self._visible(identity, territories))

    def digests(self, territories: Sequence[str], at_seq: int) -> dict[int, Digest] | None:
        """The integrity digest of every slice at once (one pass over the rows: a new laptop's prime is
        checked whole), read in one snapshot; None when the store has moved on from ``at_seq``."""
        with self._transaction(snapshot=True) as (cc, identity):
            if central.current_seq(cc) != at_seq:
                return None
            return digest.compute_all(cc, TERRITORY_TABLES, self._visible(identity, territories))

    # -- attachments' bytes (``server.blobs``) -------------------------------------------------------------

    def blob_status(self, hashes: Sequence[str]) -> dict[str, BlobState]:
        with self._transaction() as (cc, identity):
            return blobs.status(cc, identity, hashes)

    def blob_put(self, sha: str, offset: int, size: int, data: bytes) -> BlobState:
        with self._transaction() as (cc, identity):
            state = blobs.put_chunk(cc, identity, sha, offset, size, data, self.blob_folder)
            self.fault("blob.before_commit")
            return state

    def blob_put_many(self, items: Sequence[tuple[str, Content]]) -> BatchAnswer:
        with self._transaction() as (cc, identity):
            answer = blobs.put_many(cc, identity, items, self.blob_folder)
            self.fault("blob.before_commit")
            return answer

    def blob_finalize(self, sha: str) -> BlobState:
        with self._transaction() as (cc, identity):
            state, mismatch = blobs.finalize(cc, identity, sha, self.blob_folder)
        if mismatch:  # the bytes were dropped (committed): the laptop sends them again
            raise CentralError(blobs.MISMATCH)
        return state

    def blob_read(self, sha: str, offset: int) -> bytes:
        with self._transaction() as (cc, identity):
            return blobs.read(cc, identity, sha, offset, self.blob_folder)
