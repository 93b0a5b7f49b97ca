"""Attachments' bytes on the laptop: stored once per content (SHA-256), encrypted at rest, removed by a wipe.

The records (``attachments`` rows) live in the SQLCipher database; their bytes would make it huge, so they
live in files of the data folder, ``attachments/ab/abcdef...`` by hash, each encrypted with AES-256-GCM
(``cryptography``) under a key derived (HKDF-SHA256) from the database's own key: whoever cannot open the
database cannot read a photo either, there is no second secret to keep or lose, and a data folder copied
elsewhere stays closed.  The hash is bound to each file as associated data, so a file swapped for another's
fails to open.  The same content attached twice (or to two records) is one file.

A file is written to a temporary name and renamed into place (never half-written under its hash); a wipe
(:func:`ContentStore.wipe`) overwrites every file and removes the folder.  The limits (largest file, most
kept on this laptop) are the settings ``attachment_max_file_mb`` and ``attachment_max_device_mb``.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from sfa_desktop.core.errors import UserError
from sfa_desktop.store import cipher

FOLDER = "attachments"
_MAGIC = b"SFA-ATT1"
_NONCE = 12
_TAG = 16
#: Bytes a stored file has beyond its content.
OVERHEAD = len(_MAGIC) + _NONCE + _TAG
_HASH = re.compile(r"^[0-9a-f]{64}$")
MB = 1024 * 1024


class AttachmentProblem(UserError):
    """An attachment that cannot be added or read (too large, the laptop's space for them is used up, a
    damaged file): the message says what to do."""


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def check_hash(sha: str) -> str:
    if not _HASH.match(sha):
        raise AttachmentProblem(f"'{sha}' is not a content hash (64 hexadecimal digits).")
    return sha


def derive_key(database_key: bytes) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"sfa-desktop attachments", info=b"aes-256-gcm v1"
    ).derive(database_key)


def check_limits(
    size: int, used: int, max_file_mb: int | None, max_device_mb: int, name: str = "The file"
) -> None:
    """Refuse a file above the per-file limit (None: none), or one that would take this laptop past its
    limit."""
    if max_file_mb is not None and size > max_file_mb * MB:
        raise AttachmentProblem(
            f"{name} is {size / MB:.1f} MB; attachments may be at most {max_file_mb} MB each (setting "
            "attachment_max_file_mb). Make the photo smaller or attach a smaller file."
        )
    if used + size > max_device_mb * MB:
        raise AttachmentProblem(
            f"{name} ({size / MB:.1f} MB) does not fit: attachments on this laptop already take "
            f"{used / MB:.0f} MB of the {max_device_mb} MB allowed (setting attachment_max_device_mb). "
            "Sync so that uploaded attachments can be let go, or ask for a larger limit."
        )


class ContentStore:
    """The encrypted, content-addressed files of one data folder."""

    def __init__(self, data_dir: Path, database_key: bytes) -> None:
        self.root = data_dir / FOLDER
        self._aead = AESGCM(derive_key(database_key))

    @classmethod
    def of(cls, store_path: Path, key: cipher.Key) -> ContentStore:
        """The content store beside a local database file."""
        return cls(store_path.parent, key.raw)

    def path(self, sha: str) -> Path:
        check_hash(sha)
        return self.root / sha[:2] / sha

    def has(self, sha: str) -> bool:
        return self.path(sha).is_file()

    def put(self, data: bytes, sha: str | None = None) -> str:
        """Keep ``data`` (encrypted) under its hash; returns the hash.  Already there: nothing is written.
        ``sha``: the hash it must have (bytes fetched from the central store), checked."""
        actual = sha256_of(data)
        if sha is not None and actual != sha:
            raise AttachmentProblem(
                "The attachment's bytes do not match their hash (damaged on the way); fetch it again."
            )
        target = self.path(actual)
        if target.is_file():
            return actual
        target.parent.mkdir(parents=True, exist_ok=True)
        nonce = secrets.token_bytes(_NONCE)
        sealed = _MAGIC + nonce + self._aead.encrypt(nonce, data, actual.encode("ascii"))
        temporary = target.with_name(f".{actual}.{secrets.token_hex(4)}.part")
        with temporary.open("wb") as fh:
            fh.write(sealed)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(temporary, target)
        return actual

    def get(self, sha: str, *, verify: bool = True) -> bytes:
        """The content, decrypted (the cipher's tag proves it is what was stored under this hash) and, with
        ``verify``, hashed again."""
        path = self.path(sha)
        try:
            sealed = path.read_bytes()
        except FileNotFoundError:
            raise AttachmentProblem(
                "This attachment's bytes are not on this laptop yet; sync (or fetch it) to get them."
            ) from None
        if not sealed.startswith(_MAGIC) or len(sealed) < OVERHEAD:
            raise AttachmentProblem(f"The attachment file {path.name} is damaged; fetch it again.")
        nonce = sealed[len(_MAGIC) : len(_MAGIC) + _NONCE]
        try:
            # a view of the sealed bytes, not a copy of them (a photo is megabytes)
            data = self._aead.decrypt(nonce, memoryview(sealed)[len(_MAGIC) + _NONCE :], sha.encode("ascii"))
        except InvalidTag:
            raise AttachmentProblem(
                f"The attachment file {path.name} cannot be opened with this laptop's key (damaged, or "
                "copied from another data folder); fetch it again."
            ) from None
        if verify and sha256_of(data) != sha:
            raise AttachmentProblem(f"The attachment file {path.name} is damaged; fetch it again.")
        return data

    def hashes(self) -> Iterator[str]:
        if not self.root.is_dir():
            return
        for sub in self.root.iterdir():
            if sub.is_dir():
                for entry in sub.iterdir():
                    if _HASH.match(entry.name):
                        yield entry.name

    def used_bytes(self) -> int:
        """The content kept here, in bytes (what the per-laptop limit counts)."""
        total = 0
        for sha in self.hashes():
            try:
                total += max(self.path(sha).stat().st_size - OVERHEAD, 0)
            except FileNotFoundError:
                continue
        return total

    def remove(self, sha: str) -> None:
        cipher.shred(self.path(sha))

    def wipe(self) -> None:
        """Overwrite and remove every stored file (and the folder): a wiped laptop keeps no attachment."""
        if not self.root.exists():
            return
        for path in sorted(self.root.rglob("*")):
            if path.is_file():
                cipher.shred(path)
        shutil.rmtree(self.root, ignore_errors=True)
