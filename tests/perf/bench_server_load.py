"""sfa-server under load (issue 19).  Not a test: ``python tests/perf/bench_server_load.py [--laptops 500]``.

Starts a throwaway PostgreSQL (or uses SFA_TEST_PG_URL), makes a central store of 50 territories and 500
reps (each with a password, two accounts of their own and a device token; a sample of the laptops signs in
through the server with the password instead), starts a real ``sfa-server`` process on 127.0.0.1 (clear
text on loopback only) and runs 500 simulated laptops as async httpx clients, at most ``--concurrency`` at
once, each doing one whole sync over the real protocol (the endpoints and messages ``sync.http.HttpLink``
uses): hello, push 20 outbox-shaped edits (2 updates of its accounts, 18 new activities), head, a page of
every synced table from its cursor, conflicts, history and the digest.  They stop by themselves; the run is
bounded in time.

Then checks centrally that every edit arrived (change_log rows per laptop, and the values), and reports p50
and p95 latency per endpoint, requests per second, the server's peak memory (RSS from /proc) and the most
database connections the server held at once (pg_stat_activity rows of application_name ``sfa-server``,
sampled all through the run), which must never exceed ``--pool`` x ``--workers``.  The floor, measured in
the same run against the same server with the same concurrency: as many ``GET /v1/status`` requests (no
database, no sign-in: HTTP, JSON and the client's own cost).

Prints a table and exits 1 when a budget is missed.  ``tests/integration/test_server_load.py`` runs a small
version through the same code.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, func, select, text

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sfa_desktop.core.records.models import SYNCED_TABLES  # noqa: E402
from sfa_desktop.core.records.tables import REFERENCE_TABLES, TERRITORY_TABLES  # noqa: E402
from sfa_desktop.protocol import digest, messages  # noqa: E402
from sfa_desktop.protocol.changes import Change  # noqa: E402
from sfa_desktop.protocol.limits import PULL_PAGE  # noqa: E402
from sfa_desktop.server import admin, auth, central, schema  # noqa: E402
from sfa_desktop.server.main import APPLICATION_NAME  # noqa: E402
from tests.perf.benchlib import Result, print_results, process_tree  # noqa: E402

PASSWORD = "load-bench-secret"
ACCOUNTS_PER_REP = 2
# Budgets, against the floor measured in the same run (GET /v1/status: HTTP, JSON and the load generator's
# own cost, no database) where the figure depends on the machine:
#: the whole run's time
RATIO_BUDGET = 6.0
#: each endpoint's p95 latency (the laptops queue for the same CPUs as the floor's requests did)
LATENCY_RATIO_BUDGET = 8.0
# and absolute, for one laptop's whole sync (22 requests, 20 edits): CPU time of
#: sfa-server's processes
SERVER_MS_PER_SYNC = 150.0
#: the PostgreSQL backends serving it
PG_MS_PER_SYNC = 100.0
#: A sign-in waits its turn for one of the few password checks a server process runs at once
#: (``server.app.PASSWORD_CHECKS``; about 0.4 s each on a busy 2-core machine).
SIGN_IN_P95_MS = 10_000.0


# -- the company -----------------------------------------------------------------------------------------


@dataclass
class Rep:
    login: str
    user_id: str
    territory_id: str
    #: account id -> its phone number as the laptop last saw it
    accounts: dict[str, str]
    #: a device token granted centrally (None: the laptop signs in with the password)
    token: str | None
    client_id: str = field(default_factory=lambda: str(uuid.uuid4()))


@dataclass
class Company:
    url: str
    reps: list[Rep]
    #: the sequence number every laptop is primed to
    cursor: int
    seconds: float


def build_company(url: str, *, reps: int, territories: int, sign_ins: int) -> Company:
    """A fresh central store at ``url`` (an empty database) with ``territories`` territories and ``reps``
    reps spread over them, each with the same password, two accounts and (but for the first
    ``sign_ins``) a device token."""
    started = time.perf_counter()
    engine = central.make_central_engine(url)
    try:
        central.init_central(engine)
        codes = [f"T{n:02d}" for n in range(territories)]
        logins = [f"rep{n:04d}" for n in range(reps)]
        with central.central_transaction(engine) as cc:
            writer = central.Writer(cc, login="admin")
            admin.add_user(writer, "admin", role="admin")
            territory_ids = {code: admin.add_territory(writer, code, f"Territory {code}") for code in codes}
            user_ids = {
                login: admin.add_user(writer, login, role="rep", territories=(codes[n % territories],))
                for n, login in enumerate(logins)
            }
            # One argon2 hash for everyone (hashing 500 passwords would take the bench a minute).
            auth.set_password(cc, logins[0], PASSWORD)
            hashed = cc.execute(
                select(schema.user_secrets.c.password_hash).where(schema.user_secrets.c.login == logins[0])
            ).scalar_one()
            cc.execute(
                schema.user_secrets.insert(),
                [
                    {"login": login, "password_hash": hashed, "failed": 0, "changed_at": writer.now}
                    for login in logins[1:]
                ],
            )
        people: list[Rep] = []
        with central.central_transaction(engine) as cc:
            writer = central.Writer(cc, login="admin", buffered=True)
            for n, login in enumerate(logins):
                territory = territory_ids[codes[n % territories]]
                accounts = {}
                for k in range(ACCOUNTS_PER_REP):
                    account_id, phone = str(uuid.uuid4()), f"+1617555{n:04d}{k}"
                    writer.insert(
                        "accounts",
                        {
                            "id": account_id,
                            "name": f"Account {k} of {login}",
                            "phone": phone,
                            "territory_id": territory,
                            "owner_id": user_ids[login],
                        },
                    )
                    accounts[account_id] = phone
                token = None if n < sign_ins else auth.grant_device(cc, login, f"bench laptop {n}").token
                people.append(Rep(login, user_ids[login], territory, accounts, token))
            writer.flush()
        with central.central_transaction(engine) as cc:
            cursor = central.current_seq(cc)
    finally:
        engine.dispose()
    return Company(url, people, cursor, time.perf_counter() - started)


def _wire_now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def edits_of(rep: Rep, count: int) -> list[Change]:
    """``count`` changes as the laptop's outbox holds them: an update of each of the rep's accounts (its
    phone), then new activities on them."""
    changes: list[Change] = []
    accounts = list(rep.accounts)
    activity_columns = [c.name for c in schema.SYNCED["activities"].columns if c.name != "seq"]
    for n in range(count):
        now = _wire_now()
        if n < len(accounts):
            account_id = accounts[n]
            phone = expected_phone(rep, account_id)
            pair = [rep.accounts[account_id], phone]
            change = Change(n + 1, "accounts", account_id, "update", {"phone": pair}, None, now)
        else:
            record_id = str(uuid.uuid4())
            values: dict[str, Any] = dict.fromkeys(activity_columns)
            values.update(
                id=record_id,
                kind="call",
                subject=f"Call {n} by {rep.login}",
                outcome="completed",
                done_at=now,
                duration_minutes=15,
                account_id=accounts[n % len(accounts)],
                territory_id=rep.territory_id,
                owner_id=rep.user_id,
                created_at=now,
                updated_at=now,
            )
            change = Change(n + 1, "activities", record_id, "insert", values, None, now)
        changes.append(change)
    return changes


def expected_phone(rep: Rep, account_id: str) -> str:
    return rep.accounts[account_id][:-1] + "9"


# -- the server ------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    base_url: str
    log: Path

    def pids(self) -> list[int]:
        """The server process and every process it started (uvicorn's workers)."""
        return process_tree(self.process.pid)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)  # the group this bench started, workers included
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


