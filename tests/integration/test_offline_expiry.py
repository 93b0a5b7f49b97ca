"""Offline expiry (issue 17, item 3) and ``sfa status`` (item 5): a laptop that has not synced for longer than
the company allows locks its data until the next successful sync, and past a second limit wipes it; the rep
is warned days ahead."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from sfa_desktop import cli
from sfa_desktop.core import expiry as rules
from sfa_desktop.core.records import services
from sfa_desktop.core.records.models import utcnow
from sfa_desktop.server import admin, central
from sfa_desktop.store.database import DB_FILENAME, LocalStore
from sfa_desktop.sync import expiry, state


@pytest.fixture
def central_file(tmp_path: Path) -> Path:
    path = tmp_path / "central" / "central.sqlite3"
    path.parent.mkdir()
    engine = central.make_central_engine(str(path))
    central.init_central(engine)
    with central.central_transaction(engine) as cc:
        w = central.Writer(cc, login="admin")
        admin.add_user(w, "admin", role="admin")
        admin.add_territory(w, "NE", "New England")
        admin.add_user(w, "ann", territories=("NE",))
    engine.dispose()
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def synced_laptop(capsys: pytest.CaptureFixture[str], folder: Path, central_file: Path) -> None:
    code, _out, err = run(capsys, "connect", str(central_file), "--user", "ann", "--data-dir", str(folder))
    assert code == 0, err
    code, _out, err = run(capsys, "sync", "--data-dir", str(folder))
    assert code == 0, err
    with LocalStore.open(folder) as store:
        with store.engine.connect() as conn:
            ne = conn.execute(text("SELECT id FROM territories WHERE code = 'NE'")).scalar()
        with store.transaction() as session:
            services.create(session, "accounts", {"name": "Quillfeather Holdings", "territory_id": ne})
    code, _out, err = run(capsys, "sync", "--data-dir", str(folder))
    assert code == 0, err


def last_synced(folder: Path, days_ago: float, *, lock: int | None = None, wipe: int | None = None) -> None:
    with LocalStore.open(folder) as store, store.engine.begin() as conn:
        st = state.load(conn)
        st.last_sync_at = (utcnow() - timedelta(days=days_ago)).isoformat(timespec="seconds")
        st.lock_after_days = lock or st.lock_after_days
        st.wipe_after_days = wipe or st.wipe_after_days
        state.save(conn, st)


def accounts(folder: Path) -> int:
    with LocalStore.open(folder) as store, store.engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM accounts")).scalar() or 0)


def test_the_rules() -> None:
    now = utcnow()
    never = rules.assess(None, now)
    assert not never.applies
    assert not never.locked
    assert never.warning is None
    fresh = rules.assess((now - timedelta(days=2)).isoformat(), now)
    assert (fresh.days_to_lock, fresh.days_to_wipe, fresh.locked, fresh.warning) == (28, 58, False, None)
    soon = rules.assess((now - timedelta(days=25, hours=1)).isoformat(), now)
    assert soon.warning == "Sync within 5 days or this laptop's data locks (after 30 days without a sync)."
    assert rules.assess((now - timedelta(days=29, hours=1)).isoformat(), now).warning is not None
    locked = rules.assess((now - timedelta(days=30, minutes=1)).isoformat(), now)
    assert locked.locked
    assert not locked.wipe_due
    assert locked.warning is None
    assert locked.locked_message.startswith("Not synced for 30 days: this laptop's data is locked")
    assert "sync to unlock" in locked.locked_message
    gone = rules.assess((now - timedelta(days=60)).isoformat(), now)
    assert gone.wipe_due
    # the company's own limits; a wipe limit below the lock limit is the lock limit
    assert rules.assess((now - timedelta(days=8)).isoformat(), now, 7, 3).wipe_due


def test_locked_after_the_limit_and_unlocked_by_a_sync(
    tmp_path: Path, central_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "ann"
    synced_laptop(capsys, folder, central_file)
    assert accounts(folder) == 1
    last_synced(folder, 31)
    for command in (("contacts", "list"), ("search", "Quill"), ("accounts", "list")):
        code, out, err = run(capsys, *command, "--data-dir", str(folder))
        assert code == 1, command
        assert err.startswith("sfa: error: Not synced for 31 days: this laptop's data is locked")
        assert "Sign in / sync to unlock" in err
        assert "Quillfeather" not in out + err
    # status and sync still run; the sync unlocks
    code, out, _err = run(capsys, "status", "--data-dir", str(folder))
    assert code == 0
    assert "locked now" in out
    code, out, err = run(capsys, "sync", "--data-dir", str(folder))
    assert code == 0, err
    code, out, err = run(capsys, "accounts", "list", "--data-dir", str(folder))
    assert code == 0, err
    assert "Quillfeather" in out


def test_wiped_after_the_second_limit(
    tmp_path: Path, central_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "ann"
    synced_laptop(capsys, folder, central_file)
    last_synced(folder, 11, lock=5, wipe=10)
    code, _out, err = run(capsys, "accounts", "list", "--data-dir", str(folder))
    assert code == 1
    assert (
        "Not synced for 11 days (the company allows 10 days): the synced data on this laptop was wiped" in err
    )
    assert accounts(folder) == 0
    with LocalStore.open(folder) as store:
        assert not expiry.assess(store).applies  # disconnected: signing in again brings the data back
    assert b"Quillfeather" not in (folder / DB_FILENAME).read_bytes()


def test_warned_days_ahead_and_status(
    tmp_path: Path, central_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "ann"
    code, out, _err = run(capsys, "status", "--data-dir", str(tmp_path / "new"))
    assert code == 1  # no data yet: status does not create any
    code, out, _err = run(capsys, "init", "--data-dir", str(folder))
    code, out, _err = run(capsys, "status", "--data-dir", str(folder))
    assert code == 0
    assert re.search(r"Encryption: +on \(SQLCipher 4\.\d+\.\d+ community, AES-256\)", out)
    assert "Key kept in: " in out
    assert "SFA_DATABASE_KEY" in out  # the tests' fixed key
    assert re.search(r"Central store: +not connected", out)
    assert re.search(r"Last contact: +never", out)
    synced_laptop(capsys, folder, central_file)
    last_synced(folder, 26)
    code, out, err = run(capsys, "status", "--data-dir", str(folder))
    assert code == 0, err
    assert re.search(r"Central store: +.*central\.sqlite3 as ann", out)
    assert re.search(r"Locks: +in 4 days \(after 30 days without a sync\)", out)
    assert re.search(r"Wiped: +in 34 days \(after 60 days without a sync\)", out)
    assert "Sync within 4 days or this laptop's data locks" in out
    code, out, err = run(capsys, "accounts", "list", "--data-dir", str(folder))
    assert code == 0, err  # warned, not locked


def test_the_company_sets_the_offline_limits_and_laptops_learn_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``sfa central offline-limits --lock N --wipe M`` is the company's; a laptop learns it at its next
    sync (issue 17, item 3), and an out-of-range value changes nothing."""
    import io

    from sfa_desktop import cli
    from sfa_desktop.sync import state as sync_state
    from tests.integration.sync_harness import World

    world = World(str(tmp_path / "central.sqlite3"), tmp_path)
    try:
        ann = world.laptop("ann")
        with ann.store.engine.connect() as conn:
            before = sync_state.load(conn)
        assert (before.lock_after_days, before.wipe_after_days) == (30, 60)
        monkeypatch.setattr("sys.stdin", io.StringIO(""))
        url = str(tmp_path / "central.sqlite3")
        assert cli.main(["central", "offline-limits", "--url", url]) == 0
        assert "No offline limits are set" in capsys.readouterr().out
        assert cli.main(["central", "offline-limits", "--lock", "10", "--wipe", "5", "--url", url]) == 1
        assert "--wipe must be at least --lock" in capsys.readouterr().err
        assert cli.main(["central", "offline-limits", "--lock", "7", "--wipe", "21", "--url", url]) == 0
        assert "lock after 7 days" in capsys.readouterr().out
        ann.sync()
        with ann.store.engine.connect() as conn:
            after = sync_state.load(conn)
        assert (after.lock_after_days, after.wipe_after_days) == (7, 21)
    finally:
        world.close()
