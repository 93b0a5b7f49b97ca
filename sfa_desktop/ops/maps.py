"""The Map page's use cases: the map of a rep's day (``core.maps.day``), the tile settings, and the tile
source over the cache folder (``ops.tiles``).

The due state and the segment of each account come from the service levels (``core.service_levels``)
through :data:`DUE_STATE` and :data:`SEGMENTS`, the functions ``core.maps.day`` takes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from sfa_desktop.core import access, service_levels, settings
from sfa_desktop.core.maps import day as day_map
from sfa_desktop.core.maps.day import DayMap, DueState, Segments
from sfa_desktop.ops import tiles
from sfa_desktop.store.database import LocalStore

#: The map's words for the service levels' due states ("later": visited recently enough).
_MAP_STATES = {service_levels.OVERDUE: "overdue", service_levels.DUE: "due", service_levels.LATER: "ok"}


def due_state(session: Session, account_id: str) -> str:
    """The account's visit state in the map's words; the states of all accounts are read in one query, the
    first time the session asks (the map asks once per account)."""
    states = session.info.get("sfa_visit_states")
    if states is None:
        states = {i: _MAP_STATES[v.state] for i, v in service_levels.visits_due(session).items()}
        session.info["sfa_visit_states"] = states
    return str(states.get(account_id, "unknown"))


DUE_STATE: DueState = due_state
SEGMENTS: Segments = service_levels.segments_of


def load_day(
    store: LocalStore,
    day: dt.date,
    tz: dt.tzinfo,
    rep_id: str | None = None,
    *,
    due_state: DueState | None = None,
    segments: Segments | None = None,
) -> DayMap:
    """The map of ``day``: the route of ``rep_id`` (default: this laptop's user; none when the laptop does
    not know its user) and every account with coordinates."""
    with store.reading() as session:
        if rep_id is None:
            me = access.this_user(session.connection())
            rep_id = me.user_id if me is not None and me.user_id else None
        unit = settings.distance_unit(session)
        result = day_map.day_map(
            session, rep_id, day, tz=tz, due_state=due_state or DUE_STATE, segments=segments or SEGMENTS
        )
    result.unit = unit
    return result


@dataclass(frozen=True)
class TileSettings:
    enabled: bool
    url: str


def tile_settings(store: LocalStore) -> TileSettings:
    with store.reading() as session:
        return TileSettings(settings.get(session, "map_tiles") == "on", settings.get(session, "map_tile_url"))


def set_tiles(store: LocalStore, enabled: bool) -> None:
    with store.transaction() as session:
        settings.put(session, "map_tiles", "on" if enabled else "off")


def tile_source(url: str, folder: Path | None = None) -> tiles.TileSource:
    """Tiles of ``url`` through the cache (the user's cache folder unless ``folder``); the window's loader
    trims the cache on its worker thread (``TileCache.trim``)."""
    return tiles.TileSource(url, tiles.TileCache(folder or tiles.cache_folder(), tiles.server_name(url)))
