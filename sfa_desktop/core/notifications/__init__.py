"""The notification centre's domain: what a user is told (events from sources), the laptop's list of them and
the user's synced read state (issue 15, items 3 and 4)."""
