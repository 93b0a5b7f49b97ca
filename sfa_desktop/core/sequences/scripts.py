"""Filling a step's script: the placeholders a template writes in braces (``{first name}``, ``{your name}``,
``{company}`` ...) replaced by what the record and the person making the call say, for the Today page,
the Log outcome dialog, the calendar export and the call sheet alike.

A placeholder whose value is not known (a contact without a first name) or that is not one of
:data:`PLACEHOLDERS` stays as written, so the rep sees what to fill in, and braces that are no placeholder
(code, JSON in an article) are left alone.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

#: The placeholders a script may use, with what each stands for.
PLACEHOLDERS: Mapping[str, str] = {
    "first name": "the contact's or lead's first name",
    "last name": "the contact's or lead's last name",
    "full name": "the contact's or lead's full name",
    "title": "the contact's or lead's job title",
    "company": "the account's name, or the lead's company",
    "your name": "the full name of the person making the call",
    "your first name": "the first name of the person making the call",
}
_PLACEHOLDER = re.compile(r"\{\s*([A-Za-z][A-Za-z ]{0,30}?)\s*\}")


@dataclass(frozen=True)
class Party:
    """Who the script is said to and by whom (any field may be empty)."""

    first_name: str = ""
    last_name: str = ""
    title: str = ""
    company: str = ""
    caller: str = ""

    def values(self) -> dict[str, str]:
        full = " ".join(p for p in (self.first_name, self.last_name) if p)
        caller = self.caller.strip()
        return {
            "first name": self.first_name.strip(),
            "last name": self.last_name.strip(),
            "full name": full.strip(),
            "title": self.title.strip(),
            "company": self.company.strip(),
            "your name": caller,
            "your first name": caller.split()[0] if caller else "",
        }


def fill(script: str, party: Party) -> str:
    """The script with every known placeholder replaced (case and inner spaces do not matter)."""
    if "{" not in script:
        return script
    values = party.values()

    def replace(match: re.Match[str]) -> str:
        key = " ".join(match.group(1).lower().split())
        return values.get(key) or match.group(0)

    return _PLACEHOLDER.sub(replace, script)
