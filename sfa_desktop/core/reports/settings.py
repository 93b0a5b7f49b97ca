"""The territory report's settings: the unit costs of activity-based costing (what a call, an email, a
visit... and an order cost the company) and the thresholds of the coverage and at-risk sections.

Kept as local settings (``core.settings``, which checks a value put with :func:`check`), with defaults;
edited in the Reports page's Costs dialog and with ``sfa settings set cost_visit 200``.  What a report runs
with, read from the settings, is :class:`~sfa_desktop.core.reports.report_settings.ReportSettings`.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from sfa_desktop.core.errors import UserError
from sfa_desktop.core.records.fields import ACTIVITY_KINDS

#: Unit cost settings: key -> what it is the cost of.
COSTS: dict[str, str] = {
    **{f"cost_{kind}": f"a{'n' if kind[0] in 'aeiou' else ''} {kind}" for kind in ACTIVITY_KINDS},
    "cost_order": "an order (taking, shipping, invoicing)",
}
#: Whole-number settings: key -> (label, lowest, highest).
NUMBERS: dict[str, tuple[str, int, int]] = {
    "report_recent_days": ("Covered: an activity in the last N days", 1, 3650),
    "report_no_contact_days": ("At risk: no contact for N days", 1, 3650),
    "report_decline_percent": ("At risk: orders down by at least N %", 1, 100),
}
KEYS = (*COSTS, *NUMBERS)


class SettingError(UserError, ValueError):
    """A value a person typed for the setting ``key`` is not usable; the message says what to type."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


def label(key: str) -> str:
    """The setting as a person reads it ("Cost of a visit")."""
    return f"Cost of {COSTS[key]}" if key in COSTS else NUMBERS[key][0]


def check(key: str, value: str) -> str:
    """The value as it is stored ("180", "12.50"), or SettingError saying what to type."""
    typed = value.strip().replace(",", "").lstrip("$€£")
    if key in COSTS:
        try:
            amount = Decimal(typed)
        except InvalidOperation:
            raise SettingError(key, f"'{value}' is not an amount; type one such as 180 or 12.50.") from None
        if not amount.is_finite() or amount < 0 or amount > 1_000_000:
            raise SettingError(key, f"'{value}' must be an amount from 0 to 1,000,000.")
        if amount != amount.quantize(Decimal("0.01")):
            raise SettingError(key, f"'{value}' has more than two decimal places.")
        return str(int(amount)) if amount == amount.to_integral() else f"{amount:.2f}"
    if key in NUMBERS:
        _label, low, high = NUMBERS[key]
        if not typed.isdigit() or not low <= int(typed) <= high:
            raise SettingError(key, f"'{value}' must be a whole number from {low} to {high}.")
        return str(int(typed))
    raise KeyError(key)


def cents(value: str) -> int:
    return int(Decimal(value) * 100)