def launch(
    command: list[str],
    port: int,
    work: Path,
    *,
    name: str,
    probe: str,
    expect: int,
    settle: float = 0.0,
    seconds: float = 60,
) -> Server:
    """Start a server process (its own process group, its output in ``work/NAME-PORT.log``) and wait until
    ``GET probe`` answers ``expect``, then ``settle`` seconds more; its log in the error when it ends or
    does not answer within ``seconds``."""
    log = work / f"{name}-{port}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(process, f"http://127.0.0.1:{port}", log)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} ended at start:\n{log.read_text(errors='replace')}")
        try:
            if httpx.get(f"{server.base_url}{probe}", timeout=1.0, trust_env=False).status_code == expect:
                time.sleep(settle)
                return server
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"{name} did not start within {seconds:g} s:\n{log.read_text(errors='replace')}")


def start_server(
    url: str, *, pool: int, workers: int, concurrency: int, work: Path, extra: tuple[str, ...] = ()
) -> Server:
    """A real ``sfa-server`` process on a free loopback port (clear text: loopback only); ``extra``: more
    of its options."""
    port = free_port()
    command = [
        sys.executable, "-m", "sfa_desktop.server.main",
        "--central", url,
        "--listen", f"127.0.0.1:{port}",
        "--pool", str(pool),
        "--workers", str(workers),
        "--concurrency", str(concurrency),
        *extra,
    ]  # fmt: skip
    # every worker up: each answers status only once its app (and pool) is built
    return launch(
        command, port, work, name="sfa-server", probe="/v1/status", expect=200, settle=0.5 * workers
    )


