"""The planner's settings (this laptop's preferences, ``core.settings``): the working week and the
travel model.  :func:`check` validates one value for ``core.settings.put``."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from sfa_desktop.core.visiting_hours import DAYS, HoursError
from sfa_desktop.core.visiting_hours import parse as parse_hours

DEFAULTS: dict[str, str] = {
    #: the working day (HH:MM), the working days (as in visiting hours: Mon-Fri) and lunch (HH:MM-HH:MM or
    #: nothing): no visit is planned outside the day nor during lunch
    "plan_day_start": "08:30",
    "plan_day_end": "17:30",
    "plan_working_days": "Mon-Fri",
    "plan_lunch": "12:30-13:30",
    #: road distance = straight line x road factor; travel time at the average speed (km/h)
    "plan_road_factor": "1.3",
    "plan_speed_kmh": "50",
    #: how long the solver may search (seconds) before the best plan found is shown
    "plan_seconds": "2",
}
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")


def _clock(value: str) -> int:
    match = _CLOCK.match(value.strip())
    if match is None or int(match.group(1)) > 24 or int(match.group(2)) > 59:
        raise ValueError(f"'{value}' is not a time of day; write it like 08:30.")
    minutes = int(match.group(1)) * 60 + int(match.group(2))
    if minutes > 24 * 60:
        raise ValueError(f"'{value}' is not a time of day; write it like 08:30.")
    return minutes


def _number(value: str, low: float, high: float, what: str) -> float:
    try:
        number = float(value.strip().replace(",", "."))
    except ValueError:
        raise ValueError(f"'{value}' is not a number; {what}.") from None
    if not math.isfinite(number) or not low <= number <= high:
        raise ValueError(f"'{value}' is out of range; {what}.")
    return number


def _days(value: str) -> list[int]:
    try:
        week = parse_hours(f"{value.strip()} 00:00-23:59")
    except HoursError:
        raise ValueError(f"'{value}' is not a set of days; write them like Mon-Fri or Mon,Tue,Thu.") from None
    return sorted(week)


def check(key: str, value: str) -> str:
    """The value normalised, or ValueError with a message for a person."""
    if key in ("plan_day_start", "plan_day_end"):
        minutes = _clock(value)
        return f"{minutes // 60:02d}:{minutes % 60:02d}"
    if key == "plan_working_days":
        days = _days(value)
        return ",".join(DAYS[d - 1] for d in days)
    if key == "plan_lunch":
        if not value.strip():
            return ""
        parts = value.split("-")
        if len(parts) != 2:
            raise ValueError(f"'{value}' is not a time span; write lunch like 12:30-13:30, or nothing.")
        start, end = (_clock(p) for p in parts)
        if end <= start:
            raise ValueError(f"Lunch '{value}' ends before it starts; write it like 12:30-13:30.")
        return f"{start // 60:02d}:{start % 60:02d}-{end // 60:02d}:{end % 60:02d}"
    if key == "plan_road_factor":
        return str(_number(value, 1.0, 5.0, "give a road factor from 1 to 5, such as 1.3"))
    if key == "plan_speed_kmh":
        return str(_number(value, 5.0, 200.0, "give an average speed from 5 to 200 km/h, such as 50"))
    if key == "plan_seconds":
        return str(_number(value, 0.2, 120.0, "give a number of seconds from 0.2 to 120, such as 3"))
    raise KeyError(key)


@dataclass(frozen=True)
class PlanSettings:
    day_start: int = 8 * 60 + 30  # minutes from midnight
    day_end: int = 17 * 60 + 30
    working_days: tuple[int, ...] = (1, 2, 3, 4, 5)  # ISO weekdays
    lunch: tuple[int, int] | None = (12 * 60 + 30, 13 * 60 + 30)
    road_factor: float = 1.3
    speed_kmh: float = 50.0
    seconds: float = 2.0

    def __post_init__(self) -> None:
        if self.day_end <= self.day_start:
            raise ValueError(
                "The working day ends before it starts: set the day's end (plan_day_end) after its start."
            )

    @classmethod
    def from_values(cls, values: dict[str, str]) -> PlanSettings:
        get = {**DEFAULTS, **values}
        lunch = check("plan_lunch", get["plan_lunch"])
        return cls(
            _clock(get["plan_day_start"]),
            _clock(get["plan_day_end"]),
            tuple(_days(get["plan_working_days"])),
            (_clock(lunch.split("-")[0]), _clock(lunch.split("-")[1])) if lunch else None,
            float(check("plan_road_factor", get["plan_road_factor"])),
            float(check("plan_speed_kmh", get["plan_speed_kmh"])),
            float(check("plan_seconds", get["plan_seconds"])),
        )
