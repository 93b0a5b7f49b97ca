"""The fixed vocabularies of the record fields: industries, lead statuses and sources, the default
pipeline stages, activity kinds and outcomes, roles and statuses.  Import them from
:mod:`sfa_desktop.core.records.fields`, the fields' public face.
"""

from __future__ import annotations

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
#: Service requests and complaints (issue 15): what they are about, how bad, where they stand.
REQUEST_CATEGORIES = ("delivery", "billing", "quality", "service", "price", "other")
REQUEST_SEVERITIES = ("low", "normal", "high", "critical")
REQUEST_STATUSES = ("new", "in progress", "waiting on customer", "resolved", "closed")

#: Customer segments (service levels per segment, issue 16); an account without one is served as C.
SEGMENTS = ("A", "B", "C")

#: Why customers defect (the textbook's six kinds), and whether the account is gone or buying less.
DEFECTION_TYPES = ("price", "product", "service", "market", "technological", "organisational")
DEFECTION_STATUSES = ("lost", "declining")
