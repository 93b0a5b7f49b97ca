"""Search as a person types: any text is safe, prefixes match, diacritics fold, phones match however typed,
and the index follows every write (edits, soft deletes, account renames, rollbacks)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection

from sfa_desktop.core.records import services
from sfa_desktop.store import lists, search
from sfa_desktop.store.database import LocalStore

SEEDED: dict[str, str] = {}


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStore]:
    """A store with a handful of people and companies, shared by the read-only tests of this module."""
    local = LocalStore.open(tmp_path_factory.mktemp("search"))
    with local.transaction() as s:
        acme = services.create(
            s, "accounts", {"name": "Acme Tools", "city": "Boston", "phone": "617 253 1000"}
        )
        SEEDED["acme"] = acme.id
        SEEDED["katharina"] = services.create(
            s,
            "contacts",
            {"first_name": "Katharina", "last_name": "Müller", "account_id": acme.id, "phone": "2125550143"},
        ).id
        SEEDED["zoe"] = services.create(
            s, "contacts", {"first_name": "Zoë", "last_name": "Ångström", "email": "zoe@nordic.se"}
        ).id
        SEEDED["quote"] = services.create(
            s,
            "contacts",
            {"first_name": 'Bob "The Builder"', "last_name": "O'Neil-Smith", "city": "São Paulo"},
        ).id
        SEEDED["lead"] = services.create(
            s, "leads", {"last_name": "Nakamura", "company": "Kyoto Ceramics", "phone": "+81 3-1234-5678"}
        ).id
        # enough look-alikes that a short prefix takes search's "too many to rank" path
        services.create_many(
            s,
            "contacts",
            [{"first_name": "Sam", "last_name": f"Sample{i}"} for i in range(search.RANK_LIMIT + 10)],
        )
    yield local
    local.close()


def found(conn: Connection, typed: str, kind: str | None = None) -> set[str]:
    return {hit.record_id for hit in search.search(conn, typed, kind=kind)}


HOSTILE = st.one_of(
    st.text(max_size=50),
    st.text(
        st.sampled_from(['"', "'", "*", "^", "-", ":", "(", ")", "{", "}", "+", " ", "a", "1", "é"]),
        max_size=30,
    ),
    st.lists(
        st.sampled_from(
            [
                '"',
                "*",
                "^",
                "NEAR(",
                "NEAR",
                "AND",
                "OR",
                "NOT",
                "-",
                ":",
                "name:",
                "{name}",
                "0",
                "00",
                "😀",
                "\x00",
            ]
        ),
        max_size=12,
    ).map(" ".join),
    st.text(min_size=500, max_size=3000),
)


@pytest.mark.slow
@settings(max_examples=400, deadline=None)
@given(HOSTILE)
@example('"')
@example('""')
@example("NEAR(a b)")
@example("a AND OR NOT b")
@example("*")
@example("^abc")
@example("name:Katharina")
@example("-Katharina")
@example("0 0 0 0 0 0 0 0 0 0")
@example("\u02b9")  # a modifier letter: a word to Python, maybe not a token to the FTS tokenizer
@example("\u0301")
@example("ǅ ǈ")
@example("²³ ١٢٣")
@example("a" * 10000)
def test_any_text_is_safe(seeded: LocalStore, typed: str) -> None:
    with seeded.engine.connect() as conn:
        hits = search.search(conn, typed)
        assert len(hits) <= 20
        assert len(search.search(conn, "sa " + typed)) <= 20  # through the unranked path too
        for kind in ("contacts", "leads", "accounts"):
            search.search(conn, typed, kind=kind)
        for kind in lists.LISTS:
            ids = lists.list_ids(conn, kind, filter_text=typed)
            assert lists.count(conn, kind, filter_text=typed) == len(ids)


@pytest.mark.parametrize("length", range(1, len("Katharina") + 1))
def test_prefixes_find_her_as_you_type(seeded: LocalStore, length: int) -> None:
    with seeded.engine.connect() as conn:
        for typed in ("Katharina"[:length], "katharina"[:length].upper()):
            assert SEEDED["katharina"] in found(conn, typed), typed
            assert SEEDED["katharina"] in found(conn, f"{typed} mü")
            assert SEEDED["katharina"] in lists.list_ids(conn, "contacts", filter_text=typed)


def test_words_narrow_the_results(seeded: LocalStore) -> None:
    with seeded.engine.connect() as conn:
        assert found(conn, "kath müller") == {SEEDED["katharina"]}
        assert found(conn, "kath zoe") == set()
        assert SEEDED["katharina"] in found(conn, "acme")  # her company
        assert found(conn, "acme", kind="contacts") == {SEEDED["katharina"]}


@pytest.mark.parametrize("typed", ["zoe", "Zoë", "ZOE", "angstrom", "Ångström", "ang", "zoe@nordic"])
def test_diacritics_fold(seeded: LocalStore, typed: str) -> None:
    with seeded.engine.connect() as conn:
        assert SEEDED["zoe"] in found(conn, typed)


@pytest.mark.parametrize(
    "typed",
    ["(212) 555-01", "212 555 0143", "2125550143", "+1 212 555 0143", "212-555", "12125550143", "212"],
)
def test_phone_typed_any_way_finds_the_number(seeded: LocalStore, typed: str) -> None:
    with seeded.engine.connect() as conn:
        assert SEEDED["katharina"] in found(conn, typed)


def test_other_numbers_do_not_match(seeded: LocalStore) -> None:
    with seeded.engine.connect() as conn:
        assert SEEDED["katharina"] not in found(conn, "212 555 0144")
        assert SEEDED["katharina"] not in found(conn, "313")


def test_international_and_national_forms(seeded: LocalStore) -> None:
    with seeded.engine.connect() as conn:
        assert SEEDED["lead"] in found(conn, "+81 3 1234")
        assert SEEDED["lead"] in found(conn, "03 1234 5678")  # national, with its trunk 0
        assert SEEDED["acme"] in found(conn, "617 253")


def test_quotes_and_apostrophes_in_names(seeded: LocalStore) -> None:
    with seeded.engine.connect() as conn:
        assert SEEDED["quote"] in found(conn, "O'Neil")
        assert SEEDED["quote"] in found(conn, '"the builder"')
        assert SEEDED["quote"] in found(conn, "neil smith")
        assert SEEDED["quote"] in found(conn, "sao paulo")


def test_hits_carry_title_and_detail(seeded: LocalStore) -> None:
    with seeded.engine.connect() as conn:
        (hit,) = [h for h in search.search(conn, "Nakamura") if h.record_id == SEEDED["lead"]]
    assert hit.kind == "leads"
    assert hit.title == "Nakamura"
    assert "Kyoto Ceramics" in hit.detail


# -- the index follows every write -----------------------------------------------------------------------


def test_rename_finds_the_new_name_not_the_old(store: LocalStore) -> None:
    with store.transaction() as s:
        contact = services.create(s, "contacts", {"first_name": "Oskar", "last_name": "Lindqvist"})
    with store.transaction() as s:
        services.update(s, "contacts", contact.id, {"first_name": "Ingrid", "last_name": "Berg"})
    with store.engine.connect() as conn:
        assert found(conn, "Ingrid Berg") == {contact.id}
        assert found(conn, "Oskar") == set()
        assert found(conn, "Lindqvist") == set()


def test_soft_delete_leaves_the_index(store: LocalStore) -> None:
    with store.transaction() as s:
        account = services.create(s, "accounts", {"name": "Vanishing Ltd"})
        contact = services.create(s, "contacts", {"last_name": "Ghost", "account_id": account.id})
        lead = services.create(s, "leads", {"last_name": "Phantom"})
    with store.transaction() as s:
        services.delete(s, "accounts", account.id)  # takes the contact along
        services.delete(s, "leads", lead.id)
    with store.engine.connect() as conn:
        assert found(conn, "Vanishing") == set()
        assert found(conn, "Ghost") == set()
        assert found(conn, "Phantom") == set()
        assert lists.list_ids(conn, "contacts", filter_text="Ghost") == []
    del contact


def test_account_rename_reindexes_its_contacts(store: LocalStore) -> None:
    with store.transaction() as s:
        account = services.create(s, "accounts", {"name": "Oldname Corp"})
        contact = services.create(
            s, "contacts", {"last_name": "Keller", "title": "Buyer", "account_id": account.id}
        )
        other = services.create(s, "contacts", {"last_name": "Unrelated"})
    with store.transaction() as s:
        services.update(s, "accounts", account.id, {"name": "Newname Group"})
    with store.engine.connect() as conn:
        assert found(conn, "Newname", kind="contacts") == {contact.id}
        assert found(conn, "Oldname") == set()
        assert found(conn, "buyer newname") == {contact.id}  # the title stays indexed beside the company
        assert other.id not in found(conn, "Newname")


def test_moving_a_contact_to_another_account_changes_its_company(store: LocalStore) -> None:
    with store.transaction() as s:
        first = services.create(s, "accounts", {"name": "Firstco"})
        second = services.create(s, "accounts", {"name": "Secondco"})
        contact = services.create(s, "contacts", {"last_name": "Mover", "account_id": first.id})
    with store.transaction() as s:
        services.update(s, "contacts", contact.id, {"account_id": second.id})
    with store.engine.connect() as conn:
        assert found(conn, "Secondco", kind="contacts") == {contact.id}
        assert found(conn, "Firstco", kind="contacts") == set()


def test_a_rollback_leaves_no_trace(store: LocalStore) -> None:
    class Boom(Exception):
        pass

    def write_then_fail() -> None:
        with store.transaction() as s:
            services.create(s, "contacts", {"last_name": "Rollbacksson"})
            services.create(s, "leads", {"last_name": "Rollbacksson"})
            raise Boom

    with pytest.raises(Boom):
        write_then_fail()
    with store.engine.connect() as conn:
        assert found(conn, "Rollbacksson") == set()
        docs = conn.exec_driver_sql("SELECT count(*) FROM search_doc").scalar_one()
        rows = conn.exec_driver_sql("SELECT count(*) FROM search_fts").scalar_one()
    assert docs == rows == 0


def test_many_matches_still_answer_with_names_first(store: LocalStore) -> None:
    """More matches than the ranking limit: a bounded answer, names starting with the text first."""
    rows = [{"first_name": "Sam", "last_name": f"Samson{i:04d}"} for i in range(search.RANK_LIMIT + 50)]
    with store.transaction() as s:
        services.create_many(s, "contacts", rows)
        services.create_many(s, "leads", [{"last_name": "Other", "company": "Samsonite"}])
    with store.engine.connect() as conn:
        hits = search.search(conn, "sam", limit=20)
        assert len(hits) == 20
        assert all(h.title.casefold().startswith("sam") for h in hits)
        assert len(search.search(conn, "sam", limit=20, kind="leads")) == 1


def test_chinese_japanese_and_korean_are_found_anywhere_in_a_name(store: LocalStore) -> None:
    """Issue 13, item 18: text written without spaces is found from any place, not only its start."""
    with store.transaction() as s:
        beijing = services.create(s, "accounts", {"name": "北京贸易有限公司", "city": "北京"}).id
        tokyo = services.create(s, "accounts", {"name": "東京システム株式会社"}).id
        seoul = services.create(s, "accounts", {"name": "서울무역주식회사"}).id
        contact = services.create(
            s, "contacts", {"first_name": "小明", "last_name": "王", "account_id": beijing}
        ).id
        services.create(s, "accounts", {"name": "Acme Trading"})
    with store.engine.connect() as conn:
        assert found(conn, "贸易") == {beijing, contact}  # the contact's company is the account's name
        assert found(conn, "システム") == {tokyo}
        assert found(conn, "무역") == {seoul}
        assert found(conn, "北京") == {beijing, contact}
        assert found(conn, "贸易 王") == {contact}  # with another word: both must match
        assert found(conn, "有限 Acme") == set()
        assert search.search(conn, "贸易", kind="accounts")[0].title == "北京贸易有限公司"
        assert set(lists.list_ids(conn, "accounts", filter_text="贸易")) == {beijing}
        assert set(lists.list_ids(conn, "contacts", filter_text="贸易")) == {contact}
