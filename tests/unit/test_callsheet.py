"""Call sheets: the right calls in route order, every fact of each block in the PDF as real text, headers
and page numbers, A4 and Letter, a day with nothing planned, and ``sfa callsheet``."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader

from sfa_desktop.cli import main
from sfa_desktop.core.callsheet import route
from sfa_desktop.core.callsheet import sheet as callsheet
from sfa_desktop.core.callsheet.sheet import NothingPlanned
from sfa_desktop.core.records.validation import format_phone
from sfa_desktop.printing.callsheet import render, write
from sfa_desktop.store.database import LocalStore
from sfa_desktop.sync import state
from tests.callsheet_world import HOME, PLACES, World, seed_world

DAY = dt.date(2026, 3, 3)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LocalStore, World]]:
    store = LocalStore.open(tmp_path_factory.mktemp("callsheet"))
    yield store, seed_world(store, DAY)
    store.close()


def _sheet(
    store: LocalStore, reps: list[str], start: dt.date = DAY, end: dt.date | None = None
) -> callsheet.CallSheet:
    with store.reading() as session:
        return callsheet.build(session, reps, start, end, tz=dt.UTC)


def _where(name: str) -> tuple[float, float]:
    lat, lon, _city = PLACES[name]
    assert lat is not None
    assert lon is not None
    return lat, lon


def _text(path: Path) -> list[str]:
    """Each page's text, with line breaks and runs of spaces as one space (text wraps in columns)."""
    return [" ".join(page.extract_text().split()) for page in PdfReader(path).pages]


def test_distance_and_nearest_neighbour_route() -> None:
    assert route.distance_km((0.0, 0.0), (0.0, 1.0)) == pytest.approx(111.19, abs=0.01)
    assert route.distance_km(HOME, HOME) == 0
    places = [("far", (0.0, 3.0)), ("near", (0.0, 1.0)), ("back", (0.0, -0.5)), ("middle", (0.0, 2.0))]
    tour = route.nearest_neighbour((0.0, 0.0), places)
    assert [s.item for s in tour] == ["back", "near", "middle", "far"]  # 0.5 west first, then 1.5 east ...
    assert [round(s.leg_km or 0) for s in tour] == [56, 167, 111, 111]
    assert route.total_km(tour) == pytest.approx(445, abs=1)
    no_start = route.nearest_neighbour(None, places)
    assert [s.item for s in no_start] == ["far", "middle", "near", "back"]
    assert no_start[0].leg_km is None
    assert route.format_distance(12.345, "km") == "12.3 km"
    assert route.format_distance(160.9344, "mi") == "100 mi"


def test_the_planned_calls_in_route_order_then_off_the_route_then_the_phone(world) -> None:
    store, w = world
    sheet = _sheet(store, [w.rep])
    assert [r.rep.name for r in sheet.reps] == ["Daniel Okafor"]
    (day,) = sheet.reps[0].days
    assert day.date == DAY
    # by distance from Boston: Newton, then Waltham (close to Newton), then Worcester; not by the clock
    assert [c.info.activity_id for c in day.route] == [
        w.planned["acme visit"],
        w.planned["initech meeting"],
        w.planned["globex visit"],
    ]
    assert [c.stop for c in day.route] == [1, 2, 3]
    legs = [c.leg_km for c in day.route]
    acme, initech = _where("Acme Tools"), _where("Initech Logistics")
    assert legs[0] == pytest.approx(route.distance_km(HOME, acme))
    assert legs[1] == pytest.approx(route.distance_km(acme, initech))
    assert day.route_km == pytest.approx(sum(legs))
    assert [c.info.activity_id for c in day.unrouted] == [w.planned["nowhere visit"]]  # no coordinates
    assert [c.info.activity_id for c in day.phone] == [w.planned["globex call"], w.planned["acme call"]]
    ids = {c.info.activity_id for c in sheet.calls}
    assert ids == set(w.planned.values())
    assert not ids & set(w.excluded.values())  # done, a task, deleted, another day, another rep


