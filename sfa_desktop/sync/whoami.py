"""Compatibility: the defaults of records made here are ``core.access.record_defaults``."""

from __future__ import annotations

from sfa_desktop.core.access import record_defaults

__all__ = ["record_defaults"]
