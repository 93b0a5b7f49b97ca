"""Fixtures shared by every test: Qt offscreen, a fresh local store per test."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.pop("SFA_DATA_DIR", None)

from sfa_desktop.store.database import LocalStore


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    return folder


@pytest.fixture
def store(data_dir: Path) -> Iterator[LocalStore]:
    local = LocalStore.open(data_dir)
    yield local
    local.close()
