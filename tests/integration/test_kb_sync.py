"""The knowledge base from the central store to the laptops: ``sfa central kb import DIR`` (front matter,
products by SKU, re-import updates by file name, a bad file stops everything), and articles reaching every
laptop's search through sync, edits and deletes included."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from sfa_desktop.cli import main
from sfa_desktop.core.kb.articles import article_id
from sfa_desktop.server import central
from sfa_desktop.server.kb_import import KbImportError, import_folder
from sfa_desktop.store import kb_search
from tests.integration.sync_harness import Laptop, World, world_fixture


@pytest.fixture(params=["sqlite", "postgresql"])
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    pg = request.getfixturevalue("pg_url") if request.param == "postgresql" else None
    yield from world_fixture(request.param, tmp_path, pg)


def _search(lap: Laptop, typed: str) -> list[str]:
    with lap.store.engine.connect() as conn:
        return [h.title for h in kb_search.search(conn, typed)]


def _write(folder: Path, name: str, content: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content, encoding="utf-8")
    return path


def _import(world: World, folder: Path) -> object:
    with central.central_transaction(world.central) as cc:
        return import_folder(central.Writer(cc, login="admin"), folder, login="admin")


TOO_EXPENSIVE = """---
title: "Objection: too expensive"
category: Objection handling
tags: [pricing, Objections]
products: p-1, P-2
---
## Talking points
- Saves an hour of idling a week
"""


def test_import_sync_reimport_and_search_on_every_laptop(world: World, tmp_path: Path) -> None:
    admin_lap = world.laptop("admin")
    for sku in ("P-1", "P-2"):
        admin_lap.create("products", {"sku": sku, "name": f"Product {sku}"})
    admin_lap.sync()
    folder = tmp_path / "kb"
    _write(folder, "objection-too-expensive.md", TOO_EXPENSIVE)
    _write(folder, "playbook/pilot.md", "# The 90-day pilot\n\nDefine success before the pilot starts.\n")
    result = _import(world, folder)
    assert result.added == ["Objection: too expensive", "The 90-day pilot"]  # type: ignore[attr-defined]
    row = world.central_row("kb_articles", article_id("objection-too-expensive"))
    assert row is not None
    assert (row["category"], row["tags"], row["published"]) == (
        "Objection handling",
        "pricing, Objections",
        True,
    )
    assert len(json.loads(row["product_ids"])) == 2
    assert row["author_id"] is not None

    ann = world.laptop("ann")  # a rep: reference data comes to everyone
    assert _search(ann, "idling") == ["Objection: too expensive"]
    assert _search(ann, "pilot") == ["The 90-day pilot"]

    # importing again updates the same articles; unchanged ones are left alone
    _write(folder, "objection-too-expensive.md", TOO_EXPENSIVE.replace("idling", "fuel"))
    again = _import(world, folder)
    assert again.updated == ["Objection: too expensive"]  # type: ignore[attr-defined]
    assert again.unchanged == ["The 90-day pilot"]  # type: ignore[attr-defined]
    assert world.count("kb_articles") == 2
    ann.sync()
    assert _search(ann, "idling") == []
    assert _search(ann, "fuel") == ["Objection: too expensive"]

    # a manager edits and deletes from the window; the rep's index follows
    mgr = world.laptop("mgr")
    pilot = article_id("pilot")
    mgr.update("kb_articles", pilot, {"title": "Running a pilot"})
    mgr.sync()
    ann.sync()
    assert _search(ann, "pilot") == ["Running a pilot"]
    mgr.delete("kb_articles", pilot)
    mgr.sync()
    ann.sync()
    assert _search(ann, "pilot") == []
    # importing restores a deleted article
    restored = _import(world, folder)
    assert "The 90-day pilot" in restored.added  # type: ignore[attr-defined]
    ann.sync()
    assert _search(ann, "pilot") == ["The 90-day pilot"]


def test_a_bad_file_stops_the_whole_import(world: World, tmp_path: Path) -> None:
    folder = tmp_path / "kb"
    _write(folder, "good.md", "---\ntitle: Good\n---\nFine.\n")
    _write(folder, "no-title.md", "Just text.\n")
    _write(folder, "typo.md", "---\ntilte: Typo\n---\nText.\n")
    _write(folder, "unclosed.md", "---\ntitle: Unclosed\nText.\n")
    _write(folder, "unknown-sku.md", "---\ntitle: Unknown\nproducts: NOPE-1\n---\nText.\n")
    (folder / "latin1.md").write_bytes("---\ntitle: Caf\xe9\n---\n".encode("latin-1"))
    _write(folder, "long.md", f"---\ntitle: {'x' * 201}\n---\n")
    with pytest.raises(KbImportError) as raised:
        _import(world, folder)
    problems = raised.value.problems
    assert [p.split(":")[0].split(",")[0] for p in problems] == [
        "latin1.md",
        "long.md",
        "no-title.md",
        "typo.md",
        "unclosed.md",
        "unknown-sku.md",
    ]
    assert "unknown key 'tilte'" in problems[3]
    assert "NOPE-1" in problems[5]
    assert world.count("kb_articles") == 0  # not even the good one


@pytest.fixture
def sqlite_world(tmp_path: Path) -> Iterator[World]:
    yield from world_fixture("sqlite", tmp_path, None)


def test_sfa_central_kb_import(
    sqlite_world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    world = sqlite_world
    folder = tmp_path / "kb"
    _write(
        folder, "pricing-bundles.md", "---\ntitle: Bundles\ncategory: Pricing rules\n---\nStarter bundle.\n"
    )
    assert main(["central", "kb", "import", str(folder), "--url", world.url]) == 0
    assert "Imported 1 articles" in capsys.readouterr().out
    _write(folder, "broken.md", "---\ntitle: Broken\n")
    assert main(["central", "kb", "import", str(folder), "--url", world.url]) == 1
    err = capsys.readouterr().err
    assert "sfa: error: broken.md: the front matter starting on line 1 has no closing '---' line." in err
    assert "1 bad file; nothing was imported." in err
    assert main(["central", "kb", "import", str(tmp_path / "none"), "--url", world.url]) == 1
    assert "is not a folder" in capsys.readouterr().err
    with world.central.connect() as cc:
        assert cc.execute(text("SELECT count(*) FROM kb_articles")).scalar_one() == 1
