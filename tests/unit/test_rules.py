"""Assignment rules: each condition, postcode prefixes and ranges, size bands, accounts/leads scope; when
several match, priority then specificity then name decide, and the explanation says which and why; a rule
as a whole is checked."""

from __future__ import annotations

from typing import Any

import pytest

from sfa_desktop.core.records.validation import ValidationError
from sfa_desktop.core.territories.rules import Rule, Target, check_rule, clean_prefixes, decide


def rule(name: str = "R", territory: str = "NE", **values: Any) -> Rule:
    row = {
        "id": f"id-{name}",
        "territory_id": territory,
        "name": name,
        "priority": 100,
        "applies_to": "both",
        **dict.fromkeys(
            (
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
        ),
        **values,
    }
    return Rule.from_row(row, f"{territory} territory")


def target(kind: str = "accounts", **values: Any) -> Target:
    base: dict[str, Any] = {
        "id": "x",
        "name": "Acme",
        "territory_id": None,
        "owner_id": None,
        "country": "US",
        "region": "MA",
        "postcode": "02139",
        "city": "Cambridge",
        "industry": "Software",
        "employees": 250,
    }
    base.update(values)
    return Target(kind, **base)


@pytest.mark.parametrize(
    ("condition", "matching", "other"),
    [
        ({"country": "us"}, {"country": "US"}, {"country": "CA"}),
        ({"region": "ma"}, {"region": "MA"}, {"region": "NY"}),
        ({"city": "cambridge"}, {"city": " Cambridge "}, {"city": "Boston"}),
        ({"industry": "Software"}, {"industry": "Software"}, {"industry": "Retail"}),
        ({"country": "US"}, {"country": "US"}, {"country": None}),
    ],
)
def test_each_condition_matches_ignoring_case(condition: Any, matching: Any, other: Any) -> None:
    r = rule(**condition)
    assert r.matches(target(**matching))
    assert not r.matches(target(**other))


def test_postcode_prefixes_ignore_spaces_and_case() -> None:
    r = rule(postcode_prefixes="021, 022 ;sw1a")
    assert r.prefixes == ("021", "022", "SW1A")
    assert r.matches(target(postcode="02139"))
    assert r.matches(target(postcode="02201-1020"))
    assert r.matches(target(postcode="sw1a 1aa"))
    assert not r.matches(target(postcode="02301"))
    assert not r.matches(target(postcode=None))


def test_postcode_range_compares_as_many_characters_as_the_bounds() -> None:
    r = rule(postcode_from="01000", postcode_to="06999")
    for inside in ("01000", "02139", "06999", "06999-1234"):
        assert r.matches(target(postcode=inside)), inside
    for outside in ("00999", "07000", "10001", ""):
        assert not r.matches(target(postcode=outside)), outside
    short = rule(postcode_from="021", postcode_to="024")
    assert short.matches(target(postcode="02499"))
    assert short.matches(target(postcode="02100"))
    assert not short.matches(target(postcode="02500"))


def test_size_bands() -> None:
    band = rule(min_employees=100, max_employees=499)
    assert band.matches(target(employees=100))
    assert band.matches(target(employees=499))
    assert not band.matches(target(employees=99))
    assert not band.matches(target(employees=500))
    assert not band.matches(target(employees=None))  # unknown size matches no band
    assert rule(min_employees=1000).matches(target(employees=5000))
    assert not rule(max_employees=49).matches(target(employees=50))
    assert band.conditions() == ["100\u2013499 employees"]
    assert rule(min_employees=1000).conditions() == ["1,000+ employees"]


def test_every_condition_must_hold() -> None:
    r = rule(region="MA", industry="Software", min_employees=200)
    assert r.matches(target())
    assert not r.matches(target(industry="Retail"))
    assert not r.matches(target(employees=150))
    assert r.specificity == 3


def test_applies_to_accounts_leads_or_both() -> None:
    assert rule(applies_to="accounts", region="MA").matches(target("accounts"))
    assert not rule(applies_to="accounts", region="MA").matches(target("leads"))
    assert rule(applies_to="leads", region="MA").matches(target("leads"))
    assert rule(applies_to="both", region="MA").matches(target("leads"))


def ranked(*rules: Rule) -> list[Rule]:
    return sorted(rules, key=lambda r: r.rank)


def test_no_match_decides_nothing() -> None:
    assert decide(ranked(rule(region="NY")), target()) is None


def test_lower_priority_number_wins_and_is_explained() -> None:
    broad = rule("Massachusetts", "NE", region="MA", priority=100)
    narrow = rule("Cambridge office", "KEY", city="Cambridge", priority=10)
    decision = decide(ranked(broad, narrow), target())
    assert decision is not None
    assert decision.rule is narrow
    assert decision.others == (broad,)
    assert "wins over 'Massachusetts' (→ NE territory)" in decision.why
    assert "priority 10 comes before 100" in decision.why
    assert decision.decided_by == "priority 10 before 100"


def test_at_equal_priority_the_more_specific_rule_wins() -> None:
    state = rule("Massachusetts", "NE", country="US", region="MA")
    metro = rule("Greater Boston", "BOS", country="US", region="MA", postcode_prefixes="021")
    decision = decide(ranked(state, metro), target())
    assert decision is not None
    assert decision.rule is metro
    assert "both have priority 100, and it is more specific (3 conditions against 2)" in decision.why
    assert decision.decided_by == "more specific (3 conditions against 2)"


def test_a_full_tie_is_settled_by_name_and_says_how_to_decide() -> None:
    a, b = rule("Alpha", "A", region="MA"), rule("Beta", "B", city="Cambridge")
    decision = decide(ranked(b, a), target())
    assert decision is not None
    assert decision.rule is a
    assert "the name decides, alphabetically" in decision.why
    assert "lower priority number to decide it yourself" in decision.why


def test_a_single_match_says_which_rule() -> None:
    decision = decide(ranked(rule("Massachusetts", region="MA")), target())
    assert decision is not None
    assert decision.why == "Rule 'Massachusetts' (state MA) matches."
    assert decision.decided_by == "the only rule that matches"


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({}, "country", "at least one condition"),
        (
            {"postcode_prefixes": "021", "postcode_from": "01000", "postcode_to": "02000"},
            "postcode_prefixes",
            "not both",
        ),
        ({"postcode_from": "01000"}, "postcode_to", "needs both ends"),
        ({"postcode_to": "01000"}, "postcode_from", "needs both ends"),
        (
            {"postcode_from": "09000", "postcode_to": "01000"},
            "postcode_to",
            "ends (01000) before it starts (09000)",
        ),
        ({"min_employees": 500, "max_employees": 100}, "max_employees", "less than at least 500"),
    ],
)
def test_rule_checks(values: dict[str, Any], field: str, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        check_rule(values)
    assert message in caught.value.errors[field]


def test_good_rules_pass_and_prefixes_are_tidied() -> None:
    check_rule({"region": "MA"})
    check_rule({"postcode_from": "01000", "postcode_to": "06999", "min_employees": 1, "max_employees": 1})
    assert clean_prefixes(" 021 ,022;; 023") == "021, 022, 023"
    assert clean_prefixes(" , ") is None
