"""Territories and the territory report: the tree with its rules and members, changing them, assignment
previews and moves, the report and its cost settings (the Territories and Reports pages; ``sfa
territories``, ``sfa report``).  One session each, plain values."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from sfa_desktop.core import access, csvfiles, service_levels, settings
from sfa_desktop.core.errors import UserError
from sfa_desktop.core.progress import Progress
from sfa_desktop.core.records import services
from sfa_desktop.core.reports import sections as report_sections
from sfa_desktop.core.reports import view as report_view
from sfa_desktop.core.reports.base import Period, Scope
from sfa_desktop.core.reports.retention import ComplaintFigures
from sfa_desktop.core.reports.settings import KEYS, check
from sfa_desktop.core.reports.territory import TerritoryReport, build
from sfa_desktop.core.reports.view import Kpi, Section
from sfa_desktop.core.requests.report import complaint_figures
from sfa_desktop.core.service_levels import UNSEGMENTED
from sfa_desktop.core.territories import assignment
from sfa_desktop.core.territories import tree as territories
from sfa_desktop.core.territories.rules import Rule, check_rule, clean_prefixes
from sfa_desktop.store import assignment_log
from sfa_desktop.store.database import LocalStore
from sfa_desktop.store.filters import ColumnFilter


@dataclass
class TreeData:
    roots: list[territories.TerritoryNode]
    rights: access.Rights
    rules: dict[str, list[tuple[Rule, bool]]]  # territory id -> (rule, active), best first
    users: list[tuple[str, str, str]]  # (id, full name, login) of active users


def load_tree(store: LocalStore) -> TreeData:
    with store.reading() as session:
        conn = session.connection()
        roots = territories.load_tree(session)
        labels = assignment.territory_labels(session)
        rules: dict[str, list[tuple[Rule, bool]]] = {}
        for row in conn.execute(text("SELECT * FROM territory_rules WHERE deleted_at IS NULL")).mappings():
            rule = Rule.from_row(dict(row), labels.get(row["territory_id"], ""))
            rules.setdefault(rule.territory_id, []).append((rule, bool(row["active"])))
        for listed in rules.values():
            listed.sort(key=lambda item: item[0].rank)
        users = [
            (r[0], r[1], r[2])
            for r in conn.execute(
                text(
                    "SELECT id, full_name, login FROM users WHERE deleted_at IS NULL AND active "
                    "ORDER BY full_name"
                )
            )
        ]
        return TreeData(roots, access.rights(conn), rules, users)


def rule_values(store: LocalStore, rule_id: str) -> dict[str, Any]:
    with store.reading() as session:
        return services.as_dict(services.get(session, "territory_rules", rule_id))


def save_territory(store: LocalStore, territory_id: str | None, values: Mapping[str, Any]) -> str:
    with store.transaction() as session:
        if territory_id is None:
            return services.create(session, "territories", values).id
        services.update(session, "territories", territory_id, values)
        return territory_id


def delete_territory(store: LocalStore, territory_id: str) -> int:
    with store.transaction() as session:
        return territories.delete_territory(session, territory_id)


def add_member(store: LocalStore, territory_id: str, user_id: str, role: str) -> str:
    with store.transaction() as session:
        return territories.add_member(session, territory_id, user_id, role)


def remove_member(store: LocalStore, membership_id: str) -> None:
    with store.transaction() as session:
        services.delete(session, "territory_memberships", membership_id)


def save_rule(store: LocalStore, rule_id: str | None, values: Mapping[str, Any]) -> str:
    """Create or change a rule: each field checked, then the rule as a whole (``rules.check_rule``)."""
    given = dict(values)
    if "postcode_prefixes" in given:
        given["postcode_prefixes"] = clean_prefixes(given["postcode_prefixes"])
    with store.transaction() as session:
        if rule_id is None:
            record = services.create(session, "territory_rules", given)
        else:
            record = services.update(session, "territory_rules", rule_id, given)
        check_rule(services.as_dict(record))
        return record.id


def remove_rule(store: LocalStore, rule_id: str) -> None:
    with store.transaction() as session:
        services.delete(session, "territory_rules", rule_id)


def preview(store: LocalStore, territory_id: str | None) -> assignment.Preview:
    with store.reading() as session:
        rights = access.rights(session.connection())
        return assignment.preview(session, territory_id=territory_id, may_move=rights.may_move)


def apply_moves(store: LocalStore, moves: Sequence[assignment.Move], scope: str = "") -> int:
    """Make the moves a preview allows and log the run (``assignment_runs``), in one transaction."""
    with store.transaction() as session:
        moved = assignment.apply_moves(session, moves)
        if moved:
            conn = session.connection()
            made = [m for m in moves if m.permitted]
            identity = access.this_user(conn)
            assignment_log.record(conn, made, scope, identity.user_id if identity else None)
        return moved


def assignment_runs(store: LocalStore, limit: int = 50) -> list[assignment_log.Run]:
    """The log of assignment runs on this laptop, newest first."""
    with store.engine.connect() as conn:
        return assignment_log.runs(conn, limit)


class NothingToUndo(UserError):
    """No assignment run to undo: none yet, or the last one was undone already."""


def undo_last_run(store: LocalStore) -> assignment_log.Run:
    """Move the records of the last assignment run back (through the services, so it syncs) and mark the
    run undone; one transaction.  NothingToUndo / CannotUndo say why not."""
    with store.transaction() as session:
        conn = session.connection()
        last = next(iter(assignment_log.runs(conn, 1)), None)
        if last is None:
            raise NothingToUndo(
                "No assignment run to undo: the rules have not moved anything on this laptop."
            )
        if last.undone:
            raise NothingToUndo(
                f"The last assignment run ({last.describe()}) was undone already; only the last run can be "
                "undone."
            )
        assignment.undo_moves(session, last.moves, access.rights(conn).may_move)
        assignment_log.mark_undone(conn, last.id)
        return assignment_log.runs(conn, 1)[0]


# -- reports -------------------------------------------------------------------------------------------


@dataclass
class ReportChoices:
    #: (territory id, label indented by depth) of the territories the user may report on, tree order.
    territories: list[tuple[str, str]]
    rights: access.Rights


def report_choices(store: LocalStore) -> ReportChoices:
    with store.reading() as session:
        rights = access.rights(session.connection())
        nodes = territories.flatten(territories.load_tree(session))
    listed = [(n.id, "    " * n.depth + n.label) for n in nodes if rights.sees(n.id)]
    return ReportChoices(listed, rights)


@dataclass
class ReportResult:
    report: TerritoryReport
    summary: tuple[Kpi, ...]
    sections: list[Section]
    page_size: str
    reps: report_view.Table


def make_report(
    store: LocalStore,
    territory_id: str | None,
    start: dt.date,
    end: dt.date,
    progress: Progress | None = None,
) -> ReportResult:
    """The report (ReportError: bad period; TerritoryGone: the territory was deleted; Cancelled: the
    ``progress`` was cancelled, a newer report is wanted)."""
    period = Period(start, end)
    with store.reading() as session:
        rights = access.rights(session.connection())
        report = build(
            session, territory_id, period, visible=rights.visible, progress=progress, complaints=_complaints
        )
        page = settings.get(session, "page_size")
    return ReportResult(
        report,
        report_sections.summary(report),
        report_sections.sections(report),
        page,
        report_sections.reps_at_a_glance(report),
    )


def drill_filters(result: ReportResult, drill: report_view.Drill) -> list[ColumnFilter]:
    """The list filters that show the records behind a report row (its ``Drill``): the report's
    territories (a report on all of them narrows nothing), the row's owner, stages and dates."""
    found: list[ColumnFilter] = []
    scope = result.report.scope
    if scope.territory_id is not None:
        found.append(ColumnFilter("territory", "is", scope.territory_ids))
    if drill.owner_id == "":
        found.append(ColumnFilter("owner", "empty"))
    elif drill.owner_id is not None:
        found.append(ColumnFilter("owner", "is", (drill.owner_id,)))
    if drill.stages:
        found.append(ColumnFilter("stage", "is", drill.stages))
    if drill.created is not None:
        found.append(ColumnFilter("created", "between", tuple(d.isoformat() for d in drill.created)))
    if drill.closed is not None:
        found.append(ColumnFilter("close_date", "between", tuple(d.isoformat() for d in drill.closed)))
    return found


