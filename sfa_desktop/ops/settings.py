"""This laptop's settings (Settings…, the cost and page-size dialogs, ``sfa settings``): read them, and
change several in one transaction.  Every value is checked by ``core.settings`` when it is written."""

from __future__ import annotations

from collections.abc import Mapping

from sfa_desktop.core import settings
from sfa_desktop.store.database import LocalStore


def all_settings(store: LocalStore) -> dict[str, str]:
    """Every setting with its value (the default where none was saved)."""
    with store.reading() as session:
        return settings.all_settings(session)


def get(store: LocalStore, key: str) -> str:
    with store.reading() as session:
        return settings.get(session, key)


def put(store: LocalStore, values: Mapping[str, str]) -> None:
    """Save these settings together: all of them, or none when one is refused."""
    with store.transaction() as session:
        for key, value in values.items():
            settings.put(session, key, value)
