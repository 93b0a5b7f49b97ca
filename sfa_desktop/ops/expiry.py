"""Offline expiry and the laptop's protection, for the window and the command line: where the laptop stands
against the company's limits (:func:`assess`), the lock or wipe applied at start (:func:`enforce`), and the
facts ``sfa status`` and Help > About show (:func:`protection`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sfa_desktop.core.expiry import Expiry
from sfa_desktop.store import cipher
from sfa_desktop.store.database import LocalStore
from sfa_desktop.sync import expiry, state
from sfa_desktop.sync.expiry import Enforced

__all__ = ["Enforced", "Expiry", "Protection", "assess", "enforce", "protection"]


def assess(store: LocalStore, now: datetime | None = None) -> Expiry:
    return expiry.assess(store, now)


def enforce(store: LocalStore, now: datetime | None = None) -> Enforced:
    return expiry.enforce(store, now)


@dataclass(frozen=True)
class Protection:
    """What protects this laptop's data: for ``sfa status`` and Help > About."""

    path: str
    encrypted: bool
    cipher: str
    key_kept: str
    connected_to: str | None
    login: str | None
    last_contact: str | None
    expiry: Expiry

    def lines(self) -> list[tuple[str, str]]:
        e = self.expiry
        rows = [
            ("Data file", self.path),
            ("Encryption", f"on ({self.cipher})" if self.encrypted else "OFF"),
            ("Key kept in", self.key_kept),
            (
                "Central store",
                f"{self.connected_to} as {self.login}" if self.connected_to else "not connected",
            ),
            ("Last contact", self.last_contact or "never"),
        ]
        if not e.applies:
            rows.append(
                (
                    "Offline limits",
                    f"lock after {e.lock_after} days, wipe after {e.wipe_after} days "
                    "(no clock runs until the first sync)",
                )
            )
        else:
            lock = "locked now" if e.locked else f"in {e.days_to_lock} days"
            rows.append(("Locks", f"{lock} (after {e.lock_after} days without a sync)"))
            rows.append(("Wiped", f"in {e.days_to_wipe} days (after {e.wipe_after} days without a sync)"))
        return rows


def protection(store: LocalStore, now: datetime | None = None) -> Protection:
    with store.engine.connect() as conn:
        st = state.load(conn)
        version = conn.exec_driver_sql("PRAGMA cipher_version").scalar()
    return Protection(
        path=str(store.path),
        encrypted=cipher.is_encrypted(store.path),
        cipher=f"SQLCipher {version}, AES-256" if version else "",
        key_kept=store.key.kept,
        connected_to=st.url if st.connected else None,
        login=st.login if st.connected else None,
        last_contact=st.last_sync_at,
        expiry=expiry.assess(store, now),
    )
