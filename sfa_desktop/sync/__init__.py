"""Sync with the central store: the protocol on the laptop (``engine``: push, pull and verify; ``replica``:
how a pull writes the laptop's copy; ``pull_queries``), on the central store (``apply``, ``scope``:
what each user may receive, from ``core.access``; ``merges``), the central store itself (``central``,
``schema``, ``admin*``, ``sales_import``, ``kb_import``), conflicts (``conflicts``), the periodic job
(``scheduler``), the OS keyring (``credentials``) and the demo's central store (``demo``).
Imports ``store`` and ``core``, never Qt."""
