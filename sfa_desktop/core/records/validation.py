"""Turning what a person typed into clean values, or a message that names the field and says what to do.

Emails are checked by email-validator and phones normalised to E.164 by phonenumbers.  Both libraries are the
authority; a strict fast path accepts the plain ASCII addresses that make up nearly all real data without the
library's ~70 us per call, and a property test proves the fast path never disagrees with the library.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from functools import lru_cache

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from sfa_desktop.core.errors import UserError


class ValidationError(UserError, ValueError):
    """One or more fields hold values that cannot be saved.  ``errors`` maps field name to message."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(f"{field}: {msg}" for field, msg in self.errors.items()))

    def lines(self) -> list[str]:
        return [f"{field}: {msg}" for field, msg in self.errors.items()]


class FieldError(ValueError):
    """A single value is wrong; the caller attaches the field name."""


# Labels and dots are checked separately below; together they are a subset of what RFC 5321 and
# email-validator accept, so an address matched here is accepted by the library unchanged but for the
# domain, which the library lower-cases.
_FAST_EMAIL = re.compile(
    r"(?P<local>[A-Za-z0-9_%+-]+(?:\.[A-Za-z0-9_%+-]+)*)@"
    r"(?P<domain>(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24})"
)
# email-validator refuses special-use and reserved domains (RFC 6761 and friends); leave those to it.
_SPECIAL_TLDS = frozenset(
    {
        "arpa",
        "invalid",
        "local",
        "localhost",
        "onion",
        "test",
        "example",
        "internal",
        "home",
        "lan",
        "corp",
        "intranet",
        "private",
        "alt",
    }
)


def normalize_email(value: str) -> str:
    text = value.strip()
    match = _FAST_EMAIL.fullmatch(text)
    if match and len(text) <= 254 and len(match["local"]) <= 64:
        domain = match["domain"].lower()
        # "--" in a label is Punycode (xn--: the library decodes or refuses it) or refused outright (ab--cd)
        if domain.rsplit(".", 1)[-1] not in _SPECIAL_TLDS and "--" not in domain:
            return f"{match['local']}@{domain}"
    return _normalize_email_slow(text)


@lru_cache(maxsize=4096)
def _normalize_email_slow(text: str) -> str:
    try:
        return validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise FieldError(
            f"'{text}' is not a valid address: {exc} Check the address, for example name@company.com."
        ) from None


#: Regions of the North American Numbering Plan whose national numbers are NPA-NXX-XXXX.
_NANP_REGIONS = frozenset(
    {
        "US",
        "CA",
        "AG",
        "AI",
        "AS",
        "BB",
        "BM",
        "BS",
        "DM",
        "DO",
        "GD",
        "GU",
        "JM",
        "KN",
        "KY",
        "LC",
        "MP",
        "MS",
        "PR",
        "SX",
        "TC",
        "TT",
        "VC",
        "VG",
        "VI",
    }
)
# A plainly written North American number: optional +1 or 1, area code (in brackets or not), exchange, line.
_NANP_NUMBER = re.compile(
    r"(?P<intl>\+\s*1|1)?[\s.-]*(?:\((?P<npa1>[2-9]\d\d)\)|(?P<npa2>[2-9]\d\d))[\s.-]*"
    r"(?P<nxx>[2-9]\d\d)[\s.-]*(?P<line>\d{4})"
)


def normalize_phone(value: str, region: str = "US") -> str:
    """Return the number in E.164 (+4930123456), reading national numbers in ``region``; an extension
    ("ext. 102", "x102", ";ext=102") is kept after the number as in a tel: URI: +14186569254;ext=102.

    phonenumbers is the authority.  For North American numbers its validity depends on the area code and
    exchange only (checked against the library for every number in a property test), so it is asked once
    per area code and exchange: parsing and validating costs ~55 us a number, too much for bulk imports.
    """
    text = value.strip()
    match = _NANP_NUMBER.fullmatch(text)  # never matches a number with an extension
    if match and (region in _NANP_REGIONS or (match["intl"] or "").startswith("+")):
        npa = match["npa1"] or match["npa2"]
        if _nanp_exchange_valid(npa + match["nxx"]):
            return f"+1{npa}{match['nxx']}{match['line']}"
    return _normalize_phone_slow(text, region)


