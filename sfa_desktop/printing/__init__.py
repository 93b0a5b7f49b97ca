"""Printed documents (reportlab): call sheets, territory reports.  Imports ``core`` only, never Qt."""
