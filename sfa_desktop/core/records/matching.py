"""Likely duplicates among accounts, contacts and leads: normalised keys, blocking and fuzzy comparison.

Each record becomes a :class:`Profile`: its emails (lower case), phones (E.164, as the services store them),
web domains, and its name and company folded to plain lower-case words (accents, punctuation and legal
suffixes such as Inc or GmbH dropped).  Only records that share a *blocking key* are compared: an email, a
phone, a domain, or a short prefix of the name (last name and first initial, first name and last initial,
the company's first word and first letters), so a check never compares every pair.  A pair is a likely
duplicate when it shares an email or a web domain, shares a phone and has similar names, or has similar
names (rapidfuzz) at the same company; :func:`compare` says why, in words a person reads.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz

#: Record kinds that duplicates are looked for in.
KINDS = ("accounts", "contacts", "leads")
#: Mail providers whose domain says nothing about the company a person works for.
FREE_MAIL = frozenset(
    {
        "aol.com",
        "gmail.com",
        "googlemail.com",
        "gmx.com",
        "gmx.de",
        "gmx.net",
        "hotmail.com",
        "hotmail.co.uk",
        "icloud.com",
        "live.com",
        "mac.com",
        "mail.com",
        "me.com",
        "msn.com",
        "outlook.com",
        "proton.me",
        "protonmail.com",
        "web.de",
        "yahoo.com",
        "yahoo.co.uk",
        "yandex.com",
        "zoho.com",
    }
)
#: Mailboxes a team shares (info@, sales@...): the same one on two records does not make them one person.
ROLE_MAILBOXES = frozenset(
    {
        "accounts",
        "admin",
        "billing",
        "careers",
        "contact",
        "contactus",
        "enquiries",
        "hello",
        "help",
        "hr",
        "info",
        "inquiries",
        "jobs",
        "kontakt",
        "mail",
        "marketing",
        "noreply",
        "office",
        "orders",
        "post",
        "reception",
        "sales",
        "service",
        "support",
        "team",
        "webmaster",
    }
)
#: Words that do not tell companies apart: legal forms and fillers.
_COMPANY_NOISE = frozenset(
    {
        "ab",
        "ag",
        "and",
        "as",
        "bv",
        "co",
        "company",
        "corp",
        "corporation",
        "gmbh",
        "inc",
        "incorporated",
        "kg",
        "limited",
        "llc",
        "llp",
        "lp",
        "ltd",
        "nv",
        "oy",
        "plc",
        "pty",
        "sa",
        "sarl",
        "spa",
        "srl",
        "the",
    }
)
#: Similarity (0-100) above which two names count as the same.
NAME_SIMILAR = 90
#: ... and two companies.
COMPANY_SIMILAR = 88
#: Two people sharing a phone must have names at least this similar (a switchboard number is shared).
PHONE_NAME_SIMILAR = 60
#: Blocks larger than this are not compared pair by pair (a key that common tells nothing).
MAX_BLOCK = 400

_NON_WORD = re.compile(r"[^a-z0-9]+")
_FOLD = str.maketrans({"ł": "l", "ø": "o", "ß": "ss", "æ": "ae", "œ": "oe", "&": " and "})


@functools.lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """'Zoë  O'Brien-Smith' -> 'zoe o brien smith': lower case ASCII words separated by one space."""
    decomposed = unicodedata.normalize("NFKD", text.lower().translate(_FOLD))
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NON_WORD.sub(" ", plain).strip()


@functools.lru_cache(maxsize=65536)
def company_key(text: str) -> str:
    """A company name without legal form and fillers: 'The ACME Corp.' -> 'acme'."""
    words = [w for w in fold(text).split() if w not in _COMPANY_NOISE]
    return " ".join(words) if words else fold(text)


def domain_of_url(url: str | None) -> str | None:
    """'https://www.Acme.com/about' -> 'acme.com'."""
    if not url:
        return None
    host = re.sub(r"^[a-z]+://", "", url.strip().lower()).split("/", 1)[0].split(":", 1)[0]
    host = host.removeprefix("www.")
    return host or None


def is_role_mailbox(email: str) -> bool:
    """True for a shared mailbox such as info@acme.com or sales.team@acme.com."""
    local = email.split("@", 1)[0].lower()
    return local in ROLE_MAILBOXES or re.split(r"[._+-]", local, maxsplit=1)[0] in ROLE_MAILBOXES


def domain_of_email(email: str | None) -> str | None:
    """The company's domain of an address; None for free mail providers."""
    if not email or "@" not in email:
        return None
    domain = email.rsplit("@", 1)[1].lower()
    return None if domain in FREE_MAIL else domain


