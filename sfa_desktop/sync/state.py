"""What a laptop remembers about its sync: who it is, where the central store is, how far it has pulled."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from sqlalchemy import Connection, text

from sfa_desktop.core.expiry import DEFAULT_LOCK_DAYS, DEFAULT_WIPE_DAYS


@dataclass
class SyncState:
    client_id: str | None = None
    url: str | None = None  # without password
    #: the company certificate authority the sync server's certificate is checked against (--ca-file)
    ca_file: str | None = None
    login: str | None = None
    user_id: str | None = None
    cursor: int = 0
    visible: list[str] = field(default_factory=list)
    #: A manager's team when the laptop last pulled (whose leads without a territory it holds).
    team: list[str] = field(default_factory=list)
    #: What decided the announcements the laptop received (``engine.audience_reach``) when it last pulled.
    audience: str | None = None
    last_sync_at: str | None = None
    last_error: str | None = None
    #: When the last sync failed, and how: sign-in (expired or refused), unreachable, failed (see
    #: ``ops.sync.sync_now``; the notification centre tells the user).  Cleared by a good sync.
    last_error_at: str | None = None
    last_error_kind: str | None = None
    #: The id slice the next integrity check covers (see ``digest``).
    verify_slice: int = 0
    #: Slices whose integrity check passed and whose rows have not changed since, on either side (their
    #: check stands: see ``SyncEngine._verify``), as of the cursor ``verified_at``.
    verified: list[int] = field(default_factory=list)
    verified_at: int = 0
    #: The central store's last tombstone purge cut-off that this laptop applied to its own tombstones.
    purged_before: str | None = None
    #: The company's offline limits (days without a successful sync): the data locks, then is wiped (see
    #: ``core.expiry``); the central store sends them with a sync.
    lock_after_days: int = DEFAULT_LOCK_DAYS
    wipe_after_days: int = DEFAULT_WIPE_DAYS

    @property
    def connected(self) -> bool:
        return bool(self.url and self.login and self.client_id)


_KEYS = (
    "client_id",
    "url",
    "ca_file",
    "login",
    "user_id",
    "cursor",
    "visible",
    "team",
    "audience",
    "last_sync_at",
    "last_error",
    "last_error_at",
    "last_error_kind",
    "verify_slice",
    "purged_before",
    "lock_after_days",
    "wipe_after_days",
    "verified",
    "verified_at",
)
_INTS = ("cursor", "verify_slice", "lock_after_days", "wipe_after_days", "verified_at")
_LISTS = ("visible", "team", "verified")


def load(conn: Connection) -> SyncState:
    values: dict[str, str] = {
        row[0]: row[1] for row in conn.execute(text("SELECT key, value FROM sync_state"))
    }
    state = SyncState()
    for key in _KEYS:
        if key not in values:
            continue
        raw = values[key]
        if key in _INTS:
            setattr(state, key, int(raw))
        elif key in _LISTS:
            setattr(state, key, list(json.loads(raw)))
        else:
            setattr(state, key, raw)
    return state


def note_failure(conn: Connection, message: str, kind: str, at: str) -> None:
    """Remember the last sync's failure (``kind``: sign-in, unreachable, failed) in the caller's
    transaction."""
    current = load(conn)
    current.last_error, current.last_error_kind, current.last_error_at = message, kind, at
    save(conn, current, "last_error", "last_error_kind", "last_error_at")


def save(conn: Connection, state: SyncState, *keys: str) -> None:
    """Write the given keys (all when none given) in the caller's transaction."""
    for key in keys or _KEYS:
        value = getattr(state, key)
        if value is None:
            conn.execute(text("DELETE FROM sync_state WHERE key = :k"), {"k": key})
            continue
        raw = json.dumps(value) if key in _LISTS else str(value)
        conn.execute(
            text(
                "INSERT INTO sync_state (key, value) VALUES (:k, :v) "
                "ON CONFLICT (key) DO UPDATE SET value = :v"
            ),
            {"k": key, "v": raw},
        )
