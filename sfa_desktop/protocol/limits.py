"""Sizes both sides of a sync agree on."""

#: Rows per pull page (and change-log entries per history page).
PULL_PAGE = 10_000
#: How far back a prime fetches a record's change history (the customer timeline), in days.
HISTORY_DAYS = 365
#: Pages a prime's answer streams at most when the laptop's transport holds answers whole (the in-process
#: server): it asks again from where an answer ended, and an answer stays a few tens of MB.
PRIME_PAGES = 5
