"""Likely duplicates in the database: every group of one kind, or the records a new one may duplicate.

The matching itself is :mod:`sfa_desktop.core.records.matching`; this module reads the profiles with SQL (one
query
per kind, or a pre-filtered handful for a record being created).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from sfa_desktop.core.records.matching import (
    KINDS,
    Group,
    Index,
    Profile,
    Verdict,
    company_key,
    find_groups,
    fold,
    profile,
)

#: The columns a profile is made of, per kind (a contact's company is its account's name).
_SQL = {
    "accounts": "SELECT r.id, r.name, r.website, r.email, r.phone, r.city FROM accounts r",
    "contacts": (
        "SELECT r.id, r.first_name, r.last_name, r.email, r.phone, r.mobile, r.city, a.name AS account_name "
        "FROM contacts r LEFT JOIN accounts a ON a.id = r.account_id"
    ),
    "leads": (
        "SELECT r.id, r.first_name, r.last_name, r.company, r.email, r.phone, r.website, r.city FROM leads r"
    ),
}


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"duplicates are looked for in {', '.join(KINDS)}, not {kind!r}")


def load_profiles(
    session: Session, kind: str, where: str = "", params: Mapping[str, Any] | None = None
) -> list[Profile]:
    return list(iter_profiles(session, kind, where, params))


def iter_profiles(
    session: Session, kind: str, where: str = "", params: Mapping[str, Any] | None = None
) -> Iterator[Profile]:
    """The profiles of the live records of ``kind`` (and ``where``), read as a stream."""
    _check_kind(kind)
    sql = f"{_SQL[kind]} WHERE r.deleted_at IS NULL{' AND (' + where + ')' if where else ''}"
    rows = session.execute(text(sql), dict(params or {}), execution_options={"yield_per": 2000}).mappings()
    for row in rows:
        yield profile(kind, row["id"], dict(row))


def find_duplicates(session: Session, kind: str) -> list[Group]:
    """Every group of likely duplicate live records of ``kind``, best first."""
    return find_groups(kind, load_profiles(session, kind))


@dataclass(frozen=True)
class Candidate:
    record_id: str
    label: str
    verdict: Verdict


def account_name(session: Session, account_id: Any) -> str | None:
    if not account_id:
        return None
    name = session.execute(text("SELECT name FROM accounts WHERE id = :i"), {"i": account_id}).scalar()
    return str(name) if name is not None else None


def likely_duplicates(
    session: Session, kind: str, values: Mapping[str, Any], *, exclude_id: str | None = None
) -> list[Candidate]:
    """Live records of ``kind`` that cleaned ``values`` (a record about to be created) likely duplicate.

    Only records sharing an email or a phone, or whose name starts like this one's, are read and compared.
    """
    _check_kind(kind)
    values = dict(values)
    if kind == "contacts" and "account_name" not in values:
        values["account_name"] = account_name(session, values.get("account_id"))
    incoming = profile(kind, exclude_id or "", values)
    where, params = _prefilter(kind, incoming)
    if not where:
        return []
    index = Index(kind, load_profiles(session, kind, where, params))
    return [
        Candidate(index.profiles[number].ref, index.profiles[number].label, verdict)
        for number, verdict in index.matches(incoming)
        if index.profiles[number].ref != exclude_id
    ]


def _prefilter(kind: str, p: Profile) -> tuple[str, dict[str, Any]]:
    """SQL that keeps the records which could share a blocking key with ``p`` (a superset)."""
    clauses: list[str] = []
    params: dict[str, Any] = {}

    def add(values: Sequence[str], template: str) -> None:
        for value in values:
            name = f"v{len(params)}"
            params[name] = value
            clauses.append(template.format(p=f":{name}"))

    add(p.emails, "lower(r.email) = {p}")
    add(p.phones, "r.phone = {p}")
    if kind == "contacts":
        add(p.phones, "r.mobile = {p}")
    words = p.name.split()
    if kind == "accounts":
        add(p.domains, "lower(r.website) LIKE '%' || {p} || '%'")
        add([f"@{d}" for d in p.domains], "lower(r.email) LIKE '%' || {p}")
        add([w for w in words[:1] if len(w) >= 2], "lower(r.name) LIKE '%' || {p} || '%'")
        add([p.name.replace(" ", "")[:3]] if words else [], "lower(r.name) LIKE {p} || '%'")
    elif words:
        add([words[-1][:3]], "lower(r.last_name) LIKE {p} || '%'")
        add([words[0][:3]], "lower(r.first_name) LIKE {p} || '%'")
    return " OR ".join(clauses), params


def describe_group(group: Group) -> dict[str, Any]:
    """A group as plain data (command line JSON, tests)."""
    return {
        "score": group.score,
        "reasons": group.reasons(),
        "records": [{"id": m.ref, "label": m.label} for m in group.members],
    }


__all__ = [
    "Candidate",
    "Group",
    "account_name",
    "company_key",
    "describe_group",
    "find_duplicates",
    "fold",
    "likely_duplicates",
    "load_profiles",
]
