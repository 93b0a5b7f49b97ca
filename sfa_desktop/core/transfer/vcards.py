"""vCards in and out (2.1, 3.0 and 4.0), with vobject.

Reading splits the text into cards first, so a broken card is one problem with its line number while the
others are read; each card becomes field values (a contact's, a lead's or an account's).  Cards are
written here, streamed one at a time: 2.1 with quoted-printable for non-ASCII text and line breaks (what
Outlook and old phones expect), 3.0 and 4.0 escaped and folded as their RFCs say.
"""

from __future__ import annotations

import quopri
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import vobject

from sfa_desktop.core.records.validation import split_extension

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


# -- vCard 2.1 -> 3.0 --------------------------------------------------------------------------------------
# vobject reads every card with the rules of 3.0, where a comma separates values and a backslash escapes:
# read that way, a 2.1 card's "TITLE:VP, Sales" is cut at the comma.  A 2.1 card is rewritten in 3.0's
# syntax first: its quoted-printable and charsets decoded, bare types (TEL;WORK;VOICE) named, and its text
# escaped the 3.0 way (in 2.1 only ";" is escaped, and only in values made of parts).

_VERSION_21 = re.compile(r"^VERSION\s*:\s*2\.1\s*$", re.I | re.M)
#: Properties whose value is made of parts separated by ";" (N, ADR, ORG).
_STRUCTURED = frozenset({"N", "ADR", "ORG"})
#: Properties whose value is text (escaped in 3.0); others (TEL, EMAIL, URL, BDAY...) are left as written.
_TEXT = frozenset({"FN", "TITLE", "ROLE", "NOTE", "LABEL", "NICKNAME", "X-ABLABEL", "X-ABSHOWAS", "KIND"})
_BARE_ENCODINGS = frozenset({"QUOTED-PRINTABLE", "BASE64", "8BIT", "7BIT", "B"})


def _unfold21(text: str) -> list[str]:
    lines: list[str] = []
    for line in text.splitlines():
        if lines and lines[-1].endswith("=") and _is_qp(lines[-1]):
            lines[-1] = lines[-1][:-1] + line  # a quoted-printable soft line break
        elif lines and line[:1] in (" ", "\t"):
            lines[-1] += line[1:]
        else:
            lines.append(line)
    return lines


def _is_qp(line: str) -> bool:
    head = line.split(":", 1)[0].upper()
    return "QUOTED-PRINTABLE" in head


def _escape30(value: str) -> str:
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return value.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;").replace("\n", "\\n")


def _parts21(value: str) -> list[str]:
    """A 2.1 value made of parts: split at each ";" that is not escaped."""
    return [p.replace("\\;", ";") for p in re.split(r"(?<!\\);", value)]


def card21_as_30(block: str) -> str:
    """A vCard 2.1 card rewritten in vCard 3.0's syntax, with the same values."""
    out: list[str] = []
    for line in _unfold21(block):
        head, sep, value = line.partition(":")
        if not sep:
            out.append(line)
            continue
        name, *params = head.split(";")
        types: list[str] = []
        other: list[str] = []
        encoding = charset = ""
        for param in params:
            key, eq, given = param.partition("=")
            upper = key.strip().upper()
            if not eq and upper in _BARE_ENCODINGS:
                encoding = upper
            elif not eq:
                types.append(key.strip())
            elif upper == "ENCODING":
                encoding = given.strip().upper()
            elif upper == "CHARSET":
                charset = given.strip()
            elif upper == "TYPE":
                types += [t.strip() for t in given.split(",") if t.strip()]
            else:
                other.append(param)
        if encoding in ("BASE64", "B"):
            continue  # a photo or a sound: nothing an import keeps
        if encoding == "QUOTED-PRINTABLE":
            raw = quopri.decodestring(value.encode("utf-8"))
            try:
                value = raw.decode(charset or "utf-8")
            except (UnicodeDecodeError, LookupError):
                value = raw.decode("cp1252", errors="replace")
        base = name.rsplit(".", 1)[-1].strip().upper()
        if base == "VERSION":
            value = "3.0"
        elif base in _STRUCTURED:
            value = ";".join(_escape30(part) for part in _parts21(value))
        elif base in _TEXT or base.startswith("X-"):
            value = _escape30(value.replace("\\;", ";"))
        else:
            value = value.replace("\r\n", " ").replace("\n", " ")
        type_param = f";TYPE={','.join(types)}" if types else ""
        out.append(f"{name}{type_param}{''.join(';' + o for o in other)}:{value}")
    return "\r\n".join(out) + "\r\n"


# -- a card's values ------------------------------------------------------------------------------------


def _first(card: Any, name: str) -> Any:
    items = card.contents.get(name)
    return items[0] if items else None


