"""Visit checklists (issue 16): the items a rep answers on site, and which template a visit uses.

A template's ``items`` is a JSON list of objects ``{"key", "label", "type", "required", "min", "max"}``;
``type`` is one of yes/no (``yesno``), ``number`` (optionally within ``min`` .. ``max``), ``text`` and
``photo`` (answered by attaching photos).  Templates are reference data (``ChecklistTemplate``) that managers
and admins write; the one for a visit is the active template of the account's segment (A, B, C), else the
company's default (a template without a segment), else :data:`BUILT_IN`.

The account's segment comes from a function handed in (:data:`SegmentOf`): the segment column belongs to
the service levels (another part of issue 16); until it is wired, :func:`no_segment` says "none" and the
default template applies.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sfa_desktop.core.records.models import ChecklistTemplate, VisitReport, utcnow
from sfa_desktop.core.records.validation import ValidationError

TYPES = ("yesno", "number", "text", "photo")
TYPE_LABELS = {"yesno": "yes/no", "number": "number", "text": "text", "photo": "photo"}
SEGMENTS = ("A", "B", "C")
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_YES = frozenset({"yes", "y", "true", "1", "on"})
_NO = frozenset({"no", "n", "false", "0", "off"})

#: The account's segment (A, B, C) or None: see the module's docstring.
SegmentOf = Callable[[Session, str], "str | None"]


def no_segment(session: Session, account_id: str) -> str | None:
    """Every account without a segment: the default template applies."""
    return None


@dataclass(frozen=True)
class Item:
    key: str
    label: str
    type: str
    required: bool = False
    min: float | None = None
    max: float | None = None

    def as_json(self) -> dict[str, Any]:
        found: dict[str, Any] = {"key": self.key, "label": self.label, "type": self.type}
        found["required"] = self.required
        if self.min is not None:
            found["min"] = self.min
        if self.max is not None:
            found["max"] = self.max
        return found

    def describe(self) -> str:
        """'number, required, 0 to 100', for the command line."""
        parts = [TYPE_LABELS[self.type], "required" if self.required else "optional"]
        if self.min is not None or self.max is not None:
            low = "" if self.min is None else f"{self.min:g}"
            high = "" if self.max is None else f"{self.max:g}"
            parts.append(f"{low} to {high}".strip())
        return ", ".join(parts)


@dataclass(frozen=True)
class Template:
    """The checklist a visit uses: ``template_id`` None for the built-in one."""

    template_id: str | None
    name: str
    segment: str | None
    items: tuple[Item, ...]
    #: offered for new visits (an inactive template still shows the reports made with it)
    active: bool = True

    def item(self, key: str) -> Item:
        for item in self.items:
            if item.key == key:
                return item
        known = ", ".join(i.key for i in self.items)
        raise ValidationError({key: f"The checklist '{self.name}' has no item '{key}' (its items: {known})."})


BUILT_IN = Template(
    None,
    "Standard visit",
    None,
    (
        Item("met_customer", "Met the customer", "yesno", required=True),
        Item("order_taken", "Order taken", "yesno", required=True),
        Item("notes", "What was discussed", "text"),
        Item("photo", "Photo of the display", "photo"),
    ),
)


def _number(raw: Any, where: str) -> float | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise ValidationError({where: f"{where}: give a number, not {raw!r}."})
    if not math.isfinite(raw):
        raise ValidationError({where: f"{where}: give a finite number."})
    return float(raw)


def parse_items(raw: str | Sequence[Mapping[str, Any]]) -> tuple[Item, ...]:
    """A template's items from JSON (or the decoded list), checked as a whole: unique keys of lower-case
    letters, digits and underscores, a label, a known type, a range only on numbers and in order."""
    try:
        data = json.loads(raw) if isinstance(raw, str) else list(raw)
    except json.JSONDecodeError as exc:
        raise ValidationError({"items": f"The checklist items are not valid JSON ({exc.msg})."}) from None
    if not isinstance(data, list) or not data:
        raise ValidationError({"items": "A checklist needs at least one item."})
    items: list[Item] = []
    seen: set[str] = set()
    for number, entry in enumerate(data, start=1):
        where = f"item {number}"
        if not isinstance(entry, Mapping):
            raise ValidationError({where: f"{where}: give an object with key, label and type."})
        key = str(entry.get("key") or "").strip()
        if not _KEY.match(key):
            raise ValidationError(
                {where: f"{where}: the key '{key}' must start with a letter, then a-z, 0-9, _ (40 at most)."}
            )
        if key in seen:
            raise ValidationError({where: f"{where}: the key '{key}' is used twice."})
        seen.add(key)
        label = str(entry.get("label") or "").strip()
        if not label:
            raise ValidationError({where: f"{where} ({key}): give a label."})
        kind = str(entry.get("type") or "").strip().lower().replace("/", "").replace("-", "")
        if kind not in TYPES:
            raise ValidationError({where: f"{where} ({key}): the type must be one of {', '.join(TYPES)}."})
        low, high = _number(entry.get("min"), where), _number(entry.get("max"), where)
        if (low is not None or high is not None) and kind != "number":
            raise ValidationError({where: f"{where} ({key}): only a number item has a range."})
        if low is not None and high is not None and low > high:
            raise ValidationError(
                {where: f"{where} ({key}): the minimum {low:g} is above the maximum {high:g}."}
            )
        items.append(Item(key, label[:200], kind, bool(entry.get("required")), low, high))
    return tuple(items)


def items_json(items: Sequence[Item]) -> str:
    return json.dumps([i.as_json() for i in items], separators=(",", ":"))


def check_segment(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    segment = value.strip().upper()
    if segment not in SEGMENTS:
        raise ValidationError({"segment": f"The segment must be one of {', '.join(SEGMENTS)} (or none)."})
    return segment


def _of(row: ChecklistTemplate) -> Template:
    return Template(row.id, row.name, row.segment, parse_items(row.items), bool(row.active))


def template_by_id(session: Session, template_id: str | None) -> Template:
    if template_id is None:
        return BUILT_IN
    row = session.get(ChecklistTemplate, template_id)
    return BUILT_IN if row is None else _of(row)


def for_segment(session: Session, segment: str | None) -> Template:
    """The active template of this segment, else the default (no segment), else the built-in one; among
    several, the one named first."""
    live = select(ChecklistTemplate).where(
        ChecklistTemplate.deleted_at.is_(None), ChecklistTemplate.active.is_(True)
    )
    for wanted in (segment, None) if segment is not None else (None,):
        query = live.where(
            ChecklistTemplate.segment == wanted if wanted is not None else ChecklistTemplate.segment.is_(None)
        )
        row = session.execute(query.order_by(ChecklistTemplate.name, ChecklistTemplate.id).limit(1)).scalar()
        if row is not None:
            return _of(row)
    return BUILT_IN


def _current(rows: Sequence[ChecklistTemplate]) -> list[ChecklistTemplate]:
    """The newest version of each template (by name): older versions stay for the reports made with them
    (see :func:`save_template`)."""
    newest: dict[str, ChecklistTemplate] = {}
    for row in rows:
        found = newest.get(row.name)
        if found is None or (row.created_at, row.id) > (found.created_at, found.id):
            newest[row.name] = row
    return [r for r in rows if newest[r.name] is r]


def _versions(session: Session, name: str) -> list[ChecklistTemplate]:
    return list(
        session.execute(
            select(ChecklistTemplate).where(
                ChecklistTemplate.name == name, ChecklistTemplate.deleted_at.is_(None)
            )
        ).scalars()
    )


def all_templates(session: Session) -> list[Template]:
    """Every template (its newest version), by segment (A, B, C, then the defaults) and name."""
    rows = session.execute(
        select(ChecklistTemplate)
        .where(ChecklistTemplate.deleted_at.is_(None))
        .order_by(ChecklistTemplate.segment.is_(None), ChecklistTemplate.segment, ChecklistTemplate.name)
    ).scalars()
    return [_of(r) for r in _current(list(rows))]


def new_key(label: str, taken: set[str]) -> str:
    """A key for a new item from its label ("Shelf share %" -> ``shelf_share``), not one of ``taken``."""
    base = re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")[:34] or "item"
    if not base[0].isalpha():
        base = ("item_" + base)[:34]
    key, number = base, 2
    while key in taken:
        key, number = f"{base}_{number}", number + 1
    return key


def check_labels(items: Sequence[Item]) -> None:
    """Two items of one checklist may not have the same label (a rep could not tell them apart)."""
    seen: dict[str, int] = {}
    for number, item in enumerate(items, start=1):
        folded = " ".join(item.label.split()).casefold()
        if folded in seen:
            where = f"item {number}"
            message = f"the label '{item.label}' is also item {seen[folded]}'s; give each its own."
            raise ValidationError({where: f"{where}: {message}"})
        seen[folded] = number


def may_edit(session: Session) -> bool:
    """May this laptop's user write checklist templates (managers and admins)?"""
    from sfa_desktop.core import access

    return access.may_write_reference(access.user_of(session), ChecklistTemplate.__tablename__)


