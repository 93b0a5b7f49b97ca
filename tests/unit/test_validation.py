"""Cleaning what a person typed: emails, phones, money, numbers, dates, choices, countries, yes/no.

The email fast path must agree with email-validator on every address (the library is the authority), phones
written any way a person writes them must come out as the same E.164 number, and every refusal must carry a
message that names the field.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import phonenumbers
import pytest
from email_validator import EmailNotValidError, validate_email
from hypothesis import example, given, settings
from hypothesis import strategies as st

from sfa_desktop.core.records import fields
from sfa_desktop.core.records.fields import ENTITIES, Field, clean, clean_value
from sfa_desktop.core.records.validation import (
    FieldError,
    ValidationError,
    format_money,
    format_phone,
    normalize_email,
    normalize_phone,
    parse_date,
    parse_datetime,
    parse_int,
    parse_money_cents,
)
from tests.strategies import INTERNATIONAL_NUMBERS, us_formats, us_national_number

# -- emails ----------------------------------------------------------------------------------------------

LOCAL_ALPHABET = st.sampled_from(
    [*"abcxyzABCXYZ0189", *".+-_%'!#$&*/=?^`{|}~", "é", "ü", "ß", "Ж", "中", "😀"]
)
LABEL_ALPHABET = st.sampled_from([*"abcxyzABC0189-", "é", "ü", "ж"])
TLDS = st.sampled_from(
    (
        "com", "org", "de", "io", "uk", "museum", "xn--p1ai", "c", "co", "123",
        "test", "local", "localhost", "example", "invalid", "onion", "arpa", "internal", "alt", "home",
        "lan", "corp", "COM", "Test",
    )
)  # fmt: skip


@st.composite
def email_like(draw: st.DrawFn) -> str:
    """Strings shaped like addresses, valid or nearly so, so that both the fast and the slow path are hit."""
    local = draw(st.text(LOCAL_ALPHABET, min_size=0, max_size=70))
    labels = draw(
        st.lists(
            st.one_of(
                st.text(LABEL_ALPHABET, min_size=0, max_size=12),
                st.sampled_from(("xn--bcher-kva", "ab--cd", "a" * 63, "a" * 64, "example", "home")),
            ),
            min_size=0,
            max_size=4,
        )
    )
    tld = draw(TLDS)
    domain = ".".join([*labels, tld])
    at = draw(st.sampled_from(("@", "@", "@", "@@", "")))
    return f"{local}{at}{domain}"


def library(text: str) -> str | None:
    try:
        return validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError:
        return None


def ours(text: str) -> str | None:
    try:
        return normalize_email(text)
    except FieldError as exc:
        message = str(exc)
    assert "name@company.com" in message
    return None


@pytest.mark.slow
@settings(max_examples=1500, deadline=None)
@given(email_like())
@example("jane.doe@acme.com")
@example("Jane.Doe+crm@Sub.Acme.CO.UK")
@example("a@ab--cd.com")
@example("a@xn--abc.com")
@example("a@xn--bcher-kva.com")
@example("a@b.test")
@example("a@b.home.arpa")
@example("a@123.com")
@example("a@b.c")
@example("a..b@c.com")
@example(".a@c.com")
@example("a@-b.com")
@example("x" * 64 + "@acme.com")
@example("x" * 65 + "@acme.com")
@example("a@" + "b" * 63 + ".com")
@example("a@" + ("b" * 60 + ".") * 4 + "com")
def test_email_fast_path_agrees_with_email_validator(address: str) -> None:
    assert ours(address) == library(address)


def test_email_is_trimmed_and_domain_lowercased() -> None:
    assert normalize_email("  Jane.Doe@ACME.Com ") == "Jane.Doe@acme.com"


def test_bad_email_message_names_the_field() -> None:
    with pytest.raises(ValidationError) as info:
        clean(ENTITIES["contacts"], {"last_name": "Doe", "email": "jane@"})
    assert set(info.value.errors) == {"email"}
    assert "name@company.com" in info.value.errors["email"]


# -- phones ----------------------------------------------------------------------------------------------


@given(us_national_number(), st.data())
def test_us_numbers_in_any_format_give_one_e164(digits: str, data: st.DataObject) -> None:
    written = data.draw(st.sampled_from(us_formats(digits)))
    assert normalize_phone(written, "US") == f"+1{digits}"
    # A number with its country code reads the same whatever the default region.
    assert normalize_phone(f"+1 {digits}", "DE") == f"+1{digits}"


@pytest.mark.parametrize(("written", "e164"), INTERNATIONAL_NUMBERS)
@pytest.mark.parametrize("region", ["US", "GB", "DE"])
def test_numbers_with_a_country_code(written: str, e164: str, region: str) -> None:
    assert normalize_phone(written, region) == e164
    assert normalize_phone(format_phone(e164), region) == e164


def test_national_numbers_are_read_in_the_region() -> None:
    assert normalize_phone("020 7946 0958", "GB") == "+442079460958"
    assert normalize_phone("030 123456", "DE") == "+4930123456"


@pytest.mark.parametrize("written", ["12", "call me", "+1 000", "555-01", "+999 12", "212 555 014", "++1"])
def test_invalid_numbers_raise_with_a_message(written: str) -> None:
    with pytest.raises(FieldError) as info:
        normalize_phone(written, "US")
    message = str(info.value)
    assert written.strip() in message
    assert "phone number" in message


@given(st.text(max_size=30))
def test_any_text_as_a_phone_is_a_number_or_a_field_error(text: str) -> None:
    try:
        e164 = normalize_phone(text, "US")
    except FieldError:
        return
    assert e164.startswith("+")
    assert e164[1:].isdigit()
    assert phonenumbers.is_valid_number(phonenumbers.parse(e164, None))


# -- clean(): every bad field, each message naming it ---------------------------------------------------


def test_clean_collects_every_bad_field_with_its_label() -> None:
    values = {
        "last_name": "  ",
        "email": "nope",
        "phone": "12",
        "country": "USA",
        "consent_email": "maybe",
        "account_id": 5,
        "shoe_size": "44",
    }
    with pytest.raises(ValidationError) as info:
        clean(ENTITIES["contacts"], values)
    errors = info.value.errors
    assert set(errors) == set(values)
    labels = ENTITIES["contacts"].by_name
    assert errors["last_name"].startswith("Last name")
    assert errors["account_id"].startswith(labels["account_id"].label)
    assert "shoe_size" in errors["shoe_size"]
    for name in ("email", "phone", "country", "consent_email"):
        assert errors[name], name
    # The exception's text lists every field too (the command line prints it as one line).
    for name in values:
        assert name in str(info.value)


def test_clean_reports_missing_required_fields_by_label() -> None:
    with pytest.raises(ValidationError) as info:
        clean(ENTITIES["opportunities"], {})
    assert info.value.errors == {
        "name": "Name is required.",
        "account_id": "Account is required.",
    }


def test_partial_clean_checks_only_the_given_fields() -> None:
    assert clean(ENTITIES["contacts"], {"title": " CTO "}, partial=True) == {"title": "CTO"}


def test_messages_name_the_label_for_range_and_length() -> None:
    with pytest.raises(ValidationError) as info:
        clean(ENTITIES["accounts"], {"name": "x" * 201, "employee_count": "-1"})
    assert info.value.errors["name"] == "Name is 201 characters long; the limit is 200."
    assert info.value.errors["employee_count"] == "Employees must be at least 0."


# -- money --------------------------------------------------------------------------------------------------


@given(st.integers(0, 10**13))
def test_money_round_trips_through_its_display(cents: int) -> None:
    assert parse_money_cents(format_money(cents)) == cents
    assert parse_money_cents(f"{cents // 100}.{cents % 100:02d}") == cents
    assert parse_money_cents(cents) == cents


@pytest.mark.parametrize(
    ("typed", "cents"),
    [
        ("1,250.50", 125050),
        ("$1,250.5", 125050),
        ("€ 12", 1200),
        ("£0.01", 1),
        (" 7 ", 700),
        ("0", 0),
        (Decimal("3.10"), 310),
        (2.5, 250),
        ("1e3", 100000),
    ],
)
def test_money_parsing(typed: str | Decimal | float, cents: int) -> None:
    assert parse_money_cents(typed) == cents


@pytest.mark.parametrize(
    ("typed", "fragment"),
    [
        ("-5", "negative"),
        (-1, "negative"),
        ("1.234", "two decimal places"),
        ("lots", "not an amount"),
        ("NaN", "not an amount"),
        ("Infinity", "not an amount"),
        ("", "not an amount"),
        ("10000000000000.01", "too large"),
    ],
)
def test_money_refusals(typed: str | int, fragment: str) -> None:
    with pytest.raises(FieldError, match=fragment):
        parse_money_cents(typed)


# -- whole numbers, dates, choices, countries, yes/no ----------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "number"), [("1,200", 1200), (" 42 ", 42), ("1_000", 1000), (7, 7), ("-0", 0)]
)
def test_int_parsing(typed: str | int, number: int) -> None:
    assert parse_int(typed, minimum=0, maximum=5000) == number


@pytest.mark.parametrize("typed", ["1.5", "many", "", "0x10", "½"])
def test_int_refusals(typed: str) -> None:
    with pytest.raises(FieldError, match="not a whole number"):
        parse_int(typed)


def test_int_range() -> None:
    spec = ENTITIES["opportunities"].by_name["probability"]
    assert clean_value(spec, "100") == 100
    with pytest.raises(FieldError, match="at most 100"):
        clean_value(spec, "101")
    with pytest.raises(FieldError, match="whole number"):
        clean_value(spec, True)


LATITUDE = ENTITIES["accounts"].by_name["latitude"]


@given(st.floats(-90, 90, allow_nan=False))
def test_coordinates_keep_seven_decimals_and_survive_json_capture(number: float) -> None:
    """Change capture writes floats with SQLite's JSON (15 significant digits): a cleaned coordinate
    must come back from that JSON exactly, or a synced copy would differ from the laptop's."""
    import contextlib
    import json
    import sqlite3

    cleaned = clean_value(LATITUDE, str(number))
    assert cleaned == round(number, 7)
    with contextlib.closing(sqlite3.connect(":memory:")) as db:
        (rendered,) = db.execute("SELECT json_array(?)", (cleaned,)).fetchone()
    assert json.loads(rendered) == [cleaned]


