"""Sizes both sides of a sync agree on."""

#: Rows per pull page (and change-log entries per history page).
PULL_PAGE = 10_000
#: How far back a prime fetches a record's change history (the customer timeline), in days.
HISTORY_DAYS = 365