def save_template(
    session: Session,
    name: str,
    segment: str | None,
    items: str,
    *,
    active: bool = True,
    template_id: str | None = None,
) -> Template:
    """Add a checklist template, or replace the one of that name (``template_id``: that template, which may
    be renamed so), its items checked as a whole.

    A template whose items change gets a new version (a new row): the reports already made keep the version
    they were made with (a report names its template's row), so their answers still show with their own
    items; the older version is kept, inactive, and is no longer listed."""
    from sfa_desktop.core import access

    who = access.user_of(session)
    if not access.may_write_reference(who, ChecklistTemplate.__tablename__):
        assert who is not None
        raise access.refusal(who, ChecklistTemplate.__tablename__, "visit checklists")
    title = " ".join(name.split())
    if not title:
        raise ValidationError({"name": "Give the checklist a name."})
    title = title[:200]
    parsed = parse_items(items)
    check_labels(parsed)
    chosen = check_segment(segment)
    if template_id is not None:
        found = session.get(ChecklistTemplate, template_id)
        if found is None or found.deleted_at is not None:
            raise ValidationError({"name": "This checklist is no longer there (removed on another laptop?)."})
    else:
        found = next(iter(_current(_versions(session, title))), None)
    if found is not None and found.name != title:
        if _versions(session, title):
            raise ValidationError({"name": f"There is already a checklist named '{title}'."})
        for older in _versions(session, found.name):  # its older versions go with it
            older.name = title
    encoded = items_json(parsed)
    if found is not None and found.items != encoded and parse_items(found.items) != parsed:
        found.active = False  # kept for the reports made with it
        found = None
    row = found or ChecklistTemplate(name=title)
    row.segment = chosen
    row.items = encoded
    row.active = active
    if row not in session:
        session.add(row)
    session.flush()
    return _of(row)


