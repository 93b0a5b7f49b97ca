"""How typed text becomes a field's value (:func:`clean_value`, :func:`clean` for a whole record, one
:class:`~sfa_desktop.core.records.validation.ValidationError` naming every bad field) and how a stored value
reads (:func:`display_value`).  Import them from :mod:`sfa_desktop.core.records.fields`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import Any

from sfa_desktop.core.records.field_types import Entity, Field
from sfa_desktop.core.records.validation import (
    FieldError,
    ValidationError,
    normalize_email,
    normalize_phone,
    normalize_website,
    parse_date,
    parse_datetime,
    parse_int,
    parse_money_cents,
)

_LONGTEXT_CONTROLS = "\t\n\r"
_TRUE = {"1", "true", "yes", "y", "on", "x"}
_FALSE = {"0", "false", "no", "n", "off", ""}


def clean_value(spec: Field, value: Any, *, phone_region: str = "US", country: Any = None) -> Any:
    """One field's value, cleaned; ``None`` for empty.  Raises FieldError with a message for a person.

    A national phone number is read in the record's ``country`` first, then in ``phone_region``.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        if spec.kind == "bool":
            return False
        if spec.required:
            raise FieldError("is required.")
        return None
    kind = spec.kind
    if kind in ("text", "longtext", "choice", "ref", "country"):
        if not isinstance(value, str):
            raise FieldError("must be text.")
        allowed = _LONGTEXT_CONTROLS if kind == "longtext" else ""
        if any(ch < " " and ch not in allowed for ch in value) or "\x7f" in value:
            raise FieldError("contains control characters (such as a NUL byte); remove them and try again.")
        text = value.strip() if kind != "longtext" else value.rstrip()
        if kind == "choice" and text not in spec.choices:
            folded = {c.lower(): c for c in spec.choices}
            if text.lower() in folded:
                text = folded[text.lower()]
            elif spec.choices_from is None:
                raise FieldError(f"'{text}' is not one of: {', '.join(spec.choices)}.")
        if kind == "country":
            text = text.upper()
            if len(text) != 2 or not text.isalpha() or not text.isascii():
                raise FieldError(f"'{text}' is not a two-letter country code such as US, GB or DE.")
        if spec.max_length is not None and len(text) > spec.max_length:
            raise FieldError(f"is {len(text)} characters long; the limit is {spec.max_length}.")
        return text
    if kind == "email":
        return normalize_email(str(value))
    if kind == "phone":
        own = country_region(country)
        if own is None or own == phone_region:
            return normalize_phone(str(value), phone_region)
        try:
            return normalize_phone(str(value), own)
        except FieldError:
            try:
                return normalize_phone(str(value), phone_region)
            except FieldError:
                pass
            raise
    if kind == "url":
        return normalize_website(str(value))
    if kind == "hours":
        from sfa_desktop.core import visiting_hours

        try:
            return visiting_hours.normalise(str(value))
        except visiting_hours.HoursError as exc:
            raise FieldError(str(exc)) from None
    if kind == "int":
        if isinstance(value, bool):
            raise FieldError("must be a whole number.")
        return parse_int(value, minimum=spec.minimum, maximum=spec.maximum)
    if kind == "float":
        return _parse_float(value, spec)
    if kind == "money":
        return parse_money_cents(value)
    if kind == "date":
        return parse_date(value)
    if kind == "datetime":
        return parse_datetime(value)
    if kind == "bool":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise FieldError(f"'{value}' is not yes or no.")
    raise AssertionError(f"unknown field kind {kind!r}")


def _parse_float(value: Any, spec: Field) -> float:
    if isinstance(value, bool):
        raise FieldError("must be a number.")
    try:
        number = float(value.strip().replace(",", ".") if isinstance(value, str) else value)
    except (TypeError, ValueError):
        raise FieldError(f"'{value}' is not a number.") from None
    if not math.isfinite(number):
        raise FieldError(f"'{value}' is not a number.")
    if spec.minimum is not None and number < spec.minimum:
        raise FieldError(f"must be at least {spec.minimum}.")
    if spec.maximum is not None and number > spec.maximum:
        raise FieldError(f"must be at most {spec.maximum}.")
    return round(number, spec.decimals) if spec.decimals is not None else number


def clean(
    entity: Entity,
    values: Mapping[str, Any],
    *,
    partial: bool = False,
    phone_region: str = "US",
    country: Any = None,
) -> dict[str, Any]:
    """Clean every given field; on any problem raise one ValidationError naming every bad field.

    ``partial`` (an edit) checks only the fields given; otherwise required fields must be present.
    National phone numbers are read in the record's country first (the one ``values`` give, else
    ``country``: an edited record's), then in ``phone_region`` (the laptop's setting).
    """
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    by_name = entity.by_name
    country = values.get("country") or country
    for name, value in values.items():
        spec = by_name.get(name)
        if spec is None:
            errors[name] = f"{entity.plural} have no field '{name}'."
            continue
        kind = spec.kind
        # The common cases, kept cheap for bulk loads (imports, demo data): the same result as clean_value.
        if kind in ("text", "ref") and type(value) is str:
            text = value.strip()
            if text and (spec.max_length is None or len(text) <= spec.max_length) and text.isprintable():
                cleaned[name] = text
                continue
        elif type(value) is int and (
            (kind == "money" and 0 <= value <= 10**15)
            or (
                kind == "int"
                and (spec.minimum is None or value >= spec.minimum)
                and (spec.maximum is None or value <= spec.maximum)
            )
        ):
            cleaned[name] = value
            continue
        try:
            cleaned[name] = clean_value(spec, value, phone_region=phone_region, country=country)
        except FieldError as exc:
            message = str(exc)
            errors[name] = message if message[:1].isupper() else f"{spec.label} {message}"
    if not partial:
        for spec in entity.fields:
            if spec.required and spec.name not in values:
                errors[spec.name] = f"{spec.label} is required."
    if errors:
        raise ValidationError(errors)
    return cleaned


def country_region(country: Any) -> str | None:
    """The phone region of a country field's value (a two-letter code), None when it is not one."""
    if isinstance(country, str):
        code = country.strip().upper()
        if len(code) == 2 and code.isalpha() and code.isascii():
            return code
    return None


def display_value(spec: Field, value: Any) -> str:
    """A stored value as a person reads it in a form or a table."""
    from sfa_desktop.core.records.validation import format_money, format_phone

    if value is None:
        return ""
    if spec.kind == "money":
        return format_money(int(value))
    if spec.kind == "phone":
        return format_phone(str(value))
    if spec.kind == "bool":
        return "yes" if value else "no"
    if spec.kind == "datetime" and isinstance(value, dt.datetime):
        return value.astimezone().strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)
