"""Alembic environment for the laptop's SQLite database (run by sfa_desktop.store.migrations)."""

from __future__ import annotations

from alembic import context

# The caller passes the connection and, for autogenerate, the models'
# metadata (nothing here imports the app).
connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run local migrations through sfa_desktop.store.migrations.upgrade()")

context.configure(
    connection=connection,
    target_metadata=context.config.attributes.get("target_metadata"),
    render_as_batch=True,
    transactional_ddl=True,
)
with context.begin_transaction():
    context.run_migrations()
