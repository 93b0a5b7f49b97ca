"""The lead-scoring rules: their JSON form (the ``lead_scoring_rules`` setting), the defaults, validation.

The setting holds ``{"rules": [...]}``; each rule has a ``kind``, its parameters, ``points`` (negative
points count against a lead) and an optional ``label`` shown in the reasons.  Kinds:

Fit (who the lead is)
  ``industry``      ``industries``: the lead's industry is one of them.
  ``company_size``  ``min`` and/or ``max`` employees: the lead's company size is in the band.
  ``territory``     the lead is in its owner's territories: its territory is one of the owner's (or below
                    one), or its address matches an assignment rule of one of them.  ``outside_points``
                    (optional) count when it is known to be elsewhere.
  ``source``        ``sources``: the lead came from one of them.
Engagement (what the lead did with us; done activities linked to the lead)
  ``activities``    ``days``, ``points_each``, ``max_points``: points per activity in the last days.
  ``outcome``       ``outcomes``, ``days``: an activity in the last days ended with one of them.
  ``recency``       ``days``: the last contact was at most that many days ago.
  ``no_contact``    ``days``: no contact for more than that many days (counted from when the lead came in
                    if it was never contacted).

:func:`parse` checks everything and raises :class:`RulesError` listing every problem by rule number.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sfa_desktop.core.errors import UserError
from sfa_desktop.core.records.fields import ACTIVITY_OUTCOMES, INDUSTRIES, LEAD_SOURCES

MAX_RULES = 100
FIT_KINDS = ("industry", "company_size", "territory", "source")
ENGAGEMENT_KINDS = ("activities", "outcome", "recency", "no_contact")
KINDS = (*FIT_KINDS, *ENGAGEMENT_KINDS)
KIND_LABELS = {
    "industry": "Target industry",
    "company_size": "Company size",
    "territory": "Owner's territory",
    "source": "Lead source",
    "activities": "Recent activities",
    "outcome": "Activity outcome",
    "recency": "Recent contact",
    "no_contact": "No recent contact",
}
_MAX_EMPLOYEES = 10_000_000
#: Parameters of each kind: name -> (type, required).  ``points`` and ``label`` are common to all.
_PARAMETERS: dict[str, dict[str, tuple[str, bool]]] = {
    "industry": {"industries": ("industries", True)},
    "company_size": {"min": ("employees", False), "max": ("employees", False)},
    "territory": {"outside_points": ("points", False)},
    "source": {"sources": ("sources", True)},
    "activities": {"days": ("days", True), "points_each": ("points", True), "max_points": ("points", False)},
    "outcome": {"outcomes": ("outcomes", True), "days": ("days", True)},
    "recency": {"days": ("days", True)},
    "no_contact": {"days": ("days", True)},
}
_VOCABULARIES = {"industries": INDUSTRIES, "sources": LEAD_SOURCES, "outcomes": ACTIVITY_OUTCOMES}

DEFAULT_RULES: list[dict[str, Any]] = [
    {
        "kind": "industry",
        "industries": ["Manufacturing", "Logistics", "Construction", "Utilities", "Energy", "Wholesale"],
        "points": 15,
    },
    {"kind": "company_size", "min": 1000, "points": 20, "label": "Enterprise"},
    {"kind": "company_size", "min": 100, "max": 999, "points": 15, "label": "Mid-market"},
    {"kind": "company_size", "max": 19, "points": -5, "label": "Very small company"},
    {"kind": "territory", "points": 10, "outside_points": -10},
    {"kind": "source", "sources": ["referral", "partner", "trade show"], "points": 10},
    {"kind": "activities", "days": 30, "points_each": 4, "max_points": 16},
    {"kind": "outcome", "outcomes": ["meeting booked", "order placed"], "days": 90, "points": 20},
    {"kind": "outcome", "outcomes": ["interested", "follow-up needed"], "days": 60, "points": 10},
    {"kind": "outcome", "outcomes": ["not interested"], "days": 90, "points": -20},
    {"kind": "recency", "days": 14, "points": 10},
    {"kind": "no_contact", "days": 60, "points": -10},
]


def default_json() -> str:
    """The default rules as the setting stores them (in canonical form, like any saved rules)."""
    return normalize(dumps(DEFAULT_RULES))


def dumps(rules: list[dict[str, Any]]) -> str:
    """The setting's text: compact, one rule per line, so that it reads well and diffs well."""
    lines = ",\n  ".join(json.dumps(rule, ensure_ascii=False) for rule in rules)
    return '{"rules": [\n  ' + lines + "\n]}" if rules else '{"rules": []}'


