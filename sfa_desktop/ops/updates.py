"""Is a newer SFA Desktop out?  The company publishes its newest version as a small JSON document at the
``update_url`` setting (its sync service will; until then any https address)::

    {"version": "0.2.0", "url": "https://intranet.example.com/sfa/", "notes": "optional"}

The window checks at most once a day (:func:`check_daily`: the time is kept in the ``update_check`` setting
with the newer version found, so the notice comes back at the next start) and says where to get the new
version; nothing is ever downloaded or installed.  ``sfa update-check`` checks at once (:func:`check_now`).

The fetch (:func:`fetch_offer`) uses only the standard library: a short timeout, a size limit, TLS verified
against the system's certificates and certifi's.  A check that fails (unreachable, a timeout, a document too
big or not as above) is logged at INFO and raises :class:`UpdateCheckFailed`; the window says nothing of it.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import ssl
import urllib.request
from collections.abc import Callable
from dataclasses import asdict, dataclass
from urllib.parse import urlsplit

from packaging.version import InvalidVersion, Version

from sfa_desktop import __version__
from sfa_desktop.core import settings
from sfa_desktop.core.errors import UserError
from sfa_desktop.store.database import LocalStore

log = logging.getLogger(__name__)

#: At most one check in this time (the window; ``sfa update-check`` checks whenever it is asked).
CHECK_EVERY = dt.timedelta(days=1)
#: Seconds to connect and for each read: a laptop on a train's wifi gives up quickly.
TIMEOUT = 5.0
#: The document is a few lines; anything bigger is not it.
MAX_BYTES = 16 * 1024


class UpdateCheckFailed(UserError):
    """The check could not say (the window logs it and says nothing; ``sfa update-check`` prints it)."""


@dataclass(frozen=True)
class Offer:
    """The newest version the company offers, and where to get it."""

    version: str
    url: str
    notes: str = ""

    def newer_than(self, current: str = __version__) -> bool:
        return Version(self.version) > Version(current)

    def message(self, current: str = __version__) -> str:
        return f"SFA Desktop {self.version} is available: {self.url} (you have {current})"


def _parse(raw: bytes) -> Offer:
    try:
        document = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ValueError(f"not JSON ({exc})") from None
    if not isinstance(document, dict):
        raise ValueError("not a JSON object")
    version, url, notes = document.get("version"), document.get("url"), document.get("notes", "")
    if not isinstance(version, str) or not isinstance(url, str) or not isinstance(notes, str):
        raise ValueError('"version" and "url" must be strings')
    try:
        Version(version)
    except InvalidVersion:
        raise ValueError(f"{version!r} is not a version") from None
    if urlsplit(url).scheme not in ("https", "http") or not urlsplit(url).hostname:
        raise ValueError(f"{url!r} is not a web address")  # never a file: or javascript: link in the window
    return Offer(version.strip(), url.strip(), notes.strip())


def _tls() -> ssl.SSLContext:
    """The system's certificates (a company's own authority is usually there) and certifi's (a bundle on a
    machine whose store Python cannot read)."""
    context = ssl.create_default_context()
    try:
        import certifi
    except ImportError:  # pragma: no cover - certifi comes with the packaging extra and the bundle
        return context
    context.load_verify_locations(certifi.where())
    return context


def fetch_offer(url: str, timeout: float = TIMEOUT, max_bytes: int = MAX_BYTES) -> Offer:
    """Read the document at ``url``; :class:`UpdateCheckFailed` (logged at INFO) when that fails."""
    try:
        request = urllib.request.Request(
            url, headers={"User-Agent": f"sfa-desktop/{__version__}", "Accept": "application/json"}
        )
        context = _tls() if urlsplit(url).scheme == "https" else None
        with urllib.request.urlopen(request, timeout=timeout, context=context) as response:
            length = response.headers.get("Content-Length")
            if length is not None and length.isdigit() and int(length) > max_bytes:
                raise ValueError(f"{length} bytes, more than {max_bytes}")
            raw = response.read(max_bytes + 1)
            if len(raw) > max_bytes:
                raise ValueError(f"more than {max_bytes} bytes")
        return _parse(raw)
    except (OSError, ValueError) as exc:  # URLError, timeouts and TLS errors are OSErrors
        log.info("update check at %s failed: %s", url, exc)
        raise UpdateCheckFailed(f"Could not check for a newer version at {url}: {exc}") from None


# -- what the laptop remembers ---------------------------------------------------------------------------


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _remembered(store: LocalStore) -> tuple[dt.datetime | None, Offer | None]:
    raw = settings_get(store, "update_check")
    try:
        state = json.loads(raw) if raw else {}
        checked = dt.datetime.fromisoformat(state["checked_at"]) if state.get("checked_at") else None
        offer = Offer(**state["offer"]) if state.get("offer") else None
        if offer is not None:
            Version(offer.version)
    except (ValueError, TypeError, KeyError, InvalidVersion):
        return None, None  # written by hand: check again
    if checked is not None and checked.tzinfo is None:
        checked = checked.replace(tzinfo=dt.UTC)
    return checked, offer


def settings_get(store: LocalStore, key: str) -> str:
    with store.reading() as session:
        return settings.get(session, key)


def due(store: LocalStore, now: dt.datetime | None = None) -> tuple[str, Offer | None]:
    """``(url, offer)``: the address to check now ("" when there is none or the last check is less than a
    day old) and the newer version the last check found (None when there is none newer than this one)."""
    now = now or _now()
    url = settings_get(store, "update_url")
    checked, offer = _remembered(store)
    if offer is not None and not offer.newer_than():
        offer = None
    if url and checked is not None and checked <= now < checked + CHECK_EVERY:
        url = ""  # a clock set back makes the check due
    return url, offer


def record(
    store: LocalStore, offer: Offer | None, *, failed: bool = False, now: dt.datetime | None = None
) -> Offer | None:
    """Remember that a check ran now, and what it found; the newer version to show, or None.  A failed
    check keeps what the last one found (it is still true as far as anyone knows)."""
    if failed:
        _checked, offer = _remembered(store)
    found = offer if offer is not None and offer.newer_than() else None
    state = {"checked_at": (now or _now()).isoformat(), "offer": asdict(found) if found else None}
    with store.transaction() as session:
        settings.put(session, "update_check", json.dumps(state, sort_keys=True))
    return found


def check_daily(
    store: LocalStore, now: dt.datetime | None = None, fetch: Callable[[str], Offer] = fetch_offer
) -> Offer | None:
    """The window's check in one call: the newer version to show, or None; at most one fetch a day, and
    silence when it fails."""
    url, offer = due(store, now)
    if not url:
        return offer
    try:
        return record(store, fetch(url), now=now)
    except UpdateCheckFailed:
        return record(store, None, failed=True, now=now)


def check_now(store: LocalStore, fetch: Callable[[str], Offer] = fetch_offer) -> tuple[Offer, bool]:
    """``sfa update-check``: the offer and whether it is newer than this version; :class:`UpdateCheckFailed`
    when there is no ``update_url`` or the check fails."""
    url = settings_get(store, "update_url")
    if not url:
        raise UpdateCheckFailed(
            "No update address is set; set one with 'sfa settings set update_url https://…' "
            "(your company's sync service publishes it)."
        )
    offer = fetch(url)
    record(store, offer)
    return offer, offer.newer_than()