def test_float_range_and_refusals() -> None:
    assert clean_value(LATITUDE, "48,8566") == 48.8566
    assert clean_value(LATITUDE, -90) == -90.0
    for typed, message in (("north", "is not a number"), ("nan", "is not a number"), ("91", "at most 90")):
        with pytest.raises(FieldError, match=message):
            clean_value(LATITUDE, typed)
    with pytest.raises(ValueError, match="needs its decimals"):
        Field("x", "X", "float")


@given(st.dates())
def test_dates_round_trip(day: dt.date) -> None:
    assert parse_date(day.isoformat()) == day
    assert parse_date(f" {day.isoformat()} ") == day


@pytest.mark.parametrize("typed", ["31/02/2026", "2026-02-30", "tomorrow", "2026-13-01"])
def test_date_refusals(typed: str) -> None:
    with pytest.raises(FieldError, match="YYYY-MM-DD"):
        parse_date(typed)


def test_datetime_is_stored_in_utc() -> None:
    aware = dt.datetime(2026, 3, 31, 14, 30, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert parse_datetime(aware) == dt.datetime(2026, 3, 31, 12, 30, tzinfo=dt.UTC)
    assert parse_datetime("2026-03-31T14:30+02:00") == dt.datetime(2026, 3, 31, 12, 30, tzinfo=dt.UTC)
    local = parse_datetime("2026-03-31 14:30")
    assert local.tzinfo == dt.UTC
    assert local == dt.datetime(2026, 3, 31, 14, 30).astimezone().astimezone(dt.UTC)
    with pytest.raises(FieldError, match="YYYY-MM-DD HH:MM"):
        parse_datetime("at noon")


@given(
    st.sampled_from(tuple(fields.OPPORTUNITY_STAGES)), st.sampled_from((str.upper, str.lower, str.title, str))
)
def test_choices_are_case_insensitive_and_canonical(stage: str, case: object) -> None:
    spec = ENTITIES["opportunities"].by_name["stage"]
    typed = case(stage)  # type: ignore[operator]
    assert clean_value(spec, f" {typed} ") == stage


def test_unknown_choice_lists_the_choices() -> None:
    spec = ENTITIES["leads"].by_name["status"]
    with pytest.raises(FieldError) as info:
        clean_value(spec, "hot")
    for status in fields.LEAD_STATUSES:
        assert status in str(info.value)


@pytest.mark.parametrize(("typed", "code"), [("us", "US"), (" gb ", "GB"), ("De", "DE")])
def test_countries(typed: str, code: str) -> None:
    assert clean_value(Field("country", "Country", "country", max_length=2), typed) == code


@pytest.mark.parametrize("typed", ["USA", "U", "1A", "É1", "ÉX", "Ü"])
def test_country_refusals(typed: str) -> None:
    with pytest.raises(FieldError, match="two-letter country code"):
        clean_value(Field("country", "Country", "country", max_length=2), typed)


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        (True, True),
        (False, False),
        ("yes", True),
        ("Y", True),
        (" on ", True),
        ("1", True),
        ("x", True),
        ("no", False),
        ("OFF", False),
        ("0", False),
        ("", False),
        (None, False),
    ],
)
def test_yes_no(typed: object, value: bool) -> None:
    assert clean_value(Field("active", "Active", "bool"), typed) is value