class Watcher:
    """Samples, every ``every`` seconds while running, the server's database connections (rows of
    pg_stat_activity with its application_name) and its processes' memory."""

    def __init__(self, url: str, server: Server, every: float = 0.02) -> None:
        self.url, self.server, self.every = url, server, every
        self.connections: list[int] = []
        self.states: Counter[str] = Counter()
        self.peak_rss_mb: dict[int, float] = {}
        self.peak_total_mb = 0.0
        #: CPU seconds so far, per process: the server's, and the PostgreSQL backends serving it
        self.server_cpu: dict[int, float] = {}
        self.pg_cpu: dict[int, float] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="load-watcher", daemon=True)
        self.problem: BaseException | None = None

    def __enter__(self) -> Watcher:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        import psycopg

        plain = self.url.replace("postgresql+psycopg://", "postgresql://")
        try:
            with psycopg.connect(plain, autocommit=True, application_name="sfa-load-watcher") as pg:
                while not self._stop.is_set():
                    rows = pg.execute(
                        "SELECT pid, state FROM pg_stat_activity WHERE application_name = %s",
                        (APPLICATION_NAME,),
                    ).fetchall()
                    self.connections.append(len(rows))
                    self.states.update(str(r[1]) for r in rows)
                    with self._lock:
                        for pid, _state in rows:
                            self.pg_cpu.setdefault(int(pid), 0.0)
                        self._read_cpu()
                    self._memory()
                    self._stop.wait(self.every)
        except BaseException as exc:  # reported by the bench
            self.problem = exc

    def _memory(self) -> None:
        total = 0.0
        for pid in self.server.pids():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
            rss = int(fields.get("VmRSS", "0 kB").split()[0]) / 1024
            hwm = int(fields.get("VmHWM", "0 kB").split()[0]) / 1024
            self.peak_rss_mb[pid] = max(self.peak_rss_mb.get(pid, 0.0), hwm)
            total += rss
        self.peak_total_mb = max(self.peak_total_mb, total)

    def _read_cpu(self) -> None:
        for pid in self.server.pids():
            self.server_cpu[pid] = max(self.server_cpu.get(pid, 0.0), _cpu_seconds(pid))
        for pid in self.pg_cpu:
            self.pg_cpu[pid] = max(self.pg_cpu[pid], _cpu_seconds(pid))

    def cpu(self) -> tuple[float, float]:
        """CPU seconds used so far by the server's processes and by the PostgreSQL backends serving it."""
        with self._lock:
            self._read_cpu()
            return sum(self.server_cpu.values()), sum(self.pg_cpu.values())

    @property
    def peak_connections(self) -> int:
        return max(self.connections, default=0)


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# -- the laptops -----------------------------------------------------------------------------------------


@dataclass
class Load:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    failures: Counter[str] = field(default_factory=Counter)
    retries: int = 0
    laptops_done: int = 0
    seconds: float = 0.0
    #: CPU seconds: the server's processes, the PostgreSQL backends serving them, this load generator
    server_cpu: float = 0.0
    pg_cpu: float = 0.0
    client_cpu: float = 0.0

    @property
    def requests(self) -> int:
        return sum(len(v) for v in self.latencies.values())


