"""The settings a territory report runs with, read from this laptop's settings (see
:mod:`sfa_desktop.core.reports.settings` for what each one is and how a value is checked)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from sfa_desktop.core import settings
from sfa_desktop.core.records.fields import ACTIVITY_KINDS
from sfa_desktop.core.reports.settings import SettingError, cents, check


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