def test_each_call_carries_its_facts(world) -> None:
    store, w = world
    acme = _sheet(store, [w.rep]).reps[0].days[0].route[0]
    info = acme.info
    assert info.party.name == "Acme Tools"
    assert info.party.address == ("1 Main Street", "Newton, MA 02100")
    assert info.person is not None
    assert (info.person.name, info.person.title) == ("Jane Acmeson", "Fleet Manager")
    assert info.step is not None
    assert (info.step.sequence, info.step.title, info.step.number, info.step.total) == (
        "Fleet onboarding",
        "Discovery visit",
        2,
        3,
    )
    assert acme.outcomes == ("interested", "not interested", "Other")
    assert [d.name for d in info.deals] == ["Acme Tools: Fleet rollout"]  # the won deal is not open
    assert [p.subject for p in info.history] == [
        "Done visit at Acme Tools",
        "Acme Tools history call 1",
        "Acme Tools history call 2",
    ]
    assert info.last_order is not None
    assert info.last_order.number == "SO-ACM-1"  # the later order was cancelled
    assert next(line[0] for line in info.last_order.lines) == "Standard support (year)"
    # revenue over the orders that were not cancelled: support 2x(3000+...)...
    assert [p.name for p in info.top_products] == [
        "Standard support (year)",
        "Fleet tracker GT-200",
        "Fleet tracker GT-400 (4G)",
    ]
    assert [p.title for p in info.talking_points] == [
        "Objection: too expensive",
        "Playbook: the 90-day pilot",
    ]
    assert info.talking_points[0].points == (
        "Saves one hour of idling a week",
        "Cuts fuel by 8-12%",
        "Costs $1.20 a vehicle a day",
    )
    call = _sheet(store, [w.rep]).reps[0].days[0].phone[0]
    assert call.info.step is None
    assert call.outcomes == callsheet.DEFAULT_OUTCOMES["call"]


def test_the_pdf_holds_every_fact_as_text_with_headers_and_page_numbers(world, tmp_path: Path) -> None:
    store, w = world
    sheet = _sheet(store, [w.rep])
    path = tmp_path / "sheet.pdf"
    pages = render(sheet, path, size="A4")
    texts = _text(path)
    assert len(texts) == pages >= 4
    for number, page in enumerate(texts, start=1):
        assert f"Page {number} of {pages}" in page
        assert "Call sheet · Daniel Okafor" in page
        assert "Tuesday 3 March 2026" in page
    cover = texts[0]
    assert "Route starts from Boston office" in cover
    order = [cover.index(name) for name in ("Acme Tools", "Initech Logistics", "Globex Freight")]
    assert order == sorted(order)  # the cover lists the visits in route order
    assert "12.4 km" in cover
    assert "Visits not on the route" in cover
    assert "Nowhere Inc." in cover
    assert "Phone calls" in cover
    whole = "\n".join(texts[1:])
    acme = next(t for t in texts[1:] if "Discovery visit at Acme Tools" in t)
    for fact in (
        "Jane Acmeson",
        "Fleet Manager",
        format_phone("+16175550199"),
        format_phone("+16175550142"),
        "jane@acme.example.com",
        "1 Main Street",
        "Newton, MA 02100",
        "Sequence Fleet onboarding, step 2 of 3: Discovery visit",
        "Open with the pilot results",
        "Ask how many vehicles run each day",
        "Bring the demo unit.",
        "Fleet rollout",
        "Proposal · $12,500",
        "Acme Tools history call 2",
        "SO-ACM-1",
        "Top products".upper(),
        "Standard support (year)",
        "Objection: too expensive",
        "Cuts fuel by 8-12%",
        "Interested",
        "Not interested",
        "Next step",
    ):
        assert fact in acme, fact
    assert "A fourth point not shown" not in whole
    assert "Acme Tools history call 4" not in whole  # only the last three activities
    assert "Done visit" in acme
    assert "Deleted visit" not in whole
    assert "Her visit" not in whole
    assert "not on the route (no coordinates)" in whole
    assert "No orders on record." not in whole


