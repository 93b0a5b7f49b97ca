"""Map tiles fetched off the GUI thread for the map (:mod:`sfa_desktop.ui.map_view`).

``ops.tiles.TileSource.fetch`` runs on two worker threads (OSM's tile policy asks for no more than two
connections), and the result comes back on the GUI thread by a queued signal; a tile asked for is not asked
again while it loads.  An unreachable or failing server is expected (offline): the tile is reported as
None and the map draws its schematic there; anything else is a bug and is logged with its traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial

from PySide6.QtCore import QCoreApplication, QObject, Signal

from sfa_desktop.ops import tiles as tile_ops

log = logging.getLogger(__name__)


class TileLoader(QObject):
    """Fetches tiles off the GUI thread: ``tileLoaded(url, z, x, y, data)`` (data None: unavailable)."""

    tileLoaded = Signal(str, int, int, int, object)

    def __init__(
        self, source_factory: Callable[[str], tile_ops.TileSource], parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._factory = source_factory
        self._source: tile_ops.TileSource | None = None
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="tiles")
        self._pending: set[tuple[str, int, int, int]] = set()
        app = QCoreApplication.instance()
        if app is not None:  # no fetch left running (or its connection open) when the application quits
            app.aboutToQuit.connect(self.shutdown)

    @property
    def url(self) -> str | None:
        return self._source.url if self._source is not None else None

    def use(self, url: str) -> None:
        if self._source is not None and self._source.url == url:
            return
        old, self._source = self._source, self._factory(url)
        self._pool.submit(self._source.cache.trim)  # the oldest tiles go when the cache grew too large
        if old is not None:
            self._pool.submit(old.close)

    def request(self, z: int, x: int, y: int) -> None:
        source = self._source
        if source is None:
            return
        key = (source.url, z, x, y)
        if key in self._pending:
            return
        self._pending.add(key)
        future = self._pool.submit(source.fetch, z, x, y)
        future.add_done_callback(partial(self._done, key))

    def _done(self, key: tuple[str, int, int, int], future: Future[bytes]) -> None:
        """On the worker thread: hand the result to the GUI thread (the signal is queued)."""
        data: bytes | None = None
        if not future.cancelled():
            error = future.exception()
            if error is None:
                data = future.result()
            elif not isinstance(error, tile_ops.TileUnavailable | OSError):
                log.error("Fetching tile %s failed", key[1:], exc_info=error)
        self.tileLoaded.emit(*key, data)

    def forget(self, key: tuple[str, int, int, int]) -> None:
        self._pending.discard(key)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        if self._source is not None:
            self._source.close()
            self._source = None
