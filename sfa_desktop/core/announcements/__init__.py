"""Announcements from managers and the office, and their read receipts (issue 15, item 1)."""
