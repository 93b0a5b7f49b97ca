"""Issue 16, item 6: the call sheet follows the accepted week plan's route, and prints each visit's
checklist (the template of the account's segment) to fill in by hand; ``sfa callsheet --no-checklists``."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from pathlib import Path

import pytest

from sfa_desktop.cli import main
from sfa_desktop.core.callsheet import route
from sfa_desktop.core.callsheet import sheet as callsheet
from sfa_desktop.core.records import services
from sfa_desktop.core.visits import templates
from sfa_desktop.printing.callsheet import write
from sfa_desktop.store.database import LocalStore

DAY = dt.date(2026, 3, 3)
HOME = (0.0, 0.0)
#: on a line east of home: nearest first is Near, Middle, Far; the plan chose Far, Near, Middle
PLACES = {"Near": (0.0, 0.1), "Middle": (0.0, 0.2), "Far": (0.0, 0.3)}
KEY_ITEMS = [
    {"key": "shelf", "label": "Shelf share checked", "type": "yesno", "required": True},
    {"key": "facings", "label": "Facings counted", "type": "number"},
    {"key": "promo", "label": "Promotion discussed", "type": "text"},
    {"key": "display", "label": "Display photographed", "type": "photo"},
]


def at(hour: int) -> dt.datetime:
    return dt.datetime.combine(DAY, dt.time(hour), dt.UTC)


def seed(store: LocalStore, *, planned: bool, same_time: bool = False) -> str:
    with store.transaction() as s:
        rep = services.create(
            s,
            "users",
            {
                "login": "ann",
                "full_name": "Ann Archer",
                "role": "rep",
                "home_latitude": HOME[0],
                "home_longitude": HOME[1],
            },
        ).id
        templates.save_template(s, "Key account visit", "A", json.dumps(KEY_ITEMS))
        ids = {}
        for name, (lat, lon) in PLACES.items():
            values = {"name": name, "latitude": lat, "longitude": lon, "owner_id": rep}
            if name != "Middle":
                values["segment"] = "A"  # Middle has none: the default (built-in) checklist
            ids[name] = services.create(s, "accounts", values).id
        # the plan's route: Far at 9, Near at 11, Middle at 14 (stop numbers as week.accept writes them);
        # ``same_time``: all three at 9, so that only the stops' numbers give the route's order
        for number, (name, planned_hour) in enumerate((("Far", 9), ("Near", 11), ("Middle", 14)), start=1):
            hour = 9 if same_time else planned_hour
            services.create(
                s,
                "activities",
                {
                    "kind": "visit",
                    "subject": f"Visit {name}",
                    "account_id": ids[name],
                    "owner_id": rep,
                    "due_at": at(hour),
                    "duration_minutes": 45,
                    "plan_stop": number if planned else None,
                    "notes": "Bring the new price list",
                },
            )
    return rep


def test_the_route_follows_the_stops_numbers_and_the_notes_stay_the_reps(
    store: LocalStore, tmp_path: Path
) -> None:
    rep = seed(store, planned=True, same_time=True)
    with store.reading() as session:
        day = callsheet.build(session, [rep], DAY, tz=dt.UTC).reps[0].days[0]
        pdf = tmp_path / "day.pdf"
        write(session, [rep], DAY, DAY, pdf, tz=dt.UTC, checklists=False)
    assert day.planned
    assert [(c.stop, c.info.party.name, c.info.plan_stop) for c in day.route] == [
        (1, "Far", 1),
        (2, "Near", 2),
        (3, "Middle", 3),
    ]
    flat = " ".join(_pdf_text(pdf).split())
    assert "Visits in the week plan's route order" in flat
    where = [flat.index(f"Visit {name}") for name in ("Far", "Near", "Middle")]
    assert where == sorted(where)  # on paper in the plan's order, not nearest first
    assert "Week plan" not in flat.replace("Visits in the week plan's route order", "")
    assert flat.count("Bring the new price list") == 3


def test_a_day_from_an_accepted_plan_follows_its_route(store: LocalStore) -> None:
    rep = seed(store, planned=True)
    with store.reading() as session:
        day = callsheet.build(session, [rep], DAY, tz=dt.UTC).reps[0].days[0]
    assert day.planned
    assert [c.info.party.name for c in day.route] == ["Far", "Near", "Middle"]
    km = route.distance_km((0.0, 0.0), (0.0, 0.1))  # 11.12 km a tenth of a degree
    assert [round(c.leg_km or 0, 1) for c in day.route] == [round(3 * km, 1), round(2 * km, 1), round(km, 1)]
    assert day.home_km == pytest.approx(2 * km)


def test_a_day_without_a_plan_goes_nearest_first(store: LocalStore) -> None:
    rep = seed(store, planned=False)
    with store.reading() as session:
        day = callsheet.build(session, [rep], DAY, tz=dt.UTC).reps[0].days[0]
    assert not day.planned
    assert [c.info.party.name for c in day.route] == ["Near", "Middle", "Far"]


def test_each_visit_carries_its_segments_checklist_on_paper(store: LocalStore, tmp_path: Path) -> None:
    rep = seed(store, planned=True)
    with store.reading() as session:
        sheet = callsheet.build(session, [rep], DAY, tz=dt.UTC)
        calls = {c.info.party.name: c for c in sheet.calls}
        assert calls["Far"].checklist is not None
        assert calls["Far"].checklist.name == "Key account visit"
        assert calls["Middle"].checklist == templates.BUILT_IN
        assert callsheet.build(session, [rep], DAY, tz=dt.UTC, checklists=False).calls[0].checklist is None
        pdf = tmp_path / "day.pdf"
        write(session, [rep], DAY, DAY, pdf, tz=dt.UTC)
        bare = tmp_path / "bare.pdf"
        write(session, [rep], DAY, DAY, bare, tz=dt.UTC, checklists=False)
    words = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    flat = " ".join(words.split())
    assert "Visits in the week plan's route order" in flat
    assert flat.count("CHECKLIST · KEY ACCOUNT VISIT") == 2  # Far and Near
    assert flat.count("CHECKLIST · STANDARD VISIT") == 1  # Middle
    for label in ("Shelf share checked *", "Facings counted", "Promotion discussed", "Display photographed"):
        assert flat.count(label) == 2
    assert "Met the customer *" in flat
    assert flat.count("Yes No") >= 4
    assert "Taken" in flat
    plain = subprocess.run(["pdftotext", str(bare), "-"], capture_output=True, text=True, check=True).stdout
    assert "CHECKLIST" not in plain
    assert "Shelf share checked" not in plain
    if Path("/tmp/cov").is_dir():  # for a look at the page
        (Path("/tmp/cov") / "callsheet.pdf").write_bytes(pdf.read_bytes())


def _pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_sfa_callsheet_no_checklists(store: LocalStore, tmp_path: Path) -> None:
    seed(store, planned=True)
    store.close()
    out = tmp_path / "sheet.pdf"
    args = ["--data-dir", str(store.path.parent), "callsheet", "--date", DAY.isoformat(), "--rep", "ann"]
    assert main([*args, "-o", str(out)]) == 0
    assert "CHECKLIST" in _pdf_text(out)
    assert main([*args, "--no-checklists", "-o", str(out)]) == 0
    assert "CHECKLIST" not in _pdf_text(out)
