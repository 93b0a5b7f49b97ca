"""The compact matching index of imports (core/records/match_index.py) answers as matching.Index does."""

from __future__ import annotations

from sfa_desktop.core.records.match_index import PackedIndex
from sfa_desktop.core.records.matching import Index, profile


def test_numbers_filed_under_a_key_come_back_first_filed_first_after_the_table_grows() -> None:
    index = PackedIndex("contacts")
    for number in range(3000):  # the table starts with 1,024 slots: it grows twice
        index.file(("k", number % 7), number)
        index.file(("own", number), number)
    assert index.find(("k", 3)) == list(range(3, 3000, 7))
    assert index.find(("own", 2999)) == [2999]
    assert index.find(("own", 3000)) == []


def test_the_best_match_and_its_number_are_the_plain_index_s() -> None:
    people = [
        {"first_name": "Anna", "last_name": "Berg", "email": "anna@acme.com", "account_name": "Acme"},
        {"first_name": "Anne", "last_name": "Berg", "email": "anne@acme.com", "account_name": "Acme"},
        {"first_name": "Jon", "last_name": "Smith", "phone": "+12125550143", "account_name": "Acme"},
        {"first_name": "John", "last_name": "Smith", "account_name": "Acme Inc"},
        {"first_name": "Zoë", "last_name": "Ng", "email": "info@acme.com", "account_name": "Acme"},
    ]
    profiles = [profile("contacts", f"r{n}", values) for n, values in enumerate(people * 3)]
    plain, packed = Index("contacts"), PackedIndex("contacts")
    for p in profiles:
        plain.add(p)
        assert packed.add(p) == len(packed) - 1
    for n, p in enumerate(profiles):
        assert packed.ref(n) == p.ref
        assert packed.label(n) == p.label
        assert packed.profile(n) == p
        asked = profile("contacts", "line 2", {**people[n % len(people)], "email": None})
        for automatic in (True, False):
            expected = plain.best(asked, automatic=automatic)
            found = packed.best_number(asked, automatic=automatic)
            assert (found is None) == (expected is None)
            if found is not None and expected is not None:
                assert packed.profile(found[0]).label == expected[0].label
                assert found[1] == expected[1]
