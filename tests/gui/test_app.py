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


def test_a_settled_screenshot_shows_what_the_services_add(data_dir: Path, tmp_path: Path):
    """--settle waits for the window's services (they start a second after the first paint): the
    sidebar's counts beside the pages' names and the notification bell are in the PNG (at first paint
    they are not, on a quiet machine)."""
    with LocalStore.open(data_dir) as store:
        seed_store(store, contacts=40)
    png = tmp_path / "settled.png"
    result = run_app("--data-dir", str(data_dir), "--screenshot", str(png), "--settle", "1.5")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    image = QImage(str(png))
    # the counts: grey text right of the names, on the dark sidebar (Accounts to Opportunities)
    counts = [(x, y) for x in range(165, 205) for y in range(135, 285)]
    assert sum(80 < image.pixelColor(x, y).lightness() < 230 for x, y in counts) > 30
    # the bell: a dark outline on the light header, left of its right edge
    bell = [(x, y) for x in range(image.width() - 60, image.width() - 20) for y in range(35, 65)]
    assert sum(image.pixelColor(x, y).lightness() < 150 for x, y in bell) > 20


def test_the_window_opens_on_today_and_is_ready_once_the_agenda_shows(qtbot, runner, data_dir: Path):
    from sfa_desktop import app
    from sfa_desktop.ui.agenda_page import TodayPage
    from sfa_desktop.ui.mainwindow import MainWindow

    assert app._parse(["--data-dir", str(data_dir)]).page == "today"
    assert app._parse(["--page", "leads"]).page == "leads"
    with LocalStore.open(data_dir) as store:
        seed_store(store, contacts=5)
        window = MainWindow(store, runner, initial="today")
        qtbot.addWidget(window)
        with qtbot.waitSignal(window.ready, timeout=10_000):
            window.show()
        assert window.current_key() == "today"
        today = window.pages_by_key["today"]
        assert isinstance(today, TodayPage)
        assert today.isVisible()
        # the agenda was loaded before the window said it was ready (nothing is due in this store)
        assert today.date_label.text() != ""
        assert "Nothing due" in today.empty.text()
        # what waited for the first page: the sidebar counts
        contacts_row = window.nav_row("contacts")
        qtbot.waitUntil(lambda: window.sidebar.item(contacts_row).toolTip().startswith("5 contacts"))
        window.close()


def test_an_unknown_page_is_refused_with_the_choices(data_dir: Path, tmp_path: Path):
    result = run_app(
        "--data-dir", str(data_dir), "--page", "gantt", "--screenshot", str(tmp_path / "x.png")
    )  # (the example was 'calendar', a page since issue 16)
    assert result.returncode == 2
    assert "there is no page 'gantt'; choose one of: accounts, announcements, calendar" in result.stderr
    assert "today" in result.stderr


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
