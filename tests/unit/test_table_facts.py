"""The table facts declared on the models, and every list of tables derived from them
(``core.records.tables``)."""

from __future__ import annotations

from sfa_desktop.core import access
from sfa_desktop.core.records import services, tables
from sfa_desktop.core.records.models import SYNCED_MODELS, SyncedRecord
from sfa_desktop.server import merges, scope


class Visit(SyncedRecord):
    """A throwaway territory-scoped table that follows its account (and its lead), declared once."""

    __abstract__ = True  # not mapped: no table in the app's metadata
    __tablename__ = "visits"
    follows_account = True
    follows_lead = True


class Brochure(SyncedRecord):
    """A throwaway reference table that managers write."""

    __abstract__ = True
    __tablename__ = "brochures"
    is_reference_data = True
    managers_write = True


class Invoice(SyncedRecord):
    """A throwaway company table (from the company's systems), following its account."""

    __abstract__ = True
    __tablename__ = "invoices"
    company_records = True
    follows_account = True


def test_a_new_table_is_one_declaration() -> None:
    models: tuple[type[SyncedRecord], ...] = (*SYNCED_MODELS, Visit, Brochure, Invoice)
    assert tables.territory_tables(models)[-2:] == ("visits", "invoices")
    assert "visits" in tables.territory_tables(models)
    assert "invoices" in tables.territory_tables(models)
    assert "brochures" not in tables.territory_tables(models)
    assert "brochures" in tables.reference_tables(models)
    assert {"visits", "invoices"} <= tables.follow_account(models)
    assert "visits" in tables.follow_lead(models)
    assert "invoices" not in tables.follow_lead(models)
    assert "visits" in tables.account_children(models)
    assert "visits" in tables.lead_children(models)
    assert "invoices" not in tables.account_children(models)  # the central store moves those
    assert "invoices" in tables.company_tables(models)
    assert {"brochures", "invoices"} <= set(tables.admin_written(models))
    assert "visits" not in tables.admin_written(models)
    assert "brochures" in tables.manager_written(models)
    assert "invoices" not in tables.manager_written(models)
    # the app's own lists hold none of them
    for name in ("visits", "brochures", "invoices"):
        assert name not in (*tables.TERRITORY_TABLES, *tables.REFERENCE_TABLES)


def test_the_derived_lists_are_todays_lists() -> None:
    """The lists that were spelled out by hand (sync/scope.py, core/records/services.py, sync/merges.py)."""
    assert scope.TERRITORY_TABLES == (
        "accounts",
        "contacts",
        "leads",
        "opportunities",
        "sequence_enrollments",
        "activities",
        "orders",
        "order_lines",
        "comments",
        "notification_reads",
        "visit_reports",
        "attachments",
        "service_requests",
        "request_comments",
        "defections",
    )
    assert {"notification_reads"} == tables.OWNER_ONLY
    assert scope.REFERENCE_TABLES == (
        "users",
        "territories",
        "territory_memberships",
        "products",
        "pipeline_stages",
        "kb_articles",
        "sequence_templates",
        "territory_rules",
        "service_levels",
        "checklist_templates",
    )
    admin_written = (*scope.REFERENCE_TABLES, "orders", "order_lines")
    assert admin_written == scope.ADMIN_WRITTEN
    assert set(scope.MANAGER_WRITTEN) == {
        "kb_articles",
        "sequence_templates",
        "territories",
        "territory_memberships",
        "territory_rules",
        "service_levels",
        "checklist_templates",
    }
    assert scope.MOVED_WITH_ACCOUNT == ("orders", "order_lines")
    follow_account = {"contacts", "opportunities", "activities", "sequence_enrollments", "comments"}
    follow_account |= {"defections"}  # defections (issue 15)
    follow_account |= {"service_requests", "request_comments"}  # requests and complaints (issue 15)
    follow_account |= {"visit_reports", "attachments"}  # visits on site (issue 16)
    follow_lead = {"activities", "sequence_enrollments", "visit_reports", "attachments"}
    assert services.FOLLOW_ACCOUNT == merges._FOLLOW_ACCOUNT == {*follow_account, "orders", "order_lines"}
    assert services.FOLLOW_LEAD == merges._FOLLOW_LEAD == follow_lead
    # the same tables; the order differs (parents first now: an enrollment before the activities it makes)
    assert set(services.ACCOUNT_CHILDREN) == follow_account
    assert set(services.LEAD_CHILDREN) == follow_lead
    assert tables.SEQUENCE_ENROLLMENTS == "sequence_enrollments"


def test_the_facts_agree_with_the_columns() -> None:
    """An independent reading of the models: what each fact promises, the table's columns hold."""
    for model in SYNCED_MODELS:
        columns = model.__table__.c
        name = model.__tablename__
        if name in tables.TERRITORY_TABLES:
            assert "territory_id" in columns, name
            assert "owner_id" in columns, name
        if model.follows_account:
            assert "account_id" in columns, name
            assert name in tables.TERRITORY_TABLES, name
        if model.follows_lead:
            assert "lead_id" in columns, name
            assert model.follows_account, name
        if model.managers_write:
            assert model.is_reference_data, name
        if model.company_records:
            assert name in tables.TERRITORY_TABLES, name
            assert model.follows_account, name
    columned = {m.__tablename__ for m in SYNCED_MODELS if "territory_id" in m.__table__.c}
    assert columned == access.TERRITORY_COLUMNED
    assert {
        *tables.TERRITORY_TABLES,
        "territory_memberships",
        "territory_rules",
        "service_levels",
    } == columned
