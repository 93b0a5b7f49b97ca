"""The update check (issue 18): a small JSON document at the update_url setting, read at most once a day,
against a real HTTP server on 127.0.0.1 started here; failures say nothing."""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from pathlib import Path

import pytest

import sfa_desktop
from sfa_desktop.cli import main as sfa
from sfa_desktop.core import settings
from sfa_desktop.ops import settings as settings_ops
from sfa_desktop.ops import updates
from sfa_desktop.ops.updates import Offer, UpdateCheckFailed
from sfa_desktop.store.database import LocalStore
from tests.update_server import Publisher, serve_updates  # noqa: F401 - the fixture "publisher"

CURRENT = sfa_desktop.__version__


@pytest.fixture
def watched(store: LocalStore, publisher: Publisher) -> LocalStore:
    settings_ops.put(store, {"update_url": publisher.url})
    return store


# -- the setting ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["", "https://sync.example.com/sfa/latest.json", "http://localhost:8080/x.json", "http://127.0.0.1/x"],
)
def test_update_url_takes_https_or_local_http(store: LocalStore, url: str) -> None:
    settings_ops.put(store, {"update_url": f" {url} "})
    assert settings_ops.get(store, "update_url") == url
    assert settings.DEFAULTS["update_url"] == ""  # no check unless the company sets one


@pytest.mark.parametrize(
    "url",
    [
        "http://sync.example.com/latest.json",
        "ftp://example.com/x",
        "sync.example.com",
        "https://",
        "file:///x",
    ],
)
def test_update_url_refuses_the_rest(store: LocalStore, url: str) -> None:
    with pytest.raises(ValueError, match="is not an https address"):
        settings_ops.put(store, {"update_url": url})


# -- the check -----------------------------------------------------------------------------------------------


def test_a_newer_version_is_offered(watched: LocalStore, publisher: Publisher) -> None:
    publisher.offers("0.10.0", notes="Faster sync.")  # compared as versions: 0.10.0 after 0.9.x and 0.1.0
    offer = updates.check_daily(watched)
    assert offer == Offer("0.10.0", "https://intranet.example.com/sfa/", "Faster sync.")
    assert (
        offer.message()
        == f"SFA Desktop 0.10.0 is available: https://intranet.example.com/sfa/ (you have {CURRENT})"
    )
    assert publisher.paths == ["/sfa/latest.json"]


@pytest.mark.parametrize("version", [CURRENT, "0.0.9", "0.1.0rc1"])
def test_the_same_or_an_older_version_is_not_offered(
    watched: LocalStore, publisher: Publisher, version: str
) -> None:
    publisher.offers(version)
    assert updates.check_daily(watched) is None
    assert publisher.requests == 1


def test_at_most_one_request_a_day(watched: LocalStore, publisher: Publisher) -> None:
    publisher.offers("9.0.0")
    morning = dt.datetime(2026, 12, 7, 8, 0, tzinfo=dt.UTC)
    assert updates.check_daily(watched, now=morning) is not None
    # later that day (another start of the window): no request, and the notice is still known
    assert updates.check_daily(watched, now=morning + dt.timedelta(hours=23, minutes=59)) == Offer(
        "9.0.0", "https://intranet.example.com/sfa/"
    )
    assert publisher.requests == 1
    publisher.offers(CURRENT)  # the next day: asked again; this laptop is as new as the offer now
    assert updates.check_daily(watched, now=morning + dt.timedelta(days=1)) is None
    assert publisher.requests == 2
    assert updates.check_daily(watched, now=morning + dt.timedelta(days=1, hours=1)) is None
    assert publisher.requests == 2


def test_no_update_url_no_request(store: LocalStore, publisher: Publisher) -> None:
    publisher.offers("9.0.0")
    assert updates.check_daily(store) is None
    assert publisher.requests == 0


