from __future__ import annotations

from collections.abc import Iterator

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail

from sfa_desktop.sync import credentials
from tests.memory_keyring import MemoryKeyring, memory_keyring


@pytest.fixture
def memory() -> Iterator[MemoryKeyring]:
    with memory_keyring() as backend:
        yield backend


URL = "postgresql://ann:secret@db.example:5432/sfa"


def test_store_get_delete_round_trip(memory: MemoryKeyring) -> None:
    assert credentials.get_password(URL, "ann") is None
    credentials.store_password(URL, "ann", "s3cret!")
    assert credentials.get_password(URL, "ann") == "s3cret!"
    assert credentials.get_password(URL, "bob") is None
    ((service, username),) = memory.items
    assert service == "sfa-desktop"
    assert username.startswith("ann@postgresql+psycopg://db.example:5432/sfa")
    assert "secret" not in username
    assert credentials.delete_password(URL, "ann") is True
    assert credentials.delete_password(URL, "ann") is False
    assert credentials.get_password(URL, "ann") is None


def test_password_in_url_does_not_change_the_key(memory: MemoryKeyring) -> None:
    credentials.store_password("postgresql://x:one@h/sfa", "ann", "pw")
    assert credentials.get_password("postgresql://h/sfa", "ann") == "pw"


@pytest.mark.parametrize(
    "backend",
    [fail.Keyring(), chainer.ChainerBackend()],  # type: ignore[no-untyped-call]
)
def test_no_usable_keyring_is_a_clear_error(backend: KeyringBackend, monkeypatch: pytest.MonkeyPatch) -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    try:
        if isinstance(backend, chainer.ChainerBackend):
            monkeypatch.setattr(chainer.ChainerBackend, "backends", [])
        for call in (
            lambda: credentials.store_password(URL, "ann", "hunter2"),
            lambda: credentials.get_password(URL, "ann"),
            lambda: credentials.delete_password(URL, "ann"),
        ):
            with pytest.raises(credentials.NoKeyring, match="No password keyring") as info:
                call()
            assert "hunter2" not in str(info.value)
    finally:
        keyring.set_keyring(previous)
