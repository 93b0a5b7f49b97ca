"""The laptop's reading of a prime's stream (``HttpLink.prime``): pages a line each, however the bytes are cut
into chunks; the error that ended a stream; a stream cut short."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from sfa_desktop.protocol import messages
from sfa_desktop.protocol.errors import CentralError, Revoked, Unreachable
from sfa_desktop.protocol.messages import Page
from sfa_desktop.sync import http
from sfa_desktop.sync.http import HttpLink


class Chunks(httpx.SyncByteStream):
    def __init__(self, data: bytes, size: int) -> None:
        self.data, self.size = data, size

    def __iter__(self) -> Iterator[bytes]:
        for start in range(0, len(self.data), self.size):
            yield self.data[start : start + self.size]


def _link(body: bytes, size: int = 5) -> HttpLink:
    def answer(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/v1/prime"
        assert json.loads(request.content)["table"] == "accounts"
        return httpx.Response(200, stream=Chunks(body, size))

    return HttpLink("http://localhost", "token", transport=httpx.MockTransport(answer))


def _page(ids: list[str], page_hi: int, seq: int = 1) -> bytes:
    return messages.encode_page_line(Page([[i, "Acme", seq + n] for n, i in enumerate(ids)], page_hi, []))


@pytest.mark.parametrize("size", [1, 7, 1 << 20])
def test_pages_arrive_whole_however_the_stream_is_cut(size: int) -> None:
    body = _page(["a", "b"], 4) + _page(["c"], 9, seq=5)
    pages = list(_link(body, size).prime("accounts", 0, 9, ["NE"]))
    assert [p.page_hi for p in pages] == [4, 9]
    assert [r[0] for p in pages for r in p.rows] == ["a", "b", "c"]


def test_rows_in_the_database_s_json_read_the_same() -> None:
    line = messages.encode_page_json_line('[["a","Acme",1],\n ["b","Acme",2]]', 9, [])
    assert line.count(b"\n") == 1
    assert json.loads(line) == json.loads(_page(["a", "b"], 9))


def test_the_error_that_ended_a_stream_is_raised_as_its_status_says() -> None:
    body = _page(["a"], 4) + messages.encode_error_line(410, "revoked", "This device was revoked.")
    with pytest.raises(Revoked, match="revoked"):
        list(_link(body).prime("accounts", 0, 9, ["NE"]))
    body = _page(["a"], 4) + messages.encode_error_line(422, "central", "The store refused.")
    with pytest.raises(CentralError, match="The store refused"):
        list(_link(body).prime("accounts", 0, 9, ["NE"]))


def test_a_stream_cut_short_is_unreachable() -> None:
    cut = _page(["a"], 4) + _page(["b"], 9)[:-10]  # the last page never arrived whole
    with pytest.raises(Unreachable, match="stopped before sending every page"):
        list(_link(cut).prime("accounts", 0, 9, ["NE"]))


def test_a_malformed_line_is_a_server_fault() -> None:
    with pytest.raises(CentralError, match="cannot read"):
        list(_link(b'{"rows": [1, 2], "page_hi": 9, "departures": []}\n').prime("accounts", 0, 9, ["NE"]))


def test_a_long_prime_is_asked_for_again_from_where_an_answer_ended(monkeypatch: pytest.MonkeyPatch) -> None:
    """An answer streams at most PRIME_PAGES pages (one held whole in memory stays small); the laptop asks
    again from the last page it got."""
    monkeypatch.setattr(http, "PRIME_PAGES", 2)
    asked: list[tuple[int, int]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        asked.append((body["after"], body["pages"]))
        first = body["after"] + 1
        lines = b"".join(
            _page([f"r{n}"], min(n, 5), seq=n) for n in range(first, min(first + body["pages"], 6))
        )
        return httpx.Response(200, stream=Chunks(lines, 3))

    link = HttpLink("http://localhost", "token", transport=httpx.MockTransport(answer))
    pages = list(link.prime("accounts", 0, 5, ["NE"]))
    assert [p.page_hi for p in pages] == [1, 2, 3, 4, 5]
    assert asked == [(0, 2), (2, 2), (4, 2)]