class Laptop:
    """One simulated laptop doing one sync, as ``sync.engine.SyncEngine`` does over ``HttpLink``."""

    def __init__(self, client: httpx.AsyncClient, rep: Rep, cursor: int, edits: int, load: Load) -> None:
        self.client, self.rep, self.cursor, self.edits, self.load = client, rep, cursor, edits, load
        self.token = rep.token

    async def call(self, method: str, path: str, body: Any = None, *, attempts: int = 5) -> Any:
        """One request (retried like the next sync would: every endpoint is idempotent); its answer."""
        headers = {"Accept": "application/json"}
        if self.token is not None:
            headers["Authorization"] = f"Bearer {self.token}"
        content = None
        if body is not None:
            content = json.dumps(body, separators=(",", ":")).encode()
            headers["Content-Type"] = "application/json"
        for attempt in range(attempts):
            started = time.perf_counter()
            try:
                response = await self.client.request(
                    method, f"{messages.PREFIX}/{path}", content=content, headers=headers
                )
            except httpx.TransportError as exc:
                self.load.failures[f"{path}: {type(exc).__name__}"] += 1
            else:
                if response.status_code == 200:
                    self.load.latencies.setdefault(path, []).append(time.perf_counter() - started)
                    rotated = response.headers.get(messages.TOKEN_HEADER)
                    if rotated:
                        self.token = rotated
                    return response.json()
                self.load.failures[f"{path}: HTTP {response.status_code}"] += 1
                if response.status_code < 500:
                    raise RuntimeError(f"{self.rep.login} {path}: {response.status_code} {response.text}")
            self.load.retries += 1
            await asyncio.sleep(0.2 * (attempt + 1))
        raise RuntimeError(f"{self.rep.login} {path}: no answer after {attempts} attempts")

    async def sign_in(self) -> None:
        """A new laptop: the rep signs in with the password; the device's token is kept."""
        grant = await self.call(
            "POST",
            "sign-in",
            {"login": self.rep.login, "password": PASSWORD, "device": f"{self.rep.login}'s laptop"},
        )
        self.token = self.rep.token = grant["token"]

    async def sync(self) -> None:
        if self.token is None:
            await self.sign_in()
        identity = messages.decode_identity((await self.call("GET", "hello"))["identity"])
        territories = sorted(identity.territories)
        batch = edits_of(self.rep, self.edits)
        result = messages.decode_push_result(
            await self.call("POST", "push", messages.encode_push(self.rep.client_id, batch))
        )
        if result.confirmed != len(batch):
            raise RuntimeError(f"{self.rep.login}: the push confirmed {result.confirmed} of {len(batch)}")
        head = messages.decode_head(await self.call("GET", "head"))
        hi = head.seq
        tables = [
            t for t in SYNCED_TABLES if t in REFERENCE_TABLES or (t in TERRITORY_TABLES and territories)
        ]
        for table in tables:
            after = self.cursor
            while after < hi:
                body = messages.encode_page_request(table, after, hi, territories)
                after = messages.decode_page(await self.call("POST", "page", body)).page_hi
        messages.decode_conflicts(
            await self.call("POST", "conflicts", messages.encode_range(self.cursor, hi, territories))
        )
        after = self.cursor
        while after < hi:
            body = messages.encode_history_request(after, hi, territories, None)
            rows = messages.decode_history(await self.call("POST", "history", body))
            after = rows[-1][0] if len(rows) == PULL_PAGE else hi
        slice_no = int(self.rep.client_id[:8], 16) % digest.SLICES
        body = messages.encode_digest_request(slice_no, territories, hi)
        messages.decode_digest(await self.call("POST", "digest", body))
        self.load.laptops_done += 1


async def _bounded(jobs: list[Any], concurrency: int) -> None:
    gate = asyncio.Semaphore(concurrency)

    async def one(job: Any) -> None:
        async with gate:
            await job()

    await asyncio.gather(*(one(job) for job in jobs))


def _client(base_url: str, concurrency: int) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    return httpx.AsyncClient(
        base_url=base_url, limits=limits, timeout=httpx.Timeout(60.0, connect=10.0), trust_env=False
    )


async def run_sign_ins(base_url: str, company: Company, *, concurrency: int, time_bound: float) -> Load:
    """The laptops with no token yet sign in with the password, at most ``concurrency`` at once."""
    load = Load()
    async with _client(base_url, concurrency) as client:
        laptops = [Laptop(client, rep, company.cursor, 0, load) for rep in company.reps if rep.token is None]
        started = time.perf_counter()
        await asyncio.wait_for(_bounded([lt.sign_in for lt in laptops], concurrency), time_bound)
        load.seconds = time.perf_counter() - started
    return load


async def run_laptops(
    base_url: str, company: Company, *, edits: int, concurrency: int, time_bound: float
) -> Load:
    """Every rep's laptop syncs once, at most ``concurrency`` at once, within ``time_bound`` seconds."""
    load = Load()
    async with _client(base_url, concurrency) as client:
        laptops = [Laptop(client, rep, company.cursor, edits, load) for rep in company.reps]
        started = time.perf_counter()
        await asyncio.wait_for(_bounded([lt.sync for lt in laptops], concurrency), time_bound)
        load.seconds = time.perf_counter() - started
    return load


