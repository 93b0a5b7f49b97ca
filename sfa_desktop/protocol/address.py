"""Where the central store is, as a person types it and as the laptop keeps it (never with a password)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import URL, make_url

from sfa_desktop.protocol.errors import CentralError


def normalize_url(url: str) -> URL:
    """Accept what a person types: ``postgresql://...``, a path to a SQLite file, or a SQLAlchemy URL."""
    if "://" not in url:
        return make_url(f"sqlite:///{Path(url).expanduser().resolve()}")
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.drivername not in ("postgresql+psycopg", "sqlite", "sqlite+pysqlite"):
        raise CentralError(
            f"Unsupported central store '{parsed.drivername}': use postgresql://... or a SQLite file."
        )
    return parsed


def safe_url(url: URL | str) -> str:
    """The URL without its password, for messages and logs."""
    return (url if isinstance(url, URL) else make_url(url)).render_as_string(hide_password=True)
