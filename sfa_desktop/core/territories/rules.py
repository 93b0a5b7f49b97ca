"""Territory assignment rules: what each condition means, which rule wins when several match, and why.

A rule matches a record (an account or a lead) when every condition it sets holds:

* country, region (state) and city: equal, ignoring case;
* postcode prefixes ("021, 022"): the postcode starts with one of them (spaces and case ignored);
* a postcode range ("01000" to "06999"): the postcode's first characters, as many as each bound has, lie
  between the bounds, so "021" to "024" covers 02100 to 02499 and ZIP+4 codes too;
* industry: equal;
* company size: the employee count is at least ``min_employees`` and at most ``max_employees`` (a record
  whose size is unknown matches no size band).

When several rules match, the lowest priority number wins; at equal priority the more specific rule (the
one that sets more conditions) wins; after that the rule's name decides, alphabetically, and the
explanation says so, so that a person can settle it with a priority.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sfa_desktop.core.records.validation import ValidationError

#: The rule columns that are conditions (as opposed to name, priority, scope).
CONDITIONS = (
    "country",
    "region",
    "postcode_prefixes",
    "postcode_from",
    "postcode_to",
    "city",
    "industry",
    "min_employees",
    "max_employees",
)


def normalize_postcode(value: str | None) -> str:
    return re.sub(r"\s+", "", value or "").upper()


def split_prefixes(value: str | None) -> tuple[str, ...]:
    parts = (normalize_postcode(p) for p in re.split(r"[,;]", value or ""))
    return tuple(dict.fromkeys(p for p in parts if p))


@dataclass(frozen=True)
class Rule:
    id: str
    territory_id: str
    territory: str  # "New England (NE)"
    name: str
    priority: int = 100
    applies_to: str = "both"
    country: str | None = None
    region: str | None = None
    prefixes: tuple[str, ...] = ()
    postcode_from: str | None = None
    postcode_to: str | None = None
    city: str | None = None
    industry: str | None = None
    min_employees: int | None = None
    max_employees: int | None = None

    @classmethod
    def from_row(cls, row: Mapping[str, Any], territory: str = "") -> Rule:
        return cls(
            id=row["id"],
            territory_id=row["territory_id"],
            territory=territory,
            name=row["name"],
            priority=int(row["priority"] if row["priority"] is not None else 100),
            applies_to=row["applies_to"] or "both",
            country=row["country"],
            region=row["region"],
            prefixes=split_prefixes(row["postcode_prefixes"]),
            postcode_from=normalize_postcode(row["postcode_from"]) or None,
            postcode_to=normalize_postcode(row["postcode_to"]) or None,
            city=row["city"],
            industry=row["industry"],
            min_employees=row["min_employees"],
            max_employees=row["max_employees"],
        )

    def conditions(self) -> list[str]:
        """Each condition the rule sets, as a person reads it."""
        parts = []
        if self.country:
            parts.append(f"country {self.country}")
        if self.region:
            parts.append(f"state {self.region}")
        if self.prefixes:
            parts.append("postcode " + ", ".join(f"{p}…" for p in self.prefixes))
        if self.postcode_from or self.postcode_to:
            parts.append(f"postcode {self.postcode_from or '…'}\u2013{self.postcode_to or '…'}")
        if self.city:
            parts.append(f"city {self.city}")
        if self.industry:
            parts.append(f"industry {self.industry}")
        if self.min_employees is not None or self.max_employees is not None:
            parts.append(size_band(self.min_employees, self.max_employees))
        return parts

    @property
    def specificity(self) -> int:
        """How many conditions the rule sets (a postcode range and a size band count as one each)."""
        return len(self.conditions())

    def describe(self) -> str:
        return ", ".join(self.conditions()) or "no conditions"

    def applies(self, kind: str) -> bool:
        return self.applies_to in ("both", kind)

    def matches(self, target: Target) -> bool:
        if not self.applies(target.kind):
            return False
        if self.country and not _same(self.country, target.country):
            return False
        if self.region and not _same(self.region, target.region):
            return False
        if self.city and not _same(self.city, target.city):
            return False
        if self.industry and not _same(self.industry, target.industry):
            return False
        postcode = normalize_postcode(target.postcode)
        if self.prefixes and not any(postcode.startswith(p) for p in self.prefixes):
            return False
        if self.postcode_from and (not postcode or postcode[: len(self.postcode_from)] < self.postcode_from):
            return False
        if self.postcode_to and (not postcode or postcode[: len(self.postcode_to)] > self.postcode_to):
            return False
        if self.min_employees is not None or self.max_employees is not None:
            size = target.employees
            if size is None:
                return False
            if self.min_employees is not None and size < self.min_employees:
                return False
            if self.max_employees is not None and size > self.max_employees:
                return False
        return True

    @property
    def rank(self) -> tuple[int, int, str, str]:
        """Sort key: the rule that wins comes first."""
        return (self.priority, -self.specificity, self.name.casefold(), self.id)


def _same(wanted: str, value: str | None) -> bool:
    return value is not None and wanted.strip().casefold() == value.strip().casefold()


def size_band(low: int | None, high: int | None) -> str:
    if low is not None and high is not None:
        return f"{low:,}\u2013{high:,} employees"
    if low is not None:
        return f"{low:,}+ employees"
    return f"up to {high:,} employees"


@dataclass(frozen=True)
class Target:
    """What a rule looks at in an account or a lead."""

    kind: str  # accounts | leads
    id: str
    name: str
    territory_id: str | None
    owner_id: str | None
    country: str | None
    region: str | None
    postcode: str | None
    city: str | None
    industry: str | None
    employees: int | None


@dataclass(frozen=True)
class Decision:
    rule: Rule
    others: tuple[Rule, ...]  # the other rules that matched, best first
    why: str

    @property
    def decided_by(self) -> str:
        """What settled it, in a few words."""
        if not self.others:
            return "the only rule that matches"
        other = self.others[0]
        if self.rule.priority != other.priority:
            return f"priority {self.rule.priority} before {other.priority}"
        if self.rule.specificity != other.specificity:
            return f"more specific ({self.rule.specificity} conditions against {other.specificity})"
        return "a tie, settled by name"


def decide(rules: Sequence[Rule], target: Target) -> Decision | None:
    """The rule that assigns this record (``rules`` sorted by :attr:`Rule.rank`), or None when none
    matches; the decision explains itself."""
    matching = [r for r in rules if r.matches(target)]
    if not matching:
        return None
    winner, others = matching[0], tuple(matching[1:])
    return Decision(winner, others, explain(winner, others))


def explain(winner: Rule, others: Sequence[Rule]) -> str:
    first = f"Rule '{winner.name}' ({winner.describe()})"
    if not others:
        return f"{first} matches."
    runner_up = others[0]
    more = f" ({len(others)} other rules also match)" if len(others) > 1 else ""
    if winner.priority != runner_up.priority:
        return (
            f"{first} wins over '{runner_up.name}' (→ {runner_up.territory}){more}: its priority "
            f"{winner.priority} comes before {runner_up.priority} (lower numbers first)."
        )
    if winner.specificity != runner_up.specificity:
        return (
            f"{first} wins over '{runner_up.name}' (→ {runner_up.territory}){more}: both have priority "
            f"{winner.priority}, and it is more specific ({winner.specificity} conditions against "
            f"{runner_up.specificity})."
        )
    return (
        f"{first} wins over '{runner_up.name}' (→ {runner_up.territory}){more}: same priority "
        f"({winner.priority}) and as specific ({winner.specificity} conditions), so the name decides, "
        "alphabetically. Give one of them a lower priority number to decide it yourself."
    )


def check_rule(values: Mapping[str, Any]) -> None:
    """Rule-level checks beyond each field's own (``fields.clean`` did those): at least one condition,
    postcode prefixes or a range (not both, and a range has both ends in order), a size band in order.
    Raises one ValidationError naming every problem."""
    errors: dict[str, str] = {}
    if not any(values.get(c) not in (None, "") for c in CONDITIONS):
        errors["country"] = (
            "A rule needs at least one condition: country, state, postcodes, city, industry or company size."
        )
    prefixes = split_prefixes(values.get("postcode_prefixes"))
    low, high = normalize_postcode(values.get("postcode_from")), normalize_postcode(values.get("postcode_to"))
    if prefixes and (low or high):
        errors["postcode_prefixes"] = "Give postcode prefixes or a postcode range, not both."
    if bool(low) != bool(high):
        missing = "postcode_to" if low else "postcode_from"
        errors[missing] = "A postcode range needs both ends: from and to."
    elif low and high and low[: len(high)] > high:
        errors["postcode_to"] = f"The range ends ({high}) before it starts ({low}): swap them."
    least, most = values.get("min_employees"), values.get("max_employees")
    if least is not None and most is not None and int(least) > int(most):
        errors["max_employees"] = f"At most {most} employees is less than at least {least}."
    if errors:
        raise ValidationError(errors)


def clean_prefixes(value: str | None) -> str | None:
    """'021 ,022;023' -> '021, 022, 023' (how prefixes are stored)."""
    prefixes = split_prefixes(value)
    return ", ".join(prefixes) if prefixes else None
