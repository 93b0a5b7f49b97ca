"""Sequence templates: the step format, its validation, and what an outcome leads to.

A template's ``steps`` (``sequence_templates.steps``, JSON text) is a list of steps, first step first::

    {"key": "intro_call",            # unique in the template, at most 40 characters
     "kind": "call",                 # call | email | visit | meeting | task
     "title": "Introduction call",   # becomes the activity's subject
     "wait_days": 0,                 # the wait before the step, 0 to 365 days ...
     "business_days": true,          # ... counting Monday to Friday only (the step then lands on a weekday)
     "instructions": "## Script ...",# Markdown: instructions or a call script
     "article_ids": [],              # knowledge-base articles shown beside the step
     "outcomes": {OUTCOME: RULE, ...}}

Outcome names are activity outcomes (``fields.ACTIVITY_OUTCOMES``: "no answer", "interested", ...).  A rule
is one of:

* ``{"goto": "book_demo"}``: go to that step; its own wait counts from the moment the outcome is logged.
* ``{"next": true}``: the following step in the list; after the last step the enrollment is complete.
* ``{"repeat": {"after_days": 2, "business_days": true, "max": 3}, "then": RULE}``: do this step again
  after ``after_days`` (business days when asked; the step's own setting when left out), at most ``max``
  times; the outcome logged on the last try (1 + ``max`` tries in all) applies ``then`` instead, which is a
  goto, next, complete or exit rule (``{"next": true}`` when left out).
* ``{"complete": "demo booked"}``: the enrollment ends as completed with that result.
* ``{"exit": "not interested", "reason": "Not interested", "lead_status": "disqualified"}``: the
  enrollment ends as exited with that result.

``complete`` and ``exit`` take an optional ``reason`` (kept on the enrollment) and ``lead_status`` (set on
an enrolled lead, with the reason as its status reason: "not interested" disqualifies the lead).

A template is refused, with a message naming the step, when a step is malformed, a rule branches to a step
that does not exist, a step cannot be reached from the first one, or steps form a loop with no limit (the
goto and next rules must not lead back to a step already passed: repeats, which carry their maximum, are
the only loops).  :func:`validate` is the one check used by the editor, the import and the services.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sfa_desktop.core.records.fields import ACTIVITY_OUTCOMES, LEAD_STATUSES
from sfa_desktop.core.records.validation import ValidationError

STEP_KINDS = ("call", "email", "visit", "meeting", "task")
RULE_KINDS = ("goto", "next", "repeat", "complete", "exit")
MAX_WAIT_DAYS = 365
MAX_REPEATS = 20
KEY_LENGTH = 40
TITLE_LENGTH = 200
RESULT_LENGTH = 40
REASON_LENGTH = 200


class TemplateError(ValidationError):
    """A template that cannot be saved; ``step`` is the key of the step at fault (None: the whole list)."""

    def __init__(self, message: str, step: str | None = None) -> None:
        super().__init__({"steps": message})
        self.message = message
        self.step = step


@dataclass(frozen=True)
class Rule:
    kind: str  # goto | next | repeat | complete | exit
    target: str | None = None  # goto
    after_days: int = 0  # repeat
    business_days: bool | None = None  # repeat (None: the step's setting)
    max: int = 0  # repeat
    then: Rule | None = None  # repeat
    result: str | None = None  # complete | exit
    reason: str | None = None
    lead_status: str | None = None


@dataclass(frozen=True)
class Step:
    key: str
    kind: str
    title: str
    wait_days: int = 0
    business_days: bool = False
    instructions: str = ""
    article_ids: tuple[str, ...] = ()
    outcomes: Mapping[str, Rule] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"'{self.key}' ({self.title})" if self.title else f"'{self.key}'"


# -- reading and checking --------------------------------------------------------------------------------


def parse_steps(raw: str | list[Any]) -> list[Step]:
    """The steps of a template, validated (see the module text).  Raises TemplateError."""
    if isinstance(raw, str):
        try:
            raw = json.loads(raw or "[]")
        except json.JSONDecodeError as exc:
            raise TemplateError(f"The steps are not valid JSON ({exc.msg} at line {exc.lineno}).") from None
    return validate(raw)


def validate(raw: Any) -> list[Step]:
    if not isinstance(raw, list) or not raw:
        raise TemplateError("A sequence needs at least one step.")
    steps: list[Step] = []
    seen: set[str] = set()
    for number, item in enumerate(raw, start=1):
        step = _step(item, number)
        if step.key in seen:
            raise TemplateError(f"Step {number}: the key '{step.key}' is used by another step.", step.key)
        seen.add(step.key)
        steps.append(step)
    by_key = {s.key: s for s in steps}
    for step in steps:
        for outcome, rule in step.outcomes.items():
            for target in _targets(rule):
                if target not in by_key:
                    raise TemplateError(
                        f"Step {step.label}: outcome '{outcome}' goes to step '{target}', which does not "
                        "exist. Choose one of: " + ", ".join(by_key) + ".",
                        step.key,
                    )
    _check_no_loop(steps)
    _check_reachable(steps)
    return steps


def _targets(rule: Rule) -> list[str]:
    if rule.kind == "goto" and rule.target:
        return [rule.target]
    if rule.kind == "repeat" and rule.then is not None:
        return _targets(rule.then)
    return []


def _successors(steps: list[Step], index: int) -> list[tuple[str, str]]:
    """(outcome, step key) for every step an outcome of ``steps[index]`` can lead to."""
    result = []
    for outcome, rule in steps[index].outcomes.items():
        final = rule.then if rule.kind == "repeat" and rule.then is not None else rule
        if rule.kind == "repeat" and rule.then is None:
            final = Rule("next")
        if final.kind == "goto" and final.target:
            result.append((outcome, final.target))
        elif final.kind == "next" and index + 1 < len(steps):
            result.append((outcome, steps[index + 1].key))
    return result


def _check_no_loop(steps: list[Step]) -> None:
    """Goto and next rules must not lead back: depth-first search for a cycle, naming where it closes."""
    index = {s.key: i for i, s in enumerate(steps)}
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(key: str) -> None:
        state[key] = 1
        for outcome, target in _successors(steps, index[key]):
            if state.get(target) == 1:
                step, back = steps[index[key]], steps[index[target]]
                raise TemplateError(
                    f"Step {step.label}: outcome '{outcome}' leads back to step {back.label}, a loop with "
                    "no limit. Use a repeat with a maximum, or go on to a later step.",
                    step.key,
                )
            if state.get(target) is None:
                visit(target)
        state[key] = 2

    for step in steps:
        if step.key not in state:
            visit(step.key)


def _check_reachable(steps: list[Step]) -> None:
    index = {s.key: i for i, s in enumerate(steps)}
    reached = {steps[0].key}
    todo = [steps[0].key]
    while todo:
        for _outcome, target in _successors(steps, index[todo.pop()]):
            if target not in reached:
                reached.add(target)
                todo.append(target)
    for step in steps:
        if step.key not in reached:
            raise TemplateError(
                f"Step {step.label} cannot be reached: no outcome of an earlier step leads to it. Add a "
                "rule that goes to it, or remove it.",
                step.key,
            )


def _step(item: Any, number: int) -> Step:
    where = f"Step {number}"
    if not isinstance(item, Mapping):
        raise TemplateError(f"{where} is not an object with a key, a kind, a title and outcomes.")
    key = item.get("key")
    if not isinstance(key, str) or not key.strip():
        raise TemplateError(f"{where} has no key; give each step a short unique key such as 'intro_call'.")
    key = key.strip()
    if len(key) > KEY_LENGTH or not key.isprintable():
        raise TemplateError(f"{where}: the key '{key[:50]}' must be printable and at most {KEY_LENGTH} long.")
    title = item.get("title")
    where = f"Step '{key}'" + (f" ({title.strip()})" if isinstance(title, str) and title.strip() else "")
    if not isinstance(title, str) or not title.strip():
        raise TemplateError(f"{where} has no title.", key)
    if len(title.strip()) > TITLE_LENGTH:
        raise TemplateError(f"{where}: the title is longer than {TITLE_LENGTH} characters.", key)
    kind = item.get("kind")
    if kind not in STEP_KINDS:
        raise TemplateError(f"{where}: the kind '{kind}' is not one of {', '.join(STEP_KINDS)}.", key)
    wait = item.get("wait_days", 0)
    if not isinstance(wait, int) or isinstance(wait, bool) or not 0 <= wait <= MAX_WAIT_DAYS:
        raise TemplateError(
            f"{where}: the wait must be a whole number of days from 0 to {MAX_WAIT_DAYS}.", key
        )
    business = item.get("business_days", False)
    if not isinstance(business, bool):
        raise TemplateError(f"{where}: business_days must be true or false.", key)
    instructions = item.get("instructions") or ""
    if not isinstance(instructions, str):
        raise TemplateError(f"{where}: the instructions must be text (Markdown).", key)
    articles = item.get("article_ids") or []
    if not isinstance(articles, list) or not all(isinstance(a, str) for a in articles):
        raise TemplateError(f"{where}: article_ids must be a list of article ids.", key)
    outcomes = item.get("outcomes")
    if not isinstance(outcomes, Mapping) or not outcomes:
        raise TemplateError(f"{where} has no outcomes: say what happens after it.", key)
    rules: dict[str, Rule] = {}
    for outcome, rule in outcomes.items():
        if outcome not in ACTIVITY_OUTCOMES:
            raise TemplateError(
                f"{where}: '{outcome}' is not an outcome; use one of: {', '.join(ACTIVITY_OUTCOMES)}.", key
            )
        rules[outcome] = _rule(rule, f"{where}: outcome '{outcome}'", key, allow_repeat=True)
    return Step(key, kind, title.strip(), wait, business, instructions, tuple(articles), rules)


def _rule(raw: Any, where: str, key: str, *, allow_repeat: bool) -> Rule:
    if not isinstance(raw, Mapping):
        raise TemplateError(f'{where} needs a rule such as {{"goto": "step"}} or {{"next": true}}.', key)
    kinds = [k for k in RULE_KINDS if k in raw]
    if len(kinds) != 1:
        raise TemplateError(f"{where} needs exactly one of: {', '.join(RULE_KINDS)}.", key)
    kind = kinds[0]
    if kind == "goto":
        target = raw["goto"]
        if not isinstance(target, str) or not target.strip():
            raise TemplateError(f"{where}: goto needs the key of a step.", key)
        return Rule("goto", target=target.strip())
    if kind == "next":
        if raw["next"] is not True:
            raise TemplateError(f'{where}: write next as {{"next": true}}.', key)
        return Rule("next")
    if kind == "repeat":
        if not allow_repeat:
            raise TemplateError(
                f"{where}: after the last repeat, go to a step, go on, complete or exit.", key
            )
        spec = raw["repeat"]
        if not isinstance(spec, Mapping):
            raise TemplateError(f"{where}: repeat needs after_days and max.", key)
        after = spec.get("after_days", 0)
        if not isinstance(after, int) or isinstance(after, bool) or not 0 <= after <= MAX_WAIT_DAYS:
            raise TemplateError(f"{where}: repeat after_days must be 0 to {MAX_WAIT_DAYS}.", key)
        limit = spec.get("max")
        if limit is None:
            raise TemplateError(
                f"{where} repeats with no limit, a loop with no end. Give the most repeats as max.", key
            )
        if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_REPEATS:
            raise TemplateError(f"{where}: repeat max must be a whole number from 1 to {MAX_REPEATS}.", key)
        business = spec.get("business_days")
        if business is not None and not isinstance(business, bool):
            raise TemplateError(f"{where}: repeat business_days must be true or false.", key)
        then = raw.get("then")
        then_rule = _rule(then, f"{where} (after the last repeat)", key, allow_repeat=False) if then else None
        return Rule("repeat", after_days=after, business_days=business, max=limit, then=then_rule)
    result = raw[kind]
    if not isinstance(result, str) or not result.strip() or len(result.strip()) > RESULT_LENGTH:
        raise TemplateError(f"{where}: {kind} needs a result of 1 to {RESULT_LENGTH} characters.", key)
    reason = raw.get("reason")
    if reason is not None and (not isinstance(reason, str) or len(reason) > REASON_LENGTH):
        raise TemplateError(f"{where}: the reason must be text of at most {REASON_LENGTH} characters.", key)
    status = raw.get("lead_status")
    if status is not None and status not in LEAD_STATUSES:
        raise TemplateError(f"{where}: lead_status must be one of {', '.join(LEAD_STATUSES)}.", key)
    return Rule(kind, result=result.strip(), reason=reason or None, lead_status=status)


# -- writing back ----------------------------------------------------------------------------------------


def rule_json(rule: Rule) -> dict[str, Any]:
    if rule.kind == "goto":
        return {"goto": rule.target}
    if rule.kind == "next":
        return {"next": True}
    if rule.kind == "repeat":
        spec: dict[str, Any] = {"after_days": rule.after_days, "max": rule.max}
        if rule.business_days is not None:
            spec["business_days"] = rule.business_days
        out: dict[str, Any] = {"repeat": spec}
        if rule.then is not None:
            out["then"] = rule_json(rule.then)
        return out
    out = {rule.kind: rule.result}
    if rule.reason:
        out["reason"] = rule.reason
    if rule.lead_status:
        out["lead_status"] = rule.lead_status
    return out


def steps_json(steps: list[Step]) -> str:
    return json.dumps(
        [
            {
                "key": s.key,
                "kind": s.kind,
                "title": s.title,
                "wait_days": s.wait_days,
                "business_days": s.business_days,
                "instructions": s.instructions,
                "article_ids": list(s.article_ids),
                "outcomes": {o: rule_json(r) for o, r in s.outcomes.items()},
            }
            for s in steps
        ],
        ensure_ascii=False,
    )


def describe(rule: Rule, steps: list[Step] | None = None) -> str:
    """A rule in words: 'go to Book a demo', 'again in 2 business days (up to 3 times), then exit'."""
    titles = {s.key: s.title for s in steps or []}
    if rule.kind == "goto":
        return f"go to {titles.get(rule.target or '', rule.target)}"
    if rule.kind == "next":
        return "go on to the next step"
    if rule.kind == "repeat":
        unit = "business days" if rule.business_days else "days"
        then = describe(rule.then, steps) if rule.then else "go on to the next step"
        times = "once" if rule.max == 1 else f"{rule.max} times"
        return f"again in {rule.after_days} {unit} (up to {times}), then {then}"
    verb = "complete" if rule.kind == "complete" else "exit"
    extra = f" and mark the lead {rule.lead_status}" if rule.lead_status else ""
    return f"{verb}: {rule.result}{extra}"


# -- scheduling ------------------------------------------------------------------------------------------


# A step that moves to another day keeps the time of day it was scheduled from, unless that time is outside
# working hours (a call logged at 21:30 does not make the next call due at 21:30): then it is due at 9:00.
WORKDAY = (dt.time(8, 0), dt.time(18, 0))
MORNING = dt.time(9, 0)


def add_wait(
    start: dt.datetime,
    days: int,
    business_days: bool,
    tz: dt.tzinfo | None = None,
    *,
    at: dt.datetime | None = None,
) -> dt.datetime:
    """``start`` plus a wait of ``days``, at the same local time of day (9:00 when that time is outside
    working hours and the wait moved to another day); given ``at`` (when the step just done was planned),
    a wait that moves to another day keeps that planned time of day, not the clock time the outcome was
    logged at.  With ``business_days`` only Monday to Friday count
    and the result is a weekday (a wait of 0 from a Saturday lands on Monday).  Days are counted in the time
    zone ``tz`` (the laptop's when None); the result is in UTC."""
    local = start.astimezone(tz) if tz is not None else start.astimezone()
    day = local.date()
    if business_days:
        while day.weekday() >= 5:
            day += dt.timedelta(days=1)
        remaining = days
        while remaining > 0:
            day += dt.timedelta(days=1)
            if day.weekday() < 5:
                remaining -= 1
    else:
        day += dt.timedelta(days=days)
    time = local.time().replace(tzinfo=None)
    if at is not None and day != local.date():
        time = (at.astimezone(tz) if tz is not None else at.astimezone()).time().replace(tzinfo=None)
    if day != local.date() and not WORKDAY[0] <= time < WORKDAY[1]:
        time = MORNING
    moved = dt.datetime.combine(day, time)
    if tz is None:
        return moved.astimezone(dt.UTC)  # a naive time is read as the laptop's local time (DST included)
    return moved.replace(tzinfo=tz).astimezone(dt.UTC)


@dataclass(frozen=True)
class Decision:
    """What an outcome leads to: the next step (key, attempt, due time), or the end of the enrollment."""

    step_key: str | None
    attempt: int = 0
    due_at: dt.datetime | None = None
    status: str = "active"  # active | completed | exited
    result: str | None = None
    reason: str | None = None
    lead_status: str | None = None


def first_step(steps: list[Step], now: dt.datetime, tz: dt.tzinfo | None = None) -> Decision:
    step = steps[0]
    return Decision(step.key, 0, add_wait(now, step.wait_days, step.business_days, tz))


def decide(
    steps: list[Step],
    step_key: str,
    attempt: int,
    outcome: str,
    now: dt.datetime,
    tz: dt.tzinfo | None = None,
    *,
    planned: dt.datetime | None = None,
) -> Decision:
    """The template's answer to ``outcome`` logged at ``now`` on try ``attempt`` (0 = first) of a step
    that was due at ``planned``: a step on a later day keeps that time of day (see :func:`add_wait`)."""
    index = next((i for i, s in enumerate(steps) if s.key == step_key), None)
    if index is None:
        return Decision(
            None, status="exited", result="sequence changed", reason=f"The step '{step_key}' was removed."
        )
    step = steps[index]
    rule = step.outcomes.get(outcome)
    if rule is None:
        raise ValidationError(
            {
                "outcome": f"'{outcome}' is not an outcome of step {step.label}; use one of: "
                + ", ".join(step.outcomes)
                + "."
            }
        )
    if rule.kind == "repeat":
        if attempt < rule.max:
            business = step.business_days if rule.business_days is None else rule.business_days
            return Decision(step.key, attempt + 1, add_wait(now, rule.after_days, business, tz, at=planned))
        rule = rule.then or Rule("next")
    return _follow(steps, index, rule, now, tz, planned)


def skip(steps: list[Step], step_key: str, now: dt.datetime, tz: dt.tzinfo | None = None) -> Decision:
    """Skipping a step goes on to the following step in the list (after the last: complete)."""
    index = next((i for i, s in enumerate(steps) if s.key == step_key), len(steps) - 1)
    return _follow(steps, index, Rule("next", result="completed"), now, tz)


def _follow(
    steps: list[Step],
    index: int,
    rule: Rule,
    now: dt.datetime,
    tz: dt.tzinfo | None,
    planned: dt.datetime | None = None,
) -> Decision:
    if rule.kind in ("complete", "exit"):
        status = "completed" if rule.kind == "complete" else "exited"
        return Decision(
            None, status=status, result=rule.result, reason=rule.reason, lead_status=rule.lead_status
        )
    if rule.kind == "goto":
        target = next(s for s in steps if s.key == rule.target)
    elif index + 1 < len(steps):
        target = steps[index + 1]
    else:
        return Decision(None, status="completed", result="completed")
    return Decision(target.key, 0, add_wait(now, target.wait_days, target.business_days, tz, at=planned))


def step_number(steps: list[Step], key: str | None) -> int:
    """1-based position of a step (0 when unknown)."""
    return next((i for i, s in enumerate(steps, start=1) if s.key == key), 0)