@lru_cache(maxsize=65536)
def _nanp_exchange_valid(npa_nxx: str) -> bool:
    return bool(phonenumbers.is_valid_number(phonenumbers.parse(f"+1{npa_nxx}5555", None)))


@lru_cache(maxsize=65536)
def _normalize_phone_slow(text: str, region: str) -> str:
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise FieldError(
            f"'{text}' is not a phone number. Type it with its country code (+44 20 7946 0958) "
            f"or as a number in {region}."
        ) from None
    if not phonenumbers.is_valid_number(number):
        raise FieldError(
            f"'{text}' is not a valid phone number for its country. Check the digits and the country code."
        )
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return f"{e164}{EXTENSION}{number.extension}" if number.extension else e164


#: How a stored number carries its extension (RFC 3966's parameter): +14186569254;ext=102.
EXTENSION = ";ext="


def split_extension(stored: str) -> tuple[str, str]:
    """A stored number -> (E.164 number, extension or "")."""
    number, _, extension = stored.partition(EXTENSION)
    return number, extension


def format_phone(e164: str) -> str:
    """A stored E.164 number in the international format people read (+1 212-555-0143)."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


_URL_HOST = re.compile(
    r"^(?:https?://)?([A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+)(/\S*)?$"
)


def normalize_website(value: str) -> str:
    text = value.strip()
    match = _URL_HOST.match(text)
    if not match:
        raise FieldError(f"'{text}' is not a web address. Type it like www.company.com.")
    scheme = "http://" if text.lower().startswith("http://") else "https://"
    return scheme + match.group(1).lower() + (match.group(2) or "")


def parse_int(value: str | int, *, minimum: int | None = None, maximum: int | None = None) -> int:
    if isinstance(value, int):
        number = value
    else:
        text = value.strip().replace(",", "").replace("_", "")
        try:
            number = int(text)
        except ValueError:
            number = _whole_decimal(text, value)
    if minimum is not None and number < minimum:
        raise FieldError(f"must be at least {minimum}.")
    if maximum is not None and number > maximum:
        raise FieldError(f"must be at most {maximum}.")
    return number


def _whole_decimal(text: str, value: str) -> int:
    """'130.0' (how spreadsheets and Salesforce write a number) -> 130; anything else is refused."""
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise FieldError(f"'{value}' is not a whole number.") from None
    if not amount.is_finite() or amount != amount.to_integral_value():
        raise FieldError(f"'{value}' is not a whole number.")
    return int(amount)


def parse_money_cents(value: str | int | float | Decimal) -> int:
    """'1,250.50' -> 125050.  Ints are taken as cents already."""
    if isinstance(value, int):
        cents = value
    else:
        text = str(value).strip().replace(",", "").replace("$", "").replace("€", "").replace("£", "")
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise FieldError(f"'{value}' is not an amount. Type it like 12500 or 12500.50.") from None
        if not amount.is_finite():
            raise FieldError(f"'{value}' is not an amount.")
        if amount != amount.quantize(Decimal("0.01")):
            raise FieldError("has more than two decimal places.")
        cents = int(amount * 100)
    if cents < 0:
        raise FieldError("cannot be negative.")
    if cents > 10**15:
        raise FieldError("is too large.")
    return cents


def format_money(cents: int | None, currency: str = "USD") -> str:
    if cents is None:
        return ""
    symbol = {"USD": "$", "EUR": "€", "GBP": "£"}.get(currency, currency + " ")
    return f"{symbol}{cents / 100:,.2f}"


def parse_date(value: str | dt.date) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise FieldError(f"'{value}' is not a date. Use YYYY-MM-DD, for example 2026-03-31.") from None


def parse_datetime(value: str | dt.datetime) -> dt.datetime:
    if isinstance(value, dt.datetime):
        result = value
    else:
        try:
            result = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            raise FieldError(
                f"'{value}' is not a date and time. Use YYYY-MM-DD HH:MM, for example 2026-03-31 14:30."
            ) from None
    if result.tzinfo is None:
        result = result.astimezone()  # a person types local time
    return result.astimezone(dt.UTC)
