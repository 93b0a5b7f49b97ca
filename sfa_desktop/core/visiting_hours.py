"""When a customer receives visits: a weekly window such as ``Mon-Fri 08:00-12:00`` (an account's
``visiting_hours``; empty means the rep's working day).

The text is one or more parts separated by ``;``, each a set of days (``Mon``, ``Mon-Fri``,
``Mon,Wed,Fri``) and one or more times (``08:00-12:00``, ``08:00-12:00 14:00-17:00``).  :func:`parse`
reads it into minutes from midnight per ISO weekday (1 Monday .. 7 Sunday); :func:`normalise` writes it
back in one spelling.
"""

from __future__ import annotations

import itertools
import re

from sfa_desktop.core.errors import UserError

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_BY_NAME = {d.lower(): i + 1 for i, d in enumerate(DAYS)}
_TIME = re.compile(r"^(\d{1,2})[:.h](\d{2})$")
EXAMPLE = "Mon-Fri 08:00-12:00"

#: ISO weekday -> sorted (start, end) minutes from midnight.
Week = dict[int, list[tuple[int, int]]]


class HoursError(UserError, ValueError):
    """Visiting hours that cannot be read; the message says how to write them."""


def _problem(text: str, why: str) -> HoursError:
    return HoursError(
        f"The visiting hours '{text}' {why}: write them like '{EXAMPLE}' or 'Mon,Wed 09:00-17:00'."
    )


def _day(name: str, text: str) -> int:
    day = _BY_NAME.get(name.strip().lower()[:3])
    if day is None or len(name.strip()) < 3:
        raise _problem(text, f"name '{name.strip()}', which is not a day")
    return day


def _days(spec: str, text: str) -> list[int]:
    days: list[int] = []
    for piece in spec.split(","):
        if "-" in piece:
            first, last = (_day(p, text) for p in piece.split("-", 1))
            if last < first:
                raise _problem(text, f"run from {DAYS[first - 1]} back to {DAYS[last - 1]}")
            days += range(first, last + 1)
        elif piece.strip():
            days.append(_day(piece, text))
    return days


def _minutes(value: str, text: str) -> int:
    match = _TIME.match(value.strip())
    if match is None:
        raise _problem(text, f"have '{value.strip()}', which is not a time like 08:00")
    hours, minutes = int(match.group(1)), int(match.group(2))
    if hours > 24 or minutes > 59 or (hours == 24 and minutes):
        raise _problem(text, f"have '{value.strip()}', which is not a time of day")
    return hours * 60 + minutes


def parse(text: str | None) -> Week:
    """The windows per weekday; an empty text gives an empty week (no restriction).  Raises HoursError."""
    week: Week = {}
    if text is None or not text.strip():
        return week
    for part in text.split(";"):
        words = part.split()
        if not words:
            continue
        if len(words) < 2:
            raise _problem(text, "need days and times")
        days = _days(words[0], text)
        for span in words[1:]:
            if span.count("-") != 1:
                raise _problem(text, f"have '{span}', which is not a time span like 08:00-12:00")
            start, end = (_minutes(v, text) for v in span.split("-"))
            if end <= start:
                raise _problem(text, f"have '{span}', which ends before it starts")
            for day in days:
                week.setdefault(day, []).append((start, end))
    for day, spans in week.items():
        spans.sort()
        for (_, end), (start, _) in itertools.pairwise(spans):
            if start < end:
                raise _problem(text, f"have times that overlap on {DAYS[day - 1]}")
    return week


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def normalise(text: str | None) -> str | None:
    """The hours in one spelling ('Mon-Fri 08:00-12:00; Sat 09:00-11:00'), None when empty."""
    week = parse(text)
    if not week:
        return None
    groups: dict[tuple[tuple[int, int], ...], list[int]] = {}
    for day in sorted(week):
        groups.setdefault(tuple(week[day]), []).append(day)
    parts = []
    for spans, days in groups.items():
        runs: list[list[int]] = []
        for day in days:
            if runs and runs[-1][-1] == day - 1:
                runs[-1].append(day)
            else:
                runs.append([day])
        names = ",".join(
            DAYS[r[0] - 1] if len(r) == 1 else f"{DAYS[r[0] - 1]}-{DAYS[r[-1] - 1]}" for r in runs
        )
        parts.append(names + " " + " ".join(f"{_clock(a)}-{_clock(b)}" for a, b in spans))
    return "; ".join(parts)


def windows(week: Week, weekday: int, day_start: int, day_end: int) -> list[tuple[int, int]]:
    """The windows of one weekday within the working day (``day_start``..``day_end`` minutes): the whole
    working day when the week is empty, none on a day the customer receives no visits."""
    if not week:
        return [(day_start, day_end)]
    found = []
    for start, end in week.get(weekday, []):
        lo, hi = max(start, day_start), min(end, day_end)
        if lo < hi:
            found.append((lo, hi))
    return found