async def run_floor(base_url: str, requests: int, *, laptops: int, concurrency: int) -> Load:
    """``requests`` GET /v1/status requests, split over ``laptops`` clients each asking in turn, at most
    ``concurrency`` at once (the shape of the load, without the database)."""
    per, extra = divmod(requests, laptops)
    floor = Load()
    latencies = floor.latencies.setdefault("status", [])
    async with _client(base_url, concurrency) as client:

        def job(count: int) -> Any:
            async def asks() -> None:
                for _ in range(count):
                    started = time.perf_counter()
                    response = await client.get(f"{messages.PREFIX}/status")
                    response.raise_for_status()
                    response.json()
                    latencies.append(time.perf_counter() - started)

            return asks

        started = time.perf_counter()
        await _bounded([job(per + (1 if n < extra else 0)) for n in range(laptops)], concurrency)
        floor.seconds = time.perf_counter() - started
    return floor


# -- checking what arrived -------------------------------------------------------------------------------


def missing_edits(engine: Engine, company: Company, edits: int) -> list[str]:
    """What did not arrive centrally as pushed: per laptop, its change_log rows and sync_clients number,
    and the values (the accounts' phones, the activities)."""
    problems: list[str] = []
    log, clients = schema.change_log, schema.sync_clients
    activities, accounts = schema.SYNCED["activities"], schema.SYNCED["accounts"]
    with central.central_transaction(engine) as cc:
        by_client = select(log.c.client_id, func.count()).where(log.c.client_id.is_not(None))
        logged = {str(client): int(n) for client, n in cc.execute(by_client.group_by(log.c.client_id))}
        confirmed = dict(cc.execute(select(clients.c.client_id, clients.c.last_change_no)).all())
        phones = dict(cc.execute(select(accounts.c.id, accounts.c.phone)).all())
        calls = Counter(
            owner
            for (owner,) in cc.execute(
                select(activities.c.owner_id).where(activities.c.subject.like("Call % by rep%"))
            )
        )
    updates = min(edits, ACCOUNTS_PER_REP)
    for rep in company.reps:
        if logged.get(rep.client_id, 0) != edits:
            problems.append(f"{rep.login}: {logged.get(rep.client_id, 0)} change_log rows of {edits}")
        if confirmed.get(rep.client_id) != edits:
            problems.append(f"{rep.login}: sync_clients says {confirmed.get(rep.client_id)}")
        for account_id in list(rep.accounts)[:updates]:
            if phones.get(account_id) != expected_phone(rep, account_id):
                problems.append(f"{rep.login}: account {account_id} has phone {phones.get(account_id)}")
        if calls.get(rep.user_id, 0) != edits - updates:
            problems.append(f"{rep.login}: {calls.get(rep.user_id, 0)} activities of {edits - updates}")
    return problems


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


@contextmanager
def postgres(work: Path) -> Iterator[str]:
    """The URL of an empty database: SFA_TEST_PG_URL, or a throwaway cluster started for the run."""
    given = os.environ.get("SFA_TEST_PG_URL")
    if given:
        yield given.replace("postgresql://", "postgresql+psycopg://")
        return
    from tests.pg import start_cluster

    cluster = start_cluster("sfa_load")
    try:
        yield cluster.url()
    finally:
        cluster.stop()


# -- the bench -------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    company: Company
    load: Load
    watcher: Watcher
    sign_ins: Load
    floor: Load
    missing: list[str]
    stuck: int
    #: change_log after the run: rows, and bytes on disk with its indexes
    log_rows: int = 0
    log_bytes: int = 0


