"""``sfa-server``: the sync service laptops reach over HTTPS (``server.app`` on uvicorn).

    sfa-server --central URL --listen HOST:PORT [--tls-cert FILE --tls-key FILE] [--workers N] [--pool N]
               [--behind-proxy] [--blobs DIR] [--upkeep-at HH:MM | --no-upkeep]

TLS by default: it listens in clear text only on a loopback address, or with ``--behind-proxy`` (a
TLS-terminating reverse proxy in front of it, which it is told about); anything else without a certificate
and key is refused.  It never creates a central store: one that is missing, not an SFA store or of another
version is refused at start (``sfa central init`` / ``sfa central upgrade`` make and upgrade one).

Each worker process holds a pool of at most ``--pool`` database connections (the only connections to the
database) and serves at most ``--concurrency`` requests at once; idle keep-alive connections are dropped
after a few seconds, a request body must arrive within ``server.app.READ_TIMEOUT`` seconds, and a request's
head may not exceed 64 KiB.

The server does its own upkeep (``server.upkeep``): once a day at ``--upkeep-at`` (default 03:30, local
time) and shortly after it starts, it purges attachments' bytes nobody names any more from the store and
its ``--blobs`` folder.  The schedule runs in this first process only (with ``--workers N`` uvicorn's
supervisor, whose workers are spawned fresh), and each run takes a lock on the store, so it never runs
twice at once; ``--no-upkeep`` leaves it to ``sfa central purge-blobs``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import ipaddress
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy.engine import URL

from sfa_desktop.core.errors import UserError
from sfa_desktop.protocol.address import normalize_url, safe_url
from sfa_desktop.protocol.errors import CentralError
from sfa_desktop.server import central, upkeep
from sfa_desktop.server.blob_files import BlobFolder

_SETTINGS_ENV = "SFA_SERVER_SETTINGS"
KEEP_ALIVE_SECONDS = 5
MAX_HEAD_BYTES = 64 * 1024
#: How the server's database connections show in PostgreSQL's pg_stat_activity (and PgBouncer's SHOW
#: CLIENTS): a DBA counts and watches them by this name.
APPLICATION_NAME = "sfa-server"


def _listen(value: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit() or not host:
        raise argparse.ArgumentTypeError(f"'{value}' is not HOST:PORT (e.g. 0.0.0.0:8443)")
    return host.strip("[]"), int(port)


def _time_of_day(value: str) -> dt.time:
    try:
        return upkeep.parse_at(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_tls(host: str, cert: Path | None, key: Path | None, behind_proxy: bool) -> None:
    """Refuse to serve in clear text where passwords and data would cross a network unencrypted."""
    if (cert is None) != (key is None):
        raise CentralError("Give both --tls-cert and --tls-key (the certificate and its private key).")
    for path in (cert, key):
        if path is not None and not path.is_file():
            raise CentralError(f"The TLS file {path} does not exist.")
    if cert is None and not is_loopback(host) and not behind_proxy:
        raise CentralError(
            f"Refusing to listen on {host} in clear text: give --tls-cert FILE --tls-key FILE, or, when a "
            "TLS-terminating reverse proxy forwards to this server, say so with --behind-proxy."
        )


def check_central(url: str | URL, pool: int | None = None) -> Any:
    """An engine on the central store at ``url``, refused when the store is missing or of another version
    (the server never creates one)."""
    parsed = normalize_url(url) if isinstance(url, str) else url
    if parsed.drivername.startswith("sqlite") and not (parsed.database and Path(parsed.database).is_file()):
        raise CentralError(
            f"There is no central store at {safe_url(parsed)}. Create one with 'sfa central init URL'."
        )
    engine = central.make_central_engine(parsed, pool_size=pool, application_name=APPLICATION_NAME)
    try:
        with central.central_transaction(engine) as conn:
            central.check_compatible(conn)
    except BaseException:
        engine.dispose()
        raise
    return engine


def app_from_settings() -> Any:
    """The app of one worker process, from the settings the parent passed in the environment (uvicorn
    starts workers by import string)."""
    from sfa_desktop.server import roles
    from sfa_desktop.server.app import build_app

    settings = json.loads(os.environ[_SETTINGS_ENV])
    engine = check_central(settings["central"], settings["pool"])
    # On PostgreSQL every request acts as its user's role, so row-level security stands behind the
    # server's own checks and the change log is stamped with the user; SQLite has no roles.
    folder = BlobFolder(Path(settings["blobs"])) if settings.get("blobs") else None
    return build_app(
        engine, role=roles.act_as if engine.dialect.name == "postgresql" else None, blob_folder=folder
    )


def start_upkeep(args: argparse.Namespace, url: URL) -> upkeep.Upkeep | None:
    """The upkeep of this server (None with ``--no-upkeep``), started: called once, in the first process."""
    if args.no_upkeep:
        return None
    folder = BlobFolder(args.blobs.resolve()) if args.blobs else None

    def job() -> None:
        engine = check_central(url, 2)  # the lock's connection and the purge's
        try:
            upkeep.run_once(engine, folder=folder)
        finally:
            engine.dispose()

    made = upkeep.Upkeep(job, at=args.upkeep_at, start_delay=args.upkeep_delay)
    made.start()
    return made


def _log_upkeep() -> None:
    """Upkeep's log lines go to standard error beside uvicorn's."""
    logger = logging.getLogger(upkeep.__name__)
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s sfa-server %(levelname)s: %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sfa-server", description="The SFA Desktop sync service: laptops sync through it over HTTPS."
    )
    parser.add_argument("--central", required=True, metavar="URL", help="postgresql://... or a SQLite file")
    parser.add_argument("--listen", required=True, type=_listen, metavar="HOST:PORT")
    parser.add_argument(
        "--blobs",
        type=Path,
        metavar="DIR",
        help="keep attachments' bytes (visit photos) in this folder, shared by every server of the store, "
        "instead of in the central store's own table",
    )
    parser.add_argument("--tls-cert", type=Path, metavar="FILE", help="the server's certificate (PEM)")
    parser.add_argument("--tls-key", type=Path, metavar="FILE", help="its private key (PEM)")
    parser.add_argument("--workers", type=int, default=1, metavar="N", help="worker processes (default 1)")
    parser.add_argument(
        "--pool", type=int, default=10, metavar="N", help="database connections per worker (default 10)"
    )
    parser.add_argument(
        "--concurrency",
        type=int,
        default=200,
        metavar="N",
        help="requests served at once per worker; more are answered 503 (default 200)",
    )
    parser.add_argument(
        "--upkeep-at",
        type=_time_of_day,
        default=upkeep.DEFAULT_AT,
        metavar="HH:MM",
        help="the daily upkeep's time (local time; default 03:30): orphan attachments' bytes are purged",
    )
    parser.add_argument(
        "--upkeep-delay",
        type=float,
        default=upkeep.START_DELAY_SECONDS,
        metavar="SECONDS",
        help=f"the first upkeep this long after the start (default {upkeep.START_DELAY_SECONDS:g})",
    )
    parser.add_argument(
        "--no-upkeep",
        action="store_true",
        help="no upkeep in the server (run 'sfa central purge-blobs' yourself)",
    )
    parser.add_argument(
        "--behind-proxy",
        action="store_true",
        help="a TLS-terminating reverse proxy forwards to this server: clear text allowed, its "
        "X-Forwarded-* headers trusted",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    import uvicorn

    args = build_parser().parse_args(argv)
    host, port = args.listen
    try:
        if args.workers < 1 or args.pool < 1:
            raise CentralError("--workers and --pool must be at least 1.")
        check_tls(host, args.tls_cert, args.tls_key, args.behind_proxy)
        url = normalize_url(args.central)
        check_central(url, args.pool).dispose()
    except UserError as exc:
        print(f"sfa-server: {exc}", file=sys.stderr)
        return 1
    os.environ[_SETTINGS_ENV] = json.dumps(
        {
            "central": url.render_as_string(hide_password=False),
            "pool": args.pool,
            "blobs": str(args.blobs.resolve()) if args.blobs else None,
        }
    )
    scheme = "https" if args.tls_cert else "http"
    print(f"sfa-server: serving {safe_url(url)} at {scheme}://{host}:{port}", file=sys.stderr)
    _log_upkeep()
    kept = start_upkeep(args, url)
    try:
        _serve(uvicorn, args, host, port)
    finally:
        if kept is not None:
            kept.stop()
    return 0


def _serve(uvicorn: Any, args: argparse.Namespace, host: str, port: int) -> None:
    uvicorn.run(
        "sfa_desktop.server.main:app_from_settings",
        factory=True,
        host=host,
        port=port,
        workers=args.workers,
        ssl_certfile=str(args.tls_cert) if args.tls_cert else None,
        ssl_keyfile=str(args.tls_key) if args.tls_key else None,
        proxy_headers=args.behind_proxy,
        server_header=False,
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
        limit_concurrency=args.concurrency,
        h11_max_incomplete_event_size=MAX_HEAD_BYTES,
        log_level="info",
        access_log=False,
    )


if __name__ == "__main__":
    sys.exit(main())
