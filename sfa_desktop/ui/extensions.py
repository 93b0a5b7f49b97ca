"""What the window offers beyond the record lists: pages in the sidebar, tabs and actions on a record.

Declared here, in one place, as ``"module:attribute"`` import paths: nothing is imported until it is first
shown, so start-up stays fast, and a feature adds itself with one entry.

* A page is built by ``factory(window)`` and returns a QWidget; if it has ``page_shown()``, that is called
  each time the page comes on screen (to refresh what may have changed elsewhere).
* A detail tab is built by ``factory(store, runner, kind)`` and returns a QWidget with ``show_record(id)``
  and ``clear()``; it is asked to show a record only while it is the visible tab.
* A record action calls ``handler(page, record_id)`` with the section page (a
  :class:`~sfa_desktop.ui.sections.SectionPage`) and the record on screen.
* A window action is a menu entry (menus are made as needed, before Help) that calls ``handler(window)``.
* A service lives as long as the window: ``factory(window)`` is called once the window is on screen, and
  the object's ``stop()`` when it closes (reminders, for example).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, Protocol

#: The record sections of the window, in sidebar order; the other pages are ``PAGES`` below.
SECTIONS = ("accounts", "contacts", "leads", "opportunities")


@dataclass(frozen=True)
class PageEntry:
    key: str
    title: str
    icon: str
    factory: str
    #: Sidebar position: the record sections are 20 (accounts) to 50 (opportunities).
    order: int
    tooltip: str = ""


@dataclass(frozen=True)
class TabEntry:
    kinds: tuple[str, ...]
    title: str
    factory: str


@dataclass(frozen=True)
class ActionEntry:
    kinds: tuple[str, ...]
    text: str
    handler: str
    icon: str = ""
    shortcut: str = ""
    tooltip: str = ""
    #: The button's label in the record's header, when ``text`` is too long for a row of four buttons in
    #: the detail pane (``text`` stays in the shortcut overlay and the tooltip).
    label: str = ""


@dataclass(frozen=True)
class WindowActionEntry:
    menu: str  # "&File", "&Tools"...
    text: str
    handler: str
    shortcut: str = ""
    icon: str = ""


class RecordTab(Protocol):
    """What a detail tab offers the record form."""

    def show_record(self, record_id: str) -> None: ...

    def clear(self) -> None: ...


PAGES: tuple[PageEntry, ...] = (
    # guided selling: the day's agenda
    PageEntry(
        "today",
        "Today",
        "today",
        "sfa_desktop.ui.agenda_page:today_page",
        order=10,
        tooltip="Overdue, today's and upcoming steps and tasks",
    ),
    # the agenda as a day or week calendar, and the map of the day's route (issue 16, items 2 and 3)
    PageEntry(
        "calendar",
        "Calendar",
        "calendar",
        "sfa_desktop.ui.calendar_page:calendar_page",
        order=52,
        tooltip="Your activities by day or week: drag to reschedule",
    ),
    PageEntry(
        "map",
        "Map",
        "map",
        "sfa_desktop.ui.map_page:map_page",
        order=53,
        tooltip="The day's route and your accounts by segment and due state",
    ),
    # visits by service level (issue 16): the week's visits in routes, and the service levels per segment
    PageEntry(
        "weekplan",
        "Week plan",
        "route",
        "sfa_desktop.ui.plan_page:make_page",
        order=54,  # after the record sections: Today and the records keep Ctrl+1 to Ctrl+5
        tooltip="Visits due this week, in a route a day from your home base",
    ),
    PageEntry(
        "servicelevels",
        "Service levels",
        "rules",
        "sfa_desktop.ui.service_levels_page:make_page",
        order=75,
        tooltip="How often each segment is visited and how fast it is answered, per territory",
    ),
    # -- Pipeline (issue 4, item 3): the board by stage
    PageEntry(
        "pipeline",
        "Pipeline",
        "pipeline",
        "sfa_desktop.ui.board:pipeline_page",
        order=55,
        tooltip="Open deals by stage: drag to move, drop on Won or Lost to close",
    ),
    # knowledge base (issue 5): search, browse and read articles offline; managers write them
    PageEntry(
        "knowledge",
        "Knowledge",
        "knowledge",
        "sfa_desktop.ui.kb_page:knowledge_page",
        order=60,
        tooltip="Product sheets, objection handling, pricing rules",
    ),
    # announcements from managers and the office (issue 15, item 1)
    PageEntry(
        "announcements",
        "Announcements",
        "announcements",
        "sfa_desktop.ui.announcements_page:announcements_page",
        order=65,
        tooltip="Bulletins from your managers and the office: pinned first, unread in bold",
    ),
    # customer requests and complaints from the field (issue 15)
    PageEntry(
        "requests",
        "Requests",
        "requests",
        "sfa_desktop.ui.requests_page:make_page",
        order=64,
        tooltip="Customer requests and complaints: the territory's queue, comments and service levels",
    ),
    # territory management and manager reports (issue 6)
    PageEntry(
        "territories",
        "Territories",
        "territories",
        "sfa_desktop.ui.territories_page:make_page",
        order=70,
        tooltip="The territory tree, members, assignment rules and Run assignment",
    ),
    PageEntry(
        "reports",
        "Reports",
        "reports",
        "sfa_desktop.ui.reports_page:make_page",
        order=80,
        tooltip="The territory report: coverage, activity, leads, pipeline, revenue, profitability, risk",
    ),
)
DETAIL_TABS: tuple[TabEntry, ...] = (
    # the customer's whole story: timeline and sales history
    TabEntry(("accounts", "contacts", "leads"), "Timeline", "sfa_desktop.ui.timeline:TimelineTab"),
    TabEntry(("accounts",), "Sales", "sfa_desktop.ui.sales:SalesTab"),
    # the account page (issue 14, item 5): contacts, open deals, open tasks and next steps, recent orders
    TabEntry(("accounts",), "Related", "sfa_desktop.ui.related:RelatedTab"),
    # guided selling: where the record stands in its sequences
    TabEntry(("leads", "contacts", "opportunities"), "Sequence", "sfa_desktop.ui.sequence_tab:SequenceTab"),
    # visits by service level (issue 16): the account's segment, its service level and next visit due
    TabEntry(("accounts",), "Visits", "sfa_desktop.ui.visits_tab:VisitsTab"),
    # -- Leads (issue 4, item 4): the score and its reasons
    TabEntry(("leads",), "Score", "sfa_desktop.ui.score_tab:ScoreTab"),
    # comments with @mentions (issue 15, item 3)
    TabEntry(("accounts", "opportunities"), "Comments", "sfa_desktop.ui.comments_tab:CommentsTab"),
)
RECORD_ACTIONS: tuple[ActionEntry, ...] = (
    # quick activity logging
    ActionEntry(
        ("accounts", "contacts", "leads", "opportunities"),
        "Log activity",
        "sfa_desktop.ui.quick_log:log_activity",
        icon="log",
        shortcut="Ctrl+L",
        tooltip="Log a call, visit, email, meeting or note, with an optional follow-up task",
        label="Log",
    ),
    # guided selling: enroll the record (or the records selected in the list)
    ActionEntry(
        ("leads", "contacts", "opportunities"),
        "Enroll in sequence…",
        "sfa_desktop.ui.enroll_dialog:enroll_from_section",
        icon="enroll",
        shortcut="Ctrl+E",
        tooltip="Enroll this record, or every record selected in the list, in a sequence",
        label="Enroll…",
    ),
    # -- Pipeline (issue 4, item 3): won and lost, with the reason
    ActionEntry(
        ("opportunities",),
        "Won…",
        "sfa_desktop.ui.won_lost:mark_won",
        icon="won",
        shortcut="Ctrl+Alt+W",
        tooltip="Mark the deal won; you are asked why",
    ),
    ActionEntry(
        ("opportunities",),
        "Lost…",
        "sfa_desktop.ui.won_lost:mark_lost",
        icon="lost",
        shortcut="Ctrl+Alt+L",
        tooltip="Mark the deal lost; you are asked why",
    ),
    # -- Retention (issue 15, item 5): the customer is lost or declining, and why
    ActionEntry(
        ("accounts",),
        "Record defection…",
        "sfa_desktop.ui.defection_dialog:record_defection",
        icon="lost",
        shortcut="Ctrl+Alt+D",
        tooltip="The customer is lost or buying less: record the defection type and the reason",
        label="Defection…",
    ),
    # -- Leads (issue 4, item 4): conversion
    ActionEntry(
        ("leads",),
        "Convert…",
        "sfa_desktop.ui.convert_dialog:convert_lead",
        icon="convert",
        shortcut="Ctrl+Alt+V",
        tooltip="Turn the lead into an account, a contact and optionally an opportunity",
    ),
    # customer requests and complaints (issue 15)
    ActionEntry(
        ("accounts",),
        "New request…",
        "sfa_desktop.ui.request_dialog:new_request_for_account",
        icon="requests",
        shortcut="Ctrl+Alt+R",
        tooltip="Raise a customer request or complaint about this account (works offline)",
        label="Request…",
    ),
    # duplicates and merge (issue 4, item 5)
    ActionEntry(
        ("accounts", "contacts", "leads"),
        "Merge duplicates",
        "sfa_desktop.ui.duplicates_view:merge_with_duplicates",
        icon="merge",
        shortcut="Ctrl+Shift+M",
        tooltip="Find this record's likely duplicates and merge them into one",
        label="Merge…",
    ),
)
WINDOW_ACTIONS: tuple[WindowActionEntry, ...] = (
    # guided selling: the agenda as an iCalendar file, and the sequence templates
    WindowActionEntry(
        "&File", "Export agenda…", "sfa_desktop.ui.agenda_page:export_from_window", icon="export"
    ),
    WindowActionEntry("&Tools", "Sequences…", "sfa_desktop.ui.sequence_editor:open_editor", icon="sequence"),
    # -- Pipeline (issue 4, item 3): the stages
    WindowActionEntry(
        "&Tools", "Pipeline stages…", "sfa_desktop.ui.stages_dialog:open_stages", icon="stages"
    ),
    # -- Leads (issue 4, item 4): quick capture, the scoring rules
    WindowActionEntry(
        "&File", "Quick lead…", "sfa_desktop.ui.quick_lead:quick_lead", shortcut="Ctrl+Shift+L", icon="bolt"
    ),
    WindowActionEntry(
        "&Tools", "Lead scoring rules…", "sfa_desktop.ui.rules_editor:edit_rules", icon="rules"
    ),
    # import and export (issue 4, item 6)
    WindowActionEntry("&File", "&Import…", "sfa_desktop.ui.import_dialog:open_import", "Ctrl+I", "import"),
    WindowActionEntry(
        "&File", "&Export…", "sfa_desktop.ui.export_dialog:open_export", "Ctrl+Shift+E", "export"
    ),
    # duplicates and merge (issue 4, item 5)
    WindowActionEntry(
        "&Tools",
        "Find &duplicates…",
        "sfa_desktop.ui.duplicates_view:open_duplicates",
        "Ctrl+Shift+D",
        "duplicates",
    ),
    # call sheets (issue 5): the day's calls and visits as a PDF
    WindowActionEntry(
        "&File", "&Print call sheet…", "sfa_desktop.ui.callsheet_dialog:print_call_sheet", "Ctrl+P", "print"
    ),
    # territory management and manager reports (issue 6)
    WindowActionEntry("&Tools", "Cost to &serve…", "sfa_desktop.ui.cost_settings:open_dialog"),
)

#: Started with the window, stopped when it closes.
SERVICES: tuple[str, ...] = (
    # guided selling: reminders at due times
    "sfa_desktop.ui.reminders:install_reminders",
    # version and update (issue 18): the status bar says when the company offers a newer version
    "sfa_desktop.ui.update_notice:install_update_notice",
    # the notification centre (issue 15, item 4): the bell, its popup, urgent ones in the tray
    "sfa_desktop.ui.notification_centre:install_notifications",
)


def resolve(path: str) -> Any:
    """The object an import path such as ``"sfa_desktop.ui.agenda:AgendaPage"`` names."""
    module, _, attribute = path.partition(":")
    return getattr(importlib.import_module(module), attribute)
