"""Country names as exports write them ("United States", "Deutschland", "UK") -> two-letter ISO codes."""

from __future__ import annotations

import re

_NAMES: dict[str, tuple[str, ...]] = {
    "US": ("united states", "united states of america", "usa", "u s a", "u s", "america"),
    "GB": ("united kingdom", "uk", "u k", "great britain", "britain", "england", "scotland", "wales"),
    "CA": ("canada",),
    "MX": ("mexico", "méxico"),
    "DE": ("germany", "deutschland"),
    "FR": ("france",),
    "ES": ("spain", "españa", "espana"),
    "IT": ("italy", "italia"),
    "NL": ("netherlands", "the netherlands", "holland", "nederland"),
    "BE": ("belgium", "belgique", "belgië"),
    "CH": ("switzerland", "schweiz", "suisse"),
    "AT": ("austria", "österreich"),
    "IE": ("ireland",),
    "PT": ("portugal",),
    "SE": ("sweden", "sverige"),
    "NO": ("norway", "norge"),
    "DK": ("denmark", "danmark"),
    "FI": ("finland", "suomi"),
    "PL": ("poland", "polska"),
    "CZ": ("czech republic", "czechia"),
    "GR": ("greece",),
    "TR": ("turkey", "türkiye"),
    "IL": ("israel",),
    "AE": ("united arab emirates", "uae"),
    "IN": ("india",),
    "CN": ("china",),
    "JP": ("japan",),
    "KR": ("south korea", "korea", "republic of korea"),
    "SG": ("singapore",),
    "HK": ("hong kong",),
    "AU": ("australia",),
    "NZ": ("new zealand",),
    "BR": ("brazil", "brasil"),
    "AR": ("argentina",),
    "CL": ("chile",),
    "CO": ("colombia",),
    "ZA": ("south africa",),
    "NG": ("nigeria",),
    "EG": ("egypt",),
}
_CODES = {name: code for code, names in _NAMES.items() for name in names}


def country_code(text: str) -> str | None:
    """The ISO code for a country as typed: a code is kept (upper-cased), a known name translated; None
    when it is not known."""
    value = text.strip()
    if len(value) == 2 and value.isalpha() and value.isascii():
        return value.upper()
    folded = re.sub(r"[.\s]+", " ", value.lower()).strip()
    return _CODES.get(folded)
