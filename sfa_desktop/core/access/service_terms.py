"""An account's service terms (issue 16): its segment, whose service level applies, and its own visit
frequency are a manager's choice."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sfa_desktop.core.access.identity import Who

#: Account fields that are a manager's choice (issue 16): the segment whose service level applies and the
#: account's own visit frequency.  Reps see them and plan by them; managers and admins set them.
MANAGER_ACCOUNT_FIELDS = ("segment", "visit_min_days", "visit_max_days")


def may_set_service_terms(who: Who) -> bool:
    """May the user set an account's segment and own visit frequency?  Managers and admins."""
    return who is None or who.is_admin or who.is_manager


def _changes_service_terms(table: str, current: Mapping[str, Any] | None, new: Mapping[str, Any]) -> bool:
    if table != "accounts":
        return False
    return any(
        name in new and new[name] != (current.get(name) if current is not None else None)
        for name in MANAGER_ACCOUNT_FIELDS
    )
