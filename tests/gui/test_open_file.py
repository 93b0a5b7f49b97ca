"""``sfa-desktop FILE``: a .vcf or .csv opened with SFA Desktop (the desktop's "Open with", issue 18) opens
the window with the import dialog reading that file; nothing is imported until the person says so."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from sfa_desktop import app
from sfa_desktop.core.records.models import Contact
from sfa_desktop.store.database import LocalStore
from sfa_desktop.ui.import_dialog import ImportDialog
from sfa_desktop.ui.mainwindow import MainWindow

VCARD = """BEGIN:VCARD
VERSION:3.0
N:Okafor;Ngozi;;;
FN:Ngozi Okafor
ORG:Lagos Freight Ltd
EMAIL:ngozi@lagosfreight.example
END:VCARD
BEGIN:VCARD
VERSION:3.0
N:Lindqvist;Sven;;;
FN:Sven Lindqvist
ORG:Nordic Tools AB
END:VCARD
"""

RESOURCES = Path(__file__).resolve().parents[2] / "resources" / "sfa-desktop.desktop"


def test_the_file_argument(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert app._parse([]).file is None
    assert app._parse(["contacts.vcf"]).file == tmp_path / "contacts.vcf"  # absolute: the dialog shows where
    args = app._parse(["--data-dir", "d", "--page", "leads", "/x/leads.csv"])
    assert (args.file, args.page) == (Path("/x/leads.csv"), "leads")


@pytest.fixture
def as_the_program(qapp: QApplication) -> Iterator[None]:
    """``main`` names and styles the application: put it back for the tests that follow."""
    names = (qapp.applicationName(), qapp.applicationDisplayName(), qapp.desktopFileName())
    palette = qapp.palette()
    yield
    qapp.setStyleSheet("")
    qapp.setPalette(palette)
    qapp.setApplicationName(names[0])
    qapp.setApplicationDisplayName(names[1])
    qapp.setDesktopFileName(names[2])


@pytest.mark.usefixtures("as_the_program")
def test_starting_with_a_file_opens_the_import_dialog_on_it(qtbot, data_dir: Path, tmp_path: Path) -> None:
    """The program as the desktop starts it (``main``, in this process): the window, then the dialog at the
    preview of the file's two contacts; closing the window ends the program, nothing imported."""
    file = tmp_path / "from phone.vcf"
    file.write_text(VCARD, encoding="utf-8")
    seen: dict[str, object] = {}

    def look() -> None:
        tops = QApplication.topLevelWidgets()
        window = next((w for w in tops if isinstance(w, MainWindow) and w.isVisible()), None)
        dialogs = [w for w in tops if isinstance(w, ImportDialog) and w.isVisible()]
        if window is not None and dialogs and dialogs[0].step == 2 and not dialogs[0].busy:
            (dialog,) = dialogs
            seen.update(
                parent=dialog.parentWidget() is window,
                path=dialog.path.text(),
                counts=dialog.plan.counts() if dialog.plan is not None else None,
            )
            dialog.reject()
            window.close()
            return
        QTimer.singleShot(50, look)

    QTimer.singleShot(0, look)
    deadline = QTimer()
    deadline.setSingleShot(True)
    deadline.timeout.connect(lambda: [w.close() for w in QApplication.topLevelWidgets()])
    deadline.start(30_000)
    assert app.main(["--data-dir", str(data_dir), str(file)]) == 0
    deadline.stop()
    assert seen == {
        "parent": True,
        "path": str(file),
        "counts": {"create": 2, "update": 0, "unchanged": 0, "skip": 0, "reject": 0},
    }
    with LocalStore.open(data_dir) as store, store.reading() as session:
        assert session.query(Contact).count() == 0  # shown, not imported


def test_the_desktop_entry_offers_the_window_for_vcards_and_csv() -> None:
    entry = dict(
        line.split("=", 1) for line in RESOURCES.read_text(encoding="utf-8").splitlines() if "=" in line
    )
    assert entry["Exec"] == "sfa-desktop %f"
    assert entry["MimeType"] == "text/vcard;text/x-vcard;text/csv;"
