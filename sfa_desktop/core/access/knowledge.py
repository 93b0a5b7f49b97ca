"""The knowledge base and sequences: who writes articles (and reads drafts) and sequence templates."""

from __future__ import annotations

from sfa_desktop.core.access.identity import Who
from sfa_desktop.core.access.reference import may_write_reference


def may_author_articles(who: Who) -> bool:
    """May the user write (and read the drafts of) knowledge-base articles?  Managers and admins."""
    return may_write_reference(who, "kb_articles")


def may_manage_sequences(who: Who) -> bool:
    """May the user add and change sequence templates?  Managers and admins."""
    return may_write_reference(who, "sequence_templates")
