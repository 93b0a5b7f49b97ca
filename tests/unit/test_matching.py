"""Duplicate detection: normalised keys, exact and fuzzy matching, blocking, groups, the new-record check."""

from __future__ import annotations

import random
import string
from typing import Any

import pytest

from sfa_desktop.core.records import duplicates, matching, services
from sfa_desktop.core.records.matching import Index, compare, find_groups, profile
from sfa_desktop.store.database import LocalStore


def person(ref: str, first: str, last: str, **values: Any) -> matching.Profile:
    return profile("contacts", ref, {"first_name": first, "last_name": last, **values})


def account(ref: str, name: str, **values: Any) -> matching.Profile:
    return profile("accounts", ref, {"name": name, **values})


def test_names_companies_and_domains_are_normalised() -> None:
    assert matching.fold("  Zoë  O'Brien-Smith ") == "zoe o brien smith"
    assert matching.company_key("The ACME Corp.") == "acme"
    assert matching.company_key("Müller & Söhne GmbH") == "muller sohne"
    assert matching.domain_of_url("https://www.Acme.com/about") == "acme.com"
    assert matching.domain_of_email("Jane@Acme.COM") == "acme.com"
    assert matching.domain_of_email("jane@gmail.com") is None  # free mail says nothing about a company


def test_the_same_email_in_another_case_is_a_duplicate() -> None:
    a = person("a", "Jane", "Doe", email="Jane.Doe@acme.com")
    b = person("b", "J.", "Doe-Miller", email="jane.doe@acme.com")
    verdict = compare("contacts", a, b)
    assert verdict is not None
    assert verdict.score == 100
    assert verdict.reasons[0] == "same email jane.doe@acme.com"


def test_a_shared_phone_counts_only_with_similar_names() -> None:
    a = person("a", "Jane", "Doe", phone="+12125550143", account_name="Acme")
    b = person("b", "Jane", "Doe", mobile="+12125550143")
    switchboard = person("c", "Peter", "Lindqvist", phone="+12125550143", account_name="Acme")
    verdict = compare("contacts", a, b)
    assert verdict is not None
    assert "same phone +1 212-555-0143" in verdict.reasons
    assert compare("contacts", a, switchboard) is None


def test_similar_names_at_the_same_company_are_duplicates_at_another_company_not() -> None:
    jon = person("a", "Jon", "Smith", account_name="ACME Corp.")
    john = person("b", "John", "Smith", account_name="The Acme Inc")
    verdict = compare("contacts", jon, john)
    assert verdict is not None
    assert verdict.reasons == ("similar name (95%) at the same company",)
    elsewhere = person("c", "John", "Smith", account_name="Globex")
    assert compare("contacts", john, elsewhere) is None


def test_lead_names_match_by_company_or_email_domain() -> None:
    a = profile("leads", "a", {"first_name": "Ana", "last_name": "García", "company": "Fabrikam"})
    b = profile("leads", "b", {"first_name": "Ana", "last_name": "Garcia", "company": "Fabrikam Ltd"})
    assert compare("leads", a, b) is not None
    c = profile("leads", "c", {"first_name": "Ana", "last_name": "Garcia", "email": "ana@fabrikam.io"})
    d = profile("leads", "d", {"first_name": "Ana", "last_name": "Garcias", "email": "agarcia@fabrikam.io"})
    verdict = compare("leads", c, d)
    assert verdict is not None
    assert "same email domain fabrikam.io" in verdict.reasons[0]


def test_accounts_match_by_domain_phone_and_name() -> None:
    a = account("a", "Northwind Traders", website="https://www.northwind.com", city="Boston")
    b = account("b", "Northwind Traders Inc.", email="sales@northwind.com")
    verdict = compare("accounts", a, b)
    assert verdict is not None
    assert verdict.reasons == ("same web domain northwind.com", "same name")
    typo = account("c", "Nortwind Traders", city="Boston")
    verdict = compare("accounts", a, typo)
    assert verdict is not None
    assert verdict.reasons[0].startswith("similar name (97%)")
    assert compare("accounts", a, account("d", "Southwind Tools", city="Austin")) is None


