"""The rows of an import plan (:class:`~sfa_desktop.core.transfer.importer.Plan`): every row's fate kept
in columns, a byte or a few a row, and :class:`PlannedRow`, a view of one row (issue 13: a plan of 200,000
rows keeps no object a row)."""

from __future__ import annotations

from array import array
from collections.abc import Iterator, Sequence
from typing import Any, Protocol, overload

from sfa_desktop.core.records.match_index import PackedIndex
from sfa_desktop.core.records.matching import Profile, compare
from sfa_desktop.core.transfer.import_source import Source, SourceRow


class _Options(Protocol):
    kind: str


class Plan(Protocol):
    """What a row asks of its plan (:class:`~sfa_desktop.core.transfer.importer.Plan`)."""

    source: Source
    existing: PackedIndex

    @property
    def options(self) -> _Options: ...

    @property
    def rows(self) -> PlanRows: ...

    def cleaned(self, row: SourceRow) -> tuple[dict[str, Any] | None, str | None, dict[str, str]]: ...

    def profile_of(self, at: int) -> Profile | None: ...


ACTIONS = ("create", "update", "unchanged", "skip", "reject")
_NOTHING: dict[str, Any] = {}  # shared by the rows that have no problems or changes (never changed)
_NO_WARNINGS: list[str] = []  # shared by the rows without warnings (never changed; a row gets its own)
#: Why a row was taken as a record already there or as a row above: compared (the reasons are worked out
#: again when asked for), the same id, or the same name and details.
_COMPARED, _SAME_ID, _SAME_DETAILS = 0, 1, 2
_ACTION_CODES = {action: code for code, action in enumerate(ACTIONS)}
_WHY: dict[int, tuple[str, ...]] = {_SAME_ID: ("same id",), _SAME_DETAILS: ("same name and details",)}