@pytest.mark.parametrize(
    "body",
    [
        b"<html>captive portal</html>",
        b"[1, 2]",
        b'{"version": "soon", "url": "https://x.example"}',
        b'{"version": "9.0.0", "url": "javascript:alert(1)"}',
        b'{"version": "9.0.0"}',
        b"\xff\xfe",
    ],
)
def test_a_bad_document_is_silent(
    watched: LocalStore, publisher: Publisher, body: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    publisher.body = body
    with caplog.at_level(logging.INFO, logger="sfa_desktop.ops.updates"):
        assert updates.check_daily(watched) is None
    (record,) = caplog.records
    assert record.levelno == logging.INFO
    assert "update check at" in record.getMessage()
    assert publisher.requests == 1
    assert updates.check_daily(watched) is None  # a failure counts as the day's check
    assert publisher.requests == 1


def test_a_failed_check_keeps_what_the_last_one_found(watched: LocalStore, publisher: Publisher) -> None:
    publisher.offers("9.0.0")
    day = dt.datetime(2026, 12, 7, 8, 0, tzinfo=dt.UTC)
    updates.check_daily(watched, now=day)
    publisher.body = b"garbage"
    assert updates.check_daily(watched, now=day + dt.timedelta(days=1)) == Offer(
        "9.0.0", "https://intranet.example.com/sfa/"
    )


def test_too_big_is_silent(watched: LocalStore, publisher: Publisher) -> None:
    publisher.body = json.dumps(
        {"version": "9.0.0", "url": "https://x.example/", "notes": "x" * 20_000}
    ).encode()
    assert updates.check_daily(watched) is None
    with pytest.raises(UpdateCheckFailed, match="more than 16384"):
        updates.fetch_offer(publisher.url)


def test_a_timeout_is_silent(watched: LocalStore, publisher: Publisher) -> None:
    publisher.offers("9.0.0")
    publisher.delay = 1.0
    started = time.monotonic()
    with pytest.raises(UpdateCheckFailed, match="timed out"):
        updates.fetch_offer(publisher.url, timeout=0.3)
    assert time.monotonic() - started < 0.9
    assert updates.check_daily(watched, fetch=lambda url: updates.fetch_offer(url, timeout=0.3)) is None


def test_unreachable_is_silent(store: LocalStore) -> None:
    settings_ops.put(store, {"update_url": "http://127.0.0.1:9/latest.json"})  # the discard port: refused
    assert updates.check_daily(store) is None


# -- the command line ----------------------------------------------------------------------------------------


def test_sfa_update_check(data_dir: Path, watched: LocalStore, publisher: Publisher, capsys) -> None:
    publisher.offers("9.0.0", notes="Faster sync.")
    assert sfa(["--data-dir", str(data_dir), "update-check"]) == 0
    out = capsys.readouterr().out
    offered = f"SFA Desktop 9.0.0 is available: https://intranet.example.com/sfa/ (you have {CURRENT})"
    assert out == f"{offered}\nFaster sync.\n"
    publisher.offers(CURRENT)
    assert sfa(["--data-dir", str(data_dir), "update-check"]) == 0  # asked for: checked now, not once a day
    assert (
        capsys.readouterr().out == f"SFA Desktop {CURRENT} is up to date (the newest offered is {CURRENT}).\n"
    )
    assert publisher.requests == 2
    publisher.body = b"nonsense"
    assert sfa(["--data-dir", str(data_dir), "update-check"]) == 1
    assert capsys.readouterr().err.startswith(
        f"sfa: error: Could not check for a newer version at {publisher.url}"
    )


def test_sfa_update_check_without_an_address(data_dir: Path, store: LocalStore, capsys) -> None:
    assert sfa(["--data-dir", str(data_dir), "update-check"]) == 1
    assert "sfa settings set update_url" in capsys.readouterr().err


def test_sfa_version_stays_offline(data_dir: Path, watched: LocalStore, publisher: Publisher, capsys) -> None:
    publisher.offers("9.0.0")
    assert sfa(["--data-dir", str(data_dir), "--version"]) == 0
    assert capsys.readouterr().out.startswith(f"sfa {CURRENT} (build ")
    assert publisher.requests == 0