@dataclass(slots=True)
class Profile:
    """What matching looks at in one record (or one incoming row)."""

    ref: str  # the record id, or what names an incoming row ("line 12")
    label: str  # how a person names it
    name: str  # folded name: person "john smith", account its company key
    company: str  # company key (for an account, its name again)
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()  # web domains (accounts, leads) and company email domains
    city: str = ""


def _person_label(values: Mapping[str, Any]) -> str:
    return f"{values.get('first_name') or ''} {values.get('last_name') or ''}".strip()


def profile(kind: str, ref: str, values: Mapping[str, Any]) -> Profile:
    """The profile of cleaned record values; a contact's company is given as ``account_name``."""
    emails = tuple(e.lower() for e in (values.get("email"),) if e)
    phones = tuple(dict.fromkeys(p for p in (values.get("phone"), values.get("mobile")) if p))
    domains = [d for d in (domain_of_url(values.get("website")),) if d]
    domains += [d for e in emails if (d := domain_of_email(e)) and d not in domains]
    city = fold(values.get("city") or "")
    if kind == "accounts":
        name = str(values.get("name") or "")
        key = company_key(name)
        return Profile(ref, name, key, key, emails, phones, tuple(domains), city)
    company = values.get("account_name") if kind == "contacts" else values.get("company")
    label = _person_label(values)
    if company:
        label += f" ({company})"
    return Profile(
        ref,
        label,
        fold(_person_label(values)),
        company_key(str(company or "")),
        emails,
        phones,
        tuple(domains),
        city,
    )


def blocking_keys(kind: str, p: Profile) -> list[str]:
    """The keys this profile is filed under; only profiles sharing a key are compared."""
    keys = [f"e:{e}" for e in p.emails] + [f"p:{ph}" for ph in p.phones]
    if kind == "accounts":
        keys += [f"d:{d}" for d in p.domains]
        words = p.name.split()
        if words:
            keys.append(f"w:{words[0]}")
            keys.append(f"k:{p.name.replace(' ', '')[:5]}")
        return keys
    words = p.name.split()
    if not words:
        return keys
    # Similar names count only together with the same company, the same email domain or (with no company)
    # the same city (see compare): the name keys carry that anchor, so blocks stay small.
    anchors = [f"c{p.company.split()[0]}"] if p.company else []
    anchors += [f"d{d}" for d in p.domains]
    if not p.company and p.city:
        anchors.append(f"t{p.city}")
    first, last = words[0], words[-1]
    for anchor in anchors:
        keys.append(f"n:{last[:5]}|{first[:1]}|{anchor}")
        keys.append(f"f:{first[:4]}|{last[:1]}|{anchor}")
    return keys


@dataclass(frozen=True)
class Verdict:
    score: int  # 0-100, for ranking
    reasons: tuple[str, ...]
    #: False when a person must decide: a likely duplicate to show, never to merge without asking (two
    #: people whose own emails differ, or who share only a team mailbox or a switchboard number).
    automatic: bool = True


@functools.lru_cache(maxsize=4096)
def _format_phone(e164: str) -> str:
    from sfa_desktop.core.records.validation import format_phone

    return format_phone(e164)


def compare(kind: str, a: Profile, b: Profile) -> Verdict | None:
    """Whether two profiles are likely the same record, and why; None when they are not."""
    reasons: list[str] = []
    score = 0
    emails = set(a.emails) & set(b.emails)
    if emails:
        reasons.append(f"same email {min(emails)}")
        score = 100
    phones = set(a.phones) & set(b.phones)
    name_score = 0
    if a.name and b.name:
        name_score = round(fuzz.token_sort_ratio(a.name, b.name))
    if kind == "accounts":
        domains = set(a.domains) & set(b.domains)
        if domains:
            reasons.append(f"same web domain {min(domains)}")
            score = max(score, 90)
        if phones:
            reasons.append(f"same phone {_format_phone(min(phones))}")
            score = max(score, 90)
        if a.name and a.name == b.name:
            reasons.append("same name")
            score = max(score, 95)
        elif name_score >= NAME_SIMILAR or (name_score >= 80 and a.city and a.city == b.city):
            where = " in the same city" if a.city and a.city == b.city else ""
            reasons.append(f"similar name ({name_score}%){where}")
            score = max(score, name_score)
        return Verdict(score, tuple(reasons)) if reasons else None
    own_a = {e for e in a.emails if not is_role_mailbox(e)}
    own_b = {e for e in b.emails if not is_role_mailbox(e)}
    # Two people whose own addresses differ are two people, however alike their names (Anna and Anne at
    # one company); a shared team mailbox or phone makes them one only with (nearly) the same name.
    automatic = not (own_a and own_b and not own_a & own_b) and (
        bool(own_a & own_b) or name_score >= NAME_SIMILAR
    )
    if phones and name_score >= PHONE_NAME_SIMILAR:
        reasons.append(f"same phone {_format_phone(min(phones))}")
        score = max(score, 90)
    if name_score >= NAME_SIMILAR and not emails:
        same_company = bool(a.company and b.company) and (
            a.company == b.company or fuzz.token_set_ratio(a.company, b.company) >= COMPANY_SIMILAR
        )
        domains = set(a.domains) & set(b.domains)
        named = "same name" if name_score == 100 else f"similar name ({name_score}%)"
        if same_company:
            reasons.append(f"{named} at the same company")
            score = max(score, name_score - 2)
        elif domains:
            reasons.append(f"{named}, same email domain {min(domains)}")
            score = max(score, name_score - 5)
        elif not a.company and not b.company and a.city and a.city == b.city:
            reasons.append(f"{named} in the same city")
            score = max(score, name_score - 10)
        elif reasons and name_score:
            reasons.append(named)
    return Verdict(score, tuple(reasons), automatic) if reasons else None