def test_accounts_without_orders_and_a_range_of_days(tmp_path: Path) -> None:
    store = LocalStore.open(tmp_path / "data")
    try:
        w = seed_world(store, DAY, orders=False)
        sheet = _sheet(store, [w.rep], DAY - dt.timedelta(days=1), DAY + dt.timedelta(days=1))
        assert [d.date for d in sheet.reps[0].days] == [DAY, DAY + dt.timedelta(days=1)]
        path = tmp_path / "range.pdf"
        render(sheet, path)
        texts = _text(path)
        assert "2\u20134 March 2026" in texts[0]
        assert "Wednesday 4 March" in texts[0]
        assert "Tomorrow's visit at Acme Tools" in "\n".join(texts)
        assert "No orders on record." in "\n".join(texts)
    finally:
        store.close()


@pytest.mark.parametrize(("size", "width", "unit"), [("A4", 595, "km"), ("Letter", 612, "mi")])
def test_page_sizes_and_units(world, tmp_path: Path, size: str, width: int, unit: str) -> None:
    store, w = world
    path = tmp_path / "sheet.pdf"
    render(_sheet(store, [w.rep]), path, size=size)
    reader = PdfReader(path)
    assert {round(float(p.mediabox.width)) for p in reader.pages} == {width}
    legs = re.findall(r"\d+\.\d (km|mi)", reader.pages[0].extract_text())
    assert legs
    assert set(legs) == {unit}


def test_a_manager_prints_several_reps_and_nothing_planned_is_a_message(world, tmp_path: Path) -> None:
    store, w = world
    sheet = _sheet(store, [w.other_rep, w.rep])
    assert [r.rep.login for r in sheet.reps] == ["smartinez", "dokafor"]
    assert [c.info.subject for c in sheet.reps[0].calls] == ["Her visit at Acme Tools"]
    path = tmp_path / "both.pdf"
    render(sheet, path)
    texts = _text(path)
    assert "Call sheet · Sofía Martínez, Daniel Okafor" in texts[0]
    with store.reading() as session:
        with pytest.raises(
            NothingPlanned, match="Nothing is planned for Sofía Martínez on Wednesday 4 March"
        ):
            write(session, [w.other_rep], DAY + dt.timedelta(days=1), None, tmp_path / "empty.pdf")
        assert not (tmp_path / "empty.pdf").exists()
        assert list(tmp_path.glob(".callsheet-*")) == []
        with pytest.raises(ValueError, match="ends"):
            callsheet.build(session, [w.rep], DAY, DAY - dt.timedelta(days=1))
        idle = callsheet.build(session, [w.rep, w.other_rep], DAY + dt.timedelta(days=1), tz=dt.UTC)
        assert [r.login for r in idle.idle] == ["smartinez"]


