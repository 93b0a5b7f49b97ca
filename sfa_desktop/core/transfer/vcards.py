"""vCards in and out (2.1, 3.0 and 4.0), with vobject.

Reading splits the text into cards first, so a broken card is one problem with its line number while the
others are read; each card becomes field values (a contact's, a lead's or an account's).  Writing makes
3.0 and 4.0 cards with vobject; 2.1 is written here, since its quoted-printable encoding of non-ASCII text
and line breaks (what Outlook and old phones expect) is not something vobject writes.
"""

from __future__ import annotations

import quopri
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import vobject

VERSIONS = ("2.1", "3.0", "4.0")
_BEGIN = re.compile(r"^\s*BEGIN\s*:\s*VCARD\s*$", re.I)
_END = re.compile(r"^\s*END\s*:\s*VCARD\s*$", re.I)


@dataclass
class Card:
    line: int  # where the card begins
    text: str  # the card as it is in the file
    values: dict[str, str]
    problem: str | None = None


def split_cards(text: str) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """(first line, card text) of every BEGIN:VCARD ... END:VCARD block, and (line, problem) for blocks
    that do not close."""
    cards: list[tuple[int, str]] = []
    problems: list[tuple[int, str]] = []
    start: int | None = None
    lines: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if _BEGIN.match(line):
            if start is not None:
                problems.append((start, "the card has no END:VCARD before the next card begins."))
            start, lines = number, [line]
        elif start is not None:
            lines.append(line)
            if _END.match(line):
                cards.append((start, "\r\n".join(lines) + "\r\n"))
                start = None
    if start is not None:
        problems.append((start, "the card has no END:VCARD; the file may be cut short."))
    return cards, problems


def _first(card: Any, name: str) -> Any:
    items = card.contents.get(name)
    return items[0] if items else None


def _types(prop: Any) -> set[str]:
    found = {t.lower() for t in getattr(prop, "singletonparams", [])}
    for value in prop.params.get("TYPE", []):
        found.update(v.strip().lower() for v in value.split(","))
    return found


def _text(value: Any) -> str:
    if isinstance(value, list):
        value = " ".join(str(v) for v in value if v)
    return str(value or "").strip()


def card_values(card: Any, kind: str) -> dict[str, str]:
    """Field values of a parsed card for a record of ``kind``."""
    values: dict[str, str] = {}
    name, full = _first(card, "n"), _first(card, "fn")
    org, title = _first(card, "org"), _first(card, "title")
    company = ""
    if org is not None and org.value:
        first_part = org.value[0]  # 3.0/4.0: [name, unit...]; 2.1 read by vobject: [[name split at commas]]
        company = (
            ", ".join(p.strip() for p in first_part) if isinstance(first_part, list) else str(first_part)
        )
        company = company.strip()
    if kind == "accounts":
        values["name"] = company or (_text(full.value) if full is not None else "")
    else:
        if name is not None:
            values["first_name"] = _text(name.value.given)
            values["last_name"] = _text(name.value.family)
        if not values.get("last_name") and full is not None:
            first, _, last = _text(full.value).rpartition(" ")
            values["first_name"], values["last_name"] = first, last or first
        values["account_name" if kind == "contacts" else "company"] = company
        values["title"] = _text(title.value) if title is not None else ""
    emails = card.contents.get("email", [])
    if emails:
        preferred = [e for e in emails if "pref" in _types(e) or e.params.get("PREF")]
        values["email"] = _text((preferred or emails)[0].value)
    for tel in card.contents.get("tel", []):
        number = _text(tel.value).removeprefix("tel:")
        slot = "mobile" if _types(tel) & {"cell", "mobile"} and kind == "contacts" else "phone"
        if slot in values:
            slot = "mobile" if kind == "contacts" and "mobile" not in values else slot
        values.setdefault(slot, number)
    address = _first(card, "adr")
    if address is not None:
        adr = address.value
        values.update(
            street=_text(adr.street),
            city=_text(adr.city),
            region=_text(adr.region),
            postcode=_text(adr.code),
            country=_text(adr.country),
        )
    url, note = _first(card, "url"), _first(card, "note")
    if url is not None and kind != "contacts":
        values["website"] = _text(url.value)
    if note is not None:
        values["notes"] = str(note.value).replace("\r\n", "\n").strip()
    return {k: v for k, v in values.items() if v}


def read_cards(text: str, kind: str) -> list[Card]:
    """Every card of the text, in file order; a card that cannot be read carries its problem."""
    found, unclosed = split_cards(text)
    cards = [Card(line, "", {}, problem) for line, problem in unclosed]
    for line, block in found:
        try:
            parsed = vobject.readOne(block, allowQP=True)
            values = card_values(parsed, kind)
        except Exception as exc:  # vobject raises many kinds of errors for broken input
            detail = str(exc).split("\n")[0][:200] or type(exc).__name__
            cards.append(Card(line, block, {}, f"the card cannot be read ({detail}). Check it in the file."))
            continue
        cards.append(Card(line, block, values))
    cards.sort(key=lambda c: c.line)
    return cards


