"""The demo's resource files (resources/demo): every one is read, well-formed and consistent with the field
specs; a broken one fails with a message naming the file."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from sfa_desktop.core.demo import data
from sfa_desktop.core.kb import files as kb_files
from sfa_desktop.core.records.fields import INDUSTRIES, SEQUENCE_TARGETS
from sfa_desktop.core.resources import resources_dir
from sfa_desktop.core.sequences import templates

FOLDER = resources_dir() / "demo"


def test_every_resource_file_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    read: list[Path] = []
    original = Path.read_text

    def recording(self: Path, *args: object, **kwargs: object) -> str:
        read.append(self.resolve())
        return original(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "read_text", recording)
    data.load.__wrapped__(FOLDER)  # uncached: this reading, not an earlier one
    on_disk = {p.resolve() for p in FOLDER.rglob("*") if p.is_file()}
    assert on_disk - set(read) == set(), "files in resources/demo the demo never reads"
    assert len(read) == len(set(read)), "a file read twice in one load"


def test_the_shipped_files_are_well_formed() -> None:
    words = data.load()
    assert words is data.load()  # read once per process
    for article in words.kb_articles:
        assert article.title, article.path.name
        assert article.category, article.path.name
        assert article.body, article.path.name
    assert {a.category for a in words.kb_articles} == {
        "Objection handling",
        "Pricing rules",
        "Competitor notes",
        "Sales playbook",
    }
    for template in words.sequence_templates:
        assert template["target"] in SEQUENCE_TARGETS, template["name"]
        assert templates.validate(template["steps"]), template["name"]
    assert set(words.company_cores) == set(INDUSTRIES)
    states = {c.state for c in words.cities}
    for code, (_name, territory_states) in words.territories.items():
        assert set(territory_states) <= states, f"{code} has a state without cities"
    assert len(words.products) == sum(len(f.products) for f in words.families) == 30
    for family in words.families:
        low, high = family.price_range
        assert 0 < low < high, family.name
    territories = set(words.territories)
    assert {rule.territory for rule in words.territory_rules} <= territories


def _broken(tmp_path: Path, change: Callable[[Path], object]) -> Path:
    folder = tmp_path / "demo"
    shutil.copytree(FOLDER, folder)
    change(folder)
    return folder


def _edit_json(name: str, edit: Callable[[dict[str, object]], None]) -> Callable[[Path], None]:
    def change(folder: Path) -> None:
        content = json.loads((folder / name).read_text(encoding="utf-8"))
        edit(content)
        (folder / name).write_text(json.dumps(content), encoding="utf-8")

    return change


def _bad_goto(content: dict[str, object]) -> None:
    first = content["templates"][0]  # type: ignore[index]
    first["steps"][0]["outcomes"]["interested"] = {"goto": "nowhere"}


def _no_category(folder: Path) -> None:
    path = folder / "kb" / "pricing-bundles.md"
    path.write_text(path.read_text(encoding="utf-8").replace("category: Pricing rules\n", ""), "utf-8")


BREAKAGES: dict[str, tuple[Callable[[Path], object], str, str]] = {
    "invalid JSON": (
        lambda f: (f / "products.json").write_text("{", encoding="utf-8"),
        "products.json",
        "not valid JSON",
    ),
    "missing file": (lambda f: (f / "people.json").unlink(), "people.json", "missing"),
    "empty list": (
        _edit_json("people.json", lambda c: c.update(last_names=[])),
        "people.json",
        "'last_names'",
    ),
    "sequence step going nowhere": (
        _edit_json("sequences.json", _bad_goto),
        "sequences.json",
        "New lead outreach",
    ),
    "sequence target": (
        _edit_json("sequences.json", lambda c: c["templates"][1].update(target="planet")),  # type: ignore[index]
        "sequences.json",
        "target",
    ),
    "article without category": (_no_category, "pricing-bundles.md", "category"),
    "article without title": (
        lambda f: (f / "kb" / "playbook-pilot.md").write_text("Just text.\n", encoding="utf-8"),
        "playbook-pilot.md",
        "no title",
    ),
    "article not in the order": (
        lambda f: (f / "kb" / "new-article.md").write_text("# New\n", encoding="utf-8"),
        "order.txt",
        "new-article.md",
    ),
    "city without coordinates": (
        lambda f: (f / "cities.csv").write_text(
            (f / "cities.csv").read_text(encoding="utf-8").replace("41.7658", "north"), encoding="utf-8"
        ),
        "cities.csv",
        "line 2",
    ),
    "product family price": (
        _edit_json("products.json", lambda c: c["families"][2].update(price_range_dollars=[10])),  # type: ignore[index]
        "products.json",
        "family 3",
    ),
}


@pytest.mark.parametrize("case", sorted(BREAKAGES))
def test_a_broken_file_is_named(tmp_path: Path, case: str) -> None:
    change, file_name, words = BREAKAGES[case]
    folder = _broken(tmp_path, change)
    with pytest.raises(data.DemoResourceError) as raised:
        data.load.__wrapped__(folder)
    message = str(raised.value)
    assert file_name in message, message
    assert words in message, message


def test_the_articles_are_importable_as_they_are(tmp_path: Path) -> None:
    """kb/ is a folder 'sfa central kb import' takes as it is: the same reader, no problems."""
    articles, problems = kb_files.read_folder(FOLDER / "kb")
    assert problems == []
    assert [a.slug for a in articles] == sorted(a.slug for a in data.load().kb_articles)