def test_only_profiles_sharing_a_blocking_key_are_compared(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(3)

    def word() -> str:
        return "".join(rng.choice(string.ascii_lowercase) for _ in range(7)).capitalize()

    profiles = [
        person(str(n), word(), word(), email=f"p{n}@x{n}.com", account_name=f"Co {n}") for n in range(2000)
    ]
    seven = profiles[7]
    first, last = seven.label.split(" (")[0].split()
    profiles.append(person("dup", first, last + "e", email="other@x7.com", account_name="Co 7"))
    calls = 0
    real = matching.compare

    def counting(kind: str, a: matching.Profile, b: matching.Profile) -> matching.Verdict | None:
        nonlocal calls
        calls += 1
        return real(kind, a, b)

    monkeypatch.setattr(matching, "compare", counting)
    groups = find_groups("contacts", profiles)
    assert [sorted(m.ref for m in g.members) for g in groups] == [["7", "dup"]]
    # 2,001 profiles are 2 million pairs; blocking compares a few thousand at most
    assert calls < 20_000
    calls = 0
    index = Index("contacts", profiles[:2000])
    best = index.best(profiles[-1])
    assert best is not None
    assert best[0].ref == "7"
    assert calls < 200


def test_groups_join_chains_of_matches_with_their_reasons() -> None:
    a = person("a", "Jane", "Doe", email="jane@acme.com")
    b = person("b", "Jane", "Doe", email="jane@acme.com", phone="+12125550143")
    c = person("c", "Jane", "Doe", mobile="+12125550143")
    d = person("d", "Other", "Person")
    groups = find_groups("contacts", [a, b, c, d])
    assert len(groups) == 1
    assert [m.ref for m in groups[0].members] == ["a", "b", "c"]
    assert groups[0].reasons() == ["same email jane@acme.com", "same phone +1 212-555-0143", "same name"]


def _contact(store: LocalStore, **values: Any) -> str:
    with store.transaction() as session:
        return services.create(session, "contacts", values).id


def test_duplicates_in_the_database_and_for_a_new_record(store: LocalStore) -> None:
    with store.transaction() as session:
        acme = services.create(session, "accounts", {"name": "Acme Corporation", "website": "acme.com"}).id
        services.create(session, "accounts", {"name": "ACME Corp", "email": "info@acme.com"})
        services.create(session, "accounts", {"name": "Globex"})
    jane = _contact(store, first_name="Jane", last_name="Doe", email="jane@acme.com", account_id=acme)
    _contact(store, first_name="Jane", last_name="Doe", email="JANE@acme.com")
    _contact(store, first_name="John", last_name="Roe", email="john@acme.com", account_id=acme)
    deleted = _contact(store, first_name="Jane", last_name="Doe", email="jane@acme.com")
    with store.transaction() as session:
        services.delete(session, "contacts", deleted)
    with store.reading() as session:
        accounts = duplicates.find_duplicates(session, "accounts")
        contacts = duplicates.find_duplicates(session, "contacts")
        assert [sorted(m.label for m in g.members) for g in accounts] == [["ACME Corp", "Acme Corporation"]]
        assert len(contacts) == 1
        assert len(contacts[0].members) == 2  # the deleted one is not a duplicate
        found = duplicates.likely_duplicates(
            session, "contacts", {"first_name": "Jane", "last_name": "Doe", "account_id": acme}
        )
        assert {c.record_id for c in found} >= {jane}
        assert found[0].verdict.reasons == ("same name at the same company",)
        mine = duplicates.likely_duplicates(
            session, "contacts", {"last_name": "Doe", "email": "jane@acme.com"}, exclude_id=jane
        )
        assert jane not in {c.record_id for c in mine}
        assert duplicates.likely_duplicates(session, "contacts", {"last_name": "Nobody"}) == []
        with pytest.raises(ValueError, match="duplicates are looked for in"):
            duplicates.find_duplicates(session, "opportunities")
