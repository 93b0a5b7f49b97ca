"""Lists of synced tables, derived from the facts each model declares (``SyncedRecord``'s class attributes):
a new territory-scoped table is one model in ``SYNCED_MODELS``, and sync, the services and the permission
rules pick it up from here.  Each list keeps ``SYNCED_MODELS``' order (parents before children).

The frozen migrations (db/local, db/central) spell their own lists and never import these.
"""

from __future__ import annotations

from collections.abc import Sequence

from sfa_desktop.core.records.models import SYNCED_MODELS, SequenceEnrollment, SyncedRecord

Models = Sequence[type[SyncedRecord]]


def territory_tables(models: Models = SYNCED_MODELS) -> tuple[str, ...]:
    """Tables whose rows belong to one territory (or, without one, to their owner)."""
    return tuple(m.__tablename__ for m in models if not m.is_reference_data and not m.audience_scoped)


def audience_tables(models: Models = SYNCED_MODELS) -> tuple[str, ...]:
    """Tables whose rows go to the laptops of the users they are addressed to (announcements, receipts)."""
    return tuple(m.__tablename__ for m in models if m.audience_scoped)


def reference_tables(models: Models = SYNCED_MODELS) -> tuple[str, ...]:
    """Tables whose rows go to every laptop."""
    return tuple(m.__tablename__ for m in models if m.is_reference_data)


def company_tables(models: Models = SYNCED_MODELS) -> tuple[str, ...]:
    """The company's records: only admins write them; the central store moves them with their account."""
    return tuple(m.__tablename__ for m in models if m.company_records)


def admin_written(models: Models = SYNCED_MODELS) -> tuple[str, ...]:
    """Tables only admins write (managers too where ``manager_written`` says so)."""
    return (*reference_tables(models), *company_tables(models))


def manager_written(models: Models = SYNCED_MODELS) -> tuple[str, ...]:
    return tuple(m.__tablename__ for m in models if m.is_reference_data and m.managers_write)


def follow_account(models: Models = SYNCED_MODELS) -> frozenset[str]:
    """Tables whose rows take their account's territory."""
    return frozenset(m.__tablename__ for m in models if m.follows_account)


def follow_lead(models: Models = SYNCED_MODELS) -> frozenset[str]:
    """Tables whose rows take their lead's territory when they have no account."""
    return frozenset(m.__tablename__ for m in models if m.follows_lead)


def account_children(models: Models = SYNCED_MODELS) -> tuple[str, ...]:
    """What a laptop deletes, and moves to another territory, with an account (not the company's records:
    the central store moves those itself)."""
    return tuple(m.__tablename__ for m in models if m.follows_account and not m.company_records)


def lead_children(models: Models = SYNCED_MODELS) -> tuple[str, ...]:
    """What moves with a lead (its records that have no account)."""
    return tuple(m.__tablename__ for m in models if m.follows_lead and not m.company_records)


def owner_only(models: Models = SYNCED_MODELS) -> frozenset[str]:
    """Tables whose rows are their owner's alone (see ``SyncedRecord.owner_only``)."""
    return frozenset(m.__tablename__ for m in models if m.owner_only)


TERRITORY_TABLES = territory_tables()
OWNER_ONLY = owner_only()
REFERENCE_TABLES = reference_tables()
AUDIENCE_TABLES = audience_tables()
COMPANY_TABLES = company_tables()
ADMIN_WRITTEN = admin_written()
MANAGER_WRITTEN = manager_written()
FOLLOW_ACCOUNT = follow_account()
FOLLOW_LEAD = follow_lead()
ACCOUNT_CHILDREN = account_children()
LEAD_CHILDREN = lead_children()
#: The enrollments table's name, for code that names it among others.
SEQUENCE_ENROLLMENTS: str = SequenceEnrollment.__tablename__
