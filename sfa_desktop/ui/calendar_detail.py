"""The pane on the right of the Calendar page: the selected activity (what, when, with whom, whose, why it
does not move), Log outcome and Open record, a visit's Check in / Check out / Visit report… (the Today
page's :class:`~sfa_desktop.ui.visit_actions.VisitBar`), and the legend (the kinds' colours, or the
people's when several are shown)."""

from __future__ import annotations

import datetime as dt
from html import escape
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout

from sfa_desktop.core.calendar.events import Event
from sfa_desktop.core.sequences.agenda import Detail
from sfa_desktop.ui import calendar_menu
from sfa_desktop.ui.icons import icon
from sfa_desktop.ui.visit_actions import VisitBar
from sfa_desktop.ui.widgets import named

#: What the pane says when nothing is selected (a week, or one person's day).
CHOOSE = (
    "Click a block to see it here. Drag it to another time or day to reschedule it "
    "(Alt+arrows with the keyboard); double-click to log its outcome."
)
#: ... and on a team's day, a column per person: a drag changes the time, not the owner.
CHOOSE_BY_PERSON = (
    "Click a block to see it here. Drag it up or down to change its time (Alt+arrows with the keyboard); "
    "it stays with its owner, whichever column it is dropped on. Double-click to log its outcome."
)


class EventPane(QFrame):
    """The selected activity.  ``page``: the Calendar page (its visit actions act on its store)."""

    def __init__(self, page: Any) -> None:
        super().__init__()
        named(self, "agendaDetail")
        self.setMinimumWidth(290)
        self.setMaximumWidth(380)
        box = QVBoxLayout(self)
        box.setContentsMargins(18, 18, 18, 16)
        box.setSpacing(6)
        self.kind = named(QLabel(), "formSection")
        self.title = named(QLabel(), "formTitle")
        self.title.setWordWrap(True)
        self.meta = named(QLabel(), "agendaMeta")
        self.meta.setWordWrap(True)
        self.meta.setTextFormat(Qt.TextFormat.RichText)
        for widget in (self.kind, self.title, self.meta):
            box.addWidget(widget)
        buttons = QHBoxLayout()
        self.open_button = named(QPushButton(icon("task", "#ffffff"), "Log outcome"), "primaryButton")
        self.record_button = QPushButton("Open record")
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.record_button)
        buttons.addStretch(1)
        box.addSpacing(6)
        box.addLayout(buttons)
        #: Check in, Check out, Visit report… for a visit (the Today page's, ``ui.visit_actions``)
        self.visit_bar = VisitBar(page)
        box.addWidget(self.visit_bar)
        margins = box.contentsMargins()  # its three buttons fit side by side
        needed = self.visit_bar.minimumSizeHint().width() + margins.left() + margins.right()
        self.setMinimumWidth(max(self.minimumWidth(), needed))
        box.addSpacing(14)
        self.legend = named(QLabel(), "agendaMeta")
        self.legend.setWordWrap(True)
        self.legend.setText(calendar_menu.legend_html())
        box.addStretch(1)
        box.addWidget(self.legend)

    def show_event(
        self,
        chosen: Event | None,
        tz: dt.tzinfo,
        *,
        movable: bool = False,
        why: str | None = None,
        owner: str | None = None,
        visit: Detail | None = None,
        by_person: bool = False,
    ) -> None:
        """Show ``chosen`` (None: what to do); ``why`` it does not move, whose it is (``owner``: someone
        else's name), its visit's detail for the visit bar (None: no visit actions)."""
        self.open_button.setEnabled(chosen is not None and movable)
        self.visit_bar.show_for(visit)
        self.record_button.setEnabled(
            chosen is not None and (chosen.account_id is not None or bool(chosen.party))
        )
        if chosen is None:
            self.kind.setText("")
            self.title.setText("Choose an activity")
            self.meta.setText(CHOOSE_BY_PERSON if by_person else CHOOSE)
            return
        local = chosen.start.astimezone(tz)
        end = chosen.end.astimezone(tz)
        self.kind.setText(f"{chosen.kind.upper()} · {'DONE' if chosen.done else 'PLANNED'}")
        self.title.setText(chosen.subject)
        lines = [
            f"<b>{local:%A} {local.day} {local:%B}</b>, "
            f"{local:%H:%M}\u2013{end:%H:%M} ({chosen.minutes} min)",
        ]
        if chosen.party:
            lines.append(escape(chosen.party))
        if owner is not None:
            lines.append(f"Owner: {escape(owner)}")
        if why is not None and not chosen.done:
            lines.append(f"<i>{escape(why)}</i>")
        if chosen.done:
            lines.append(f"Outcome: {escape(chosen.outcome or 'logged')}")
        elif chosen.is_step:
            lines.append("A step of a sequence")
        self.meta.setText("<br>".join(lines))
