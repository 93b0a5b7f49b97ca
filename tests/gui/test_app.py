"""``sfa-desktop`` as a program: the screenshot mode and refusing a bad data file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtGui import QImage

from sfa_desktop.store.database import DB_FILENAME, LocalStore
from tests.gui.conftest import seed_store

_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def run_app(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from sfa_desktop.app import main; sys.exit(main(sys.argv[1:]))",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )


def test_screenshot_writes_a_png_of_the_window(data_dir: Path, tmp_path: Path):
    with LocalStore.open(data_dir) as store:
        seed_store(store, contacts=120)
    png = tmp_path / "window.png"
    result = run_app("--data-dir", str(data_dir), "--screenshot", str(png))
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # no Qt warnings either
    assert png.read_bytes()[:8] == _PNG_MAGIC
    image = QImage(str(png))
    assert image.width() >= 1000
    assert image.height() >= 640
    # not a blank image: the sidebar is dark and the list is light
    assert image.pixelColor(20, image.height() // 2).lightness() < 80
    assert image.pixelColor(image.width() // 3, image.height() // 2).lightness() > 200


def test_corrupt_data_file_is_refused_and_left_untouched(data_dir: Path, tmp_path: Path):
    path = data_dir / DB_FILENAME
    garbage = b"these are not the bytes of a database\n" * 100
    path.write_bytes(garbage)
    png = tmp_path / "window.png"
    result = run_app("--data-dir", str(data_dir), "--screenshot", str(png))
    assert result.returncode == 1
    assert "not an SFA Desktop data file" in result.stderr
    assert path.read_bytes() == garbage
    assert sorted(p.name for p in data_dir.iterdir()) == [DB_FILENAME]
    assert not png.exists()


def test_unwritable_screenshot_path_exits_1(data_dir: Path, tmp_path: Path):
    result = run_app("--data-dir", str(data_dir), "--screenshot", str(tmp_path / "missing" / "x.png"))
    assert result.returncode == 1
    assert "does not exist" in result.stderr
