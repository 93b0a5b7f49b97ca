"""A company's update document served on 127.0.0.1 by a test (http.server in a thread), counting requests."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@dataclass
class Publisher:
    """What the test server answers, and how many requests it had."""

    body: bytes = b""
    delay: float = 0.0
    requests: int = 0
    paths: list[str] = field(default_factory=list)
    url: str = ""

    def offers(self, version: str, url: str = "https://intranet.example.com/sfa/", notes: str = "") -> None:
        self.body = json.dumps({"version": version, "url": url, "notes": notes}).encode()


@pytest.fixture(name="publisher")
def serve_updates() -> Iterator[Publisher]:
    state = Publisher()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.requests += 1
            state.paths.append(self.path)
            time.sleep(state.delay)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(state.body)))
            self.end_headers()
            self.wfile.write(state.body)

        def log_message(self, *_args: object) -> None:
            pass

    class Server(ThreadingHTTPServer):
        daemon_threads = True

        def handle_error(self, request: object, client_address: object) -> None:
            pass  # a client that gave up (the timeout test) before the answer was written

    server = Server(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/sfa/latest.json"
    yield state
    server.shutdown()
    server.server_close()
