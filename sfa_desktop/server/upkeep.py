"""sfa-server's own upkeep: a maintenance job run on a schedule inside the server (``--upkeep-at``).

Today the job purges attachments' bytes nobody names any more (``server.blob_purge``, what ``sfa central
purge-blobs`` does by hand) with the server's own ``--blobs`` folder.  It runs once a day at a quiet hour
(:data:`DEFAULT_AT`, the server's local time) and once shortly after the server starts.

Only once at a time: the schedule lives in sfa-server's first process (``server.main``), which with
``--workers N`` is uvicorn's supervisor (the workers are spawned fresh and never schedule anything), and
every run first takes a lock on the store, so several servers of one store (or a run still going when the
next is due) never purge at once: a PostgreSQL advisory lock (``pg_try_advisory_lock``, held by one
connection for the run and released when it ends or the connection drops), on SQLite an exclusive lock on
a file beside the store's file.  A run that finds the lock taken is skipped.

On PostgreSQL the server's login may not read or delete blobs itself (it acts as users): the job acts as
an active administrator (revision c0709 lets an administrator's role purge), or runs as the login itself
when that bypasses row-level security (a superuser).  A store without an active administrator gets a
logged failure saying so.

Each run is logged: what was purged (how many blobs, unfinished uploads and stray files, their hashes),
the bytes freed and how long it took.  A run that fails is logged with the reason and tried again at the
next scheduled time; it never stops the server.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from sqlalchemy import Connection, Engine, select, text
from sqlalchemy.engine import URL

from sfa_desktop.core.errors import UserError
from sfa_desktop.server import blob_purge, roles, schema
from sfa_desktop.server.blob_files import BlobFolder

log = logging.getLogger(__name__)

#: The daily run's time of day (the server's local time): a quiet hour.
DEFAULT_AT = dt.time(3, 30)
#: The first run this many seconds after the server starts.
START_DELAY_SECONDS = 120.0
#: The PostgreSQL advisory lock (per database) a run holds: the first 8 bytes of a hash of its name.
LOCK_KEY = int.from_bytes(hashlib.sha256(b"sfa-server upkeep").digest()[:8], "big", signed=True)
_SHOWN_HASHES = 20


def parse_at(value: str) -> dt.time:
    """``HH:MM`` (24-hour) as a time of day; ValueError with what is wrong."""
    hours, sep, minutes = value.strip().partition(":")
    if not sep or not hours.isdigit() or not minutes.isdigit() or len(minutes) != 2:
        raise ValueError(f"'{value}' is not a time of day HH:MM (e.g. 03:30)")
    if not (0 <= int(hours) <= 23 and 0 <= int(minutes) <= 59):
        raise ValueError(f"'{value}' is not a time of day: hours 00-23, minutes 00-59")
    return dt.time(int(hours), int(minutes))


@dataclass
class Outcome:
    """One run: what the purge removed (None when the run was skipped: another held the lock)."""

    purged: blob_purge.Purged | None
    seconds: float
    acted_as: str | None = None


# -- the lock ------------------------------------------------------------------------------------------------


class Busy(Exception):
    """Another run (of this server or of another server of the store) holds the upkeep lock."""


@contextlib.contextmanager
def store_lock(engine: Engine, lock_file: Path | None = None) -> Iterator[None]:
    """Hold the store's upkeep lock for the block, or raise :class:`Busy` at once.

    PostgreSQL: a session advisory lock on a connection of its own, released at the end (or by the server
    when that connection drops).  SQLite: an exclusive ``flock`` on ``lock_file`` (default: beside the
    store's file), released when the file is closed (also when the process dies)."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": LOCK_KEY}).scalar()
            conn.commit()
            if not got:
                raise Busy("another server of this store is doing its upkeep")
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": LOCK_KEY})
                conn.commit()
        return
    import fcntl

    path = lock_file if lock_file is not None else sqlite_lock_file(engine.url)
    with open(path, "a+b") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise Busy("another server of this store is doing its upkeep") from None
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def sqlite_lock_file(url: URL) -> Path:
    """The lock file of a SQLite store: ``central.sqlite3.upkeep-lock`` beside ``central.sqlite3``."""
    database = Path(str(url.database))
    return database.with_name(database.name + ".upkeep-lock")


# -- who purges ----------------------------------------------------------------------------------------------


def purger(conn: Connection) -> str | None:
    """Whom the job acts as on PostgreSQL: None when the connection's own role bypasses row-level security
    (it purges as itself) or on SQLite, else the first active administrator's login (by login)."""
    if conn.dialect.name != "postgresql":
        return None
    bypasses = conn.execute(
        text("SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user")
    ).scalar()
    if bypasses:
        return None
    users = schema.SYNCED["users"]
    login = conn.execute(
        select(users.c.login)
        .where(users.c.role == "admin", users.c.active.is_(True), users.c.deleted_at.is_(None))
        .order_by(users.c.login)
        .limit(1)
    ).scalar()
    if login is None:
        raise UserError(
            "The store has no active administrator for sfa-server to act as when it purges blobs (its own "
            "login may not delete them). Add one with 'sfa central add-user LOGIN --role admin'."
        )
    return str(login)


# -- one run -------------------------------------------------------------------------------------------------


def run_once(
    engine: Engine,
    *,
    folder: BlobFolder | None,
    days: int = blob_purge.GRACE_DAYS,
    lock_file: Path | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> Outcome:
    """One upkeep run, under the store's lock (skipped when another holds it); logs what it did.  Errors
    propagate (:class:`Upkeep` logs them and carries on)."""
    started = clock()
    try:
        with store_lock(engine, lock_file):
            with engine.connect() as conn:
                login = purger(conn)
            role = None if login is None else roles.role_hook(login)
            done = blob_purge.run(engine, days=days, folder=folder, role=role)
    except Busy as exc:
        log.info("upkeep skipped: %s.", exc)
        return Outcome(None, clock() - started)
    seconds = clock() - started
    shown = ", ".join(sha[:12] for sha in done.hashes()[:_SHOWN_HASHES])
    more = len(done.hashes()) - _SHOWN_HASHES
    log.info(
        "upkeep: %s Freed %d bytes in %.2f s%s%s.",
        done.describe(),
        done.bytes,
        seconds,
        f" (as {login})" if login else "",
        f"; blobs: {shown}{f' and {more} more' if more > 0 else ''}" if shown else "",
    )
    return Outcome(done, seconds, login)


# -- the schedule --------------------------------------------------------------------------------------------


class Upkeep:
    """Runs ``job`` daily at ``at`` and once ``start_delay`` seconds after :meth:`start`, never twice at
    once in this process; a failing run is logged and the schedule carries on.

    ``daily`` replaces the daily trigger (tests inject a fast one); ``timezone`` is the schedule's
    (default: the machine's local time)."""

    def __init__(
        self,
        job: Callable[[], object],
        *,
        at: dt.time = DEFAULT_AT,
        start_delay: float = START_DELAY_SECONDS,
        daily: BaseTrigger | None = None,
        timezone: dt.tzinfo | None = None,
    ) -> None:
        self._job = job
        self.at = at
        self.start_delay = start_delay
        self._timezone = timezone
        self.daily = daily or CronTrigger(hour=at.hour, minute=at.minute, timezone=timezone)
        self._running = threading.Lock()
        self._scheduler: Any = None
        self.runs = 0
        self.failures = 0

    def first_run(self, now: dt.datetime) -> DateTrigger:
        """The trigger of the run shortly after the start ``now``."""
        return DateTrigger(run_date=now + dt.timedelta(seconds=self.start_delay))

    def next_daily(self, now: dt.datetime) -> dt.datetime | None:
        """When the daily run is due next after ``now`` (an aware datetime)."""
        fire: dt.datetime | None = self.daily.get_next_fire_time(None, now)
        return fire

    def run(self) -> bool:
        """Run the job now in this thread: True when it ran and succeeded, False when it failed (logged with
        the reason) or was skipped because a run is still going."""
        if not self._running.acquire(blocking=False):
            log.info("upkeep skipped: the previous run is still going.")
            return False
        try:
            self._job()
        except UserError as exc:
            self.failures += 1
            log.error("upkeep failed: %s It is tried again at the next scheduled run.", exc)
            return False
        except Exception as exc:  # the server must outlive any failure of its upkeep
            self.failures += 1
            log.error(
                "upkeep failed (%s: %s); it is tried again at the next scheduled run.",
                type(exc).__name__,
                exc,
                exc_info=True,
            )
            return False
        else:
            self.runs += 1
            return True
        finally:
            self._running.release()

    def start(self, now: dt.datetime | None = None) -> None:
        """Schedule the runs on a background scheduler (daemon threads) and start it."""
        started = now if now is not None else dt.datetime.now(dt.UTC)
        scheduler = BackgroundScheduler(daemon=True, timezone=self._timezone or dt.UTC)
        options = {"max_instances": 1, "coalesce": True, "misfire_grace_time": 3600}
        scheduler.add_job(self.run, self.first_run(started), id="upkeep-start", **options)
        scheduler.add_job(self.run, self.daily, id="upkeep-daily", **options)
        scheduler.start()
        self._scheduler = scheduler
        log.info(
            "upkeep scheduled: %s after the start, then daily at %s.",
            f"{self.start_delay:g} s",
            self.at.strftime("%H:%M"),
        )

    def stop(self) -> None:
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None
