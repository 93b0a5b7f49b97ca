"""The other end of a plain copy over HTTP, for ``bench_attachments``: the floor its upload is measured
against.  Not a test.

    python tests/perf/copy_server.py --listen 127.0.0.1:PORT --folder DIR

``PUT /NAME`` writes the body to ``DIR/NAME`` as it arrives (no sign-in, no hash, no database: what ``cp``
or ``curl -T`` to a WebDAV folder does) and answers 201; ``PUT /NAME?flush=1`` also flushes the file and
the folder to the disk before it answers (as ``rsync --fsync`` does: a copy that survives a power cut, the
guarantee the sync service gives a photo before it says "complete").  It runs on uvicorn with the same
HTTP settings as ``sfa-server`` (``server.main``), so that the two differ by what the sync service does with
the bytes, not by how they travel.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sfa_desktop.server.main import KEEP_ALIVE_SECONDS, MAX_HEAD_BYTES, _listen  # noqa: E402


def make_app(folder: Path) -> Any:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        name = scope["path"].strip("/")
        status = 405
        if scope["method"] == "PUT" and name and "/" not in name and not name.startswith("."):
            with (folder / name).open("wb") as fh:
                more = True
                while more:
                    message = await receive()
                    fh.write(message.get("body", b""))
                    more = message.get("more_body", False)
                if scope["query_string"] == b"flush=1":
                    fh.flush()
                    os.fsync(fh.fileno())
            if scope["query_string"] == b"flush=1":
                fd = os.open(folder, os.O_RDONLY)
                try:
                    os.fsync(fd)
                finally:
                    os.close(fd)
            status = 201
        await send({"type": "http.response.start", "status": status, "headers": [(b"content-length", b"0")]})
        await send({"type": "http.response.body", "body": b""})

    return app


def main() -> int:
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listen", type=_listen, required=True)
    parser.add_argument("--folder", type=Path, required=True)
    args = parser.parse_args()
    host, port = args.listen
    args.folder.mkdir(parents=True, exist_ok=True)
    uvicorn.run(
        make_app(args.folder),
        host=host,
        port=port,
        server_header=False,
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
        h11_max_incomplete_event_size=MAX_HEAD_BYTES,
        log_level="warning",
        access_log=False,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
