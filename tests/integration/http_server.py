"""A sync server for the HTTP tests, run as its own process (``python -m tests.integration.http_server``):
sfa-server's app on uvicorn over a central store, plain HTTP on 127.0.0.1, with test-only behaviour a real
deployment never has: ``--die-in-push before|after`` ends the process abruptly inside the first push (before
its transaction commits, or after it committed and before the answer is sent); ``--read-timeout`` shortens
the time a client has to send a body."""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence

import uvicorn

from sfa_desktop.protocol.changes import Change
from sfa_desktop.protocol.messages import PushResult
from sfa_desktop.server import central
from sfa_desktop.server.app import build_app
from sfa_desktop.server.service import SyncService


class DyingService(SyncService):
    def __init__(self, *args: object, when: str, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.when = when

    def push(self, client_id: str, batch: Sequence[Change]) -> PushResult:
        if self.when == "before":
            self.fault = lambda point: os._exit(9) if point == "push.before_commit" else None
        result = super().push(client_id, batch)
        if self.when == "after":
            os._exit(9)  # after the commit: the answer never leaves
        return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--central", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--die-in-push", choices=("before", "after"))
    parser.add_argument("--read-timeout", type=float, default=30.0)
    args = parser.parse_args()
    engine = central.make_central_engine(args.central, pool_size=4)
    service_for = None
    if args.die_in_push:
        service_for = lambda login: DyingService(engine, login, when=args.die_in_push)  # noqa: E731
    app = build_app(engine, read_timeout=args.read_timeout, service_for=service_for)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", timeout_keep_alive=5)


if __name__ == "__main__":
    main()
