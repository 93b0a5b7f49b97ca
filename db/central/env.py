"""Alembic environment for the central store (PostgreSQL or SQLite), run by sfa_desktop.sync.central."""

from __future__ import annotations

from alembic import context

from sfa_desktop.sync.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run central migrations through sfa_desktop.sync.central.init_central()")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    transactional_ddl=True,
)
with context.begin_transaction():
    context.run_migrations()