def measure(
    url: str,
    *,
    laptops: int,
    territories: int,
    edits: int,
    sign_ins: int,
    concurrency: int,
    pool: int,
    workers: int,
    time_bound: float,
    work: Path,
) -> Outcome:
    """Build the company, start the server, run the laptops and the floor, check what arrived."""
    company = build_company(url, reps=laptops, territories=territories, sign_ins=sign_ins)
    server = start_server(url, pool=pool, workers=workers, concurrency=max(concurrency * 2, 50), work=work)
    try:
        with Watcher(url, server) as watcher:
            first = (*watcher.cpu(), _own_cpu())
            signed = asyncio.run(
                run_sign_ins(server.base_url, company, concurrency=concurrency, time_bound=time_bound)
            )
            before = (*watcher.cpu(), _own_cpu())
            load = asyncio.run(
                run_laptops(
                    server.base_url, company, edits=edits, concurrency=concurrency, time_bound=time_bound
                )
            )
            middle = (*watcher.cpu(), _own_cpu())
            floor = asyncio.run(
                run_floor(server.base_url, load.requests, laptops=laptops, concurrency=concurrency)
            )
            after = (*watcher.cpu(), _own_cpu())
        for phase, start, end in ((signed, first, before), (load, before, middle), (floor, middle, after)):
            spent = [b - a for a, b in zip(start, end, strict=True)]
            phase.server_cpu, phase.pg_cpu, phase.client_cpu = spent
        if watcher.problem is not None:
            raise RuntimeError(f"the watcher failed: {watcher.problem}")
        engine = central.make_central_engine(url)
        try:
            missing = missing_edits(engine, company, edits)
            with engine.connect() as conn:  # transactions the server left open after the run
                stuck = int(
                    conn.execute(
                        text(
                            "SELECT count(*) FROM pg_stat_activity WHERE application_name = :name "
                            "AND state LIKE 'idle in transaction%'"
                        ),
                        {"name": APPLICATION_NAME},
                    ).scalar_one()
                )
                log_rows, log_bytes = conn.execute(
                    text("SELECT count(*), pg_total_relation_size('change_log') FROM change_log")
                ).one()
        finally:
            engine.dispose()
    except BaseException:
        sys.stderr.write(server.log.read_text(errors="replace")[-4000:])
        raise
    finally:
        server.stop()
    return Outcome(company, load, watcher, signed, floor, missing, stuck, int(log_rows), int(log_bytes))