class PlanRows(Sequence["PlannedRow"]):
    """Every row's fate, a column each: a byte for its outcome and why, its line and the number of what it
    matched in flat arrays, its new account's name (shared with :attr:`Plan.new_accounts`); what few rows
    have (problems, warnings, changes, the line above it repeats) by row number.  ``rows[n]`` is a
    :class:`PlannedRow`, a view of row ``n``."""

    def __init__(self, plan_: Plan) -> None:
        self._plan = plan_
        self.actions = bytearray()
        self.whys = bytearray()
        self.lines = array("q")
        self.matches = array("i")  # -1: none
        self.accounts: list[str | None] = []
        self.changes: dict[int, dict[str, Any]] = {}
        self.problems: dict[int, dict[str, str]] = {}
        self.warnings: dict[int, list[str]] = {}
        self.duplicates: dict[int, int] = {}

    def add(self, line: int) -> PlannedRow:
        """A new row, to create (as yet)."""
        self.actions.append(0)
        self.whys.append(_COMPARED)
        self.lines.append(line)
        self.matches.append(-1)
        self.accounts.append(None)
        return PlannedRow(self._plan, len(self.actions) - 1)

    def count(self, value: Any) -> int:
        """How many rows have the outcome ``value`` (an action)."""
        code = _ACTION_CODES.get(value)
        return 0 if code is None else self.actions.count(code)

    def __len__(self) -> int:
        return len(self.actions)

    @overload
    def __getitem__(self, index: int) -> PlannedRow: ...

    @overload
    def __getitem__(self, index: slice) -> list[PlannedRow]: ...

    def __getitem__(self, index: int | slice) -> PlannedRow | list[PlannedRow]:
        if isinstance(index, slice):
            return [PlannedRow(self._plan, i) for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError("row out of range")
        return PlannedRow(self._plan, index)

    def __iter__(self) -> Iterator[PlannedRow]:
        for at in range(len(self.actions)):
            yield PlannedRow(self._plan, at)


class PlannedRow:
    """One row's fate: what the import does with it, and why (a view of its plan's :class:`PlanRows`).
    Its values are not kept: :attr:`values` reads and cleans the row again from the file (a plan of
    200,000 rows keeps 200,000 fates, not 200,000 rows), as :func:`run` does, a batch at a time.  A match
    keeps the matched record's number in the plan's index of the records already there (or the number of
    the row above it repeats): :attr:`match_id`, :attr:`match_label` and :attr:`reasons` are worked out
    from it when asked for."""

    __slots__ = ("_at", "_plan", "_rows")

    def __init__(self, plan_: Plan, at: int) -> None:
        self._plan = plan_
        self._rows = plan_.rows
        self._at = at  # its number among the source's rows

    @property
    def line(self) -> int:
        return self._rows.lines[self._at]

    @property
    def action(self) -> str:
        return ACTIONS[self._rows.actions[self._at]]

    @action.setter
    def action(self, value: str) -> None:
        self._rows.actions[self._at] = _ACTION_CODES[value]

    @property
    def changes(self) -> dict[str, Any]:
        """update: the empty fields the row fills."""
        return self._rows.changes.get(self._at, _NOTHING)

    @changes.setter
    def changes(self, value: dict[str, Any]) -> None:
        self._put(self._rows.changes, value)

    @property
    def problems(self) -> dict[str, str]:
        """reject: field -> message."""
        return self._rows.problems.get(self._at, _NOTHING)

    @problems.setter
    def problems(self, value: dict[str, str]) -> None:
        self._put(self._rows.problems, value)

    @property
    def warnings(self) -> list[str]:
        return self._rows.warnings.get(self._at, _NO_WARNINGS)

    @warnings.setter
    def warnings(self, value: list[str]) -> None:
        self._put(self._rows.warnings, value)

    @property
    def account_name(self) -> str | None:
        """contacts: the company, when it is a new account."""
        return self._rows.accounts[self._at]

    @account_name.setter
    def account_name(self, value: str | None) -> None:
        self._rows.accounts[self._at] = value

    @property
    def duplicate_of(self) -> int | None:
        """skip: the line above in the same file this row repeats."""
        return self._rows.duplicates.get(self._at)

    @duplicate_of.setter
    def duplicate_of(self, value: int | None) -> None:
        self._put(self._rows.duplicates, value)

    @property
    def _match(self) -> int | None:
        """The matched record's number in the plan's index of records; with duplicate_of, the row's above."""
        found = self._rows.matches[self._at]
        return None if found < 0 else found

    @_match.setter
    def _match(self, value: int | None) -> None:
        self._rows.matches[self._at] = -1 if value is None else value

    @property
    def _why(self) -> int:
        return self._rows.whys[self._at]

    @_why.setter
    def _why(self, value: int) -> None:
        self._rows.whys[self._at] = value

    def _put(self, column: dict[int, Any], value: Any) -> None:
        if value:
            column[self._at] = value
        else:
            column.pop(self._at, None)

    @property
    def source(self) -> SourceRow:
        """The row as the file holds it."""
        return self._plan.source.rows[self._at]

    @property
    def values(self) -> dict[str, Any]:
        """The cleaned values the row creates a record with (read again from the file)."""
        if self.action == "reject":
            return {}
        return self._plan.cleaned(self.source)[0] or {}

    @property
    def match_id(self) -> str | None:
        """The id of the record already there that the row matches."""
        if self._match is None or self.duplicate_of is not None:
            return None
        return self._plan.existing.ref(self._match)

    @property
    def match_label(self) -> str:
        """How a person names the record the row matches."""
        if self._match is None or self.duplicate_of is not None:
            return ""
        return self._plan.existing.label(self._match)

    @property
    def reasons(self) -> tuple[str, ...]:
        """Why the row was taken as a record already there, or as the row above it repeats."""
        if self._match is None:
            return ()
        why = _WHY.get(self._why)
        if why is None:
            plan_ = self._plan
            me = plan_.profile_of(self._at)
            other = (
                plan_.existing.profile(self._match)
                if self.duplicate_of is None
                else plan_.profile_of(self._match)
            )
            verdict = compare(plan_.options.kind, me, other) if me is not None and other is not None else None
            why = verdict.reasons if verdict is not None else ()
        if self.duplicate_of is not None:
            return (f"the same as line {self.duplicate_of}", *why)
        return why

    @property
    def problem_text(self) -> str:
        return " ".join(self.problems.values())

    def __repr__(self) -> str:
        return f"PlannedRow(line={self.line}, action={self.action!r}, match_id={self.match_id!r})"
