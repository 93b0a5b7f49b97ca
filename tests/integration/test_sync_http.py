"""The sync protocol over HTTP: sfa-server's app, the laptop's HttpLink, the in-process transport, and real
uvicorn servers on 127.0.0.1 (TLS with a certificate made here, a server killed mid-push, a slow client,
two servers behind a round-robin list over one PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import gzip
import ipaddress
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlalchemy import text, update

from sfa_desktop.ops import links
from sfa_desktop.ops import sync as sync_ops
from sfa_desktop.protocol.errors import AuthenticationFailed, CentralError, Incompatible, Revoked, Unreachable
from sfa_desktop.server import auth, central, schema
from sfa_desktop.server.app import build_app
from sfa_desktop.store.database import LocalStore
from sfa_desktop.sync import credentials, state
from sfa_desktop.sync.asgi_transport import InProcessTransport
from sfa_desktop.sync.engine import SyncEngine
from sfa_desktop.sync.http import HttpLink, check_url, sign_in, status
from sfa_desktop.sync.scheduler import PasswordNeeded
from tests.integration.sync_harness import World, assert_replica_matches, world_fixture
from tests.memory_keyring import MemoryKeyring, memory_keyring

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    yield from world_fixture("sqlite", tmp_path, None)


@pytest.fixture
def keys() -> Iterator[MemoryKeyring]:
    with memory_keyring() as backend:
        yield backend


def _set_password(world: World, login: str, password: str) -> None:
    with central.central_transaction(world.central) as cc:
        auth.set_password(cc, login, password)


# -- the app in process ----------------------------------------------------------------------------------


def test_status_sign_in_and_refusals(world: World) -> None:
    _set_password(world, "ann", "ann-password")
    transport = InProcessTransport(build_app(world.central))
    try:
        assert status("http://localhost", transport=transport).protocol == 1
        grant = sign_in("http://localhost", "ann", "ann-password", "ann's laptop", transport=transport)
        assert grant.login == "ann"
        with pytest.raises(AuthenticationFailed, match="or its password is wrong") as refused:
            sign_in("http://localhost", "ann", "nope-nope", "x", transport=transport)
        assert not isinstance(refused.value, Revoked)
        link = HttpLink("http://localhost", grant.token, transport=transport)
        assert link.hello().login == "ann"
        with pytest.raises(AuthenticationFailed, match="not signed in"):
            HttpLink("http://localhost", "forged-token", transport=transport).head()
        link.sign_out()
        with pytest.raises(AuthenticationFailed):
            link.head()  # the server forgot the token
    finally:
        transport.close()


def test_clear_text_only_to_this_computer() -> None:
    for url in ("http://localhost:8080", "http://127.0.0.5:1", "http://[::1]:9"):
        assert check_url(url).startswith("http://")
    for url in ("http://sync.example.com", "http://10.0.0.4:8080", "http://192.168.1.1"):
        with pytest.raises(CentralError, match="Refusing clear-text"):
            HttpLink(url, "token")
    with pytest.raises(CentralError, match="not a server address"):
        check_url("ftp://example.com")


def test_unauthenticated_requests_write_nothing(world: World) -> None:
    ann = world.laptop("ann")
    ann.create("accounts", {"name": "Acme", "territory_id": ann.territory("NE")})
    ann.link.token = "stolen-or-expired"
    before = world.count("change_log")
    with pytest.raises(AuthenticationFailed):
        ann.sync()
    assert world.count("change_log") == before
    assert ann.outbox() == 1  # nothing wiped, nothing lost
    assert ann.scalar("SELECT count(*) FROM accounts") == 1


def test_revoked_device_is_wiped_and_a_leaving_one_hands_in_its_changes_first(world: World) -> None:
    ann, bob = world.laptop("ann", "ann-leaving"), world.laptop("bob", "bob-stolen")
    handed_in = ann.create("accounts", {"name": "Handed in", "territory_id": ann.territory("NE")})
    lost = bob.create("accounts", {"name": "Stolen laptop's", "territory_id": bob.territory("SE")})
    with central.central_transaction(world.central) as cc:
        devices = {d.name: d.id for d in auth.list_devices(cc)}
        auth.revoke_device(cc, devices["ann-leaving"], by="admin", grace=True)
        auth.revoke_device(cc, devices["bob-stolen"], by="admin")
    with pytest.raises(Revoked, match="handed in"):
        ann.sync()
    assert world.central_row("accounts", handed_in) is not None
    assert ann.scalar("SELECT count(*) FROM accounts") == 0
    assert ann.link.leaving
    with pytest.raises(Revoked):
        ann.link.hello()  # the grace is over
    with pytest.raises(Revoked, match="signed out by an administrator"):
        bob.sync()
    assert world.central_row("accounts", lost) is None
    assert bob.scalar("SELECT count(*) FROM accounts") == 0


def test_nothing_but_revoked_wipes(world: World) -> None:
    ann = world.laptop("ann")
    ann.create("accounts", {"name": "Acme", "territory_id": ann.territory("NE")})

    def answering(code: int) -> httpx.MockTransport:
        return httpx.MockTransport(lambda request: httpx.Response(code, json={"message": f"said {code}"}))

    for code, error in (
        (500, Unreachable),
        (502, Unreachable),
        (503, Unreachable),
        (401, AuthenticationFailed),
    ):
        ann.engine.link = HttpLink("http://localhost", "t", transport=answering(code))
        with pytest.raises(error, match=f"said {code}"):
            ann.sync()
        assert (ann.outbox(), ann.scalar("SELECT count(*) FROM accounts")) == (1, 1)
    ann.engine.link = HttpLink("http://localhost", "t", transport=answering(409))
    with pytest.raises(Incompatible):
        ann.sync()
    ann.engine.link = HttpLink("http://localhost", "t", transport=answering(404))
    with pytest.raises(CentralError, match="refused the request: said 404"):
        ann.sync()

    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused")

    ann.engine.link = HttpLink("http://localhost", "t", transport=httpx.MockTransport(down))
    with pytest.raises(Unreachable, match=r"cannot be reached .*Your work is kept"):
        ann.sync()
    assert (ann.outbox(), ann.scalar("SELECT count(*) FROM accounts")) == (1, 1)
    ann.engine.link = ann.link
    ann.sync()
    assert ann.outbox() == 0


def test_incompatible_store_is_409(world: World) -> None:
    ann = world.laptop("ann")
    with world.central.begin() as cc:
        cc.execute(text("UPDATE alembic_version SET version_num = 'c9999'"))
    with pytest.raises(Incompatible, match="Update SFA Desktop"):
        ann.sync()
    assert ann.scalar("SELECT count(*) FROM users") > 0


def test_malformed_and_oversized_requests_are_refused_before_anything_is_written(world: World) -> None:
    with central.central_transaction(world.central) as cc:
        token = auth.grant_device(cc, "ann", "probe").token
    transport = InProcessTransport(build_app(world.central, max_body=4096))
    client = httpx.Client(transport=transport, base_url="http://localhost/v1")
    bearer = {"Authorization": f"Bearer {token}"}
    change = {
        "change_no": 1,
        "table": "accounts",
        "record_id": "x" * 36,
        "op": "insert",
        "changes": {"id": "x" * 36, "name": "Acme", "territory_id": world.territory("NE")},
        "user_id": None,
        "recorded_at": "2026-01-01 00:00:00.000000",
    }
    before = world.count("change_log")
    try:
        for body in (b"{not json", b"[]", json.dumps({"client_id": "c"}).encode()):
            answer = client.post("/push", content=body, headers=bearer)
            assert answer.status_code == 400, answer.text
            assert answer.json()["error"] == "bad-request"
        wrong = {"client_id": "c", "changes": [{**change, "change_no": "one"}]}
        assert client.post("/push", json=wrong, headers=bearer).status_code == 400
        big = {"client_id": "c", "changes": [change], "padding": "p" * 10_000}
        answer = client.post("/push", json=big, headers=bearer)
        assert answer.status_code == 413
        assert "larger than the server accepts" in answer.json()["message"]
        bomb = gzip.compress(json.dumps(big).encode())  # small on the wire, too big unpacked
        headers = {**bearer, "Content-Encoding": "gzip"}
        assert client.post("/push", content=bomb, headers=headers).status_code == 413
        assert client.post("/push", content=b"junk", headers=headers).status_code == 400
        assert world.count("change_log") == before
        # the same change, well formed and gzip-encoded, is applied
        packed = gzip.compress(json.dumps({"client_id": "c", "changes": [change]}).encode())
        answer = client.post("/push", content=packed, headers=headers)
        assert answer.status_code == 200, answer.text
        assert answer.json()["applied"] == 1
    finally:
        client.close()
        transport.close()


def test_rotated_token_is_kept_and_pages_come_compressed(world: World) -> None:
    ann = world.laptop("ann")
    for i in range(40):
        ann.create("accounts", {"name": f"Account number {i}", "territory_id": ann.territory("NE")})
    ann.sync()
    kept: list[str] = []
    ann.link._on_token = kept.append
    old = ann.link.token
    with world.central.begin() as cc:
        cc.execute(update(schema.devices).values(rotated_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=2)))
    ann.sync()
    assert kept
    assert ann.link.token == kept[-1] != old
    with pytest.raises(AuthenticationFailed):
        HttpLink("http://localhost", old, transport=ann.transport).head()  # the new one was used
    seen: list[httpx.Response] = []
    client = httpx.Client(
        transport=ann.transport, event_hooks={"response": [seen.append]}, base_url="http://localhost/v1"
    )
    body = {"table": "accounts", "after": 0, "hi": 10**9, "territories": [ann.territory("NE")]}
    answer = client.post("/page", json=body, headers={"Authorization": f"Bearer {ann.link.token}"})
    assert answer.headers["content-encoding"] == "gzip"
    assert len(answer.json()["rows"]) == 40
    client.close()


def test_local_store_signs_the_device_in_and_keeps_its_token(
    tmp_path: Path, world: World, keys: MemoryKeyring
) -> None:
    store = LocalStore.open(tmp_path / "laptop")
    try:
        connected = sync_ops.connect(store, world.url, "ann", None)
        token = credentials.get_token(connected.url, "ann")
        assert token is not None
        with central.central_transaction(world.central) as cc:
            assert [d.login for d in auth.list_devices(cc)] == ["ann"]
        report = sync_ops.sync_now(store)
        assert report.pulled > 0
        with central.central_transaction(world.central) as cc:
            auth.revoke_login(cc, "ann", by="admin")
        with pytest.raises(Revoked):
            sync_ops.sync_now(store)
        with store.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM territories")).scalar() == 0
    finally:
        store.close()


# -- real servers ----------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for(port: int, process: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(
                f"the server ended: {process.stderr.read().decode() if process.stderr else ''}"
            )
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("the server did not start")


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def _start(*args: str, port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [sys.executable, *args], env=_env(), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    _wait_for(port, process)
    return process


def _test_server(central_url: str, *more: str) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    process = _start(
        "-m", "tests.integration.http_server", "--central", central_url, "--port", str(port), *more, port=port
    )
    return process, f"http://127.0.0.1:{port}"


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        process.wait(timeout=10)
    for stream in (process.stdout, process.stderr):
        if stream is not None:
            stream.close()


def _self_signed(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sfa-test")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "server.pem", folder / "server.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_file, key_file


def test_sfa_server_refuses_clear_text_off_loopback_and_a_missing_store(tmp_path: Path) -> None:
    run = [sys.executable, "-m", "sfa_desktop.server.main"]
    done = subprocess.run(
        [*run, "--central", str(tmp_path / "none.sqlite3"), "--listen", "0.0.0.0:9"],
        check=False,
        env=_env(),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert "Refusing to listen on 0.0.0.0 in clear text" in done.stderr
    done = subprocess.run(
        [*run, "--central", str(tmp_path / "none.sqlite3"), "--listen", "127.0.0.1:9"],
        check=False,
        env=_env(),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert "There is no central store" in done.stderr
    assert not (tmp_path / "none.sqlite3").exists()


def test_sfa_server_over_tls(tmp_path: Path, world: World, keys: MemoryKeyring) -> None:
    _set_password(world, "ann", "ann-password")
    cert, key = _self_signed(tmp_path)
    port = _free_port()
    server = _start(
        "-m",
        "sfa_desktop.server.main",
        "--central",
        world.url,
        "--listen",
        f"127.0.0.1:{port}",
        "--tls-cert",
        str(cert),
        "--tls-key",
        str(key),
        "--pool",
        "3",
        port=port,
    )
    url = f"https://127.0.0.1:{port}"
    store = LocalStore.open(tmp_path / "laptop")
    try:
        with pytest.raises(CentralError, match=r"does not verify .*--ca-file"):
            sync_ops.test_connection(url)
        assert sync_ops.test_connection(url, ca_file=str(cert)).protocol == 1
        with pytest.raises(AuthenticationFailed):
            sync_ops.sign_in(store, url, "ann", "wrong-password", ca_file=str(cert))
        connected = sync_ops.sign_in(store, url, "ann", "ann-password", ca_file=str(cert))
        assert connected.remembered
        assert list(keys.items) == [(credentials.TOKEN_SERVICE, f"ann@{url}")]
        with store.engine.connect() as conn:
            st = state.load(conn)
        assert (st.url, st.ca_file) == (url, str(cert))
        assert sync_ops.sync_now(store).pulled > 0
        ne = world.territory("NE")
        with store.transaction() as session:
            from sfa_desktop.core.records import services

            account = str(services.create(session, "accounts", {"name": "Over TLS", "territory_id": ne}).id)
        report = sync_ops.sync_now(store)
        assert report.pushed == 1
        assert world.central_row("accounts", account) is not None
        for file in (tmp_path / "laptop").iterdir():
            assert b"ann-password" not in file.read_bytes()
        assert sync_ops.disconnect(store)
        with pytest.raises(PasswordNeeded):
            sync_ops.sync_now(store)
    finally:
        store.close()
        _stop(server)


@pytest.mark.parametrize("when", ["before", "after"])
def test_server_killed_mid_push_applies_the_batch_once(world: World, when: str) -> None:
    ann = world.laptop("ann")
    acme = ann.create("accounts", {"name": "Acme", "territory_id": ann.territory("NE")})
    ann.update("accounts", acme, {"phone": "+16175550100"})
    token = ann.link.token
    dying, url = _test_server(world.url, "--die-in-push", when)
    try:
        ann.engine.link = link = HttpLink(url, token)
        with pytest.raises(Unreachable, match="Your work is kept"):
            ann.sync()
        link.close()
        dying.wait(timeout=10)
        assert ann.outbox() == 2
        assert world.count("change_log", record_id=acme) == (2 if when == "after" else 0)
    finally:
        _stop(dying)
    server, url = _test_server(world.url)
    try:
        ann.engine.link = link = HttpLink(url, token)
        ann.sync()
        link.close()
        assert ann.outbox() == 0
        assert world.count("change_log", record_id=acme) == 2
        assert world.count("accounts", name="Acme") == 1
        assert_replica_matches(world, ann)
    finally:
        _stop(server)


def test_a_slow_client_is_cut_off_by_the_server(world: World) -> None:
    server, url = _test_server(world.url, "--read-timeout", "1")
    port = int(url.rsplit(":", 1)[1])
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            s.sendall(
                b"POST /v1/push HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer x\r\n"
                b'Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"client'
            )
            started = time.monotonic()
            answer = s.recv(4096)
            waited = time.monotonic() - started
            while b"not sent" not in answer and (more := s.recv(4096)):
                answer += more
        assert answer.startswith(b"HTTP/1.1 408"), answer
        assert b"not sent within 1 s" in answer
        assert 0.8 < waited < 8
    finally:
        _stop(server)


class _Recording(httpx.HTTPTransport):
    def __init__(self) -> None:
        super().__init__()
        self.ports: list[int | None] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.ports.append(request.url.port)
        return super().handle_request(request)


def test_two_servers_over_one_postgresql_behind_a_round_robin_list(tmp_path: Path, pg_url: str) -> None:
    world = next(pg := world_fixture("postgresql", tmp_path, pg_url))
    servers = [_test_server(world.url) for _ in range(2)]
    recorders: dict[str, _Recording] = {}
    try:
        urls = [url for _process, url in servers]
        laptops = {}
        for login in ("ann", "mgr"):
            lap = world.laptop(login, f"{login}-rr", sync=False)
            recorders[login] = _Recording()
            lap.engine.link = HttpLink(urls, lap.link.token, transport=recorders[login])
            lap.sync()
            laptops[login] = lap
        ann, mgr = laptops["ann"], laptops["mgr"]
        for i in range(3):
            ann.create("accounts", {"name": f"RR {i}", "territory_id": ann.territory("NE")})
            ann.sync()
            mgr.sync()
        assert mgr.scalar("SELECT count(*) FROM accounts WHERE name LIKE 'RR %'") == 3
        for login, lap in laptops.items():
            assert_replica_matches(world, lap)
            ports = recorders[login].ports
            assert {int(u.rsplit(":", 1)[1]) for u in urls} == set(ports), login
    finally:
        for recorder in recorders.values():
            recorder.close()
        for process, _url in servers:
            _stop(process)
        for _ in pg:
            pass


def test_the_in_process_link_works_from_a_worker_thread(world: World) -> None:
    from concurrent.futures import ThreadPoolExecutor

    ann = world.laptop("ann")
    ann.create("accounts", {"name": "From a thread", "territory_id": ann.territory("NE")})
    with ThreadPoolExecutor(max_workers=1) as pool:
        report = pool.submit(ann.sync).result()
    assert report.pushed == 1


def test_links_serve_a_database_through_the_app(world: World, tmp_path: Path) -> None:
    store = LocalStore.open(tmp_path / "lap")
    try:
        with links.open_link(world.url, "bob", None) as link:
            assert isinstance(link, HttpLink)  # the app in process, not the database
            SyncEngine(store, link).connect(links.stored_url(world.url, "bob"))
        assert links.sync_store(store).pulled > 0
    finally:
        store.close()