def results_of(outcome: Outcome, *, edits: int, pool: int, workers: int) -> list[Result]:
    load, watcher, company = outcome.load, outcome.watcher, outcome.company
    total_edits = edits * len(company.reps)
    arrived = total_edits - len(outcome.missing) if outcome.missing else total_edits
    results: list[Result] = [
        (
            f"{len(company.reps)} laptops x {edits} edits arrive",
            f"{load.laptops_done} synced; {arrived:,} of {total_edits:,} edits"
            + (f" ({outcome.missing[0]} ...)" if outcome.missing else ""),
            "all",
            load.laptops_done == len(company.reps) and not outcome.missing,
        ),
        (
            "failed requests (retried)",
            f"{sum(load.failures.values())} {dict(load.failures) or ''}".strip(),
            "0",
            not load.failures,
        ),
    ]
    floor = outcome.floor
    syncs = max(1, load.laptops_done)
    per_sync = load.requests / syncs
    results.append(
        (
            f"{load.requests:,} requests ({per_sync:.0f} a sync)",
            f"{load.seconds:.1f} s, {load.requests / load.seconds:.0f} req/s, {syncs / load.seconds:.1f} "
            f"syncs/s; floor (as many GET /v1/status) {floor.seconds:.1f} s, "
            f"{floor.requests / floor.seconds:.0f} req/s",
            f"{load.seconds / floor.seconds:.1f}x (<= {RATIO_BUDGET:g}x)",
            load.seconds / floor.seconds <= RATIO_BUDGET,
        )
    )
    server_ms = load.server_cpu / load.requests * 1000
    floor_ms = floor.server_cpu / max(1, floor.requests) * 1000
    results.append(
        (
            "sfa-server CPU",
            f"{load.server_cpu / syncs * 1000:.0f} ms a sync, {server_ms:.1f} ms a request "
            f"({server_ms / floor_ms:.0f}x the floor's {floor_ms:.2f} ms)",
            f"< {SERVER_MS_PER_SYNC:g} ms a sync",
            load.server_cpu / syncs * 1000 < SERVER_MS_PER_SYNC,
        )
    )
    results.append(
        (
            "PostgreSQL CPU (sfa-server's backends)",
            f"{load.pg_cpu / syncs * 1000:.0f} ms a sync, {load.pg_cpu / load.requests * 1000:.1f} ms a "
            f"request; load generator {load.client_cpu / syncs * 1000:.0f} ms a sync",
            f"< {PG_MS_PER_SYNC:g} ms a sync",
            load.pg_cpu / syncs * 1000 < PG_MS_PER_SYNC,
        )
    )
    floor_p50 = percentile(floor.latencies["status"], 0.5) * 1000
    floor_p95 = percentile(floor.latencies["status"], 0.95) * 1000
    results.append(
        (
            f"  floor: status ({floor.requests:,})",
            f"p50 {floor_p50:.0f} ms, p95 {floor_p95:.0f} ms",
            "-",
            True,
        )
    )
    signed = outcome.sign_ins
    if signed.requests:
        signs = signed.latencies["sign-in"]
        p50, p95 = percentile(signs, 0.5) * 1000, percentile(signs, 0.95) * 1000
        results.append(
            (
                f"  sign-in ({len(signs):,}, before the syncs)",
                f"p50 {p50:.0f} ms, p95 {p95:.0f} ms; {signed.requests / signed.seconds:.1f} a second, "
                f"server CPU {signed.server_cpu / signed.requests * 1000:.0f} ms each",
                f"p95 < {SIGN_IN_P95_MS / 1000:g} s",
                p95 < SIGN_IN_P95_MS and not signed.failures,
            )
        )
    for path in ("hello", "push", "head", "page", "conflicts", "history", "digest"):
        values = load.latencies.get(path)
        if not values:
            continue
        p50, p95 = percentile(values, 0.5) * 1000, percentile(values, 0.95) * 1000
        budget = LATENCY_RATIO_BUDGET * floor_p95
        shown = f"p95 {p95 / floor_p95:.1f}x the floor's (<= {LATENCY_RATIO_BUDGET:g}x)"
        results.append(
            (
                f"  {path} ({len(values):,})",
                f"p50 {p50:.0f} ms, p95 {p95:.0f} ms, max {max(values) * 1000:.0f} ms",
                shown,
                p95 <= budget,
            )
        )
    limit = pool * workers
    samples = len(watcher.connections)
    results.append(
        (
            "database connections of sfa-server",
            f"peak {watcher.peak_connections} (median {statistics.median(watcher.connections or [0]):.0f}, "
            f"{samples:,} samples); idle in transaction after: {outcome.stuck}",
            f"<= pool {pool} x {workers} workers = {limit}",
            0 < watcher.peak_connections <= limit and outcome.stuck == 0 and samples > 10,
        )
    )
    if outcome.log_rows:
        results.append(
            (
                "central change_log after the run",
                f"{outcome.log_rows:,} rows, {outcome.log_bytes / 1024 / 1024:.1f} MB with its indexes, "
                f"{outcome.log_bytes / outcome.log_rows:.0f} bytes a row",
                "-",
                True,
            )
        )
    biggest = max(watcher.peak_rss_mb.values(), default=0.0)
    results.append(
        (
            f"server memory ({len(watcher.peak_rss_mb)} processes)",
            f"peak {biggest:.0f} MB in one process; all together {watcher.peak_total_mb:.0f} MB",
            "< 300 MB a process",
            0 < biggest < 300,
        )
    )
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--laptops", type=int, default=500)
    parser.add_argument("--territories", type=int, default=50)
    parser.add_argument("--edits", type=int, default=20, help="edits each laptop pushes (20)")
    parser.add_argument("--sign-ins", type=int, default=20, help="laptops that sign in with the password")
    parser.add_argument("--concurrency", type=int, default=50, help="laptops syncing at once (50)")
    parser.add_argument("--pool", type=int, default=10, help="database connections per server worker")
    parser.add_argument("--workers", type=int, default=2, help="server worker processes")
    parser.add_argument("--time-bound", type=float, default=900.0, help="seconds the laptops may take")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="sfa-bench-load-"))
    try:
        with postgres(work) as url:
            outcome = measure(
                url,
                laptops=args.laptops,
                territories=args.territories,
                edits=args.edits,
                sign_ins=args.sign_ins,
                concurrency=args.concurrency,
                pool=args.pool,
                workers=args.workers,
                time_bound=args.time_bound,
                work=work,
            )
        print(
            f"central store: {args.territories} territories, {args.laptops} reps, "
            f"{args.laptops * ACCOUNTS_PER_REP:,} accounts, made in {outcome.company.seconds:.1f} s; "
            f"sfa-server --workers {args.workers} --pool {args.pool}; {args.concurrency} laptops at once"
        )
        return print_results(results_of(outcome, edits=args.edits, pool=args.pool, workers=args.workers))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
