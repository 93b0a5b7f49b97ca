"""Deterministic demo data, written through the same services as the window."""
