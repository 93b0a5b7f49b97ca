"""Fixtures shared by every test: Qt offscreen, a fresh local store per test."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.pop("SFA_DATA_DIR", None)
#: Every store the tests open is encrypted with this fixed key (no keyring needed, no key derivation, and
#: the subprocesses the tests start inherit it); the tests of the keyring and passphrase paths unset it.
TEST_DATABASE_KEY = "5fa0" * 16
os.environ["SFA_DATABASE_KEY"] = TEST_DATABASE_KEY
os.environ["SFA_DATABASE_KEY_FOR_TESTS"] = "1"  # without it the key in the environment is refused
os.environ.pop("SFA_PASSPHRASE", None)

from sfa_desktop.store.database import LocalStore  # noqa: E402
from tests.fresh_store import open_fresh_store  # noqa: E402


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    return folder


@pytest.fixture
def store(data_dir: Path) -> Iterator[LocalStore]:
    local = open_fresh_store(data_dir)  # a copy of a new store made once per process (see fresh_store)
    yield local
    local.close()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The long tests run first: the slow ones (state machines, fuzzers, soaks: 10-40 s each), then
    tests/integration (a central store and laptops that sync: seconds each, its soak 15-20 s), then the rest
    in the order collected.  With ``-n 2`` the workers take tests in this order; with the long ones last
    (tests/integration's soak and machines came late), one long test could start when the other worker had
    nothing left, and the run waited for it alone.  Only the order changes: every test runs, and none
    depends on another."""

    def rank(item: pytest.Item) -> int:
        if item.get_closest_marker("slow") is not None:
            return 0
        return 1 if "integration" in item.nodeid.split("/")[:2] else 2

    items.sort(key=rank)