@dataclass(frozen=True)
class Removal:
    """What removing a template does: ``reports`` visit reports used it (any of its versions), so it is
    retired (made inactive, kept so they still show their items); none did, so it is deleted.  Only a user
    who sees every territory's reports (``sees_all``: an administrator) deletes one: a manager's laptop
    holds only the reports of their territories, and one made elsewhere with the checklist would lose its
    items, so theirs retires."""

    template: Template
    reports: int
    sees_all: bool = True

    @property
    def retires(self) -> bool:
        return self.reports > 0 or not self.sees_all

    def question(self) -> str:
        """The confirmation: which of the two will happen, and why."""
        name = f"“{self.template.name}”"
        if self.reports:
            made = "1 visit report was" if self.reports == 1 else f"{self.reports} visit reports were"
            return (
                f"{made} made with the checklist {name}, so it cannot be deleted: it will be retired instead "
                "(made inactive: no new visit uses it, and those reports still show its items)."
            )
        if not self.sees_all:
            return (
                f"Only an administrator, who sees every territory's visit reports, can delete the checklist "
                f"{name} (a report made with it elsewhere would lose its items): it will be retired instead "
                "(made inactive: no new visit uses it)."
            )
        return f"No visit report used the checklist {name}: it will be deleted for everyone at the next sync."

    def done(self) -> str:
        name = f"“{self.template.name}”"
        if self.retires:
            return f"Retired the checklist {name} (kept for the visit reports made with it)."
        return f"Deleted the checklist {name}."


def _to_remove(session: Session, template_id: str) -> tuple[list[ChecklistTemplate], int]:
    found = session.get(ChecklistTemplate, template_id)
    if found is None or found.deleted_at is not None:
        raise ValidationError({"name": "This checklist is no longer there (removed on another laptop?)."})
    versions = _versions(session, found.name)
    used = session.execute(
        select(func.count())
        .select_from(VisitReport)
        .where(VisitReport.template_id.in_([v.id for v in versions]), VisitReport.deleted_at.is_(None))
    ).scalar_one()
    return versions, int(used)


def _sees_all(session: Session) -> bool:
    from sfa_desktop.core import access

    who = access.user_of(session)
    return who is None or who.is_admin


