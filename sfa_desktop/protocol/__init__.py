"""What the laptop and sfa-server share: the errors a sync can end in, how values travel, the integrity
digest, and a change as it is pushed."""
