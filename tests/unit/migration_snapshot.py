"""What the local migrations build, revision by revision, as plain data (see ``test_migration_schema``).

``python -m tests.unit.migration_snapshot`` writes ``migration_schema.json`` beside this file: for each
revision, upgrading from nothing one revision at a time and downgrading from the head one revision at a
time, every entry of ``sqlite_master`` (type, name, table, SQL) and the rows of every table (a few records
are written along the way, so that the migrations that copy or index data have data to work on).  The file
was written from the code before the migrations were frozen (their DDL pasted in as literals); the test
checks that the frozen migrations still build exactly that.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, create_engine

FIXTURE = Path(__file__).with_name("migration_schema.json")
DB_LOCAL = Path(__file__).resolve().parents[2] / "db" / "local"
STAMP = "2026-05-01 10:00:00.000000"
#: Written (capture on, as the app of that revision would) right after upgrading to the revision.
SEED: dict[str, tuple[str, ...]] = {
    "0001": (
        f"INSERT INTO accounts (id, name, city, created_at, updated_at) "
        f"VALUES ('a1', 'Acme Tools', 'Lyon', '{STAMP}', '{STAMP}')",
        f"INSERT INTO contacts (id, account_id, first_name, last_name, consent_email, consent_phone, "
        f"created_at, updated_at) VALUES ('c1', 'a1', 'Ana', 'Silva', 1, 0, '{STAMP}', '{STAMP}')",
        f"INSERT INTO leads (id, last_name, company, status, created_at, updated_at) "
        f"VALUES ('l1', 'Moreau', 'Globex', 'new', '{STAMP}', '{STAMP}')",
        f"INSERT INTO opportunities (id, account_id, name, stage, probability, currency, "
        f"created_at, updated_at) VALUES ('o1', 'a1', 'Big deal', 'prospecting', 10, 'EUR', "
        f"'{STAMP}', '{STAMP}')",
    ),
    "0003": (
        f"INSERT INTO kb_articles (id, title, body, tags, category, published, created_at, updated_at) "
        f"VALUES ('k1', 'Pricing guide', 'How we price the widgets', 'pricing', 'Sales', 1, "
        f"'{STAMP}', '{STAMP}')",
        "UPDATE leads SET company = 'Initech' WHERE id = 'l1'",
    ),
    "0401": ("UPDATE opportunities SET stage = 'qualification' WHERE id = 'o1'",),
    "0201": ("UPDATE opportunities SET won_reason = 'price' WHERE id = 'o1'",),
    "0705": (
        "UPDATE accounts SET segment = 'A', visiting_hours = 'Mon-Fri 08:00-12:00' WHERE id = 'a1'",
        f"INSERT INTO service_levels (id, territory_id, segment, visit_min_days, visit_max_days, "
        f"visit_minutes, answer_hours, resolve_hours, created_at, updated_at) "
        f"VALUES ('s1', NULL, 'A', 14, 21, 60, 4, 48, '{STAMP}', '{STAMP}')",
    ),
    # visits accepted from a week plan as the planner wrote them until 0708 (a line in their notes)
    "0707": (
        f"INSERT INTO activities (id, kind, subject, notes, account_id, created_at, updated_at) VALUES "
        f"('v1', 'visit', 'Visit Acme', 'Week plan: stop 2 of the day''s route.', 'a1', "
        f"'{STAMP}', '{STAMP}')",
        f"INSERT INTO activities (id, kind, subject, notes, account_id, created_at, updated_at) VALUES "
        f"('v2', 'visit', 'Visit Acme again', 'Week plan: stop 11 of the day''s route.\nBring samples', "
        f"'a1', '{STAMP}', '{STAMP}')",
        "UPDATE activities SET notes = 'Week plan: stop 3 of the day''s route.' WHERE id = 'v1'",
    ),
}
#: Times the triggers write from the clock.
VOLATILE = {("outbox", "recorded_at")}


def config(conn: Connection) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(DB_LOCAL))
    cfg.attributes["connection"] = conn
    return cfg


def chain() -> list[str]:
    """The revisions from the first to the head."""
    cfg = Config()
    cfg.set_main_option("script_location", str(DB_LOCAL))
    return [s.revision for s in reversed(list(ScriptDirectory.from_config(cfg).walk_revisions()))]


def stable(sql: str | None) -> str | None:
    """A CREATE TABLE with its table constraints sorted: Alembic's batch mode (a downgrade rebuilding a
    table) writes them in an order that changes from run to run."""
    if sql is None or "\n\tCONSTRAINT " not in sql:
        return sql
    lines = sql.split("\n")
    body = [line.removesuffix(", ") for line in lines[1:-1]]
    constraints = sorted(line for line in body if line.startswith("\tCONSTRAINT "))
    columns = [line for line in body if not line.startswith("\tCONSTRAINT ")]
    return "\n".join([lines[0], ", \n".join(columns + constraints), lines[-1]])


def snapshot(conn: Connection) -> dict[str, Any]:
    master = [
        (kind, name, table, stable(sql))
        for kind, name, table, sql in conn.exec_driver_sql(
            "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' "
            "ORDER BY type, name"
        )
    ]
    rows: dict[str, list[list[Any]]] = {}
    for kind, name, _table, sql in master:
        if kind != "table" or (sql or "").upper().startswith("CREATE VIRTUAL"):
            continue
        columns = [r[1] for r in conn.exec_driver_sql(f'PRAGMA table_info("{name}")')]
        found = [
            [
                "*" if (name, c) in VOLATILE else v.hex() if isinstance(v, bytes) else v
                for c, v in zip(columns, row, strict=True)
            ]
            for row in conn.exec_driver_sql(f'SELECT * FROM "{name}"')
        ]
        rows[name] = sorted(found, key=json.dumps)
    return {"master": [list(r) for r in master], "rows": rows}


def build(path: Path) -> dict[str, dict[str, Any]]:
    """Upgrade ``path`` one revision at a time (seeding as it goes), then downgrade it one at a time."""
    revisions = chain()
    engine = create_engine(f"sqlite:///{path}")
    up: dict[str, Any] = {}
    down: dict[str, Any] = {}
    try:
        for revision in revisions:
            with engine.begin() as conn:
                conn.exec_driver_sql("PRAGMA foreign_keys = ON")
                command.upgrade(config(conn), revision)
                for statement in SEED.get(revision, ()):
                    conn.exec_driver_sql(statement)
                up[revision] = snapshot(conn)
        for revision in [*reversed(revisions[:-1]), "base"]:
            with engine.begin() as conn:
                conn.exec_driver_sql("PRAGMA foreign_keys = ON")
                command.downgrade(config(conn), revision)
                down[revision] = snapshot(conn)
    finally:
        engine.dispose()
    return {"up": up, "down": down}


def pack(built: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The snapshots with each ``sqlite_master`` entry written once (most repeat from one revision to the
    next)."""
    entries: dict[str, int] = {}
    packed: dict[str, Any] = {"entries": []}
    for side, snapshots in built.items():
        packed[side] = {}
        for revision, snap in snapshots.items():
            refs = []
            for entry in snap["master"]:
                key = json.dumps(entry)
                if key not in entries:
                    entries[key] = len(packed["entries"])
                    packed["entries"].append(entry)
                refs.append(entries[key])
            packed[side][revision] = {"master": refs, "rows": snap["rows"]}
    return packed


def load() -> dict[str, dict[str, Any]]:
    """The fixture, unpacked: {"up"|"down": {revision: {"master": [...], "rows": {...}}}}."""
    packed = json.loads(FIXTURE.read_text(encoding="utf-8"))
    entries = packed.pop("entries")
    return {
        side: {
            revision: {"master": [entries[i] for i in snap["master"]], "rows": snap["rows"]}
            for revision, snap in snapshots.items()
        }
        for side, snapshots in packed.items()
    }


def main() -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        result = build(Path(folder) / "snapshot.db")
    FIXTURE.write_text(json.dumps(pack(result), indent=0, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {FIXTURE} ({len(result['up'])} revisions)", file=sys.stderr)


if __name__ == "__main__":
    main()
