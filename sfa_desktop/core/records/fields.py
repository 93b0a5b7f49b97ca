"""What each kind of record holds, field by field: labels, kinds, choices and how typed text is cleaned.

One description serves the services (validation), the GUI (forms and list columns) and the command line
(``--field value`` options and table output), so a field added here appears everywhere at once.

This module is the public face: the record descriptions are here; the vocabularies
(:mod:`~sfa_desktop.core.records.vocabularies`), the :class:`Field` and :class:`Entity` shapes
(:mod:`~sfa_desktop.core.records.field_types`) and the cleaning of values
(:mod:`~sfa_desktop.core.records.cleaning`) live beside it and are imported from here.
"""

from __future__ import annotations

from sfa_desktop.core.records import models
from sfa_desktop.core.records.cleaning import clean, clean_value, country_region, display_value
from sfa_desktop.core.records.field_types import Entity, Field
from sfa_desktop.core.records.vocabularies import (
    ACTIVITY_KINDS,
    ACTIVITY_OUTCOMES,
    DEFECTION_STATUSES,
    DEFECTION_TYPES,
    ENROLLMENT_STATUSES,
    INDUSTRIES,
    LEAD_SOURCES,
    LEAD_STATUSES,
    OPPORTUNITY_STAGES,
    ORDER_STATUSES,
    REQUEST_CATEGORIES,
    REQUEST_SEVERITIES,
    REQUEST_STATUSES,
    RULE_SCOPES,
    SEGMENTS,
    SEQUENCE_TARGETS,
    STAGE_CATEGORIES,
    USER_ROLES,
)

