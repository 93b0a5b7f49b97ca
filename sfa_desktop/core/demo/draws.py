"""The demo's small draws: one random.Random, drawn from in a fixed order, so that a seed gives the same
rows; and what the draws need (a city's phone numbers and addresses, unique company names, web domains
and email addresses).  The rows themselves are built by :mod:`sfa_desktop.core.demo.rows`.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import random
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sfa_desktop.core.demo import data
from sfa_desktop.core.records.fields import INDUSTRIES

#: 8:00 to 16:45 local time (the demo's time zone) in quarter hours: the working day.
_QUARTER_HOURS = tuple(dt.timedelta(minutes=m) for m in range(8 * 60, 17 * 60, 15))
_ASCII_FOLD = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "ß": "ss", "æ": "ae", "Æ": "AE"})


@functools.lru_cache(maxsize=4096)
def ascii_fold(text: str) -> str:
    """'Zoë Müller' -> 'Zoe Muller': for email addresses and web domains made from names."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_ASCII_FOLD))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@functools.lru_cache(maxsize=4096)
def _slug(text: str) -> str:
    """'Müller & Sons' -> 'mullerandsons'."""
    return "".join(ch for ch in ascii_fold(text).lower().replace("&", "and") if ch.isalnum())


@functools.lru_cache(maxsize=4096)
def _name_part(text: str) -> str:
    """'O'Brien' -> 'obrien', 'Min-jun' -> 'min-jun': a name as it appears in an email address."""
    return "".join(ch for ch in ascii_fold(text).lower() if ch.isalnum() or ch == "-").strip("-")


def _local_part(first: str, last: str) -> str:
    return f"{_name_part(first)}.{_name_part(last)}"


_T = TypeVar("_T")
# uuid4 layout: version nibble 4, variant bits 10 (as uuid.UUID(int=..., version=4) sets them)
_UUID_CLEAR = ~((0xF000 << 64) | (0xC000 << 48)) & ((1 << 128) - 1)
_UUID_SET = (0x4000 << 64) | (0x8000 << 48)


class Weighted:
    """Weighted choice with cumulative weights computed once."""

    def __init__(self, weights: dict[str, int]) -> None:
        self.values = tuple(weights)
        total = sum(weights.values())
        running = 0.0
        self.bounds: list[float] = []
        for weight in weights.values():
            running += weight / total
            self.bounds.append(running)

    def draw(self, r: float) -> str:
        return self.values[min(bisect.bisect_right(self.bounds, r), len(self.values) - 1)]


@dataclass
class Place:
    territory: str
    city: data.City


class Draws:
    """Draws every value from one random.Random, in a fixed order, so that a seed gives the same rows.

    Hot draws use ``random()`` directly (``pick``, ``between``): several times faster than ``choice`` and
    ``randint``, which matters for a few hundred thousand rows.
    """

    def __init__(self, seed: int, today: dt.date, tz: dt.tzinfo = dt.UTC) -> None:
        self.rng = random.Random(seed)
        self.random = self.rng.random
        self.today = today
        #: The demo's time zone: its working hours are this zone's (the laptop's for ``sfa demo``).
        self.zone = tz
        self.midnight = dt.datetime.combine(today, dt.time(0, 0), tz)
        self.data = words = data.load()
        self.territory_codes = tuple(words.territories)
        self.cities = {
            code: tuple(c for c in words.cities if c.state in states)
            for code, (_name, states) in words.territories.items()
        }
        self.used_names: set[str] = set()
        self.used_domains: set[str] = set()
        self.used_emails: set[str] = set()
        self._days: dict[int, dt.datetime] = {}

    # -- small draws ------------------------------------------------------------------------------------
    def uid(self) -> str:
        """Same text as ``str(uuid.UUID(int=getrandbits(128), version=4))``, without the object."""
        bits = self.rng.getrandbits(128) & _UUID_CLEAR | _UUID_SET
        h = f"{bits:032x}"
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def pick(self, seq: Sequence[_T]) -> _T:
        return seq[int(self.random() * len(seq))]

    def between(self, low: int, high: int) -> int:
        """An integer in [low, high]."""
        return low + int(self.random() * (high - low + 1))

    def chance(self, p: float) -> bool:
        return self.random() < p

    def place(self) -> Place:
        territory = self.pick(self.territory_codes)
        return Place(territory, self.pick(self.cities[territory]))

    def phone(self, city: data.City) -> str:
        area = self.pick(city.area_codes)
        exchange = self.between(200, 999)
        if exchange % 100 == 11 or exchange == 555:  # N11 service codes, 555 fiction numbers
            exchange += 1
        line = self.between(0, 9999)
        style = self.between(0, 3)
        if style == 0:
            return f"({area}) {exchange}-{line:04d}"
        if style == 1:
            return f"{area}-{exchange}-{line:04d}"
        if style == 2:
            return f"{area}.{exchange}.{line:04d}"
        return f"+1 {area} {exchange} {line:04d}"

    def address(self, city: data.City) -> dict[str, Any]:
        street = (
            f"{self.between(1, 2999)} {self.pick(self.data.street_names)} {self.pick(self.data.street_types)}"
        )
        if self.chance(0.25):
            street += f", Suite {self.between(1, 9)}{self.between(0, 2)}0"
        return {
            "street": street,
            "city": city.name,
            "region": city.state,
            "postcode": f"{int(city.zip_code) + self.between(0, 14):05d}",
            "country": "US",
        }

    def person(self) -> tuple[str, str]:
        return self.pick(self.data.first_names), self.pick(self.data.last_names)

    def email(self, first: str, last: str, domain: str) -> str:
        local = _local_part(first, last)
        address = f"{local}@{domain}"
        number = 2
        while address in self.used_emails:
            address = f"{local}{number}@{domain}"
            number += 1
        self.used_emails.add(address)
        return address

    def employees(self) -> int:
        return int(10 ** (0.7 + 3.7 * self.random()))

    def company(self) -> tuple[str, str, str]:
        """A new company: (name, industry, web domain), unique in this data set."""
        for attempt in range(1000):
            industry = self.pick(INDUSTRIES)
            prefix = self.pick(self.data.last_names if self.chance(0.3) else self.data.company_prefixes)
            core = self.pick(self.data.company_cores[industry])
            name = f"{prefix} {core}{self.pick(self.data.company_suffixes)}"
            if attempt > 20:
                name += f" {attempt}"
            if name not in self.used_names:
                break
        self.used_names.add(name)
        base = _slug(prefix) + _slug(core)
        for ending in self.data.domain_endings:
            domain = base + ending
            if domain not in self.used_domains:
                break
        number = 2
        while domain in self.used_domains:
            domain = f"{base}{number}.com"
            number += 1
        self.used_domains.add(domain)
        return name, industry, domain

    def business_time(self, days_from_today: int) -> dt.datetime:
        """A quarter hour between 8:00 and 16:45 in the demo's time zone, in UTC."""
        day = self._days.get(days_from_today)
        if day is None:
            day = self._days[days_from_today] = self.midnight + dt.timedelta(days=days_from_today)
        return (day + self.pick(_QUARTER_HOURS)).astimezone(dt.UTC)
