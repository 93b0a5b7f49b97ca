"""Map tiles from OpenStreetMap (or the tile server the settings name), kept in the cache folder, as the
OSM tile usage policy asks (https://operations.osmfoundation.org/policies/tiles/):

* a User-Agent that names the application (:data:`USER_AGENT`), never a library's default;
* every tile cached on disk (``platformdirs.user_cache_dir``) for as long as the server's ``Cache-Control:
  max-age`` / ``Expires`` says, at least :data:`MIN_TTL` and at most :data:`MAX_TTL` (seven days when it
  says nothing), then revalidated with ``If-None-Match`` / ``If-Modified-Since`` (a 304 keeps the tile);
* only the tiles a person looks at, at most two requests at once (the window's loader), no bulk prefetch;
* the attribution "© OpenStreetMap contributors" shown on the map (the window does it).

Offline, or when the server fails, an expired tile is still shown (better than none); without one the
window draws its schematic.  A tile file that is not a PNG (a torn write, a proxy's error page) is removed
and fetched again.  Files are written whole then renamed, so two threads or two windows never see half a
tile.  Qt-free: the window runs :meth:`TileSource.fetch` on worker threads.
"""

from __future__ import annotations

import email.utils
import json
import os
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from sfa_desktop import __version__
from sfa_desktop.core.errors import UserError
from sfa_desktop.core.maps.slippy import DEFAULT_TILE_URL, check_tile_url

__all__ = ["DEFAULT_TILE_URL", "USER_AGENT", "TileCache", "TileSource", "TileUnavailable", "cache_folder"]

USER_AGENT = f"SFA-Desktop/{__version__} (offline-first sales force automation desktop client)"
MIN_TTL = 24 * 3600
DEFAULT_TTL = 7 * 24 * 3600
MAX_TTL = 30 * 24 * 3600
#: The cache folder is trimmed to this size (oldest tiles first) when the window opens a map.
MAX_CACHE_BYTES = 200 * 1024 * 1024
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
TIMEOUT = httpx.Timeout(10.0, connect=5.0)


class TileUnavailable(UserError):
    """A tile that could not be had (offline, the server failed, not a PNG): the window draws the
    schematic there."""


@dataclass(frozen=True)
class Cached:
    data: bytes
    expires: float
    etag: str | None
    last_modified: str | None

    def fresh(self, now: float) -> bool:
        return now < self.expires


def cache_folder() -> Path:
    """The tiles' folder in this user's cache folder."""
    import platformdirs

    return Path(platformdirs.user_cache_dir("sfa-desktop", appauthor=False)) / "tiles"


def is_png(data: bytes) -> bool:
    return len(data) > len(PNG_SIGNATURE) + 12 and data.startswith(PNG_SIGNATURE)


class TileCache:
    """Tiles on disk: ``<folder>/<server>/<z>/<x>/<y>.png`` and its ``.json`` (expiry and validators)."""

    def __init__(self, folder: Path, server: str, clock: Callable[[], float] = time.time) -> None:
        self.root = folder / _safe(server)
        self.clock = clock

    def _paths(self, z: int, x: int, y: int) -> tuple[Path, Path]:
        base = self.root / str(z) / str(x)
        return base / f"{y}.png", base / f"{y}.json"

    def get(self, z: int, x: int, y: int) -> Cached | None:
        """The cached tile, fresh or not; None when there is none or it was damaged (then removed)."""
        png, meta = self._paths(z, x, y)
        try:
            data = png.read_bytes()
        except OSError:
            return None
        try:
            facts = json.loads(meta.read_text(encoding="utf-8"))
            expires = float(facts["expires"])
            etag, modified = facts.get("etag"), facts.get("last_modified")
        except (OSError, ValueError, KeyError, TypeError):
            expires, etag, modified = 0.0, None, None  # no facts: stale, fetched again when online
        if not is_png(data):
            self.forget(z, x, y)
            return None
        return Cached(
            data,
            expires,
            etag if isinstance(etag, str) else None,
            modified if isinstance(modified, str) else None,
        )

    def put(
        self, z: int, x: int, y: int, data: bytes, ttl: float, etag: str | None, last_modified: str | None
    ) -> None:
        if not is_png(data):
            raise TileUnavailable(f"Tile {z}/{x}/{y} is not a PNG image.")
        png, _meta = self._paths(z, x, y)
        png.parent.mkdir(parents=True, exist_ok=True)
        _write_whole(png, data)
        self.touch(z, x, y, ttl, etag, last_modified)

    def touch(self, z: int, x: int, y: int, ttl: float, etag: str | None, last_modified: str | None) -> None:
        """Give a cached tile a new expiry (the server said it has not changed)."""
        _png, meta = self._paths(z, x, y)
        facts = {"expires": self.clock() + ttl, "etag": etag, "last_modified": last_modified}
        _write_whole(meta, json.dumps(facts).encode())

    def forget(self, z: int, x: int, y: int) -> None:
        for path in self._paths(z, x, y):
            path.unlink(missing_ok=True)

    def trim(self, max_bytes: int = MAX_CACHE_BYTES) -> int:
        """Remove the least recently written tiles until the folder holds at most ``max_bytes``; returns
        how many were removed."""
        files = []
        for png in self.root.rglob("*.png"):
            try:
                info = png.stat()
            except OSError:
                continue
            files.append((info.st_mtime, info.st_size, png))
        total = sum(size for _m, size, _p in files)
        removed = 0
        for _mtime, size, png in sorted(files):
            if total <= max_bytes:
                break
            png.unlink(missing_ok=True)
            png.with_suffix(".json").unlink(missing_ok=True)
            total -= size
            removed += 1
        return removed


