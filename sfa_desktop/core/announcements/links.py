"""The links an announcement carries as attachments: knowledge-base articles (``kb:<id>``) and web pages
(``http``/``https``).  Anything else (``javascript:``, ``file:``, ``data:``...) is refused when posted, as
the article view refuses such links in a body."""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass

from sfa_desktop.core.errors import UserError

WEB_SCHEMES = ("http", "https")
MAX_LINKS = 12


class BadLink(UserError):
    """A link an announcement may not carry; the message says which and why."""


@dataclass(frozen=True)
class Link:
    label: str
    #: ``kb:<article id>`` or an http(s) address
    target: str

    @property
    def article_id(self) -> str | None:
        return self.target[3:] if self.target.startswith("kb:") else None


def check(target: str, label: str = "") -> Link:
    """A link from what a person gave: ``kb:ID`` or a web address (refused otherwise, with the reason)."""
    given = target.strip()
    if given.lower().startswith("kb:"):
        article = given[3:].strip()
        if not article:
            raise BadLink("A knowledge-base link needs the article: kb:<article id>.")
        return Link(label.strip() or "Article", f"kb:{article}")
    parts = urllib.parse.urlsplit(given)
    if parts.scheme.lower() not in WEB_SCHEMES or not parts.netloc:
        shown = f"{parts.scheme}:" if parts.scheme else given[:60]
        raise BadLink(
            f"The link {shown!r} is not allowed: announcements link to knowledge-base articles (kb:ID) or "
            "web pages (http:// or https://)."
        )
    return Link(label.strip() or parts.netloc, given)


def encode(links: Iterable[Link]) -> str | None:
    listed = [{"label": link.label, "target": link.target} for link in links]
    if len(listed) > MAX_LINKS:
        raise BadLink(f"An announcement carries at most {MAX_LINKS} links.")
    return json.dumps(listed) if listed else None


def decode(raw: str | None) -> tuple[Link, ...]:
    """The links stored with an announcement; what is unreadable or not allowed is left out (a row written
    elsewhere is not trusted)."""
    if not raw:
        return ()
    try:
        value = json.loads(raw)
    except ValueError:
        return ()
    found = []
    for item in value if isinstance(value, list) else ():
        if not isinstance(item, dict):
            continue
        try:
            found.append(check(str(item.get("target", "")), str(item.get("label", ""))))
        except BadLink:
            continue
    return tuple(found)
