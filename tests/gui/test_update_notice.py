"""The window's notice of a newer version (issue 18): the status bar says it, with a link; never a dialog,
never a download; the same or an older version, and a failed check, show nothing."""

from __future__ import annotations

import sfa_desktop
from sfa_desktop.ops import settings as settings_ops
from sfa_desktop.store.database import LocalStore
from sfa_desktop.ui import extensions
from sfa_desktop.ui.mainwindow import MainWindow
from sfa_desktop.ui.update_notice import UpdateNotice, install_update_notice
from tests.update_server import Publisher, serve_updates  # noqa: F401 - the fixture "publisher"

CURRENT = sfa_desktop.__version__


def _window(qtbot, store: LocalStore, runner) -> MainWindow:
    window = MainWindow(store, runner, initial="contacts")
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.sections["contacts"].model.is_loaded, timeout=10_000)
    return window


def _checked(qtbot, notice: UpdateNotice) -> object:
    with qtbot.waitSignal(notice.offered, timeout=10_000) as blocker:
        notice.check()
    return blocker.args[0]


def test_a_newer_version_shows_in_the_status_bar(qtbot, store, runner, publisher: Publisher) -> None:
    settings_ops.put(store, {"update_url": publisher.url})
    publisher.offers("0.2.0", url="https://intranet.example.com/sfa/", notes="Faster sync.")
    window = _window(qtbot, store, runner)
    assert "sfa_desktop.ui.update_notice:install_update_notice" in extensions.SERVICES
    notice = install_update_notice(window)
    window.services.append(notice)  # stopped with the window
    label = notice.label
    assert label.isHidden()  # nothing before the check
    assert _checked(qtbot, notice) is not None
    assert label.isVisible()
    assert label.text() == (
        'SFA Desktop 0.2.0 is available: <a href="https://intranet.example.com/sfa/">'
        f"https://intranet.example.com/sfa/</a> (you have {CURRENT})"
    )
    assert label.openExternalLinks()  # the browser opens it; nothing is downloaded here
    assert "Faster sync." in label.toolTip()
    assert window.statusBar().isAncestorOf(label)
    # another check within the day: no request, the notice stays
    assert _checked(qtbot, notice) is not None
    assert label.isVisible()
    assert publisher.requests == 1
    window.close()


def test_the_same_version_or_a_failed_check_shows_nothing(qtbot, store, runner, publisher: Publisher) -> None:
    settings_ops.put(store, {"update_url": publisher.url})
    publisher.offers(CURRENT)
    window = _window(qtbot, store, runner)
    notice = UpdateNotice(window)
    window.services.append(notice)
    assert _checked(qtbot, notice) is None
    assert notice.label.isHidden()
    settings_ops.put(store, {"update_check": ""})  # as if a day had passed
    publisher.body = b"<html>Sign in to the hotel wifi</html>"
    assert _checked(qtbot, notice) is None
    assert notice.label.isHidden()
    assert publisher.requests == 2
    window.close()


def test_a_long_download_address_is_shortened(qtbot, store, runner, publisher: Publisher) -> None:
    settings_ops.put(store, {"update_url": publisher.url})
    long_url = "https://intranet.example.com/software/sales/sfa-desktop/releases/0.2.0/"
    publisher.offers("0.2.0", url=long_url)
    window = _window(qtbot, store, runner)
    notice = UpdateNotice(window)
    window.services.append(notice)
    _checked(qtbot, notice)
    assert f'href="{long_url}"' in notice.label.text()
    assert "https://intranet.example.com/software/sales/sfa…</a>" in notice.label.text()
    assert long_url in notice.label.toolTip()
    window.close()