def test_yes_no_refusal() -> None:
    with pytest.raises(FieldError, match="not yes or no"):
        clean_value(Field("active", "Active", "bool"), "maybe")


def test_empty_optional_values_are_none_and_required_ones_refused() -> None:
    for spec in ENTITIES["leads"].fields:
        if spec.kind == "bool":
            continue
        if spec.required:
            with pytest.raises(FieldError, match="required"):
                clean_value(spec, "   ")
        else:
            assert clean_value(spec, "   ") is None
            assert clean_value(spec, None) is None


def _library_e164(text: str, region: str) -> str | None:
    """What phonenumbers alone says: the E.164 form, or None when it refuses the number."""
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


_NANP_FORMATS = (
    "({a}) {b}-{c}",
    "{a}-{b}-{c}",
    "{a}.{b}.{c}",
    "{a} {b} {c}",
    "{a}{b}{c}",
    "1 {a} {b} {c}",
    "1-{a}-{b}-{c}",
    "+1 {a} {b} {c}",
    "+1 ({a}) {b}-{c}",
    "+1{a}{b}{c}",
    "+1-{a}-{b}-{c}",
)


@pytest.mark.slow
@settings(max_examples=2000, deadline=None)
@given(
    npa=st.integers(200, 999),
    nxx=st.one_of(st.integers(200, 999), st.sampled_from([211, 411, 555, 611, 800, 911, 958, 959, 976])),
    line=st.integers(0, 9999),
    pattern=st.sampled_from(_NANP_FORMATS),
    region=st.sampled_from(["US", "CA", "PR", "GB", "DE"]),
)
def test_north_american_fast_path_agrees_with_phonenumbers(npa, nxx, line, pattern, region):
    text = pattern.format(a=npa, b=nxx, c=f"{line:04d}")
    expected = _library_e164(text, region)
    if expected is None:
        with pytest.raises(FieldError):
            normalize_phone(text, region)
    else:
        assert normalize_phone(text, region) == expected
