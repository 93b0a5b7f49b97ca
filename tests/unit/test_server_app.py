"""sfa-server's app without a database: it checks only a few passwords at once (``PASSWORD_CHECKS``: each
argon2 check takes 64 MiB, so a burst of sign-ins queues rather than running one per worker thread), and a
laptop of another protocol version is told which side to update."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
import time

import httpx
import pytest
from sqlalchemy import create_engine

from sfa_desktop.server import app as server_app
from sfa_desktop.server import auth


def test_a_burst_of_sign_ins_checks_at_most_password_checks_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lock = threading.Lock()
    running = peak = 0

    def slow_sign_in(engine: object, login: str, password: str, device: str) -> auth.Grant:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        time.sleep(0.05)  # a password check's worth of work
        with lock:
            running -= 1
        return auth.Grant(f"token-{login}", f"device-{login}", login, dt.datetime(2030, 1, 1))

    monkeypatch.setattr(auth, "sign_in", slow_sign_in)
    app = server_app.build_app(create_engine("sqlite://"))

    async def burst() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            return await asyncio.gather(
                *(
                    client.post("/v1/sign-in", json={"login": f"rep{n}", "password": "pw", "device": "x"})
                    for n in range(12)
                )
            )

    answers = asyncio.run(burst())
    assert [a.status_code for a in answers] == [200] * 12
    assert {a.json()["login"] for a in answers} == {f"rep{n}" for n in range(12)}
    assert peak == server_app.PASSWORD_CHECKS


def test_a_laptop_of_another_protocol_version_is_told_which_side_to_update() -> None:
    app = server_app.build_app(create_engine("sqlite://"))

    async def ask() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            return [
                await client.get("/v0/hello"),
                await client.post("/v2/push", json={}),
                await client.get("/v1/no-such-thing"),
            ]

    older, newer, unknown = asyncio.run(ask())
    assert older.status_code == newer.status_code == 409
    assert "update SFA Desktop on this laptop" in older.json()["message"]
    assert "update the sync server" in newer.json()["message"]
    assert unknown.status_code == 404
