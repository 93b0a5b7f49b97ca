"""SFA Desktop: offline-first sales force automation."""

__version__ = "0.1.0"
