"""A change as a laptop records it in its outbox and pushes it: the central store applies it as it is."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Change:
    change_no: int
    table: str
    record_id: str
    op: str
    changes: dict[str, Any]
    user_id: str | None
    recorded_at: str

    def new_values(self) -> dict[str, Any]:
        """Column -> value after the change."""
        if self.op == "insert":
            return dict(self.changes)
        return {column: pair[1] for column, pair in self.changes.items()}
