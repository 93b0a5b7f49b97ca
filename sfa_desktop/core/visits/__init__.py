"""Visits on site (issue 16): checklist templates by segment, check-in and check-out, visit reports."""
