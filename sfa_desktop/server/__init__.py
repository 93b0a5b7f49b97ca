"""sfa-server: the sync service in front of the central store, and the central store itself (schema,
writing, applying pushes, reading pulls, administration)."""
