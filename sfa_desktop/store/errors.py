"""The store's error: the local database cannot be used (a module of its own, below ``store.database`` and
``store.migrations``, which both raise it)."""

from __future__ import annotations

from sfa_desktop.core.errors import UserError


class StoreError(UserError):
    """The local database cannot be used; the message is for a person."""
