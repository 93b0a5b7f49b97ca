"""Visiting hours: a weekly window read and written back, and bad text refused with an example."""

from __future__ import annotations

import pytest

from sfa_desktop.core import visiting_hours
from sfa_desktop.core.planning.settings import PlanSettings, check
from sfa_desktop.core.visiting_hours import HoursError


def test_parse_and_normalise() -> None:
    week = visiting_hours.parse("mon-fri 8:00-12:00; Sat 09.00-11:00 14:00-15:30")
    assert week[1] == [(480, 720)]
    assert week[5] == [(480, 720)]
    assert week[6] == [(540, 660), (840, 930)]
    assert 7 not in week
    assert visiting_hours.normalise("Mon,Tue,Wed 08:00-12:00;Thu-Fri 08:00-12:00") == "Mon-Fri 08:00-12:00"
    assert visiting_hours.normalise("Mon,Wed 09:00-17:00") == "Mon,Wed 09:00-17:00"
    assert visiting_hours.normalise("  ") is None
    assert visiting_hours.parse(None) == {}


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("Mon-Fri", "need days and times"),
        ("Funday 08:00-12:00", "not a day"),
        ("Fri-Mon 08:00-12:00", "back to"),
        ("Mon 12:00-08:00", "ends before it starts"),
        ("Mon 08:00-25:00", "not a time of day"),
        ("Mon 08:00-12:00 11:00-13:00", "overlap"),
        ("Mon 8-12", "not a time like"),
    ],
)
def test_bad_hours_say_how_to_write_them(text: str, why: str) -> None:
    with pytest.raises(HoursError, match=why) as raised:
        visiting_hours.parse(text)
    assert "Mon-Fri 08:00-12:00" in str(raised.value)


def test_windows_of_a_day() -> None:
    week = visiting_hours.parse("Mon 07:00-10:00 16:00-19:00")
    assert visiting_hours.windows(week, 1, 8 * 60, 17 * 60) == [(480, 600), (960, 1020)]
    assert visiting_hours.windows(week, 2, 480, 1020) == []
    assert visiting_hours.windows({}, 2, 480, 1020) == [(480, 1020)]  # no hours: the working day


def test_planner_settings_are_checked_and_normalised() -> None:
    assert check("plan_day_start", "8:05") == "08:05"
    assert check("plan_working_days", "mon-thu") == "Mon,Tue,Wed,Thu"
    assert check("plan_lunch", "") == ""
    assert check("plan_lunch", "12:00-12:45") == "12:00-12:45"
    for key, bad in (("plan_lunch", "13:00-12:00"), ("plan_road_factor", "0.5"), ("plan_speed_kmh", "fast")):
        with pytest.raises(ValueError, match=r"\S"):
            check(key, bad)
    settings = PlanSettings.from_values({"plan_working_days": "Mon,Wed", "plan_lunch": ""})
    assert settings.working_days == (1, 3)
    assert settings.lunch is None
    with pytest.raises(ValueError, match="ends before it starts"):
        PlanSettings.from_values({"plan_day_start": "18:00"})
