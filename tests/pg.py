"""A throwaway PostgreSQL cluster for the tests, started from the installed server binaries.

``start_cluster()`` runs ``initdb`` into a fresh folder under /tmp, starts the server on 127.0.0.1 at a free
port (and a unix socket inside that folder) with durability switched off for speed, creates a database and
returns a :class:`Cluster`; ``Cluster.stop()`` stops the server and deletes the folder.  PostgreSQL refuses
to run as root, so when the tests run as root the server runs as the ``postgres`` system user.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

INSTALL_HINT = (
    "Install the PostgreSQL server (Debian/Ubuntu: 'apt-get install postgresql'), or point the tests at a "
    "running server with SFA_TEST_PG_URL=postgresql+psycopg://user:password@host:port/dbname."
)
MIN_SERVER_VERSION = 150000
SERVER_SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "60",
    "shared_buffers": "32MB",
    "log_min_messages": "warning",
    "log_min_error_statement": "panic",
    "timezone": "'UTC'",
}


class ClusterError(RuntimeError):
    """The throwaway cluster could not be set up; the message says why and what to do."""


def _version_key(path: Path) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", path.parent.name)) or (0,)


def find_bindir() -> Path:
    """The folder holding ``initdb`` and ``pg_ctl``: SFA_TEST_PG_BINDIR, the highest installed Debian
    version, ``pg_config --bindir``, or the folder of ``initdb`` on PATH."""
    override = os.environ.get("SFA_TEST_PG_BINDIR")
    candidates = [Path(override)] if override else _installed_bindirs()
    for candidate in candidates:
        if (candidate / "initdb").is_file() and (candidate / "pg_ctl").is_file():
            return candidate
    searched = ", ".join(str(c) for c in candidates) or "/usr/lib/postgresql/*/bin, pg_config, PATH"
    raise ClusterError(
        f"The PostgreSQL server programs (initdb, pg_ctl) were not found (looked in: {searched}). "
        + INSTALL_HINT
    )


def _installed_bindirs() -> list[Path]:
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=_version_key, reverse=True)
    pg_config = shutil.which("pg_config")
    if pg_config:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run(
                [pg_config, "--bindir"], capture_output=True, text=True, timeout=10, check=True
            ).stdout.strip()
            if out:
                candidates.append(Path(out))
    initdb = shutil.which("initdb")
    if initdb:
        candidates.append(Path(initdb).resolve().parent)
    return candidates


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Cluster:
    root: Path
    bindir: Path
    port: int
    database: str
    run_as: str | None
    stopped: bool = field(default=False)

    @property
    def datadir(self) -> Path:
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        return self.root / "sock"

    def url(self, database: str | None = None) -> str:
        """SQLAlchemy URL of a database in this cluster (the superuser ``postgres``, trust auth)."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database or self.database}"

    def log(self) -> str:
        try:
            return (self.root / "server.log").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    def stop(self) -> None:
        """Stop the server (immediately: the data is thrown away) and delete the folder.  Idempotent."""
        if self.stopped:
            return
        self.stopped = True
        try:
            if (self.datadir / "postmaster.pid").exists():
                _run(
                    [str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-m", "immediate", "-w", "stop"],
                    self.run_as,
                    cwd=self.root,
                    check=False,
                )
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def _run(
    args: list[str], run_as: str | None, *, cwd: Path, check: bool = True, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    if run_as is not None:
        runuser = shutil.which("runuser")
        if runuser:
            args = [runuser, "-u", run_as, "--", *args]
        else:
            args = ["su", run_as, "-s", "/bin/sh", "-c", " ".join(_shell_quote(a) for a in args)]
    env = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
    env.update(LC_ALL="C.UTF-8" if _has_c_utf8() else "C", TZ="UTC")
    result = subprocess.run(
        args,
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    if check and result.returncode != 0:
        raise ClusterError(
            f"{Path(args[0]).name} failed (exit {result.returncode}) running {' '.join(args)}:\n"
            f"{result.stdout}{result.stderr}"
        )
    return result


def _shell_quote(arg: str) -> str:
    return "'" + arg.replace("'", "'\"'\"'") + "'"


def _has_c_utf8() -> bool:
    return any(Path(p).exists() for p in ("/usr/lib/locale/C.utf8", "/usr/lib/locale/C.UTF-8"))


def _server_user() -> tuple[str | None, int, int]:
    """Who runs the server: None (this user) or 'postgres' when we are root; and its uid/gid."""
    if os.geteuid() != 0:
        return None, os.getuid(), os.getgid()
    import pwd

    try:
        entry = pwd.getpwnam("postgres")
    except KeyError:
        raise ClusterError(
            "The tests run as root, and PostgreSQL refuses to run as root, but there is no 'postgres' system "
            "user to run it as. " + INSTALL_HINT
        ) from None
    return "postgres", entry.pw_uid, entry.pw_gid


def start_cluster(database: str = "sfa_test", *, attempts: int = 3) -> Cluster:
    """initdb + start + create ``database``.  The caller must call ``stop()`` (also when tests fail)."""
    bindir = find_bindir()
    run_as, uid, gid = _server_user()
    root = Path(tempfile.mkdtemp(prefix="sfa-pg-", dir="/tmp"))
    cluster = Cluster(root, bindir, 0, database, run_as)
    try:
        os.chmod(root, 0o700)
        if run_as is not None:
            os.chown(root, uid, gid)
        _run(
            [
                str(bindir / "initdb"),
                "-D", str(cluster.datadir),
                "-U", "postgres",
                "-A", "trust",
                "-E", "UTF8",
                "--locale", "C.UTF-8" if _has_c_utf8() else "C",
                "--no-sync",
                "--no-instructions",
            ],
            run_as,
            cwd=root,
        )  # fmt: skip
        cluster.socket_dir.mkdir(mode=0o700)
        if run_as is not None:
            os.chown(cluster.socket_dir, uid, gid)
        with (cluster.datadir / "postgresql.conf").open("a", encoding="utf-8") as conf:
            conf.write("\n# sfa-desktop test cluster\n")
            for key, value in SERVER_SETTINGS.items():
                conf.write(f"{key} = {value}\n")
            conf.write(f"unix_socket_directories = '{cluster.socket_dir}'\n")
        for attempt in range(attempts):
            cluster.port = free_port()
            result = _run(
                [
                    str(bindir / "pg_ctl"),
                    "-D", str(cluster.datadir),
                    "-l", str(root / "server.log"),
                    "-o", f"-p {cluster.port}",
                    "-w", "-t", "60",
                    "start",
                ],
                run_as,
                cwd=root,
                check=False,
                timeout=90,
            )  # fmt: skip
            if result.returncode == 0:
                break
            if attempt == attempts - 1 or "already in use" not in cluster.log():
                raise ClusterError(
                    f"The throwaway PostgreSQL server did not start:\n{result.stdout}{result.stderr}\n"
                    f"--- server log ---\n{cluster.log()}"
                )
        _create_database(cluster)
    except BaseException:
        cluster.stop()
        raise
    return cluster


def _create_database(cluster: Cluster) -> None:
    import psycopg

    with psycopg.connect(
        host="127.0.0.1", port=cluster.port, user="postgres", dbname="postgres", autocommit=True
    ) as conn:
        row = conn.execute("SHOW server_version_num").fetchone()
        version = int(row[0]) if row else 0
        if version < MIN_SERVER_VERSION:
            raise ClusterError(
                f"The installed PostgreSQL server is version {version}; the tests need 15 or newer. "
                + INSTALL_HINT
            )
        conn.execute(f"CREATE DATABASE \"{cluster.database}\" TEMPLATE template0 ENCODING 'UTF8'")