def removal_of(session: Session, template_id: str) -> Removal:
    """What :func:`remove_template` would do to this template (nothing is changed)."""
    versions, used = _to_remove(session, template_id)
    newest = _current(versions)[0]
    return Removal(_of(newest), used, _sees_all(session))


def remove_template(session: Session, template_id: str) -> Removal:
    """Delete a checklist template (every version of it: soft-deleted, synced as a delete like any record)
    when no visit report used it; else retire it (every version inactive, kept for those reports).  Managers
    and admins only."""
    from sfa_desktop.core import access

    who = access.user_of(session)
    if not access.may_write_reference(who, ChecklistTemplate.__tablename__):
        assert who is not None
        raise access.refusal(who, ChecklistTemplate.__tablename__, "visit checklists")
    versions, used = _to_remove(session, template_id)
    removal = Removal(_of(_current(versions)[0]), used, _sees_all(session))
    now = utcnow()
    for row in versions:
        if removal.retires:
            row.active = False
        else:
            row.deleted_at = now
    session.flush()
    return removal


def find_template(session: Session, given: str) -> Template:
    """A template by its name (its newest version) or its id (or the id's start, 8 characters or more)."""
    wanted = " ".join(given.split())
    listed = all_templates(session)
    for template in listed:
        if template.name.casefold() == wanted.casefold():
            return template
    if len(wanted) >= 8:
        matches = [t for t in listed if t.template_id and t.template_id.startswith(wanted)]
        if len(matches) == 1:
            return matches[0]
    raise ValidationError(
        {"name": f"There is no checklist '{wanted}': 'sfa visit templates' lists them by name."}
    )


# -- answers ------------------------------------------------------------------------------------------------


def parse_answer(item: Item, raw: str) -> Any:
    """A typed answer from what a person typed (the command line: ``--answer ITEM=VALUE``)."""
    text = raw.strip()
    if item.type == "yesno":
        if text.lower() in _YES:
            return True
        if text.lower() in _NO:
            return False
        raise ValidationError({item.key: f"{item.label}: answer yes or no, not '{raw}'."})
    if item.type == "number":
        try:
            return float(text.replace(",", ".")) if text else None
        except ValueError:
            raise ValidationError({item.key: f"{item.label}: '{raw}' is not a number."}) from None
    if item.type == "photo":
        raise ValidationError({item.key: f"{item.label}: attach a photo (--photo {item.key}=FILE)."})
    return text or None


def check_answers(
    template: Template, answers: Mapping[str, Any], photos: Mapping[str, int], *, complete: bool
) -> dict[str, Any]:
    """The answers cleaned (types, number ranges) and, when ``complete`` (submitting the report), every
    required item answered (a photo item by at least one photo in ``photos``).  One ValidationError names
    every problem; nothing is written."""
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    known = {i.key for i in template.items}
    for key in answers:
        if key not in known:
            errors[key] = f"The checklist '{template.name}' has no item '{key}'."
    for item in template.items:
        value = answers.get(item.key)
        if item.type == "photo":
            if complete and item.required and photos.get(item.key, 0) == 0:
                errors[item.key] = f"{item.label}: a photo is required."
            continue
        if isinstance(value, str) and item.type != "text":
            try:
                value = parse_answer(item, value) if value.strip() else None
            except ValidationError as exc:
                errors.update(exc.errors)
                continue
        if value is None or value == "":
            if complete and item.required:
                errors[item.key] = f"{item.label}: an answer is required."
            continue
        if item.type == "yesno" and not isinstance(value, bool):
            errors[item.key] = f"{item.label}: answer yes or no."
        elif item.type == "number":
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                errors[item.key] = f"{item.label}: give a number."
            elif item.min is not None and value < item.min:
                errors[item.key] = f"{item.label}: {value:g} is below the minimum {item.min:g}."
            elif item.max is not None and value > item.max:
                errors[item.key] = f"{item.label}: {value:g} is above the maximum {item.max:g}."
            else:
                cleaned[item.key] = value
                continue
        elif item.type == "text":
            text = str(value).strip()
            if len(text) > 4000:
                errors[item.key] = f"{item.label}: keep it under 4,000 characters."
            elif text:
                cleaned[item.key] = text
            elif complete and item.required:
                errors[item.key] = f"{item.label}: an answer is required."
            continue
        if item.key not in errors:
            cleaned[item.key] = value
    if errors:
        raise ValidationError(errors)
    return cleaned