class Index:
    """Profiles filed by blocking key, for finding the likely duplicates of one profile at a time."""

    def __init__(self, kind: str, profiles: Iterable[Profile] = ()) -> None:
        self.kind = kind
        self.profiles: list[Profile] = []
        self._blocks: dict[str, list[int]] = defaultdict(list)
        for p in profiles:
            self.add(p)

    def add(self, p: Profile) -> int:
        number = len(self.profiles)
        self.profiles.append(p)
        for key in blocking_keys(self.kind, p):
            self._blocks[key].append(number)
        return number

    def candidates(self, p: Profile) -> set[int]:
        found: set[int] = set()
        for key in blocking_keys(self.kind, p):
            block = self._blocks.get(key)
            if not block:
                continue
            if len(block) <= MAX_BLOCK:
                found.update(block)
            elif key[0] in "ep":  # a shared email or phone still counts, however common
                found.update(block[:MAX_BLOCK])
        return found

    def matches(self, p: Profile, *, automatic: bool = False) -> list[tuple[int, Verdict]]:
        """Every filed profile that is a likely duplicate of ``p``, best first; with ``automatic``, only
        those certain enough to merge without asking a person (``Verdict.automatic``)."""
        found = []
        for number in self.candidates(p):
            other = self.profiles[number]
            if other.ref == p.ref:
                continue
            verdict = compare(self.kind, p, other)
            if verdict is not None and (verdict.automatic or not automatic):
                found.append((number, verdict))
        found.sort(key=lambda item: (-item[1].score, self.profiles[item[0]].label))
        return found

    def best(self, p: Profile, *, automatic: bool = False) -> tuple[Profile, Verdict] | None:
        found = self.matches(p, automatic=automatic)
        return (self.profiles[found[0][0]], found[0][1]) if found else None


@dataclass
class Group:
    """Records that are likely one and the same, with why each linked pair matched."""

    members: list[Profile]
    pairs: list[tuple[str, str, Verdict]] = field(default_factory=list)  # (ref, ref, verdict)

    @property
    def score(self) -> int:
        return max((v.score for _a, _b, v in self.pairs), default=0)

    def reasons(self) -> list[str]:
        seen: dict[str, None] = {}
        for _a, _b, verdict in self.pairs:
            seen.update(dict.fromkeys(verdict.reasons))
        return list(seen)


def find_groups(kind: str, profiles: Sequence[Profile]) -> list[Group]:
    """Groups of likely duplicates among ``profiles`` (each pair sharing a blocking key is compared once),
    best first."""
    blocks: dict[str, list[int]] = defaultdict(list)
    for number, p in enumerate(profiles):
        for key in blocking_keys(kind, p):
            blocks[key].append(number)
    parent = list(range(len(profiles)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    compared: set[tuple[int, int]] = set()
    links: list[tuple[int, int, Verdict]] = []
    for key, filed in blocks.items():
        if len(filed) < 2 or (len(filed) > MAX_BLOCK and key[0] not in "ep"):
            continue
        block = filed[:MAX_BLOCK]
        for x, i in enumerate(block):
            for j in block[x + 1 :]:
                pair = (i, j) if i < j else (j, i)
                if pair in compared:
                    continue
                compared.add(pair)
                verdict = compare(kind, profiles[i], profiles[j])
                if verdict is not None:
                    links.append((pair[0], pair[1], verdict))
                    parent[root(pair[0])] = root(pair[1])
    grouped: dict[int, Group] = {}
    linked: dict[int, None] = {}
    for i, j, verdict in links:
        group = grouped.setdefault(root(i), Group([]))
        group.pairs.append((profiles[i].ref, profiles[j].ref, verdict))
        linked.update({i: None, j: None})
    for number in sorted(linked):
        grouped[root(number)].members.append(profiles[number])
    result = list(grouped.values())
    result.sort(key=lambda g: (-g.score, g.members[0].label.lower()))
    return result
