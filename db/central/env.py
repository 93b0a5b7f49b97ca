"""Alembic environment for the central store (PostgreSQL or SQLite), run by sfa_desktop.server.central."""

from __future__ import annotations

from alembic import context

# The caller passes the connection and, for autogenerate, the central schema's
# metadata (nothing here imports the app).
connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run central migrations through sfa_desktop.server.central.init_central()")

context.configure(
    connection=connection,
    target_metadata=context.config.attributes.get("target_metadata"),
    render_as_batch=connection.dialect.name == "sqlite",
    transactional_ddl=True,
)
with context.begin_transaction():
    context.run_migrations()
