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
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, Protocol


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
DETAIL_TABS: tuple[TabEntry, ...] = ()
RECORD_ACTIONS: tuple[ActionEntry, ...] = ()
WINDOW_ACTIONS: tuple[WindowActionEntry, ...] = (
    # territory management and manager reports (issue 6)
    WindowActionEntry("&Tools", "Cost to &serve…", "sfa_desktop.ui.cost_settings:open_dialog"),
)


def resolve(path: str) -> Any:
    """The object an import path such as ``"sfa_desktop.ui.agenda:AgendaPage"`` names."""
    module, _, attribute = path.partition(":")
    return getattr(importlib.import_module(module), attribute)
