"""Column filters of the record lists, as SQL: text contains, choice is, dates in a range or relative to
today, numbers in a range, is empty.  Saved filters keep relative dates relative ("not in the last 14
days" means the last 14 days whenever the filter is used), and "me" (the owner) is this laptop's user.

A :class:`ColumnFilter` is plain data (it is stored as JSON in saved filters); :func:`where` turns a list of
them into SQL conditions and parameters over a list's column expressions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sfa_desktop.core.errors import UserError
from sfa_desktop.store.list_spec import Column, ListSpec

#: What each kind of column can be filtered by.
OPS: dict[str, tuple[str, ...]] = {
    "text": ("contains", "empty", "not_empty"),
    "phone": ("contains", "empty", "not_empty"),
    "choice": ("is", "empty", "not_empty"),
    "ref": ("is", "empty", "not_empty"),
    "date": ("between", "in_last_days", "not_in_last_days", "empty", "not_empty"),
    "datetime": ("between", "in_last_days", "not_in_last_days", "empty", "not_empty"),
    "money": ("between", "empty", "not_empty"),
    "int": ("between", "empty", "not_empty"),
}
#: The owner filter's stand-in for this laptop's user.
ME = "me"
_ME_SQL = "(SELECT value FROM sync_state WHERE key = 'user_id')"
#: The stage filter's stand-in for every stage of the pipeline that is open (neither won nor lost), so a
#: filter on open deals follows the pipeline as it is edited.
OPEN_STAGE = "@open"
_OPEN_SQL = "SELECT key FROM pipeline_stages WHERE category = 'open' AND deleted_at IS NULL"


class FilterError(UserError, ValueError):
    """A filter that cannot apply to its column; the message says why."""


@dataclass(frozen=True)
class ColumnFilter:
    column: str  # the list column's key
    op: str
    #: contains: text; is: a tuple of values (ref: ids, or "me"); between: (low, high), either may be None
    #: (dates as YYYY-MM-DD, money in cents); in/not_in_last_days: a number of days; empty: None.
    value: Any = None

    def to_json(self) -> dict[str, Any]:
        value = list(self.value) if isinstance(self.value, tuple) else self.value
        return {"column": self.column, "op": self.op, "value": value}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ColumnFilter:
        value = data.get("value")
        return cls(str(data["column"]), str(data["op"]), tuple(value) if isinstance(value, list) else value)


def filter_kind(column: Column) -> str:
    if column.ref:
        return "ref"
    if column.choices:
        return "choice"
    return column.kind if column.kind in OPS else "text"


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _utc_text(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _local_midnight(day: str) -> dt.datetime:
    try:
        date = dt.date.fromisoformat(day)
    except ValueError:
        raise FilterError(f"'{day}' is not a date; use YYYY-MM-DD.") from None
    return dt.datetime.combine(date, dt.time()).astimezone()


def _bound(column: Column, value: Any, upper: bool) -> Any:
    """A range end as the column stores it: dates as text, datetimes as naive UTC text of local midnight
    (the day after, for the upper end: the whole day is in), numbers as numbers."""
    if column.kind == "date":
        return str(dt.date.fromisoformat(str(value)))
    if column.kind == "datetime":
        start = _local_midnight(str(value))
        return _utc_text(start + dt.timedelta(days=1) if upper else start)
    try:
        return int(value)
    except (TypeError, ValueError):
        raise FilterError(f"'{value}' is not a number.") from None


def _days(value: Any) -> int:
    try:
        days = int(value)
    except (TypeError, ValueError):
        raise FilterError(f"'{value}' is not a number of days.") from None
    if not 0 <= days <= 36_500:
        raise FilterError("A number of days must be between 0 and 36,500.")
    return days


def condition(column: Column, f: ColumnFilter, n: int, now: dt.datetime) -> tuple[str, dict[str, Any]]:
    """SQL for one filter on one column; parameters are named ``cf{n}_...``."""
    kind = filter_kind(column)
    if f.op not in OPS[kind]:
        raise FilterError(
            f"The column {column.label} cannot be filtered by '{f.op}'; it takes {', '.join(OPS[kind])}."
        )
    expr = column.filter_expr or column.expr
    p = f"cf{n}"
    if f.op == "empty":
        return f"({expr} IS NULL OR {expr} = '')", {}
    if f.op == "not_empty":
        return f"({expr} IS NOT NULL AND {expr} <> '')", {}
    if f.op == "contains":
        return f"{expr} LIKE :{p} ESCAPE '\\'", {p: f"%{_escape_like(str(f.value or '').strip())}%"}
    if f.op == "is":
        values = list(f.value if isinstance(f.value, list | tuple) else [f.value])
        if not values:
            raise FilterError(f"Choose at least one value of {column.label}.")
        params = {f"{p}_{i}": v for i, v in enumerate(values) if v not in (ME, OPEN_STAGE)}
        terms = [f":{name}" for name in params] + ([_ME_SQL] if ME in values else [])
        opened = f"{expr} COLLATE NOCASE IN ({_OPEN_SQL})" if OPEN_STAGE in values else ""
        if not terms:
            return opened, params
        listed = f"{expr} COLLATE NOCASE IN ({', '.join(terms)})"
        return (f"({listed} OR {opened})" if opened else listed), params
    if f.op == "between":
        low, high = (*tuple(f.value or ()), None, None)[:2]
        clauses, params = [], {}
        if low not in (None, ""):
            clauses.append(f"{expr} >= :{p}_lo")
            params[f"{p}_lo"] = _bound(column, low, upper=False)
        if high not in (None, ""):
            op = "<" if column.kind == "datetime" else "<="
            clauses.append(f"{expr} {op} :{p}_hi")
            params[f"{p}_hi"] = _bound(column, high, upper=True)
        if not clauses:
            raise FilterError(f"Give a start or an end for {column.label}.")
        return "(" + " AND ".join(clauses) + ")", params
    cutoff = now - dt.timedelta(days=_days(f.value))
    bound = cutoff.date().isoformat() if column.kind == "date" else _utc_text(cutoff)
    if f.op == "in_last_days":  # and not in the future (a close date to come is not "in the last days")
        until = now.date().isoformat() if column.kind == "date" else _utc_text(now)
        return f"({expr} >= :{p} AND {expr} <= :{p}_now)", {p: bound, f"{p}_now": until}
    return f"({expr} IS NULL OR {expr} < :{p})", {p: bound}  # not_in_last_days: or never


def where(
    spec: ListSpec, filters: Sequence[ColumnFilter], now: dt.datetime | None = None
) -> tuple[list[str], dict[str, Any]]:
    """SQL conditions and parameters for column filters of a list (all must hold)."""
    moment = now or dt.datetime.now(dt.UTC)
    clauses: list[str] = []
    params: dict[str, Any] = {}
    for n, f in enumerate(filters):
        try:
            column = spec.column(f.column)
        except KeyError:
            raise FilterError(
                f"{spec.kind.capitalize()} lists have no column '{f.column}'; columns: "
                f"{', '.join(c.key for c in spec.columns)}."
            ) from None
        sql, values = condition(column, f, n, moment)
        clauses.append(sql)
        params.update(values)
    return clauses, params


def describe(column: Column, f: ColumnFilter, labels: dict[str, str] | None = None) -> str:
    """The filter as a person reads it: 'Status is New or Working', 'Last activity not in the last 14
    days'."""
    name = column.label
    if f.op == "empty":
        return f"{name} is empty"
    if f.op == "not_empty":
        return f"{name} is not empty"
    if f.op == "contains":
        return f"{name} contains “{f.value}”"
    if f.op == "is":
        values = f.value if isinstance(f.value, list | tuple) else [f.value]
        shown = [("me" if v == ME else (labels or {}).get(v, str(v))) for v in values if v != OPEN_STAGE]
        shown = [s[:1].upper() + s[1:] if column.choices else s for s in shown]
        if OPEN_STAGE in values:
            shown.insert(0, "open (not won or lost)")
        return f"{name} is " + " or ".join(shown)
    if f.op == "between":
        low, high = (*tuple(f.value or ()), None, None)[:2]
        if low and high:
            return f"{name} from {low} to {high}"
        return f"{name} from {low}" if low else f"{name} up to {high}"
    days = f"{f.value} day{'s' if str(f.value) != '1' else ''}"
    return f"{name} in the last {days}" if f.op == "in_last_days" else f"{name} not in the last {days}"