def test_sfa_callsheet(world, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store, _w = world
    data = ["--data-dir", str(store.path.parent)]
    out = tmp_path / "today.pdf"
    assert main([*data, "callsheet", "--date", "2026-03-03", "--rep", "dokafor", "-o", str(out)]) == 0
    said = capsys.readouterr().out
    assert "Call sheet for Daniel Okafor on Tuesday 3 March 2026: 6 calls" in said
    assert "Discovery visit at Acme Tools" in "\n".join(_text(out))

    def error(*args: str) -> str:
        assert main([*data, "callsheet", *args]) == 1
        return capsys.readouterr().err

    assert "not connected" in error("-o", str(tmp_path / "x.pdf"))
    assert "Nothing is planned for Daniel Okafor on Sunday 1 March 2026" in error(
        "--date", "2026-03-01", "--rep", "dokafor", "-o", str(tmp_path / "x.pdf")
    )
    assert not (tmp_path / "x.pdf").exists()
    assert "no user 'nobody'" in error("--rep", "nobody", "-o", str(tmp_path / "x.pdf"))
    assert "before --date" in error(
        "--date", "2026-03-03", "--to", "2026-03-01", "--rep", "dokafor", "-o", "x.pdf"
    )
    assert "does not end in .pdf" in error("--rep", "dokafor", "-o", str(tmp_path / "x.txt"))
    assert "does not exist" in error("--rep", "dokafor", "-o", str(tmp_path / "no" / "x.pdf"))
    assert main([*data, "callsheet", "--date", "someday", "-o", "x.pdf"]) == 2
    assert "is not a date" in capsys.readouterr().err

    # connected as the rep: the default is their own sheet, and another rep's is refused
    with store.engine.begin() as conn:
        state.save(conn, state.SyncState(client_id="c", url="sqlite:///c", login="dokafor"))
    try:
        letter = tmp_path / "letter.pdf"
        assert (
            main([*data, "callsheet", "--date", "2026-03-03", "--page-size", "letter", "-o", str(letter)])
            == 0
        )
        assert "(Letter)" in capsys.readouterr().out
        assert round(float(PdfReader(letter).pages[0].mediabox.width)) == 612
        assert "for their managers" in error("--rep", "smartinez", "-o", str(tmp_path / "x.pdf"))
    finally:
        with store.engine.begin() as conn:
            conn.exec_driver_sql("DELETE FROM sync_state")


def test_one_rule_for_whose_call_sheet_the_window_and_sfa_callsheet_print(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from sfa_desktop.core import settings
    from sfa_desktop.core.records import services
    from sfa_desktop.ops import callsheet as callsheet_ops

    store = LocalStore.open(tmp_path / "data")
    w = seed_world(store, DAY, orders=False)
    with store.transaction() as s:  # a manager of another team
        services.create(s, "users", {"login": "jlee", "full_name": "Jae Lee", "role": "manager"})
    data = ["--data-dir", str(store.path.parent)]

    def sign_in(login: str) -> None:
        with store.engine.begin() as conn:
            state.save(conn, state.SyncState(client_id="c", url="sqlite:///c", login=login))

    try:
        sign_in("cwalsh")  # the reps' manager: both of them, in the window and here
        assert [r[2] for r in callsheet_ops.choices(store).reps] == ["dokafor", "smartinez"]
        assert callsheet_ops.rep_ids(store, ["smartinez", "DOKAFOR"]) == [w.other_rep, w.rep]
        out = tmp_path / "letter.pdf"
        argv = [*data, "callsheet", "--date", "2026-03-03", "--rep", "dokafor", "--page-size", "letter"]
        assert main([*argv, "-o", str(out)]) == 0
        assert "(Letter)" in capsys.readouterr().out
        with store.reading() as session:  # --page-size is for that sheet only
            assert settings.get(session, "page_size") == settings.DEFAULTS["page_size"]

        sign_in("jlee")  # not their manager: neither in the window nor here
        assert callsheet_ops.choices(store).reps == []
        assert main([*argv, "-o", str(tmp_path / "not.pdf")]) == 1
        assert "jlee: dokafor does not report to you" in capsys.readouterr().err
        assert not (tmp_path / "not.pdf").exists()
        with pytest.raises(callsheet_ops.CallSheetError, match="does not report to you"):
            callsheet_ops.write_call_sheet(store, [w.rep], DAY, DAY, tmp_path / "not.pdf", "A4")
        assert main([*data, "callsheet", "--date", "2026-03-03", "-o", str(tmp_path / "own.pdf")]) == 1
        assert "Nothing is planned for Jae Lee" in capsys.readouterr().err  # their own sheet: allowed
    finally:
        store.close()


def test_paper_a_page_break_would_leave_blank_is_ruled_for_notes(world, tmp_path: Path) -> None:
    store, w = world
    path = tmp_path / "sheet.pdf"
    pages = render(_sheet(store, [w.rep]), path, size="A4")
    texts = _text(path)[1:]  # the call pages
    # every call page ends in lines for notes: where the next call went over, and after the last one
    assert all("More notes" in page for page in texts[:-1] if "Next step" in page)
    assert "More notes" in texts[-1]
    assert len(texts) == pages - 1


def test_notes_fill_takes_the_room_only_when_the_next_block_will_not_fit() -> None:
    from reportlab.lib.units import mm

    from sfa_desktop.printing.flowables import NotesFill

    fill = NotesFill(300.0)
    assert fill.wrap(400, 500) == (400, 0)  # the next block fits below: no lines
    width, height = fill.wrap(400, 200)  # it does not: lines down to the bottom
    assert width == 400
    assert 200 - 3 * mm - 6.3 * mm < height <= 200 - 3 * mm
    assert fill.count == int((200 - 3 * mm) // (6.3 * mm))
    assert NotesFill(300.0).wrap(400, 15) == (400, 0)  # less than two lines left: nothing


def test_script_placeholders_are_filled_on_the_call_sheet() -> None:
    """Issue 14: '{first name}' and '{your name}' were printed as written."""
    from sfa_desktop.core.callsheet import data

    info = data.CallInfo(
        activity_id="a",
        owner_id="r",
        kind="call",
        subject="Intro",
        due_at=dt.datetime(2026, 3, 3, 9, tzinfo=dt.UTC),
        duration_minutes=None,
        notes=None,
        account_id="acc",
        lead_id=None,
        opportunity_id=None,
        party=data.Party("Acme Tools", (), None, None, None, None, None),
        person=data.Person("Jane Acmeson", "Fleet Manager", None, None, None, "Jane", "Acmeson"),
        step=data.Step("Outreach", "Intro", 1, 2, "call",
                       "Hi {first name}, {your name} of {company}; {budget}?", (), (), 0),
    )  # fmt: skip
    callsheet.fill_script(info, "Daniel Okafor")
    assert info.step is not None
    assert info.step.script == "Hi Jane, Daniel Okafor of Acme Tools; {budget}?"


def test_a_day_for_a_car_time_order_the_leg_home_overdue_calls_and_the_distance_unit(
    tmp_path: Path,
) -> None:
    """Issue 14: visits were numbered before phone calls (a 13:15 call after a 20:15 visit), no leg back
    home, the overdue call left out, km for a US rep, and one call per page."""
    from sfa_desktop.core import settings
    from sfa_desktop.core.records import services
    from sfa_desktop.ops import callsheet as callsheet_ops

    store = LocalStore.open(tmp_path / "data")
    try:
        w = seed_world(store, DAY)
        with store.transaction() as s:
            late = services.create(
                s,
                "activities",
                {
                    "kind": "call",
                    "subject": "Overdue call to Acme",
                    "due_at": dt.datetime.combine(DAY - dt.timedelta(days=2), dt.time(10), dt.UTC),
                    "account_id": w.accounts["Acme Tools"],
                    "owner_id": w.rep,
                },
            ).id
        now = dt.datetime.combine(DAY, dt.time(6), dt.UTC)
        with store.reading() as session:
            sheet = callsheet.build(session, [w.rep], DAY, tz=dt.UTC, now=now)
            later = callsheet.build(session, [w.rep], DAY, tz=dt.UTC, now=now + dt.timedelta(days=1))
        (day,) = sheet.reps[0].days
        calls = day.calls
        assert [c.info.due_at for c in calls] == sorted(c.info.due_at for c in calls)  # time order
        assert calls[0].info.activity_id == late  # the overdue call, first
        assert [c.overdue for c in calls] == [True] + [False] * (len(calls) - 1)
        assert late not in {c.info.activity_id for c in later.calls}  # a sheet of another day: not carried
        last = day.route[-1].info.party.position
        assert last is not None
        assert day.home_km == pytest.approx(route.distance_km(last, HOME))
        assert day.drive_km == pytest.approx(day.route_km + route.distance_km(last, HOME))

        path = tmp_path / "car.pdf"
        pages = render(sheet, path, size="A4", unit="mi")  # miles on A4 paper: the unit is a setting
        texts = _text(path)
        whole = " ".join(texts)
        assert "Back to Boston office" in texts[0]
        assert route.format_distance(day.drive_km, "mi") in texts[0]
        assert " km" not in whole
        assert "Overdue call to Acme" in whole
        subjects = [c.info.subject for c in calls]
        positions = [whole.index(f"WHY THIS CALL {subject}") for subject in subjects]
        assert positions == sorted(positions)  # the blocks in time order
        assert pages < 1 + len(calls)  # calls share pages (it was a cover and a page per call)

        with store.transaction() as s:  # the setting: auto from the phone region, or km / mi
            assert settings.distance_unit(s) == "mi"  # phone region US
            settings.put(s, "phone_region", "DE")
            assert settings.distance_unit(s) == "km"
            settings.put(s, "distance_unit", "Miles")
            assert settings.get(s, "distance_unit") == "mi"
            with pytest.raises(ValueError, match="not a distance unit"):
                settings.put(s, "distance_unit", "leagues")
        out = tmp_path / "ops.pdf"
        callsheet_ops.write_call_sheet(store, [w.rep], DAY, DAY, out, "A4", remember=False)
        first = _text(out)[0]
        assert re.findall(r"\d+\.\d (km|mi)", first)
        assert set(re.findall(r"\d+\.\d (km|mi)", first)) == {"mi"}
    finally:
        store.close()


@pytest.mark.parametrize("size", ["A4", "Letter"])
def test_a_realistic_day_of_eight_calls_fits_on_four_pages_in_time_order(tmp_path: Path, size: str) -> None:
    """Issue 14, item 6: a demo day of 9 calls printed on 7 pages (blocks of 105-130 mm).  The demo's own
    data (accounts, contacts, open opportunities, histories, sequence steps with scripts) for a day of 8
    calls: the cover and the eight blocks on at most four pages, each call's name, phone and time in the
    text, in time order."""
    from sqlalchemy import text

    from sfa_desktop.core.demo import generator as demo

    today = dt.date(2026, 11, 2)
    store = LocalStore.open(tmp_path / "data")
    try:
        with store.transaction() as s:
            demo.seed(s, accounts=200, seed=3, today=today, tz=dt.UTC)
            rep = s.execute(text("SELECT id FROM users WHERE login = 'dokafor'")).scalar_one()
        with store.reading() as s:
            planned = callsheet.build(s, [rep], today, tz=dt.UTC).calls
        assert len(planned) >= 8
        with store.transaction() as s:  # the rest of the day done: eight calls left
            for call in planned[8:]:
                s.execute(
                    text("UPDATE activities SET done_at = due_at WHERE id = :id"),
                    {"id": call.info.activity_id},
                )
        sheet = _sheet(store, [rep], today)
        calls = sheet.calls
        assert len(calls) == 8
        assert any(c.info.step is not None and c.info.step.script for c in calls)  # a script to print
        path = tmp_path / "day.pdf"
        pages = render(sheet, path, size=size)
        texts = _text(path)
        assert len(texts) == pages <= 4
        whole = " ".join(texts)
        position = 0
        for call in calls:  # each block: the name and time in its band, the phones in its left column
            info = call.info
            start = whole.index(f"WHY THIS CALL {info.subject}", position)
            header = whole.rindex(info.party.name, position, start)
            block = whole[header:start]
            assert f"{info.due_at.astimezone(dt.UTC):%H:%M}" in block, info.party.name
            phones = [info.party.phone, *((info.person.phone, info.person.mobile) if info.person else ())]
            shown = [format_phone(p) for p in phones if p]
            assert shown, info.party.name
            assert all(p in block for p in shown), info.party.name
            position = start  # the next call after this one
    finally:
        store.close()
