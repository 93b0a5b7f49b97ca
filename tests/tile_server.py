"""A local map tile server for tests and screenshots: ``/{z}/{x}/{y}.png`` answers a generated 256-pixel PNG
(a pale land colour with a street-like grid, shaded by tile so edges show), never the real OpenStreetMap.

It records every request (path and headers), sends an ETag and answers ``If-None-Match`` with 304, and can
be told to fail (``status``) or to answer something that is not a PNG (``garbage``).
Run ``python tests/tile_server.py PORT`` to serve until interrupted.
"""

from __future__ import annotations

import re
import struct
import sys
import threading
import zlib
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def png(width: int, height: int, pixel: Any) -> bytes:
    """A PNG image (8-bit RGB) whose pixel (x, y) is ``pixel(x, y)`` -> (r, g, b)."""
    rows = bytearray()
    for y in range(height):
        rows.append(0)
        for x in range(width):
            rows.extend(pixel(x, y))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body))
            + kind
            + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(rows), 6))
        + chunk(b"IEND", b"")
    )


_CACHE: dict[tuple[int, int, int], bytes] = {}


def tile_png(z: int, x: int, y: int) -> bytes:
    """A tile that looks like a quiet street map: land, a grid of streets, a river-blue band on some."""
    key = (z, x, y)
    if key not in _CACHE:
        shade = 6 if (x + y) % 2 else 0
        land = (242 - shade, 239 - shade, 233 - shade)
        street = (255, 255, 255)
        water = (170, 211, 223)

        def pixel(px: int, py: int) -> tuple[int, int, int]:
            if (x * 7 + y * 3) % 5 == 0 and 100 <= (px + py) % 256 < 130:
                return water
            if px % 64 in (0, 1) or py % 64 in (0, 1):
                return street
            return land

        _CACHE[key] = png(256, 256, pixel)
    return _CACHE[key]


@dataclass
class TileServer:
    """A running server: ``url`` is its tile URL template."""

    server: ThreadingHTTPServer
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    status: int = 200
    garbage: bool = False
    max_age: int | None = 3600

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/{{z}}/{{x}}/{{y}}.png"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def start(port: int = 0) -> TileServer:
    holder: dict[str, TileServer] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state = holder["state"]
            state.requests.append((self.path, dict(self.headers.items())))
            match = re.fullmatch(r"/(\d+)/(\d+)/(\d+)\.png", self.path)
            if match is None or state.status != 200:
                self.send_response(404 if match is None else state.status)
                self.end_headers()
                return
            z, x, y = (int(g) for g in match.groups())
            etag = f'"t{z}-{x}-{y}"'
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return
            body = b"<html>proxy error</html>" if state.garbage else tile_png(z, x, y)
            self.send_response(200)
            self.send_header("Content-Type", "text/html" if state.garbage else "image/png")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("ETag", etag)
            if state.max_age is not None:
                self.send_header("Cache-Control", f"max-age={state.max_age}")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    state = TileServer(server)
    holder["state"] = state
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return state


if __name__ == "__main__":
    running = start(int(sys.argv[1]) if len(sys.argv) > 1 else 8765)
    print(running.url, flush=True)
    threading.Event().wait()
