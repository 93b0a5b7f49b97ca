"""The sync protocol, run by the laptop against the central store through a
:class:`~sfa_desktop.sync.link.Link` (sfa-server over HTTPS, or the same server code in process).

One sync = push, then pull (DESIGN.md, "Sync"):

* Push sends the outbox in change-number order, a batch per central transaction.  The central store
  records, in that same transaction, the last change number applied for this laptop, and skips anything at
  or below it, so a retried or duplicated push applies nothing twice.  Outbox entries are deleted only after
  the central store confirmed them.  Updates merge field by field: a field whose server value is not the
  value this laptop last saw was changed by someone else; the later arrival (this push) wins and the
  other value goes to the conflict archive.
* Pull asks for rows whose ``seq`` is above the laptop's cursor, in the territories the user may see plus
  reference data, a page at a time; each page is applied in one local transaction, and the cursor moves
  once the whole range is in.  Rows that left a visible territory arrive as departures and are dropped.
  A territory newly visible is primed in full: the server streams every page of a table in one answer
  (``Link.prime``), written in one local transaction, in bulk when the table is empty
  (``replica.bulk_load``).  One no longer visible is removed from the laptop.
* A laptop whose cursor is older than the tombstone purge is re-primed; after every pull the live rows of
  one slice of ids are counted and hashed per territory on both sides (``digest``), and a mismatch
  re-primes that territory.  A slice's passed check stands while nothing changed on either side, so an
  idle sync hashes nothing; a prime is checked whole at once (see ``_verify``).

What the server does for each call is in :mod:`sfa_desktop.server.service`, how the laptop writes its copy
in :mod:`sfa_desktop.sync.replica`; this module runs the protocol.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass, field

from sfa_desktop.core.access import Identity
from sfa_desktop.core.notifications import moves
from sfa_desktop.core.records import merge
from sfa_desktop.core.records.models import SYNCED_TABLES, new_id, utcnow
from sfa_desktop.core.records.tables import AUDIENCE_TABLES, REFERENCE_TABLES, TERRITORY_TABLES
from sfa_desktop.protocol import digest
from sfa_desktop.protocol.blobs import CHUNK
from sfa_desktop.protocol.errors import CentralError, Revoked
from sfa_desktop.protocol.limits import HISTORY_DAYS, PULL_PAGE
from sfa_desktop.store import attachment_purge, capture, replica_marks
from sfa_desktop.store.database import LocalStore
from sfa_desktop.sync import blobs, expiry, replica, state
from sfa_desktop.sync.link import Link

PUSH_BATCH = 500
#: Seconds a sync spends on attachments' bytes after its records (see ``SyncEngine.blob_seconds``).
BLOB_SECONDS = 120.0
Progress = Callable[[str, int, int], None]


@dataclass
class SyncReport:
    pushed: int = 0
    pulled: int = 0
    removed: int = 0
    conflicts: int = 0
    reprimed: list[str] = field(default_factory=list)
    seconds: float = 0.0
    waiting: int = 0
    #: the attachments' bytes sent after the records (``sync.blobs``)
    blobs: blobs.UploadReport = field(default_factory=blobs.UploadReport)
    #: the bytes of attachments deleted long enough ago, let go after the sync (``store.attachment_purge``)
    let_go: int = 0

    def summary(self) -> str:
        parts = [f"sent {self.pushed}", f"received {self.pulled}"]
        if self.removed:
            parts.append(f"removed {self.removed}")
        if self.conflicts:
            parts.append(f"{self.conflicts} conflicts archived")
        if self.reprimed:
            parts.append("re-primed " + ", ".join(self.reprimed))
        if self.blobs.uploaded:
            parts.append(
                f"uploaded {self.blobs.uploaded} attachments ({self.blobs.sent_bytes / 1048576:.1f} MB)"
            )
        if self.blobs.waiting:
            parts.append(f"{self.blobs.waiting} attachments wait to upload")
        return ", ".join(parts) + f" in {self.seconds:.1f} s"


def _no_progress(stage: str, done: int, total: int) -> None:
    pass


def _no_fault(point: str) -> None:
    pass


# -- the engine -------------------------------------------------------------------------------------------


class SyncEngine:
    def __init__(
        self,
        store: LocalStore,
        link: Link,
        *,
        progress: Progress | None = None,
        fault: Callable[[str], None] | None = None,
        blob_seconds: float | None = BLOB_SECONDS,
        blob_chunk: int = CHUNK,
        blob_parallel: int = blobs.PARALLEL,
    ) -> None:
        self.store = store
        self.link = link
        #: How long a sync may spend sending attachments' bytes once its records are in (None: no limit);
        #: what is left goes with the next sync.
        self.blob_seconds = blob_seconds
        #: The bytes of one upload request.
        self.blob_chunk = blob_chunk
        #: Blobs uploaded at once.
        self.blob_parallel = blob_parallel
        self.progress = progress or _no_progress
        #: Called at the points where the laptop's side of a sync can be interrupted ("push.after_commit":
        #: the answer to a push is lost, "pull.page_fetched", "pull.page_applied"); tests raise there to
        #: inject faults (the server's own points are on ``server.service.SyncService``).
        self.fault = fault or _no_fault
        #: Set when a pull brings a merged-away record (its history goes to the survivor): see
        #: ``replica.apply_page``.
        self._merges_pulled = False

    # connecting ------------------------------------------------------------------------------------------

    def connect(self, url: str) -> Identity:
        """Make this laptop a client of the central store at ``url`` (no secret in it) as the user the
        link signs in as; a laptop that held another user's data is wiped first."""
        identity = self.link.hello()
        with self.store.engine.connect() as conn:
            previous = state.load(conn).login
        wiped = bool(previous and previous != identity.login)
        if wiped:
            replica.wipe_store(self.store)
        with self.store.engine.begin() as conn:
            current = state.SyncState() if wiped else state.load(conn)
            current.client_id = current.client_id or new_id()
            current.url = url
            current.login = identity.login
            current.user_id = identity.user_id
            state.save(conn, current)
            capture.set_local_user(conn, identity.user_id)
        return identity

    # the whole sync ----------------------------------------------------------------------------------------

    def sync(self) -> SyncReport:
        started = time.perf_counter()
        report = SyncReport()
        with self.store.engine.connect() as conn:
            st = state.load(conn)
        if not st.connected:
            raise CentralError(
                "This laptop is not connected to a central store. Use 'sfa connect URL --user LOGIN'."
            )
        assert st.login is not None
        assert st.client_id is not None
        try:
            identity = self.link.hello()
            report.pushed, report.conflicts = self.push(st.client_id)
            if report.pushed and identity.is_manager:
                identity = self.link.hello()  # a manager's push may have grown the territory tree below them
            report.pulled, report.removed, report.reprimed = self.pull(identity)
            report.blobs = self.upload_blobs()
            report.let_go = self.let_go_of_content()
        except Revoked:
            # Only the server's "revoked" wipes (never unreachable, refused or incompatible); a device
            # revoked with grace hears it after its push, so its waiting changes were handed in first.
            replica.wipe_store(self.store)
            raise
        with self.store.engine.begin() as conn:
            st = state.load(conn)
            st.last_sync_at = utcnow().isoformat(timespec="seconds")
            st.last_error = st.last_error_at = st.last_error_kind = None
            state.save(conn, st, "last_sync_at", "last_error", "last_error_at", "last_error_kind")
            report.waiting = capture.pending_count(conn)
        report.seconds = time.perf_counter() - started
        return report

    # attachments' bytes -------------------------------------------------------------------------------------

    def let_go_of_content(self) -> int:
        """Remove the bytes of attachments deleted more than the grace period ago; a file that cannot be
        removed now is tried again after the next sync.  Returns how many went."""
        try:
            return attachment_purge.purge(self.store).count
        except OSError:
            return 0

    def upload_blobs(self) -> blobs.UploadReport:
        """Send attachments' bytes in the time left (the records are already in): a failure here is noted
        and the sync stands (the bytes go with the next one); only "revoked" goes on up."""
        if not isinstance(self.link, blobs.BlobLink):
            return blobs.UploadReport()
        try:
            return blobs.upload_pending(
                self.store,
                self.link,
                seconds=self.blob_seconds,
                chunk=self.blob_chunk,
                parallel=self.blob_parallel,
                fault=self.fault,
            )
        except Revoked:
            raise
        except CentralError as exc:
            return blobs.UploadReport(problem=str(exc))

    # push ---------------------------------------------------------------------------------------------------

    def push(self, client_id: str) -> tuple[int, int]:
        """Send the outbox; returns (changes applied, conflicts archived)."""
        applied = conflicts = 0
        total = self._pending()
        while True:
            with self.store.engine.connect() as conn:
                batch = capture.read_outbox(conn, limit=PUSH_BATCH)
            if not batch:
                return applied, conflicts
            answer = self.link.push(client_id, batch)
            self.fault("push.after_commit")
            # The central store has committed: only now may the outbox entries go.
            with self.store.engine.begin() as conn:
                capture.confirm_pushed(conn, answer.confirmed)
            applied += answer.applied
            conflicts += answer.conflicts
            self.progress("push", applied, total)

    def _pending(self) -> int:
        with self.store.engine.connect() as conn:
            return capture.pending_count(conn)

    # pull ---------------------------------------------------------------------------------------------------

    def pull(self, identity: Identity) -> tuple[int, int, list[str]]:
        """Bring the laptop up to date; returns (rows received, rows removed, territories re-primed)."""
        with self.store.engine.connect() as conn:
            st = state.load(conn)
        self._merges_pulled = False
        head = self.link.head()
        hi, purged, purged_before = head.seq, head.purged_through, head.purged_before
        if head.lock_after_days is not None and head.wipe_after_days is not None:
            expiry.set_limits(self.store, head.lock_after_days, head.wipe_after_days)
        known = set(st.visible)
        visible = set(identity.territories)
        cursor_before = st.cursor
        reprimed: list[str] = []
        removed = 0
        if st.cursor > hi:
            # The central store is behind what this laptop pulled: it was restored from a backup.  What
            # the laptop holds may include changes the store no longer has: start again from the store.
            removed += replica.remove(self.store, None)
            known, st.cursor = set(), 0
            reprimed.append("everything (the central store was restored to an earlier point)")
        if st.cursor and st.cursor < purged:
            # Away longer than the tombstone retention: what we hold cannot be trusted.
            removed += replica.remove(self.store, None)
            known, st.cursor = set(), 0
            reprimed.append("everything (away longer than the tombstone retention)")
        gone = known - visible
        if st.cursor and (gone or visible - known):  # told before the records of those lost go
            with self.store.engine.begin() as conn:
                moves.note_territories(conn, identity.user_id, visible - known, gone)
        if gone:
            removed += replica.remove(self.store, gone)
        if st.cursor == 0 and not identity.is_admin:
            # First sync (or a re-prime): the laptop may hold records, already pushed, of territories this
            # user may not see (demo data, a laptop handed over).  They leave before the prime.
            removed += replica.remove_invisible(self.store, identity)
            removed += replica.remove_audience(self.store)
        # the user's own records without a territory come with every pull, also when no territory is left
        pulled = self._pull_range(
            identity, st.cursor, hi, known & visible, reference=st.cursor > 0, owned=True
        )
        new = visible - known
        if st.cursor == 0 or new:
            pulled += self._pull_range(identity, 0, hi, new, reference=st.cursor == 0)
        team = sorted(identity.team) if identity.is_manager else []
        if st.cursor and team != sorted(st.team):
            # a manager's team changed: the leads without a territory of those who left go, those of who
            # joined come (whatever their seq: they were not this laptop's to pull before)
            removed += replica.remove_unowned(self.store, identity)
            pulled += self._pull_range(identity, 0, hi, set(), reference=False, owned=True)
        reach = audience_reach(identity)
        if st.cursor and st.audience != reach:
            # the announcements (and read receipts) addressed to the user changed with their territories,
            # team or role: what they receive now is fetched again
            removed += replica.remove_audience(self.store)
            pulled += self._pull_audience(identity, hi)
        with self.store.engine.begin() as conn:
            st.cursor = hi
            st.visible = sorted(visible)
            st.team = team
            st.audience = reach
            state.save(conn, st, "cursor", "visible", "team", "audience")
        if purged_before and purged_before != st.purged_before:
            removed += replica.drop_tombstones(self.store, purged_before)
            with self.store.engine.begin() as conn:
                st.purged_before = purged_before
                state.save(conn, st, "purged_before")
        if self._merges_pulled:  # a record's history arrives with the record, which carries its latest change
            with self.store.engine.begin() as conn:
                merge.follow_merges_in_history(conn)  # the history of merged-away records is the survivor's
        # anything primed or removed: no earlier check of a slice stands, and a new laptop's prime is
        # checked whole at once
        fresh = bool(reprimed or gone or new) or cursor_before == 0
        mismatched = self._verify(identity, hi, fresh=fresh)
        if mismatched:
            removed += replica.remove(self.store, mismatched)
            pulled += self._pull_range(identity, 0, hi, mismatched, reference=False)
            reprimed += sorted(mismatched)
            with self.store.engine.begin() as conn:
                st.verified = []
                state.save(conn, st, "verified")
        return pulled, removed, reprimed

    def _pull_range(
        self,
        identity: Identity,
        lo: int,
        hi: int,
        territories: set[str],
        *,
        reference: bool,
        owned: bool = False,
    ) -> int:
        """Apply every row with lo < seq <= hi in ``territories`` (and reference tables when asked); the
        pages of territory tables always hold the user's own records without a territory (and a manager's
        team's), which ``owned`` asks for even when ``territories`` is empty."""
        total = 0
        tables = [
            t
            for t in SYNCED_TABLES
            if (t in REFERENCE_TABLES and reference)
            or (t in AUDIENCE_TABLES and reference)
            or (t in TERRITORY_TABLES and (territories or owned))
        ]
        for table in tables:
            if lo == 0:
                total = self._prime_table(table, hi, territories, total)
                continue
            after = lo
            while after < hi:
                page = self.link.page(table, after, hi, sorted(territories))
                rows, page_hi, departures = page.rows, page.page_hi, page.departures
                self.fault("pull.page_fetched")
                if rows or departures:
                    merges = replica.apply_page(self.store, table, rows, departures, changed_only=lo > 0)
                    self._merges_pulled = self._merges_pulled or merges
                self.fault("pull.page_applied")
                total += len(rows)
                self.progress("pull", total, 0)
                after = page_hi
        if tables and lo < hi:
            fresh_conflicts = self.link.conflicts(lo, hi, sorted(territories))
            if fresh_conflicts:
                with self.store.engine.begin() as conn:
                    replica.store_conflicts(conn, fresh_conflicts)
        if territories and lo < hi:
            self._pull_history(lo, hi, territories)
        return total

    def _pull_audience(self, identity: Identity, hi: int) -> int:
        """Every announcement and read receipt the user receives now, up to ``hi``."""
        total = 0
        for table in AUDIENCE_TABLES:
            total = self._prime_table(table, hi, set(), total)
        return total

    def _prime_table(self, table: str, hi: int, territories: set[str], total: int) -> int:
        """Every row of ``table`` up to ``hi`` in these territories, streamed by the server and written in
        one local transaction (in bulk when the table is empty: ``replica.bulk_load``)."""
        pages = self.link.prime(table, 0, hi, sorted(territories))
        with closing(pages), replica.bulk_load(self.store, table) as load:
            for page in pages:
                self.fault("pull.page_fetched")
                load.add(page.rows, page.departures)
                self.fault("pull.page_applied")
                total += len(page.rows)
                self.progress("pull", total, 0)
        self._merges_pulled = self._merges_pulled or load.merges
        return total

    def _pull_history(self, lo: int, hi: int, territories: set[str]) -> None:
        """The change log of these territories' records (who changed which field, from what to what), for
        the timeline; a prime fetches the last HISTORY_DAYS of it."""
        since = utcnow() - dt.timedelta(days=HISTORY_DAYS) if lo == 0 else None
        after = lo
        while after < hi:
            rows = self.link.history(after, hi, sorted(territories), since)
            if rows:
                with self.store.engine.begin() as conn:
                    replica.store_history(conn, rows)
            after = rows[-1][0] if len(rows) == PULL_PAGE else hi

    def _verify(self, identity: Identity, head: int, *, fresh: bool) -> set[str]:
        """Territories whose live rows differ between the laptop and the central store, checked over one
        slice of ids per sync (see ``digest``); the next sync checks the next slice.

        The laptop holds the central state as of its cursor, so the comparison is made only when the
        central store has not moved on since (read in one snapshot with the digest); otherwise changes
        committed during this sync would look like damage, and the check waits for the next sync.

        A slice whose check passed stands, and is not hashed again, while nothing has changed on either
        side since: the central store has not moved (its head is the one the check was made at) and no
        row of the slice was written on the laptop, by the app or behind its back (``replica_marks``).
        So a sync with nothing to do costs the same whatever the laptop holds, and every row is still
        compared every SLICES syncs.  After a prime the whole replica is checked at once."""
        if not identity.territories:
            return set()
        with self.store.engine.begin() as conn:
            if capture.pending_count(conn):
                return set()  # local work in flight: the replica may legitimately differ
            st = state.load(conn)
            written = replica_marks.take(conn)
        standing = set() if fresh or st.verified_at != head else set(st.verified) - written
        territories = sorted(identity.territories)
        mismatched: set[str] = set()
        if fresh:
            checked = self._verify_all(territories, st.cursor)
            if checked is not None:
                standing = {n for n, found in checked.items() if not found}
                mismatched = set().union(*checked.values())
        else:
            slice_no = st.verify_slice % digest.SLICES
            if slice_no not in standing:
                found = self._verify_slice(slice_no, territories, st.cursor)
                if found is None:
                    return set()  # the store moved on: this slice waits for the next sync
                mismatched = found
                if not found:
                    standing.add(slice_no)
            st.verify_slice = (slice_no + 1) % digest.SLICES
        with self.store.engine.begin() as conn:
            st.verified, st.verified_at = sorted(standing), head
            state.save(conn, st, "verify_slice", "verified", "verified_at")
        return mismatched

    def _verify_slice(self, slice_no: int, territories: list[str], at_seq: int) -> set[str] | None:
        # The laptop's half runs in a thread while the central store computes its own: the check waits for
        # the slower of the two, not for both in turn.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sfa-verify") as pool:
            local_digest = pool.submit(self._local_digest, slice_no, territories)
            remote = self.link.digest(slice_no, territories, at_seq)
            if remote is None:
                return None  # (leaving the pool waits for the local half)
            return digest.mismatched(local_digest.result(), remote)

    def _verify_all(self, territories: list[str], at_seq: int) -> dict[int, set[str]] | None:
        """Every slice checked at once: slice -> the territories that differ in it."""
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sfa-verify") as pool:
            local_digests = pool.submit(self._local_digests, territories)
            remote = self.link.digests(territories, at_seq)
            if remote is None:
                return None
            local = local_digests.result()
        return {n: digest.mismatched(local[n], remote.get(n, {})) for n in range(digest.SLICES)}

    def _local_digests(self, territories: Iterable[str]) -> dict[int, digest.Digest]:
        with self.store.engine.connect() as conn:
            return digest.compute_all(conn, TERRITORY_TABLES, territories)

    def _local_digest(self, slice_no: int, territories: Iterable[str]) -> digest.Digest:
        with self.store.engine.connect() as conn:
            return digest.compute(conn, TERRITORY_TABLES, slice_no, territories)


def audience_reach(identity: Identity) -> str:
    """What decides which announcements and read receipts reach the user (``server.audience``)."""
    parts = [identity.role, *sorted(identity.above), "|", *sorted(identity.territories), "|"]
    return " ".join(parts + sorted(identity.team))


__all__ = ["REFERENCE_TABLES", "TERRITORY_TABLES", "Identity", "SyncEngine", "SyncReport"]
