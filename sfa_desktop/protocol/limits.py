"""Sizes both sides of a sync agree on."""

#: Rows per pull page (and change-log entries per history page).
PULL_PAGE = 10_000
#: How far back a prime fetches a record's change history (the customer timeline), in days.
HISTORY_DAYS = 365
#: Pages a prime's answer streams at most (the laptop asks again from where it ended): an answer held whole
#: (the in-process server's) stays a few tens of MB.
PRIME_PAGES = 5
