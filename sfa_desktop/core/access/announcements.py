"""Announcements: the refusal of a post.  Their audience rules are ``core.audience``'s (``rows`` applies
them)."""

from __future__ import annotations

from sfa_desktop.core.access.identity import Identity, NotPermitted


def announcement_refusal(who: Identity) -> NotPermitted:
    """Why ``who`` may not post (or change) an announcement."""
    if who.is_manager:
        return NotPermitted(
            f"Managers post announcements to the territories they manage; {who.signed_in_as()}. Choose one "
            "of your territories as the audience, or ask the office to post to everyone or a role."
        )
    return NotPermitted(f"Announcements are posted by managers and the office; {who.signed_in_as()}.")
