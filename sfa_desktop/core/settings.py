"""This laptop's preferences, kept in the local database (not synced)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from sfa_desktop.core.maps.slippy import DEFAULT_TILE_URL, check_tile_url
from sfa_desktop.core.planning import settings as plan_settings
from sfa_desktop.core.records.models import Setting
from sfa_desktop.core.reports import settings as report_settings
from sfa_desktop.core.scoring import rules as scoring_rules

#: Every setting with its default.  Reading an unknown key is a programming error.
DEFAULTS: dict[str, str] = {
    "phone_region": "US",
    "currency": "USD",
    "page_size": "A4",
    #: km or mi for the call sheet's distances; "auto": miles where the phone region drives in miles
    "distance_unit": "auto",
    "sync_interval_minutes": "15",
    #: the sync server address last typed in the sign-in dialog (remembered even when not signed in)
    "sync_server": "",
    # territory report: what each activity and each order costs (cost to serve, in the currency's units),
    # and the thresholds of its coverage and at-risk sections (see core.reports.settings)
    "cost_call": "15",
    "cost_email": "4",
    "cost_visit": "180",
    "cost_meeting": "120",
    "cost_task": "10",
    "cost_note": "0",
    "cost_order": "35",
    "report_recent_days": "30",
    "report_no_contact_days": "60",
    "report_decline_percent": "20",
    #: JSON: the lead-scoring rules (see core.scoring_rules).
    "lead_scoring_rules": scoring_rules.default_json(),
    #: Where the company publishes its newest version (issue 18): a JSON document
    #: ``{"version": "X.Y.Z", "url": "where to download", "notes": "optional"}``; empty: never checked.
    "update_url": "",
    #: JSON, written by ``ops.updates``: when the update check last ran and the newer version it found.
    "update_check": "",
    #: the map (issue 16): "on" draws OpenStreetMap tiles when online, "off" only the schematic
    "map_tiles": "on",
    #: where map tiles come from (an https URL template with {z}, {x} and {y})
    "map_tile_url": DEFAULT_TILE_URL,
    #: Attachments (visit photos and files, issue 16): the largest file accepted, and the most this laptop
    #: keeps in all, in megabytes.
    "attachment_max_file_mb": "25",
    "attachment_max_device_mb": "2048",
    #: the Calendar page's view when it opens: the last one chosen, "day" or "week"
    "calendar_view": "week",
    # the week planner (issue 16): working hours and the travel model (see core.planning.settings)
    **plan_settings.DEFAULTS,
}


def _phone_region(value: str) -> str:
    import phonenumbers  # its metadata loads on first use

    region = value.strip().upper()
    if region not in phonenumbers.SUPPORTED_REGIONS:
        raise ValueError(f"'{value}' is not a country code phonenumbers knows; use one such as US, GB or DE.")
    return region


def _minutes(value: str) -> str:
    if not value.strip().isdigit() or int(value) < 1:
        raise ValueError(f"'{value}' is not a number of minutes; use a whole number such as 15.")
    return str(int(value))


def _megabytes(value: str) -> str:
    if not value.strip().isdigit() or int(value) < 1:
        raise ValueError(f"'{value}' is not a number of megabytes; use a whole number such as 25.")
    return str(int(value))


def _page_size(value: str) -> str:
    sizes = {"a4": "A4", "letter": "Letter"}
    if value.strip().lower() not in sizes:
        raise ValueError(f"'{value}' is not a page size; use A4 or Letter.")
    return sizes[value.strip().lower()]


#: The countries that give road distances in miles (phone regions).
MILES_REGIONS = frozenset({"US", "GB", "LR", "MM", "PR", "VI", "GU", "AS", "MP", "IM", "JE", "GG"})


def _distance_unit(value: str) -> str:
    units = {"auto": "auto", "km": "km", "kilometres": "km", "kilometers": "km", "mi": "mi", "miles": "mi"}
    unit = units.get(value.strip().lower())
    if unit is None:
        raise ValueError(f"'{value}' is not a distance unit; use km, mi or auto (from the phone region).")
    return unit


def distance_unit(session: Session) -> str:
    """'km' or 'mi': the distance_unit setting, or when it is "auto", what the phone region drives in."""
    unit = get(session, "distance_unit")
    if unit in ("km", "mi"):
        return unit
    return region_unit(get(session, "phone_region"))


def region_unit(region: str) -> str:
    """The distance unit a phone region drives in: 'mi' (the US, the UK, ...) or 'km'."""
    return "mi" if region.upper() in MILES_REGIONS else "km"


def _currency(value: str) -> str:
    code = value.strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", code):
        raise ValueError(f"'{value}' is not a currency code; use three letters such as USD or EUR.")
    return code


#: The hosts an update_url may name over plain http (a test server, a proxy on this laptop).
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


def _update_url(value: str) -> str:
    url = value.strip()
    if not url:
        return ""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - a bad port raises ValueError here
    except ValueError:
        parts = urlsplit("")
    if parts.scheme == "https" and parts.hostname:
        return url
    if parts.scheme == "http" and parts.hostname in LOCAL_HOSTS:
        return url
    raise ValueError(
        f"'{value}' is not an https address; give one such as https://sync.example.com/sfa/latest.json "
        "(plain http only for localhost), or nothing for no update check."
    )


def _update_check(value: str) -> str:
    """Empty (check at the next start) or the JSON object the update check writes."""
    try:
        ok = not value.strip() or isinstance(json.loads(value), dict)
    except ValueError:
        ok = False
    if not ok:
        raise ValueError("update_check is written by the update check; set it to nothing to check again.")
    return value.strip()


def _on_off(value: str) -> str:
    answer = {
        "on": "on",
        "yes": "on",
        "true": "on",
        "1": "on",
        "off": "off",
        "no": "off",
        "false": "off",
        "0": "off",
    }
    found = answer.get(value.strip().lower())
    if found is None:
        raise ValueError(f"'{value}' is not on or off.")
    return found


def _calendar_view(value: str) -> str:
    view = value.strip().lower()
    if view not in ("day", "week"):
        raise ValueError(f"'{value}' is not a calendar view; use day or week.")
    return view


def _report(key: str) -> Callable[[str], str]:
    def check(value: str) -> str:
        return report_settings.check(key, value)

    return check


def _plan(key: str) -> Callable[[str], str]:
    def check(value: str) -> str:
        return plan_settings.check(key, value)

    return check


#: How each setting's value is checked and normalised when it is put, whoever puts it (the command line,
#: a dialog, a job); a bad value raises ValueError with a message for a person.  A setting without an
#: entry is stored as given.
VALIDATORS: dict[str, Callable[[str], str]] = {
    "phone_region": _phone_region,
    "currency": _currency,
    "page_size": _page_size,
    "distance_unit": _distance_unit,
    "sync_interval_minutes": _minutes,
    **{key: _report(key) for key in DEFAULTS if key.startswith(("cost_", "report_"))},
    "lead_scoring_rules": scoring_rules.normalize,
    "update_url": _update_url,
    "update_check": _update_check,
    "map_tiles": _on_off,
    "calendar_view": _calendar_view,
    "map_tile_url": check_tile_url,
    "attachment_max_file_mb": _megabytes,
    "attachment_max_device_mb": _megabytes,
    **{key: _plan(key) for key in plan_settings.DEFAULTS},
}


def get(session: Session, key: str) -> str:
    if key not in DEFAULTS:
        raise KeyError(f"unknown setting {key!r}")
    row = session.get(Setting, key)
    return DEFAULTS[key] if row is None else row.value


def put(session: Session, key: str, value: str) -> None:
    if key not in DEFAULTS:
        raise KeyError(f"unknown setting {key!r}; known: {', '.join(DEFAULTS)}")
    validator = VALIDATORS.get(key)
    if validator is not None:
        value = validator(value)
    row = session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value=value))
    else:
        row.value = value


def all_settings(session: Session) -> dict[str, str]:
    stored = {row.key: row.value for row in session.query(Setting)}
    return {key: stored.get(key, default) for key, default in DEFAULTS.items()}