def _types(prop: Any) -> set[str]:
    found = {t.lower() for t in getattr(prop, "singletonparams", [])}
    for value in prop.params.get("TYPE", []):
        found.update(v.strip().strip('"').lower() for v in value.split(","))
    return found


def _text(value: Any) -> str:
    if isinstance(value, list):
        value = " ".join(str(v) for v in value if v)
    return str(value or "").strip()


def _labels(card: Any) -> dict[str, str]:
    """Apple's labels of grouped properties (item1.X-ABLabel:_$!<Assistant>!$_): group -> label."""
    found = {}
    for label in card.contents.get("x-ablabel", []):
        if label.group:
            found[label.group.lower()] = _text(label.value).strip("_$!<>").lower()
    return found


#: What a phone is for, from its types and label -> (field, how the notes name it when it is not a field).
def _phone_role(types: set[str], label: str) -> tuple[str | None, str]:
    words = types | set(label.split())
    if words & {"assistant", "x-assistant", "x-evolution-assistant"}:
        return None, "Assistant's phone"
    if words & {"fax", "x-fax"}:
        return None, "Fax"
    if words & {"pager"}:
        return None, "Pager"
    if words & {"cell", "mobile", "iphone"}:
        return "mobile", "Other mobile"
    where = next((w for w in ("work", "home", "main") if w in words), "")
    return "phone", f"Other phone ({where})" if where else "Other phone"


def is_company_card(card: Any) -> bool:
    """A card for a company, not a person: Apple's X-ABShowAs:COMPANY, vCard 4.0's KIND:org."""
    shown, kind = _first(card, "x-abshowas"), _first(card, "kind")
    return (shown is not None and _text(shown.value).upper() == "COMPANY") or (
        kind is not None and _text(kind.value).lower() in ("org", "organization")
    )


COMPANY_CARD = (
    "the card is a company, not a person ({how}); import the file as accounts to add it "
    "(choose Accounts, or 'sfa import FILE --type accounts')."
)


def card_values(card: Any, kind: str) -> dict[str, str]:
    """Field values of a parsed card for a record of ``kind``; what has no field of its own (a second
    email or work phone, an assistant's phone, a fax, a birthday) is kept in the notes."""
    values: dict[str, str] = {}
    extra: list[str] = []
    name, full = _first(card, "n"), _first(card, "fn")
    org, title = _first(card, "org"), _first(card, "title")
    company = ""
    if org is not None and org.value:
        first_part = org.value[0]  # [name, unit...]
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
        ordered = preferred + [e for e in emails if e not in preferred]
        values["email"] = _text(ordered[0].value)
        extra += [f"Other email: {_text(e.value)}" for e in ordered[1:] if _text(e.value)]
    labels = _labels(card)
    tels = card.contents.get("tel", [])
    tels = sorted(tels, key=lambda t: "pref" not in _types(t) and not t.params.get("PREF"))
    for tel in tels:
        number = _text(tel.value)
        number = number[4:] if number.lower().startswith("tel:") else number
        if not number:
            continue
        slot, named = _phone_role(_types(tel), labels.get((tel.group or "").lower(), ""))
        if slot == "mobile" and kind != "contacts":
            slot = "phone"
        if slot is not None and slot not in values:
            values[slot] = number
        else:
            extra.append(f"{named}: {number}")
    address = _first(card, "adr")
    if address is not None:
        adr = address.value
        lines = [_text(part).replace("\r\n", "\n") for part in (adr.street, adr.extended, adr.box)]
        values.update(
            street="\n".join(line for line in lines if line),
            city=_text(adr.city),
            region=_text(adr.region),
            postcode=_text(adr.code),
            country=_text(adr.country),
        )
    else:
        label = _first(card, "label")  # 2.1 and 3.0: the address as printed on an envelope
        if label is not None and _text(label.value):
            values["street"] = str(label.value).replace("\r\n", "\n").strip()
    url, note = _first(card, "url"), _first(card, "note")
    if url is not None and kind != "contacts":
        values["website"] = _text(url.value)
    birthday = _first(card, "bday")
    if birthday is not None and _text(birthday.value) and kind != "accounts":
        extra.append(f"Birthday: {_text(birthday.value)}")
    notes = [str(note.value).replace("\r\n", "\n").strip()] if note is not None else []
    notes += extra
    if any(notes):
        values["notes"] = "\n".join(n for n in notes if n)
    return {k: v for k, v in values.items() if v}


def parse_card(block: str) -> Any:
    """One card's text, parsed by vobject (a 2.1 card rewritten as 3.0 first)."""
    if _VERSION_21.search(block):
        block = card21_as_30(block)
    return vobject.readOne(block, allowQP=True)


