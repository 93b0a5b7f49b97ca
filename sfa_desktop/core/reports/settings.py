"""The territory report's settings: the unit costs of activity-based costing (what a call, an email, a
visit... and an order cost the company) and the thresholds of the coverage and at-risk sections.

Kept as local settings (``core.settings``), with defaults; edited in the Reports page's Costs dialog and
with ``sfa settings set cost_visit 200``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from sqlalchemy.orm import Session

from sfa_desktop.core import settings
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


@dataclass(frozen=True)
class ReportSettings:
    #: Unit cost in cents per activity kind, and per order.
    activity_costs: dict[str, int]
    order_cost: int
    recent_days: int = 30
    no_contact_days: int = 60
    decline_percent: int = 20
    currency: str = "USD"

    @classmethod
    def load(cls, session: Session) -> ReportSettings:
        values = settings.all_settings(session)
        return cls.from_values(values)

    @classmethod
    def from_values(cls, values: dict[str, str]) -> ReportSettings:
        def number(key: str) -> int:
            try:
                return int(check(key, values[key]))
            except (SettingError, KeyError):
                return int(settings.DEFAULTS[key])

        def money(key: str) -> int:
            try:
                return cents(check(key, values[key]))
            except (SettingError, KeyError):
                return cents(settings.DEFAULTS[key])

        return cls(
            activity_costs={kind: money(f"cost_{kind}") for kind in ACTIVITY_KINDS},
            order_cost=money("cost_order"),
            recent_days=number("report_recent_days"),
            no_contact_days=number("report_no_contact_days"),
            decline_percent=number("report_decline_percent"),
            currency=values.get("currency") or settings.DEFAULTS["currency"],
        )

    @classmethod
    def defaults(cls) -> ReportSettings:
        return cls.from_values(dict(settings.DEFAULTS))
