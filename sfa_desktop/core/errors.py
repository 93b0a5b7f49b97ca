"""The one root of errors a person can fix.

An error that derives from :class:`UserError` is a message for the person in front of the screen: it says
what is wrong and what to do, and it is shown as it is (one line from ``sfa``, a message box in the window).
Anything else that escapes a command or a job is a bug: it is logged with its traceback and shown with the
details and a "Copy report" button (see :mod:`sfa_desktop.ops.errorlog`).

Subclasses keep the standard base that fits them as well (``ValueError``, ``LookupError``...), so code that
catches those keeps working.
"""

from __future__ import annotations


class UserError(Exception):
    """Something a person can fix; ``str(error)`` says what is wrong and what to do."""

    def lines(self) -> list[str]:
        """The message as the lines a terminal prints (one, unless a subclass has several to say)."""
        return [str(self)]
