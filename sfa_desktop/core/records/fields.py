"""What each kind of record holds, field by field: labels, kinds, choices and how typed text is cleaned.

One description serves the services (validation), the GUI (forms and list columns) and the command line
(``--field value`` options and table output), so a field added here appears everywhere at once.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sfa_desktop.core.records import models
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

INDUSTRIES = (
    "Agriculture",
    "Automotive",
    "Banking",
    "Chemicals",
    "Construction",
    "Consulting",
    "Education",
    "Energy",
    "Engineering",
    "Food & Beverage",
    "Government",
    "Healthcare",
    "Hospitality",
    "Insurance",
    "Logistics",
    "Manufacturing",
    "Media",
    "Pharmaceuticals",
    "Real Estate",
    "Retail",
    "Software",
    "Telecommunications",
    "Utilities",
    "Wholesale",
)
LEAD_STATUSES = ("new", "working", "qualified", "disqualified", "converted")
LEAD_SOURCES = (
    "web",
    "referral",
    "trade show",
    "cold call",
    "partner",
    "advertisement",
    "event",
    "email campaign",
    "other",
)
#: The default pipeline: stages with their default win probability (percent).  The pipeline in use is the
#: ``pipeline_stages`` table (see ``core.pipeline``), seeded with these.
OPPORTUNITY_STAGES: dict[str, int] = {
    "prospecting": 10,
    "qualification": 20,
    "needs analysis": 40,
    "proposal": 60,
    "negotiation": 80,
    "closed won": 100,
    "closed lost": 0,
}
ACTIVITY_KINDS = ("call", "visit", "email", "meeting", "task", "note")
ACTIVITY_OUTCOMES = (
    "completed",
    "no answer",
    "left message",
    "interested",
    "not interested",
    "follow-up needed",
    "meeting booked",
    "order placed",
    "cancelled",
)
USER_ROLES = ("rep", "manager", "admin")
ORDER_STATUSES = ("open", "shipped", "invoiced", "cancelled", "returned")
STAGE_CATEGORIES = ("open", "won", "lost")
SEQUENCE_TARGETS = ("lead", "contact", "opportunity", "any")
ENROLLMENT_STATUSES = ("active", "paused", "completed", "exited")
RULE_SCOPES = ("accounts", "leads", "both")


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: str = "text"  # text longtext email phone url int float money date datetime choice bool ref country
    required: bool = False
    max_length: int | None = None
    choices: tuple[str, ...] = ()
    ref: str | None = None  # the entity a ``ref`` field points at
    minimum: int | None = None
    maximum: int | None = None
    unique: bool = False  # no two live records may share the value
    #: A ``choice`` whose vocabulary lives in the database ("pipeline_stages": the active stages, in order).
    #: ``choices`` then only lists the defaults; the services check the value against the database.
    choices_from: str | None = None
    #: ``float`` fields are rounded to this many decimal places.  Change capture writes the outbox with
    #: SQLite's JSON functions, which keep 15 significant digits, so a float field must fit in them:
    #: rounding makes the value that syncs exactly the value that was saved.
    decimals: int | None = None

    def __post_init__(self) -> None:
        if self.kind == "float" and self.decimals is None:
            raise ValueError(f"float field {self.name!r} needs its decimals (see Field.decimals)")


@dataclass(frozen=True)
class Entity:
    key: str  # "contacts"
    model: type[models.SyncedRecord]
    singular: str
    plural: str
    fields: tuple[Field, ...]
    #: Columns shown in lists: (column label, SQL expression key understood by the list query).
    list_columns: tuple[str, ...] = ()
    searchable: bool = False
    #: Fields that services set (merge and conversion links, sequence steps): validated like the others,
    #: but not offered in forms or as command-line options.
    system_fields: tuple[Field, ...] = ()
    by_name: dict[str, Field] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", {f.name: f for f in (*self.fields, *self.system_fields)})


def _address() -> tuple[Field, ...]:
    return (
        Field("street", "Street", "longtext", max_length=200),  # may span lines (Outlook, Salesforce, vCards)
        Field("city", "City", max_length=100),
        Field("region", "State / region", max_length=100),
        Field("postcode", "Postcode", max_length=20),
        Field("country", "Country", "country", max_length=2),
    )


ACCOUNTS = Entity(
    "accounts",
    models.Account,
    "account",
    "accounts",
    (
        Field("name", "Name", required=True, max_length=200),
        Field("industry", "Industry", "choice", choices=INDUSTRIES),
        Field("employee_count", "Employees", "int", minimum=0, maximum=10_000_000),
        Field("website", "Website", "url", max_length=300),
        Field("phone", "Phone", "phone"),
        Field("email", "Email", "email"),
        *_address(),
        # 7 decimal places: about a centimetre, finer than any GPS fix
        Field("latitude", "Latitude", "float", minimum=-90, maximum=90, decimals=7),
        Field("longitude", "Longitude", "float", minimum=-180, maximum=180, decimals=7),
        Field("territory_id", "Territory", "ref", ref="territories"),
        Field("owner_id", "Owner", "ref", ref="users"),
        Field("notes", "Notes", "longtext"),
    ),
    list_columns=("name", "industry", "city", "region", "phone", "territory", "owner"),
    searchable=True,
    system_fields=(Field("merged_into_id", "Merged into", "ref", ref="accounts"),),
)
CONTACTS = Entity(
    "contacts",
    models.Contact,
    "contact",
    "contacts",
    (
        Field("first_name", "First name", max_length=100),
        Field("last_name", "Last name", required=True, max_length=100),
        Field("title", "Job title", max_length=120),
        Field("account_id", "Account", "ref", ref="accounts"),
        Field("email", "Email", "email"),
        Field("phone", "Phone", "phone"),
        Field("mobile", "Mobile", "phone"),
        *_address(),
        Field("consent_email", "Agrees to email", "bool"),
        Field("consent_phone", "Agrees to calls", "bool"),
        Field("owner_id", "Owner", "ref", ref="users"),
        Field("notes", "Notes", "longtext"),
    ),
    list_columns=("name", "title", "account", "email", "phone", "city"),
    searchable=True,
    system_fields=(Field("merged_into_id", "Merged into", "ref", ref="contacts"),),
)
LEADS = Entity(
    "leads",
    models.Lead,
    "lead",
    "leads",
    (
        Field("first_name", "First name", max_length=100),
        Field("last_name", "Last name", required=True, max_length=100),
        Field("company", "Company", max_length=200),
        Field("title", "Job title", max_length=120),
        Field("email", "Email", "email"),
        Field("phone", "Phone", "phone"),
        Field("website", "Website", "url", max_length=300),
        Field("industry", "Industry", "choice", choices=INDUSTRIES),
        Field("employee_count", "Employees", "int", minimum=0, maximum=10_000_000),
        *_address(),
        Field("source", "Lead source", "choice", choices=LEAD_SOURCES),
        Field("status", "Status", "choice", choices=LEAD_STATUSES),
        Field("status_reason", "Status reason", max_length=200),
        Field("territory_id", "Territory", "ref", ref="territories"),
        Field("owner_id", "Owner", "ref", ref="users"),
        Field("notes", "Notes", "longtext"),
    ),
    list_columns=("name", "company", "status", "source", "email", "city", "created"),
    searchable=True,
    system_fields=(
        Field("merged_into_id", "Merged into", "ref", ref="leads"),
        Field("converted_at", "Converted", "datetime"),
        Field("converted_account_id", "Converted to account", "ref", ref="accounts"),
        Field("converted_contact_id", "Converted to contact", "ref", ref="contacts"),
        Field("converted_opportunity_id", "Converted to opportunity", "ref", ref="opportunities"),
    ),
)
OPPORTUNITIES = Entity(
    "opportunities",
    models.Opportunity,
    "opportunity",
    "opportunities",
    (
        Field("name", "Name", required=True, max_length=200),
        Field("account_id", "Account", "ref", required=True, ref="accounts"),
        Field("contact_id", "Contact", "ref", ref="contacts"),
        Field(
            "stage",
            "Stage",
            "choice",
            max_length=30,
            choices=tuple(OPPORTUNITY_STAGES),
            choices_from="pipeline_stages",
        ),
        Field("probability", "Probability %", "int", minimum=0, maximum=100),
        Field("amount_cents", "Amount", "money"),
        Field("close_date", "Close date", "date"),
        Field("next_step", "Next step", max_length=200),
        Field("lost_reason", "Lost reason", max_length=200),
        Field("won_reason", "Won reason", max_length=200),
        Field("owner_id", "Owner", "ref", ref="users"),
        Field("notes", "Notes", "longtext"),
    ),
    list_columns=("name", "account", "stage", "amount", "close_date", "owner"),
)
ACTIVITIES = Entity(
    "activities",
    models.Activity,
    "activity",
    "activities",
    (
        Field("kind", "Kind", "choice", required=True, choices=ACTIVITY_KINDS),
        Field("subject", "Subject", required=True, max_length=200),
        Field("due_at", "Due", "datetime"),
        Field("done_at", "Done", "datetime"),
        Field("outcome", "Outcome", "choice", choices=ACTIVITY_OUTCOMES),
        Field("duration_minutes", "Duration (min)", "int", minimum=0, maximum=24 * 60),
        Field("account_id", "Account", "ref", ref="accounts"),
        Field("contact_id", "Contact", "ref", ref="contacts"),
        Field("lead_id", "Lead", "ref", ref="leads"),
        Field("opportunity_id", "Opportunity", "ref", ref="opportunities"),
        Field("owner_id", "Owner", "ref", ref="users"),
        Field("notes", "Notes", "longtext"),
    ),
    system_fields=(
        Field("enrollment_id", "Sequence enrollment", "ref", ref="sequence_enrollments"),
        Field("step_key", "Sequence step", max_length=40),
    ),
)
TERRITORIES = Entity(
    "territories",
    models.Territory,
    "territory",
    "territories",
    (
        Field("code", "Code", required=True, max_length=32, unique=True),
        Field("name", "Name", required=True, max_length=200),
        Field("parent_id", "Parent", "ref", ref="territories"),
        Field("description", "Description", "longtext"),
    ),
)
USERS = Entity(
    "users",
    models.User,
    "user",
    "users",
    (
        Field("login", "Login", required=True, max_length=64, unique=True),
        Field("full_name", "Full name", required=True, max_length=200),
        Field("email", "Email", "email"),
        Field("phone", "Phone", "phone"),
        Field("role", "Role", "choice", choices=USER_ROLES),
        Field("manager_id", "Manager", "ref", ref="users"),
        Field("active", "Active", "bool"),
        Field("home_base", "Home base", max_length=200),
        Field("home_latitude", "Home latitude", "float", minimum=-90, maximum=90, decimals=7),
        Field("home_longitude", "Home longitude", "float", minimum=-180, maximum=180, decimals=7),
    ),
)
MEMBERSHIPS = Entity(
    "territory_memberships",
    models.TerritoryMembership,
    "membership",
    "memberships",
    (
        Field("territory_id", "Territory", "ref", required=True, ref="territories"),
        Field("user_id", "User", "ref", required=True, ref="users"),
        Field("role", "Role", "choice", choices=("rep", "manager")),
    ),
)
PRODUCTS = Entity(
    "products",
    models.Product,
    "product",
    "products",
    (
        Field("sku", "SKU", required=True, max_length=40, unique=True),
        Field("name", "Name", required=True, max_length=200),
        Field("family", "Family", max_length=80),
        Field("description", "Description", "longtext"),
        Field("unit_price_cents", "Unit price", "money"),
        Field("unit_cost_cents", "Unit cost", "money"),
        Field("active", "Active", "bool"),
    ),
)

PIPELINE_STAGES = Entity(
    "pipeline_stages",
    models.PipelineStage,
    "pipeline stage",
    "pipeline stages",
    (
        Field("key", "Key", required=True, max_length=30, unique=True),
        Field("name", "Name", required=True, max_length=80),
        Field("position", "Position", "int", minimum=0, maximum=1000),
        Field("probability", "Probability %", "int", minimum=0, maximum=100),
        Field("category", "Category", "choice", choices=STAGE_CATEGORIES),
        Field("active", "Active", "bool"),
    ),
)
KB_ARTICLES = Entity(
    "kb_articles",
    models.KbArticle,
    "article",
    "articles",
    (
        Field("title", "Title", required=True, max_length=200),
        Field("category", "Category", max_length=80),
        Field("tags", "Tags", max_length=300),
        Field("body", "Body", "longtext"),
        Field("author_id", "Author", "ref", ref="users"),
        Field("published", "Published", "bool"),
    ),
    system_fields=(Field("product_ids", "Products", "longtext"),),
)
SEQUENCE_TEMPLATES = Entity(
    "sequence_templates",
    models.SequenceTemplate,
    "sequence",
    "sequences",
    (
        Field("name", "Name", required=True, max_length=200, unique=True),
        Field("description", "Description", "longtext"),
        Field("target", "For", "choice", choices=SEQUENCE_TARGETS),
        Field("active", "Active", "bool"),
    ),
    system_fields=(Field("steps", "Steps", "longtext"),),
)
SEQUENCE_ENROLLMENTS = Entity(
    "sequence_enrollments",
    models.SequenceEnrollment,
    "enrollment",
    "enrollments",
    (
        Field("template_id", "Sequence", "ref", required=True, ref="sequence_templates"),
        Field("lead_id", "Lead", "ref", ref="leads"),
        Field("contact_id", "Contact", "ref", ref="contacts"),
        Field("opportunity_id", "Opportunity", "ref", ref="opportunities"),
        Field("account_id", "Account", "ref", ref="accounts"),
        Field("status", "Status", "choice", choices=ENROLLMENT_STATUSES),
        Field("step_key", "Step", max_length=40),
        Field("step_no", "Steps given", "int", minimum=0, maximum=1_000_000),
        Field("attempt", "Attempt", "int", minimum=0, maximum=1000),
        Field("due_at", "Due", "datetime"),
        Field("activity_id", "Current activity", max_length=36),
        Field("started_at", "Started", "datetime"),
        Field("ended_at", "Ended", "datetime"),
        Field("result", "Result", max_length=40),
        Field("reason", "Reason", max_length=200),
        Field("owner_id", "Owner", "ref", ref="users"),
    ),
)
TERRITORY_RULES = Entity(
    "territory_rules",
    models.TerritoryRule,
    "assignment rule",
    "assignment rules",
    (
        Field("territory_id", "Territory", "ref", required=True, ref="territories"),
        Field("name", "Name", required=True, max_length=120),
        Field("priority", "Priority", "int", minimum=0, maximum=100_000),
        Field("applies_to", "Applies to", "choice", choices=RULE_SCOPES),
        Field("country", "Country", "country", max_length=2),
        Field("region", "State / region", max_length=100),
        Field("postcode_prefixes", "Postcode prefixes", max_length=200),
        Field("postcode_from", "Postcodes from", max_length=20),
        Field("postcode_to", "Postcodes to", max_length=20),
        Field("city", "City", max_length=100),
        Field("industry", "Industry", "choice", choices=INDUSTRIES),
        Field("min_employees", "Employees at least", "int", minimum=0, maximum=10_000_000),
        Field("max_employees", "Employees at most", "int", minimum=0, maximum=10_000_000),
        Field("active", "Active", "bool"),
    ),
)
ORDERS = Entity(
    "orders",
    models.Order,
    "order",
    "orders",
    (
        Field("account_id", "Account", "ref", required=True, ref="accounts"),
        Field("number", "Order number", required=True, max_length=40),
        Field("order_date", "Order date", "date", required=True),
        Field("status", "Status", "choice", choices=ORDER_STATUSES),
        Field("total_cents", "Total", "money"),
        Field("cost_cents", "Cost", "money"),
        Field("owner_id", "Owner", "ref", ref="users"),
        Field("notes", "Notes", "longtext"),
    ),
)
ORDER_LINES = Entity(
    "order_lines",
    models.OrderLine,
    "order line",
    "order lines",
    (
        Field("order_id", "Order", "ref", required=True, ref="orders"),
        Field("account_id", "Account", "ref", required=True, ref="accounts"),
        Field("product_id", "Product", "ref", ref="products"),
        Field("description", "Description", max_length=200),
        Field("quantity", "Quantity", "int", minimum=-1_000_000, maximum=1_000_000),
        Field("unit_price_cents", "Unit price", "money"),
        Field("unit_cost_cents", "Unit cost", "money"),
        Field("line_total_cents", "Line total", "money"),
        Field("owner_id", "Owner", "ref", ref="users"),
    ),
)

ENTITIES: dict[str, Entity] = {
    e.key: e
    for e in (
        ACCOUNTS,
        CONTACTS,
        LEADS,
        OPPORTUNITIES,
        ACTIVITIES,
        TERRITORIES,
        USERS,
        MEMBERSHIPS,
        PRODUCTS,
        PIPELINE_STAGES,
        KB_ARTICLES,
        SEQUENCE_TEMPLATES,
        SEQUENCE_ENROLLMENTS,
        TERRITORY_RULES,
        ORDERS,
        ORDER_LINES,
    )
}

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
