"""Who the user is and what they may do: every permission rule, written once.

The window, the command line, the core services and sync all ask here.  The central store applies the
same rules to each push (``server.apply``) and, on PostgreSQL, row-level security applies them again in the
database (migrations c0002, c0004, c0301); ``tests/integration/test_access_policies.py`` walks these rules
against those policies so that the two cannot drift.

An :class:`Identity` is a user of the company: their role (``rep``, ``manager``, ``admin``) and the
territories they see (a rep their own, a manager theirs and everything below them, an admin every one).
On a laptop, :func:`this_user` is the user it syncs as; ``None`` means a laptop never connected to a
central store, whose user keeps their own data and so may do everything in it.  A laptop connected but
not synced yet knows the login only: its role is ``unknown`` and it is offered nothing company-wide.

The rules take ``Identity | None`` and answer True or False; the ``require_*`` functions raise
:class:`NotPermitted`, whose message says who may.

The rules live in this package, one module per feature; this module re-exports every name, so callers write
``from sfa_desktop.core import access`` and ``access.X``.  Rule modules import ``identity`` (and each other,
downwards), never this package:

- ``identity``: :class:`Identity`, the roles, the territory tree, this laptop's user (imports no rule module);
- ``records``: records of a territory (``sees``, ``may_write``, ``may_move``);
- ``reference``: reference data and company records (``may_write_reference``, ``may_carry_with_account``);
- ``service_terms``: an account's segment and visit frequency (managers');
- ``attachments``: the bytes of attachments (``may_use_blob``);
- ``service_requests``: service requests and complaints, their workflow and comments;
- ``comments``, ``announcements``, ``knowledge`` (knowledge base, sequences), ``call_sheets`` (people: call
  sheets and agendas), ``territories`` (the territory tree);
- ``rows``: :func:`may_write_row` and :func:`may_see_row`, which hand each synced table to its feature's
  rules, and :func:`may_write_here`;
- ``session``: whom a Session's writes are checked against (``user_of``, ``check_as``);
- ``refusing``: the ``require_*`` checks and their messages; ``bound``: :class:`Rights`, the rules bound to
  this laptop's user.
"""

from __future__ import annotations

from sfa_desktop.core.access.announcements import (
    announcement_refusal,
)
from sfa_desktop.core.access.attachments import (
    may_use_blob,
)
from sfa_desktop.core.access.bound import (
    Rights,
    rights,
)
from sfa_desktop.core.access.call_sheets import (
    Person,
    call_sheet_people,
    call_sheet_refusal,
    in_team,
    managers,
    may_print_call_sheet,
    may_see_agenda,
    people,
)
from sfa_desktop.core.access.comments import (
    may_edit_comment,
)
from sfa_desktop.core.access.identity import (
    ROLES,
    TERRITORY_COLUMNED,
    Identity,
    NotPermitted,
    Who,
    identify,
    record_defaults,
    signed_in,
    territories_above,
    this_user,
    visible_territories,
)
from sfa_desktop.core.access.knowledge import (
    may_author_articles,
    may_manage_sequences,
)
from sfa_desktop.core.access.records import (
    TEAM_TABLES,
    may_move,
    may_write,
    sees,
)
from sfa_desktop.core.access.reference import (
    may_carry_with_account,
    may_write_reference,
)
from sfa_desktop.core.access.refusing import (
    refusal,
    require_reference_writer,
    require_write,
    who_may,
)
from sfa_desktop.core.access.rows import (
    may_see_row,
    may_write_here,
    may_write_row,
)
from sfa_desktop.core.access.service_requests import (
    REQUEST_COMMENTS,
    REQUEST_WORKFLOW,
    SERVICE_REQUESTS,
    WORKING_STATUSES,
    handles_requests,
    may_handle_request,
    may_raise_request,
    may_set_request_status,
    may_write_comment,
    may_write_request,
    request_refusal,
)
from sfa_desktop.core.access.service_terms import (
    MANAGER_ACCOUNT_FIELDS,
    may_set_service_terms,
)
from sfa_desktop.core.access.session import (
    check_as,
    note_created,
    user_of,
)
from sfa_desktop.core.access.territories import (
    describe,
    manages,
    may_add_territory,
    may_edit_in,
    may_edit_territory,
    may_move_territory,
)

__all__ = [
    "MANAGER_ACCOUNT_FIELDS",
    "REQUEST_COMMENTS",
    "REQUEST_WORKFLOW",
    "ROLES",
    "SERVICE_REQUESTS",
    "TEAM_TABLES",
    "TERRITORY_COLUMNED",
    "WORKING_STATUSES",
    "Identity",
    "NotPermitted",
    "Person",
    "Rights",
    "Who",
    "announcement_refusal",
    "call_sheet_people",
    "call_sheet_refusal",
    "check_as",
    "describe",
    "handles_requests",
    "identify",
    "in_team",
    "managers",
    "manages",
    "may_add_territory",
    "may_author_articles",
    "may_carry_with_account",
    "may_edit_comment",
    "may_edit_in",
    "may_edit_territory",
    "may_handle_request",
    "may_manage_sequences",
    "may_move",
    "may_move_territory",
    "may_print_call_sheet",
    "may_raise_request",
    "may_see_agenda",
    "may_see_row",
    "may_set_request_status",
    "may_set_service_terms",
    "may_use_blob",
    "may_write",
    "may_write_comment",
    "may_write_here",
    "may_write_reference",
    "may_write_request",
    "may_write_row",
    "note_created",
    "people",
    "record_defaults",
    "refusal",
    "request_refusal",
    "require_reference_writer",
    "require_write",
    "rights",
    "sees",
    "signed_in",
    "territories_above",
    "this_user",
    "user_of",
    "visible_territories",
    "who_may",
]