__all__ = [
    "ACCOUNTS",
    "ACTIVITIES",
    "ACTIVITY_KINDS",
    "ACTIVITY_OUTCOMES",
    "COMMENTS",
    "CONTACTS",
    "DEFECTIONS",
    "DEFECTION_STATUSES",
    "DEFECTION_TYPES",
    "ENROLLMENT_STATUSES",
    "ENTITIES",
    "INDUSTRIES",
    "KB_ARTICLES",
    "LEADS",
    "LEAD_SOURCES",
    "LEAD_STATUSES",
    "MEMBERSHIPS",
    "NOTIFICATION_READS",
    "OPPORTUNITIES",
    "OPPORTUNITY_STAGES",
    "ORDERS",
    "ORDER_LINES",
    "ORDER_STATUSES",
    "PIPELINE_STAGES",
    "PRODUCTS",
    "REQUEST_CATEGORIES",
    "REQUEST_COMMENTS",
    "REQUEST_SEVERITIES",
    "REQUEST_STATUSES",
    "RULE_SCOPES",
    "SEGMENTS",
    "SEQUENCE_ENROLLMENTS",
    "SEQUENCE_TARGETS",
    "SEQUENCE_TEMPLATES",
    "SERVICE_LEVELS",
    "SERVICE_REQUESTS",
    "STAGE_CATEGORIES",
    "TERRITORIES",
    "TERRITORY_RULES",
    "USERS",
    "USER_ROLES",
    "Entity",
    "Field",
    "clean",
    "clean_value",
    "country_region",
    "display_value",
]


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
        # visits (issue 16): the service level's segment, this account's own frequency, its hours
        Field("segment", "Segment", "choice", choices=SEGMENTS),
        Field("visit_min_days", "Visit every (days, from)", "int", minimum=1, maximum=3650),
        Field("visit_max_days", "Visit every (days, at most)", "int", minimum=1, maximum=3650),
        Field("visiting_hours", "Visiting hours", "hours", max_length=60),
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
        Field("plan_stop", "Stop on the planned route", "int", minimum=1, maximum=999),
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
SERVICE_LEVELS = Entity(
    "service_levels",
    models.ServiceLevel,
    "service level",
    "service levels",
    (
        Field("territory_id", "Territory", "ref", ref="territories"),
        Field("segment", "Segment", "choice", required=True, choices=SEGMENTS),
        Field("visit_min_days", "Visit every (days, from)", "int", required=True, minimum=1, maximum=3650),
        Field("visit_max_days", "Visit every (days, at most)", "int", required=True, minimum=1, maximum=3650),
        Field("visit_minutes", "Visit length (minutes)", "int", required=True, minimum=5, maximum=720),
        Field(
            "answer_hours",
            "Answer within (hours)",
            "float",
            required=True,
            minimum=0,
            maximum=8760,
            decimals=1,
        ),
        Field(
            "resolve_hours",
            "Resolve within (hours)",
            "float",
            required=True,
            minimum=0,
            maximum=8760,
            decimals=1,
        ),
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

COMMENTS = Entity(
    "comments",
    models.Comment,
    "comment",
    "comments",
    (
        Field("table_name", "On", required=True, max_length=64),
        Field("record_id", "Record", required=True, max_length=36),
        Field("account_id", "Account", "ref", ref="accounts"),
        Field("author_id", "Author", "ref", ref="users"),
        Field("body", "Comment", "longtext", required=True),
        Field("edited_at", "Edited", "datetime"),
        Field("owner_id", "Owner", "ref", ref="users"),
    ),
    system_fields=(Field("mentions", "Mentions", "longtext"),),
)
NOTIFICATION_READS = Entity(
    "notification_reads",
    models.NotificationRead,
    "read notification",
    "read notifications",
    (
        Field("key", "Notification", required=True, max_length=200),
        Field("read_at", "Read", "datetime"),
        Field("owner_id", "User", "ref", ref="users"),
    ),
)
SERVICE_REQUESTS = Entity(
    "service_requests",
    models.ServiceRequest,
    "request",
    "requests",
    (
        Field("account_id", "Account", "ref", required=True, ref="accounts"),
        Field("contact_id", "Contact", "ref", ref="contacts"),
        Field("activity_id", "Raised at visit", "ref", ref="activities"),
        Field("category", "Category", "choice", required=True, choices=REQUEST_CATEGORIES),
        Field("severity", "Severity", "choice", required=True, choices=REQUEST_SEVERITIES),
        Field("subject", "Subject", required=True, max_length=200),
        Field("description", "Description", "longtext"),
        Field("status", "Status", "choice", choices=REQUEST_STATUSES),
        Field("raised_by_id", "Raised by", "ref", ref="users"),
        Field("assigned_to_id", "Assigned to", "ref", ref="users"),
        Field("first_answered_at", "First answered", "datetime"),
        Field("resolved_at", "Resolved", "datetime"),
        Field("resolution", "Resolution", "longtext"),
        Field("owner_id", "Owner", "ref", ref="users"),
    ),
    system_fields=(Field("links", "Links", "longtext"),),
)
REQUEST_COMMENTS = Entity(
    "request_comments",
    models.RequestComment,
    "request comment",
    "request comments",
    (
        Field("request_id", "Request", "ref", required=True, ref="service_requests"),
        Field("account_id", "Account", "ref", required=True, ref="accounts"),
        Field("author_id", "Author", "ref", required=True, ref="users"),
        Field("body", "Comment", "longtext", required=True),
        Field("owner_id", "Owner", "ref", ref="users"),
    ),
)
DEFECTIONS = Entity(
    "defections",
    models.Defection,
    "defection",
    "defections",
    (
        Field("account_id", "Account", "ref", required=True, ref="accounts"),
        Field("status", "Status", "choice", required=True, choices=DEFECTION_STATUSES),
        Field("defection_type", "Defection type", "choice", required=True, choices=DEFECTION_TYPES),
        Field("reason", "Reason", "longtext", required=True, max_length=2000),
        Field("defected_on", "Date", "date", required=True),
        Field("owner_id", "Rep", "ref", ref="users"),
    ),
    system_fields=(Field("recorded_by_id", "Recorded by", "ref", ref="users"),),
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
        SERVICE_LEVELS,
        ORDERS,
        ORDER_LINES,
        COMMENTS,
        NOTIFICATION_READS,
        SERVICE_REQUESTS,
        REQUEST_COMMENTS,
        DEFECTIONS,
    )
}
