"""Hypothesis strategies shared by the unit tests: values a person might type, drawn from the field specs.

``valid_value(field)`` draws text that ``fields.clean_value`` must accept; ``invalid_value(field)`` draws
text it must refuse with a FieldError.  Reference fields are drawn by the tests themselves (they need live
ids).
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import phonenumbers
from hypothesis import strategies as st

from sfa_desktop.core.records.fields import Field

#: Letters people really type in names, including accents, other scripts and a few symbols.
NAME_ALPHABET = st.characters(
    codec="utf-8",
    categories=("L", "M", "N", "P", "S", "Zs"),
)
#: Anything at all: control characters, NUL, emoji, combining marks (but never lone surrogates).
ANY_TEXT = st.text(st.characters(codec="utf-8"), max_size=60)

US_AREA_CODES = ("201", "206", "212", "303", "312", "404", "415", "512", "617", "646", "713", "917")


@st.composite
def us_national_number(draw: st.DrawFn) -> str:
    """Ten digits of a US number that phonenumbers considers valid (area code, exchange, line)."""
    area = draw(st.sampled_from(US_AREA_CODES))
    exchange = draw(st.integers(200, 999))
    line = draw(st.integers(0, 9999))
    digits = f"{area}{exchange:03d}{line:04d}"
    number = phonenumbers.parse(digits, "US")
    if not phonenumbers.is_valid_number(number):  # pragma: no cover - depends on the metadata
        from hypothesis import reject

        reject()
    return digits


def us_formats(digits: str) -> list[str]:
    """The ways a person writes a ten-digit US number."""
    a, e, n = digits[:3], digits[3:6], digits[6:]
    return [
        digits,
        f"{a} {e} {n}",
        f"({a}) {e}-{n}",
        f"{a}-{e}-{n}",
        f"{a}.{e}.{n}",
        f"1 {a} {e} {n}",
        f"1-{a}-{e}-{n}",
        f"+1 {a} {e} {n}",
        f"+1 ({a}) {e}-{n}",
        f"+1{digits}",
        f"  {a} {e} {n}  ",
    ]


INTERNATIONAL_NUMBERS = (
    ("+44 20 7946 0958", "+442079460958"),
    ("+49 30 123456", "+4930123456"),
    ("+33 1 42 68 53 00", "+33142685300"),
    ("+81 3-1234-5678", "+81312345678"),
    ("+61 2 9374 4000", "+61293744000"),
)

_unique = itertools.count(1)


def unique_suffix() -> str:
    """A per-process unique suffix for fields with a UNIQUE constraint (login, code, sku)."""
    return str(next(_unique))


def _text(max_size: int, *, min_size: int = 0) -> st.SearchStrategy[str]:
    return st.text(NAME_ALPHABET, min_size=min_size, max_size=max_size).filter(
        lambda s: len(s.strip()) >= min_size
    )


@st.composite
def email_address(draw: st.DrawFn) -> str:
    """Plain addresses that email-validator accepts (the bulk of real data)."""
    local = draw(st.from_regex(r"[a-z0-9]{1,10}([._+-][a-z0-9]{1,8}){0,2}", fullmatch=True))
    label = draw(st.from_regex(r"[a-z0-9]{1,10}(-[a-z0-9]{1,6})?", fullmatch=True))
    tld = draw(st.sampled_from(("com", "org", "de", "co.uk", "io", "fr")))
    text = f"{local}@{label}.{tld}"
    return draw(st.sampled_from((text, text.upper(), f" {text} ")))


def valid_value(spec: Field) -> st.SearchStrategy[Any]:
    """Input that ``spec`` must accept (a required field never gets an empty value)."""
    strategy = _valid_value(spec)
    if spec.required:
        strategy = strategy.filter(lambda v: v is not None and not (isinstance(v, str) and not v.strip()))
    return strategy


def _valid_value(spec: Field) -> st.SearchStrategy[Any]:
    """What a person may type in ``spec`` and expect to be saved (not for ``ref`` fields)."""
    kind = spec.kind
    if kind == "text":
        return _text(min(spec.max_length or 80, 40), min_size=1 if spec.required else 0)
    if kind == "longtext":
        lines = st.lists(_text(60, min_size=1), min_size=1, max_size=4)
        return st.one_of(st.none(), _text(200, min_size=1), lines.map("\n\t".join))
    if kind == "email":
        return st.one_of(st.none(), email_address())
    if kind == "phone":
        return st.one_of(
            st.none(),
            us_national_number().flatmap(lambda d: st.sampled_from(us_formats(d))),
            st.sampled_from([raw for raw, _ in INTERNATIONAL_NUMBERS]),
        )
    if kind == "url":
        return st.one_of(
            st.none(),
            st.from_regex(r"(https?://)?(www\.)?[a-z0-9]{1,12}\.(com|de|org)(/[a-z]{1,6})?", fullmatch=True),
        )
    if kind == "int":
        ints = st.integers(spec.minimum or 0, spec.maximum if spec.maximum is not None else 10**6)
        return st.one_of(st.none(), ints, ints.map(str))
    if kind == "float":
        low = float(spec.minimum if spec.minimum is not None else -1e6)
        high = float(spec.maximum if spec.maximum is not None else 1e6)
        numbers = st.floats(low, high, allow_nan=False, allow_infinity=False)
        return st.one_of(st.none(), numbers, numbers.map(repr))
    if kind == "money":
        cents = st.integers(0, 10**12)
        return st.one_of(
            st.none(),
            cents,
            cents.map(lambda c: f"{c // 100:,}.{c % 100:02d}"),
            cents.map(lambda c: str(c // 100)),
        )
    if kind == "date":
        return st.one_of(
            st.none(), st.dates(dt.date(1990, 1, 1), dt.date(2060, 12, 31)).map(dt.date.isoformat)
        )
    if kind == "datetime":
        return st.one_of(
            st.none(),
            st.datetimes(dt.datetime(2000, 1, 1), dt.datetime(2050, 1, 1), timezones=st.just(dt.UTC)),
        )
    if kind == "choice":
        return st.one_of(
            st.none() if not spec.required else st.nothing(),
            st.sampled_from(spec.choices),
            st.sampled_from(spec.choices).map(str.upper),
        )
    if kind == "bool":
        return st.one_of(st.booleans(), st.sampled_from(("yes", "no", "1", "0", "True", "off")))
    if kind == "country":
        return st.one_of(st.none(), st.sampled_from(("US", "gb", "De", "fr", "JP")))
    if kind == "hours":  # visiting hours (core.visiting_hours)
        return st.one_of(
            st.none(),
            st.sampled_from(
                ("Mon-Fri 08:00-12:00", "mon,wed 9:00-17:00", "Tue 08:00-10:00 14:00-16:00; Sat 09:00-11:00")
            ),
        )
    raise AssertionError(f"no strategy for {kind}")


def invalid_value(spec: Field) -> st.SearchStrategy[Any]:
    """Input that ``spec`` must refuse (not for ``ref`` fields)."""
    kind = spec.kind
    if kind in ("text", "longtext"):
        controls = st.sampled_from(("bad\x00value", "bad\x1bvalue", "bad\x7fvalue"))
        if spec.required:
            return st.one_of(st.sampled_from(("", "   ", None)), controls)
        if spec.max_length is None:
            return controls
        return st.one_of(st.just("x" * (spec.max_length + 1)), controls)
    if kind == "email":
        return st.sampled_from(("not-an-email", "a@@b.com", "jane@", "@example.com", "jane doe@acme.com"))
    if kind == "phone":
        return st.sampled_from(("12", "call me", "+1 000", "555-01", "+999 12"))
    if kind == "url":
        return st.sampled_from(("not a url", "http://", "acme"))
    if kind == "int":
        low = (spec.minimum or 0) - 1
        high = (spec.maximum or 10**6) + 1
        return st.sampled_from(("many", "1.5", str(low), high))
    if kind == "float":
        too_high = float(spec.maximum if spec.maximum is not None else 1e6) + 1
        return st.sampled_from(("north", "NaN", "inf", str(too_high), True))
    if kind == "money":
        return st.sampled_from(("-5", "1.234", "lots", "NaN", "Infinity", -1))
    if kind == "date":
        return st.sampled_from(("31/02/2026", "tomorrow", "2026-02-30"))
    if kind == "datetime":
        return st.sampled_from(("yesterday", "2026-13-01 10:00"))
    if kind == "choice":
        return st.just("no such choice")
    if kind == "bool":
        return st.just("maybe")
    if kind == "country":
        return st.sampled_from(("USA", "1A", "Ü", "Éx"))
    if kind == "hours":
        return st.sampled_from(("Funday 08:00-12:00", "Mon 12:00-08:00", "Mon-Fri", "Mon 8-12"))
    raise AssertionError(f"no strategy for {kind}")


def has_invalid(spec: Field) -> bool:
    return spec.kind != "ref"