def _complaints(session: Session, scope: Scope, period: Period) -> ComplaintFigures | None:
    """The report's complaint figures against each account's service level."""
    return complaint_figures(
        session,
        scope,
        period,
        targets=service_levels.request_targets,
        segment_of=lambda s, account_id: service_levels.segment_of(s, account_id) or UNSEGMENTED,
    )


def write_pdf(result: ReportResult, path: Path) -> Path:
    from sfa_desktop.printing.territory_report import write_pdf as write

    return write(result.report, path, page=result.page_size)


def write_csv(result: ReportResult, path: Path, *, previous: bool = False) -> Path:
    """The report's sections as CSV under a header naming the territory and the period (with
    ``previous``, also the period it is compared with: ``sfa report``), Reps at a glance first, as on
    screen and paper."""
    report = result.report
    period = report.period
    header = [
        ("Territory report", report.scope.label),
        ("Period", f"{period.start.isoformat()} to {period.end.isoformat()}"),
    ]
    if previous:
        header.append(
            ("Previous period", f"{period.previous.start.isoformat()} to {period.previous.end.isoformat()}")
        )
    with csvfiles.open_for_writing(path) as fh:
        glance = Section("summary", "Summary", "", tables=(result.reps,))
        report_view.write_csv([glance, *result.sections], fh, header)
    return path


def load_costs(store: LocalStore) -> dict[str, str]:
    with store.reading() as session:
        values = settings.all_settings(session)
    return {**{key: values[key] for key in KEYS}, "currency": values["currency"]}


def save_costs(store: LocalStore, values: Mapping[str, str]) -> None:
    """Check every value first (SettingError names the first bad one); then save them all at once."""
    checked = {key: check(key, value) for key, value in values.items()}
    with store.transaction() as session:
        for key, value in checked.items():
            settings.put(session, key, value)