class TileSource:
    """Tiles of one server through the cache.  Thread-safe (httpx's client is; files are renamed whole)."""

    def __init__(self, url: str, cache: TileCache, client: httpx.Client | None = None) -> None:
        check_tile_url(url)
        self.url = url
        self.cache = cache
        self.client = client or httpx.Client(
            headers={"User-Agent": USER_AGENT}, timeout=TIMEOUT, follow_redirects=True
        )
        #: Requests made to the server (tests count them).
        self.requests = 0

    def close(self) -> None:
        self.client.close()

    def fetch(self, z: int, x: int, y: int) -> bytes:
        """The tile's PNG: from the cache while fresh, else from the server (revalidated when cached);
        an expired tile when the server cannot be reached; TileUnavailable without any."""
        cached = self.cache.get(z, x, y)
        now = self.cache.clock()
        if cached is not None and cached.fresh(now):
            return cached.data
        headers = {}
        if cached is not None and cached.etag:
            headers["If-None-Match"] = cached.etag
        if cached is not None and cached.last_modified:
            headers["If-Modified-Since"] = cached.last_modified
        try:
            self.requests += 1
            response = self.client.get(self.url.format(z=z, x=x, y=y), headers=headers)
        except httpx.HTTPError as exc:
            if cached is not None:
                return cached.data
            raise TileUnavailable(f"The map server could not be reached: {exc}.") from None
        if response.status_code == 304 and cached is not None:
            self.cache.touch(z, x, y, lifetime(response.headers, now), cached.etag, cached.last_modified)
            return cached.data
        if response.status_code != 200 or not is_png(response.content):
            if cached is not None:
                return cached.data
            raise TileUnavailable(f"The map server answered {response.status_code} for tile {z}/{x}/{y}.")
        self.cache.put(
            z, x, y, response.content, lifetime(response.headers, now),
            response.headers.get("ETag"), response.headers.get("Last-Modified"),
        )  # fmt: skip
        return response.content


def lifetime(headers: httpx.Headers, now: float) -> float:
    """How long a tile stays fresh, from ``Cache-Control: max-age`` or ``Expires``, kept within
    [MIN_TTL, MAX_TTL]; DEFAULT_TTL when the server says nothing."""
    seconds: float | None = None
    match = re.search(r"max-age=(\d+)", headers.get("Cache-Control", ""))
    if match:
        seconds = float(match.group(1))
    elif headers.get("Expires"):
        try:
            when = email.utils.parsedate_to_datetime(headers["Expires"])
            seconds = when.timestamp() - now
        except (TypeError, ValueError):
            seconds = None
    if seconds is None:
        return float(DEFAULT_TTL)
    return float(max(MIN_TTL, min(MAX_TTL, seconds)))


def server_name(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.hostname}{'_' + str(parts.port) if parts.port else ''}"


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", name) or "tiles"


def _write_whole(path: Path, data: bytes) -> None:
    partial = path.with_name(f".{path.name}.{uuid.uuid4().hex}.part")
    try:
        partial.write_bytes(data)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
