"""Settings are checked where they are put, whoever puts them (command line, dialog or job)."""

from __future__ import annotations

import pytest

from sfa_desktop.core import settings
from sfa_desktop.core.reports import settings as report_settings
from sfa_desktop.store.database import LocalStore


@pytest.mark.parametrize(
    ("key", "typed", "stored"),
    [
        ("phone_region", " gb ", "GB"),
        ("currency", "eur", "EUR"),
        ("page_size", "letter", "Letter"),
        ("sync_interval_minutes", "030", "30"),
        ("cost_visit", "$1,212.5", "1212.50"),
        ("report_decline_percent", "25", "25"),
    ],
)
def test_values_are_normalised_when_put(store: LocalStore, key: str, typed: str, stored: str) -> None:
    with store.transaction() as session:
        settings.put(session, key, typed)
    with store.reading() as session:
        assert settings.get(session, key) == stored


@pytest.mark.parametrize(
    ("key", "typed", "message"),
    [
        ("phone_region", "XX", "'XX' is not a country code"),
        ("currency", "dollars", "'dollars' is not a currency code"),
        ("page_size", "A5", "'A5' is not a page size; use A4 or Letter."),
        ("sync_interval_minutes", "0", "'0' is not a number of minutes"),
        ("cost_call", "cheap", "'cheap' is not an amount"),
        ("report_recent_days", "0", "must be a whole number from 1 to 3650"),
        ("lead_scoring_rules", "[", "JSON"),
    ],
)
def test_a_bad_value_is_refused_and_the_old_one_kept(
    store: LocalStore, key: str, typed: str, message: str
) -> None:
    with store.reading() as session:
        before = settings.all_settings(session)
    with pytest.raises(ValueError, match=message), store.transaction() as session:
        settings.put(session, key, typed)
    with store.reading() as session:
        assert settings.all_settings(session) == before


def test_report_setting_errors_name_the_setting_for_people() -> None:
    with pytest.raises(report_settings.SettingError) as caught:
        report_settings.check("cost_visit", "a lot")
    assert caught.value.key == "cost_visit"
    assert report_settings.label("cost_visit") == "Cost of a visit"
    assert report_settings.label("report_no_contact_days") == "At risk: no contact for N days"