class RulesError(UserError, ValueError):
    """The rules are not valid; ``problems`` lists each one for a person."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(" ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Rule:
    number: int
    kind: str
    points: int
    label: str
    params: dict[str, Any]

    @property
    def group(self) -> str:
        return "fit" if self.kind in FIT_KINDS else "engagement"


def parse(text: str) -> list[Rule]:
    """The rules of the setting's JSON text, checked; RulesError names every problem."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RulesError(
            [f"The rules are not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})."]
        ) from None
    if isinstance(document, list):
        document = {"rules": document}
    if (
        not isinstance(document, dict)
        or set(document) != {"rules"}
        or not isinstance(document["rules"], list)
    ):
        raise RulesError(['The rules must be a JSON object {"rules": [...]} holding a list of rules.'])
    raw_rules = document["rules"]
    if len(raw_rules) > MAX_RULES:
        raise RulesError([f"There are {len(raw_rules)} rules; at most {MAX_RULES} are allowed."])
    problems: list[str] = []
    rules = []
    for number, raw in enumerate(raw_rules, start=1):
        rule = _parse_rule(number, raw, problems)
        if rule is not None:
            rules.append(rule)
    if problems:
        raise RulesError(problems)
    return rules


def normalize(text: str) -> str:
    """The rules as the setting stores them (validated, vocabulary words in their canonical case)."""
    return dumps([to_json(rule) for rule in parse(text)])


def to_json(rule: Rule) -> dict[str, Any]:
    result: dict[str, Any] = {"kind": rule.kind, **rule.params}
    if rule.kind != "activities":
        result["points"] = rule.points
    if rule.label != KIND_LABELS[rule.kind] and rule.label:
        result["label"] = rule.label
    return result


def _parse_rule(number: int, raw: Any, problems: list[str]) -> Rule | None:
    where = f"Rule {number}"
    if not isinstance(raw, dict):
        problems.append(f'{where} is not an object like {{"kind": "industry", ...}}.')
        return None
    kind = raw.get("kind")
    if kind not in KINDS:
        problems.append(f"{where}: kind {json.dumps(kind)} is not one of: {', '.join(KINDS)}.")
        return None
    where = f"Rule {number} ({kind})"
    counted = kind != "activities"  # which counts points per activity instead
    allowed = {"kind", "label", *_PARAMETERS[kind]} | ({"points"} if counted else set())
    for key in raw:
        if key not in allowed:
            problems.append(f"{where}: unknown setting '{key}'; it may have: {', '.join(sorted(allowed))}.")
    before = len(problems)
    points = _number(raw.get("points"), "points", where, problems, required=True) if counted else 0
    label = raw.get("label", KIND_LABELS[kind])
    if not isinstance(label, str) or len(label) > 80:
        problems.append(f"{where}: label must be text of at most 80 characters.")
    params: dict[str, Any] = {}
    for name, (kind_of_value, required) in _PARAMETERS[kind].items():
        value = raw.get(name)
        if value is None:
            if required:
                problems.append(f"{where}: '{name}' is required.")
            continue
        if kind_of_value in _VOCABULARIES:
            params[name] = _words(value, name, _VOCABULARIES[kind_of_value], where, problems)
        else:
            params[name] = _number(value, name, where, problems, kind_of_value=kind_of_value)
    if kind == "company_size" and len(problems) == before:
        low, high = params.get("min"), params.get("max")
        if low is None and high is None:
            problems.append(f"{where}: give 'min', 'max' or both (a number of employees).")
        elif low is not None and high is not None and low > high:
            problems.append(f"{where}: 'min' ({low:,}) is more than 'max' ({high:,}).")
    if len(problems) > before:
        return None
    return Rule(number, kind, int(points or 0), str(label).strip() or KIND_LABELS[kind], params)


_RANGES = {"points": (-100, 100), "days": (1, 3650), "employees": (0, _MAX_EMPLOYEES)}


def _number(
    value: Any,
    name: str,
    where: str,
    problems: list[str],
    *,
    kind_of_value: str = "points",
    required: bool = False,
) -> int | None:
    low, high = _RANGES[kind_of_value]
    if value is None:
        if required:
            problems.append(f"{where}: '{name}' is required (a whole number from {low} to {high:,}).")
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        problems.append(
            f"{where}: '{name}' must be a whole number from {low} to {high:,}, not {json.dumps(value)}."
        )
        return None
    return value


def _words(value: Any, name: str, vocabulary: tuple[str, ...], where: str, problems: list[str]) -> list[str]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        problems.append(f"{where}: '{name}' must be a list of words such as [\"{vocabulary[0]}\"].")
        return []
    folded = {v.casefold(): v for v in vocabulary}
    result: list[str] = []
    for word in value:
        canonical = folded.get(word.strip().casefold())
        if canonical is None:
            problems.append(f"{where}: '{word}' is not one of the {name}: {', '.join(vocabulary)}.")
        elif canonical not in result:
            result.append(canonical)
    return result