# -- writing -------------------------------------------------------------------------------------------------


def _qp(value: str) -> str:
    """Quoted-printable for a 2.1 property (line breaks kept as =0D=0A)."""
    encoded = quopri.encodestring(value.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8"))
    return encoded.decode("ascii").replace("\r\n", "=0D=0A").replace("=\n", "=\r\n")


def _prop21(name: str, value: str, params: str = "") -> str:
    if value.isascii() and "\n" not in value:
        return f"{name}{params}:{value}"
    return f"{name}{params};CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:{_qp(value)}"


def _esc21(value: str) -> str:
    return value.replace(";", "\\;")


def _card21(record: Mapping[str, Any], kind: str) -> str:
    lines = ["BEGIN:VCARD", "VERSION:2.1"]
    first, last = str(record.get("first_name") or ""), str(record.get("last_name") or "")
    company = str(record.get("company") or "")
    if kind == "accounts":
        lines.append(_prop21("N", _esc21(company)))
        lines.append(_prop21("FN", company))
    else:
        lines.append(_prop21("N", f"{_esc21(last)};{_esc21(first)};;;"))
        lines.append(_prop21("FN", f"{first} {last}".strip()))
    if company:
        lines.append(_prop21("ORG", _esc21(company)))
    if record.get("title"):
        lines.append(_prop21("TITLE", str(record["title"])))
    if record.get("phone"):
        lines.append(f"TEL;WORK;VOICE:{record['phone']}")
    if record.get("mobile"):
        lines.append(f"TEL;CELL:{record['mobile']}")
    if record.get("email"):
        lines.append(f"EMAIL;INTERNET:{record['email']}")
    address = [str(record.get(k) or "") for k in ("street", "city", "region", "postcode", "country")]
    if any(address):
        lines.append(_prop21("ADR", ";;" + ";".join(_esc21(a) for a in address), ";WORK"))
    if record.get("website"):
        lines.append(f"URL:{record['website']}")
    if record.get("notes"):
        lines.append(_prop21("NOTE", str(record["notes"])))
    lines.append("END:VCARD")
    return "\r\n".join(lines) + "\r\n"


def _card(record: Mapping[str, Any], kind: str, version: str) -> str:
    card = vobject.vCard()
    card.add("version").value = version
    first, last = str(record.get("first_name") or ""), str(record.get("last_name") or "")
    company = str(record.get("company") or "")
    if kind == "accounts":
        card.add("n").value = vobject.vcard.Name(family=company)
        card.add("fn").value = company
        if version == "4.0":
            card.add("kind").value = "org"
    else:
        card.add("n").value = vobject.vcard.Name(family=last, given=first)
        card.add("fn").value = f"{first} {last}".strip()
    if company:
        card.add("org").value = [company]
    if record.get("title"):
        card.add("title").value = str(record["title"])
    for key, kinds in (("phone", ["work", "voice"]), ("mobile", ["cell"])):
        if record.get(key):
            tel = card.add("tel")
            if version == "4.0":
                tel.value = f"tel:{record[key]}"
                tel.params["VALUE"] = ["uri"]
            else:
                tel.value = str(record[key])
            tel.params["TYPE"] = [",".join(kinds)] if version == "4.0" else [k.upper() for k in kinds]
    if record.get("email"):
        email = card.add("email")
        email.value = str(record["email"])
        email.params["TYPE"] = ["work"] if version == "4.0" else ["INTERNET", "WORK"]
    address = {k: str(record.get(k) or "") for k in ("street", "city", "region", "postcode", "country")}
    if any(address.values()):
        adr = card.add("adr")
        adr.value = vobject.vcard.Address(
            street=address["street"],
            city=address["city"],
            region=address["region"],
            code=address["postcode"],
            country=address["country"],
        )
        adr.params["TYPE"] = ["work"] if version == "4.0" else ["WORK"]
    if record.get("website"):
        card.add("url").value = str(record["website"])
    if record.get("notes"):
        card.add("note").value = str(record["notes"])
    text: str = card.serialize()
    return text


def write_cards(records: Iterable[Mapping[str, Any]], kind: str, version: str = "3.0") -> Iterable[str]:
    """The cards of records (field values; a contact's account name as ``company``), one string each."""
    if version not in VERSIONS:
        raise ValueError(f"vCard version {version!r} is not one of {', '.join(VERSIONS)}")
    for record in records:
        yield _card21(record, kind) if version == "2.1" else _card(record, kind, version)