def read_cards(text: str, kind: str) -> list[Card]:
    """Every card of the text, in file order; a card that cannot be read carries its problem."""
    found, unclosed = split_cards(text)
    cards = [Card(line, "", {}, problem) for line, problem in unclosed]
    for line, block in found:
        try:
            parsed = parse_card(block)
            values = card_values(parsed, kind)
        except Exception as exc:  # vobject raises many kinds of errors for broken input
            detail = str(exc).split("\n")[0][:200] or type(exc).__name__
            cards.append(Card(line, block, {}, f"the card cannot be read ({detail}). Check it in the file."))
            continue
        problem = None
        if kind != "accounts" and is_company_card(parsed):
            how = "X-ABShowAs:COMPANY" if _first(parsed, "x-abshowas") is not None else "KIND:org"
            problem = COMPANY_CARD.format(how=how)
        cards.append(Card(line, block, values, problem))
    cards.sort(key=lambda c: c.line)
    return cards


# -- writing -------------------------------------------------------------------------------------------------


def _tel_text(stored: str) -> str:
    """A stored number as 2.1 and 3.0 cards write it: +14186569254 ext. 102."""
    number, extension = split_extension(stored)
    return f"{number} ext. {extension}" if extension else number


def _tel_uri(stored: str) -> str:
    """A stored number as vCard 4.0's tel: URI (RFC 3966): tel:+14186569254;ext=102."""
    return f"tel:{stored}"


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
        lines.append(f"TEL;WORK;VOICE:{_tel_text(str(record['phone']))}")
    if record.get("mobile"):
        lines.append(f"TEL;CELL:{_tel_text(str(record['mobile']))}")
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


def _esc(value: str) -> str:
    """Text escaped as vCard 3.0 and 4.0 write it (RFC 2426 and RFC 6350, 3.4)."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return value.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;").replace("\n", "\\n")


def _fold(line: str) -> str:
    """A content line folded at 75 octets (CRLF and a space), never inside a UTF-8 character."""
    if len(line) <= 75 and line.isascii():
        return line
    parts: list[str] = []
    current: list[str] = []
    size = 0
    for ch in line:
        width = len(ch.encode("utf-8"))
        if size + width > (75 if not parts else 74):
            parts.append("".join(current))
            current, size = [], 0
        current.append(ch)
        size += width
    parts.append("".join(current))
    return "\r\n ".join(parts)


def _card(record: Mapping[str, Any], kind: str, version: str) -> str:
    """A 3.0 or 4.0 card, written here (vobject's writer takes ~0.3 ms a card: a 200,000-card export
    took over a minute); vobject reads them back in the tests."""
    four = version == "4.0"
    lines = ["BEGIN:VCARD", f"VERSION:{version}"]
    first, last = str(record.get("first_name") or ""), str(record.get("last_name") or "")
    company = str(record.get("company") or "")
    if kind == "accounts":
        if four:
            lines.append("KIND:org")
        lines.append(f"FN:{_esc(company)}")
        lines.append(f"N:{_esc(company)};;;;")
    else:
        lines.append(f"FN:{_esc(f'{first} {last}'.strip())}")
        lines.append(f"N:{_esc(last)};{_esc(first)};;;")
    if company:
        lines.append(f"ORG:{_esc(company)}")
    if record.get("title"):
        lines.append(f"TITLE:{_esc(str(record['title']))}")
    for key, kinds in (("phone", ("work", "voice")), ("mobile", ("cell",))):
        if record.get(key):
            if four:
                lines.append(f"TEL;VALUE=uri;TYPE={','.join(kinds)}:{_tel_uri(str(record[key]))}")
            else:
                kinds_ = ",".join(k.upper() for k in kinds)
                lines.append(f"TEL;TYPE={kinds_}:{_esc(_tel_text(str(record[key])))}")
    if record.get("email"):
        lines.append(f"EMAIL;TYPE={'work' if four else 'INTERNET,WORK'}:{record['email']}")
    address = [str(record.get(k) or "") for k in ("street", "city", "region", "postcode", "country")]
    if any(address):
        lines.append(f"ADR;TYPE={'work' if four else 'WORK'}:;;{';'.join(_esc(a) for a in address)}")
    if record.get("website"):
        lines.append(f"URL:{record['website']}")
    if record.get("notes"):
        lines.append(f"NOTE:{_esc(str(record['notes']))}")
    lines.append("END:VCARD")
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"


def write_cards(records: Iterable[Mapping[str, Any]], kind: str, version: str = "3.0") -> Iterable[str]:
    """The cards of records (field values; a contact's account name as ``company``), one string each."""
    if version not in VERSIONS:
        raise ValueError(f"vCard version {version!r} is not one of {', '.join(VERSIONS)}")
    for record in records:
        yield _card21(record, kind) if version == "2.1" else _card(record, kind, version)
