"""The laptop's SQLite file: opening and migrating it (``database``, ``migrations``: the frozen Alembic
migrations under ``db/local``), change capture into the outbox by triggers (``capture``: the outbox's only
owner; everything else asks its API), the search indexes (``search``, ``kb_search``), and the list queries
with their filters (``lists``, ``list_spec``, ``filters``, ``saved_filters``).  Imports ``core`` only."""
