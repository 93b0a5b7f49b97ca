"""The records every feature shares: ORM models, field specs, validation and the write services."""
